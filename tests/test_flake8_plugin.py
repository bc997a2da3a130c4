"""The flake8 plugin through real flake8: its output, its noqa and per-file-ignores, and the tree
it reuses (no second parse)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import testlint
from testlint.integrations.flake8 import TestlintChecker
from testlint.tomlcompat import load_toml
from tests.conftest import REPO
from tests.helpers import BROAD_RAISES, NO_ASSERTION, entry_point_env, run_cli, write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])
ENTRY_POINT = "testlint.integrations.flake8:TestlintChecker"
SUITE = {
    "tests/test_cart.py": '''
        import pytest

        from shop import total


        def test_single_item():
            total([1])


        def test_negative():
            with pytest.raises(ValueError):
                total([-1])


        def test_quiet():  # noqa: TL101
            total([2])


        def test_other_noqa():  # noqa: E501
            total([3])
        ''',
    "src/shop.py": '''
        def total(items):
            return sum(items)


        def test_connection():
            connect()
        ''',
}


def test_pyproject_registers_the_plugin() -> None:
    data = load_toml(REPO / "pyproject.toml")
    assert data["project"]["entry-points"]["flake8.extension"] == {"TL": ENTRY_POINT}


@pytest.fixture(scope="module")
def flake8_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment where flake8 finds the plugin by its entry point.

    flake8 reads entry points from installed distributions' metadata. Where testlint is
    installed from this tree (CI), that metadata already declares the plugin. Where it is not
    (an editable install of another checkout), a minimal dist-info declaring the entry point as
    pyproject.toml does is put first on the path, beside this tree's sources."""
    return entry_point_env(tmp_path_factory.mktemp("shim"), SRC, "flake8.extension", "TL",
                           ENTRY_POINT, drop=("FLAKE8",))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, SUITE)


def flake8(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("flake8", path=os.path.dirname(sys.executable))
    command = [executable] if executable else [sys.executable, "-m", "flake8"]
    return subprocess.run([*command, "--isolated", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def test_flake8_select_tl_exact_output(project: Path, flake8_env: dict[str, str]) -> None:
    result = flake8(project, flake8_env, "--select", "TL", "tests/test_cart.py", "src/shop.py")
    assert result.stderr == ""
    assert result.stdout == (
        f"tests/test_cart.py:6:5: {NO_ASSERTION}\n"
        f"tests/test_cart.py:11:10: {BROAD_RAISES}\n"
        f"tests/test_cart.py:19:5: {NO_ASSERTION}\n"
    )
    assert result.returncode == 1


def test_flake8_owns_per_file_ignores_and_extend_ignore(
    project: Path, flake8_env: dict[str, str]
) -> None:
    ignored = flake8(project, flake8_env, "--select", "TL",
                     "--per-file-ignores", "tests/test_cart.py:TL101", "tests")
    assert ignored.stdout == f"tests/test_cart.py:11:10: {BROAD_RAISES}\n"
    extended = flake8(project, flake8_env, "--select", "TL", "--extend-ignore", "TL104", "tests")
    assert [line.split(": ")[1][:5] for line in extended.stdout.splitlines()] == ["TL101"] * 2


def test_testlint_config_chooses_the_rules(project: Path, flake8_env: dict[str, str]) -> None:
    write_files(project, {"pyproject.toml": '[tool.testlint]\nignore = ["TL101"]\n'})
    result = flake8(project, flake8_env, "--select", "TL", "tests")
    assert result.stdout == f"tests/test_cart.py:11:10: {BROAD_RAISES}\n"


def test_plugin_runs_alongside_other_checks(project: Path, flake8_env: dict[str, str]) -> None:
    result = flake8(project, flake8_env, "--select", "F,TL", "tests/test_cart.py")
    assert result.stdout.splitlines() == [
        f"tests/test_cart.py:6:5: {NO_ASSERTION}",
        f"tests/test_cart.py:11:10: {BROAD_RAISES}",
        f"tests/test_cart.py:19:5: {NO_ASSERTION}",
    ]
    broken = write_files(project, {"tests/test_broken.py": "def test_x(:\n    pass\n"})
    result = flake8(broken, flake8_env, "--select", "E9,TL", "tests/test_broken.py")
    # flake8 reports the syntax error itself and runs no AST plugin on the file
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["E999"]


def test_plugin_reuses_flake8s_tree(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = project / "tests" / "test_cart.py"
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)

    real_parse = ast.parse

    def cannot_parse(source: str | bytes, *args: Any, **kwargs: Any) -> ast.Module:
        # other sources may be parsed: under pytest, the first import of one of testlint's
        # modules is parsed by assertion rewriting when testlint's pytest plugin is installed
        if source in (text, text.encode("utf-8")):
            raise AssertionError("the plugin parsed the file a second time")
        parsed: ast.Module = real_parse(source, *args, **kwargs)
        return parsed

    checker = TestlintChecker(tree, text.splitlines(keepends=True), str(path))
    with monkeypatch.context() as patch:
        patch.setattr(ast, "parse", cannot_parse)
        results = list(checker.run())
    assert [(line, col, message[:5]) for line, col, message, _ in results] == [
        (6, 4, "TL101"),
        (11, 9, "TL104"),
        (15, 4, "TL101"),  # suppression comments are for flake8 to apply, not the plugin
        (19, 4, "TL101"),
    ]


def _amber_entry(name: str, rows: int) -> str:
    body = "".join(f"    'v{row}',\n" for row in range(rows))
    return f"# name: {name}\n  list([\n{body}  ])\n# ---\n"


SNAPSHOT_SUITE = {
    "pytest.ini": "[pytest]\nmarkers =\n    slow: takes a while\n",
    "tests/test_report.py": '''
        import pytest


        class TestReport:
            def test_rows(self, snapshot):
                assert render("rows") == snapshot


        @pytest.mark.slow
        def test_totals(snapshot):
            assert render("totals") == snapshot


        def test_quiet(snapshot):  # noqa: TL304
            assert render("quiet") == snapshot


        def test_small(snapshot):
            assert render("small") == snapshot
        ''',
    "tests/__snapshots__/test_report.ambr": "# serializer version: 1\n"
    + _amber_entry("TestReport.test_rows", 30)
    + _amber_entry("test_totals[eu]", 30)
    + _amber_entry("test_quiet", 30)
    + _amber_entry("test_small", 2)
    + _amber_entry("test_removed_long_ago", 30),
}
GIANT = (
    "stores 32 lines (limit 25 lines / 50 items): a payload this size is re-recorded with "
    "--snapshot-update and rubber-stamped, not reviewed; assert the key fields and invariants "
    "instead, or snapshot a small projection"
)


def test_stored_snapshot_findings_show_on_the_owning_tests_def_line(
    tmp_path: Path, flake8_env: dict[str, str]
) -> None:
    project = write_files(tmp_path, SNAPSHOT_SUITE)
    result = flake8(project, flake8_env, "--select", "TL", "tests")
    assert (result.stdout, result.stderr) == (
        "tests/test_report.py:5:5: TL304 in tests/__snapshots__/test_report.ambr:2: "
        f"snapshot 'TestReport.test_rows' {GIANT}\n"
        "tests/test_report.py:10:1: TL304 in tests/__snapshots__/test_report.ambr:36: "
        f"snapshot 'test_totals[eu]' {GIANT}\n",
        "",
    )
    assert result.returncode == 1
    # the command line: the same findings at the snapshot's lines, the same noqa honoured, and
    # the entry of a removed test, which has no line in the test file to show it on in flake8
    cli = run_cli(["check", "--no-cache", "tests"], project)
    assert cli.stdout == (
        f"tests/__snapshots__/test_report.ambr:2:1: TL304 snapshot 'TestReport.test_rows' {GIANT}\n"
        f"tests/__snapshots__/test_report.ambr:36:1: TL304 snapshot 'test_totals[eu]' {GIANT}\n"
        "tests/__snapshots__/test_report.ambr:110:1: TL304 snapshot 'test_removed_long_ago' "
        f"{GIANT}\n"
    )


def test_testlint_per_file_ignores_on_a_snapshot_path_apply_in_flake8(
    tmp_path: Path, flake8_env: dict[str, str]
) -> None:
    project = write_files(tmp_path, {
        **SNAPSHOT_SUITE,
        "pyproject.toml": '[tool.testlint.per-file-ignores]\n"**/__snapshots__/*" = ["TL304"]\n',
    })
    result = flake8(project, flake8_env, "--select", "TL", "tests")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_testlint_per_file_ignores_apply_in_flake8_as_on_the_command_line(
    project: Path, flake8_env: dict[str, str]
) -> None:
    write_files(project, {
        "pyproject.toml": '[tool.testlint.per-file-ignores]\n"tests/test_*.py" = ["TL101"]\n',
    })
    result = flake8(project, flake8_env, "--select", "TL", "tests")
    assert (result.stdout, result.stderr) == (f"tests/test_cart.py:11:10: {BROAD_RAISES}\n", "")
    cli = run_cli(["check", "--no-cache", "tests"], project)
    assert cli.stdout == f"tests/test_cart.py:11:10: {BROAD_RAISES}\n"


# flake8 runs every installed plugin on every file and filters by --select afterwards: the
# plugin must then do nothing (testlint's engine, registry and rules are never imported)
LOADED_PROBE = """
import sys
from flake8.main.cli import main
code = main(["--isolated", "-j", "1", *sys.argv[1:]])
print("exit:", code, "engine loaded:", "testlint.engine" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "engine_loaded", "code"),
    [
        (["--select", "E"], False, 0),
        (["--select", "E,F", "--extend-select", "W"], False, 0),
        (["--extend-ignore", "TL"], False, 0),  # the default selection, TL ignored
        (["--select", "TL1", "--ignore", "TL101"], True, 1),
        (["--select", "E,TL104"], True, 1),
        ([], True, 1),  # the default selection includes every plugin
    ],
)
def test_the_plugin_costs_nothing_when_no_tl_code_is_selected(
    project: Path, flake8_env: dict[str, str], args: list[str], engine_loaded: bool, code: int
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOADED_PROBE, *args, "tests/test_cart.py"],
        cwd=project, env=flake8_env, capture_output=True, text=True, timeout=120,
    )
    assert result.stderr.splitlines()[-1] == f"exit: {code} engine loaded: {engine_loaded}"
    assert ("TL" in result.stdout) is engine_loaded
