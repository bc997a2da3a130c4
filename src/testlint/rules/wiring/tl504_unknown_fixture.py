"""Test parameter that no fixture provides.

## What it does

Flags a test parameter (and a `pytest.mark.usefixtures` name) that nothing provides: not a
fixture of the module or of any `conftest.py` from the test's directory up to the rootdir, not
one of pytest's builtins, not a fixture of an installed plugin (read statically from the
`pytest11` entry points), of a module named in `pytest_plugins` or `-p`, not a `parametrize`
argument name, not filled by `@given` or a `@patch` decorator, and not listed in
`extra-fixtures`. A parameter with a default value is not a fixture. Modules that make fixtures
dynamically (`pytest_generate_tests`, star imports, plugins that cannot be read) are left alone.

## Why it matters

pytest reports `fixture 'sample_cart' not found` only when the test runs: a generated test that
asks for a fixture it imagined never ran at all, and in a large suite such an error is easy to
lose among the skips.

## Example

```python
def test_total(sample_cart):
    assert sample_cart.total() == 900
```

## Use instead

```python
import pytest


@pytest.fixture
def sample_cart():
    return Cart([Item("tea", 250, 2), Item("cake", 400)])


def test_total(sample_cart):
    assert sample_cart.total() == 900
```

## Rewrite guidance

Define the fixture the test needs in the test module or the nearest `conftest.py` (or build the
object inside the test), or use the existing fixture the message suggests.

## Options

- `extra-fixtures` (list of str, default empty): fixture names provided in ways testlint cannot
  see (a plugin that is not installed where testlint runs, a fixture registered at run time).
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from testlint.facts import TestFunction, TestModule
from testlint.facts.traversal import walk
from testlint.fixture_index import (
    KNOWN_PLUGIN_FIXTURES,
    PYTEST_BUILTINS,
    fixtures_of_module,
    installed_plugin_fixtures,
    plugin_names,
    pytest_builtin_fixtures,
)
from testlint.inference import Inference, for_project
from testlint.rules.base import RuleContext

CODE = "TL504"
NAME = "unknown-fixture"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "error"
NEEDS = frozenset({"inference"})


@dataclass(frozen=True)
class Options:
    extra_fixtures: tuple[str, ...] = ()


VALID = [
    """
import pytest


@pytest.fixture
def cart():
    return []


@pytest.mark.parametrize("quantity", [1, 2])
def test_add(cart, quantity, tmp_path, monkeypatch, request):
    cart.append(quantity)
    assert cart == [quantity]
""",
    """
from hypothesis import given, strategies as st


@given(st.integers())
def test_int(value):
    assert isinstance(value, int)
""",
    """
from unittest import mock


@mock.patch("os.getcwd")
def test_patched(getcwd, tmp_path, limit=3):
    getcwd.return_value = str(tmp_path)
    assert limit == 3
""",
]

INVALID = [
    """
def test_total(sample_cart):
    assert sample_cart.total() == 900
""",
    """
import pytest


@pytest.mark.usefixtures("clean_databse")
def test_total():
    assert 1 + 1 == 2
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    inference = for_project(ctx.project)
    local = _module_level_provided(ctx, inference, module)
    if local is None:
        return  # fixtures made in ways we cannot see
    local |= set(ctx.options.extra_fixtures)
    known = _Known(local)
    shape = _ModuleShape.of(module)
    hints: _Hints | None = None
    for test in module.tests:
        if test.is_unittest:
            continue
        provided = _test_provided(module, shape, test)
        if provided is None:
            continue
        unknown: list[tuple[ast.AST, str]] = [
            (arg, arg.arg) for arg in _fixture_parameters(test)
            if arg.arg not in provided and arg.arg not in known
        ]
        unknown += [
            (node, name) for node, name in _usefixtures(module, test)
            if name not in provided and name not in known
        ]
        for node, name in unknown:
            if hints is None:
                hints = _Hints(known.every(), {t.name for t in module.tests}, _shared_fixtures())
            ctx.report(node, hints.message(name, provided), test=test)


class _Known:
    """The fixtures every test of the file can request: the file's own and its conftests'
    (`local`), and pytest's and the installed plugins' (`_shared_fixtures`). Reading the
    latter parses pytest's sources and the plugins'; it is done only for a name that is in
    neither `local` nor the lists every install has (`request`, `tmp_path`, `mocker`...), so
    a file whose every fixture is found there never pays for it."""

    def __init__(self, local: set[str]) -> None:
        self.local = local

    def __contains__(self, name: str) -> bool:
        return (
            name in self.local
            or name in PYTEST_BUILTINS
            or name in KNOWN_PLUGIN_FIXTURES
            or name in _shared_fixtures()
        )

    def every(self) -> set[str]:
        return self.local | _shared_fixtures()


@dataclass(frozen=True)
class _ModuleShape:
    """What every test of the module shares, read from the module's statements once (per
    test, this made the rule quadratic in the number of tests of a file)."""

    variables: dict[str, ast.expr]  # module-level `name = value`
    local_classes: frozenset[str]
    pytestmarks: tuple[ast.expr, ...]  # the values of module-level `pytestmark = ...`
    # what the parametrize and `given` calls of each decorator or mark expression provide, by
    # id: a module's pytestmark, a class's decorators and a mark kept in a module variable
    # serve many tests, and are read once
    _effects: dict[int, list[tuple[frozenset[str] | None, int]]] = field(
        default_factory=dict, compare=False
    )
    # import aliases that are `parametrize` or `given` themselves (`from hypothesis import
    # given`): a call of one spells neither word where it is made
    provider_aliases: frozenset[str] = frozenset()
    # per class (by id): its decorators and pytestmark values, or None when a base class from
    # elsewhere may carry fixtures
    _class_sources: dict[int, list[ast.expr] | None] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, module: TestModule) -> _ModuleShape:
        body = module.tree.body
        return cls(
            variables={t.id: stmt.value for stmt in body if isinstance(stmt, ast.Assign)
                       for t in stmt.targets if isinstance(t, ast.Name)},
            local_classes=frozenset(c.name for c in body if isinstance(c, ast.ClassDef)),
            pytestmarks=tuple(s.value for s in body if _is_pytestmark(s)),  # type: ignore[attr-defined]
            provider_aliases=frozenset(
                alias for alias in module.imports
                if _provides(module.qualname(ast.Name(id=alias)) or "")
            ),
        )

    def class_sources(self, cls: ast.ClassDef) -> list[ast.expr] | None:
        """The decorators and pytestmark values of a test's class, or None when one of its
        bases is not a class of this module (it may carry fixtures); read once per class."""
        key = id(cls)
        if key not in self._class_sources:
            found: list[ast.expr] | None = [
                *cls.decorator_list,
                *(s.value for s in cls.body if _is_pytestmark(s)),  # type: ignore[attr-defined]
            ]
            for base in cls.bases:
                if not (isinstance(base, ast.Name)
                        and (base.id in self.local_classes or base.id == "object")):
                    found = None
                    break
            self._class_sources[key] = found
        return self._class_sources[key]

    def provider_effects(
        self, module: TestModule, source: ast.expr
    ) -> list[tuple[frozenset[str] | None, int]]:
        """What each parametrize or `given` call in `source` provides, read once per call:
        (names, how many parameters `given` fills by position); names None for a parametrize
        whose argnames cannot be read."""
        found = self._effects.get(id(source))
        if found is None:
            found = self._effects[id(source)] = []
            for node in self.provider_calls(module, source):
                name = module.qualname(node.func) or ""
                if name.endswith("mark.parametrize"):
                    argnames = node.args[0] if node.args else _keyword(node, "argnames")
                    names = _argnames(argnames)
                    found.append((frozenset(names) if names is not None else None, 0))
                elif name.endswith(".given") or name == "given":
                    found.append((frozenset(k.arg for k in node.keywords if k.arg), len(node.args)))
        return found

    def provider_calls(self, module: TestModule, source: ast.expr) -> list[ast.Call]:
        """The calls in `source` (anywhere in it) to `...mark.parametrize` or `given`."""
        # Such a call spells `parametrize` or `given` as its last name, unless it calls an alias
        # of one. So when the source's lines (plain ASCII, no such alias in them) hold the words
        # at most once, the answer is known without walking a long list of parameters: none, or
        # the source itself.
        first, last = source.lineno, source.end_lineno or source.lineno
        text = "\n".join(module.source.lines[first - 1 : last])
        if text.isascii() and not any(alias in text for alias in self.provider_aliases):
            words = text.count("parametrize") + text.count("given")
            if words == 0:
                return []
            if words == 1 and isinstance(source, ast.Call) and _provider_call(module, source):
                return [source]  # its own name is the one mention: no other call is one
        return [
            node for node in walk(source)
            if isinstance(node, ast.Call) and _provider_call(module, node)
        ]


def _provides(name: str) -> bool:
    """A qualified name of `pytest.mark.parametrize` or Hypothesis' `given`, however imported."""
    return name.endswith(("mark.parametrize", ".given")) or name == "given"


def _provider_call(module: TestModule, call: ast.Call) -> bool:
    return _provides(module.qualname(call.func) or "")


class _Hints:
    """The message for an unknown name, with the closest fixture as a hint. Candidates are
    what provides fixtures, less the module's tests (a test is never a fixture); the sorted
    list is built once and each name's hint is computed once.

    Most candidates are the same in every file (pytest's and the installed plugins' fixtures,
    `shared`): the closest of those is found once per name for the whole run, and each file
    only compares the name with its own candidates (its conftests', its module's, the test's).
    The closest of all is the better of the two, which is what one comparison with every
    candidate finds (`difflib.get_close_matches` keeps the highest (ratio, name))."""

    def __init__(self, known: set[str], tests: set[str], shared: frozenset[str]) -> None:
        self._known = sorted(known - tests)
        # every shared name must be a candidate here (none is one of the module's tests)
        self._shared = shared if shared <= known and not shared & tests else frozenset()
        self._local = [c for c in self._known if c not in self._shared]
        self._seen: dict[tuple[str, frozenset[str]], str] = {}

    def message(self, name: str, provided: set[str]) -> str:
        key = (name, frozenset(provided))
        cached = self._seen.get(key)
        if cached is None:
            extra = sorted(provided - set(self._known))
            best = _closest(name, self._local + extra)
            if self._shared:
                shared = _closest_shared(name, self._shared)
                if shared is not None and (best is None or shared > best):
                    best = shared
            cached = self._seen[key] = _message(name, best[1] if best is not None else None)
        return cached


CUTOFF = 0.8  # how close a fixture's name must be to be offered as a hint


@lru_cache(maxsize=1)
def _shared_fixtures() -> frozenset[str]:
    """The fixtures every file of the run can use whatever its conftests: pytest's own, the
    installed plugins', and the well-known plugins'."""
    return pytest_builtin_fixtures() | installed_plugin_fixtures() | KNOWN_PLUGIN_FIXTURES


@lru_cache(maxsize=1024)
def _closest_shared(name: str, shared: frozenset[str]) -> tuple[float, str] | None:
    return _closest(name, shared)


def _closest(name: str, candidates: Iterable[str]) -> tuple[float, str] | None:
    """The highest (similarity ratio, candidate) at or above CUTOFF, or None: what
    `difflib.get_close_matches(name, candidates, n=1, cutoff=CUTOFF)` picks, with the same
    three tests in the same order. The first (lengths alone) is done inline, so a candidate
    whose length is too far off costs one comparison; the other two are done once per
    (name, candidate) for the run (`_RATIOS`): the files of one directory share their
    conftests' fixtures, and an unknown name recurs in many of them."""
    length = len(name)
    best: tuple[float, str] | None = None
    matcher: difflib.SequenceMatcher[str] | None = None
    for candidate in candidates:
        # SequenceMatcher.real_quick_ratio: 2 * min(la, lb) / (la + lb), 1.0 for two empties
        other = len(candidate)
        total = length + other
        if (2.0 * min(length, other) / total if total else 1.0) < CUTOFF:
            continue
        key = (name, candidate)
        ratio = _RATIOS.get(key, _UNSEEN)
        if ratio == _UNSEEN:
            if matcher is None:
                matcher = difflib.SequenceMatcher()
                matcher.set_seq2(name)  # what difflib indexes of the name, built once here
            matcher.set_seq1(candidate)
            ratio = None
            if matcher.quick_ratio() >= CUTOFF and matcher.ratio() >= CUTOFF:
                ratio = matcher.ratio()
            if len(_RATIOS) >= _RATIOS_KEPT:
                _RATIOS.clear()  # bounded: a long session keeps only recent names
            _RATIOS[key] = ratio
        if ratio is not None:
            found = (ratio, candidate)
            if best is None or found > best:
                best = found
    return best


_UNSEEN = -1.0  # no ratio is below 0
_RATIOS: dict[tuple[str, str], float | None] = {}  # (name, candidate) -> ratio if close
_RATIOS_KEPT = 16384


def _message(name: str, close: str | None) -> str:
    hint = f" (did you mean `{close}`?)" if close is not None else ""
    return (
        f"no fixture named `{name}`{hint}: pytest fails this test at setup; define it in the "
        "module or a conftest.py, or build the value in the test"
    )


def _module_level_provided(
    ctx: RuleContext, inference: Inference, module: TestModule
) -> set[str] | None:
    """What provides fixtures to every test of this file besides pytest and the installed
    plugins (see `_Known`), or None if unknowable."""
    found: set[str] = set()
    modules = [module]
    if not inference.snippet:
        modules = [*ctx.project.lookup_for(Path(module.path)).conftests, module]
    for source in modules:
        if _dynamic(source):
            return None
        found |= set(source.fixtures)
        found |= set(source.imports)  # an imported fixture function is registered too
        found |= source.defined
        for names in _pytest_plugins(source):
            if names is None:
                return None
            for name in names:
                fixtures = _plugin_fixtures(inference, name)
                if fixtures is None:
                    return None
                found |= fixtures
    for name in _addopts_plugins(ctx):
        if name.startswith("no:"):
            continue
        fixtures = _plugin_fixtures(inference, name)
        if fixtures is None:
            return None
        found |= fixtures
    return found


def _dynamic(module: TestModule) -> bool:
    for stmt in module.tree.body:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            return True
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name in {
            "pytest_generate_tests",
            "pytest_collection_modifyitems",
            "pytest_pycollect_makeitem",
            "pytest_fixture_setup",
            "pytest_plugin_registered",
            "pytest_configure",
        }:
            # pytest_configure may register plugin objects that carry fixtures
            return stmt.name != "pytest_configure" or "register" in ast.unparse(stmt)
    return False


def _pytest_plugins(module: TestModule) -> list[list[str] | None]:
    found: list[list[str] | None] = []
    for stmt in module.tree.body:
        if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in targets):
                value = stmt.value
                found.append(plugin_names(value) if value is not None else None)
    return found


def _addopts_plugins(ctx: RuleContext) -> list[str]:
    opts = list(ctx.project.pytest.addopts)
    names = []
    for index, opt in enumerate(opts):
        if opt == "-p" and index + 1 < len(opts):
            names.append(opts[index + 1])
        elif opt.startswith("-p") and len(opt) > 2:
            names.append(opt[2:])
    return names


def _plugin_fixtures(inference: Inference, modname: str) -> set[str] | None:
    def find(name: str) -> Path | None:
        location = inference.locate_any(name)
        if location is None or location.kind not in {"module", "package"}:
            return None
        return location.path

    return fixtures_of_module(modname, find=find)


def _test_provided(module: TestModule, shape: _ModuleShape,
                   test: TestFunction) -> set[str] | None:
    """Names only this test gets: parametrize argnames, @given, @patch, class fixtures."""
    provided: set[str] = set()
    decorators = _decorators(module, shape, test.node.decorator_list)
    if decorators is None:
        return None
    sources: list[ast.expr] = decorators
    if test.cls is not None:
        marks = shape.class_sources(test.cls)
        if marks is None:
            return None  # a base class from elsewhere may carry fixtures
        sources += marks
    sources += shape.pytestmarks
    for source in sources:
        for names, given_positional in shape.provider_effects(module, source):
            if names is None:
                return None  # parametrize with argnames that cannot be read
            provided |= names
            if given_positional:  # `@given(st.integers())` fills the last parameters
                positional = [a.arg for a in test.node.args.args]
                provided |= set(positional[len(positional) - given_positional :])
    for patch in test.patches:
        if patch.injected:
            provided.add(patch.injected)
    return provided


KNOWN_DECORATORS = ("pytest.mark.", "hypothesis.", "unittest.mock.", "pytest.fixture")


def _decorators(module: TestModule, shape: _ModuleShape,
                decorators: list[ast.expr]) -> list[ast.expr] | None:
    """The test's decorators, marks kept in module variables read through (`params =
    pytest.mark.parametrize(...)` then `@params`); None when one is unknown (a custom
    decorator may supply arguments)."""
    variables = shape.variables
    found: list[ast.expr] = []
    for dec in decorators:
        target = dec.func if isinstance(dec, ast.Call) else dec
        spelled = target.id if isinstance(target, ast.Name) else None
        if spelled in variables and spelled not in module.imports:
            dec = variables[spelled]
            target = dec.func if isinstance(dec, ast.Call) else dec
        name = module.qualname(target) or ""
        builtin = isinstance(target, ast.Name) and target.id in {"staticmethod", "classmethod"}
        if not name.startswith(KNOWN_DECORATORS) and not builtin:
            return None
        found.append(dec)
    return found


def _is_pytestmark(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _argnames(node: ast.expr | None) -> set[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {n.strip() for n in node.value.split(",") if n.strip()}
    if isinstance(node, ast.List | ast.Tuple):
        names: set[str] = set()
        for elt in node.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                return None
            names.add(elt.value.strip())
        return names
    return None


def _fixture_parameters(test: TestFunction) -> list[ast.arg]:
    args = test.node.args
    positional = [*args.posonlyargs, *args.args]
    with_default = len(args.defaults)
    plain = positional[: len(positional) - with_default] if with_default else positional
    if test.cls is not None and plain and not _is_static(test.node):
        plain = plain[1:]
    keyword_only = [a for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False) if d is None]
    return [*plain, *keyword_only]


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _usefixtures(module: TestModule, test: TestFunction) -> list[tuple[ast.AST, str]]:
    found: list[tuple[ast.AST, str]] = []
    for dec in test.node.decorator_list:
        if not isinstance(dec, ast.Call):
            continue
        if not (module.qualname(dec.func) or "").endswith("mark.usefixtures"):
            continue
        for arg in dec.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((arg, arg.value))
    return found
