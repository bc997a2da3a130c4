"""A test kills no mutant of the code it covers (verify).

## What it does

Records the project lines the test executes, generates mutants of the code on those lines only
(changed operators, comparison boundaries, constants, returned values, removed calls), and runs
the test against each, with the mutant applied in memory and a time budget per run. A test that
passes against every mutant of the code it covers is reported, with one of the surviving changes
("passes with `total_cents`: `total += price` becomes `total -= price` at pricing.py:7"). A test
whose only kills are mutants that make the code return None is reported too: `is not None`
kills those, whatever the value. A kill by an error the mutant raises counts, as in mutmut and
cosmic-ray. When a static finding
(TL201, TL103) already flagged the test, the message says the mutants confirm it. `verify
--tests-json FILE` lists every test's kill count. This is a dynamic rule: `testlint verify` runs
it.

## Why it matters

Coverage says a line ran; a surviving mutant says no assertion depends on what the line
computes. A weak `is not None` check, or a test that only checks a mock was called, executes the
code and accepts any result.

## Example

```python
def test_total():
    assert total_cents([100, 250]) is not None
```

## Use instead

```python
def test_total():
    assert total_cents([100, 250]) == 350
```

## Rewrite guidance

Assert the exact value the behaviour promises, worked out from the specification rather than
from the implementation; check the return value, not only that a collaborator was called.

## Options

None.
"""

from __future__ import annotations

CODE = "TL703"
NAME = "kills-no-mutant"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
KIND = "dynamic"

VALID = [
    """
def test_total():
    assert total_cents([100, 250]) == 350
""",
]
INVALID = [
    """
def test_total():
    assert total_cents([100, 250]) is not None
""",
]
