"""An assertion that is true whatever the code under test does.

## What it does

Flags assertions that cannot fail: `assert True` (or any non-empty literal), `assert (x, "msg")`
(a non-empty tuple is always true), a name compared with itself (`x is x`; `x == x` for a
builtin value), and a
literal compared with a literal (`assert 1 == 1`). The same checks apply to
`self.assertTrue(True)` and `self.assertEqual(x, x)`.

Also flagged, from the statements before the assertion (see `testlint.cannot_fail`): that the
exception `pytest.raises` caught exists (`assert excinfo.value is not None`), that a class,
function or module the test imported exists (`assert RetryHandler is not None`, when the name
resolves to one: a module-level value that may be None is left alone), a value the test pinned
itself and nothing since could change (`obj.disable = True` or
`mocker.patch.object(obj, "disable", True)`, then `assert obj.disable is True`; a call in
between counts only when it is a method of that object whose body surely leaves the attribute
alone), and identity through an alias (`value = UNSET; assert value is UNSET`). An assertion
inside a function the test defines is that function's, not the test's, and is not judged here.

A self-comparison can be a real check when evaluating it runs the code under test: `obj.prop is
obj.prop` checks that a property caches, and `x == x` checks that an `__eq__` (generated, as by
attrs, or written by hand) is reflexive. So attribute chains are never flagged, and `==`, `<=`,
`>=` on the same name are flagged only when the test bound that name to a builtin value (a
literal, a display, `list(...)`, `len(...)`), whose comparison is Python's own, and not in tests
whose name is about equality, comparison, ordering or hashing; identity (`x is x`) is always
flagged.

## Why it matters

Such an assertion makes a test look checked while it checks nothing. `assert (result == 3,
"wrong total")` is a classic slip: the parentheses build a tuple, which is always true, so the
test never fails. Generated tests also end with `assert True` to "make the test pass".

## Example

```python
def test_total():
    result = total([1, 2])
    assert (result == 3, "wrong total")


def test_created():
    create_user("ada")
    assert True
```

## Use instead

```python
def test_total():
    result = total([1, 2])
    assert result == 3, "wrong total"


def test_created():
    user = create_user("ada")
    assert user.name == "ada"
```

## Rewrite guidance

Replace the always-true check with one about the result of the call under test: its value,
the state it changed, or the error it raised. For a tuple, drop the parentheses so the message
becomes the assertion's message.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.cannot_fail import cannot_fail, own_assertions
from testlint.facts import Assertion, TestFunction
from testlint.inference import Inference, for_project
from testlint.rules.base import RuleContext

CODE = "TL102"
NAME = "tautological-assertion"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
# resolves imported names and reads the methods a test calls between pinning and asserting
NEEDS = frozenset({"inference"})

VALID = [
    """
def test_total():
    assert total([1, 2]) == 3
""",
    """
import math

def test_nan_is_not_equal_to_itself():
    value = math.nan
    assert value != value
""",
    """
def test_calls_are_not_pure():
    assert next_id() != next_id()
""",
    """
def test_assert_false_marks_unreachable():
    assert not False or total([]) == 0
""",
    """
def test_custom_eq_is_reflexive():
    error = FooError(1, "foo")
    assert error == error
""",
]

INVALID = [
    """
def test_total():
    assert True
""",
    """
def test_total():
    result = total([1, 2])
    assert (result == 3, "wrong total")
""",
    """
def test_total():
    result = [1, 2]
    assert result == result
""",
    """
def test_literal():
    assert 1 == 1
""",
    """
import unittest

class TestTotal(unittest.TestCase):
    def test_total(self):
        self.assertTrue(True)
""",
]

REFLEXIVE_OPS = (ast.Eq, ast.Is, ast.LtE, ast.GtE)
COMPARISON_WORDS = frozenset({"eq", "ne", "lt", "gt", "le", "ge", "cmp", "equality"})
COMPARISON_STEMS = ("equal", "compar", "order", "hash", "ident", "reflex", "dunder")


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_is_literal(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return isinstance(node.operand, ast.Constant)
    return False


def _always_true(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return bool(node.value) and node.value is not Ellipsis
    if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
        return bool(getattr(node, "elts", None) or getattr(node, "keys", None))
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and v.value for v in node.values)
    return False


def _same_name(left: ast.expr, right: ast.expr) -> bool:
    return isinstance(left, ast.Name) and isinstance(right, ast.Name) and left.id == right.id


# builtin constructors whose result compares equal to itself (`float` is left out: NaN)
BUILTIN_VALUES = frozenset({
    "str", "bytes", "int", "bool", "list", "tuple", "dict", "set", "frozenset", "len", "sorted",
    "repr", "range",
})


def _builtin_value(name: ast.expr, test: TestFunction | None) -> bool:
    """`name` is bound once in the test to a value of a builtin type, whose `==` is Python's
    own: a literal (not a float: NaN has none, but keep to what surely compares equal), a
    display, or a builtin constructor's result. Anything else may have an `__eq__` of the code
    under test, where `x == x` checks reflexivity."""
    if test is None or not isinstance(name, ast.Name):
        return False
    value = test.bindings.get(name.id)
    if value is None:
        return False
    if isinstance(value, ast.Constant):
        return not isinstance(value.value, float | complex)
    if isinstance(value, ast.JoinedStr | ast.List | ast.Tuple | ast.Dict | ast.Set
                  | ast.ListComp | ast.DictComp | ast.SetComp):
        return True
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in BUILTIN_VALUES
    )


def _about_comparison(test_name: str) -> bool:
    words = test_name.lower().split("_")
    return any(w in COMPARISON_WORDS or w.startswith(COMPARISON_STEMS) for w in words)


def tautology(assertion: Assertion, test: TestFunction | None = None) -> str | None:
    """Why this assertion cannot fail, or None."""
    test_name = test.name if test is not None else ""
    expr = assertion.expr
    if expr is None:
        if assertion.api in {"unittest.assertEqual", "unittest.assertEquals"}:
            for comp in assertion.comparisons:
                if (
                    _same_name(comp.left, comp.right)
                    and _builtin_value(comp.left, test)
                    and not _about_comparison(test_name)
                ):
                    return "it compares a value with itself"
        return None
    if isinstance(expr, ast.Tuple) and expr.elts:
        return "a non-empty tuple is always true (drop the parentheses)"
    if _always_true(expr):
        return f"`{ast.unparse(expr)[:30]}` is always true"
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1:
        left, op, right = expr.left, expr.ops[0], expr.comparators[0]
        if isinstance(op, ast.Is) and _same_name(left, right):
            return "it compares a value with itself"
        if (
            isinstance(op, REFLEXIVE_OPS)
            and _same_name(left, right)
            and _builtin_value(left, test)
            and not _about_comparison(test_name)
        ):
            return "it compares a value with itself"
        if _is_literal(left) and _is_literal(right):
            return "it compares two literals"
    return None


def check(ctx: RuleContext) -> None:
    inference: Inference | None = None
    for test in ctx.module.tests:
        reasons: dict[int, tuple[Assertion, str]] = {}
        for assertion in own_assertions(test):
            reason = tautology(assertion, test)
            if reason is not None:
                reasons[id(assertion.node)] = (assertion, reason)
        if _may_restate(test):
            if inference is None:
                inference = for_project(ctx.project)
            for found in cannot_fail(ctx.module, test, inference):
                reasons.setdefault(id(found.assertion.node), (found.assertion, found.reason))
        for assertion, reason in sorted(
            reasons.values(), key=lambda r: (r[0].node.lineno, r[0].node.col_offset)  # type: ignore[attr-defined]
        ):
            ctx.report(
                assertion.node,
                f"assertion can never fail: {reason}; assert on the result of the code "
                "under test",
                test=test,
            )


def _may_restate(test: TestFunction) -> bool:
    """A cheap look before `cannot_fail`: an `is`/`is not` comparison or a bare name asserted."""
    for assertion in test.assertions:
        expr = assertion.expr
        if assertion.api != "assert" or expr is None:
            continue
        if isinstance(expr, ast.Name | ast.Attribute):
            return True
        if isinstance(expr, ast.Compare) and isinstance(expr.ops[0], ast.Is | ast.IsNot | ast.Eq):
            return True
    return False
