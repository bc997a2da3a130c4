"""The pytest plugin through real pytest (a subprocess on a temporary project): inert unless
enabled, findings as warnings or, with --testlint-strict, as collection errors, with the
project's [tool.testlint] configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import testlint
from testlint.tomlcompat import load_toml
from tests.conftest import REPO
from tests.helpers import BROAD_RAISES, NO_ASSERTION, entry_point_env, write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])
ENTRY_POINT = "testlint.integrations.pytest_plugin"
SUITE = {
    "pyproject.toml": "[tool.pytest.ini_options]\n",
    "tests/test_parse.py": '''
        import pytest


        def parse(text):
            return int(text)


        def test_parses():
            parse("1")


        def test_rejects_words():
            with pytest.raises(ValueError):
                parse("one")


        def test_quiet():  # noqa: TL101
            parse("2")


        def test_value():
            assert parse("3") == 3
        ''',
    "tests/test_clean.py": '''
        def test_sum():
            assert sum([1, 2]) == 3
        ''',
    # pytest would not collect it: never linted
    "tests/helper.py": "def test_helper():\n    pass\n",
    # reports whether the engine was imported, whatever the plugin did
    "tests/conftest.py": '''
        import sys


        def pytest_unconfigure(config):
            loaded = "testlint.engine" in sys.modules
            print(f"engine loaded: {loaded}", file=sys.stderr)
        ''',
}


def test_pyproject_registers_the_plugin() -> None:
    data = load_toml(REPO / "pyproject.toml")
    assert data["project"]["entry-points"]["pytest11"] == {"testlint": ENTRY_POINT}


@pytest.fixture(scope="module")
def pytest_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where pytest finds the plugin by its entry point: where testlint is not
    installed from this tree, a minimal dist-info declaring it as pyproject.toml does goes
    first on the path, beside this tree's sources."""
    return entry_point_env(tmp_path_factory.mktemp("shim"), SRC, "pytest11", "testlint",
                           ENTRY_POINT, drop=("PYTEST_", "COV_", "TESTLINT"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, SUITE)


def run_pytest(project: Path, env: dict[str, str],
               *args: str) -> subprocess.CompletedProcess[str]:
    # other installed plugins stay out: hypothesis' alone costs each run half a second
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
         "-p", "no:randomly", "-p", "no:hypothesispytest", "-q", "-rN", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=120,
    )


def warnings_shown(stdout: str) -> list[str]:
    return [line.strip() for line in stdout.splitlines() if "TestlintWarning:" in line]


def test_installed_but_not_enabled_it_does_nothing(
    project: Path, pytest_env: dict[str, str]
) -> None:
    result = run_pytest(project, pytest_env, "tests")
    assert (result.returncode, warnings_shown(result.stdout)) == (0, [])
    assert "5 passed" in result.stdout
    assert result.stderr.splitlines()[-1] == "engine loaded: False"
    # its options are known all the same
    listed = run_pytest(project, pytest_env, "--help")
    assert "--testlint-strict" in listed.stdout
    assert "testlint (bool)" in listed.stdout


FOUND = [
    f"tests/test_parse.py:8: TestlintWarning: {NO_ASSERTION}",
    f"tests/test_parse.py:13: TestlintWarning: {BROAD_RAISES}",
]


def test_p_testlint_shows_one_warning_per_finding(
    project: Path, pytest_env: dict[str, str]
) -> None:
    result = run_pytest(project, pytest_env, "-p", "testlint", "tests")
    assert (result.returncode, warnings_shown(result.stdout)) == (0, FOUND)
    assert "5 passed, 2 warnings" in result.stdout
    assert result.stderr.splitlines()[-1] == "engine loaded: True"


def test_p_testlint_loads_it_even_with_autoload_disabled(
    project: Path, pytest_env: dict[str, str]
) -> None:
    env = {**pytest_env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = run_pytest(project, env, "-p", "testlint", "tests")
    assert (result.returncode, warnings_shown(result.stdout)) == (0, FOUND)


def test_the_ini_option_enables_it_with_the_projects_testlint_config(
    project: Path, pytest_env: dict[str, str]
) -> None:
    write_files(project, {"pyproject.toml": '''
        [tool.pytest.ini_options]
        testlint = true
        addopts = "--strict-config"

        [tool.testlint]
        ignore = ["TL104"]

        [tool.testlint.per-file-ignores]
        "tests/test_clean.py" = ["TL101"]
        '''})
    write_files(project, {"tests/test_clean.py": "def test_sum():\n    sum([1, 2])\n"})
    result = run_pytest(project, pytest_env, "tests")
    assert (result.returncode, warnings_shown(result.stdout)) == (0, FOUND[:1])


def test_strict_mode_makes_findings_collection_errors(
    project: Path, pytest_env: dict[str, str]
) -> None:
    result = run_pytest(project, pytest_env, "--testlint-strict", "tests")
    assert result.returncode == 2  # interrupted: errors during collection
    assert "ERROR collecting tests/test_parse.py" in result.stdout
    block = result.stdout.split("testlint found:\n", 1)[1].split("\n!", 1)[0]
    assert block.splitlines() == [
        f"tests/test_parse.py:8:5: {NO_ASSERTION}",
        f"tests/test_parse.py:13:10: {BROAD_RAISES}",
    ]
    assert "ERROR collecting tests/test_clean.py" not in result.stdout
    assert "passed" not in result.stdout
    # pytest's own way past collection errors still runs the tests
    going_on = run_pytest(project, pytest_env, "--testlint-strict",
                          "--continue-on-collection-errors", "tests")
    assert "1 passed, 1 error" in going_on.stdout


def test_a_module_pytest_cannot_import_shows_only_pytests_error(
    project: Path, pytest_env: dict[str, str]
) -> None:
    write_files(project, {"tests/test_broken.py": "import not_a_module_xyz\n\n"
                                                  "def test_x():\n    pass\n"})
    result = run_pytest(project, pytest_env, "--testlint-strict", "tests/test_broken.py")
    assert "ModuleNotFoundError" in result.stdout
    assert "testlint found" not in result.stdout


def test_a_broken_testlint_config_is_reported_not_a_crash(
    project: Path, pytest_env: dict[str, str]
) -> None:
    write_files(project, {"pyproject.toml": "[tool.pytest.ini_options]\n\n"
                                            "[tool.testlint]\nselekt = []\n"})
    result = run_pytest(project, pytest_env, "-p", "testlint", "tests/test_clean.py")
    assert result.returncode == 0
    [shown] = warnings_shown(result.stdout)
    assert shown.startswith("tests/test_clean.py:1: TestlintWarning: TL000 could not analyse: ")
    assert "selekt" in shown


def test_results_are_kept_in_testlints_cache_unless_asked_not_to(
    project: Path, pytest_env: dict[str, str]
) -> None:
    uncached = run_pytest(project, pytest_env, "-p", "testlint", "--testlint-no-cache", "tests")
    assert warnings_shown(uncached.stdout) == FOUND
    assert not (project / ".testlint_cache").exists()
    for _ in range(2):  # the second run answers from the cache
        result = run_pytest(project, pytest_env, "-p", "testlint", "tests")
        assert warnings_shown(result.stdout) == FOUND
        assert (project / ".testlint_cache" / "CACHEDIR.TAG").is_file()
