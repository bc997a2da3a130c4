"""TL102 on assertions that cannot fail because of what the test did before them
(testlint.cannot_fail), through the command line on a small project. The near misses stay
silent: details of the caught exception, module values that may be None, a call's result, a
property setter read back, a method or an unknown call that may change the pinned value, an
alias rebound, an `assert True` inside a callback the test defines, and a value read after the
`with patch.object(...)` block that pinned it."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_files

PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "src/shop/__init__.py": "",
    "src/shop/bar.py": """
        TIMEOUT = None
        UNSET = object()


        class Bar:
            def __init__(self, total):
                self.total = total
                self.disable = False
                self._limit = 10

            @property
            def limit(self):
                return self._limit

            @limit.setter
            def limit(self, value):
                self._limit = min(value, 100)

            def close(self):
                if self.disable:
                    return
                self.refresh()
                self.disable = True

            def refresh(self):
                self.drawn = True

            def stop(self):
                self.disable = True


        def make_bar():
            return Bar(1)
        """,
    "tests/test_bar.py": """
        import json

        import pytest
        from unittest.mock import patch

        from shop import bar
        from shop.bar import TIMEOUT, UNSET, Bar, make_bar


        def test_error_is_caught():
            with pytest.raises(ValueError) as excinfo:
                Bar(1).fail()
            assert excinfo.value is not None


        def test_names_exist():
            from shop.bar import Bar as Imported

            assert Imported is not None
            assert make_bar
            assert json


        def test_close_when_disabled(mocker):
            b = Bar(1)
            mocker.patch.object(b, "disable", True)
            b.close()
            assert b.disable is True


        def test_refresh_keeps_total():
            b = Bar(1)
            b.total = 5
            b.refresh()
            assert b.total == 5


        def test_alias():
            value = UNSET
            assert value is UNSET


        def test_error_details():
            with pytest.raises(ValueError) as excinfo:
                Bar(1).fail()
            assert excinfo.value.args[0] is not None
            assert str(excinfo.value) == "bad"


        def test_module_values_may_be_none():
            assert TIMEOUT is not None
            assert bar.TIMEOUT is not None
            assert bar.Bar is not None
            assert make_bar() is not None


        def test_property_setter_is_checked():
            b = Bar(1)
            b.limit = 500
            assert b.limit == 500


        def test_stop_changes_it():
            b = Bar(1)
            b.disable = False
            b.stop()
            assert b.disable is False


        def test_unknown_call_may_change_it(helper):
            b = Bar(1)
            b.total = 5
            helper(b)
            assert b.total == 5


        def test_close_may_change_it():
            b = Bar(1)
            b.disable = False
            b.close()
            assert b.disable is False


        def test_alias_rebound():
            value = UNSET
            value = make_bar()
            assert value is UNSET


        def test_callback_asserts():
            def callback():
                assert True

            assert run(callback) is True


        def test_refresh_when_patched_in_a_block():
            b = Bar(1)
            with patch.object(b, "total", 3):
                b.refresh()
                assert b.total == 3
            assert b.total == 3
        """,
}
TAIL = "; assert on the result of the code under test"


def test_tl102_reads_what_the_test_did_before_the_assertion(tmp_path: Path) -> None:
    write_files(tmp_path, PROJECT)
    run = run_cli(["check", "--no-cache", "--select", "TL102", "."], tmp_path)
    prefix = "tests/test_bar.py:{}: TL102 assertion can never fail: "
    assert run.stdout.splitlines() == [
        prefix.format("13:5") + "`excinfo.value` always exists once the `with` block caught an "
        "exception" + TAIL,
        prefix.format("19:5") + "`Imported` is an imported class, which exists once the import "
        "succeeded" + TAIL,
        prefix.format("20:5") + "`make_bar` is an imported function, which exists once the "
        "import succeeded" + TAIL,
        prefix.format("21:5") + "`json` is an imported module, which exists once the import "
        "succeeded" + TAIL,
        prefix.format("28:5") + "the test set `b.disable` to `True` itself and nothing since can "
        "change it" + TAIL,
        prefix.format("35:5") + "the test set `b.total` to `5` itself and nothing since can "
        "change it" + TAIL,
        prefix.format("40:5") + "`value` was bound to `UNSET` itself, so it is always that "
        "object" + TAIL,
        prefix.format("53:5") + "`bar.Bar` is a class of an imported module, which exists once "
        "the import succeeded" + TAIL,
        prefix.format("101:9") + "the test set `b.total` to `3` itself and nothing since can "
        "change it" + TAIL,
    ]
