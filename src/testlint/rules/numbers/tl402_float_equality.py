"""A computed float compared exactly with a decimal literal that no float can hold.

## What it does

Flags `==`/`!=` (in an `assert`, or `assertEqual`/`assertNotEqual`) between a computed value
and a non-integral float literal that has no exact binary representation (`0.1`, `0.3`,
`2.675`), when no `pytest.approx`, `math.isclose` or `round(...)` is involved. Money
comparisons are TL401's (this rule skips them).

Not flagged: literals a float holds exactly (`0.5`, `2.25`, `0.125`), because a result that
is exact compares exactly; a literal whose value the
test itself put in (an argument, a stored field, a `parametrize` row): reading back a stored
float is exact; an attribute compared with the default of a parameter that a project
constructor called in the test leaves out (`Spinner().delay == 0.1` with `delay=0.1` in
`__init__`), the value the default stored; `float("0.1")` and other literal-against-literal
comparisons.

## Why it matters

`0.1 + 0.2 == 0.3` is false. Floating-point results depend on the order of operations, the
platform's math library and the library versions, so an exact comparison with a decimal
literal is a test that fails for reasons unrelated to the behaviour, or passes today only
because the implementation happens to round the same way as the literal.

## Example

```python
from geometry import scale


def test_scale():
    assert scale(0.1, 3) == 0.3
```

## Use instead

```python
import pytest

from geometry import scale


def test_scale():
    assert scale(0.1, 3) == pytest.approx(0.3)
```

## Rewrite guidance

Wrap the expected literal in `pytest.approx(...)` (or use `math.isclose` with an explicit
tolerance when the test needs one that differs from the default relative 1e-6). Keep exact
equality where the value is stored and read back rather than computed.

## Options

- `money-names` (list of str, shared with TL401): names treated as money, left to TL401.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.inference import for_project
from testlint.rules.base import RuleContext
from testlint.rules.numbers._defaults import constructor_defaults
from testlint.rules.numbers._numeric import (
    DEFAULT_MONEY_NAMES,
    Scope,
    float_literal,
    is_equality,
    is_inexact_literal,
    literal_source,
    may_hold_floats,
    money_comparison,
    tolerant,
)

CODE = "TL402"
NAME = "float-equality"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"
# reads the defaults of the project constructors a test calls
NEEDS = frozenset({"inference"})


@dataclass(frozen=True)
class Options:
    money_names: tuple[str, ...] = DEFAULT_MONEY_NAMES


VALID = [
    """
import pytest

def test_scale():
    assert scale(0.1, 3) == pytest.approx(0.3)
""",
    """
def test_half():
    assert mean([1, 2]) == 1.5
""",
    """
def test_timeout_is_stored():
    assert Timeout(0.1).read == 0.1
""",
    """
def test_price():
    assert order.total_price == 19.99
""",
]

INVALID = [
    """
def test_scale():
    assert scale(0.1, 3) == 0.3
""",
    """
import unittest

class TestRatio(unittest.TestCase):
    def test_ratio(self):
        self.assertEqual(ratio(1, 3), 0.33)
""",
]


def _computed(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) or float_literal(node) is not None:
        return False
    if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
        return False
    # float("0.1") == 0.1 parses exactly
    return not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"float", "str", "repr"}
        and all(isinstance(a, ast.Constant) for a in node.args)
    )


def check(ctx: RuleContext) -> None:
    module = ctx.module
    money_names = tuple(ctx.options.money_names)
    for test in module.tests:
        # an equality with a float literal on one side is what can be reported: a test with
        # none is done before its text is searched or any side is walked
        compared = [
            comparison
            for assertion in test.assertions
            for comparison in assertion.comparisons
            if is_equality(comparison)
            and (float_literal(comparison.right) is not None
                 or float_literal(comparison.left) is not None)
        ]
        if not compared or not may_hold_floats(module, test):
            continue
        scope: Scope | None = None
        defaults: set[float] | None = None
        for comparison in compared:
            if tolerant(comparison, module):
                continue
            pairs = [(comparison.right, comparison.left), (comparison.left, comparison.right)]
            for literal, other in pairs:
                value = float_literal(literal)
                if value is None or not is_inexact_literal(literal, module):
                    continue
                if not _computed(other):
                    break
                scope = scope or Scope(module, test)
                if scope.is_round_trip(literal):
                    break
                if isinstance(other, ast.Attribute):
                    if defaults is None:
                        defaults = constructor_defaults(
                            for_project(ctx.project), module, test
                        )
                    if value in defaults:
                        break  # `spinner.delay == 0.1`: the constructor's default, stored
                if money_comparison(comparison, scope, module, money_names):
                    break
                text = literal_source(literal, module)
                ctx.report(
                    comparison.left,
                    f"exact float equality with {text}, which no float holds exactly: the "
                    f"result passes or fails by rounding; compare with pytest.approx({text})",
                    test=test,
                    end=comparison.right,
                )
                break
