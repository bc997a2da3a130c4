"""A placeholder test: an empty body, or a TODO where the assertions should be.

## What it does

Flags a test whose body is only `pass`, `...`, a docstring or `raise NotImplementedError`, and a
test with no assertion that carries a placeholder comment such as `# TODO`, `# FIXME` or
`# add more tests`. A body that only calls `pytest.skip(...)` is a placeholder too when the
reason or a comment of the test says it is not written yet ("not yet implemented", "TODO",
"placeholder"): the skip hides an unwritten test inside a body that looks finished, where a
`pytest.mark.skip(reason=...)` marker would show it; a skip for the environment ("requires
network") is a real skip. An empty or skip-only method in a test class that inherits from
another test class is not flagged: that is how an inherited test is switched off.

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

from testlint.rules._placeholder import placeholder_reason
from testlint.rules.base import RuleContext

CODE = "TL106"
NAME = "placeholder-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

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

def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        reason = placeholder_reason(ctx.module, test)
        if reason is not None:
            ctx.report_name(
                test.node,
                f"placeholder test: {reason}; write the assertions or mark it "
                "skip(reason=...) so the gap stays visible",
                test=test,
            )
