"""A comparison written as a statement: its result is thrown away, so it checks nothing.

## What it does

Flags an expression statement in a test that is a comparison (`result == expected`,
`len(items) > 0`, `not a == b`): Python evaluates it and discards the result, because the
`assert` in front of it is missing.

Not flagged: a comparison inside a block that expects it to raise or warn (`with
pytest.raises(TypeError): a < b`, `pytest.warns`, `self.assertRaises`, `np.errstate`, a
`tm.assert_produces_warning`-style context, `warnings.catch_warnings`), or inside a `try` with an
`except` (the test is about the comparison raising); a comparison whose line carries a comment
that writes down its result (`90 in index  # True`: evaluated on purpose, for its side effect);
comparisons in functions defined inside the test; and benchmarks (the `benchmark` fixture or
`@pytest.mark.benchmark`), where `c1 == c2` in a timed loop measures the comparison on purpose.

## Why it matters

`result == 3` on its own line looks like a check in review and in a diff, and it is one keystroke
away from being one. The test passes whatever `result` is. Generated tests produce it when a line
that started as `assert` is edited, and humans produce it when an `assert` is split across lines.

## Example

```python
def test_total(cart):
    cart.add("apple", quantity=3)
    cart.total() == 150
```

## Use instead

```python
def test_total(cart):
    cart.add("apple", quantity=3)
    assert cart.total() == 150
```

## Rewrite guidance

Put `assert` in front of the comparison; `testlint check --fix --unsafe-fixes` does it for a
comparison that stands on its own line(s), keeping its comments and layout. The fix is unsafe on
purpose: it turns a line that could never fail into a check that can, so a test that passed may
now fail (that is the bug it found); review each one. If the comparison is there to check that it
raises or warns, wrap it in `pytest.raises(...)`/`pytest.warns(...)` with `match=`.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.finding import Edit, Fix
from testlint.rules.base import RuleContext
from testlint.unasserted import unasserted_comparisons

CODE = "TL107"
NAME = "comparison-not-asserted"
DEFAULT_ENABLED = True
FIX = "unsafe"
LEVEL = "error"

VALID = [
    """
def test_total(cart):
    assert cart.total() == 150
""",
    """
import pytest

def test_unorderable():
    with pytest.raises(TypeError, match="not supported"):
        Version("1") < object()
""",
    """
def test_compare_raises():
    try:
        Version("1") < object()
    except TypeError:
        pass
    else:
        raise AssertionError("no TypeError")
""",
]

INVALID = [
    """
def test_total(cart):
    cart.total() == 150
""",
    """
def test_hash():
    hash(a) == hash(b)
""",
    """
class TestCart:
    def test_empty(self, cart):
        if cart.is_new:
            len(cart.items) == 0
""",
]

def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        for node in unasserted_comparisons(ctx.module, test):
            shown = ast.unparse(node.value)
            if len(shown) > 40:
                shown = shown[:37] + "..."
            ctx.report(
                node,
                f"`{shown}` is computed and thrown away, so it checks nothing; "
                "put `assert` in front of it",
                test=test,
                fix=_assert_fix(ctx, node),
            )


def _assert_fix(ctx: RuleContext, node: ast.Expr) -> Fix | None:
    """`assert ` inserted before a comparison statement that is alone on its line(s): nothing but
    indentation before it, nothing but a comment after it (not `a = 1; a == 1`, not
    `if ok: a == 1`). Unsafe: the test can fail afterwards, which is the point."""
    source = ctx.module.source
    line, end_line = node.lineno, node.end_lineno or node.lineno
    start = source.char_col(line, node.col_offset)
    if source.line(line)[:start].strip():
        return None
    if node.end_col_offset is None:
        return None
    rest = source.line(end_line)[source.char_col(end_line, node.end_col_offset):].strip()
    if rest and not rest.startswith("#"):
        return None
    return Fix(
        description="put `assert` in front of the comparison",
        edits=(Edit(line, start + 1, line, start + 1, "assert "),),
        safe=False,
    )
