"""Import or module attribute that does not exist in the module it names.

## What it does

Reads the modules a test imports (the project's own, resolved in its source roots, and with
`installed-modules`, installed third-party modules found on the path) without importing them,
and flags `from billing.summary import build_sumary`, `import billing.sumary` and
`summary.build_sumary(...)` when the module exists but defines no such name or submodule. Names
a module binds in any way count (definitions, assignments, imports, conditional definitions,
star imports of modules it can read), and a module that makes names at run time (`__getattr__`,
`globals()` updates, `sys.modules` tricks) is trusted. Imports inside `try`/`if`/`with` blocks
are left alone: the test expects them to fail somewhere. The standard library is not checked:
it differs between the Python versions a project supports.

## Why it matters

A generated test often imports the function it imagines rather than the one that exists. The
file then fails at collection with an ImportError (or the attribute with an AttributeError) and
every test in it is lost; with a broad `try`/`except` or a skip it may never run at all. Finding
it statically costs nothing and points at the right name.

## Example

```python
import pytest
from pytest import approx_equal


def test_ratio():
    assert 0.1 + 0.2 == approx_equal(0.3)
```

## Use instead

```python
import pytest
from pytest import approx


def test_ratio():
    assert 0.1 + 0.2 == approx(0.3)
```

## Rewrite guidance

Import the name the module really defines (the message suggests the closest one), or, when the
test was written against an API that does not exist yet, write that API first. Do not silence
the error with `try`/`except ImportError`.

## Options

- `installed-modules` (bool, default true): also check imports from installed third-party
  modules (read from their source files, never imported). Project modules are always checked.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from testlint.facts import TestModule, dotted_name
from testlint.inference import Inference, for_project
from testlint.rules.base import RuleContext

CODE = "TL503"
NAME = "hallucinated-import"
DEFAULT_ENABLED = True
FIX = "none"
NEEDS = frozenset({"inference"})


@dataclass(frozen=True)
class Options:
    installed_modules: bool = True


VALID = [
    """
from json import loads, parse_json
from pytest import approx, raises


def test_loads():
    assert loads("[0.3]") == [approx(0.1 + 0.2)]
""",
    """
try:
    from pytest import approx_equal
except ImportError:
    approx_equal = None
""",
    """
import pytest


def test_attribute_set_by_the_test(monkeypatch):
    monkeypatch.setattr(pytest, "custom_hook", print, raising=False)
    assert pytest.custom_hook is print
""",
]

INVALID = [
    """
from pytest import approx, approx_equal
""",
    """
import pytest


def test_ratio():
    assert 0.1 + 0.2 == pytest.approx_equal(0.3)
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    inference = for_project(ctx.project)
    installed = bool(ctx.options.installed_modules)
    aliases: dict[str, str] = {}
    for stmt in _unconditional_imports(module):
        _check_import(ctx, inference, module, stmt, installed)
        if stmt in module.tree.body:
            aliases.update(_module_aliases(inference, module, stmt, installed))
    for test in module.tests:
        local = dict(aliases)
        for inner in test.node.body:
            if isinstance(inner, ast.Import | ast.ImportFrom):
                local.update(_module_aliases(inference, module, inner, installed))
        _check_attributes(ctx, inference, test, local, installed)


def _unconditional_imports(module: TestModule) -> Iterator[ast.Import | ast.ImportFrom]:
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            yield stmt
    for test in module.tests:
        for stmt in test.node.body:
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                yield stmt


def _absolute(module: TestModule, stmt: ast.ImportFrom) -> str | None:
    name = stmt.module or ""
    if not stmt.level:
        return name or None
    if module.package is None:
        return None
    parts = module.package.split(".") if module.package else []
    if stmt.level > 1:
        if stmt.level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (stmt.level - 1)]
    joined = ".".join([*parts, name] if name else parts)
    return joined or None


def _check_import(
    ctx: RuleContext,
    inference: Inference,
    module: TestModule,
    stmt: ast.Import | ast.ImportFrom,
    installed: bool,
) -> None:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            missing = _missing_module(inference, alias.name, installed)
            if missing is not None:
                parent, last = missing
                ctx.report(alias, _no_module_message(inference, parent, last, installed))
        return
    source = _absolute(module, stmt)
    if source is None or source == "__future__":
        return
    if inference.locate_any(source, installed) is None:
        missing = _missing_module(inference, source, installed)
        if missing is not None:
            parent, last = missing
            ctx.report(stmt, _no_module_message(inference, parent, last, installed))
        return
    for alias in stmt.names:
        if alias.name == "*" or _dunder(alias.name):
            continue
        if inference.module_defines(source, alias.name, installed) is False:
            ctx.report(alias, _no_name_message(inference, source, alias.name, installed))


def _missing_module(inference: Inference, dotted: str, installed: bool) -> tuple[str, str] | None:
    """(parent, name) for the first segment of `a.b.c` that its readable parent does not have."""
    parts = dotted.split(".")
    if inference.locate_any(parts[0], installed) is None:
        return None  # not a module we can see at all: not ours to judge
    for index in range(1, len(parts)):
        parent = ".".join(parts[:index])
        name = parts[index]
        if inference.locate_any(f"{parent}.{name}", installed) is not None:
            continue
        if "version" in name:
            return None  # generated at build time (setuptools-scm, hatch-vcs), often absent
        if inference.module_defines(parent, name, installed) is False:
            return parent, name
        return None
    return None


def _module_aliases(
    inference: Inference, module: TestModule, stmt: ast.Import | ast.ImportFrom, installed: bool
) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            target = alias.name if alias.asname else alias.name.split(".", 1)[0]
            if inference.locate_any(target, installed) is not None:
                found[alias.asname or target] = target
        return found
    source = _absolute(module, stmt)
    if source is None:
        return found
    for alias in stmt.names:
        target = f"{source}.{alias.name}"
        location = inference.locate_any(target, installed)
        if location is not None and inference.locate_any(source, installed) is not None:
            found[alias.asname or alias.name] = target
    return found


def _check_attributes(
    ctx: RuleContext,
    inference: Inference,
    test: object,
    aliases: dict[str, str],
    installed: bool,
) -> None:
    from testlint.facts import TestFunction

    assert isinstance(test, TestFunction)
    if not aliases:
        return
    rebound: set[str] = set(test.params)
    strings: set[str] = set()
    stored: set[str] = set()
    loads: list[ast.Attribute] = []
    for node in test.nodes:
        if isinstance(node, ast.Attribute):
            if isinstance(node.ctx, ast.Load):
                loads.append(node)
            else:
                spelled = dotted_name(node)
                if spelled:
                    stored.add(spelled)
        elif isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                rebound.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.add(node.value)
    reported: set[str] = set()
    for node in loads:
        prefix = dotted_name(node.value)
        if prefix is None:
            continue
        head, _, rest = prefix.partition(".")
        if head not in aliases or head in rebound:
            continue
        modname = aliases[head] + ("." + rest if rest else "")
        attr = node.attr
        spelled = f"{prefix}.{attr}"
        if _dunder(attr) or attr in strings or spelled in stored or spelled in reported:
            continue
        if rest and inference.locate_any(modname, installed) is None:
            continue  # `m.value.attr`: an attribute of a value, not of a module
        if inference.module_defines(modname, attr, installed) is False:
            reported.add(spelled)
            message = _no_name_message(inference, modname, attr, installed, attribute=True)
            ctx.report(node, message, test=test)


def _dunder(name: str) -> bool:
    return name.startswith("__") and name.endswith("__")


def _suggestion(inference: Inference, modname: str, name: str, installed: bool) -> str:
    candidates = [n for n in inference.module_names(modname, installed) if n != name]
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _where(inference: Inference, modname: str) -> str:
    return modname if inference.locate(modname) is not None else f"the installed {modname}"


def _no_name_message(
    inference: Inference, modname: str, name: str, installed: bool, attribute: bool = False
) -> str:
    hint = _suggestion(inference, modname, name, installed)
    fails = "with AttributeError" if attribute else "at import"
    return (
        f"`{name}` is not defined in {_where(inference, modname)}{hint}: the test fails "
        f"{fails}; use a name the module really defines"
    )


def _no_module_message(inference: Inference, parent: str, name: str, installed: bool) -> str:
    hint = _suggestion(inference, parent, name, installed)
    return (
        f"{_where(inference, parent)} has no module or name `{name}`{hint}: the test fails at "
        "import; import a module that exists"
    )
