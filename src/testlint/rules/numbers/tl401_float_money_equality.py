"""Money compared as a binary float with `==`.

## What it does

Flags an exact comparison (`==` or `!=` in an `assert`, `assertEqual`/`assertNotEqual` in a
`unittest.TestCase`) where one side is a float and the other is money. A float is a non-integral
float literal (`19.99`), arithmetic with a float literal or a true division (`price * 1.2`,
`total / 3`), `float(...)`, or a name the test binds only to one of those (including a
`parametrize` argument whose table holds such literals). Money is recognised by the head noun of
the name the value is read from (`order.total_price`, `unit_price`, `row["amount"]`,
`cart.total()`, `expected_total`, or a test variable assigned from one of those), or, with no
name to go on, by a literal written with exactly two decimals that no float holds exactly
(`19.99`, `0.10`) in a test that speaks of money (a money word in the test's name or in a name
it reads, such as `split_bill`). A whole float literal (`700.00`, `60.0`) is a float too when
the other side is read from a name whose head noun is money (`cart.total()`, not `total_time`):
the code keeps money as a float, and the next amount will not be whole. Money read out of a
container stays money: `df["Hours cost"].iloc[0]`, `row["amount"].item()`,
`frame["fee"].sum()`.

Never flagged: comparisons through `pytest.approx`, `math.isclose` or `round(...)`; `Decimal`
or `Fraction` values; integer minor units (`*_cents`, `pennies`); names where the money word is
not the head noun (`tax_rate`, `discount_pct`, `total_seconds`); exactly representable literals
such as `2.5` compared with a non-money name.

## Why it matters

Most amounts of cents have no exact binary float: `0.1 + 0.2 == 0.3` is false, and
`19.99 * 3` is `59.97000000000001`. A test that compares money as floats passes or fails by
rounding luck, and when it passes it blesses a model of money that will drift in production:
a refund one cent short, an invoice total that does not match its lines. Teams that handle
money trust integer cents or `Decimal` built from strings, never `==` on floats.

## Example

```python
from shop.cart import Cart


def test_total_with_tax():
    cart = Cart()
    cart.add("apple", price=19.99, quantity=3)
    assert cart.total() == 59.97
```

## Use instead

```python
from decimal import Decimal

from shop.cart import Cart


def test_total_with_tax():
    cart = Cart()
    cart.add("apple", price=Decimal("19.99"), quantity=3)
    assert cart.total() == Decimal("59.97")


def test_total_in_cents():
    cart = Cart()
    cart.add("apple", price_cents=1999, quantity=3)
    assert cart.total_cents() == 5997
```

## Rewrite guidance

Do not swap `==` for `pytest.approx` here: that hides the problem instead of fixing it. If the
code under test already works in `Decimal`, build the expected value with `Decimal("59.97")`
(from a string). If it works in integer cents, compare integer cents. If the code itself holds
money in floats, keep the assertion, report the design problem in the rewrite's notes, and
compare `round(value, 2)` only as a stopgap.

## Options

- `money-names` (list of str, default: price, amount, total, subtotal, cost, balance, fee, tax,
  vat, discount, payment, refund, charge, revenue, salary, wage, income, expense, budget, payout,
  deposit, withdrawal, invoice, bill, money, cash, fare, tip, shipping, premium, debt, due): head
  nouns that make a name money. Matched on the words of an identifier (`unit_price`,
  `totalPrice`), singular or plural, ignoring trailing qualifiers such as `_due`, `_usd`,
  `_net`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.rules.base import RuleContext
from testlint.rules.numbers._numeric import (
    DEFAULT_MONEY_NAMES,
    Scope,
    is_equality,
    may_hold_floats,
    money_comparison,
    short,
)

CODE = "TL401"
NAME = "float-money-equality"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"


@dataclass(frozen=True)
class Options:
    money_names: tuple[str, ...] = DEFAULT_MONEY_NAMES


VALID = [
    """
import pytest

def test_total():
    assert cart_total([19.99, 5.01]) == pytest.approx(25.0)
""",
    """
from decimal import Decimal

def test_total():
    assert cart_total([Decimal("19.99")]) == Decimal("19.99")
""",
    """
def test_total_cents():
    assert order.total_cents == 1999
""",
    """
def test_rate():
    assert invoice.tax_rate == 0.08
""",
    """
def test_elapsed():
    assert timer.total_seconds() == 1.5
""",
    """
def test_ratio():
    assert compute_ratio(1, 4) == 0.25
""",
]

INVALID = [
    """
def test_total():
    assert order.total_price == 19.99
""",
    """
import unittest

class TestInvoice(unittest.TestCase):
    def test_amount(self):
        self.assertEqual(invoice.amount, 10.1)
""",
    """
def test_split():
    share = split_bill(100, 3)
    assert share == 33.33
""",
    """
def test_average_payment():
    result = average(payments)
    assert result == 42.17
""",
    """
def test_refund():
    expected = 19.99 * 2
    assert refund(order) == expected
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    money_names = tuple(ctx.options.money_names)
    for test in module.tests:
        equalities = [
            comparison
            for assertion in test.assertions
            for comparison in assertion.comparisons
            if is_equality(comparison)
        ]
        if not equalities or not may_hold_floats(module, test):
            continue  # most tests compare nothing with `==` (pandas asserts through helpers)
        scope: Scope | None = None
        for comparison in equalities:
            scope = scope or Scope(module, test)
            if not money_comparison(comparison, scope, module, money_names):
                continue
            op = "==" if isinstance(comparison.op, ast.Eq) else "!="
            ctx.report(
                comparison.left,
                f"money compared as a float (`{short(module, comparison.left)} {op} "
                f"{short(module, comparison.right)}`): most cents have no exact float, so "
                "this passes or fails by rounding; compare integer cents or "
                'Decimal("...") from a string',
                test=test,
                end=comparison.right,
            )
