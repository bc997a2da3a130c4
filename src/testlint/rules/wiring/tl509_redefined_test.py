"""Two tests with the same name in one module or class: the first one never runs.

## What it does

Flags a test function or method that is defined again, under the same name, later in the same
module body or class body. Python keeps only the last definition, so pytest collects only that
one. Reported at the definition that is lost.

Not flagged: the same name defined in two branches of an `if`/`else` or `try`/`except` (only one
branch runs), in two different classes, or in a nested function.

## Why it matters

Copy, paste, edit the body, forget the name: the suite keeps one test where the author wrote
two, and the one that disappeared is usually the case that mattered (the error path, the edge
case). Nothing warns: flake8's F811 does, when it runs on test files, which many projects skip.
Generated tests hit this when a model appends tests to a file without reading it.

## Example

```python
def test_total(cart):
    assert cart.total() == 0


def test_total(cart):
    cart.add("apple", quantity=2)
    assert cart.total() == 100
```

## Use instead

```python
def test_total_of_empty_cart(cart):
    assert cart.total() == 0


def test_total_of_two_apples(cart):
    cart.add("apple", quantity=2)
    assert cart.total() == 100
```

## Rewrite guidance

Give each test a name that says what it checks, so both run; then run them, since the lost one
has not run in a while. If the two are the same test, delete one.

## Options

None.
"""

from __future__ import annotations

import ast
import itertools

from testlint.facts import TestFunction
from testlint.rules.base import RuleContext

CODE = "TL509"
NAME = "redefined-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
def test_empty_total(cart):
    assert cart.total() == 0

def test_two_apples(cart):
    cart.add("apple", quantity=2)
    assert cart.total() == 100
""",
    """
import sys

if sys.version_info >= (3, 11):
    def test_groups():
        assert run_group() == 2
else:
    def test_groups():
        assert run_legacy() == 2
""",
    """
class TestA:
    def test_total(self):
        assert total([]) == 0

class TestB:
    def test_total(self):
        assert total([1]) == 1
""",
]

INVALID = [
    """
def test_total(cart):
    assert cart.total() == 0

def test_total(cart):
    cart.add("apple", quantity=2)
    assert cart.total() == 100
""",
    """
class TestCart:
    def test_total(self, cart):
        assert cart.total() == 0

    def test_total(self, cart):
        assert cart.total(tax=True) == 0
""",
]


def _block_of(ctx: RuleContext, test: TestFunction,
              members: dict[int, set[int]]) -> list[ast.stmt] | None:
    """The statement list the test's `def` is directly in (module or class body), or None.
    `members` keeps each block's statement ids: looking through the block once per test
    would be quadratic in the number of tests."""
    block = test.cls.body if test.cls is not None else ctx.module.tree.body
    ids = members.get(id(block))
    if ids is None:
        ids = members[id(block)] = {id(stmt) for stmt in block}
    return block if id(test.node) in ids else None


def check(ctx: RuleContext) -> None:
    by_name: dict[tuple[str, int], list[TestFunction]] = {}
    members: dict[int, set[int]] = {}
    for test in ctx.module.tests:
        block = _block_of(ctx, test, members)
        if block is None:
            continue  # under if/try, or nested: alternatives, not redefinitions
        by_name.setdefault((test.qualname, id(block)), []).append(test)
    for tests in by_name.values():
        for lost, later in itertools.pairwise(tests):
            ctx.report_name(
                lost.node,
                f"`{lost.name}` is defined again on line {later.line}, so this test never runs; "
                "give each test its own name",
                test=lost,
            )
