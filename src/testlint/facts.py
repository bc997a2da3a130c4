"""The per-file test model every rule reads, built once from the stdlib AST.

A rule asks questions such as "which tests have no assertion?" or "which names in this test are
mocks?"; the answers are computed here, once per file, with import aliases resolved to qualified
names (`import pytest as pt; pt.raises` is `pytest.raises`). Rules never walk the tree themselves.

Each node of the module is visited once: test bodies by their test, fixture and helper bodies by
their definition, and everything else (module statements, decorators, class bodies) by one pass
over the rest, which is where marker uses outside tests are found.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import fnmatch
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from testlint.source import SourceFile

if TYPE_CHECKING:
    from testlint.dependencies.declared import Declared

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
# pytest-benchmark's and pytest-codspeed's fixture, and pytest-codspeed's marker
BENCHMARK_FIXTURES = frozenset({"benchmark"})
BENCHMARK_MARK = "pytest.mark.benchmark"
NodeT = TypeVar("NodeT", bound=ast.AST)
OtherT = TypeVar("OtherT", bound=ast.AST)
# `try ... except*` exists from Python 3.11
TRY_NODES: tuple[type[ast.stmt], ...] = tuple(
    t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None
)

BUILTIN_NAMES = frozenset(dir(builtins))
STDLIB_MODULES = frozenset(sys.stdlib_module_names)

# Libraries whose calls are test machinery, never the code under test.
TEST_SUPPORT_ROOTS = frozenset(
    {
        "pytest",
        "_pytest",
        "unittest",
        "mock",
        "pytest_mock",
        "hypothesis",
        "syrupy",
        "inline_snapshot",
        "freezegun",
        "time_machine",
        "responses",
        "respx",
        "pytest_httpx",
        "testfixtures",
    }
)
TESTING_MODULE_PREFIXES = (
    "numpy.testing", "pandas.testing", "pandas._testing", "pandas.util.testing"
)

MOCK_FACTORIES = frozenset(
    {
        "unittest.mock.Mock",
        "unittest.mock.MagicMock",
        "unittest.mock.AsyncMock",
        "unittest.mock.NonCallableMock",
        "unittest.mock.NonCallableMagicMock",
        "unittest.mock.PropertyMock",
        "unittest.mock.create_autospec",
        "unittest.mock.patch",
        "unittest.mock.patch.object",
        "unittest.mock.patch.multiple",
        "unittest.mock.mock_open",
    }
)
PATCH_CALLS = frozenset(
    {"unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.multiple"}
)
MOCKER_FIXTURES = frozenset(
    {"mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker"}
)
MOCKER_FACTORY_ATTRS = frozenset(
    {
        "patch",
        "patch.object",
        "patch.multiple",
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "create_autospec",
        "spy",
        "stub",
        "async_stub",
        "mock_open",
    }
)
MOCKER_PATCHES = frozenset({"patch", "patch.object", "patch.multiple"})
MOCK_ASSERT_METHODS = frozenset(
    {
        "assert_called",
        "assert_called_once",
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_has_calls",
        "assert_not_called",
        "assert_awaited",
        "assert_awaited_once",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
        "assert_has_awaits",
        "assert_not_awaited",
    }
)
# Attributes that only a mock has; reading one in an assert makes it a mock assertion.
MOCK_ONLY_ATTRS = frozenset(
    {
        "call_count",
        "call_args",
        "call_args_list",
        "mock_calls",
        "method_calls",
        "await_count",
        "await_args",
        "await_args_list",
    }
)
MOCK_STATE_ATTRS = MOCK_ONLY_ATTRS | {"called", "awaited"}

# attributes of a MarkDecorator that read it rather than apply it (`pytest.mark.skip.mark`)
INTROSPECTION_ATTRS = frozenset({"mark", "name", "args", "kwargs", "markname"})

RAISES_CALLS = frozenset({"pytest.raises", "pytest.warns", "pytest.deprecated_call"})
UNITTEST_RAISES = frozenset(
    {"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns", "assertWarnsRegex"}
)
UNITTEST_WEAK = frozenset({"assertIsNotNone", "assertIsInstance", "assertNotIsInstance"})
UNITTEST_EQUALITY = frozenset(
    {"assertEqual", "assertEquals", "failUnlessEqual", "assertNotEqual", "assertNotEquals"}
)
FAIL_CALLS = frozenset({"pytest.fail"})
SKIP_CALLS = frozenset({"pytest.skip", "pytest.xfail", "pytest.importorskip"})
FIXTURE_DECORATORS = frozenset(
    {"pytest.fixture", "pytest.yield_fixture", "pytest_asyncio.fixture", "pytest_trio.trio_fixture"}
)
UNITTEST_BASES = frozenset(
    {"unittest.TestCase", "unittest.IsolatedAsyncioTestCase", "unittest.case.TestCase"}
)
DEFAULT_HELPER_PREFIXES = ("assert", "check", "verify", "expect")
# Names with a helper prefix that are well known not to assert anything.
NOT_ASSERTION_HELPERS = frozenset(
    {"subprocess.check_call", "subprocess.check_output", "hypothesis.assume"}
)


class Kind(str, Enum):
    """What an assertion checks."""

    VALUE = "value"  # compares or checks a specific outcome
    WEAK = "weak"  # only existence/type/truthiness (`is not None`, isinstance, `len(x) > 0`)
    MOCK = "mock"  # only how mocks were called
    RAISES = "raises"  # pytest.raises / warns / assertRaises
    HELPER = "helper"  # delegated to a helper or fixture that asserts


@dataclass(frozen=True)
class Comparison:
    left: ast.expr
    op: ast.cmpop
    right: ast.expr


@dataclass
class Assertion:
    node: ast.AST  # the Assert statement or the Call that asserts
    kind: Kind
    # "assert", "unittest.assertEqual", "mock.assert_called_once_with", "pytest.raises", ...
    api: str
    expr: ast.expr | None = None  # the asserted expression (assert statement, assertTrue argument)
    comparisons: tuple[Comparison, ...] = ()
    # a helper taken for an assertion by its name alone (`check_x(...)`, `verify(...)`), its body
    # unseen here; a rule that can read the code under test may find it asserts nothing
    by_name: bool = False


@dataclass
class RaisesUse:
    call: ast.Call
    api: str  # "pytest.raises", "unittest.assertRaises", ...
    expected: ast.expr | None  # the exception type expression
    has_match: bool
    body: list[ast.stmt] | None  # statements of the `with` block; None for the call form
    with_node: ast.With | ast.AsyncWith | None


@dataclass
class Patch:
    node: ast.Call | ast.expr
    api: str  # "patch", "patch.object", "mocker.patch", "monkeypatch.setattr", ...
    target: str | None  # dotted target when static ("pkg.mod.func")
    injected: str | None = None  # parameter name a decorator passes the mock into


@dataclass
class CallSite:
    node: ast.Call
    dotted: str | None  # spelling of the callee ("client.get", "np.sum")
    qualname: str | None  # resolved through imports ("numpy.sum"), else None
    origin: str  # builtin | local | import | fixture | variable | mock | self | unknown
    usage: str  # discarded | assigned | asserted | argument | other
    bound: tuple[str, ...] = ()  # names the result is assigned to
    result_read: bool = False  # for `assigned`: a bound name is read later in the test
    in_assertion: bool = False


@dataclass
class ModuleCall:
    node: ast.Call
    qualname: str | None  # resolved through imports ("decimal.Decimal"), else None
    scope: FunctionNode | None  # the innermost enclosing def; None at module or class level


@dataclass
class MarkerUse:
    name: str  # "parametrize"
    node: ast.Attribute  # the `pytest.mark.<name>` attribute; its end is the name's end
    where: str  # decorator | pytestmark | param | class | body | other
    test: str | None  # qualified name of the enclosing test, when there is one
    call: ast.Call | None = None  # `pytest.mark.name(...)` arguments, when called
    # only read for introspection (`pytest.mark.skip.mark`, `.name`), never applied to a test
    introspected: bool = False


@dataclass
class FixtureDef:
    name: str
    node: FunctionNode
    params: tuple[str, ...]
    autouse: bool
    asserts: bool
    returns_mock: bool
    path: str


@dataclass
class TestFunction:
    node: FunctionNode
    name: str
    qualname: str  # "TestCart.test_total" or "test_total"
    cls: ast.ClassDef | None
    is_unittest: bool
    params: tuple[str, ...]  # without self/cls
    decorators: tuple[str, ...]  # qualified decorator names ("pytest.mark.parametrize")
    assertions: list[Assertion] = field(default_factory=list)
    raises: list[RaisesUse] = field(default_factory=list)
    _calls: list[CallSite] | None = field(default=None, repr=False)
    _call_sites_builder: Callable[[], list[CallSite]] | None = field(
        default=None, repr=False, compare=False
    )
    mock_names: set[str] = field(default_factory=set)
    patches: list[Patch] = field(default_factory=list)
    markers: list[MarkerUse] = field(default_factory=list)
    nodes: list[ast.AST] = field(default_factory=list)  # every node of the body, in walk order
    skips: bool = False  # calls pytest.skip/xfail or is marked skip/xfail
    # a benchmark (pytest-benchmark's or pytest-codspeed's `benchmark` fixture, or marked
    # `benchmark` itself, on its class or by the module's pytestmark): it runs code for its cost,
    # so a statement whose result is unused is the point, not a forgotten assertion
    benchmark: bool = False

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def calls(self) -> list[CallSite]:
        """Every call in the body with how its result is used; built on first use (only the
        rules about mocks and about what is asserted ask, and only for some tests)."""
        if self._calls is None:
            builder, self._call_sites_builder = self._call_sites_builder, None
            self._calls = builder() if builder is not None else []
        return self._calls

    @property
    def body(self) -> list[ast.stmt]:
        return self.node.body

    @cached_property
    def bindings(self) -> dict[str, ast.expr]:
        """Names the test binds exactly once, with their value (`single_bindings`)."""
        return single_bindings(self.node)

    @cached_property
    def _parents(self) -> dict[int, ast.AST]:
        return parent_map(self.node)

    @cached_property
    def _by_type(self) -> dict[type, list[ast.AST]]:
        index: dict[type, list[ast.AST]] = {}
        for node in self.nodes:
            bucket = index.get(node.__class__)
            if bucket is None:
                index[node.__class__] = [node]
            else:
                bucket.append(node)
        return index

    @overload
    def nodes_of(self, kind: type[NodeT], /) -> list[NodeT]: ...
    @overload
    def nodes_of(self, kind: type[NodeT], other: type[OtherT], /) -> list[NodeT | OtherT]: ...
    @overload
    def nodes_of(self, *types: type[ast.AST]) -> list[ast.AST]: ...

    def nodes_of(self, *types: type[ast.AST]) -> list[Any]:
        """The body's nodes of exactly these AST types, in the order of `nodes` within each type
        (types one after the other). Indexed on first use: a rule that wants the calls of a test
        reads a short list instead of testing every node."""
        index = self._by_type
        if len(types) == 1:
            return index.get(types[0], [])
        found: list[ast.AST] = []
        for type_ in types:
            found.extend(index.get(type_, []))
        return found

    @overload
    def own_nodes_of(self, kind: type[NodeT], /) -> list[NodeT]: ...
    @overload
    def own_nodes_of(self, kind: type[NodeT], other: type[OtherT], /) -> list[NodeT | OtherT]: ...
    @overload
    def own_nodes_of(self, *types: type[ast.AST]) -> list[ast.AST]: ...

    def own_nodes_of(self, *types: type[ast.AST]) -> list[Any]:
        """`nodes_of`, keeping only the test's own nodes (see `own_nodes`)."""
        found = self.nodes_of(*types)
        own = self.own_nodes
        if own is self.nodes or not found:
            return found
        ids = {id(node) for node in own}
        return [node for node in found if id(node) in ids]

    @cached_property
    def own_nodes(self) -> list[ast.AST]:
        """The body's nodes that run as part of the test itself, parents before children (the
        order of `nodes`): a function, lambda or class defined in the test is included, its body
        is not (it runs when called). Built on first use and shared by the rules that ask."""
        nodes = self.nodes
        if not any(node.__class__ in _NESTED_SCOPE_TYPES for node in nodes):
            return nodes  # the usual test: nothing nested, every node is its own
        # the same breadth-first walk as `nodes`, not descending into nested scopes: removing
        # whole subtrees from a breadth-first order keeps the order of the rest
        found: list[ast.AST] = []
        for stmt in self.node.body:
            start = len(found)
            found.append(stmt)
            i = start
            while i < len(found):
                current = found[i]
                i += 1
                if current.__class__ in _NESTED_SCOPE_TYPES:
                    continue
                found.extend(_children(current))
        return found

    def ancestors(self, node: ast.AST) -> list[ast.AST]:
        """The nodes enclosing `node` in this test, nearest first, ending with the test's def.

        Built on first use (one walk of the test), for rules that ask where a statement sits:
        in a loop, an `except` handler, a `with pytest.raises` block, a nested function.
        """
        found: list[ast.AST] = []
        parents = self._parents
        current = parents.get(id(node))
        while current is not None:
            found.append(current)
            if current is self.node:
                break
            current = parents.get(id(current))
        return found

    def in_nested_scope(self, node: ast.AST) -> bool:
        """`node` runs in a function, lambda or class nested in the test, not in the test itself."""
        return any(
            isinstance(a, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef)
            for a in self.ancestors(node)[:-1]
        )


class ProjectLookup(Protocol):
    """What facts may ask of the rest of the project (conftest fixtures, helper modules)."""

    def fixture(self, name: str) -> FixtureDef | None: ...

    def function_asserts(self, qualname: str) -> bool | None: ...

    def autouse_fixtures(self) -> list[FixtureDef]: ...

    def conftest_modules(self) -> list[TestModule]: ...

    def declared_dependencies(self) -> Declared: ...


class _NoProject:
    def fixture(self, name: str) -> FixtureDef | None:
        return None

    def function_asserts(self, qualname: str) -> bool | None:
        return None

    def autouse_fixtures(self) -> list[FixtureDef]:
        return []

    def conftest_modules(self) -> list[TestModule]:
        return []

    def declared_dependencies(self) -> Declared:
        from testlint.dependencies.declared import Declared

        return Declared()


@dataclass
class CollectionRules:
    """pytest's naming rules for what it collects (python_classes / python_functions)."""

    python_classes: tuple[str, ...] = ("Test",)
    python_functions: tuple[str, ...] = ("test",)
    helper_prefixes: tuple[str, ...] = DEFAULT_HELPER_PREFIXES

    def __post_init__(self) -> None:
        # matched case-insensitively (has_helper_prefix): lower-cased once here
        self.helper_prefixes = tuple(prefix.lower() for prefix in self.helper_prefixes)

    def is_test_class(self, name: str) -> bool:
        return _matches(name, self.python_classes)

    def is_test_function(self, name: str) -> bool:
        return _matches(name, self.python_functions)


def has_helper_prefix(name: str, prefixes: tuple[str, ...]) -> bool:
    """`check_total`, `checkTotal`, `assert_called`, `verify`: the prefix is a whole word of the
    name (`checkout`, `expected_rows`' `expected` or `verifying` are not assertion helpers).
    `prefixes` are lower case (CollectionRules lowers them); the name matches in any case."""
    bare = name.lstrip("_")
    lowered = bare.lower()
    if not lowered.startswith(prefixes):
        return False  # the usual answer, without a loop
    for prefix in prefixes:
        if not lowered.startswith(prefix):
            continue
        rest = bare[len(prefix):]
        if not rest or not rest[0].isalpha() or rest[0].isupper():
            return True
    return False


def _matches(name: str, patterns: Iterable[str]) -> bool:
    # pytest: "prefixes or glob patterns"
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            if fnmatch.fnmatchcase(name, pattern):
                return True
        elif name.startswith(pattern):
            return True
    return False


@dataclass
class TestModule:
    source: SourceFile
    imports: dict[str, str]  # local alias -> qualified name
    tests: list[TestFunction]
    fixtures: dict[str, FixtureDef]
    helpers: dict[str, FunctionNode]  # module functions and class methods that are not tests
    helper_asserts: dict[str, bool]
    markers: list[MarkerUse]
    defined: set[str]  # names bound at module level
    is_conftest: bool
    package: str | None  # dotted package of the file, for relative imports, when known
    # markers a conftest registers with `config.addinivalue_line("markers", "name: ...")`, by line
    declared_markers: dict[str, int] = field(default_factory=dict)
    # it also registers markers whose names cannot be read statically (so any name may be known)
    dynamic_markers: bool = False
    # modules a conftest loads as plugins (`pytest_plugins = ["pkg.plugin"]`)
    pytest_plugins: tuple[str, ...] = ()
    # the project as seen from this file (its conftests), for rules that need more than facts
    lookup: ProjectLookup = field(default_factory=lambda: _NoProject())
    _module_calls: list[ModuleCall] | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> str:
        return self.source.path

    def calls_to(self, qualnames: Iterable[str]) -> list[ModuleCall]:
        """Calls anywhere in the file (tests, fixtures, helpers, module and class level) whose
        callee resolves to one of `qualnames`, in source order.

        The index behind it is built on first use, by one walk of the file, so rules that look
        for a call outside tests (`Decimal(19.99)` in a fixture or a module constant) share it
        and files whose rules never ask pay nothing.
        """
        if self._module_calls is None:
            self._module_calls = _index_calls(self.source.tree, self.imports)
        wanted = frozenset(qualnames)
        return [c for c in self._module_calls if c.qualname in wanted]

    @property
    def tree(self) -> ast.Module:
        return self.source.tree

    def dotted(self, node: ast.AST) -> str | None:
        return dotted_name(node)

    def qualname(self, node: ast.AST) -> str | None:
        return qualify(node, self.imports)

    def test_at(self, node: ast.AST) -> TestFunction | None:
        line = getattr(node, "lineno", None)
        if line is None:
            return None
        for test in self.tests:
            end = test.node.end_lineno or test.node.lineno
            if test.node.lineno <= line <= end:
                return test
        return None

    @cached_property
    def _references(self) -> tuple[frozenset[str], frozenset[str]]:
        names: set[str] = set()
        attributes: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                attributes.add(node.attr)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.isidentifier()
            ):
                names.add(node.value)
                attributes.add(node.value)
        return frozenset(names), frozenset(attributes)

    @property
    def names_referenced(self) -> frozenset[str]:
        """Every name the file reads as a variable (`Name` loads) or spells as an identifier-like
        string (`getattr(self, "check_x")`). Built on first use, by one walk of the file."""
        return self._references[0]

    @property
    def attributes_referenced(self) -> frozenset[str]:
        """Every attribute name the file reads or writes (`self.check_x`), and identifier-like
        strings. Built with `names_referenced`."""
        return self._references[1]


def is_autouse_fixture(func: FunctionNode) -> bool:
    """`@pytest.fixture(autouse=True)` (any spelling of the fixture decorator that is called)."""
    for decorator in func.decorator_list:
        if isinstance(decorator, ast.Call) and (dotted_name(decorator.func) or "").endswith(
            "fixture"
        ):
            value = _kwarg(decorator, "autouse")
            if isinstance(value, ast.Constant) and value.value is True:
                return True
    return False


def given_values(func: FunctionNode) -> list[ast.expr]:
    """What a fixture (or a factory) gives: the values its own body returns or yields, not those
    of functions nested in it; a bare `return`/`yield` gives None."""
    found: list[ast.expr] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom):
            found.append(node.value if node.value is not None else ast.Constant(value=None))
        stack.extend(ast.iter_child_nodes(node))
    return found


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if node.__class__ is ast.Name:
        return node.id
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def root_name(node: ast.AST) -> str | None:
    """The Name at the root of an attribute/call/subscript chain (`a` in `a.b().c[0]`)."""
    while True:
        if isinstance(node, ast.Attribute | ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _normalise(qualified: str) -> str:
    # the `mock` backport and pytest's private module are the same API as their public names
    if qualified == "mock" or qualified.startswith("mock."):
        return "unittest." + qualified
    if qualified.startswith("_pytest.mark.") or qualified == "_pytest.mark":
        return "pytest.mark" + qualified[len("_pytest.mark") :]
    if qualified.startswith("_pytest.python_api."):
        return "pytest." + qualified[len("_pytest.python_api.") :]
    if qualified.startswith("_pytest.") and qualified.count(".") == 2:
        # _pytest.fixtures.fixture, _pytest.outcomes.fail, _pytest.recwarn.warns
        return "pytest." + qualified.rsplit(".", 1)[1]
    return qualified


def qualify(node: ast.AST, imports: dict[str, str]) -> str | None:
    """The qualified name of a Name/Attribute chain whose root is an imported name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    base = imports.get(node.id)
    if base is None:
        return None  # most chains (locals, fixtures, self): no string built
    if parts:
        parts.append(base)
        return _normalise(".".join(reversed(parts)))
    return _normalise(base)


def collect_imports(tree: ast.Module, package: str | None) -> dict[str, str]:
    """Aliases bound by imports anywhere at module level (including under if/try blocks)."""
    imports: dict[str, str] = {}
    for stmt in _module_level_statements(tree.body):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    imports[top] = top
        elif isinstance(stmt, ast.ImportFrom):
            module = _absolute_module(stmt, package)
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                qualified = f"{module}.{alias.name}" if module else alias.name
                imports[alias.asname or alias.name] = qualified
    return imports


def _absolute_module(stmt: ast.ImportFrom, package: str | None) -> str:
    module = stmt.module or ""
    if not stmt.level:
        return module
    if package is None:
        return "." * stmt.level + module
    parts = package.split(".") if package else []
    if stmt.level > 1:
        parts = parts[: len(parts) - (stmt.level - 1)]
    return ".".join([*parts, module] if module else parts)


def _module_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _module_level_statements(stmt.body)
            yield from _module_level_statements(stmt.orelse)
        elif isinstance(stmt, TRY_NODES):
            yield from _module_level_statements(getattr(stmt, "body", []))
            for handler in getattr(stmt, "handlers", []):
                yield from _module_level_statements(handler.body)
            yield from _module_level_statements(getattr(stmt, "orelse", []))
            yield from _module_level_statements(getattr(stmt, "finalbody", []))
        elif isinstance(stmt, ast.With):
            yield from _module_level_statements(stmt.body)


def walk_body(func: FunctionNode) -> list[ast.AST]:
    """The nodes of a function's body (not its decorators, arguments or annotations)."""
    out: list[ast.AST] = []
    for stmt in func.body:
        out.extend(walk(stmt))
    return out


# Fields that never hold a child worth visiting: names, flags, and the Load/Store/Del context
# markers (a shared instance on every Name, Attribute, Subscript...: a third of all nodes, and
# nothing asks about them except through `.ctx`).
_LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "name", "module", "level", "kind", "conversion", "is_async",
     "simple", "type_comment", "n", "s", "tag"}
)
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        names: tuple[str, ...] = getattr(cls, "_fields", ())
        fields = _CHILD_FIELDS[cls] = tuple(f for f in names if f not in _LEAF_FIELDS)
    return fields


# the node types each per-test scan acts on; every other node is skipped by one set lookup
_TEST_BODY_TYPES = frozenset({
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith,
    ast.comprehension, ast.NamedExpr, ast.ExceptHandler, ast.Assert, ast.Raise, ast.Attribute,
    ast.Call,
})
_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.NamedExpr})
_USAGE_TYPES = frozenset({ast.Expr, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.Call,
                          ast.Name})


_NESTED_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})


def _children(node: ast.AST) -> list[ast.AST]:
    """The direct children `walk` visits, in its order."""
    out: list[ast.AST] = []
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _child_fields(node.__class__)
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk(node: ast.AST) -> list[ast.AST]:
    """All nodes below `node` (inclusive), parents before children; the expression context
    markers (`ast.Load`, `ast.Store`, `ast.Del`) are not included."""
    out = [node]
    append = out.append
    fields_of = _CHILD_FIELDS.get
    node_type = ast.AST
    i = 0
    while i < len(out):
        current = out[i]
        i += 1
        fields = fields_of(current.__class__)
        if fields is None:
            fields = _child_fields(current.__class__)
        for name in fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
            elif isinstance(value, node_type):
                append(value)
    return out


def _index_calls(tree: ast.Module, imports: dict[str, str]) -> list[ModuleCall]:
    found: list[ModuleCall] = []
    stack: list[tuple[ast.AST, FunctionNode | None]] = [(tree, None)]
    while stack:
        current, scope = stack.pop()
        if isinstance(current, ast.Call):
            found.append(ModuleCall(current, qualify(current.func, imports), scope))
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            # decorators, defaults and annotations run in the enclosing scope, the body in its own
            body = {id(stmt) for stmt in current.body}
            for child in ast.iter_child_nodes(current):
                stack.append((child, current if id(child) in body else scope))
            continue
        for child in ast.iter_child_nodes(current):
            stack.append((child, scope))
    found.sort(key=lambda c: (c.node.lineno, c.node.col_offset))
    return found


def bound_name_nodes(target: ast.AST) -> list[ast.Name]:
    """The names an assignment target binds (`a`, `a, *b`), not those whose attribute or item
    it sets (`a.x = ...` changes the object `a` holds, not `a`)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for elt in target.elts for name in bound_name_nodes(elt)]
    if isinstance(target, ast.Starred):
        return bound_name_nodes(target.value)
    return []


def _bound_names(target: ast.AST) -> list[str]:
    return [name.id for name in bound_name_nodes(target)]


def single_bindings(func: FunctionNode) -> dict[str, ast.expr]:
    """The names a function binds exactly once, by a plain `name = value` (or `name: T = value`),
    with that value. Any other binding of the name disqualifies it: a second assignment,
    unpacking, a loop or comprehension target, `with ... as`, `:=`, `except ... as`, a nested
    def or class of that name, `global`/`nonlocal`. Attribute and item assignments and method
    calls on the object are not bindings of the name."""
    values: dict[str, list[ast.expr]] = {}
    other: set[str] = set()

    def stored(target: ast.AST) -> None:
        other.update(sub.id for sub in ast.walk(target)
                     if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))

    for node in ast.walk(func):
        if node is func:
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
                else:
                    stored(target)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.value is not None:
                values.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
            stored(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            stored(node.optional_vars)
        elif isinstance(node, ast.NamedExpr):
            stored(node.target)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            other.add(node.name)
        elif isinstance(node, ast.ExceptHandler):
            if node.name is not None:
                other.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            other.update(node.names)
    return {name: found[0] for name, found in values.items()
            if len(found) == 1 and name not in other}


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Builder:
    def __init__(
        self,
        source: SourceFile,
        rules: CollectionRules,
        project: ProjectLookup,
        is_conftest: bool,
        package: str | None,
    ) -> None:
        self.source = source
        self.rules = rules
        self.project = project
        self.is_conftest = is_conftest
        self.package = package
        self.imports = collect_imports(source.tree, package)
        self.markers: list[MarkerUse] = []
        self.fixtures: dict[str, FixtureDef] = {}
        self.helpers: dict[str, FunctionNode] = {}
        self.helper_nodes: dict[str, list[ast.AST]] = {}
        self.helper_asserts: dict[str, bool] = {}
        self.tests: list[TestFunction] = []
        self.defined: set[str] = set()
        self.unittest_classes: set[str] = set()
        self.class_bases: dict[str, list[str]] = {}
        self.visited_defs: set[int] = set()
        self.introspected: set[int] = set()  # ids of `pytest.mark.x` nodes only introspected
        self.current_params: frozenset[str] = frozenset()
        self._naming = _Naming(self.imports, self.defined)  # the tree outlives it: ids hold
        self._autouse: list[FixtureDef] | None = None
        self._mock_attrs_here = True  # False while analysing a test with no mock-state attribute
        self._param_calls: list[ast.Call] = []  # pytest.param(...) in tests and their decorators

    # ---- naming -------------------------------------------------------------------------
    def qualname(self, node: ast.AST) -> str | None:
        return qualify(node, self.imports)

    def call_name(self, call: ast.Call) -> str | None:
        # asked several times per call (assertion? patch? call site?): memoised per node
        return self._naming.call_name(call)

    def is_marker_attr(self, node: ast.Attribute) -> str | None:
        """The marker name when `node` is `pytest.mark.<name>` (through any alias)."""
        value = node.value
        if value.__class__ is ast.Attribute:
            if value.attr != "mark":
                return None  # `x.y.z`: only `<...>.mark.<name>` can be a marker
        elif value.__class__ is not ast.Name:
            return None
        base = self.qualname(value)
        if base == "pytest.mark":
            return node.attr
        return None

    # ---- module structure ----------------------------------------------------------------
    def build(self) -> TestModule:
        tree = self.source.tree
        for stmt in _module_level_statements(tree.body):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.defined.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    self.defined.update(_bound_names(target))
            elif isinstance(stmt, ast.AnnAssign | ast.AugAssign):
                self.defined.update(_bound_names(stmt.target))
        self._find_unittest_classes(tree.body)
        self._scan_body(tree.body, cls=None, prefix="", class_is_test=False, is_unittest=False)
        self._resolve_helper_asserts()
        for test in self.tests:
            self._analyse_test(test)
        self._scan_rest(tree)
        self._mark_benchmarks()
        declared, dynamic = self._marker_registrations()
        return TestModule(
            source=self.source,
            imports=self.imports,
            tests=self.tests,
            fixtures=self.fixtures,
            helpers=self.helpers,
            helper_asserts=self.helper_asserts,
            markers=sorted(self.markers, key=lambda m: (m.node.lineno, m.node.col_offset)),
            defined=self.defined,
            is_conftest=self.is_conftest,
            package=self.package,
            declared_markers=declared,
            dynamic_markers=dynamic,
            pytest_plugins=self._pytest_plugins(),
            lookup=self.project,
        )

    def _mark_benchmarks(self) -> None:
        module_mark = any(
            m.where == "pytestmark" and m.name == "benchmark" for m in self.markers
        )
        for test in self.tests:
            test.benchmark = (
                module_mark
                or not BENCHMARK_FIXTURES.isdisjoint(test.params)
                or BENCHMARK_MARK in test.decorators
                or (test.cls is not None and BENCHMARK_MARK in self._decorator_names(test.cls))
            )

    def _find_unittest_classes(self, body: list[ast.stmt]) -> None:
        classes = [s for s in _module_level_statements(body) if isinstance(s, ast.ClassDef)]
        for cls in classes:
            self.class_bases[cls.name] = [dotted_name(b) or "" for b in cls.bases]
        changed = True
        while changed:
            changed = False
            for cls in classes:
                if cls.name in self.unittest_classes:
                    continue
                for base in cls.bases:
                    qualified = self.qualname(base) or ""
                    spelled = dotted_name(base) or ""
                    if (
                        qualified in UNITTEST_BASES
                        or qualified.endswith(".TestCase")
                        or spelled.endswith("TestCase")
                        or spelled in self.unittest_classes
                    ):
                        self.unittest_classes.add(cls.name)
                        changed = True
                        break

    def _decorator_names(self, node: FunctionNode | ast.ClassDef) -> list[str]:
        names = []
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            names.append(self.qualname(target) or dotted_name(target) or "")
        return names

    def _fixture_decorator(self, node: FunctionNode) -> ast.expr | None:
        for dec in node.decorator_list:
            target = dec.func if isinstance(dec, ast.Call) else dec
            qualified = self.qualname(target) or ""
            if qualified in FIXTURE_DECORATORS or qualified.endswith(".fixture"):
                return dec
        return None

    def _scan_body(
        self,
        body: list[ast.stmt],
        cls: ast.ClassDef | None,
        prefix: str,
        class_is_test: bool,
        is_unittest: bool,
    ) -> None:
        statements = _module_level_statements(body) if cls is None else iter(body)
        for stmt in statements:
            if isinstance(stmt, ast.ClassDef):
                nested_unittest = stmt.name in self.unittest_classes
                collected = nested_unittest or (
                    self.rules.is_test_class(stmt.name) and not _has_init(stmt)
                )
                if cls is not None and not class_is_test:
                    collected = False
                self._scan_body(
                    stmt.body,
                    cls=stmt,
                    prefix=f"{prefix}{stmt.name}.",
                    class_is_test=collected,
                    is_unittest=nested_unittest,
                )
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self._scan_function(stmt, cls, prefix, class_is_test, is_unittest)

    def _scan_function(
        self,
        node: FunctionNode,
        cls: ast.ClassDef | None,
        prefix: str,
        class_is_test: bool,
        is_unittest: bool,
    ) -> None:
        self.visited_defs.add(id(node))
        fixture_dec = self._fixture_decorator(node)
        if fixture_dec is not None:
            self._add_fixture(node, fixture_dec)
            return
        if cls is None:
            is_test = self.rules.is_test_function(node.name)
        elif is_unittest:
            is_test = node.name.startswith("test")
        else:
            is_test = class_is_test and self.rules.is_test_function(node.name)
        if is_test and not self.is_conftest:
            params = _params(node, method=cls is not None and not _is_static(node))
            self.tests.append(
                TestFunction(
                    node=node,
                    name=node.name,
                    qualname=prefix + node.name,
                    cls=cls,
                    is_unittest=is_unittest,
                    params=params,
                    decorators=tuple(self._decorator_names(node)),
                )
            )
        else:
            key = prefix + node.name
            self.helpers[key] = node
            self.helper_nodes[key] = walk(node)

    def _add_fixture(self, node: FunctionNode, decorator: ast.expr) -> None:
        name = node.name
        autouse = False
        if isinstance(decorator, ast.Call):
            name = _string(_kwarg(decorator, "name")) or name
            autouse_value = _kwarg(decorator, "autouse")
            autouse = isinstance(autouse_value, ast.Constant) and bool(autouse_value.value)
        nodes = walk(node)
        params = _params(node, method=False)
        mocks = self._mock_names(node, nodes, params, decorated_patches=[])
        returns_mock = False
        asserts = False
        for sub in nodes:
            if isinstance(sub, ast.Return | ast.Yield) and sub.value is not None:
                if self._is_mock_expr(sub.value, mocks):
                    returns_mock = True
            elif isinstance(sub, ast.Assert) or (
                isinstance(sub, ast.Call) and self._assertion_for_call(sub, mocks) is not None
            ):
                asserts = True
            elif isinstance(sub, ast.Attribute):
                self._note_marker(sub, where="other", test=None)
        self.fixtures[name] = FixtureDef(
            name=name,
            node=node,
            params=params,
            autouse=autouse,
            asserts=asserts,
            returns_mock=returns_mock,
            path=self.source.path,
        )

    # ---- helpers that assert -------------------------------------------------------------
    def _resolve_helper_asserts(self) -> None:
        direct: dict[str, bool] = {}
        callees: dict[str, set[str]] = {}
        for key, nodes in self.helper_nodes.items():
            found = False
            called: set[str] = set()
            for sub in nodes:
                if isinstance(sub, ast.Assert):
                    found = True
                elif isinstance(sub, ast.Call):
                    if self._assertion_for_call(sub, set(), helpers_known=False) is not None:
                        found = True
                    called.update(self._local_helper_keys(sub, key))
                elif isinstance(sub, ast.Raise):
                    # a helper that raises on a bad outcome is an assertion helper too
                    found = found or _raises_assertion_error(sub)
            direct[key] = found
            callees[key] = called
        result = dict(direct)
        changed = True
        while changed:
            changed = False
            for key, called in callees.items():
                if not result[key] and any(result.get(c) for c in called):
                    result[key] = True
                    changed = True
        self.helper_asserts = result

    def _local_helper_keys(self, call: ast.Call, context: str | None) -> list[str]:
        """Helper keys a call may reach: `helper()` or `self.helper()` within the same class."""
        func = call.func
        if isinstance(func, ast.Name) and func.id in self.helpers:
            return [func.id]
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
        ):
            keys = [k for k in self.helpers if k.rsplit(".", 1)[-1] == func.attr and "." in k]
            if context and "." in context:
                own = context.rsplit(".", 1)[0] + "." + func.attr
                if own in self.helpers:
                    return [own]
            return keys
        return []

    # ---- mocks -----------------------------------------------------------------------------
    def _is_mock_factory_call(self, call: ast.Call, mocks: set[str]) -> bool:
        qualified = self.call_name(call)
        if qualified in MOCK_FACTORIES:
            return True
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "start":
            inner = func.value
            if isinstance(inner, ast.Call):
                return self._is_patch_call(inner) is not None
        spelled = dotted_name(func)
        if spelled:
            head, _, rest = spelled.partition(".")
            if head in MOCKER_FIXTURES and rest in MOCKER_FACTORY_ATTRS:
                return True
        return False

    def _is_patch_call(self, call: ast.Call) -> str | None:
        qualified = self.call_name(call)
        if qualified in PATCH_CALLS:
            return qualified.rsplit("mock.", 1)[1]  # "patch", "patch.object", ...
        if root_name(call.func) not in MOCKER_FIXTURES:
            return None  # most calls: no string built
        spelled = dotted_name(call.func)
        if spelled:
            head, _, rest = spelled.partition(".")
            if head in MOCKER_FIXTURES and rest in MOCKER_PATCHES:
                return f"mocker.{rest}"
        return None

    def _is_mock_expr(self, expr: ast.expr, mocks: set[str]) -> bool:
        if isinstance(expr, ast.Call):
            if self._is_mock_factory_call(expr, mocks):
                return True
            return root_name(expr.func) in mocks
        if isinstance(expr, ast.Name | ast.Attribute | ast.Subscript):
            return root_name(expr) in mocks
        return False

    def _patch_target(self, call: ast.Call, api: str) -> str | None:
        if api.endswith("patch") and call.args:
            return _string(call.args[0])
        if api.endswith("patch.object") and len(call.args) >= 2:
            owner = self.qualname(call.args[0]) or dotted_name(call.args[0])
            attr = _string(call.args[1])
            if owner and attr:
                return f"{owner}.{attr}"
        return None

    def _decorator_patches(self, node: FunctionNode, cls: ast.ClassDef | None) -> list[Patch]:
        found: list[Patch] = []
        decorators = list(reversed(node.decorator_list))  # bottom decorator injects first
        if cls is not None:
            decorators += list(reversed(cls.decorator_list))
        for dec in decorators:
            if not isinstance(dec, ast.Call):
                continue
            api = self._is_patch_call(dec)
            if api is None or api.startswith("mocker"):
                continue
            injects = _kwarg(dec, "new") is None and api != "patch.multiple"
            if api == "patch.object" and len(dec.args) >= 3:
                injects = False
            if api == "patch" and len(dec.args) >= 2:
                injects = False
            found.append(Patch(node=dec, api=api, target=self._patch_target(dec, api),
                               injected="" if injects else None))
        return found

    def _mock_names(
        self,
        node: FunctionNode,
        nodes: list[ast.AST],
        params: tuple[str, ...],
        decorated_patches: list[Patch],
    ) -> set[str]:
        mocks: set[str] = set()
        injected = [p for p in decorated_patches if p.injected is not None]
        for patch, param in zip(injected, params, strict=False):
            patch.injected = param
            mocks.add(param)
        for param in params:
            fixture = self.fixtures.get(param) or self.project.fixture(param)
            if fixture is not None and fixture.returns_mock:
                mocks.add(param)
        assignments: list[tuple[list[str], ast.expr]] = []
        for sub in nodes:
            if sub.__class__ not in _BINDING_TYPES:
                continue
            if isinstance(sub, ast.Assign):
                names = [n for t in sub.targets for n in _bound_names(t)]
                assignments.append((names, sub.value))
            elif isinstance(sub, ast.AnnAssign) and sub.value is not None:
                assignments.append((_bound_names(sub.target), sub.value))
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
                    if item.optional_vars is not None:
                        assignments.append((_bound_names(item.optional_vars), item.context_expr))
            elif isinstance(sub, ast.NamedExpr):
                assignments.append((_bound_names(sub.target), sub.value))
        for _ in range(3):
            before = len(mocks)
            for names, value in assignments:
                if self._is_mock_expr(value, mocks):
                    mocks.update(names)
            if len(mocks) == before:
                break
        return mocks

    # ---- assertions ---------------------------------------------------------------------------
    def _assertion_for_call(
        self, call: ast.Call, mocks: set[str], helpers_known: bool = True
    ) -> Assertion | None:
        func = call.func
        qualified = self.call_name(call)
        attr = func.attr if isinstance(func, ast.Attribute) else None
        if attr in MOCK_ASSERT_METHODS:
            return Assertion(node=call, kind=Kind.MOCK, api=f"mock.{attr}")
        if qualified in RAISES_CALLS:
            return Assertion(node=call, kind=Kind.RAISES, api=qualified)
        if qualified in FAIL_CALLS:
            return Assertion(node=call, kind=Kind.VALUE, api=qualified)
        if qualified and qualified.startswith(TESTING_MODULE_PREFIXES):
            last = qualified.rsplit(".", 1)[-1].lower()
            if any(word in last for word in ("assert", "raise", "warn")):
                # tm.assert_frame_equal, np.testing.assert_raises, tm.external_error_raised,
                # tm.assert_produces_warning
                return Assertion(node=call, kind=Kind.VALUE, api=qualified)
        if attr is not None and isinstance(func, ast.Attribute):
            receiver = func.value
            if isinstance(receiver, ast.Name) and receiver.id in {"self", "cls"}:
                if attr in UNITTEST_RAISES:
                    return Assertion(node=call, kind=Kind.RAISES, api=f"unittest.{attr}")
                if attr in {"fail"}:
                    return Assertion(node=call, kind=Kind.VALUE, api="unittest.fail")
                if attr.startswith("assert") and attr[6:7].isupper():
                    return self._unittest_assertion(call, attr, mocks)
        name = attr if attr is not None else (func.id if isinstance(func, ast.Name) else None)
        if name is None:
            return None
        if qualified in NOT_ASSERTION_HELPERS:
            return None
        if _passes_assertion_function(call):
            # `_check_roundtrip(df, tm.assert_frame_equal, path)`: the helper asserts through
            # the comparator it is handed
            return Assertion(node=call, kind=Kind.HELPER, api=f"helper:{name}")
        if helpers_known:
            keys = self._local_helper_keys(call, None)
            if any(self.helper_asserts.get(k) for k in keys):
                return Assertion(node=call, kind=Kind.HELPER, api=f"helper:{name}")
            if keys and not name.startswith("assert"):
                return None  # a local helper that does not assert, whatever its name
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super"
        ):
            # `super().test_x(...)` runs the inherited test (or helper), whose assertions we
            # cannot see from here
            return Assertion(node=call, kind=Kind.HELPER, api=f"super:{name}")
        if has_helper_prefix(name, self.rules.helper_prefixes):
            if attr is not None and isinstance(func, ast.Attribute):
                receiver_root = root_name(func.value)
                # `obj.check()` on an arbitrary object is rarely an assertion, but on self or on a
                # fixture (pytest-regressions' `data_regression.check(...)`) it is; `assert*` always
                if (
                    not name.startswith("assert")
                    and receiver_root not in {"self", "cls"}
                    and receiver_root not in self.current_params
                ):
                    return None
            return Assertion(node=call, kind=Kind.HELPER, api=f"helper:{name}", by_name=True)
        if qualified and helpers_known:
            verdict = self.project.function_asserts(qualified)
            if verdict:
                return Assertion(node=call, kind=Kind.HELPER, api=f"helper:{qualified}")
        return None

    def _unittest_assertion(self, call: ast.Call, attr: str, mocks: set[str]) -> Assertion:
        api = f"unittest.{attr}"
        if attr in UNITTEST_WEAK:
            return Assertion(node=call, kind=Kind.WEAK, api=api)
        if attr in {"assertTrue", "assert_"} and call.args:
            expr = call.args[0]
            return Assertion(node=call, kind=self._classify_expr(expr, mocks), api=api, expr=expr,
                             comparisons=_comparisons(expr))
        comparisons: tuple[Comparison, ...] = ()
        if attr in UNITTEST_EQUALITY and len(call.args) >= 2:
            op: ast.cmpop = ast.Eq() if "Not" not in attr else ast.NotEq()
            comparisons = (Comparison(call.args[0], op, call.args[1]),)
        kind = Kind.VALUE
        if call.args and all(self._mentions_mock_state(a, mocks) for a in call.args[:1]):
            kind = Kind.MOCK
        return Assertion(node=call, kind=kind, api=api, comparisons=comparisons)

    def _mentions_mock_state(self, expr: ast.AST, mocks: set[str]) -> bool:
        if not self._mock_attrs_here:
            return False  # no attribute of the test being analysed has a mock-state name
        for sub in walk(expr):
            if sub.__class__ is ast.Attribute:
                assert isinstance(sub, ast.Attribute)
                if sub.attr in MOCK_ONLY_ATTRS:
                    return True
                if sub.attr in MOCK_STATE_ATTRS and root_name(sub.value) in mocks:
                    return True
        return False

    def _classify_expr(self, expr: ast.expr, mocks: set[str]) -> Kind:
        if self._mentions_mock_state(expr, mocks):
            return Kind.MOCK
        if _is_weak(expr):
            return Kind.WEAK
        return Kind.VALUE

    # ---- one test ------------------------------------------------------------------------------
    def _analyse_test(self, test: TestFunction) -> None:
        node = test.node
        nodes = walk_body(node)
        test.nodes = nodes
        self.current_params = frozenset(test.params) - {"self", "cls"}
        test.patches = self._decorator_patches(node, test.cls)
        test.mock_names = self._mock_names(node, nodes, test.params, test.patches)
        mocks = test.mock_names
        self._mock_attrs_here = any(
            sub.attr in MOCK_STATE_ATTRS for sub in test.nodes_of(ast.Attribute)
        )
        params = set(test.params)
        locals_: set[str] = set()
        assertion_spans: list[tuple[int, int, int, int]] = []
        raises_calls: set[int] = set()
        with_items: set[int] = set()

        for dec in node.decorator_list:
            for sub in walk(dec):
                if isinstance(sub, ast.Attribute):
                    self._note_marker(sub, where="decorator", test=test)
                elif isinstance(sub, ast.Call) and self.call_name(sub) == "pytest.param":
                    self._param_calls.append(sub)
        if test.cls is not None:
            # class-level marks apply to each test but are recorded once, by the class scan
            pass

        for sub in nodes:
            if sub.__class__ not in _TEST_BODY_TYPES:
                continue  # Name, Constant, operators...: nothing below is about them
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    locals_.update(_bound_names(target))
            elif isinstance(sub, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
                locals_.update(_bound_names(sub.target))
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
                    if item.optional_vars is not None:
                        locals_.update(_bound_names(item.optional_vars))
                    ctx = item.context_expr
                    with_items.add(id(ctx))
                    if isinstance(ctx, ast.Call):
                        raises = self._raises_use(ctx, sub)
                        if raises is not None:
                            test.raises.append(raises)
                            raises_calls.add(id(ctx))
                            test.assertions.append(
                                Assertion(node=ctx, kind=Kind.RAISES, api=raises.api)
                            )
                        api = self._is_patch_call(ctx)
                        if api is not None:
                            test.patches.append(
                                Patch(node=ctx, api=api, target=self._patch_target(ctx, api))
                            )
            elif isinstance(sub, ast.comprehension | ast.NamedExpr):
                locals_.update(_bound_names(sub.target))
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                locals_.add(sub.name)
            elif isinstance(sub, ast.Assert):
                test.assertions.append(
                    Assertion(
                        node=sub,
                        kind=self._classify_expr(sub.test, mocks),
                        api="assert",
                        expr=sub.test,
                        comparisons=_comparisons(sub.test),
                    )
                )
                assertion_spans.append(_span(sub))
            elif isinstance(sub, ast.Raise) and _raises_assertion_error(sub):
                test.assertions.append(Assertion(node=sub, kind=Kind.VALUE, api="raise"))
            elif isinstance(sub, ast.Attribute):
                self._note_marker(sub, where="body", test=test)
            elif isinstance(sub, ast.Call) and id(sub) not in raises_calls:
                qualified = self.call_name(sub)
                if qualified in SKIP_CALLS:
                    test.skips = True
                elif qualified == "pytest.param":
                    self._param_calls.append(sub)
                assertion = self._assertion_for_call(sub, mocks)
                if assertion is not None:
                    if assertion.kind is Kind.RAISES and (
                        qualified in RAISES_CALLS or assertion.api.startswith("unittest.")
                    ):
                        raises = self._raises_use(sub, None)
                        if raises is not None:
                            test.raises.append(raises)
                    test.assertions.append(assertion)
                    assertion_spans.append(_span(sub))
                else:
                    api = self._is_patch_call(sub)
                    if api is not None and id(sub) not in with_items:
                        test.patches.append(
                            Patch(node=sub, api=api, target=self._patch_target(sub, api))
                        )
                    elif _is_monkeypatch(sub, params):
                        test.patches.append(
                            Patch(node=sub, api="monkeypatch.setattr",
                                  target=self._monkeypatch_target(sub))
                        )
        # a fixture parameter whose fixture asserts carries the test's assertion
        for param in test.params:
            fixture = self.fixtures.get(param) or self.project.fixture(param)
            if fixture is not None and fixture.asserts:
                test.assertions.append(
                    Assertion(node=node, kind=Kind.HELPER, api=f"fixture:{param}")
                )
        for fixture in self._autouse_fixtures():
            if fixture.asserts:
                test.assertions.append(
                    Assertion(node=node, kind=Kind.HELPER, api=f"fixture:{fixture.name}")
                )
        for name in test.decorators:
            last = name.rsplit(".", 1)[-1].lower()
            if name.startswith("pytest.mark.") and name.split(".")[2] in {
                "skip", "xfail", "skipif"
            }:
                test.skips = True
            elif last.startswith(("skip", "xfail")) or "skip_if" in last:
                test.skips = True  # a project's own skip decorator (`@td.skip_if_no("scipy")`)
        frozen_mocks = frozenset(mocks)
        test._call_sites_builder = functools.partial(
            _call_sites, self._naming, nodes, frozen_mocks, params, locals_, assertion_spans
        )
        self._mock_attrs_here = True

    def _autouse_fixtures(self) -> list[FixtureDef]:
        # asked once per test, after the module's fixtures are all known: computed once
        if self._autouse is None:
            local = [f for f in self.fixtures.values() if f.autouse]
            self._autouse = local + [
                f for f in self.project.autouse_fixtures() if f.name not in self.fixtures
            ]
        return self._autouse

    def _monkeypatch_target(self, call: ast.Call) -> str | None:
        if not call.args:
            return None
        first = call.args[0]
        text = _string(first)
        if text is not None:
            return text
        if len(call.args) >= 2:
            owner = self.qualname(first) or dotted_name(first)
            attr = _string(call.args[1])
            if owner and attr:
                return f"{owner}.{attr}"
        return None

    def _raises_use(
        self, call: ast.Call, with_node: ast.With | ast.AsyncWith | None
    ) -> RaisesUse | None:
        qualified = self.call_name(call)
        func = call.func
        if qualified in RAISES_CALLS:
            api = qualified
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in UNITTEST_RAISES
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
        ):
            api = f"unittest.{func.attr}"
        else:
            return None
        expected = call.args[0] if call.args else _kwarg(call, "expected_exception")
        has_match = _kwarg(call, "match") is not None or "Regex" in api
        body = with_node.body if with_node is not None else None
        return RaisesUse(call=call, api=api, expected=expected, has_match=has_match, body=body,
                         with_node=with_node)

    # ---- markers and the rest of the module -------------------------------------------------
    def _note_marker(self, node: ast.Attribute, where: str, test: TestFunction | None) -> None:
        if node.attr in INTROSPECTION_ATTRS and isinstance(node.value, ast.Attribute):
            self.introspected.add(id(node.value))  # parents are visited before their children
        name = self.is_marker_attr(node)
        if name is None:
            return
        use = MarkerUse(name=name, node=node, where=where, test=test.qualname if test else None,
                        introspected=id(node) in self.introspected)
        self.markers.append(use)
        if test is not None:
            test.markers.append(use)

    def _scan_rest(self, tree: ast.Module) -> None:
        """Find marker uses outside test/fixture/helper bodies (module and class level)."""
        if "mark" not in self.source.text:
            return
        stack: list[tuple[ast.AST, str, TestFunction | None]] = [(tree, "other", None)]
        tests_by_node = {id(t.node): t for t in self.tests}
        while stack:
            current, where, owner = stack.pop()
            if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
                if id(current) in tests_by_node:
                    continue  # decorators and body already scanned with the test
                if (
                    id(current) in self.visited_defs
                    and self._fixture_decorator(current) is not None
                ):
                    continue
                for dec in current.decorator_list:
                    stack.append((dec, "decorator", None))
                for child in current.body:  # a helper's body, or a def nested in one
                    stack.append((child, "other", None))
                continue
            if isinstance(current, ast.ClassDef):
                for dec in current.decorator_list:
                    stack.append((dec, "class", None))
                for child in current.body:
                    stack.append((child, "other", None))
                continue
            if isinstance(current, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in current.targets
            ):
                stack.append((current.value, "pytestmark", None))
                continue
            if isinstance(current, ast.Call) and self.call_name(current) == "pytest.param":
                marks = _kwarg(current, "marks")
                for arg in current.args:
                    stack.append((arg, where, owner))
                if marks is not None:
                    stack.append((marks, "param", owner))
                continue
            if isinstance(current, ast.Attribute):
                if current.attr in INTROSPECTION_ATTRS and isinstance(current.value, ast.Attribute):
                    self.introspected.add(id(current.value))
                name = self.is_marker_attr(current)
                if name is not None:
                    self.markers.append(
                        MarkerUse(name=name, node=current, where=where,
                                  test=owner.qualname if owner else None,
                                  introspected=id(current) in self.introspected)
                    )
                    continue
            for sub in ast.iter_child_nodes(current):
                stack.append((sub, where, owner))
        # pytest.param(marks=...) inside test bodies and decorators: re-label those uses
        self._relabel_param_marks()

    def _pytest_plugins(self) -> tuple[str, ...]:
        if not self.is_conftest or "pytest_plugins" not in self.source.text:
            return ()
        found: list[str] = []
        for stmt in _module_level_statements(self.source.tree.body):
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in stmt.targets
            ):
                value = stmt.value
                items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
                found.extend(text for text in map(_string, items) if text)
        return tuple(found)

    def _marker_registrations(self) -> tuple[dict[str, int], bool]:
        """`declared_markers` and `dynamic_markers` of a conftest (none for other files)."""
        if not self.is_conftest or "addinivalue_line" not in self.source.text:
            return {}, False
        return marker_registrations(self.source.tree)

    def _relabel_param_marks(self) -> None:
        for call in self._param_calls:
            marks = _kwarg(call, "marks")
            if marks is None:
                continue
            ids = {id(n) for n in walk(marks)}
            for use in self.markers:
                if id(use.node) in ids:
                    use.where = "param"


def _has_init(cls: ast.ClassDef) -> bool:
    return any(
        isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "__init__"
        for s in cls.body
    )


def _is_static(node: FunctionNode) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _params(node: FunctionNode, method: bool) -> tuple[str, ...]:
    args = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
    names = [a.arg for a in args]
    if method and names:
        names = names[1:]
    return tuple(names)


def _comparisons(expr: ast.expr) -> tuple[Comparison, ...]:
    if isinstance(expr, ast.Compare):
        out = []
        left = expr.left
        for op, right in zip(expr.ops, expr.comparators, strict=False):
            out.append(Comparison(left, op, right))
            left = right
        return tuple(out)
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.And):
        return tuple(c for value in expr.values for c in _comparisons(value))
    return ()


def _passes_assertion_function(call: ast.Call) -> bool:
    """An argument is an assertion function itself, not called (`tm.assert_frame_equal`)."""
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(arg, ast.Name | ast.Attribute):
            last = arg.id if isinstance(arg, ast.Name) else arg.attr
            if last.startswith("assert_") or (last.startswith("assert") and last[6:7].isupper()):
                return True
    return False


def _is_weak(expr: ast.expr) -> bool:
    if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.And):
        return all(_is_weak(v) for v in expr.values)
    if isinstance(expr, ast.Name | ast.Subscript):
        return True  # bare truthiness
    # an attribute in a truth test reads a named predicate of the object (`result.empty`,
    # `response.ok`, `f.closed`, `index.is_monotonic_increasing`): its expected value is True
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 and _is_pattern_search(expr.left):
        return False  # `re.search(pattern, text) is not None`: the pattern is the expectation
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        return expr.func.id in {"isinstance", "hasattr", "callable", "bool", "len"}
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        op, right, left = expr.ops[0], expr.comparators[0], expr.left
        if isinstance(op, ast.IsNot | ast.NotEq) and _is_none(right):
            return True
        if _is_len(left) and isinstance(right, ast.Constant) and isinstance(right.value, int):
            if isinstance(op, ast.Gt) and right.value == 0:
                return True
            if isinstance(op, ast.GtE) and right.value in {0, 1}:
                return True
            if isinstance(op, ast.NotEq) and right.value == 0:
                return True
        if (
            isinstance(op, ast.Is | ast.Eq)
            and isinstance(left, ast.Call)
            and isinstance(left.func, ast.Name)
            and left.func.id == "type"
        ):
            return True
    return False


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_pattern_search(node: ast.AST) -> bool:
    """`re.search(...)`, `pattern.match(...)`, `re.fullmatch(...)`: a regular expression match."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"search", "match", "fullmatch"}
        and bool(node.args)
    )


def _is_len(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def _raises_assertion_error(node: ast.Raise) -> bool:
    exc = node.exc
    if isinstance(exc, ast.Call):
        exc = exc.func
    name = dotted_name(exc) if exc is not None else None
    return bool(name) and (name or "").rsplit(".", 1)[-1] in {"AssertionError", "Failed"}


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", 0) or 0,
        getattr(node, "end_col_offset", 0) or 0,
    )


def _inside(node: ast.AST, span: tuple[int, int, int, int]) -> bool:
    line, col = getattr(node, "lineno", 0), getattr(node, "col_offset", 0)
    start = (span[0], span[1])
    end = (span[2], span[3])
    return start <= (line, col) and (node.end_lineno or line, node.end_col_offset or col) <= end  # type: ignore[attr-defined]


def _is_monkeypatch(call: ast.Call, params: set[str]) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in {"setattr", "setitem"}
        and isinstance(func.value, ast.Name)
        and func.value.id == "monkeypatch"
        and "monkeypatch" in params
    )


# ---- markers a conftest registers ------------------------------------------------------------
# `config.addinivalue_line("markers", "slow: ...")`, also through a loop over a literal list
# (`for line in MARKERS: config.addinivalue_line("markers", line)`), an f-string or `+`.

_MAX_VALUES = 200  # more possible values than this: treat the registration as unreadable


def marker_name(line: str) -> str:
    """The marker a `markers` ini line declares, split as pytest does ("slow(x): ..." -> "slow")."""
    return line.split(":", 1)[0].split("(", 1)[0].strip()


def marker_registrations(tree: ast.Module) -> tuple[dict[str, int], bool]:
    """Marker names registered through `addinivalue_line("markers", ...)`, and whether some
    registration could not be read statically."""
    constants = _module_constants(tree)
    scopes: dict[int, dict[str, list[object]]] = {}
    # under `for key, value in [("markers", "slow: ..."), ...]`: one binding per row, so that
    # a row's key and value stay paired
    rows: dict[int, list[dict[str, list[object]]]] = {}
    calls: list[ast.Call] = []
    for node in walk(tree):  # parents before children, so an outer loop binds first
        env = scopes.get(id(node), {})
        if isinstance(node, ast.For | ast.AsyncFor):
            items = _iterate(node.iter, env, constants)
            inner = {**env, **_bind(node.target, items)}
            paired = [_bind(node.target, [item]) for item in items or ()
                      if isinstance(node.target, ast.Tuple) and isinstance(item, tuple)]
            for stmt in node.body:
                for sub in walk(stmt):
                    scopes[id(sub)] = inner
                    if paired and len(paired) == len(items or ()):
                        rows[id(sub)] = paired
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = dict(env)
            for comp in node.generators:
                inner.update(_bind(comp.target, _iterate(comp.iter, inner, constants)))
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                for sub in walk(part):
                    scopes[id(sub)] = inner
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "addinivalue_line"
        ):
            calls.append(node)
    declared: dict[str, int] = {}
    dynamic = False
    for call in calls:
        args = list(call.args)
        for keyword in ("name", "line"):
            given = _kwarg(call, keyword)
            if given is not None:
                args.append(given)
        if len(args) < 2:
            continue
        env = scopes.get(id(call), {})
        if _string(args[0]) == "markers":
            values = _strings(args[1], env, constants)
        elif _string(args[0]) is not None:
            continue  # another ini key (filterwarnings)
        elif id(call) in rows:
            values = []
            for row in rows[id(call)]:
                local = {**env, **row}
                if _strings(args[0], local, constants) == ["markers"]:
                    found = _strings(args[1], local, constants)
                    values = None if found is None or values is None else values + found
        else:  # a key not written out may be "markers"
            keys = _strings(args[0], env, constants)
            if keys is not None and "markers" not in keys:
                continue
            values = None
        if values is None:
            dynamic = True
            continue
        for value in values:
            name = marker_name(value)
            if name.isidentifier():
                declared.setdefault(name, call.lineno)
            else:
                dynamic = True
    return declared, dynamic


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for stmt in _module_level_statements(tree.body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            found[stmt.target.id] = stmt.value
    return found


def _bind(target: ast.expr, items: list[object] | None) -> dict[str, list[object]]:
    """Bind a loop target to the values it takes (None: unknown)."""
    if isinstance(target, ast.Name):
        return {target.id: items} if items is not None else {target.id: []}
    if isinstance(target, ast.Tuple | ast.List):
        out: dict[str, list[object]] = {}
        for i, elt in enumerate(target.elts):
            column = None
            if items is not None and all(isinstance(v, tuple) and len(v) > i for v in items):
                column = [v[i] for v in items if isinstance(v, tuple)]
            out.update(_bind(elt, column))
        return out
    return {}


def _iterate(expr: ast.expr, env: dict[str, list[object]],
             constants: dict[str, ast.expr], depth: int = 0) -> list[object] | None:
    """The items a loop over `expr` yields: strings or tuples of strings; None if unknown."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Name) and expr.id in constants and expr.id not in env:
        return _iterate(constants[expr.id], env, constants, depth + 1)
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        out: list[object] = []
        for elt in expr.elts:
            if isinstance(elt, ast.Tuple):
                parts = [_strings(e, env, constants, depth + 1) for e in elt.elts]
                out.append(tuple(p[0] if p and len(p) == 1 else None for p in parts))
            else:
                values = _strings(elt, env, constants, depth + 1)
                if values is None:
                    return None
                out.extend(values)
        return out
    if isinstance(expr, ast.Dict):
        keys = [_strings(k, env, constants, depth + 1) if k is not None else None
                for k in expr.keys]
        if any(k is None or len(k) != 1 for k in keys):
            return None
        return [k[0] for k in keys if k]
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        owner, method = expr.func.value, expr.func.attr
        if method == "items":
            names = _iterate(owner, env, constants, depth + 1)
            descriptions = _dict_values(owner, env, constants, depth + 1)
            if names is None or descriptions is None or len(names) != len(descriptions):
                return None
            return [(k, v) for k, v in zip(names, descriptions, strict=True)]
        if method == "keys":
            return _iterate(owner, env, constants, depth + 1)
        if method == "values":
            found = _dict_values(owner, env, constants, depth + 1)
            return list(found) if found is not None else None
        if method in {"split", "splitlines"}:
            texts = _strings(owner, env, constants, depth + 1)
            if texts is None:
                return None
            lines: list[object] = []
            for text in texts:
                lines.extend(line for line in text.splitlines() if line.strip())
            return lines
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and len(expr.args) == 1
        and expr.func.id in {"sorted", "list", "tuple", "set", "reversed"}
    ):
        return _iterate(expr.args[0], env, constants, depth + 1)
    return None


def _dict_values(expr: ast.expr, env: dict[str, list[object]],
                 constants: dict[str, ast.expr], depth: int) -> list[object] | None:
    if isinstance(expr, ast.Name) and expr.id in constants:
        return _dict_values(constants[expr.id], env, constants, depth + 1)
    if isinstance(expr, ast.Dict):
        values = [_strings(v, env, constants, depth + 1) for v in expr.values]
        return [v[0] if v and len(v) == 1 else "" for v in values]
    return None


def _strings(expr: ast.expr, env: dict[str, list[object]],
             constants: dict[str, ast.expr], depth: int = 0) -> list[str] | None:
    """The string values `expr` may have; None if they cannot be known statically.

    Only the part before the first `:` or `(` matters to a marker's name, so a value whose
    known prefix already holds one of them is complete even if the rest is unknown.
    """
    if depth > 5:
        return None
    if isinstance(expr, ast.Constant):
        return [expr.value] if isinstance(expr.value, str) else None
    if isinstance(expr, ast.Name):
        if expr.id in env:
            values = env[expr.id]
            if not values or not all(isinstance(v, str) for v in values):
                return None
            return [v for v in values if isinstance(v, str)]
        if expr.id in constants:
            return _strings(constants[expr.id], env, constants, depth + 1)
        return None
    if isinstance(expr, ast.JoinedStr):
        parts: list[ast.expr] = []
        for value in expr.values:
            parts.append(value.value if isinstance(value, ast.FormattedValue) else value)
        return _concat(parts, env, constants, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _concat([expr.left, expr.right], env, constants, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):  # "%s: %s" % (name, text)
        first = expr.right.elts[0] if isinstance(expr.right, ast.Tuple) and expr.right.elts else (
            expr.right)
        return _formatted(expr.left, "%s", first, env, constants, depth)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "format"
        and expr.args
    ):  # "{}: {}".format(name, text)
        return _formatted(expr.func.value, "{}", expr.args[0], env, constants, depth)
    return None


def _formatted(template: ast.expr, slot: str, first: ast.expr, env: dict[str, list[object]],
               constants: dict[str, ast.expr], depth: int) -> list[str] | None:
    text = _string(template)
    if text is None:
        return None
    head, found, _ = text.partition(slot)
    if ":" in head or "(" in head or not found:
        return [head]
    values = _strings(first, env, constants, depth + 1)
    return [head + v for v in values] if values is not None else None


def _concat(parts: list[ast.expr], env: dict[str, list[object]],
            constants: dict[str, ast.expr], depth: int) -> list[str] | None:
    results = [""]
    for part in parts:
        if all(":" in r or "(" in r for r in results):
            break  # the name is already complete
        values = _strings(part, env, constants, depth + 1)
        if values is None:
            return None
        results = [r + v for r in results for v in values]
        if len(results) > _MAX_VALUES:
            return None
    return results


@dataclass
class _Naming:
    """What naming a call needs (the module's imports and top-level names, a memo of resolved
    call names), apart from the builder: a test's call sites, built on first use, keep this and
    not the builder, so a file's facts form no reference cycle and are freed by refcount."""

    imports: dict[str, str]
    defined: set[str]
    names: dict[int, str | None] = field(default_factory=dict)  # id(call) -> qualified name

    def call_name(self, call: ast.Call) -> str | None:
        key = id(call)
        if key in self.names:
            return self.names[key]
        name = self.names[key] = qualify(call.func, self.imports)
        return name


def _call_sites(
    naming: _Naming,
    nodes: list[ast.AST],
    mocks: frozenset[str],
    params: set[str],
    locals_: set[str],
    assertion_spans: list[tuple[int, int, int, int]],
) -> list[CallSite]:
    usage: dict[int, tuple[str, tuple[str, ...]]] = {}
    loads: dict[str, list[tuple[int, int]]] = {}
    calls: list[ast.Call] = []
    for sub in nodes:
        if sub.__class__ not in _USAGE_TYPES:
            continue
        if isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Call | ast.Await):
            inner = sub.value.value if isinstance(sub.value, ast.Await) else sub.value
            usage[id(inner)] = ("discarded", ())
        elif isinstance(sub, ast.Assign | ast.AnnAssign) and sub.value is not None:
            value = sub.value.value if isinstance(sub.value, ast.Await) else sub.value
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            names = tuple(n for t in targets for n in _bound_names(t))
            usage[id(value)] = ("assigned", names)
        elif isinstance(sub, ast.With | ast.AsyncWith):
            for item in sub.items:
                names = tuple(_bound_names(item.optional_vars)) if item.optional_vars else ()
                usage[id(item.context_expr)] = ("assigned" if names else "discarded", names)
        elif isinstance(sub, ast.Call):
            calls.append(sub)
            for arg in [*sub.args, *(k.value for k in sub.keywords)]:
                usage.setdefault(id(arg), ("argument", ()))
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            loads.setdefault(sub.id, []).append((sub.lineno, sub.col_offset))
    sites: list[CallSite] = []
    # "inside some assertion's span": spans sorted by start, with the furthest end reached
    # so far; a call is inside one iff a span starting at or before it ends at or after it
    ordered = sorted(assertion_spans)
    starts = [(span[0], span[1]) for span in ordered]
    furthest: list[tuple[int, int]] = []
    for span in ordered:
        end = (span[2], span[3])
        furthest.append(max(furthest[-1], end) if furthest else end)
    for sub in calls:
        kind, bound = usage.get(id(sub), ("other", ()))
        line, col = sub.lineno, sub.col_offset
        index = bisect.bisect_right(starts, (line, col)) - 1
        in_assertion = index >= 0 and furthest[index] >= (
            sub.end_lineno or line, sub.end_col_offset or col
        )
        if in_assertion and kind in {"other", "argument"}:
            kind = "asserted"
        read = False
        if kind == "assigned":
            end = (sub.end_lineno or sub.lineno, sub.end_col_offset or 0)
            read = any(pos > end for name in bound for pos in loads.get(name, []))
        sites.append(
            CallSite(
                node=sub,
                dotted=dotted_name(sub.func),
                qualname=naming.call_name(sub),
                origin=_origin(naming, sub, mocks, params, locals_),
                usage=kind,
                bound=bound,
                result_read=read,
                in_assertion=in_assertion,
            )
        )
    return sites

def _origin(
    naming: _Naming, call: ast.Call, mocks: frozenset[str], params: set[str], locals_: set[str]
) -> str:
    root = root_name(call.func)
    if root is None:
        return "unknown"
    if root in mocks:
        return "mock"
    if root in {"self", "cls"}:
        return "self"
    if root in locals_:
        return "variable"
    if root in params:
        return "fixture"
    if root in naming.imports:
        return "import"
    if root in naming.defined:
        return "local"
    if root in BUILTIN_NAMES:
        return "builtin"
    return "unknown"


def build_facts(
    source: SourceFile,
    rules: CollectionRules | None = None,
    project: ProjectLookup | None = None,
    is_conftest: bool = False,
    package: str | None = None,
) -> TestModule:
    """Build the test model of one parsed file."""
    builder = _Builder(source, rules or CollectionRules(), project or _NoProject(), is_conftest,
                       package)
    return builder.build()


FactsBuilder = Callable[[SourceFile], TestModule]


def parent_map(root: ast.AST) -> dict[int, ast.AST]:
    """Each node below `root` (by id) mapped to its parent."""
    parents: dict[int, ast.AST] = {}
    for node in walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents
