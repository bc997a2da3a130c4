"""Every assertion only checks that a result exists or has a type, never what it is.

## What it does

Flags a test in which every assertion is weak: `is not None`, `isinstance(...)`, `hasattr(...)`,
bare truthiness of a name (`assert result`), `len(x) > 0` or `type(x) is T`, or their unittest
forms (`assertIsNotNone`, `assertIsInstance`, `assertTrue(result)`), while the test calls code
that returns a value.

Not weak, because they state the behaviour under test:

- a type check against a class the test chose: one it or its module defines, a parameter or
  local of the test, the class of its input (`type(obj)`), or a class it hands to the code
  (`group.command(cls=click.Command)`);
- a type check that the class survives an operation (`result = df.count()` on a `df` the test
  built as `SubclassedFrame(...)`);
- a type check against one of several classes the unit's own `return` statements build (a
  factory or dispatcher, such as `from_json_schema(True)` returning `Any()`): which class comes
  back is the decision under test. A class the test builds itself in a stub (a lambda, a
  `return_value=`) does not count: that check re-reads the stub;
- type checks that are all on parts of a result (`isinstance(ser[0], pd.Timestamp)`,
  `isinstance(df.index, pd.DatetimeIndex)`): how the code represents values depends on the
  input; and different classes expected for one value in branches of an `if`;
- a named predicate of the result (`assert result.empty`, `assert response.ok`), a regular
  expression match (`re.search(pattern, text) is not None`), and `hasattr(obj, "name")` when the
  test itself sets `.name` (a hook of the test marks what it saw);
- assertions inside a function the test defines and hands to the code (a callback): they look at
  what the code passed in, not at what it returned.

## Why it matters

"It returned something" is true of almost every wrong answer: an empty report, a total off by
one, a dict with the wrong keys. These checks survive nearly every mutation of the code under
test, so the test stays green through the bugs it was written to catch.

## Example

```python
from shop.cart import Cart


def test_summary():
    summary = Cart(["apple"]).summary()
    assert summary is not None
    assert isinstance(summary, dict)
```

## Use instead

```python
from shop.cart import Cart


def test_summary():
    summary = Cart(["apple"]).summary()
    assert summary == {"items": 1, "total_cents": 120}
```

## Rewrite guidance

Keep the weak checks only if they add information, and add at least one assertion on the
value itself: an exact expected value from the specification, or the key fields and invariants
of a larger result.

## Options

None.
"""

from __future__ import annotations

import importlib
from typing import Any

from testlint.rules.base import RuleContext
from testlint.weak_checks import weak_only, weak_shapes_only

CODE = "TL103"
NAME = "weak-assertions-only"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"
NEEDS = frozenset({"inference"})

VALID = [
    """
def test_summary():
    summary = make_summary()
    assert summary is not None
    assert summary["total"] == 3
""",
    """
def test_lookup_misses():
    assert find("nobody") is None
""",
    """
def test_command_uses_its_context_class():
    class CustomContext(Context):
        pass

    class CustomCommand(Command):
        context_class = CustomContext

    context = CustomCommand("test").make_context("test", [])
    assert isinstance(context, CustomContext)
""",
    """
def test_scalars_are_boxed():
    ser = make_series(["2024-01-01"])
    assert isinstance(ser[0], Timestamp)
""",
    """
def test_empty_input_gives_empty_frame():
    result = apply_all(empty_frame())
    assert result.empty
""",
]

INVALID = [
    """
def test_summary():
    summary = make_summary()
    assert summary is not None
""",
    """
def test_summary():
    summary = make_summary()
    assert isinstance(summary, dict)
    assert len(summary) > 0
""",
]


class _Engine:
    """The project's inference engine, built on first use (or None)."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self.ready = False
        self.engine: Any = None

    def __call__(self) -> Any:
        if not self.ready:
            self.ready = True
            try:
                found = importlib.import_module("testlint.inference")
                engine = found.for_project(self.ctx.project)
            except Exception:  # no project to resolve into
                return None
            if getattr(engine, "can_reach_code", False):
                self.engine = engine
        return self.engine


def check(ctx: RuleContext) -> None:
    engine = _Engine(ctx)
    for test in ctx.module.tests:
        # every assertion the test itself runs must be weak by its shape: asked first, before
        # the test's call sites (built on first use) are
        own = weak_shapes_only(test)
        if own is None:
            continue
        if not any(
            c.usage in {"assigned", "asserted"} and c.origin != "builtin" for c in test.calls
        ):
            continue
        if not weak_only(ctx.module, test, engine, own):
            continue
        ctx.report_name(
            test.node,
            "only weak assertions (existence, type, truthiness): they pass for almost any wrong "
            "result; assert the expected value",
            test=test,
        )
