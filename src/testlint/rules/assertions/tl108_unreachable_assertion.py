"""An assertion after a `return`, `raise`, `break`, `continue` or `pytest.fail()`: it never runs.

## What it does

Flags an assertion that follows, in the same block, a statement that always leaves the block:
`return`, `raise`, `break`, `continue`, `pytest.fail(...)`, `self.fail(...)` or `assert False`.
One finding per block, at the first assertion that cannot run.

Not flagged: code after `pytest.skip(...)`/`pytest.xfail(...)` (the skip shows in the report, so
nothing passes silently), and code after a `return` inside a branch (`if cond: return`) when the
assertion is outside that branch.

## Why it matters

A `return` left in from debugging, or an early `return` written to "finish" a test, turns
everything below it into dead code: the assertions are still there for a reviewer to read, and
none of them runs. The test passes whatever the code does.

## Example

```python
def test_checkout(cart):
    receipt = cart.checkout()
    return receipt
    assert receipt.total_cents == 1999
```

## Use instead

```python
def test_checkout(cart):
    receipt = cart.checkout()
    assert receipt.total_cents == 1999
```

## Rewrite guidance

Remove the statement that ends the block early, or move the assertions above it. If the rest of
the test must not run in some situation, make that visible with `pytest.skip(reason)` under the
condition.

## Options

None.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from testlint.facts import TestFunction, TestModule
from testlint.rules._body import assertion_nodes, blocks, call_name, contains
from testlint.rules.base import RuleContext
from testlint.source import may_spell

CODE = "TL108"
NAME = "unreachable-assertion"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
def test_checkout(cart):
    receipt = cart.checkout()
    assert receipt.total_cents == 1999
""",
    """
def test_optional(cart):
    if not cart.supports_refunds:
        return
    assert cart.refund(1) == 1
""",
    """
import pytest

def test_later(cart):
    pytest.skip("refunds not ready")
    assert cart.refund(1) == 1
""",
]

INVALID = [
    """
def test_checkout(cart):
    receipt = cart.checkout()
    return receipt
    assert receipt.total_cents == 1999
""",
    """
import pytest

def test_checkout(cart):
    pytest.fail("todo")
    assert cart.checkout().total_cents == 1999
""",
    """
def test_items(cart):
    for item in cart.items:
        continue
        assert item.price_cents > 0
""",
]

FAIL_CALLS = frozenset({"pytest.fail", "self.fail", "cls.fail"})
LEAVES = (ast.Return, ast.Raise, ast.Break, ast.Continue)


def _may_leave(node: ast.AST) -> bool:
    """A quick test, before looking at blocks: could this node end a block early?"""
    if isinstance(node, LEAVES):
        return True
    if isinstance(node, ast.Assert):
        return isinstance(node.test, ast.Constant) and not node.test.value
    if isinstance(node, ast.Call):
        func = node.func
        return (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) == "fail"
    return False


def _may_leave_early(test: TestFunction, may_fail: bool) -> bool:
    """`_may_leave` of any of the test's own nodes, asked type by type from the facts' index:
    a return, raise, break or continue at once, then an `assert False`, then a `fail(...)`
    (only when `may_fail`: the file spells `fail` somewhere). Whether a candidate is the
    test's own (not in a function it defines) is asked only of the candidates."""
    def any_own(nodes: Iterable[ast.AST]) -> bool:
        return any(not test.in_nested_scope(node) for node in nodes)

    if any_own(test.nodes_of(*LEAVES)):
        return True
    if any_own(node for node in test.nodes_of(ast.Assert) if _may_leave(node)):
        return True
    if not may_fail:
        return False
    return any_own(
        call for call in test.nodes_of(ast.Call)
        if (call.func.__class__ is ast.Attribute and call.func.attr == "fail")
        or (call.func.__class__ is ast.Name and call.func.id == "fail")
    )


def _terminator(module: TestModule, stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Return):
        return "return"
    if isinstance(stmt, ast.Raise):
        return "raise"
    if isinstance(stmt, ast.Break):
        return "break"
    if isinstance(stmt, ast.Continue):
        return "continue"
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and not stmt.test.value:
        return "assert False"
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")) != "fail":
            return None
        name = call_name(module, stmt.value)
        if name in FAIL_CALLS:
            return f"{name}()"
    return None


def check(ctx: RuleContext) -> None:
    may_fail = may_spell(ctx.module.source.text, "fail")
    for test in ctx.module.tests:
        nodes = assertion_nodes(test)
        if not nodes or not _may_leave_early(test, may_fail):
            continue
        for block in blocks(test):
            for i, stmt in enumerate(block[:-1]):
                why = _terminator(ctx.module, stmt)
                if why is None:
                    continue
                dead = [n for later in block[i + 1:] for n in nodes if contains(later, n)]
                if dead:
                    first = min(dead, key=lambda n: (getattr(n, "lineno", 0),
                                                      getattr(n, "col_offset", 0)))
                    ctx.report(
                        first,
                        f"this assertion never runs: `{why}` on line {stmt.lineno} leaves the "
                        "block first; remove it or move the assertion above it",
                        test=test,
                    )
                break
