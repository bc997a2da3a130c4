"""A test that returns a value: pytest ignores it, so whatever it computed is never checked.

## What it does

Flags `return <value>` in a test function's own body (not in a function defined inside it),
where the value is anything but `None` or the result of another test (`return
super().test_total(data)`, which is `None`). A returned comparison (`return total == 30`) gets
its own message: it is an assertion that lost its `assert`.

## Why it matters

pytest does not look at what a test returns (it only warns, with `PytestReturnNotNoneWarning`,
which most runs never show; `unittest` likewise only warns). `return result == expected` reads
like a check and passes whatever `result` is. Tests that return values are also a sign that the
test was written as a helper or a script.

## Example

```python
def test_total(cart):
    cart.add("apple", quantity=3)
    return cart.total() == 150
```

## Use instead

```python
def test_total(cart):
    cart.add("apple", quantity=3)
    assert cart.total() == 150
```

## Rewrite guidance

Replace `return <comparison>` with `assert <comparison>`. If the value is meant for other tests,
move its computation into a fixture and keep the test's own assertions.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.rules.base import RuleContext

CODE = "TL507"
NAME = "test-returns-value"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
def test_total(cart):
    assert cart.total() == 150
""",
    """
def test_optional(cart):
    if not cart.enabled:
        return
    assert cart.total() == 0
""",
    """
def test_callback(runner):
    def compute():
        return 3
    assert runner.run(compute) == 3
""",
]

INVALID = [
    """
def test_total(cart):
    return cart.total() == 150
""",
    """
def test_total(cart):
    result = cart.total()
    return result
""",
]


def _is_comparison(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return _is_comparison(expr.operand)
    if isinstance(expr, ast.BoolOp):
        return all(_is_comparison(value) for value in expr.values)
    return isinstance(expr, ast.Compare)


def _delegates_to_a_test(ctx: RuleContext, value: ast.expr) -> bool:
    """`return super().test_x(...)`: another test's result, which is None."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return ctx.project.collection_rules.is_test_function(name)


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        for node in test.own_nodes_of(ast.Return):
            if node.value is None:
                continue
            value = node.value
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if _delegates_to_a_test(ctx, value):
                continue
            if _is_comparison(value):
                message = (
                    "test returns a comparison instead of asserting it: pytest ignores the value, "
                    "so nothing is checked; write `assert` instead of `return`"
                )
            else:
                message = (
                    "test returns a value, which pytest ignores (PytestReturnNotNoneWarning); "
                    "assert on it, or move it into a fixture if other tests need it"
                )
            ctx.report(node, message, test=test)
