"""A skipped test with no reason: nobody will know why it is off, or when to turn it back on.

## What it does

Flags `@pytest.mark.skip` and `@unittest.skip` without a reason (bare, or with an empty string),
the same marks in `pytestmark` and in `pytest.param(..., marks=...)`, and `pytest.skip()` called
without a reason in a test. With `xfail-needs-reason = true` it also flags `pytest.mark.xfail` and
`pytest.xfail()` without `reason=`.

Not flagged: `skipif(...)`: pytest itself refuses a boolean condition without `reason=`, and a
string condition is its own reason; `unittest.skipIf`/`skipUnless`, whose reason is required;
skips with any non-empty reason, including one computed at run time.

## Why it matters

A skip takes a test out of the suite while every run stays green. Without a reason, the report
shows a bare `SKIPPED`, the next reader cannot tell a broken environment from a broken feature,
and the skip outlives whatever caused it. Generated code reaches for `@pytest.mark.skip` to get a
red test out of the way.

## Example

```python
import pytest


@pytest.mark.skip
def test_refund_after_30_days(shop):
    assert shop.refund(order_id=7).status == "rejected"
```

## Use instead

```python
import pytest


@pytest.mark.skip(reason="refund window not implemented yet (#812)")
def test_refund_after_30_days(shop):
    assert shop.refund(order_id=7).status == "rejected"
```

## Rewrite guidance

Add `reason="..."` saying what is missing and what would let the test run again (an issue
number, a dependency, a platform). If the test can run under some condition, use `skipif(condition,
reason=...)`. If the test is broken, fix it or mark it `xfail(reason=..., strict=True)`.

## Options

- `xfail-needs-reason` (bool, default: false): also flag `xfail` marks and `pytest.xfail()` calls
  without a reason.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from testlint.facts import TestModule, dotted_name, walk
from testlint.rules.base import RuleContext

CODE = "TL508"
NAME = "skip-without-reason"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"


@dataclass(frozen=True)
class Options:
    xfail_needs_reason: bool = False


VALID = [
    """
import pytest

@pytest.mark.skip(reason="needs a live SMTP server")
def test_send(mailer):
    assert mailer.send("x") is True
""",
    """
import sys
import pytest

@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_paths():
    assert split("/a/b") == ["a", "b"]
""",
    """
import pytest

def test_optional(backend):
    if backend is None:
        pytest.skip("no backend configured")
    assert backend.ping() == "pong"
""",
    """
import pytest

@pytest.mark.xfail(raises=NotImplementedError)
def test_later():
    assert refund(1) == 1
""",
]

INVALID = [
    """
import pytest

@pytest.mark.skip
def test_send(mailer):
    assert mailer.send("x") is True
""",
    """
import pytest

@pytest.mark.skip(reason="")
def test_send(mailer):
    assert mailer.send("x") is True
""",
    """
import pytest

def test_optional(backend):
    if backend is None:
        pytest.skip()
    assert backend.ping() == "pong"
""",
    """
import unittest

class TestMail(unittest.TestCase):
    @unittest.skip
    def test_send(self):
        self.assertTrue(send("x"))
""",
]


def _has_reason(call: ast.Call | None, positional_reason: bool) -> bool:
    if call is None:
        return False
    for keyword in call.keywords:
        if keyword.arg in {"reason", "msg"}:
            return not (isinstance(keyword.value, ast.Constant) and not keyword.value.value)
        if keyword.arg is None:
            return True  # **kwargs: cannot tell
    if positional_reason and call.args:
        first = call.args[0]
        return not (isinstance(first, ast.Constant) and not first.value)
    if not positional_reason and call.args:
        # xfail(condition): a string condition is shown as the reason
        first = call.args[0]
        return isinstance(first, ast.Constant) and isinstance(first.value, str) and (
            bool(first.value)
        )
    return False


def _mark_roots(module: TestModule) -> tuple[list[ast.expr], list[ast.AST]]:
    """Marks applied directly (decorators of every def and class, `pytestmark` items), and the
    expressions that may hold `pytest.param(..., marks=...)` (decorators, module and class level
    assignments)."""
    direct: list[ast.expr] = []
    holders: list[ast.AST] = []
    stack: list[ast.stmt] = list(module.tree.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            direct.extend(stmt.decorator_list)
            holders.extend(stmt.decorator_list)
            if isinstance(stmt, ast.ClassDef):
                stack.extend(stmt.body)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets):
                direct.extend(value.elts if isinstance(value, ast.List | ast.Tuple) else [value])
            else:
                holders.append(value)
        elif isinstance(stmt, ast.If | ast.Try):
            stack.extend(stmt.body)
            stack.extend(stmt.orelse)
    return direct, holders


def _param_marks(nodes: Iterable[ast.AST]) -> Iterator[ast.expr]:
    """The marks in `pytest.param(..., marks=...)` and `request.applymarker(...)` calls."""
    for node in nodes:
        if node.__class__ is not ast.Call:
            continue
        assert isinstance(node, ast.Call)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "param":
            for keyword in node.keywords:
                if keyword.arg == "marks":
                    value = keyword.value
                    yield from value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "applymarker"
            and node.args
        ):
            yield node.args[0]


def _mark_kind(module: TestModule, expr: ast.expr) -> tuple[str, ast.Call | None] | None:
    """('skip' | 'xfail', the call or None when bare) for a skip/xfail mark expression."""
    call = expr if isinstance(expr, ast.Call) else None
    target = expr.func if isinstance(expr, ast.Call) else expr
    name = module.qualname(target) or ""
    if name in {"pytest.mark.skip", "unittest.skip", "unittest.case.skip"}:
        return "skip", call
    if name == "pytest.mark.xfail":
        return "xfail", call
    return None


def check(ctx: RuleContext) -> None:
    module = ctx.module
    xfail_too = ctx.options.xfail_needs_reason
    text = ctx.source.text
    if "skip" not in text and "xfail" not in text:
        return
    expressions, holders = _mark_roots(module)
    if "param(" in text or "applymarker" in text:
        for holder in holders:
            expressions.extend(_param_marks(walk(holder)))
        for test in module.tests:
            # the body's calls, indexed once by the facts
            expressions.extend(_param_marks(test.nodes_of(ast.Call)))
    for expr in expressions:
        found = _mark_kind(module, expr)
        if found is None:
            continue
        kind, call = found
        if kind == "xfail" and not xfail_too:
            continue
        if _has_reason(call, positional_reason=kind == "skip"):
            continue
        shown = dotted_name(call.func if call is not None else expr) or kind
        ctx.report(
            expr,
            f"`{shown}` without a reason: the report shows a bare {kind.upper()} and nobody "
            "knows when to turn the test back on; add reason=\"...\" (what is missing, an issue)",
        )
    for test in module.tests:
        for node in test.nodes_of(ast.Call):
            func = node.func
            spelled = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if spelled not in {"skip", "xfail"}:
                continue
            name = module.qualname(func)
            wanted = name == "pytest.skip" or (name == "pytest.xfail" and xfail_too)
            if wanted and not _has_reason(node, positional_reason=True):
                kind = "skip" if name == "pytest.skip" else "xfail"
                ctx.report(
                    node,
                    f"`{name}()` without a reason: the report shows a bare {kind.upper()}; "
                    "pass the reason (what is missing, on which platform)",
                    test=test,
                )
