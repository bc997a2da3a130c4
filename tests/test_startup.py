"""Start-up: a pre-commit call on a few files imports only what checking needs. libcst (fixes),
astroid (inference) and httpx (the rewrite step) cost a third of a second and more to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import testlint
from tests.helpers import MIRRORING_FINDING, MIRRORING_PROJECT, write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])
HEAVY = ("libcst", "astroid", "httpx", "openai", "anthropic", "pygls")
PROBE = """
import runpy, sys
sys.argv = ["testlint", *sys.argv[1:]]
try:
    runpy.run_module("testlint", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print("heavy modules:", heavy, "exit:", code, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--no-cache"],
        ["--format", "sarif"],
        ["--format", "github", "--jobs", "1"],
    ],
)
def test_a_check_run_imports_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    write_files(tmp_path, {
        "tests/test_one.py": "def test_one():\n    run()\n",
        "tests/test_two.py": "def test_two():\n    assert run() == 2\n",
    })
    env = {**os.environ, "PYTHONPATH": SRC}
    for _ in range(2):  # the second run answers from the cache where there is one
        result = subprocess.run(
            [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args,
             "tests/test_one.py", "tests/test_two.py"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )
        assert result.stderr.splitlines()[-1] == "heavy modules: [] exit: 1"
        assert "test_one" in result.stdout or "tests/test_one.py" in result.stdout


# pathspec (about 30 ms to import) translates ignore-file patterns: a run on named files reads
# no ignore file, nor does a walk of a tree without one; --force-exclude (the pre-commit hook)
# must ask the ignore files about each named file, so there it is imported.
@pytest.mark.parametrize(
    ("args", "imported", "code"),
    [
        (["tests/test_one.py", "tests/generated/test_gen.py"], [], 1),
        (["tests/unit"], [], 1),
        (["--force-exclude", "tests/generated/test_gen.py"], ["pathspec"], 0),
        (["tests"], ["pathspec"], 1),
    ],
)
def test_pathspec_is_imported_only_to_read_an_ignore_file(
    tmp_path: Path, args: list[str], imported: list[str], code: int
) -> None:
    write_files(tmp_path, {
        "tests/generated/.gitignore": "*\n",  # as tools mark their output
        "tests/test_one.py": "def test_one():\n    run()\n",
        "tests/unit/test_two.py": "def test_two():\n    run()\n",
        "tests/generated/test_gen.py": "def test_gen():\n    run()\n",
    })
    (tmp_path / ".git").mkdir()
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=(*HEAVY, "pathspec")), "--no-cache", *args],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.stderr.splitlines()[-1] == f"heavy modules: {imported} exit: {code}"


# ---- exit ----------------------------------------------------------------------------------
# The console entry ends a lint run with os._exit once astroid is loaded (its teardown is pure
# waste then); atexit handlers are the part of the teardown a test can see being skipped.
EXIT_PROBE = """
import atexit, runpy, sys
atexit.register(lambda: print("interpreter teardown", file=sys.stderr))
sys.argv = ["testlint", *sys.argv[1:]]
runpy.run_module("testlint", run_name="__main__", alter_sys=True)
"""
SHOP = {
    **MIRRORING_PROJECT,
    "tests/test_rounding.py": '''
        from shop.pricing import discount


        def test_rounding():
            discount(1, 2)
        ''',
}
MIRRORING = MIRRORING_FINDING
NO_ASSERTION = (
    "tests/test_rounding.py:4:5: TL101 test has no assertion: it only proves the code does not "
    "raise; assert on the result or the changed state (if not raising is the point, say so: a "
    "`_does_not_raise` name, a docstring, or `# noqa: TL101`)\n"
)


def _console(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", EXIT_PROBE, *args], cwd=project,
        env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True, timeout=120,
    )


def test_the_console_script_is_the_entry_that_may_skip_the_teardown() -> None:
    # the installed entry point (editable or not), not the repository's pyproject.toml
    from importlib.metadata import entry_points

    scripts = entry_points(group="console_scripts", name="testlint")
    assert [script.value for script in scripts] == ["testlint.cli:console_main"]


def test_a_run_that_loaded_astroid_skips_the_teardown_and_keeps_all_output(
    tmp_path: Path,
) -> None:
    project = write_files(tmp_path, SHOP)
    selected = ["--select", "TL101,TL301,TL302,TL503", "--no-cache"]
    shown = _console(project, "check", *selected, "tests")
    assert (shown.returncode, shown.stdout, shown.stderr) == (1, MIRRORING + NO_ASSERTION, "")

    written = _console(project, "check", *selected, "--statistics", "-o", "report.txt", "tests")
    assert (written.returncode, written.stdout, written.stderr) == (1, "", "")
    assert (project / "report.txt").read_text(encoding="utf-8") == (
        MIRRORING + NO_ASSERTION
        + "1      TL101 [ ] no-assertion\n"
        + "1      TL301 [ ] implementation-mirroring\n"
        + "2      total\n"
    )

    recorded = _console(project, "baseline", *selected, "tests")
    assert (recorded.returncode, recorded.stdout, recorded.stderr) == (
        0, "", "testlint: recorded 2 finding(s) in 2 file(s) to .testlint-baseline.json\n")
    write_files(project, {"tests/test_rounding.py": '''
        from shop.pricing import discount


        def test_rounding():
            assert discount(1, 2) == 0.98
        '''})
    stale = _console(project, "check", *selected, "--baseline", ".testlint-baseline.json",
                     "tests")
    assert (stale.returncode, stale.stdout, stale.stderr) == (0, "", (
        "testlint: warning: 1 baseline entry no longer matches a finding (fixed, or the test "
        "changed); run `testlint baseline -o .testlint-baseline.json` with the same paths to "
        "update it\nAll checks passed (2 files).\n"
    ))


def test_a_run_without_astroid_exits_through_the_interpreter(tmp_path: Path) -> None:
    project = write_files(tmp_path, SHOP)
    result = _console(project, "check", "--select", "TL101", "--no-cache", "tests")
    assert (result.returncode, result.stdout, result.stderr) == (
        1, NO_ASSERTION, "interpreter teardown\n")


# astroid (about 30 ms to import, more to build a module) is asked only what the cheap index of
# the imported module (its top-level names, from one stdlib parse) cannot answer
CHEAP_PROJECT = {
    "src/shop/__init__.py": "from shop.cart import total\n\nVERSION, RELEASE = 1, 2\n",
    "src/shop/cart.py": '''
        try:
            from decimal import Decimal
        except ImportError:
            Decimal = float


        def total(items):
            return sum(items)


        class Cart:
            pass
        ''',
    "tests/test_cart.py": '''
        import json

        import pytest

        from shop import VERSION, total
        from shop.cart import Cart, Decimal


        def test_total():
            assert total([Decimal(1)]) == 1
        ''',
}


def test_imports_the_cheap_index_answers_never_import_astroid(tmp_path: Path) -> None:
    write_files(tmp_path, CHEAP_PROJECT)
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), "--no-cache", "tests"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True,
        timeout=60,
    )
    assert (result.stdout, result.stderr.splitlines()[-1]) == (
        "", "heavy modules: [] exit: 0")


def test_a_name_the_index_does_not_know_is_asked_of_astroid(tmp_path: Path) -> None:
    write_files(tmp_path, {**CHEAP_PROJECT, "tests/test_more.py": '''
        from shop.cart import Cart, totl


        def test_cart():
            assert Cart() is not None
        '''})
    probe = PROBE.replace("runpy.run_module(\"testlint\", run_name=\"__main__\", alter_sys=True)",
                          "from testlint.cli import main; main()")  # no os._exit after astroid
    result = subprocess.run(
        [sys.executable, "-c", probe.format(heavy=HEAVY), "--no-cache", "tests"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.stdout.startswith("tests/test_more.py:1:29: TL503 ")
    assert result.stderr.splitlines()[-1] == "heavy modules: ['astroid'] exit: 1"


# importlib.metadata (email, zipfile, csv: about 50 ms of CPU) is not needed to find the entry
# points of rule packs and pytest plugins: testlint.entry_points reads them off sys.path
def test_a_check_run_does_not_import_importlib_metadata(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_one.py": "def test_one():\n    run()\n"})
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=(*HEAVY, "importlib.metadata")), "--no-cache",
         "tests"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True,
        timeout=60,
    )
    assert result.stderr.splitlines()[-1] == "heavy modules: [] exit: 1"


@pytest.mark.parametrize("group", ["console_scripts", "pytest11", "flake8.extension",
                                   "testlint.rules"])
def test_entry_points_read_off_sys_path_are_importlib_metadatas(group: str) -> None:
    from importlib.metadata import entry_points as metadata_entry_points

    from testlint.entry_points import entry_points

    ours = sorted((entry.name, entry.value) for entry in entry_points(group))
    theirs = sorted((entry.name, entry.value) for entry in metadata_entry_points(group=group))
    assert ours == theirs
