"""Which parts of a test's assertions reach the code under test, and which side is expected.

Shared by the rules that look into the code under test (TL301, TL302, TL105): they all start from
an equality the test asserts (`assert actual == expected`, `assertEqual`, `assert_allclose`, ...),
find the call into the project whose result *is* one side's value (following the test's own
local variables: `summary = build_summary(items); summary.total_cents`), and look at the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from testlint.facts import Assertion, TestFunction, TestModule
from testlint.inference import Definition, Inference, single_assignment
from testlint.reach import links

APPROX_CALLS = frozenset({"pytest.approx"})
# assertion helpers whose first two arguments are compared for equality
EQUALITY_HELPERS = frozenset(
    {
        "unittest.assertEqual",
        "unittest.assertEquals",
        "unittest.assertAlmostEqual",
        "unittest.assertAlmostEquals",
        "unittest.assertListEqual",
        "unittest.assertDictEqual",
        "unittest.assertTupleEqual",
        "unittest.assertSetEqual",
        "unittest.assertSequenceEqual",
        "unittest.assertCountEqual",
    }
)
CLOSE_CALLS = frozenset({"math.isclose", "numpy.isclose", "numpy.allclose", "cmath.isclose"})


@dataclass
class Equality:
    """One equality a test asserts: `left == right` in some spelling."""

    assertion: Assertion
    left: ast.expr
    right: ast.expr


@dataclass
class Reached:
    """The code under test whose result is the value of an expression in a test."""

    definition: Definition
    node: ast.expr  # the call (or property access) in the test
    call: ast.Call | None
    receiver: ast.expr | None  # the instance for methods and properties


def equalities(module: TestModule, test: TestFunction) -> Iterator[Equality]:
    for assertion in test.assertions:
        for comparison in assertion.comparisons:
            if isinstance(comparison.op, ast.Eq):
                yield Equality(assertion, comparison.left, comparison.right)
        node = assertion.node
        if assertion.comparisons:
            continue
        if isinstance(node, ast.Call) and len(node.args) >= 2:
            api = assertion.api
            last = api.rsplit(".", 1)[-1]
            if api in EQUALITY_HELPERS or (
                api.startswith(
                    ("numpy.testing", "pandas.testing", "pandas._testing", "pandas.util")
                )
                and ("equal" in last or "close" in last)
                and "not" not in last
            ):
                yield Equality(assertion, node.args[0], node.args[1])
        expr = assertion.expr
        if (
            isinstance(expr, ast.Call)
            and len(expr.args) >= 2
            and module.qualname(expr.func) in CLOSE_CALLS
        ):
            yield Equality(assertion, expr.args[0], expr.args[1])


def unwrap_approx(module: TestModule, node: ast.expr) -> ast.expr:
    """`pytest.approx(x, rel=...)` compares like `x`."""
    if isinstance(node, ast.Call) and node.args and module.qualname(node.func) in APPROX_CALLS:
        return node.args[0]
    return node


def follow(test: TestFunction, node: ast.expr, limit: int = 6) -> ast.expr:
    """A local name's single assigned value (repeatedly), else the node itself."""
    while isinstance(node, ast.Name) and limit > 0:
        value = single_assignment(test, node.id)
        if value is None:
            break
        node = value
        limit -= 1
    if isinstance(node, ast.Await):
        return node.value
    return node


def reached(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    expr: ast.expr,
    linked: bool = True,
) -> Reached | None:
    """The project function, method or property whose result is this expression's value.

    `f(x)`, `m.f(x)`, `obj.method()`, `obj.prop`, and the same through an attribute or subscript
    of the result (`build_summary(items).total_cents`) or a local variable bound once.
    `linked`: also through fixtures, `self.x` and function-local imports (links.py).
    """
    node = follow(test, unwrap_approx(module, expr))
    for _ in range(8):
        if isinstance(node, ast.Call):
            definition = (
                links.resolve_call(inference, module, test, node)
                if linked
                else inference.resolve_call(module, test, node)
            )
            if definition is None:
                return None
            receiver = None
            if definition.kind == "method" and isinstance(node.func, ast.Attribute):
                receiver = node.func.value
            return Reached(definition, node, node, receiver)
        if isinstance(node, ast.Attribute):
            member = inference.resolve_member(module, test, node)
            if member is None and linked:
                member = links.member(inference, module, test, node)
            if member is not None and member.kind == "property":
                return Reached(member, node, None, node.value)
            node = follow(test, node.value)
            continue
        if isinstance(node, ast.Subscript):
            node = follow(test, node.value)
            continue
        return None
    return None


def calls_in(test: TestFunction, expr: ast.expr, limit: int = 200) -> Iterator[ast.Call]:
    """Calls in an expression, following local names bound once (each node seen once)."""
    stack: list[ast.AST] = [expr]
    seen: set[int] = set()
    while stack and limit > 0:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        limit -= 1
        if isinstance(node, ast.Name):
            value = single_assignment(test, node.id)
            if value is not None:
                stack.append(value)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def code_under_test(definition: Definition | None) -> bool:
    return (
        definition is not None
        and definition.is_code_under_test
        and definition.kind in {"function", "method", "property"}
    )


def mentions_name(expr: ast.expr, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


ACTUAL_NAMES = ("result", "res", "actual", "got", "out", "output", "observed", "returned", "rv")
EXPECTED_NAMES = ("expected", "expect", "exp", "want", "wanted", "reference", "ref", "truth")


def _named(node: ast.expr, prefixes: tuple[str, ...]) -> bool:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return isinstance(node, ast.Name) and node.id.lower().startswith(prefixes)


def actual_and_expected(equality: Equality) -> tuple[ast.expr, ast.expr]:
    """(actual, expected): by the names tests give them (`result`, `expected`), else by
    position (`assert actual == expected`, `assert_equal(actual, expected)`)."""
    left, right = equality.left, equality.right
    if _named(left, EXPECTED_NAMES) or _named(right, ACTUAL_NAMES):
        return right, left
    return left, right


def private_name(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def names_something_private(test: TestFunction, expr: ast.expr) -> bool:
    """Whether a call or attribute with a private name (`_x`) appears in the expression or the
    locals it uses: a cheap test before resolving anything."""
    for call in calls_in(test, expr):
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if private_name(name):
            return True
    node = follow(test, expr)
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute) and private_name(node.attr):
            return True
        node = follow(test, node.value)
    return False
