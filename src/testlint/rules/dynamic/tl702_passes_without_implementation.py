"""A test still passes with the code it runs replaced by `raise NotImplementedError` (verify).

## What it does

Runs the test once to record which functions of the project it executes, then runs it again with
the bodies of all those functions replaced by `raise NotImplementedError` (in memory, by an
import hook: no file is written). A test that still passes is reported: it checks nothing of the
code it runs. This is the "verify red" step of spec-first testing: a test written before the
implementation must fail against a stub. A test that cannot even be collected is "broken", not
red, and is reported as not run. This is a dynamic rule: `testlint verify` runs it.

## Why it matters

A test that passes against an empty implementation passes against every implementation. It is
the typical generated test that swallows the error it provokes, or that checks only its own
mocks.

## Example

```python
def test_refund():
    try:
        refund(order_id=7, amount_cents=500)
    except Exception:
        pass
```

## Use instead

```python
def test_refund():
    receipt = refund(order_id=7, amount_cents=500)
    assert receipt.refunded_cents == 500
```

## Rewrite guidance

Assert on what the code under test returns or changes, and let its exceptions propagate unless
the test is about them (`pytest.raises` with the precise exception type and a `match=`).

## Options

None.
"""

from __future__ import annotations

CODE = "TL702"
NAME = "passes-without-implementation"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
KIND = "dynamic"

VALID = [
    """
def test_refund():
    assert refund(order_id=7, amount_cents=500).refunded_cents == 500
""",
]
INVALID = [
    """
def test_refund():
    try:
        refund(order_id=7, amount_cents=500)
    except Exception:
        pass
""",
]
