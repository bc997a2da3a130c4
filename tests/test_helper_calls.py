"""TL101 reads what a `check*`/`verify*` call of the code under test does (helper_calls), and a
no-raise test whose empty `with` block cannot raise (cannot_fail.inert_with), through the
command line. Near misses stay silent: a project function that asserts, `assert_*` names, a
conftest helper that asserts, a method of an unknown object, and a context manager that does
work around its `yield`."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_files

PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "src/ci/__init__.py": "",
    "src/ci/checks.py": """
        import os
        from contextlib import contextmanager


        def travis(branch):
            assert os.environ.get("TRAVIS_BRANCH") == branch


        def check(branch="master"):
            if os.environ.get("TRAVIS") == "true":
                travis(branch)


        def check_invariants(config):
            assert config["branch"]


        def verify_signature(payload):
            if not payload:
                raise ValueError("empty payload")
            return True


        def assert_clean(config):
            if config:
                raise ValueError(config)


        @contextmanager
        def ok(*exceptions):
            try:
                yield
            except Exception as e:
                if not isinstance(e, exceptions):
                    raise


        @contextmanager
        def opened(path):
            handle = open(path)
            try:
                yield handle
            finally:
                handle.close()
        """,
    "tests/conftest.py": """
        def check_output(text):
            assert text.strip()
        """,
    "tests/test_checks.py": """
        from ci.checks import assert_clean, check, check_invariants, ok, opened, verify_signature
        from conftest import check_output


        def test_check_travis(monkeypatch):
            monkeypatch.setenv("TRAVIS", "true")
            check("master")


        def test_verify_signature():
            verify_signature(b"payload")


        def test_invariants():
            check_invariants({"branch": "master"})


        def test_assert_clean():
            assert_clean({})


        def test_output():
            check_output("text")


        def test_check_unknown(validator):
            validator.check("master")


        def test_ok_no_exception():
            with ok():
                pass  # No exception should be raised


        def test_opened_no_error(tmp_path):
            with opened(tmp_path / "x"):
                pass  # does not raise on close
        """,
}
NO_ASSERTION = (
    "TL101 test has no assertion (`{}(...)` is the code under test, whose body asserts nothing, "
    "not an assertion helper): it only proves the code does not raise; assert on the result or "
    "the changed state (if not raising is the point, say so: a `_does_not_raise` name, a "
    "docstring, or `# noqa: TL101`)"
)


def test_tl101_reads_check_calls_and_empty_with_blocks_of_the_code_under_test(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, PROJECT)
    run = run_cli(["check", "--no-cache", "--select", "TL101,TL106", "."], tmp_path)
    assert run.stdout.splitlines() == [
        "tests/test_checks.py:5:5: " + NO_ASSERTION.format("check"),
        "tests/test_checks.py:10:5: " + NO_ASSERTION.format("verify_signature"),
        "tests/test_checks.py:30:5: TL101 test cannot fail: its `with ok(...)` block is empty "
        "and `ok` runs nothing around its `yield` that could raise; put the code under test in "
        "the block and assert on what it does",
    ]
