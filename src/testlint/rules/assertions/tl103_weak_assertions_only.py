"""Every assertion only checks that a result exists or has a type, never what it is.

## What it does

Flags a test in which every assertion is weak: `is not None`, `isinstance(...)`, `hasattr(...)`,
bare truthiness (`assert result`), `len(x) > 0` or `type(x) is T`, or their unittest forms
(`assertIsNotNone`, `assertIsInstance`, `assertTrue(result)`), while the test calls code that
returns a value.

## Why it matters

"It returned something" is true of almost every wrong answer: an empty report, a total off by
one, a dict with the wrong keys. These checks survive nearly every mutation of the code under
test, so the test stays green through the bugs it was written to catch.

## Example

```python
from shop.cart import Cart


def test_summary():
    summary = Cart(["apple"]).summary()
    assert summary is not None
    assert isinstance(summary, dict)
```

## Use instead

```python
from shop.cart import Cart


def test_summary():
    summary = Cart(["apple"]).summary()
    assert summary == {"items": 1, "total_cents": 120}
```

## Rewrite guidance

Keep the weak checks only if they add information, and add at least one assertion on the
value itself: an exact expected value from the specification, or the key fields and invariants
of a larger result.

## Options

None.
"""

from __future__ import annotations

from testlint.facts import Kind
from testlint.rules.base import RuleContext

CODE = "TL103"
NAME = "weak-assertions-only"
DEFAULT_ENABLED = False
FIX = "none"

VALID = [
    """
def test_summary():
    summary = make_summary()
    assert summary is not None
    assert summary["total"] == 3
""",
    """
def test_lookup_misses():
    assert find("nobody") is None
""",
]

INVALID = [
    """
def test_summary():
    summary = make_summary()
    assert summary is not None
""",
    """
def test_summary():
    summary = make_summary()
    assert isinstance(summary, dict)
    assert len(summary) > 0
""",
]


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        if not test.assertions:
            continue
        if not all(a.kind is Kind.WEAK for a in test.assertions):
            continue
        if not any(
            c.usage in {"assigned", "asserted"} and c.origin != "builtin" for c in test.calls
        ):
            continue
        ctx.report_name(
            test.node,
            "only weak assertions (existence, type, truthiness): they pass for almost any wrong "
            "result; assert the expected value",
            test=test,
        )
