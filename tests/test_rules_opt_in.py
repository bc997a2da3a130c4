"""Opt-in rules (TL504, TL203, TL602, TL605) through the engine, on the cases their cheap
rejections must not change: a hint chosen between pytest's fixtures and the module's own, mock
factories reached through aliases and the mocker fixture, calls and assertions inside nested
scopes of the test."""

from __future__ import annotations

import textwrap

from testlint.engine import lint_text


def findings(source: str, code: str, options: dict[str, object] | None = None) -> list[tuple]:
    text = textwrap.dedent(source).lstrip("\n")
    return [
        (f.line, f.col, f.code, f.test, f.message)
        for f in lint_text(text, select=[code], options=options)
    ]


def tl504_message(name: str, hint: str | None) -> str:
    close = f" (did you mean `{hint}`?)" if hint else ""
    return (
        f"no fixture named `{name}`{close}: pytest fails this test at setup; define it in the "
        "module or a conftest.py, or build the value in the test"
    )


def test_tl504_hints_the_closest_fixture_of_pytest_or_of_the_module() -> None:
    source = """
        import pytest


        @pytest.fixture
        def tmp_pxtj():
            return []


        def test_paths(tmp_pxth, tmp_pth, capsysx, zzqqxx):
            assert tmp_pxth
        """
    assert findings(source, "TL504") == [
        # as close as pytest's `tmp_path`: the later name of the two is offered, as
        # difflib.get_close_matches does
        (9, 16, "TL504", "test_paths", tl504_message("tmp_pxth", "tmp_pxtj")),
        (9, 26, "TL504", "test_paths", tl504_message("tmp_pth", "tmp_path")),
        (9, 35, "TL504", "test_paths", tl504_message("capsysx", "capsys")),
        (9, 44, "TL504", "test_paths", tl504_message("zzqqxx", None)),
    ]


def test_tl504_reads_parametrize_from_a_mark_kept_in_a_module_variable() -> None:
    source = """
        import pytest

        cases = pytest.mark.parametrize("value", [1, 2])
        pytestmark = [pytest.mark.parametrize("other", [3])]


        @cases
        def test_first(value, other):
            assert value != other


        @cases
        def test_second(value, other, missing):
            assert value != other
        """
    assert findings(source, "TL504") == [
        (13, 31, "TL504", "test_second", tl504_message("missing", None)),
    ]


def test_tl504_reads_parametrize_and_given_however_imported() -> None:
    source = """
        from hypothesis import given as for_all, strategies as st
        from pytest import mark as m

        parametrize = m.parametrize


        @for_all(value=st.integers())
        def test_property(value, missing):
            assert value == value


        @m.parametrize("case", [m.parametrize, "parametrize"])
        def test_cases(case, absent):
            assert case
        """
    assert findings(source, "TL504") == [
        (8, 26, "TL504", "test_property", tl504_message("missing", None)),
        (13, 22, "TL504", "test_cases", tl504_message("absent", None)),
    ]


TL203_MESSAGE = (
    "4 patches and mocks in one test (more than 3): it checks the script the mocks were given, "
    "not the code, and breaks on every refactor; keep mocks at the process boundary and use "
    "real collaborators or small fakes inside it"
)


def test_tl203_counts_mock_factories_through_aliases_and_the_mocker_fixture() -> None:
    source = """
        from unittest import mock as m
        from unittest.mock import MagicMock as MM


        def test_run(mocker):
            assert run(m.MagicMock(), MM(), mocker.Mock(), mocker.stub(), m.call()) == 0
        """
    assert findings(source, "TL203", {"max-patches": 3}) == [
        (5, 5, "TL203", "test_run", TL203_MESSAGE),
    ]


def test_tl203_counts_factories_of_the_mock_backport_and_of_unittest_itself() -> None:
    source = """
        import unittest
        import mock
        from mock import Mock as Fake


        def test_run():
            assert run(unittest.mock.MagicMock(), mock.Mock(), Fake(), mock.mock_open()) == 0
        """
    assert findings(source, "TL203", {"max-patches": 3}) == [
        (6, 5, "TL203", "test_run", TL203_MESSAGE),
    ]


def test_tl203_does_not_count_calls_that_only_share_a_mock_module() -> None:
    source = """
        from unittest import mock as m


        def test_run(mocker):
            assert run(m.call(), m.ANY.method(), mocker.spy(obj, "name"), mocker.resetall()) == 0
        """
    assert findings(source, "TL203", {"max-patches": 1}) == []


TL602_MESSAGE = (
    "random.randint() gives a random value that reaches the assertion on line {line}: the test "
    "checks a different case every run; seed it or use explicit cases (parametrize, Hypothesis)"
)


def test_tl602_leaves_a_random_call_inside_a_nested_function_alone() -> None:
    source = """
        import random


        def test_rolls_in_a_callback():
            roll_once = lambda: random.randint(1, 6)
            assert play(roll_once) == 3


        def test_rolls_in_the_test():
            assert play(random.randint(1, 6)) == 3
        """
    assert findings(source, "TL602") == [
        (10, 17, "TL602", "test_rolls_in_the_test", TL602_MESSAGE.format(line=10)),
    ]


TL605_MESSAGE = (
    "every assertion of this test is inside an `if` branch: when it does not run the test "
    "passes having checked nothing; assert the precondition first (`assert rows`, "
    "`assert response.ok`)"
)


def test_tl605_leaves_a_test_with_an_assertion_in_a_callback_alone() -> None:
    source = """
        def test_with_a_callback(rows):
            def seen(row):
                assert row.id

            if rows:
                assert walk(rows, seen) == len(rows)


        def test_branch_only(rows):
            if rows:
                assert walk(rows) == len(rows)
        """
    assert findings(source, "TL605") == [
        (11, 9, "TL605", "test_branch_only", TL605_MESSAGE),
    ]
