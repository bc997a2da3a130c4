"""The test model rules read: a module's tests, their assertions, calls, mocks and markers."""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, overload

from testlint.facts.bindings import single_bindings
from testlint.facts.names import dotted_name, qualify
from testlint.facts.traversal import _NESTED_SCOPE_TYPES, parent_map, walk
from testlint.facts.vocabulary import DEFAULT_HELPER_PREFIXES, FunctionNode, NodeT, OtherT
from testlint.source import SourceFile

if TYPE_CHECKING:
    from testlint.dependencies.declared import Declared


# the parser gives every `+`, `and`, `not`, `==` of a file one shared instance: such a node
# inside a nested scope is the same object as one in the test's own code
_SHARED_NODE_TYPES = frozenset(
    cls for base in (ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    for cls in base.__subclasses__()
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
        if not found:
            return found
        inner = self._nested_ids
        if not inner:
            return found
        return [node for node in found if id(node) not in inner]

    @cached_property
    def own_nodes(self) -> list[ast.AST]:
        """The body's nodes that run as part of the test itself, parents before children (the
        order of `nodes`): a function, lambda or class defined in the test is included, its body
        is not (it runs when called). Built on first use and shared by the rules that ask.
        An operator (`+`, `and`, `==`) is one object shared by the whole file, in no one scope:
        it is kept wherever it occurs."""
        inner = self._nested_ids
        if not inner:
            return self.nodes  # the usual test: nothing nested, every node is its own
        return [node for node in self.nodes if id(node) not in inner]

    @cached_property
    def _nested_ids(self) -> set[int]:
        """The ids of the nodes inside the scopes the test defines (a def, lambda or class
        within it), which are not its own: usually a lambda or two, so walking them costs far
        less than walking the test again (dropping whole subtrees keeps the order of the rest)."""
        index = self._by_type  # (shared with nodes_of: a look-up per scope type, not per node)
        inner: set[int] = set()
        for kind in _NESTED_SCOPE_TYPES:
            for scope in index.get(kind, ()):
                if id(scope) not in inner:
                    inner.update(id(node) for node in walk(scope)[1:]
                                 if node.__class__ not in _SHARED_NODE_TYPES)
        return inner

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
        """`node` (of the test's body) runs in a function, lambda or class nested in the test,
        not in the test itself."""
        return id(node) in self._nested_ids


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
