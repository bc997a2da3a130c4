"""Building a module's facts: one walk per test body, one pass over the rest of the module."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import cast

from testlint.facts.bindings import _bound_names
from testlint.facts.call_sites import _call_sites, _Naming
from testlint.facts.markers import marker_registrations
from testlint.facts.model import (
    Assertion,
    CollectionRules,
    Comparison,
    FixtureDef,
    Kind,
    MarkerUse,
    Patch,
    ProjectLookup,
    RaisesUse,
    TestFunction,
    TestModule,
    _NoProject,
    has_helper_prefix,
)
from testlint.facts.names import (
    _kwarg,
    _module_level_statements,
    _string,
    collect_imports,
    dotted_name,
    qualify,
    root_name,
)
from testlint.facts.traversal import _children, walk, walk_body_indexed
from testlint.facts.vocabulary import (
    BENCHMARK_FIXTURES,
    BENCHMARK_MARK,
    FAIL_CALLS,
    FIXTURE_DECORATORS,
    INTROSPECTION_ATTRS,
    MOCK_ASSERT_METHODS,
    MOCK_FACTORIES,
    MOCK_ONLY_ATTRS,
    MOCK_STATE_ATTRS,
    MOCKER_FACTORY_ATTRS,
    MOCKER_FIXTURES,
    MOCKER_PATCHES,
    NOT_ASSERTION_HELPERS,
    PATCH_CALLS,
    RAISES_CALLS,
    SKIP_CALLS,
    TESTING_MODULE_PREFIXES,
    UNITTEST_BASES,
    UNITTEST_EQUALITY,
    UNITTEST_RAISES,
    UNITTEST_WEAK,
    FunctionNode,
    names_an_assertion,
)
from testlint.source import SourceFile, may_spell


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
        self._call_name = self._naming.call_name  # the hot paths' spelling of `call_name`
        # `self.method()` may reach any class's helper `method`: its keys, by method name,
        # indexed for the helpers known (`_methods_named`); `has_helper_prefix` by name
        self._methods: dict[str, list[str]] = {}
        self._methods_for = -1  # len(self.helpers) when `_methods` was built
        self._helper_named: dict[str, bool] = {}
        self._decorators_of: dict[int, list[tuple[ast.expr, ast.expr, str | None]]] = {}
        # no mock can be made or patched here: nothing is imported from unittest.mock or mock
        # (the only way a call resolves to MOCK_FACTORIES or PATCH_CALLS) and no name spells a
        # mocker fixture; then only a fixture that returns a mock makes a name a mock
        self._mock_free = not may_spell(source.text, "mocker") and not any(
            qualified.partition(".")[0] in {"unittest", "mock"}
            for qualified in self.imports.values()
        )
        self._autouse: list[FixtureDef] | None = None
        self._mock_attrs_here = True  # False while analysing a test with no mock-state attribute
        self._param_calls: list[ast.Call] = []  # pytest.param(...) in tests and their decorators
        # the names that are `pytest.mark` itself here (`from pytest import mark`)
        self._mark_aliases = frozenset(
            alias for alias in self.imports
            if qualify(ast.Name(id=alias), self.imports) == "pytest.mark"
        )

    # ---- naming -------------------------------------------------------------------------
    def qualname(self, node: ast.AST) -> str | None:
        return qualify(node, self.imports)

    def call_name(self, call: ast.Call) -> str | None:
        # asked several times per call (assertion? patch? call site?): memoised per node
        return self._naming.call_name(call)

    def is_marker_attr(self, node: ast.Attribute) -> str | None:
        """The marker name when `node` is `pytest.mark.<name>` (through any alias)."""
        value = node.value
        if value.__class__ is ast.Name:
            # `mark.skip` after `from pytest import mark`: one set lookup, not a qualified name
            # built for every `obj.attr` of the module
            return node.attr if value.id in self._mark_aliases else None
        if value.__class__ is not ast.Attribute or value.attr != "mark":
            return None  # `x.y.z`: only `<...>.mark.<name>` can be a marker
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
        return [qualified or dotted_name(target) or ""
                for _, target, qualified in self._decorators(node)]

    def _decorators(
        self, node: FunctionNode | ast.ClassDef
    ) -> list[tuple[ast.expr, ast.expr, str | None]]:
        """(decorator, what it calls or names, its qualified name) for each decorator, read
        once per definition: the fixture check and the decorator names both ask."""
        found = self._decorators_of.get(id(node))
        if found is None:
            found = []
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                found.append((dec, target, self.qualname(target)))
            self._decorators_of[id(node)] = found
        return found

    def _fixture_decorator(self, node: FunctionNode) -> ast.expr | None:
        for dec, _, qualified in self._decorators(node):
            if qualified and (qualified in FIXTURE_DECORATORS or qualified.endswith(".fixture")):
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
        mocks = self._mock_names(node, nodes, None, params, decorated_patches=[])
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
        kind = func.__class__
        if kind is ast.Name:
            return [func.id] if func.id in self.helpers else []  # type: ignore[attr-defined]
        if kind is not ast.Attribute:
            return []
        receiver = func.value  # type: ignore[attr-defined]
        if receiver.__class__ is not ast.Name or receiver.id not in {"self", "cls"}:
            return []
        attr: str = func.attr  # type: ignore[attr-defined]
        if context and "." in context:
            own = context.rsplit(".", 1)[0] + "." + attr
            if own in self.helpers:
                return [own]
        return self._methods_named(attr)

    def _methods_named(self, attr: str) -> list[str]:
        """The keys of class helpers named `attr` (`Cls.attr`), in definition order; the index
        is rebuilt when helpers were added since (fixtures are analysed while they are found)."""
        if self._methods_for != len(self.helpers):
            self._methods = {}
            for key in self.helpers:
                if "." in key:
                    self._methods.setdefault(key.rsplit(".", 1)[-1], []).append(key)
            self._methods_for = len(self.helpers)
        return self._methods.get(attr, [])

    # ---- mocks -----------------------------------------------------------------------------
    def _is_mock_factory_call(self, call: ast.Call, mocks: set[str]) -> bool:
        qualified = self._call_name(call)
        if qualified in MOCK_FACTORIES:
            return True
        func = call.func
        if func.__class__ is not ast.Attribute:
            return False  # `Name()`: not `mocker.<factory>`, and no other spelling is dotted
        if func.attr == "start":
            inner = func.value
            if isinstance(inner, ast.Call):
                return self._is_patch_call(inner) is not None
        base = func.value
        while base.__class__ is ast.Attribute:
            base = base.value
        if base.__class__ is not ast.Name or base.id not in MOCKER_FIXTURES:
            return False  # most calls: no dotted string built
        spelled = dotted_name(func)
        if spelled:
            head, _, rest = spelled.partition(".")
            if head in MOCKER_FIXTURES and rest in MOCKER_FACTORY_ATTRS:
                return True
        return False

    def _is_patch_call(self, call: ast.Call) -> str | None:
        return self._patch_api(call, self._call_name(call))

    def _patch_api(self, call: ast.Call, qualified: str | None) -> str | None:
        """`_is_patch_call`, given the call's qualified name."""
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
        if expr.__class__ is ast.Call:
            if self._is_mock_factory_call(expr, mocks):
                return True
            return bool(mocks) and root_name(expr.func) in mocks
        kind = expr.__class__
        if kind is ast.Name or kind is ast.Attribute or kind is ast.Subscript:
            return bool(mocks) and root_name(expr) in mocks
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
        by_type: dict[type, list[ast.AST]] | None,
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
        if not mocks and self._mock_free:
            return mocks  # no value here can be a mock: no assignment to read
        # (targets, value): the names a target binds are read only when its value is a mock
        assignments: list[tuple[list[ast.expr], ast.expr]] = []
        for sub in _binding_nodes(nodes, by_type):
            if isinstance(sub, ast.Assign):
                assignments.append((sub.targets, sub.value))
            elif isinstance(sub, ast.AnnAssign) and sub.value is not None:
                assignments.append(([sub.target], sub.value))
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
                    if item.optional_vars is not None:
                        assignments.append(([item.optional_vars], item.context_expr))
            elif isinstance(sub, ast.NamedExpr):
                assignments.append(([sub.target], sub.value))
        is_mock = self._is_mock_expr
        for _ in range(3):
            before = len(mocks)
            for targets, value in assignments:
                if is_mock(value, mocks):
                    for target in targets:
                        mocks.update(_bound_names(target))
            if len(mocks) == before:
                break
        return mocks

    # ---- assertions ---------------------------------------------------------------------------
    def _assertion_for_call(
        self, call: ast.Call, mocks: set[str], helpers_known: bool = True
    ) -> Assertion | None:
        return self._assertion_for(call, self._call_name(call), mocks, helpers_known)

    def _assertion_for(
        self, call: ast.Call, qualified: str | None, mocks: set[str], helpers_known: bool = True
    ) -> Assertion | None:
        """`_assertion_for_call`, given the call's qualified name."""
        func = call.func
        kind = func.__class__
        attr = func.attr if kind is ast.Attribute else None  # type: ignore[attr-defined]
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
        if attr is not None:
            receiver = func.value  # type: ignore[attr-defined]
            if receiver.__class__ is ast.Name and receiver.id in {"self", "cls"}:
                if attr in UNITTEST_RAISES:
                    return Assertion(node=call, kind=Kind.RAISES, api=f"unittest.{attr}")
                if attr in {"fail"}:
                    return Assertion(node=call, kind=Kind.VALUE, api="unittest.fail")
                if attr.startswith("assert") and attr[6:7].isupper():
                    return self._unittest_assertion(call, attr, mocks)
        name = attr if attr is not None else (func.id if kind is ast.Name else None)  # type: ignore[attr-defined]
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
            if keys:
                if any(self.helper_asserts.get(k) for k in keys):
                    return Assertion(node=call, kind=Kind.HELPER, api=f"helper:{name}")
                if not name.startswith("assert"):
                    return None  # a local helper that does not assert, whatever its name
        if (
            attr is not None
            and func.value.__class__ is ast.Call  # type: ignore[attr-defined]
            and func.value.func.__class__ is ast.Name  # type: ignore[attr-defined]
            and func.value.func.id == "super"  # type: ignore[attr-defined]
        ):
            # `super().test_x(...)` runs the inherited test (or helper), whose assertions we
            # cannot see from here
            return Assertion(node=call, kind=Kind.HELPER, api=f"super:{name}")
        helper_named = self._helper_named.get(name)
        if helper_named is None:
            helper_named = self._helper_named[name] = has_helper_prefix(
                name, self.rules.helper_prefixes)
        if helper_named:
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
        nodes, by_type = walk_body_indexed(node)
        test.nodes = nodes
        test.__dict__["_by_type"] = by_type  # the cached_property, filled by the same walk
        self.current_params = frozenset(test.params) - {"self", "cls"}
        test.patches = self._decorator_patches(node, test.cls)
        test.mock_names = self._mock_names(node, nodes, by_type, test.params, test.patches)
        mocks = test.mock_names
        self._mock_attrs_here = not MOCK_STATE_ATTRS.isdisjoint(
            [sub.attr for sub in test.nodes_of(ast.Attribute)]
        )
        params = set(test.params)
        asserting: list[ast.AST] = []  # assert statements and asserting calls, for call sites
        raises_calls: set[int] = set()
        with_items: set[int] = set()

        for dec in node.decorator_list:
            for sub in walk(dec):
                if sub.__class__ is ast.Attribute:
                    if self._may_note_marker(sub):
                        self._note_marker(sub, where="decorator", test=test)
                elif sub.__class__ is ast.Call and _may_be_param(sub) and (
                    self.call_name(sub) == "pytest.param"
                ):
                    self._param_calls.append(sub)
        # (class-level marks apply to each test but are recorded once, by the class scan)

        # dispatch on the node's exact class, the commonest first (attributes and calls are most
        # of the nodes acted on); every other node is skipped by one set lookup
        Attribute, Call, Assert, Name = ast.Attribute, ast.Call, ast.Assert, ast.Name
        call_name, mark_aliases = self._call_name, self._mark_aliases
        monkeypatched = "monkeypatch" in params
        mock_free = self._mock_free
        for sub in nodes:
            cls = sub.__class__
            if cls not in _TEST_BODY_TYPES:
                continue  # Name, Constant, operators...: nothing below is about them
            # (the class tests below stand for isinstance: these run per node)
            if cls is Attribute:
                # `_may_note_marker`, inline: a test has attributes by the dozen
                value = sub.value  # type: ignore[attr-defined]
                if value.__class__ is Name:
                    if value.id not in mark_aliases:
                        continue
                elif value.__class__ is Attribute:
                    if value.attr != "mark" and sub.attr not in INTROSPECTION_ATTRS:  # type: ignore[attr-defined]
                        continue
                else:
                    continue
                self._note_marker(sub, where="body", test=test)  # type: ignore[arg-type]
            elif cls is Call:
                sub = cast(ast.Call, sub)
                if id(sub) in raises_calls:
                    continue
                qualified = call_name(sub)
                if qualified in SKIP_CALLS:
                    test.skips = True
                elif qualified == "pytest.param":
                    self._param_calls.append(sub)
                assertion = self._assertion_for(sub, qualified, mocks)
                if assertion is not None:
                    if assertion.kind is Kind.RAISES and (
                        qualified in RAISES_CALLS or assertion.api.startswith("unittest.")
                    ):
                        raises = self._raises_use(sub, None)
                        if raises is not None:
                            test.raises.append(raises)
                    test.assertions.append(assertion)
                    asserting.append(sub)
                else:
                    api = None if mock_free else self._patch_api(sub, qualified)
                    if api is not None and id(sub) not in with_items:
                        test.patches.append(
                            Patch(node=sub, api=api, target=self._patch_target(sub, api))
                        )
                    elif monkeypatched and _is_monkeypatch(sub, params):
                        test.patches.append(
                            Patch(node=sub, api="monkeypatch.setattr",
                                  target=self._monkeypatch_target(sub))
                        )
            elif cls is Assert:
                assert isinstance(sub, ast.Assert)
                test.assertions.append(
                    Assertion(
                        node=sub,
                        kind=self._classify_expr(sub.test, mocks),
                        api="assert",
                        expr=sub.test,
                        comparisons=_comparisons(sub.test),
                    )
                )
                asserting.append(sub)
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
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
            elif isinstance(sub, ast.Raise) and _raises_assertion_error(sub):
                test.assertions.append(Assertion(node=sub, kind=Kind.VALUE, api="raise"))
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
            _call_sites, self._naming, by_type, frozen_mocks, params, asserting
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
    def _may_note_marker(self, node: ast.Attribute) -> bool:
        """Whether `_note_marker` has anything to do with `node`: only `<alias of
        pytest.mark>.x`, `<...>.mark.x` and `<...>.x.<introspection>` concern it."""
        value = node.value
        if value.__class__ is ast.Name:
            return value.id in self._mark_aliases
        if value.__class__ is ast.Attribute:
            return value.attr == "mark" or node.attr in INTROSPECTION_ATTRS
        return False

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
            if current.__class__ not in _REST_KINDS:  # names, constants...: only their children
                stack.extend([(sub, where, owner) for sub in _children(current)])
                continue
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
            if (isinstance(current, ast.Call) and _may_be_param(current)
                    and self.call_name(current) == "pytest.param"):
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
            # `_children`: `iter_child_nodes`' order, without the Load/Store markers
            stack.extend([(sub, where, owner) for sub in _children(current)])
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


def _binding_nodes(
    nodes: list[ast.AST], by_type: dict[type, list[ast.AST]] | None
) -> list[ast.AST]:
    """The nodes of `_BINDING_TYPES`, in walk order: straight from the type index when one
    binding type occurs (the usual test: only assignments), else picked from `nodes`."""
    if by_type is None:
        return [sub for sub in nodes if sub.__class__ in _BINDING_TYPES]
    present = [by_type[t] for t in _BINDING_TYPES if t in by_type]
    if not present:
        return []
    if len(present) == 1:
        return present[0]
    return [sub for sub in nodes if sub.__class__ in _BINDING_TYPES]


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
    values = call.args
    if call.keywords:
        values = [*values, *(keyword.value for keyword in call.keywords)]
    for arg in values:
        kind = arg.__class__
        # (class tests, not isinstance: calls have arguments by the hundred thousand)
        if kind is ast.Name:
            last: str = arg.id  # type: ignore[attr-defined]
        elif kind is ast.Attribute:
            last = arg.attr  # type: ignore[attr-defined]
        else:
            continue
        if names_an_assertion(last):
            return True
    return False


# the node types each per-test scan acts on; every other node is skipped by one set lookup
# (the names a test binds are read with its call sites, on first use)
_TEST_BODY_TYPES = frozenset({
    ast.With, ast.AsyncWith, ast.Assert, ast.Raise, ast.Attribute, ast.Call,
})
# the nodes the mock analysis reads bindings from (`_binding_nodes`)
_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.NamedExpr})
# the nodes `_scan_rest` acts on; it only descends into the others
_REST_KINDS = frozenset({
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.Call, ast.Attribute,
})


def _may_be_param(call: ast.Call) -> bool:
    """Whether the call may name `pytest.param`: an alias, or an attribute chain ending in
    `.param` (qualifying keeps the last part of a chain)."""
    func = call.func
    if func.__class__ is ast.Attribute:
        return func.attr == "param"
    return func.__class__ is ast.Name


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


def _is_monkeypatch(call: ast.Call, params: set[str]) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in {"setattr", "setitem"}
        and isinstance(func.value, ast.Name)
        and func.value.id == "monkeypatch"
        and "monkeypatch" in params
    )


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
