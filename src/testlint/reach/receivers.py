"""Which project class an expression in a test holds: the link a reader makes.

A reader of `def test_read(sheets): sheets.read_sheet(...)` looks up the `sheets` fixture (in
the module, the test's class or a conftest up the tree), sees `return SheetsService(config)` (or
the annotation `-> SheetsService`) and knows the receiver's class. This module makes that link:

- a constructor call of a project class (`RetryHandler(max_retries=3)`), directly or through a
  local variable bound exactly once;
- a function or classmethod of the project whose return annotation names a project class;
- a test parameter: the fixture that provides it (module, test class, conftests nearest first,
  following fixture chains through the fixture's own parameters), from its return/yield value
  or its return annotation, else the parameter's own annotation;
- `self.x` in a test method, when `x` is set exactly once in the test class, in
  `setup_method`/`setUp`/`setup` or an autouse fixture;
- imports inside the test function (function-local imports) as well as the module's.

Only certain links count ("one class or None"): a name bound twice, a fixture overridden by a
parametrize argname, a fixture that returns a mock, two return values of different classes, or
an annotation naming a class that has subclasses in the project (the object may be one of them)
all give None. `Receiver.exact` says whether the class is known from a constructor call (the
object is that very class) rather than from an annotation.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from testlint.facts import (
    FunctionNode,
    TestFunction,
    TestModule,
    dotted_name,
    given_values,
    is_autouse_fixture,
    qualify,
)
from testlint.fixture_index import fixture_name
from testlint.inference import Definition, Inference
from testlint.reach.members import (
    constructed_attribute,
    enter_returns_self,
    has_project_subclass,
)

MAX_DEPTH = 6
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)
SETUP_METHODS = frozenset({"setup_method", "setUp", "setup", "asyncSetUp"})
MOCK_WORDS = ("Mock", "mock", "patch", "mocker", "create_autospec", "spec")
GENERATOR_ANNOTATIONS = frozenset(
    {"Iterator", "Generator", "Iterable", "AsyncIterator", "AsyncGenerator", "AsyncIterable"}
)


@dataclass(frozen=True)
class Receiver:
    cls: Definition  # kind == "class", an astroid ClassDef of the project
    exact: bool  # built by a constructor call of this very class


class _Entered(ast.expr):
    """What `with <context> as name:` binds: `context.__enter__()` (or `__aenter__`)."""

    def __init__(self, context: ast.expr, is_async: bool) -> None:
        super().__init__()
        self.context = context
        self.is_async = is_async


@dataclass
class _Scope:
    """A function whose local names we read (a test, a fixture, a setup method), or a module's
    top level (func is None)."""

    module: TestModule
    func: FunctionNode | None
    imports: dict[str, str]
    bindings: dict[str, ast.expr]
    params: dict[str, ast.arg]
    cls: ast.ClassDef | None = None
    test: TestFunction | None = None
    fixture_names: frozenset[str] = field(default_factory=frozenset)
    # names the function binds itself (assignments, loops, parameters, defs): not the imports
    local_names: frozenset[str] = field(default_factory=frozenset)


class Receivers:
    """Receiver resolution for one test module (lint run), memoised per expression."""

    def __init__(
        self,
        inference: Inference,
        module: TestModule,
        conftests: list[TestModule] | None = None,
    ) -> None:
        self.inference = inference
        self.module = module
        self.conftests = conftests or []
        self._scopes: dict[int, _Scope] = {}
        self._memo: dict[int, Receiver | None] = {}
        self._names: dict[tuple[int, str], Receiver | None] = {}  # (scope function, name)
        self._self_stores: dict[int, dict[str, list[tuple[FunctionNode, ast.expr | None]]]] = {}

    # ---- public -------------------------------------------------------------------------
    def of(self, test: TestFunction, node: ast.expr) -> Receiver | None:
        """The project class the expression holds in this test, or None."""
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        try:
            found = self._value(self._test_scope(test), node, 0)
        except (RecursionError, Exception):
            found = None
        self._memo[key] = found
        return found

    def resolve(self, test: TestFunction, node: ast.expr) -> Definition | None:
        """A Name/Attribute chain of the test through the module's and the test's own imports."""
        try:
            return self._resolve(self._test_scope(test), node)
        except (RecursionError, Exception):
            return None

    # ---- scopes -------------------------------------------------------------------------
    def _test_scope(self, test: TestFunction) -> _Scope:
        scope = self._scopes.get(id(test.node))
        if scope is None:
            scope = self._scope(self.module, test.node, test.cls, test)
            self._scopes[id(test.node)] = scope
        return scope

    def _scope(
        self,
        module: TestModule,
        func: FunctionNode,
        cls: ast.ClassDef | None,
        test: TestFunction | None = None,
    ) -> _Scope:
        args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
        params = {a.arg: a for a in args}
        argnames = _parametrize_names(func, cls) if test is not None or cls is None else set()
        local_imports, bindings, bound = _read_function(
            func, test.nodes if test is not None else None, module.package, set(params)
        )
        imports = dict(module.imports)
        imports.update(local_imports)
        return _Scope(
            module=module,
            func=func,
            imports=imports,
            bindings=bindings,
            params=params,
            cls=cls,
            test=test,
            fixture_names=frozenset(n for n in params if n not in argnames),
            local_names=frozenset(bound) | frozenset(params),
        )

    # ---- values -------------------------------------------------------------------------
    def _value(self, scope: _Scope, node: ast.expr, depth: int) -> Receiver | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Await):
            return self._value(scope, node.value, depth + 1)
        if isinstance(node, ast.Call):
            return self._call(scope, node, depth)
        if isinstance(node, _Entered):
            entered = self._value(scope, node.context, depth + 1)
            if entered is None:
                return None
            method = "__aenter__" if node.is_async else "__enter__"
            return entered if enter_returns_self(self.inference, entered.cls, method) else None
        if isinstance(node, ast.Name):
            bound = scope.bindings.get(node.id)
            if bound is not None:
                return self._value(scope, bound, depth + 1)
            if node.id in scope.params:
                return self._param(scope, node.id, depth)
            if scope.func is not None and node.id not in scope.local_names:
                outer = self._module_scope(scope.module)
                value = outer.bindings.get(node.id)
                if value is not None:
                    return self._value(outer, value, depth + 1)
            return None
        if isinstance(node, ast.Attribute):
            if (
                isinstance(node.value, ast.Name)
                and node.value.id == "self"
                and scope.cls is not None
                and scope.test is not None
            ):
                return self._self_attribute(scope, node.attr, depth)
            owner = self._value(scope, node.value, depth + 1)
            if owner is not None:
                cls = constructed_attribute(self.inference, owner.cls, node.attr)
                return Receiver(cls, exact=True) if cls is not None else None
        return None

    def _module_scope(self, module: TestModule) -> _Scope:
        """Names a module binds once at its top level (`HANDLER = RetryHandler()`)."""
        scope = self._scopes.get(id(module))
        if scope is None:
            scope = _Scope(
                module=module,
                func=None,
                imports=dict(module.imports),
                bindings=_module_bindings(module),
                params={},
            )
            self._scopes[id(module)] = scope
        return scope

    def _call(self, scope: _Scope, call: ast.Call, depth: int = 0) -> Receiver | None:
        func = call.func
        if (
            isinstance(func, ast.Name)
            and func.id in scope.fixture_names
            and func.id not in scope.bindings
        ):
            return self._factory(scope, func.id, depth)
        target = self._resolve(scope, func)
        if target is None:
            return None
        if target.kind == "class":
            return Receiver(target, exact=True) if _is_astroid(target) else None
        if target.kind in {"function", "method"} and _is_astroid(target):
            cls = self._annotation_class(target.module, getattr(target.node, "returns", None))
            if cls is not None:
                return self._inexact(cls)
        return None

    def _resolve(self, scope: _Scope, node: ast.AST) -> Definition | None:
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if isinstance(root, ast.Name) and root.id in scope.local_names:
            return None  # `schedule = s.scheduler.schedule` shadows the imported class
        qualified = qualify(node, scope.imports)
        if qualified is None:
            return None
        return self.inference.resolve(qualified)

    def _inexact(self, cls: Definition) -> Receiver | None:
        """A class known only from an annotation: the object may be an instance of a subclass,
        so only a class no project class derives from counts."""
        if has_project_subclass(self.inference, cls):
            return None
        return Receiver(cls, exact=False)

    # ---- annotations --------------------------------------------------------------------
    def _annotation_class(self, modname: str, annotation: Any) -> Definition | None:
        """An astroid annotation (`Cls`, `"Cls"`, `mod.Cls`, `Iterator[Cls]`) in a project
        module, resolved to a project class."""
        from astroid import nodes

        if annotation is None:
            return None
        if isinstance(annotation, nodes.Const) and isinstance(annotation.value, str):
            spelled: str | None = annotation.value.strip()
        elif isinstance(annotation, nodes.Subscript):
            outer = _astroid_spelled(annotation.value)
            if outer is None or outer.rsplit(".", 1)[-1] not in GENERATOR_ANNOTATIONS:
                return None
            inner = annotation.slice
            if isinstance(inner, nodes.Tuple) and inner.elts:
                inner = inner.elts[0]
            return self._annotation_class(modname, inner)
        else:
            spelled = _astroid_spelled(annotation)
        if not spelled or not re.fullmatch(r"[A-Za-z_][\w.]*", spelled):
            return None
        head, _, rest = spelled.partition(".")
        found = self.inference.resolve(f"{modname}.{head}")
        for attr in rest.split(".") if rest else []:
            if found is None:
                return None
            found = self.inference.resolve(f"{found.qualname}.{attr}")
        if found is not None and found.kind == "class" and _is_astroid(found):
            return found
        return None

    def _ast_annotation_class(
        self, scope: _Scope, annotation: ast.expr | None
    ) -> Definition | None:
        """A stdlib-AST annotation in a test module or conftest, resolved to a project class."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                parsed = ast.parse(annotation.value.strip(), mode="eval").body
            except SyntaxError:
                return None
            return self._ast_annotation_class(scope, parsed)
        if isinstance(annotation, ast.Subscript):
            outer = qualify(annotation.value, scope.imports) or ""
            if outer.rsplit(".", 1)[-1] not in GENERATOR_ANNOTATIONS:
                return None
            inner = annotation.slice
            if isinstance(inner, ast.Tuple) and inner.elts:
                inner = inner.elts[0]
            return self._ast_annotation_class(scope, inner)
        found = self._resolve(scope, annotation)
        if found is not None and found.kind == "class" and _is_astroid(found):
            return found
        return None

    # ---- fixtures -----------------------------------------------------------------------
    def _param(self, scope: _Scope, name: str, depth: int) -> Receiver | None:
        key = (id(scope.func), name)
        if key not in self._names:
            self._names[key] = None  # a fixture chain that comes back to itself
            self._names[key] = self._param_uncached(scope, name, depth)
        return self._names[key]

    def _param_uncached(self, scope: _Scope, name: str, depth: int) -> Receiver | None:
        if name not in scope.fixture_names:
            return None  # a parametrize argname: a value, not a fixture
        located = self._fixture(scope, name)
        annotated = self._ast_annotation_class(scope, scope.params[name].annotation)
        if located is None:
            return self._inexact(annotated) if annotated is not None else None
        fixture_module, fixture_node, fixture_cls = located
        if fixture_node is scope.func or scope.func is None:
            return None
        fixture_scope = self._scopes.get(id(fixture_node))
        if fixture_scope is None:
            fixture_scope = self._scope(fixture_module, fixture_node, fixture_cls)
            self._scopes[id(fixture_node)] = fixture_scope
        if _mentions_mock(fixture_node):
            return None  # a mock, spec'd or not, with the class's name in an annotation
        values = given_values(fixture_node)
        found: list[Receiver | None] = [self._value(fixture_scope, v, depth + 1) for v in values]
        if found and all(f is not None for f in found):
            classes = {f.cls.qualname for f in found if f is not None}
            if len(classes) == 1:
                first = found[0]
                assert first is not None
                if annotated is not None and annotated.qualname != first.cls.qualname:
                    return None  # the reader's annotation says otherwise: not certain
                return first
            return None
        if values and any(_plainly_other(v) for v in values):
            return None
        annotation = self._ast_annotation_class(fixture_scope, fixture_node.returns)
        if annotation is not None:
            if annotated is not None and annotated.qualname != annotation.qualname:
                return None
            return self._inexact(annotation)
        if annotated is not None:
            return self._inexact(annotated)
        return None

    def _fixture(
        self, scope: _Scope, name: str
    ) -> tuple[TestModule, FunctionNode, ast.ClassDef | None] | None:
        """The fixture `name` a function in `scope` gets: its class's, its module's, else the
        nearest conftest's; None when the name is defined ambiguously."""
        module = scope.module
        if scope.cls is not None:
            for stmt in scope.cls.body:
                if (isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                        and fixture_name(stmt) == name):
                    return module, stmt, scope.cls
        own = _fixtures_of(module).get(name)
        if own:
            return module, own[-1], None
        if scope.module is not self.module and scope.module not in self.conftests:
            return None
        candidates = self.conftests
        if scope.module in self.conftests:
            # a conftest fixture sees its own conftest and the ones above it
            candidates = self.conftests[: self.conftests.index(scope.module) + 1]
        for conftest in reversed(candidates):
            for stmt in reversed(_fixtures_of(conftest).get(name, [])):
                if conftest is scope.module and stmt is scope.func:
                    continue  # a fixture overriding one of the same name further up
                return conftest, stmt, None
        return None

    def _factory(self, scope: _Scope, name: str, depth: int) -> Receiver | None:
        """`make_user(...)` where the fixture `make_user` returns a function it defines, whose
        every return builds one project class (the factory-as-fixture pattern)."""
        if depth > MAX_DEPTH:
            return None
        located = self._fixture(scope, name)
        if located is None:
            return None
        fixture_module, fixture_node, fixture_cls = located
        if fixture_node is scope.func or _mentions_mock(fixture_node):
            return None
        inner: dict[str, FunctionNode] = {
            stmt.name: stmt
            for stmt in fixture_node.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        values = given_values(fixture_node)
        if not values or not all(isinstance(v, ast.Name) and v.id in inner for v in values):
            return None
        found: list[Receiver | None] = []
        for value in values:
            assert isinstance(value, ast.Name)
            builder = inner[value.id]
            builder_scope = self._scope(fixture_module, builder, fixture_cls)
            builder_scope.fixture_names = frozenset()  # its parameters are arguments
            results = given_values(builder)
            if not results:
                return None
            found.extend(self._value(builder_scope, r, depth + 1) for r in results)
        if not found or any(f is None for f in found):
            return None
        if len({f.cls.qualname for f in found if f is not None}) != 1:
            return None
        first = found[0]
        assert first is not None
        return first if all(f is not None and f.exact for f in found) else self._inexact(first.cls)

    # ---- self.x set in setup ------------------------------------------------------------
    def _self_attribute(self, scope: _Scope, attr: str, depth: int) -> Receiver | None:
        assert scope.cls is not None
        key = (id(scope.cls), f"self.{attr}")
        if key not in self._names:
            self._names[key] = None
            self._names[key] = self._self_attribute_uncached(scope, attr, depth)
        return self._names[key]

    def _self_attribute_uncached(self, scope: _Scope, attr: str, depth: int) -> Receiver | None:
        cls = scope.cls
        assert cls is not None
        index = self._self_stores.get(id(cls))
        if index is None:
            walked = {id(t.node): t.nodes for t in self.module.tests if t.cls is cls}
            index = _self_stores(cls, walked)
            self._self_stores[id(cls)] = index
        if index is _DYNAMIC:
            return None
        stores = index.get(attr, [])
        if len(stores) != 1:
            return None
        where, value = stores[0]
        if value is None:
            return None
        if where.name not in SETUP_METHODS and not is_autouse_fixture(where):
            return None
        setup_scope = self._scope(scope.module, where, cls)
        return self._value(setup_scope, value, depth + 1)


# ---- helpers -----------------------------------------------------------------------------
def _is_astroid(definition: Definition) -> bool:
    return definition.node is not None and not isinstance(definition.node, ast.AST)


def _astroid_spelled(node: Any) -> str | None:
    from testlint.inference import _astroid_dotted

    return _astroid_dotted(node)


def _read_function(
    func: FunctionNode, nodes: list[ast.AST] | None, package: str | None, params: set[str]
) -> tuple[dict[str, str], dict[str, ast.expr], set[str]]:
    """One pass over a function: its own imports, the local names bound exactly once by a plain
    `name = value` (or `with ... as name`), and every name it binds other than by importing.
    Nested functions and classes are looked into (a closure may rebind)."""
    from testlint.facts import collect_imports

    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    bound: set[str] = set()
    imports: list[ast.stmt] = []
    for node in nodes if nodes is not None else ast.walk(func):
        if node is func:
            continue
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                counts[node.id] = counts.get(node.id, 0) + 1
                bound.add(node.id)
        elif isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                values[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.value is not None:
                values[node.target.id] = node.value
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name):
                    values[item.optional_vars.id] = _Entered(
                        item.context_expr, isinstance(node, ast.AsyncWith)
                    )
        elif isinstance(node, DEFINITIONS):
            if node.name:
                counts[node.name] = counts.get(node.name, 0) + 2
                bound.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            for name in node.names:
                counts[name] = counts.get(name, 0) + 2
                bound.add(name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            imports.append(node)
            for alias in node.names:
                name = alias.asname or alias.name.split(".", 1)[0]
                counts[name] = counts.get(name, 0) + 2
    local_imports = (
        collect_imports(ast.Module(body=imports, type_ignores=[]), package) if imports else {}
    )
    bindings = {n: v for n, v in values.items() if counts.get(n) == 1 and n not in params}
    return local_imports, bindings, bound


def _module_bindings(module: TestModule) -> dict[str, ast.expr]:
    """Top-level names bound exactly once, by a plain assignment, and never declared `global`
    in a function (which could rebind them). Function and class bodies are not walked: they
    bind their own locals, unless they say `global` (looked for in the text first)."""
    tree = module.tree
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    top = {id(stmt) for stmt in tree.body}
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, DEFINITIONS):
            if node.name:
                counts[node.name] = counts.get(node.name, 0) + 2
            if not isinstance(node, ast.ExceptHandler):
                continue
        if isinstance(node, ast.Assign) and id(node) in top and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                values[target.id] = node.value
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            counts[node.id] = counts.get(node.id, 0) + 1
        elif isinstance(node, ast.alias):
            bound = node.asname or node.name.split(".", 1)[0]
            counts[bound] = counts.get(bound, 0) + 2
        stack.extend(ast.iter_child_nodes(node))
    if values and "global " in module.source.text:
        for node in ast.walk(tree):
            if isinstance(node, ast.Global):
                for name in node.names:
                    counts[name] = counts.get(name, 0) + 2
    return {n: v for n, v in values.items() if counts.get(n) == 1}


def _parametrize_names(func: FunctionNode, cls: ast.ClassDef | None) -> set[str]:
    """Argnames of every `parametrize` on the function or its class (any spelling)."""
    names: set[str] = set()
    decorators = [*func.decorator_list, *(cls.decorator_list if cls is not None else [])]
    for decorator in decorators:
        if not isinstance(decorator, ast.Call) or not decorator.args:
            continue
        spelled = dotted_name(decorator.func) or ""
        if not spelled.endswith("parametrize"):
            continue
        first = decorator.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.update(n.strip() for n in first.value.split(","))
        elif isinstance(first, ast.List | ast.Tuple):
            names.update(
                e.value for e in first.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )
    return names


_FIXTURES_ATTR = "_testlint_fixture_defs"


def _fixtures_of(module: TestModule) -> dict[str, list[FunctionNode]]:
    """A module's top-level fixture functions by the name pytest knows them by, in order."""
    found: dict[str, list[FunctionNode]] | None = module.__dict__.get(_FIXTURES_ATTR)
    if found is None:
        found = {}
        for stmt in module.tree.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                name = fixture_name(stmt)
                if name is not None:
                    found.setdefault(name, []).append(stmt)
        module.__dict__[_FIXTURES_ATTR] = found
    return found


def _plainly_other(value: ast.expr) -> bool:
    """A returned value that is surely not an instance of a project class."""
    return isinstance(
        value,
        ast.Constant | ast.List | ast.Tuple | ast.Dict | ast.Set | ast.ListComp | ast.DictComp
        | ast.JoinedStr | ast.Lambda,
    )


def _mentions_mock(func: FunctionNode) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and any(w in node.id for w in MOCK_WORDS):
            return True
        if isinstance(node, ast.Attribute) and any(w in node.attr for w in MOCK_WORDS):
            return True
        if isinstance(node, ast.keyword) and node.arg in {"spec", "spec_set", "autospec"}:
            return True
    return False


_DYNAMIC: dict[str, list[tuple[FunctionNode, ast.expr | None]]] = {}


def _self_stores(
    cls: ast.ClassDef, walked: dict[int, list[ast.AST]]
) -> dict[str, list[tuple[FunctionNode, ast.expr | None]]]:
    """`self.x = value` in the methods of a test class, by attribute name, with the method and
    the value (None for any other kind of store); _DYNAMIC when it uses setattr/delattr.
    `walked` holds the nodes the facts already listed for the class's tests."""
    stores: dict[str, list[tuple[FunctionNode, ast.expr | None]]] = {}
    for stmt in cls.body:
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        values: dict[int, ast.expr | None] = {}
        targets: list[ast.Attribute] = []
        known = walked.get(id(stmt))
        for node in known if known is not None else ast.walk(stmt):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                values[id(node.targets[0])] = node.value
            elif isinstance(node, ast.AnnAssign):
                values[id(node.target)] = node.value
            elif isinstance(node, ast.Attribute) and not isinstance(node.ctx, ast.Load):
                if isinstance(node.value, ast.Name) and node.value.id == "self":
                    targets.append(node)
            elif isinstance(node, ast.Call) and dotted_name(node.func) in {"setattr", "delattr"}:
                return _DYNAMIC
        for target in targets:
            stores.setdefault(target.attr, []).append((stmt, values.get(id(target))))
    return stores
