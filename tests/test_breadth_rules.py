"""The TL1/TL5/TL6 rules of the breadth issue: options, configuration, and how rules share work.

Each rule's own cases live in its fixture file (tests/test_rule_contract.py runs them); these
tests cover what a fixture file cannot: rule options, the project's pytest configuration, and
findings that one rule leaves to another so that a problem is reported once.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from testlint.engine import lint_text


def _found(source: str, select: list[str] | None = None, **kwargs: object) -> list[tuple[int, str]]:
    findings = lint_text(textwrap.dedent(source), select=select, **kwargs)  # type: ignore[arg-type]
    return [(f.line, f.code) for f in findings]


XFAIL_WITHOUT_REASON = """
    import pytest

    @pytest.mark.xfail
    def test_refund():
        assert refund(1) == 1

    def test_later():
        pytest.xfail()
"""


def test_xfail_needs_a_reason_only_when_asked() -> None:
    assert _found(XFAIL_WITHOUT_REASON, ["TL508"]) == []
    assert _found(XFAIL_WITHOUT_REASON, ["TL508"], options={"xfail-needs-reason": True}) == [
        (4, "TL508"),
        (9, "TL508"),
    ]


def test_expected_error_swallowed_is_reported_once_by_tl603() -> None:
    source = """
        def test_rejects_negative_quantity():
            try:
                parse_quantity("-1")
            except ValueError:
                pass
    """
    assert _found(source) == [(5, "TL603")]


def test_an_error_tolerated_in_a_smoke_test_stays_with_tl101() -> None:
    source = """
        def test_resample_combinations(combo):
            try:
                resample(combo)
            except DataError:
                pass
    """
    assert _found(source) == [(2, "TL101")]


def test_unread_excinfo_is_tl104s_and_unread_record_is_tl110s() -> None:
    source = """
        import pytest

        def test_both():
            with pytest.raises(ValueError) as excinfo:
                parse("-1")
            with pytest.warns(UserWarning) as record:
                parse("~1")
    """
    assert _found(source, ["TL104", "TL110"]) == [(5, "TL104"), (7, "TL110")]


def test_uncollected_test_follows_python_functions(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\npython_functions = check_ test_\n")
    source = """
        def check_total():
            assert total([1, 2]) == 3

        def should_total():
            assert total([1, 2]) == 3
    """
    assert _found(source, ["TL505"], project_dir=tmp_path) == [(5, "TL505")]


def test_duplicate_and_redefined_tests_are_not_reported_twice() -> None:
    source = """
        def test_total():
            assert total([1]) == 1

        def test_total():
            assert total([1]) == 1
    """
    assert _found(source, ["TL509", "TL604"]) == [(2, "TL509")]


def test_comparison_statement_message_names_the_cure() -> None:
    findings = lint_text("def test_total(cart):\n    cart.total() == 150\n", select=["TL107"])
    assert [f.message for f in findings] == [
        "`cart.total() == 150` is computed and thrown away, so it checks nothing; "
        "put `assert` in front of it"
    ]


def test_returned_comparison_and_dead_assertion_are_separate_findings() -> None:
    source = """
        def test_total(cart):
            return cart.total() == 150
            assert cart.total() == 150
    """
    assert _found(source, ["TL107", "TL108", "TL507"]) == [(3, "TL507"), (4, "TL108")]
