"""A test passed while executing no assertion at all (verify).

## What it does

Runs the test under the project's own pytest and records, while it runs, every check that
executes: an `assert` statement evaluated in the test's side of the project (the test module, a
conftest, a fixture or helper module under `tests/`; asserts inside the code under test are its
own invariants and do not count), an `if ...: raise` / `pytest.fail(...)` guard there whose
condition is evaluated, a call to `pytest.raises`, `pytest.warns` or `pytest.deprecated_call`,
and a call to any function whose name starts with `assert` (mock assertions such as
`assert_called_once_with`, `unittest`'s `assertEqual`, `numpy.testing.assert_allclose`, a
project's `assert_valid_order`). A test that passes after none of these ran is reported. This is
a dynamic rule: `testlint check` never runs it; `testlint verify` does.

## Why it matters

The static rules see the assertion in the source; they cannot see that it never runs. An `async`
test body that is never awaited, a loop over an empty parametrize or an empty result, and an
assertion behind an `if` that is false all look like checks and pass on any code.

## Example

```python
def test_every_line_is_positive():
    for line in parse_invoice("").lines:  # no lines: the loop body never runs
        assert line.amount > 0
```

## Use instead

```python
def test_every_line_is_positive():
    lines = parse_invoice("widget,3").lines
    assert lines
    assert all(line.amount > 0 for line in lines)
```

## Rewrite guidance

Make the assertion unconditional: assert the collection is non-empty before looping over it,
await the coroutine (or mark the test for the async plugin the project uses), and replace
`if condition: assert ...` with an assertion on the condition itself.

## Options

None.
"""

from __future__ import annotations

CODE = "TL701"
NAME = "no-assertion-ran"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
KIND = "dynamic"

VALID = [
    """
def test_total():
    assert total([1, 2]) == 3
""",
]
INVALID = [
    """
def test_total():
    if total([1, 2]) == 4:
        assert total([1, 2]) == 4
""",
]
