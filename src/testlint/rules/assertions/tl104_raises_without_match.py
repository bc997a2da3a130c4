"""`pytest.raises` that accepts errors the test did not mean to accept.

## What it does

Flags `pytest.raises(Exception)` and `pytest.raises(BaseException)` without `match=`, a broad
built-in exception (`ValueError`, `OSError`, ...) without `match=`,
and a `with pytest.raises(...)` block that holds more than one statement. A test that inspects
the captured exception afterwards (`excinfo.value`, `excinfo.match(...)`) is treated as matching.

## Why it matters

`pytest.raises(ValueError)` passes for any `ValueError`, including one raised by a typo in the
test's own setup or by a different bug than the one the test is about. With several statements in
the block, the error may come from the arrangement rather than from the call under test, and the
test stays green when the real check is broken.

## Example

```python
import pytest


def test_rejects_negative_quantity():
    with pytest.raises(ValueError):
        cart = Cart()
        cart.add("apple", quantity=-1)
```

## Use instead

```python
import pytest


def test_rejects_negative_quantity():
    cart = Cart()
    with pytest.raises(ValueError, match="quantity must be positive"):
        cart.add("apple", quantity=-1)
```

## Rewrite guidance

Move setup out of the `with` block so that only the call expected to raise is inside it, and add
`match=` with a regular expression for the part of the message that identifies this error. Prefer
the most specific exception type the code documents.

## Options

- `broad-exceptions` (list of str, default: Exception, BaseException, ValueError, OSError,
  IOError, EnvironmentError, socket.error — the list ruff's PT011 uses): exception names that
  need `match=`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import RaisesUse, TestFunction, dotted_name
from testlint.rules.base import RuleContext

CODE = "TL104"
NAME = "raises-without-match"
DEFAULT_ENABLED = True
FIX = "none"


@dataclass(frozen=True)
class Options:
    broad_exceptions: tuple[str, ...] = (
        "Exception",
        "BaseException",
        "ValueError",
        "OSError",
        "IOError",
        "EnvironmentError",
        "socket.error",
    )


VALID = [
    """
import pytest

def test_rejects():
    with pytest.raises(ValueError, match="negative"):
        total([-1])
""",
    """
import pytest

def test_rejects():
    with pytest.raises(CartError):
        total([-1])
""",
    """
import pytest

def test_rejects():
    with pytest.raises(ValueError) as excinfo:
        total([-1])
    assert "negative" in str(excinfo.value)
""",
    """
import pytest

def test_missing_key():
    with pytest.raises(KeyError):
        lookup("nobody")
""",
]

INVALID = [
    """
import pytest

def test_rejects():
    with pytest.raises(Exception):
        total([-1])
""",
    """
import pytest

def test_rejects():
    with pytest.raises(ValueError):
        total([-1])
""",
    """
import pytest

def test_rejects():
    with pytest.raises(CartError, match="negative"):
        cart = make_cart()
        cart.total([-1])
""",
]


def _exception_names(expected: ast.expr | None) -> list[str]:
    if expected is None:
        return []
    if isinstance(expected, ast.Tuple):
        return [n for elt in expected.elts for n in _exception_names(elt)]
    name = dotted_name(expected)
    if not name:
        return []
    # "socket.error" is listed by its dotted name; the builtins by their bare name
    return [name, name.rsplit(".", 1)[-1]] if "." in name else [name]


def _inspected_later(test: TestFunction, raises: RaisesUse) -> bool:
    with_node = raises.with_node
    if with_node is None:
        return False
    names = {
        item.optional_vars.id
        for item in with_node.items
        if item.context_expr is raises.call and isinstance(item.optional_vars, ast.Name)
    }
    if not names:
        return False
    end = (with_node.end_lineno or with_node.lineno, with_node.end_col_offset or 0)
    for node in test.nodes:
        if (
            isinstance(node, ast.Name)
            and node.id in names
            and isinstance(node.ctx, ast.Load)
            and (node.lineno, node.col_offset) >= end
        ):
            return True
    return False


def _cannot_raise(stmt: ast.stmt) -> bool:
    """`pass`, or binding a name to another name or to constants (`path = tmp_path`)."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        value = stmt.value
        if isinstance(value, ast.Name):
            return True
        return all(
            isinstance(node, ast.Constant | ast.BinOp | ast.UnaryOp | ast.operator | ast.unaryop)
            for node in ast.walk(value)
        )
    return False


def check(ctx: RuleContext) -> None:
    broad = set(ctx.options.broad_exceptions)
    for test in ctx.module.tests:
        for raises in test.raises:
            if raises.api != "pytest.raises":
                continue
            body = [stmt for stmt in raises.body or () if not _cannot_raise(stmt)]
            if len(body) > 1:
                ctx.report(
                    raises.call,
                    f"pytest.raises block has {len(body)} statements: the error may come "
                    "from setup; keep only the call that should raise inside it",
                    test=test,
                )
                continue
            if raises.has_match or _inspected_later(test, raises):
                continue
            too_broad = [n for n in _exception_names(raises.expected) if n in broad]
            if too_broad:
                ctx.report(
                    raises.call,
                    f"pytest.raises({too_broad[0]}) without match= passes for any {too_broad[0]}, "
                    "even one from another bug; add match=\"...\" for the expected message",
                    test=test,
                )
