"""A `pytest.raises` block that holds more than the call expected to raise.

## What it does

Flags a `with pytest.raises(...)` (or `with self.assertRaises(...)`) block that holds more than
one statement that can raise: setup inside the block, or an `assert` after the call that raises
(it never runs when the test passes). Binding a name to another name or to constants
(`path = tmp_path`, `data = b"*" * 1024`) and `pass` cannot raise and do not count. This is
ruff's PT012; TL104 (ruff's PT011) asks for `match=`.

Not flagged: a block that checks state inside a context manager and then raises the expected
error itself (`assert state is False` then `raise ValueError("boom")`), since the error's origin
is certain and nothing there is setup; and a file for which the project's ruff configuration
turns PT012 off (`ignore` or `per-file-ignores` in `pyproject.toml`, `ruff.toml` or
`.ruff.toml`, found as ruff finds it): the maintainers decided, in writing, that several
statements are fine there.

## Why it matters

With several statements in the block, the expected error may come from the arrangement rather
than from the call under test, and the test stays green when the real check is broken. An
`assert` after the call that raises is dead code that looks like a check.

## Example

```python
import pytest


def test_rejects_negative_quantity():
    with pytest.raises(CartError, match="quantity must be positive"):
        cart = Cart()
        cart.add("apple", quantity=-1)
```

## Use instead

```python
import pytest


def test_rejects_negative_quantity():
    cart = Cart()
    with pytest.raises(CartError, match="quantity must be positive"):
        cart.add("apple", quantity=-1)
```

## Rewrite guidance

Move setup out of the `with` block so that only the call expected to raise is inside it, and
move checks on the state afterwards below the block.

## Options

None.
"""

from __future__ import annotations

import ast
from pathlib import Path

from testlint.ruff_config import turned_off_by_ruff
from testlint.rules._raises import RAISES_APIS, cannot_raise
from testlint.rules.base import RuleContext

CODE = "TL111"
NAME = "raises-multiple-statements"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"

VALID = [
    """
import pytest

def test_rejects():
    cart = make_cart()
    with pytest.raises(CartError, match="negative"):
        cart.total([-1])
""",
    """
import pytest

def test_disabled_ctx_with_errors():
    with pytest.raises(ValueError), disabled():
        assert config.run_validators is False
        raise ValueError("haha!")
""",
    """
import pytest

def test_write_too_much(tmp_path):
    with pytest.raises(OSError):
        path = tmp_path
        write(path, size=-1)
""",
]

INVALID = [
    """
import pytest

def test_rejects():
    with pytest.raises(CartError, match="negative"):
        cart = make_cart()
        cart.total([-1])
""",
    """
import pytest

def test_missing_file():
    with pytest.raises(FileNotFoundError) as err:
        read_csv("missing.csv")
        assert err.value.errno == 2
""",
]


def _message(shown: str, body: list[ast.stmt]) -> str | None:
    """What is wrong with a block of these statements that can raise, or None."""
    if len(body) <= 1:
        return None
    *before, last = body
    if isinstance(last, ast.Raise) and all(isinstance(s, ast.Assert) for s in before):
        return None  # checks inside a context manager, then the test raises the error itself
    first = body[0]
    dead = [s for s in body[1:] if isinstance(s, ast.Assert)]
    if dead and not isinstance(first, ast.Assert):
        return (
            f"{shown} block: the `assert` on line {dead[0].lineno} runs only if the call before "
            "it did not raise, so it never runs when the test passes; move it after the block"
        )
    return (
        f"{shown} block has {len(body)} statements: the error may come from setup; keep only "
        "the call that should raise inside it"
    )


def check(ctx: RuleContext) -> None:
    turned_off: bool | None = None  # asked once, at the first finding
    for test in ctx.module.tests:
        for raises in test.raises:
            shown = RAISES_APIS.get(raises.api)
            if shown is None:
                continue
            body = [stmt for stmt in raises.body or () if not cannot_raise(stmt)]
            message = _message(shown, body)
            if message is None:
                continue
            if turned_off is None:
                turned_off = turned_off_by_ruff(
                    ctx.file or Path(ctx.module.path), "PT012", ctx.project.note_read
                ) is not None
            if turned_off:
                return  # the maintainers turned ruff's PT012 off for this file
            ctx.report(raises.call, message, test=test)
