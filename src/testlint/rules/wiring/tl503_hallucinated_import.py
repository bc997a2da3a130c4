"""Import, attribute, method, enum member or keyword that does not exist in the code it names.

## What it does

Reads the modules a test imports (the project's own, resolved in its source roots, and with
`installed-modules`, installed third-party modules found on the path) without importing them,
and flags `from billing.summary import build_sumary`, `import billing.sumary` and
`summary.build_sumary(...)` when the module exists but defines no such name or submodule. Names
a module binds in any way count (definitions, assignments, imports, conditional definitions,
star imports of modules it can read), and a module that makes names at run time (`__getattr__`,
`globals()` updates, `sys.modules` tricks) is trusted. Imports inside `try`/`if`/`with` blocks
are left alone (the test expects them to fail somewhere), except a `try: import ... except
ImportError: import ...` whose every alternative fails on the project's own modules. The
standard library is not checked: it differs between the Python versions a project supports.

It also follows the link a reader makes from a test to the project's classes (a constructor
call, a local bound once, the fixture behind a parameter with its return value or annotation,
through conftest files and fixture chains, `self.x` set in `setup_method`/`setUp`/an autouse
fixture, `with Cls() as x` when `__enter__` returns self, an instance bound once at the
module's top level, an attribute `__init__` builds with a project constructor, function-local
imports) and flags `handler.with_retry(...)` when the class has no such
method or attribute, `ErrorType.RATE_LIMIT` when the enum has no such member, and
`RetryHandler(timeout=1)` when the constructor (or a function or method) takes no such
keyword. It stays silent whenever the attribute could exist after all: the class or a base has
`__getattr__`/`__getattribute__`, a base outside the project (other than builtins, `enum`,
`abc.ABC`, `Generic`), a metaclass or an unknown class decorator; the name is assigned on any
object anywhere in the project, the test module or its conftests, appears as a string there
(`setattr`, `monkeypatch.setattr`, `patch.object`), is a field, property or slot; the callable
takes `**kwargs`; the receiver is a mock or the class is patched; the test expects an
AttributeError or TypeError; or the object may be an instance of a subclass.

## Why it matters

A generated test often imports the function it imagines rather than the one that exists, or
calls the method, enum member or keyword it imagines on a class that exists. The file then
fails at collection with an ImportError (or the test with an AttributeError or TypeError) and
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

Import the name the module really defines, call the method or enum member the class really
has and pass the keywords the callable really takes (the message suggests the closest one), or,
when the test was written against an API that does not exist yet, write that API first. Do
not silence the error with `try`/`except ImportError`.

## Options

- `installed-modules` (bool, default true): also check imports from installed third-party
  modules (read from their source files, never imported). Project modules are always checked.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from testlint.facts import TestFunction, TestModule, dotted_name
from testlint.inference import Definition, Inference, for_project
from testlint.reach.members import accepts_keyword, candidates, class_facts, lacks
from testlint.reach.receivers import Receivers
from testlint.rules.base import RuleContext

CODE = "TL503"
NAME = "hallucinated-import"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
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
    top_level = {id(stmt) for stmt in module.tree.body}
    for stmt in _unconditional_imports(module):
        _check_import(ctx, inference, module, stmt, installed)
        if id(stmt) in top_level:
            aliases.update(_module_aliases(inference, module, stmt, installed))
    if inference.has_sources:
        _check_fallbacks(ctx, inference, module)
    members: MemberCheck | None = None
    set_by_tests = SetByTests(ctx)
    for test in module.tests:
        local = dict(aliases)
        for inner in test.node.body:
            if isinstance(inner, ast.Import | ast.ImportFrom):
                local.update(_module_aliases(inference, module, inner, installed))
        _check_attributes(ctx, inference, test, local, installed, set_by_tests)
        if inference.has_sources:
            if members is None:
                members = MemberCheck(ctx, inference, set_by_tests)
            members.check(test)


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
    for node, message in _import_failures(inference, module, stmt, installed):
        ctx.report(node, message)


def _import_failures(
    inference: Inference,
    module: TestModule,
    stmt: ast.Import | ast.ImportFrom,
    installed: bool,
) -> list[tuple[ast.AST, str]]:
    """The names of an import statement that surely fail, each with its message."""
    failures: list[tuple[ast.AST, str]] = []
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            missing = _missing_module(inference, alias.name, installed)
            if missing is not None:
                parent, last = missing
                failures.append((alias, _no_module_message(inference, parent, last, installed)))
        return failures
    source = _absolute(module, stmt)
    if source is None or source == "__future__":
        return failures
    if inference.locate_any(source, installed) is None:
        missing = _missing_module(inference, source, installed)
        if missing is not None:
            parent, last = missing
            failures.append((stmt, _no_module_message(inference, parent, last, installed)))
        return failures
    for alias in stmt.names:
        if alias.name == "*" or _dunder(alias.name):
            continue
        if inference.module_defines(source, alias.name, installed) is False:
            failures.append((alias, _no_name_message(inference, source, alias.name, installed)))
    return failures


IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})


def _import_fallbacks(module: TestModule) -> Iterator[ast.Try]:
    """`try: import ... except ImportError: import ...` at module level or in a test's body,
    where every branch is only imports (no graceful `x = None`, skip or pass)."""
    bodies = [module.tree.body, *(test.node.body for test in module.tests)]
    for body in bodies:
        for stmt in body:
            if not isinstance(stmt, ast.Try) or not stmt.handlers:
                continue
            if not all(_catches_import_error(h) for h in stmt.handlers):
                continue
            branches = [stmt.body, *(h.body for h in stmt.handlers)]
            if all(
                branch and all(isinstance(s, ast.Import | ast.ImportFrom) for s in branch)
                for branch in branches
            ):
                yield stmt


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return bool(names) and all(
        (dotted_name(n) or "").rsplit(".", 1)[-1] in IMPORT_ERRORS for n in names
    )


def _check_fallbacks(ctx: RuleContext, inference: Inference, module: TestModule) -> None:
    """An import whose every alternative fails on the project's own modules."""
    for stmt in _import_fallbacks(module):
        branches = [stmt.body, *(h.body for h in stmt.handlers)]
        failures = []
        for branch in branches:
            found = [
                failure
                for inner in branch
                if isinstance(inner, ast.Import | ast.ImportFrom)
                for failure in _import_failures(inference, module, inner, installed=False)
            ]
            if not found:
                break  # this alternative may work
            failures.append(found[0])
        else:
            node, message = failures[0]
            ctx.report(
                node,
                message.replace(
                    ": the test fails",
                    "; its `except ImportError` alternatives fail too: the test fails",
                    1,
                ),
            )


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
    test: TestFunction,
    aliases: dict[str, str],
    installed: bool,
    set_by_tests: SetByTests,
) -> None:
    if not aliases:
        return
    # the attribute reads rooted at an imported module's alias: most tests have none, and then
    # nothing else about the test is needed (the root of the chain is looked at before the
    # dotted name is built)
    loads: list[tuple[ast.Attribute, str]] = []
    for node in test.nodes_of(ast.Attribute):
        root = node.value
        while root.__class__ is ast.Attribute:
            root = root.value
        if (
            root.__class__ is ast.Name
            and root.id in aliases
            and isinstance(node.ctx, ast.Load)
        ):
            prefix = dotted_name(node.value)
            if prefix is not None:
                loads.append((node, prefix))
    if not loads:
        return
    rebound: set[str] = set(test.params)
    rebound.update(n.id for n in test.nodes_of(ast.Name) if not isinstance(n.ctx, ast.Load))
    strings = {n.value for n in test.nodes_of(ast.Constant) if isinstance(n.value, str)}
    stored: set[str] = set()
    for node in test.nodes_of(ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            spelled = dotted_name(node)
            if spelled:
                stored.add(spelled)
    reported: set[str] = set()
    for node, prefix in loads:
        head, _, rest = prefix.partition(".")
        if head in rebound:
            continue
        modname = aliases[head] + ("." + rest if rest else "")
        attr = node.attr
        spelled = f"{prefix}.{attr}"
        if _dunder(attr) or attr in strings or spelled in stored or spelled in reported:
            continue
        if rest and inference.locate_any(modname, installed) is None:
            continue  # `m.value.attr`: an attribute of a value, not of a module
        if inference.module_defines(modname, attr, installed) is False:
            if set_by_tests(attr):
                continue  # `_state.orig_join = _state.join` in a conftest
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


# ---- members of project classes and keywords of project callables --------------------------
class SetByTests:
    """Whether the test module or its conftests may give an object (or a module) attribute
    `name`: `obj.name = ...`, the name spelled as a string (setattr, monkeypatch.setattr,
    patch.object, patch("...name", create=True)), or any setattr with a computed name. Read
    only when a finding is about to be made."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self._conftests: list[TestModule] | None = None
        self._names: frozenset[str] | None = None

    @property
    def conftests(self) -> list[TestModule]:
        """The conftests that apply to the test module, outermost first (read on first use)."""
        if self._conftests is None:
            from pathlib import Path

            path = self.ctx.module.path
            self._conftests = (
                list(self.ctx.project.lookup_for(Path(path)).conftests) if path else []
            )
        return self._conftests

    def __call__(self, name: str) -> bool:
        if self._names is None:
            names: set[str] = set()
            dynamic = False
            for source in [self.ctx.module, *self.conftests]:
                found, computed = _names_set_in(source)
                names |= found
                dynamic = dynamic or computed
            self._names = frozenset(names) if not dynamic else frozenset({"*"})
        return name in self._names or "*" in self._names


class MemberCheck:
    """Attributes, enum members and keyword arguments a test uses on project classes and
    callables that surely do not exist (see testlint.reach.members for "surely")."""

    def __init__(self, ctx: RuleContext, inference: Inference, set_by_tests: SetByTests) -> None:
        self.ctx = ctx
        self.inference = inference
        self.set_by_tests = set_by_tests
        self.receivers = Receivers(inference, ctx.module, set_by_tests.conftests)

    def check(self, test: TestFunction) -> None:
        expects: set[str] = set()
        for node in test.nodes:
            if isinstance(node, ast.Name) and node.id in {"AttributeError", "TypeError"}:
                expects.add(node.id)
            elif isinstance(node, ast.Attribute) and node.attr in {"AttributeError", "TypeError"}:
                expects.add(node.attr)
        patched = " ".join(p.target or "" for p in test.patches)
        reported: set[tuple[str, str]] = set()
        for node in test.nodes:
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                if "AttributeError" not in expects:
                    self._attribute(test, node, patched, reported)
            elif isinstance(node, ast.Call) and "TypeError" not in expects:
                self._keywords(test, node, patched, reported)

    def _mocked(self, test: TestFunction, node: ast.expr, patched: str, cls: Definition) -> bool:
        root = node
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and root.id in test.mock_names:
            return True
        return cls.name in patched

    def _attribute(
        self, test: TestFunction, node: ast.Attribute, patched: str, reported: set[tuple[str, str]]
    ) -> None:
        attr = node.attr
        if attr.startswith("__") and attr.endswith("__"):
            return
        receiver = self.receivers.of(test, node.value)
        on_instance = receiver is not None
        cls = receiver.cls if receiver is not None else self.receivers.resolve(test, node.value)
        if cls is None or cls.kind != "class" or isinstance(cls.node, ast.AST):
            return
        key = (dotted_name(node.value) or cls.qualname, attr)
        if key in reported or self._mocked(test, node.value, patched, cls):
            return
        if not lacks(self.inference, cls, attr) or self.set_by_tests(attr):
            return
        reported.add(key)
        facts = class_facts(self.inference, cls)
        what = "member" if facts.is_enum and not on_instance else "attribute"
        whose = f"`{cls.name}` instance" if on_instance else f"`{cls.name}`"
        hint = _close(attr, candidates(self.inference, cls))
        self.ctx.report(
            node,
            f"{whose} has no {what} `{attr}`{hint} ({cls.where()}): the test fails with "
            "AttributeError; use a name the class really defines",
            test=test,
        )

    def _keywords(
        self, test: TestFunction, call: ast.Call, patched: str, reported: set[tuple[str, str]]
    ) -> None:
        names = [k for k in call.keywords if k.arg is not None]
        if not names:
            return
        target = self._callee(test, call.func)
        if target is None:
            return
        definition, cls = target
        if self._mocked(test, call.func, patched, cls or definition):
            return
        for keyword in names:
            assert keyword.arg is not None
            key = (definition.qualname, f"{keyword.arg}=")
            if key in reported:
                continue
            if accepts_keyword(self.inference, definition, keyword.arg) is not False:
                continue
            reported.add(key)
            shown = definition.name if definition.kind == "class" else definition.qualname.split(
                ".", definition.qualname.count(".") - (1 if definition.owner is not None else 0)
            )[-1]
            hint = _close(keyword.arg, _parameters(self.inference, definition))
            self.ctx.report(
                keyword,
                f"`{shown}()` takes no keyword argument `{keyword.arg}`{hint} "
                f"({definition.where()}): the test fails with TypeError; pass a parameter "
                "it really accepts",
                test=test,
            )

    def _callee(
        self, test: TestFunction, func: ast.expr
    ) -> tuple[Definition, Definition | None] | None:
        if isinstance(func, ast.Attribute):
            receiver = self.receivers.of(test, func.value)
            if receiver is not None:
                try:
                    method = self.inference._class_member(receiver.cls, func.attr, 0)
                except (RecursionError, Exception):
                    return None
                if method is None or method.kind != "method":
                    return None
                return method, receiver.cls
        definition = self.receivers.resolve(test, func)
        if definition is None or isinstance(definition.node, ast.AST) or definition.node is None:
            return None
        if definition.kind not in {"class", "function", "method"}:
            return None
        return definition, None


_NAMES_SET_ATTR = "_testlint_names_set"


def _names_set_in(module: TestModule) -> tuple[frozenset[str], bool]:
    """Attribute names a module assigns on any object or spells as strings (and whether it sets
    attributes through computed names), read once per module (a conftest serves many files)."""
    cached: tuple[frozenset[str], bool] | None = module.__dict__.get(_NAMES_SET_ATTR)
    if cached is not None:
        return cached
    names: set[str] = set()
    dynamic = False
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.add(node.value)
            if "." in node.value:  # patch("pkg.mod.Cls.name", create=True)
                names.update(node.value.split("."))
        elif (
            isinstance(node, ast.Call)
            and dotted_name(node.func) in {"setattr", "object.__setattr__"}
            and not (len(node.args) > 1 and isinstance(node.args[1], ast.Constant))
        ):
            dynamic = True
    result = (frozenset(names), dynamic)
    module.__dict__[_NAMES_SET_ATTR] = result
    return result


def _parameters(inference: Inference, definition: Definition) -> list[str]:
    node = definition.node
    if definition.kind == "class":
        for cls in class_facts(inference, definition).classes:
            init = cls.locals.get("__init__")
            if init:
                node = init[0]
                break
        else:
            return []
    args = getattr(node, "args", None)
    if args is None:
        return []
    return [a.name for a in [*(args.args or []), *(args.kwonlyargs or [])] if a.name != "self"]


def _close(name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, [n for n in names if n != name], n=1, cutoff=0.7)
    return f" (did you mean `{close[0]}`?)" if close else ""
