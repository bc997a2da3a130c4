"""`pytest.raises` that accepts errors the test did not mean to accept.

## What it does

Flags `pytest.raises(Exception)` and `pytest.raises(BaseException)` without `match=`, and a broad
built-in exception (`ValueError`, `OSError`, `SystemExit`, ...) without `match=`; the same for
unittest's `self.assertRaises(...)` (its `assertRaisesRegex` is the form with a message). This
is ruff's PT011; a `with pytest.raises(...)` block that holds several statements (ruff's PT012)
is TL111's. A test that inspects the captured exception afterwards (`excinfo.value`,
`excinfo.match(...)`, `cm.exception`) is treated as matching, unless all it checks is that there
is one (`assert excinfo.value is not None`). For `Exception` and `BaseException`, which accept
every error, only a check of the type afterwards (`excinfo.type`, `isinstance(excinfo.value,
...)`) narrows them: checking their message alone still passes for any class with that text.

Not flagged when the origin of the error is certain: the test itself raises it inside the block
(`raise Exception()` to check that a context manager cleans up), or the test makes a mock raise
it (`patch(..., side_effect=IOError)`, `mock.side_effect = OSError(...)`), so no other bug can
produce it. Not flagged either where the project's ruff configuration turns PT011 off for the
file (`ignore` or `per-file-ignores` in `pyproject.toml`, `ruff.toml` or `.ruff.toml`, found as
ruff finds it): the maintainers decided, in writing, that broad exceptions are fine there.

## Why it matters

`pytest.raises(ValueError)` passes for any `ValueError`, including one raised by a typo in the
test's own setup or by a different bug than the one the test is about, and the test stays green
when the real check is broken.

## Example

```python
import pytest


def test_rejects_negative_quantity(cart):
    with pytest.raises(ValueError):
        cart.add("apple", quantity=-1)
```

## Use instead

```python
import pytest


def test_rejects_negative_quantity(cart):
    with pytest.raises(ValueError, match="quantity must be positive"):
        cart.add("apple", quantity=-1)
```

## Rewrite guidance

Add `match=` with a regular expression for the part of the message that identifies this error.
Prefer the most specific exception type the code documents.

## Options

- `broad-exceptions` (list of str, default: Exception, BaseException, ValueError, OSError,
  IOError, EnvironmentError, socket.error — the list ruff's PT011 uses — and SystemExit, which
  `sys.exit` and argparse raise for every reason to stop): exception names that need `match=`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from testlint.facts import RaisesUse, TestFunction, dotted_name
from testlint.ruff_config import turned_off_by_ruff
from testlint.rules._raises import RAISES_APIS, last_names, raised_by_test
from testlint.rules.base import RuleContext

CODE = "TL104"
NAME = "raises-without-match"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"


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
        "SystemExit",
    )


VALID = [
    """
import pytest

def test_server_stops_on_error(server):
    with pytest.raises(Exception):
        with server:
            raise Exception()
""",
    """
from unittest.mock import patch
import pytest

def test_save_fails_on_io_error(config):
    with patch("pathlib.Path.write_text", side_effect=IOError("disk full")):
        with pytest.raises(IOError):
            config.save()
""",
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
import unittest

class TestDivide(unittest.TestCase):
    def test_by_zero(self):
        with self.assertRaises(ValueError):
            divide(10, 0)
""",
    """
import pytest

def test_rejects_bad_args():
    with pytest.raises(SystemExit):
        parse_args(["--jobs", "-1"])
""",
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


ROOTS = frozenset({"Exception", "BaseException"})  # every error: only a type check narrows them


def _inspected_later(test: TestFunction, raises: RaisesUse, *, type_only: bool = False) -> bool:
    """The test reads the captured exception after the block (more than its existence); with
    `type_only`, only a read of its type counts (`excinfo.type`, `excinfo.errisinstance(...)`,
    `isinstance(excinfo.value, ...)`, `type(excinfo.value)`)."""
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
            and not _only_exists(test, node)
            and (not type_only or _reads_type(test, node))
        ):
            return True
    return False


def _reads_type(test: TestFunction, name: ast.Name) -> bool:
    parents = test.ancestors(name)
    if parents and isinstance(parents[0], ast.Attribute):
        if parents[0].attr in {"type", "typename", "errisinstance"}:
            return True
        if parents[0].attr == "value":
            parents = parents[1:]
    return bool(parents) and isinstance(parents[0], ast.Call) and dotted_name(
        parents[0].func
    ) in {"isinstance", "type", "issubclass"}


def _only_exists(test: TestFunction, name: ast.Name) -> bool:
    """`excinfo.value is not None` (or `excinfo is not None`, `assert excinfo.value`): a read
    of the captured exception that holds for every exception, so it inspects nothing."""
    parents = test.ancestors(name)
    node: ast.AST = name
    if parents and isinstance(parents[0], ast.Attribute) and parents[0].attr in {"value", "type"}:
        node, parents = parents[0], parents[1:]
    if not parents:
        return False
    parent = parents[0]
    if isinstance(parent, ast.Assert) and parent.test is node:
        return True
    return (
        isinstance(parent, ast.Compare)
        and parent.left is node
        and len(parent.ops) == 1
        and isinstance(parent.ops[0], ast.IsNot)
        and isinstance(parent.comparators[0], ast.Constant)
        and parent.comparators[0].value is None
    )


def _side_effect_errors(test: TestFunction) -> set[str]:
    """Exception classes the test makes a mock raise: `side_effect=E` in a call (a patch, a Mock)
    of the test or of its decorators, or `mock.side_effect = E(...)`."""
    found: set[str] = set()
    nodes: list[ast.AST] = list(test.nodes)
    for decorator in test.node.decorator_list:
        nodes.extend(ast.walk(decorator))
    for node in nodes:
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "side_effect":
                    found |= last_names(keyword.value)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "side_effect" for t in node.targets
        ):
            found |= last_names(node.value)
    return found


def _origin_certain(test: TestFunction, raises: RaisesUse, mocks_raise: bool) -> bool:
    """The test itself raises the expected error, or makes a mock raise it."""
    expected = {n.rsplit(".", 1)[-1] for n in _exception_names(raises.expected)}
    if not expected:
        return False
    if expected & raised_by_test(raises):
        return True
    if not mocks_raise:  # the file never sets a side_effect
        return False
    return bool(expected & _side_effect_errors(test))


def check(ctx: RuleContext) -> None:
    broad = set(ctx.options.broad_exceptions)
    mocks_raise = "side_effect" in ctx.source.text
    turned_off: bool | None = None  # asked once, at the first finding
    for test in ctx.module.tests:
        for raises in test.raises:
            shown = RAISES_APIS.get(raises.api)
            if shown is None:
                continue
            if raises.has_match:
                continue
            names = _exception_names(raises.expected)
            roots = [n for n in names if n in broad and n in ROOTS]
            # a message checked afterwards narrows a broad builtin, not `Exception` itself
            if _inspected_later(test, raises, type_only=bool(roots)):
                continue
            too_broad = [n for n in names if n in broad]
            if too_broad and not _origin_certain(test, raises, mocks_raise):
                if turned_off is None:
                    turned_off = turned_off_by_ruff(
                        ctx.file or Path(ctx.module.path), "PT011", ctx.project.note_read
                    ) is not None
                if turned_off:
                    return  # the maintainers turned ruff's PT011 off for this file
                if roots and _inspected_later(test, raises):
                    ctx.report(
                        raises.call,
                        f"{shown}({roots[0]}) accepts every error, and checking its message "
                        "afterwards does not say which class the code raised; name the exception "
                        "class the code documents",
                        test=test,
                    )
                    continue
                ctx.report(
                    raises.call,
                    f"{shown}({too_broad[0]}) without match= passes for any {too_broad[0]}, "
                    "even one from another bug; add match=\"...\" for the expected message"
                    if shown == "pytest.raises" else
                    f"{shown}({too_broad[0]}) passes for any {too_broad[0]}, even one from "
                    "another bug; use self.assertRaisesRegex with the expected message",
                    test=test,
                )
