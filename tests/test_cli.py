"""The command line, end to end, with exact output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import BROAD_RAISES, NO_ASSERTION, run_cli, write_files

SUITE = {
    "tests/test_cart.py": '''
        import pytest

        from shop import total


        def test_total():
            assert total([1, 2]) == 3


        def test_single_item():
            total([1])


        def test_negative():
            with pytest.raises(ValueError):
                total([-1])
        ''',
    "tests/test_clean.py": '''
        def test_ok():
            assert 1 + 1 == 2 or True is not None
        ''',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, SUITE)


def test_check_prints_flake8_format_sorted_and_exits_1(project: Path) -> None:
    result = run_cli(["check", "tests"], project)
    assert result.stdout == (
        f"tests/test_cart.py:10:5: {NO_ASSERTION}\n"
        f"tests/test_cart.py:15:10: {BROAD_RAISES}\n"
    )
    assert result.exit_code == 1


def test_bare_paths_mean_check(project: Path) -> None:
    assert run_cli(["tests"], project).stdout == run_cli(["check", "tests"], project).stdout


def test_no_path_uses_pytest_testpaths(project: Path) -> None:
    write_files(project, {"pytest.ini": "[pytest]\ntestpaths = tests\n",
                          "other/test_elsewhere.py": "def test_x():\n    pass\n"})
    result = run_cli([], project)
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == [
        "tests/test_cart.py",
        "tests/test_cart.py",
    ]


def test_clean_files_exit_0_with_no_output(project: Path) -> None:
    result = run_cli(["tests/test_clean.py"], project)
    assert (result.exit_code, result.stdout) == (0, "")


def test_exit_zero_keeps_the_report(project: Path) -> None:
    result = run_cli(["--exit-zero", "tests"], project)
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 2


def test_json_format(project: Path) -> None:
    result = run_cli(["--format", "json", "--select", "TL101", "tests"], project)
    assert json.loads(result.stdout) == [
        {
            "code": "TL101",
            "name": "no-assertion",
            "level": "error",
            "path": "tests/test_cart.py",
            "line": 10,
            "col": 5,
            "end_line": 10,
            "end_col": 21,
            "message": NO_ASSERTION.removeprefix("TL101 "),
            "test": "test_single_item",
            "fix": None,
        }
    ]


def test_select_ignore_and_prefixes(project: Path) -> None:
    only_104 = run_cli(["--select", "TL1", "--ignore", "TL101", "tests"], project)
    assert [line.split()[1] for line in only_104.stdout.splitlines()] == ["TL104"]
    extended = run_cli(["--select", "TL104", "--extend-select", "TL101", "tests"], project)
    assert [line.split()[1] for line in extended.stdout.splitlines()] == ["TL101", "TL104"]


def test_statistics_and_show_source(project: Path) -> None:
    result = run_cli(["--select", "TL104", "--show-source", "--statistics", "tests"], project)
    assert result.stdout == (
        f"tests/test_cart.py:15:10: {BROAD_RAISES}\n"
        "    with pytest.raises(ValueError):\n"
        "         ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "1      TL104 [ ] raises-without-match\n"
        "1      total\n"
    )


def test_output_file(project: Path) -> None:
    result = run_cli(["--select", "TL101", "--output-file", "report.txt", "tests"], project)
    assert (result.exit_code, result.stdout) == (1, "")
    assert (project / "report.txt").read_text() == f"tests/test_cart.py:10:5: {NO_ASSERTION}\n"


def test_missing_path_is_one_line_and_exit_2(project: Path) -> None:
    result = run_cli(["tests", "nowhere"], project)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == "testlint: error: nowhere: no such file or directory\n"


def test_unknown_rule_code_on_the_command_line(project: Path) -> None:
    result = run_cli(["--select", "TL999", "tests"], project)
    assert result.exit_code == 2
    assert result.stderr == "testlint: error: --select: unknown rule code or prefix: TL999\n"


def test_version(project: Path) -> None:
    from testlint import __version__

    assert run_cli(["--version"], project).stdout == f"testlint {__version__}\n"


def test_noqa_specific_bare_and_other_code(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_noqa.py": '''
        def test_a():  # noqa: TL101
            run("a")


        def test_b():  # noqa
            run("b")


        def test_c():  # noqa: TL104
            run("c")


        def test_d():  # noqa:TL1
            run("d")
        '''})
    result = run_cli(["test_noqa.py"], tmp_path)
    assert result.stdout == (
        f"test_noqa.py:9:5: {NO_ASSERTION}\n"
        "test_noqa.py:9:16: TL001 unused noqa code TL104 (suppresses nothing here); remove it, "
        "so that a future finding on this line is not hidden\n"
    )


def test_rules_lists_every_rule_and_json_matches() -> None:
    from testlint.registry import load_full_registry

    rules = load_full_registry().rules  # the dynamic TL7 rules of `verify` too
    text = run_cli(["rules"], Path.cwd()).stdout.splitlines()
    assert [line.split()[0] for line in text] == list(rules)
    data = json.loads(run_cli(["rules", "--format", "json"], Path.cwd()).stdout)
    assert [(r["code"], r["name"], r["default"]) for r in data] == [
        (r.code, r.name, r.default_enabled) for r in rules.values()
    ]


def test_rule_prints_documentation() -> None:
    result = run_cli(["rule", "TL101"], Path.cwd())
    assert result.stdout.startswith("# TL101 no-assertion\n")
    assert "## Rewrite guidance" in result.stdout
    assert run_cli(["rule", "no-assertion"], Path.cwd()).stdout == result.stdout


def test_rule_unknown_code_exit_2() -> None:
    result = run_cli(["rule", "TL998"], Path.cwd())
    assert (result.exit_code, result.stderr) == (2, "testlint: error: unknown rule: TL998\n")


def test_committed_rule_catalogue_is_current(repo: Path) -> None:
    result = run_cli(["rules", "--check", str(repo / "rules")], repo)
    assert (result.exit_code, result.stderr) == (0, "")


def test_rules_write_regenerates_a_stale_catalogue(tmp_path: Path) -> None:
    catalogue = tmp_path / "rules"
    run_cli(["rules", "--write", str(catalogue)], tmp_path)
    (catalogue / "TL101.md").write_text("stale")
    (catalogue / "TL777.md").write_text("a removed rule")
    stale = run_cli(["rules", "--check", str(catalogue)], tmp_path)
    assert stale.exit_code == 1
    assert stale.stderr.splitlines()[0] == f"stale catalogue in {catalogue}: TL101.md, TL777.md"
    run_cli(["rules", "--write", str(catalogue)], tmp_path)
    assert run_cli(["rules", "--check", str(catalogue)], tmp_path).exit_code == 0
    assert not (catalogue / "TL777.md").exists()


def test_our_own_tests_pass_every_testlint_rule(repo: Path) -> None:
    result = run_cli(["--select", "ALL", "tests"], repo)
    assert (result.exit_code, result.stdout) == (0, "")
