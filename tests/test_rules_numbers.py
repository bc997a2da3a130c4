"""TL4 rules through the engine: exact messages and positions, and properties of the matchers."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from testlint.engine import lint_text
from testlint.rules.numbers._numeric import is_money_identifier
from tests.helpers import run_cli, write_files


def findings(source: str, code: str, options: dict[str, object] | None = None) -> list[tuple]:
    text = textwrap.dedent(source).lstrip("\n")
    return [
        (f.line, f.col, f.end_line, f.end_col, f.code, f.test, f.message)
        for f in lint_text(text, select=[code], options=options)
    ]


def test_tl401_spans_the_comparison_and_names_the_cure() -> None:
    source = """
        def test_total():
            assert cart.total() == 59.97
        """
    assert findings(source, "TL401") == [
        (2, 12, 2, 33, "TL401", "test_total",
         "money compared as a float (`cart.total() == 59.97`): most cents have no exact float, "
         'so this passes or fails by rounding; compare integer cents or Decimal("...") from a '
         "string"),
    ]


def test_tl401_money_names_option_replaces_the_default_list() -> None:
    source = """
        def test_points():
            assert account.loyalty_points == 10.5
        """
    assert findings(source, "TL401") == []
    [finding] = findings(source, "TL401", {"money-names": ["points"]})
    assert finding[:6] == (2, 12, 2, 42, "TL401", "test_points")


def test_tl402_reports_the_literal_and_suggests_approx() -> None:
    source = """
        def test_scale():
            assert scale(0.1, 3) == 0.3
        """
    assert findings(source, "TL402") == [
        (2, 12, 2, 32, "TL402", "test_scale",
         "exact float equality with 0.3, which no float holds exactly: the result passes or "
         "fails by rounding; compare with pytest.approx(0.3)"),
    ]


def test_tl403_at_module_level_through_an_alias_shows_the_baked_in_error() -> None:
    source = """
        from decimal import Decimal as D

        PRICE = D(19.99)
        """
    assert findings(source, "TL403") == [
        (3, 9, 3, 17, "TL403", None,
         "D(19.99) copies the float's binary error: it is "
         '19.989999999999998436805981327779591083526611328125; pass a string: D("19.99")'),
    ]


cents = st.integers(min_value=0, max_value=10**7)


@given(cents)
def test_tl403_fires_exactly_when_the_literal_is_not_its_own_decimal(amount: int) -> None:
    text = f"{amount // 100}.{amount % 100:02d}"
    source = f"import decimal\n\nVALUE = decimal.Decimal({text})\n"
    fires = bool(findings(source, "TL403"))
    assert fires == (Fraction(float(text)) != Fraction(text))


@given(cents)
def test_tl403_never_fires_on_strings_or_integers(amount: int) -> None:
    text = f"{amount // 100}.{amount % 100:02d}"
    source = (
        "from decimal import Decimal\n\n"
        f'A = Decimal("{text}")\nB = Decimal({amount}) / 100\n'
    )
    assert findings(source, "TL403") == []


@given(cents)
def test_tl401_is_silent_with_pytest_approx_and_fires_without(amount: int) -> None:
    text = f"{amount // 100}.{amount % 100:02d}"
    exact = f"def test_total():\n    assert order.total_price == {text}\n"
    approx = (
        "import pytest\n\n"
        f"def test_total():\n    assert order.total_price == pytest.approx({text})\n"
    )
    assert findings(approx, "TL401") == []
    # whole amounts too: `700.00` is written as an amount, and it is a float
    assert findings(exact, "TL401") != []


def test_money_identifiers_use_the_head_noun() -> None:
    names = ["total_price", "unitPrice", "amount_due", "expected_total", "fees", "tax_rate",
             "total_seconds", "price_cents", "discount_pct", "subtotal_usd"]
    money = [n for n in names if is_money_identifier(n, ["price", "amount", "total", "fee",
                                                         "tax", "discount", "subtotal"])]
    assert money == ["total_price", "unitPrice", "amount_due", "expected_total", "fees",
                     "subtotal_usd"]


def test_tl401_columns_and_text_with_non_ascii_on_the_line() -> None:
    source = """
        def test_total_in_euro():
            assert prices["€"].total == 19.99
        """
    assert findings(source, "TL401") == [
        (2, 12, 2, 38, "TL401", "test_total_in_euro",
         'money compared as a float (`prices["€"].total == 19.99`): most cents have no exact '
         'float, so this passes or fails by rounding; compare integer cents or Decimal("...") '
         "from a string"),
    ]


def test_tl403_suggests_a_string_decimal_can_read_when_the_sign_stands_apart() -> None:
    source = "from decimal import Decimal\n\n\ndef test_refund():\n    assert Decimal(- 0.1) < 0\n"
    (finding,) = lint_text(source, select=["TL403"])
    assert finding.message == (
        "Decimal(- 0.1) copies the float's binary error: it is "
        "-0.1000000000000000055511151231257827021181583404541015625; "
        'pass a string: Decimal("-0.1")'
    )


def test_tl402_leaves_a_stored_constructor_default_alone(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\ntestpaths = tests\n",
        "src/spin/__init__.py": "",
        "src/spin/spinner.py": '''
            class Spinner:
                def __init__(self, message="Loading...", delay=0.1, ratio=0.3):
                    self.message = message
                    self.delay = delay
                    self.ratio = ratio * 2
            ''',
        "tests/test_spinner.py": '''
            from spin.spinner import Spinner


            def test_defaults():
                spinner = Spinner()
                assert spinner.delay == 0.1


            def test_given_delay():
                spinner = Spinner(delay=0.2)
                assert spinner.delay == 0.1


            def test_computed_ratio():
                spinner = Spinner()
                assert spinner.ratio == 0.6
            ''',
    })
    run = run_cli(["check", "--no-cache", "--select", "TL402", "."], tmp_path)
    assert [line.split(": TL402")[0] for line in run.stdout.splitlines()] == [
        "tests/test_spinner.py:11:12",
        "tests/test_spinner.py:16:12",
    ]
