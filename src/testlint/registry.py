"""Finds every rule: the built-in modules under testlint.rules.<family>, and third-party packs.

A third-party pack registers an entry point in the group `testlint.rules` whose value is a rule
module, or a package whose submodules are rule modules. Two rules with one code are an error.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from testlint.rules.base import OptionSpec, Rule, RuleDefinitionError, rule_from_module

ENTRY_POINT_GROUP = "testlint.rules"


class UnknownRuleError(ValueError):
    pass


@dataclass(frozen=True)
class Registry:
    rules: dict[str, Rule]  # by code, sorted

    def get(self, code_or_name: str) -> Rule:
        wanted = code_or_name.strip()
        rule = self.rules.get(wanted.upper())
        if rule is not None:
            return rule
        for candidate in self.rules.values():
            if candidate.name == wanted:
                return candidate
        raise UnknownRuleError(f"unknown rule: {code_or_name}")

    def options(self) -> dict[str, OptionSpec]:
        """Every rule option by config key (several rules may share one key)."""
        found: dict[str, OptionSpec] = {}
        for rule in self.rules.values():
            for spec in rule.options:
                found.setdefault(spec.key, spec)
        return found

    def matching(self, selector: str) -> list[Rule]:
        """Rules whose code starts with `selector` ("TL1", "TL101", "ALL")."""
        selector = selector.strip().upper()
        if selector == "ALL":
            return list(self.rules.values())
        return [rule for code, rule in self.rules.items() if code.startswith(selector)]

    def is_selector(self, selector: str) -> bool:
        return bool(self.matching(selector))

    def resolve(
        self,
        select: Iterable[str] | None,
        ignore: Iterable[str] = (),
        extend_select: Iterable[str] = (),
    ) -> list[Rule]:
        """The enabled rules: `select` (or the defaults), plus `extend_select`, minus `ignore`.

        As in ruff, the most specific selector wins when select and ignore overlap
        (`select = ["TL1"]`, `ignore = ["TL101"]` turns off TL101 only).
        """
        chosen: dict[str, int] = {}  # code -> specificity of the selector that enabled it
        if select is None:
            for rule in self.rules.values():
                if rule.default_enabled:
                    chosen[rule.code] = 0
        else:
            for selector in select:
                for rule in self._checked(selector):
                    chosen[rule.code] = max(chosen.get(rule.code, 0), _specificity(selector))
        for selector in extend_select:
            for rule in self._checked(selector):
                chosen[rule.code] = max(chosen.get(rule.code, 0), _specificity(selector))
        for selector in ignore:
            for rule in self._checked(selector):
                if rule.code in chosen and _specificity(selector) >= chosen[rule.code]:
                    del chosen[rule.code]
        return [self.rules[code] for code in sorted(chosen)]

    def _checked(self, selector: str) -> list[Rule]:
        matched = self.matching(selector)
        if not matched:
            raise UnknownRuleError(f"unknown rule code or prefix: {selector}")
        return matched


def _specificity(selector: str) -> int:
    return 0 if selector.strip().upper() == "ALL" else len(selector.strip())


def _submodules(package: ModuleType) -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + "."):
        if info.ispkg or info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        found.append(importlib.import_module(info.name))
    return found


def _builtin_modules() -> list[ModuleType]:
    import testlint.rules as package

    return [m for m in _submodules(package) if m.__name__ != "testlint.rules.base"]


def _plugin_modules() -> list[ModuleType]:
    from testlint.entry_points import entry_points  # not importlib.metadata: start-up cost

    modules: list[ModuleType] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded: Any = entry.load()
        if isinstance(loaded, ModuleType):
            if hasattr(loaded, "__path__"):
                modules.extend(_submodules(loaded))
            else:
                modules.append(loaded)
        elif isinstance(loaded, list | tuple):
            modules.extend(m for m in loaded if isinstance(m, ModuleType))
        else:
            raise RuleDefinitionError(
                f"entry point {entry.name} ({entry.value}) is not a module or list of modules"
            )
    return modules


def build_registry(modules: Iterable[ModuleType]) -> Registry:
    rules: dict[str, Rule] = {}
    for module in modules:
        rule = rule_from_module(module)
        if rule.code in rules:
            raise RuleDefinitionError(
                f"duplicate rule code {rule.code}: {rules[rule.code].module} and {rule.module}"
            )
        rules[rule.code] = rule
    return Registry(rules=dict(sorted(rules.items())))


@lru_cache(maxsize=1)
def load_full_registry() -> Registry:
    """Every rule, static and dynamic (TL7, `testlint verify`), built in and from installed
    packs: what the catalogue, `testlint rule` and SARIF's rule descriptors describe."""
    return build_registry([*_builtin_modules(), *_plugin_modules()])


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    """The static rules, built in and from installed packs, cached for the process: what
    `check` (and the flake8 plugin, the language server, `--select ALL`) may run. Dynamic rules
    need the tests run and are only reported by `testlint verify`."""
    return static_rules(load_full_registry())


def static_rules(registry: Registry) -> Registry:
    return Registry(rules={c: r for c, r in registry.rules.items() if r.kind == "static"})


def dynamic_rules(registry: Registry) -> Registry:
    return Registry(rules={c: r for c, r in registry.rules.items() if r.kind == "dynamic"})
