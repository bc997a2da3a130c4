"""testlint finds the rootdir and config file pytest 9 finds, on real layouts, checked against
`pytest --co` itself (its header names both)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from testlint.pytest_config import find_pytest_config
from tests.helpers import write_files

ROOTDIR = re.compile(r"^rootdir: (?P<found>[^,\n]+)", re.M)
CONFIGFILE = re.compile(
    r"^configfile: (?P<found>[^ ,\n]+)|, configfile: (?P<inline>[^ ,\n]+)", re.M
)
NO_TABLE = "[project]\nname = 'shop'\n"
TABLE = "[tool.pytest.ini_options]\nmarkers = ['slow']\n"

LAYOUTS: dict[str, tuple[dict[str, str], str, list[str]]] = {
    # files, the directory pytest runs in, its arguments
    "pyproject-without-table-is-the-config": (
        {"pyproject.toml": NO_TABLE, "pkg/tests/test_a.py": ""}, ".", ["pkg/tests"]),
    "pyproject-without-table-beats-setup-py": (
        {"pyproject.toml": NO_TABLE, "pkg/setup.py": "", "pkg/tests/test_a.py": ""},
        ".", ["pkg/tests"]),
    "nearest-pyproject-without-table": (
        {"pyproject.toml": NO_TABLE, "sub/pyproject.toml": NO_TABLE, "sub/tests/test_a.py": ""},
        ".", ["sub/tests"]),
    "a-table-further-up-beats-a-nearer-pyproject-without": (
        {"pyproject.toml": TABLE, "sub/pyproject.toml": NO_TABLE, "sub/tests/test_a.py": ""},
        ".", ["sub/tests"]),
    "setup-cfg-section-beats-tox-ini-without": (
        {"setup.cfg": "[tool:pytest]\nmarkers = slow\n", "sub/tox.ini": "[tox]\n",
         "sub/tests/test_a.py": ""}, ".", ["sub/tests"]),
    "pytest-toml-first": (
        {"pytest.toml": "[pytest]\nmarkers = ['slow']\n", "pyproject.toml": TABLE,
         "tests/test_a.py": ""}, ".", ["tests"]),
    "pytest-ini-without-section-still-counts": (
        {"pytest.ini": "[other]\n", "pyproject.toml": TABLE, "tests/test_a.py": ""},
        ".", ["tests"]),
    "setup-py-without-config": (
        {"sub/setup.py": "", "sub/tests/test_a.py": ""}, ".", ["sub/tests"]),
    "nothing-at-all-gives-the-common-ancestor-with-the-invocation-dir": (
        {"a/b/tests/test_a.py": ""}, ".", ["a/b/tests"]),
    "two-arguments-each-with-its-own-pyproject": (
        {"one/pyproject.toml": NO_TABLE, "two/pyproject.toml": NO_TABLE,
         "one/tests/test_a.py": "", "two/tests/test_b.py": ""}, ".", ["one/tests", "two/tests"]),
    "run-from-inside-the-tests": (
        {"pyproject.toml": NO_TABLE, "tests/unit/test_a.py": ""}, "tests", ["unit"]),
    "no-arguments": (
        {"pyproject.toml": NO_TABLE, "tests/test_a.py": ""}, "tests", []),
}


def _pytest_says(cwd: Path, args: list[str]) -> tuple[Path, str | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--co", "-p", "no:cacheprovider", *args],
        cwd=cwd, capture_output=True, text=True, env=env, check=False,
    )
    rootdir = ROOTDIR.search(result.stdout)
    assert rootdir is not None, result.stdout + result.stderr
    configfile = CONFIGFILE.search(result.stdout)
    return (
        Path(rootdir.group("found")),
        (configfile.group("found") or configfile.group("inline")) if configfile else None,
    )


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_rootdir_and_config_file_are_pytests(tmp_path: Path, name: str) -> None:
    files, cwd, args = LAYOUTS[name]
    write_files(tmp_path, files)
    invocation = (tmp_path / cwd).resolve()
    rootdir, configfile = _pytest_says(invocation, args)
    found = find_pytest_config([invocation / a for a in args] or [invocation], invocation)
    ours = str(found.inifile.relative_to(found.rootdir)) if found.inifile else None
    assert (found.rootdir, ours) == (rootdir.resolve(), configfile)


def test_a_pyproject_without_a_pytest_table_lets_testlint_see_the_code(tmp_path: Path) -> None:
    """With the rootdir at tests/unit, src/ would be out of sight and the hallucinated name
    would go unseen; pytest's rootdir is the pyproject's folder, and so is testlint's."""
    from tests.helpers import run_cli

    write_files(tmp_path, {
        "pyproject.toml": NO_TABLE,
        "src/shop/__init__.py": "def price():\n    return 1\n",
        "tests/unit/test_price.py": """
            from shop import price, prize


            def test_price():
                assert price() == prize()
            """,
    })
    result = run_cli(["check", "--no-cache", "--select", "TL503", "tests/unit"], tmp_path)
    assert result.stdout.splitlines() == [
        "tests/unit/test_price.py:1:25: TL503 `prize` is not defined in shop (did you mean "
        "`price`?): the test fails at import; use a name the module really defines",
    ]
