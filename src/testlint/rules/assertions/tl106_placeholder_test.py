"""A placeholder test: an empty body, or a TODO where the assertions should be.

## What it does

Flags a test whose body is only `pass`, `...`, a docstring or `raise NotImplementedError`, and a
test with no assertion that carries a placeholder comment such as `# TODO`, `# FIXME` or
`# add more tests`. An empty method in a test class that inherits from another test class is
not flagged: that is how an inherited test is switched off.

## Why it matters

A placeholder test is collected, runs and passes. It shows up in test counts and coverage
reports as if a behaviour were checked, and "fill in later" rarely happens. Code assistants emit
these when asked for "tests for every function".

## Example

```python
def test_refund_is_rejected_after_30_days():
    pass


def test_partial_refund():
    # TODO: add assertions for partial refunds
    refund(order_id=7, amount_cents=500)
```

## Use instead

```python
import pytest


@pytest.mark.skip(reason="refund window not implemented yet (#812)")
def test_refund_is_rejected_after_30_days():
    ...


def test_partial_refund():
    receipt = refund(order_id=7, amount_cents=500)
    assert receipt.refunded_cents == 500
```

## Rewrite guidance

Write the test the name promises, from the behaviour it names: arrange inputs, call the code,
assert the outcome. If that cannot be done yet, mark it `pytest.mark.skip(reason=...)` with a
reason a reader can act on, so the gap stays visible, or delete it.

## Options

None.
"""

from __future__ import annotations

import ast
import re

from testlint.facts import TestFunction
from testlint.rules.base import RuleContext

CODE = "TL106"
NAME = "placeholder-test"
DEFAULT_ENABLED = True
FIX = "none"

VALID = [
    """
def test_total():
    \"\"\"Adding two items sums their prices.\"\"\"
    assert total([1, 2]) == 3
""",
    """
def test_total():
    # TODO: also cover currencies
    assert total([1, 2]) == 3
""",
    """
import pytest

@pytest.mark.skip(reason="not implemented yet")
def test_later():
    pass
""",
    """
class TestApi:
    def helper(self):
        pass
""",
]

INVALID = [
    """
def test_total():
    pass
""",
    """
def test_total():
    \"\"\"Totals are summed.\"\"\"
""",
    """
def test_total():
    ...
""",
    """
def test_total():
    raise NotImplementedError
""",
    """
def test_total():
    # TODO: write assertions
    total([1, 2])
""",
]

PLACEHOLDER_COMMENT = re.compile(
    r"#\s*(?:TODO|FIXME|XXX|TBD)\b"
    r"|add (?:more )?(?:tests|assertions)|implement (?:this|me)|fill in",
    re.IGNORECASE,
)


def _is_trivial(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value is Ellipsis or isinstance(stmt.value.value, str)
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def _overrides_inherited_test(test: TestFunction) -> bool:
    """An empty method in a subclass of another test class switches the inherited test off."""
    if test.cls is None or test.is_unittest:
        return False
    return any(not (isinstance(b, ast.Name) and b.id == "object") for b in test.cls.bases)


def placeholder_reason(ctx: RuleContext, test: TestFunction) -> str | None:
    if test.skips:
        return None
    if all(_is_trivial(stmt) for stmt in test.body):
        if _overrides_inherited_test(test):
            return None
        return "the body is empty"
    if test.assertions:
        return None
    start, end = test.node.lineno, test.node.end_lineno or test.node.lineno
    comments = ctx.module.source.comments_in(start, end)
    if comments:
        for line in range(start, end + 1):
            comment = comments.get(line)
            if comment and PLACEHOLDER_COMMENT.search(comment):
                return f"it has no assertion and a placeholder comment ({comment.strip()[:40]})"
    return None


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        reason = placeholder_reason(ctx, test)
        if reason is not None:
            ctx.report_name(
                test.node,
                f"placeholder test: {reason}; write the assertions or mark it "
                "skip(reason=...) so the gap stays visible",
                test=test,
            )
