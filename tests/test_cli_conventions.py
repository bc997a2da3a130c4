"""ruff's command-line conventions, end to end with exact output: the summary of a clean run,
concise and full output, statistics, --exit-non-zero-on-fix, --stdin-filename, --show-files,
--show-settings, -q and -v."""

from __future__ import annotations

from pathlib import Path

import pytest

from testlint.engine import lint_text
from testlint.registry import load_registry
from testlint.report import ReportContext, renderer
from tests.helpers import run_cli, write_files

CART = '''
    import pytest

    from shop import total


    def test_total():
        assert total([1, 2]) == 3


    def test_single_item():
        total([1])


    def test_negative():
        with pytest.raises(ValueError):
            total([-1])


    @pytest.mark.parametrise("n", [1, 2])
    def test_many(n):
        assert total([n]) == n
    '''
CLEAN = "def test_ok():\n    assert 1 + 1 == 2\n"
PYTHON_FILES = "(pytest's python_files: test_*.py *_test.py)"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, {"tests/test_cart.py": CART, "tests/test_clean.py": CLEAN})


def test_a_clean_run_says_so_and_how_many_files_it_read(project: Path) -> None:
    result = run_cli(["tests/test_clean.py"], project)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "All checks passed (1 file).\n")
    quiet = run_cli(["-q", "tests/test_clean.py"], project)
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_a_run_that_lints_nothing_is_not_a_clean_run(project: Path) -> None:
    write_files(project, {"docs/conf.py": "x = 1\n"})
    named = run_cli(["docs"], project)
    assert (named.exit_code, named.stdout, named.stderr) == (
        2, "", f"testlint: error: no test files found under docs {PYTHON_FILES}\n")
    # a pre-commit hook that passes only non-test files: said, and not an error
    hook = run_cli(["--only-test-files", "docs/conf.py"], project)
    assert (hook.exit_code, hook.stdout, hook.stderr) == (
        0, "", f"testlint: no test files found under docs/conf.py {PYTHON_FILES}\n")


def test_concise_output_is_the_short_message(project: Path) -> None:
    result = run_cli(["--output-format", "concise", "--no-cache", "tests"], project)
    assert result.stdout == (
        "tests/test_cart.py:10:5: TL101 test has no assertion: it only proves the code does "
        "not raise\n"
        "tests/test_cart.py:15:10: TL104 pytest.raises(ValueError) without match= passes for "
        "any ValueError, even one from another bug\n"
        "tests/test_cart.py:19:14: TL502 unknown marker 'parametrise' is a misspelling of "
        "'parametrize'\n"
    )
    assert result.exit_code == 1


def test_full_output_shows_the_source_the_why_and_the_fix(project: Path) -> None:
    result = run_cli(["--output-format", "full", "--no-cache", "--select", "TL101,TL104",
                      "tests"], project)
    assert result.stdout == (
        "tests/test_cart.py:10:5: TL101 test has no assertion\n"
        "   |\n"
        "10 | def test_single_item():\n"
        "   |     ^^^^^^^^^^^^^^^^\n"
        "   |\n"
        "  why: it only proves the code does not raise\n"
        "  fix: assert on the result or the changed state (if not raising is the point, say so: "
        "a `_does_not_raise` name, a docstring, or `# noqa: TL101`)\n"
        "  see: https://testlint.readthedocs.io/en/latest/rules/TL101/\n"
        "\n"
        "tests/test_cart.py:15:10: TL104 pytest.raises(ValueError) without match= passes for "
        "any ValueError, even one from another bug\n"
        "   |\n"
        "15 |     with pytest.raises(ValueError):\n"
        "   |          ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "   |\n"
        '  fix: add match="..." for the expected message\n'
        "  see: https://testlint.readthedocs.io/en/latest/rules/TL104/\n"
        "\n"
    )


def _invalid_examples() -> list[tuple[str, int, str]]:
    return [(rule.code, i, source) for rule in load_registry().rules.values()
            for i, source in enumerate(rule.invalid)]


@pytest.mark.parametrize(("code", "index", "source"), _invalid_examples())
def test_every_concise_message_is_under_100_characters(code: str, index: int,
                                                       source: str) -> None:
    findings = [f for f in lint_text(source, select=[code]) if f.code == code]
    text = renderer("concise")(findings, ReportContext(output_format="concise"))
    messages = [line.split(f" {code} ", 1)[1] for line in text.splitlines()]
    assert [m for m in messages if len(m) >= 100] == []


def test_statistics_mark_fixable_rules_and_count_the_total(project: Path) -> None:
    result = run_cli(["--statistics", "--output-format", "concise", "--no-cache", "--select",
                      "TL101,TL502", "tests"], project)
    assert result.stdout.splitlines()[-3:] == [
        "1      TL101 [ ] no-assertion",
        "1      TL502 [*] misspelled-marker",
        "2      total",
    ]
    assert result.stderr == "1 fixable with `--fix`.\n"


def test_exit_non_zero_on_fix(project: Path) -> None:
    args = ["--select", "TL502", "--no-cache", "--fix", "tests"]
    fixed = run_cli(["--exit-non-zero-on-fix", *args], project)
    assert fixed.exit_code == 1
    assert fixed.stderr.endswith("Fixed 1 finding in 1 file, 0 remaining.\n")
    again = run_cli(["--exit-non-zero-on-fix", *args], project)
    assert (again.exit_code, again.stderr) == (0, "Fixed 0 findings in 0 files, 0 remaining.\n")


def test_stdin_filename_lints_stdin_with_the_config_of_that_path(project: Path) -> None:
    write_files(project, {"pyproject.toml": '[tool.testlint.per-file-ignores]\n'
                                            '"tests/legacy/*" = ["TL101"]\n'})
    source = "def test_x():\n    run()\n"
    result = _stdin(project, ["--stdin-filename", "tests/test_new.py"], source)
    assert (result.exit_code, result.stdout) == (
        1, "tests/test_new.py:1:5: TL101 test has no assertion: it only proves the code does "
           "not raise; assert on the result or the changed state (if not raising is the point, "
           "say so: a `_does_not_raise` name, a docstring, or `# noqa: TL101`)\n")
    ignored = _stdin(project, ["--stdin-filename", "tests/legacy/test_old.py"], source)
    assert (ignored.exit_code, ignored.stdout, ignored.stderr) == (
        0, "", "All checks passed (1 file).\n")


def test_stdin_filename_with_fix_prints_the_fixed_source(project: Path) -> None:
    source = ('import pytest\n\n\n@pytest.mark.parametrise("n", [1])\ndef test_x(n):\n'
              '    assert n == 1\n')
    result = _stdin(project, ["--stdin-filename", "tests/test_new.py", "--fix"], source)
    assert (result.exit_code, result.stdout) == (0, source.replace("parametrise", "parametrize"))
    assert not (project / "tests" / "test_new.py").exists()


def _stdin(project: Path, args: list[str], text: str) -> object:
    import os

    from click.testing import CliRunner

    from testlint.cli import main
    from tests.helpers import Run

    previous = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(main, ["--no-cache", *args], input=text,
                                    catch_exceptions=False)
    finally:
        os.chdir(previous)
    return Run(result.exit_code, result.stdout, result.stderr)


def test_show_files_lists_what_would_be_linted(project: Path) -> None:
    write_files(project, {"tests/helpers.py": "", "tests/data/test_case.txt": ""})
    result = run_cli(["--show-files", "tests"], project)
    assert (result.exit_code, result.stdout) == (0, "tests/test_cart.py\ntests/test_clean.py\n")


def test_show_settings_prints_the_resolved_settings(project: Path) -> None:
    write_files(project, {"pyproject.toml": '[tool.testlint]\nextend-select = ["TL103"]\n'
                                            'max-patches = 6\n'})
    result = run_cli(["--show-settings", "--ignore", "TL1,TL2,TL3,TL4,TL5", "tests"], project)
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0] == f'config-file = "{project / "pyproject.toml"}"'
    assert lines[2:6] == ["select = null", 'ignore = ["TL1", "TL2", "TL3", "TL4", "TL5"]',
                          'extend-select = ["TL103"]',  # more specific than TL1: it wins
                          'rules = ["TL001", "TL103", "TL601", "TL603", "TL604", "TL606"]']
    assert "max-patches = 6" in lines
    assert "snapshot-max-lines = 25" in lines


def test_verbose_says_which_configuration_applies(project: Path) -> None:
    result = run_cli(["-v", "--no-cache", "--select", "TL101", "tests/test_clean.py"], project)
    assert result.stderr.splitlines() == [
        "testlint: configuration: none (defaults)",
        f"testlint: project root: {project / 'tests'}",
        "testlint: 1 rules: TL101",
        "testlint: 1 file(s) to lint",
        "testlint: 1 file(s): 0 from the cache, 1 linted, 0 worker process(es)",
        "All checks passed (1 file).",
    ]


NOQA_SUITE = '''
    def test_a():  # noqa: TL101
        run("a")


    def test_b():  # noqa: TL101
        assert run("b") == 1


    def test_c():  # noqa: TL999, E501
        assert run("c") == 1


    def test_d():  # noqa: TL203
        assert run("d") == 1


    def test_e():  # noqa: TL101, TL102
        run("e")


    def test_f():  # noqa: TL102 - explained
        assert run("f") == 1


    def test_g():  # noqa
        assert run("g") == 1


    def test_h():
        assert run("h") == "# noqa: TL999"


    def test_i():  # noqa: TL999, TL001
        assert run("i") == 1
    '''
HIDDEN = "so that a future finding on this line is not hidden"


def test_unused_and_unknown_noqa_codes_are_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_noqa.py": NOQA_SUITE})
    result = run_cli(["--no-cache", "test_noqa.py"], tmp_path)
    assert result.stdout == (
        f"test_noqa.py:5:16: TL001 unused noqa code TL101 (suppresses nothing here); remove it, "
        f"{HIDDEN}\n"
        f"test_noqa.py:9:16: TL001 unused noqa code TL999 (no such rule); remove it, {HIDDEN}\n"
        f"test_noqa.py:17:16: TL001 unused noqa code TL102 (suppresses nothing here); remove it, "
        f"{HIDDEN}\n"
        f"test_noqa.py:21:16: TL001 unused noqa code TL102 (suppresses nothing here); remove it, "
        f"{HIDDEN}\n"
    )
    # TL203 is opt-in: once it runs, its comment is judged too
    selected = run_cli(["--no-cache", "--extend-select", "TL203", "--select", "TL001",
                       "test_noqa.py"], tmp_path)
    assert [line.split(" ", 5)[-1] for line in selected.stdout.splitlines()] == [
        f"TL999 (no such rule); remove it, {HIDDEN}",
        f"TL203 (suppresses nothing here); remove it, {HIDDEN}",
    ]


def test_unused_noqa_codes_are_removed_by_the_safe_fix(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_noqa.py": NOQA_SUITE})
    result = run_cli(["--no-cache", "--fix", "test_noqa.py"], tmp_path)
    assert result.exit_code == 0
    fixed = (tmp_path / "test_noqa.py").read_text(encoding="utf-8").splitlines()
    assert [line for line in fixed if line.startswith("def ")] == [
        "def test_a():  # noqa: TL101",
        "def test_b():",
        "def test_c():  # noqa: E501",
        "def test_d():  # noqa: TL203",
        "def test_e():  # noqa: TL101",
        "def test_f():  # - explained",
        "def test_g():  # noqa",
        "def test_h():",
        "def test_i():  # noqa: TL999, TL001",
    ]


def test_unused_noqa_respects_per_file_ignores(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_noqa.py": NOQA_SUITE,
                           "pyproject.toml": '[tool.testlint.per-file-ignores]\n'
                                             '"test_noqa.py" = ["TL102", "TL001"]\n'})
    assert run_cli(["--no-cache", "-q", "test_noqa.py"], tmp_path).stdout == ""


def test_add_noqa_silences_every_finding_once(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_cart.py": CART, "tests/test_doc.py": '''
        def test_text():
            assert True, """
            many lines
            """
        '''})
    result = run_cli(["--no-cache", "--add-noqa", "tests"], tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "Added 3 noqa comments to 1 file.\n")
    text = (tmp_path / "tests" / "test_cart.py").read_text(encoding="utf-8")
    assert [line for line in text.splitlines() if "noqa" in line] == [
        "def test_single_item():  # noqa: TL101",
        "    with pytest.raises(ValueError):  # noqa: TL104",
        '@pytest.mark.parametrise("n", [1, 2])  # noqa: TL502',
    ]
    # the finding inside a multi-line string's lines has no line to take a comment
    assert run_cli(["--no-cache", "-q", "tests"], tmp_path).stdout == (
        "tests/test_doc.py:2:5: TL102 assertion can never fail: `True` is always true; assert "
        "on the result of the code under test\n")
    again = run_cli(["--no-cache", "--add-noqa", "tests"], tmp_path)
    assert again.stderr == "Added 0 noqa comments to 0 files.\n"


def test_clean_removes_the_caches_and_nothing_else(project: Path) -> None:
    write_files(project, {"sub/tests/test_x.py": CLEAN, "sub/pytest.ini": "[pytest]\n",
                          "keep/CACHEDIR.TAG": "Signature: another tool\n"})
    assert run_cli(["tests"], project).exit_code == 1
    assert run_cli(["sub"], project).exit_code == 0
    assert (project / ".testlint_cache").is_dir()
    assert (project / "sub" / ".testlint_cache").is_dir()
    refused = run_cli(["clean", "--cache-dir", "keep"], project)
    assert (refused.exit_code, refused.stderr) == (
        2, "testlint: error: keep: not a testlint cache directory; nothing removed\n")
    result = run_cli(["clean"], project)
    assert (result.exit_code, result.stderr) == (
        0, "Removed .testlint_cache\nRemoved sub/.testlint_cache\n")
    assert not (project / ".testlint_cache").exists()
    assert (project / "keep" / "CACHEDIR.TAG").is_file()
    assert run_cli(["clean"], project).stderr == "No cache to remove.\n"


def test_every_noqa_code_that_matches_a_finding_is_used(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_noqa.py": "def test_a():  # noqa: TL1, TL101\n    run()\n"})
    result = run_cli(["--no-cache", "--select", "TL1,TL001", "test_noqa.py"], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")


@pytest.mark.parametrize(("args", "message"), [
    (["--stdin-filename", "tests/test_x.py", "tests"],
     "--stdin-filename reads the source from stdin: name no other path"),
    (["--add-noqa", "--fix", "tests"],
     "--add-noqa edits the files: not with --stdin-filename, --fix or --diff"),
])
def test_conflicting_options_are_one_line_and_exit_2(project: Path, args: list[str],
                                                     message: str) -> None:
    result = run_cli(args, project)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"testlint: error: {message}\n")


def test_output_format_in_the_configuration(project: Path) -> None:
    write_files(project, {"pyproject.toml": '[tool.testlint]\noutput-format = "concise"\n'})
    concise = run_cli(["--no-cache", "--select", "TL101", "tests"], project)
    assert concise.stdout == ("tests/test_cart.py:10:5: TL101 test has no assertion: it only "
                              "proves the code does not raise\n")
    flag = run_cli(["--no-cache", "--select", "TL101", "--format", "json-lines", "tests"],
                   project)
    assert flag.stdout.startswith('{"code": "TL101", "name": "no-assertion", "level": "error"')
    write_files(project, {"pyproject.toml": '[tool.testlint]\noutput-format = "short"\n'})
    bad = run_cli(["tests"], project)
    assert (bad.exit_code, bad.stderr) == (2, (
        f"testlint: error: {project / 'pyproject.toml'}: 'output-format' must be one of text, "
        "concise, full, json, json-lines, sarif, github, gitlab, junit, not 'short'\n"))


def test_a_noqa_for_a_rule_that_reads_the_environment_is_not_judged(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_m.py": '''
        import pytest


        @pytest.mark.integration  # noqa: TL501
        def test_m():
            assert run() == 1
        ''', "pytest.ini": "[pytest]\nmarkers =\n    integration: slow\n"})
    result = run_cli(["--no-cache", "test_m.py"], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")
