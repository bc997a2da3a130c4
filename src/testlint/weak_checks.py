"""Which weak-looking checks of a test are weak, and which state the contract (TL103's facts).

`facts` classifies an assertion as WEAK by its shape: `is not None`, `isinstance`, `hasattr`,
`len(x) > 0`, `type(x) is T`, bare truthiness. A shape is not yet a verdict. A type check states
the behaviour under test when the test chose the type:

- the class is defined by the test or its module, is a parameter or a local of the test, or is
  handed by the test to the code (`group.command(cls=click.Command)`), so the test configured
  the type and checks that the code honoured it;
- the value comes from a method of an instance the test built from that class (`df.count()` on
  a `SubclassedDataFrame`): the check is that the type survives the operation;
- the unit is a dispatcher whose own `return` statements build instances of several classes,
  and the class checked is one of them (`from_json_schema(True)` returns `Any()`, `False` returns
  `NeverMatch()`): which class comes back is the decision under test.

A class the test builds itself inside a replacement (a lambda, a `return_value=`, a patched-in
value) is the stub's, not the unit's: a check against it re-reads the stub and stays weak.

A test whose every check is a type check on a part of a result (an element, an item it yields,
an attribute: `isinstance(ser[0], pd.Timestamp)`) is about representation, the class the code
boxes values into or the index it infers, which varies with the input; it is not reported. A
field read by its key (`isinstance(data["name"], str)`) is not such a part: checking the types
of a record's fields is the schema check generated tests make instead of checking values.

`hasattr(obj, "name")` states the contract when the test itself sets `.name` somewhere (a hook
of the test marks the object it saw). A check inside a function the test defines but does not
call (a callback handed to the code) inspects what the code passed in, not what it returned, and
is not counted.

Inference (the dispatcher case) is asked only for tests that would otherwise be reported, and
answers "one result or None": when it cannot tell, the check stays weak.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from testlint import ast_shape
from testlint.facts import Assertion, Kind, TestFunction, TestModule, dotted_name

NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# keyword arguments whose value replaces real behaviour (a stub's output)
STUB_KEYWORDS = frozenset({"return_value", "side_effect", "new", "wraps", "new_callable"})
STUB_ATTRIBUTES = frozenset({"return_value", "side_effect"})
SETATTR_CALLS = frozenset({"setattr", "setitem"})


def weak_shapes_only(test: TestFunction) -> list[Assertion] | None:
    """The assertions that run as part of the test when every one is weak by its shape, else
    None: the cheap half of `weak_only`, for a caller to ask before anything costlier."""
    if not any(a.kind is Kind.WEAK for a in test.assertions):
        return None  # none is weak: nothing to look at
    own = _own_assertions(test)
    if not own or not all(a.kind is Kind.WEAK for a in own):
        return None
    return own


def weak_only(
    module: TestModule,
    test: TestFunction,
    inference: Callable[[], Any] | None = None,
    own: list[Assertion] | None = None,
) -> bool:
    """Whether every assertion that runs as part of the test is a weak check that does not
    state the contract (see the module docstring). `inference` returns the project's inference
    engine (or None) when first needed; `own` is what `weak_shapes_only` found, when asked."""
    if own is None:
        own = weak_shapes_only(test)
        if own is None:
            return False
    if _representation_test(test, own) or _class_follows_input(test, own):
        return False
    shapes = _Shapes(module, test)
    return not any(shapes.states_contract(assertion, inference) for assertion in own)


def _representation_test(test: TestFunction, own: list[Assertion]) -> bool:
    """Every check is a type check on a part of a result (an element, an item it yields, an
    attribute): `isinstance(ser[0], pd.Timestamp)`, `isinstance(df.index, pd.DatetimeIndex)`,
    `isinstance(request.body, bytes)`. Such a test is about how the code represents the parts
    of what it returns (the class it boxes scalars into, the index it infers), which depends on
    the input; a test that only restates a type checks the result itself, and is reported."""
    loop_items = {
        name.id
        for node in test.nodes
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension)
        for name in ast.walk(node.target)
        if isinstance(name, ast.Name)
    }
    for assertion in own:
        shape = _type_check(assertion)
        if shape is None or not _is_part(test, shape[0], loop_items):
            return False
    return True


def _field_of_a_record(value: ast.expr) -> bool:
    """`data["name"]`: a field read by its key, whose type check is a schema check (the field
    exists and has some value of that type), not a question of how the code boxes values."""
    node: ast.expr = value
    while isinstance(node, ast.Subscript | ast.Attribute):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            return True
        node = node.value
    return False


def _class_follows_input(test: TestFunction, own: list[Assertion]) -> bool:
    """The test expects different classes for one value in different branches of an `if`
    (`if using_python_scalars: isinstance(result, int) else: isinstance(result, np.uint64)`):
    the class depends on the input, so it is the behaviour under test."""
    classes: dict[object, set[object]] = {}
    branched = False
    for assertion in own:
        shape = _type_check(assertion)
        if shape is None:
            continue
        key = ast_shape.shape(shape[0])
        classes.setdefault(key, set()).update(ast_shape.shape(c) for c in shape[1])
        branched = branched or any(isinstance(a, ast.If) for a in test.ancestors(assertion.node))
    return branched and any(len(found) >= 2 for found in classes.values())


def _is_part(test: TestFunction, value: ast.expr, loop_items: set[str]) -> bool:
    from testlint.inference import single_assignment

    if isinstance(value, ast.Subscript | ast.Attribute):
        return not _field_of_a_record(value)
    if isinstance(value, ast.Name):
        if value.id in loop_items:
            return True
        bound = single_assignment(test, value.id)
        return isinstance(bound, ast.Subscript | ast.Attribute) and not _field_of_a_record(bound)
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id == "next"
    )


def _own_assertions(test: TestFunction) -> list[Assertion]:
    """The test's assertions, less those inside functions it defines and does not call."""
    from testlint.rules._body import nested_functions_run

    if not test.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
        return list(test.assertions)  # the usual test defines no function: nothing to leave out
    skipped = [
        node for node in test.own_nodes if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    if not skipped:
        return list(test.assertions)
    run = {id(function) for function, _body in nested_functions_run(test)}
    skipped = [f for f in skipped if id(f) not in run]
    found = []
    for assertion in test.assertions:
        node = assertion.node
        if node is test.node:
            found.append(assertion)  # carried by a fixture: the test's own
            continue
        if not any(_within(f, node) for f in skipped):
            found.append(assertion)
    return found


def _within(outer: ast.AST, inner: ast.AST) -> bool:
    start = (getattr(outer, "lineno", 0), getattr(outer, "col_offset", 0))
    end = (getattr(outer, "end_lineno", 0) or 0, getattr(outer, "end_col_offset", 0) or 0)
    first = (getattr(inner, "lineno", -1), getattr(inner, "col_offset", -1))
    return start <= first <= end


def _type_check(assertion: Assertion) -> tuple[ast.expr, list[ast.expr]] | None:
    """(checked value, class expressions) of `isinstance(x, C)`, `type(x) is C`,
    `assertIsInstance(x, C)`; None for any other shape."""
    expr: ast.AST | None = assertion.expr
    if assertion.api.startswith("unittest.") and isinstance(assertion.node, ast.Call):
        call = assertion.node
        if assertion.api.endswith("IsInstance") and len(call.args) >= 2:
            return call.args[0], _classes(call.args[1])
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        if expr.func.id == "isinstance" and len(expr.args) == 2:
            return expr.args[0], _classes(expr.args[1])
        return None
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        left = expr.left
        if (
            isinstance(left, ast.Call)
            and isinstance(left.func, ast.Name)
            and left.func.id == "type"
            and len(left.args) == 1
        ):
            return left.args[0], _classes(expr.comparators[0])
    return None


def _classes(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.Tuple):
        return [c for elt in expr.elts for c in _classes(elt)]
    return [expr]


def _hasattr_name(assertion: Assertion) -> tuple[ast.expr, str] | None:
    expr = assertion.expr
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id == "hasattr"
        and len(expr.args) == 2
        and isinstance(expr.args[1], ast.Constant)
        and isinstance(expr.args[1].value, str)
    ):
        return expr.args[0], expr.args[1].value
    return None


class _Shapes:
    """What one test does with classes: which it defines, binds, hands over or stubs."""

    def __init__(self, module: TestModule, test: TestFunction) -> None:
        self.module = module
        self.test = test
        self._stub_ids: set[int] | None = None

    # ---- the verdict ------------------------------------------------------------------------
    def states_contract(
        self, assertion: Assertion, inference: Callable[[], Any] | None
    ) -> bool:
        has = _hasattr_name(assertion)
        if has is not None:
            return has[1] in self._attributes_set()
        shape = _type_check(assertion)
        if shape is None:
            return False
        value, classes = shape
        if not classes:
            return False
        if all(self._configured(cls) for cls in classes):
            return True
        if all(self._preserved(value, cls) for cls in classes):
            return True
        return inference is not None and all(
            self._chosen_by_unit(value, cls, inference) for cls in classes
        )

    # ---- the test configured the type -------------------------------------------------------
    def _configured(self, cls: ast.expr) -> bool:
        test = self.test
        if (
            isinstance(cls, ast.Call)
            and isinstance(cls.func, ast.Name)
            and cls.func.id == "type"
            and len(cls.args) == 1
            and isinstance(cls.args[0], ast.Name)
            and (cls.args[0].id in test.params or cls.args[0].id in self._bound_in_test())
        ):
            return True  # `isinstance(result, type(obj))`: the class of the test's own input
        if isinstance(cls, ast.Name):
            name = cls.id
            if name in test.params:
                return True  # a parametrized or fixture-provided class
            if name in self._bound_in_test():
                return True  # a class the test defines or a local it computes
            if name in self._module_classes():
                return True  # a class the test module defines for its tests
        spelled = dotted_name(cls)
        return spelled is not None and spelled in self._handed_over()

    def _bound_in_test(self) -> set[str]:
        names: set[str] = set()
        for node in self.test.nodes:
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
        return names

    def _module_classes(self) -> set[str]:
        return {
            node.name for node in self.module.source.tree.body if isinstance(node, ast.ClassDef)
        }

    def _handed_over(self) -> set[str]:
        """Classes the test passes by reference (not calling them) to a call or a class
        statement: `group.command(cls=click.Command)`, `class Custom(click.Group)`."""
        found: set[str] = set()
        for node in self.test.nodes:
            refs: list[ast.expr] = []
            if isinstance(node, ast.Call):
                if _is_check_call(node):
                    continue
                refs = [*node.args, *(k.value for k in node.keywords)]
            elif isinstance(node, ast.ClassDef):
                refs = list(node.bases)
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) for t in node.targets
            ):
                refs = [node.value]  # `CustomGroup.group_class = CustomSubGroup`
            for ref in refs:
                if isinstance(ref, ast.Name | ast.Attribute):
                    spelled = dotted_name(ref)
                    if spelled:
                        found.add(spelled)
        return found

    def _attributes_set(self) -> set[str]:
        found: set[str] = set()
        for node in self.test.nodes:
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute):
                    found.add(target.attr)
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
            ):
                found.add(node.args[1].value)
        return found

    # ---- the type survives an operation of the instance the test built ------------------------
    def _preserved(self, value: ast.expr, cls: ast.expr) -> bool:
        """`result = df.count()` (or `df[...]`, `df.sparse.to_dense()`) where the test built `df`
        as `C(...)` outside any stub, checked against C."""
        from testlint.inference import single_assignment

        spelled = dotted_name(cls)
        if spelled is None:
            return False
        current: ast.expr | None = value
        for _ in range(6):
            if isinstance(current, ast.Name):
                current = single_assignment(self.test, current.id)
                continue
            if isinstance(current, ast.Call) and isinstance(current.func, ast.Attribute):
                current = current.func.value  # the receiver of the method
                break
            if isinstance(current, ast.Subscript):
                current = current.value
                break
            return False
        for _ in range(6):
            if isinstance(current, ast.Name):
                current = single_assignment(self.test, current.id)
                continue
            if isinstance(current, ast.Attribute):
                current = current.value
                continue
            break
        return (
            isinstance(current, ast.Call)
            and dotted_name(current.func) == spelled
            and id(current) not in self._stub_nodes()
        )

    # ---- the unit's returns choose among classes ----------------------------------------------
    def _chosen_by_unit(
        self, value: ast.expr, cls: ast.expr, inference: Callable[[], Any]
    ) -> bool:
        from testlint.inference import single_assignment

        spelled = self.module.qualname(cls)
        if spelled is None or self._built_in_stub(cls):
            return False
        call = single_assignment(self.test, value.id) if isinstance(value, ast.Name) else value
        if not isinstance(call, ast.Call):
            return False
        engine = inference()
        if engine is None:
            return False
        try:
            definition = engine.resolve_call(self.module, self.test, call)
            if definition is None or not definition.is_code_under_test:
                return False
            source = engine.function_source(definition)
            if source is None:
                return False
            built = _returned_classes(source, engine)
            target = engine.resolve(spelled)
            wanted = target.qualname if target is not None else spelled
        except Exception:
            return False
        return len(built) >= 2 and wanted in built

    def _built_in_stub(self, cls: ast.expr) -> bool:
        spelled = dotted_name(cls)
        stubs = self._stub_nodes()
        return any(
            isinstance(node, ast.Call) and dotted_name(node.func) == spelled and id(node) in stubs
            for node in self.test.nodes
        )

    def _stub_nodes(self) -> set[int]:
        """Every node inside a replacement the test sets up: lambdas, `return_value=` and
        friends, values assigned to `.return_value`/`.side_effect`, values patched in with
        `setattr`."""
        if self._stub_ids is not None:
            return self._stub_ids
        roots: list[ast.AST] = []
        for node in self.test.nodes:
            if isinstance(node, ast.Lambda):
                roots.append(node)
            elif isinstance(node, ast.Call):
                roots.extend(k.value for k in node.keywords if k.arg in STUB_KEYWORDS)
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in SETATTR_CALLS and len(node.args) >= 2:
                    roots.append(node.args[-1])
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr in STUB_ATTRIBUTES for t in node.targets
            ):
                roots.append(node.value)
        self._stub_ids = {id(sub) for root in roots for sub in ast.walk(root)}
        return self._stub_ids


def _is_check_call(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Name) and func.id in {"isinstance", "issubclass", "type"}


def _returned_classes(source: Any, engine: Any) -> set[str]:
    """Qualified names of the project classes the function's own `return` expressions build."""
    function = source.node
    imports: dict[str, str] = source.imports
    here = source.definition.module
    found: set[str] = set()
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, NESTED):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            for sub in ast.walk(node.value):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                    name = sub.func.id
                    if name in imports:
                        qualified = imports[name]
                    elif name in source.module_names:
                        qualified = f"{here}.{name}"
                    else:
                        continue
                    target = engine.resolve(qualified)
                    if target is not None and target.kind == "class":
                        found.add(target.qualname)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found
