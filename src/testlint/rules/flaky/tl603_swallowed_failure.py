"""A `try` in a test whose `except` swallows the failure it should report.

## What it does

Flags a `try` statement in a test whose handler only passes, prints, logs, `continue`s,
`return`s or asserts something always true, in these shapes:

- the `try` body holds an assertion and the handler catches what a failing assertion raises
  (a bare `except:`, `Exception`, `BaseException` or `AssertionError`): the failure is caught
  and thrown away. A handler that calls `pytest.skip(...)` there turns the failure into a skip,
  and is flagged too. `with contextlib.suppress(...)` around an assertion is the same thing.
- the `try` body ends with a failure (`assert False`, `self.fail(...)`, `raise AssertionError`)
  that the handler catches too: the "expect an error" idiom, broken.
- the `try` body calls code and the handler passes, while the test asserts nothing anywhere and
  its name says an error is the expected outcome (`test_rejects_...`, `..._raises_...`,
  `..._invalid_...`): "it raises `ValueError`" was meant, but the test passes whether the error
  is raised or not. (A test that only tolerates an error while it smoke-tests many combinations
  is left to TL101.)
- the `try` body is one call to code, the handler passes on an error that means a bug
  (`RuntimeError`, `TypeError`, `ValueError`, `KeyError`, `IndexError`, `ZeroDivisionError`),
  and the test asserts after it: whether the call failed or not, the test goes on and passes.
  Not when the test's name says the error is expected or tolerated, nor in a retry loop, nor
  for `AttributeError`, the guard around an API that an older dependency lacks.

Not flagged: a handler that re-raises, fails (`pytest.fail`, `self.fail`, `raise AssertionError`),
asserts on the caught exception, or skips on a narrow error (`except ImportError:
pytest.skip(...)`); a `try` whose body ends in `pytest.fail(...)` or whose `else:` fails (the
classic "expect an error" idiom); cleanup that may fail (`os.remove`, `close`, `shutil.rmtree`,
...) in a test that asserts elsewhere; a swallowed error in a retry loop; and code in `finally:`.

## Why it matters

An `except Exception: pass` around an assertion makes the test unable to fail: the
`AssertionError` is caught like any other exception. A generated test that "handles errors
gracefully" this way reports green for every implementation. And `try: parse(bad) except
ValueError: pass` passes whether `parse` rejects the input or silently accepts it.

## Example

```python
def test_total_is_summed(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pass


def test_rejects_bad_quantity(cart):
    try:
        cart.add("apple", quantity=-1)
    except ValueError:
        pass
```

## Use instead

```python
import pytest


def test_total_is_summed(cart):
    assert cart.total() == 30


def test_rejects_bad_quantity(cart):
    with pytest.raises(ValueError, match="quantity must be positive"):
        cart.add("apple", quantity=-1)
```

## Rewrite guidance

Remove the `try`/`except` around assertions so that a failure reaches pytest. When an error is
the expected outcome, use `pytest.raises(SpecificError, match=...)` around the one call that
should raise. When the test must tolerate an environment problem, catch only that error and call
`pytest.skip(reason)` from the handler.

## Options

None.
"""

from __future__ import annotations

from testlint.rules._swallowed import swallowed_failures
from testlint.rules.base import RuleContext

CODE = "TL603"
NAME = "swallowed-failure"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
import pytest

def test_rejects():
    with pytest.raises(ValueError, match="negative"):
        parse("-1")
""",
    """
import pytest

def test_optional_backend():
    try:
        import lxml
    except ImportError:
        pytest.skip("lxml not installed")
    assert render_with(lxml) == "<p/>"
""",
    """
import pytest

def test_timeout(client):
    try:
        client.get("/slow", timeout=0.1)
        pytest.fail("the request should time out")
    except TimeoutError:
        pass
""",
    """
def test_error_message():
    try:
        parse("-1")
    except ValueError as error:
        assert "negative" in str(error)
    else:
        raise AssertionError("parse accepted -1")
""",
    """
import os

def test_writes(tmp_path):
    path = write_report(tmp_path)
    assert path.read_text() == "ok"
    try:
        os.remove(path)
    except OSError:
        pass
""",
]

INVALID = [
    """
def test_total(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pass
""",
    """
def test_total(cart):
    try:
        assert cart.total() == 30
    except:
        print("total failed")
""",
    """
def test_rejects():
    try:
        parse("-1")
    except ValueError:
        pass
""",
    """
import contextlib

def test_total(cart):
    with contextlib.suppress(AssertionError):
        assert cart.total() == 30
""",
    """
import pytest

def test_total(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pytest.skip("backend flaky")
""",
]

def check(ctx: RuleContext) -> None:
    if "try" not in ctx.source.text and "suppress" not in ctx.source.text:
        return
    for test in ctx.module.tests:
        for finding in swallowed_failures(ctx.module, test):
            ctx.report(finding.node, finding.message, test=test)
