"""Bad input never ends in a traceback: one TL000 per file, and the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import NO_ASSERTION, run_cli, write_files

EMPTY_TEST = "def test_nothing():\n    run()\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"def test_x(:\n    pass\n",
         "1:12: TL000 could not analyse: syntax error: invalid syntax"),
        (b"\x00\x01\x02binary", "1:1: TL000 could not analyse: binary file (contains NUL bytes)"),
        (b"x = 1\ns = '\xe9t\xe9'\n", "2:1: TL000 could not analyse: not valid utf-8 text"),
        (b"# -*- coding: klingon -*-\nx = 1\n",
         "1:1: TL000 could not analyse: invalid encoding declaration: unknown encoding: klingon"),
        (b"x = " + b"-" * 200_000 + b"1\n",
         "1:1: TL000 could not analyse: too deeply nested to parse"),
        (b"def f():\n    return " + b"(" * 300 + b")" * 300 + b"\n",
         "2:212: TL000 could not analyse: syntax error: too many nested parentheses"),
    ],
    ids=["syntax", "binary", "encoding", "cookie", "nested", "parentheses"],
)
def test_unreadable_file_gives_one_tl000_and_the_run_goes_on(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    (tmp_path / "test_bad.py").write_bytes(content)
    write_files(tmp_path, {"test_good.py": EMPTY_TEST})
    result = run_cli(["."], tmp_path)
    assert result.stdout.splitlines() == [
        f"test_bad.py:{expected}",
        f"test_good.py:1:5: {NO_ASSERTION}",
    ]
    assert result.exit_code == 1


def test_latin1_with_coding_cookie_is_fine(tmp_path: Path) -> None:
    (tmp_path / "test_latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\ndef test_x():\n    assert name() == '\xe9t\xe9'\n"
    )
    result = run_cli(["test_latin.py"], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")


def test_columns_are_characters_not_bytes(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_u.py": (
        "import pytest\n\ndef test_ü():\n    é = 1; assert é; pytest.raises(ValueError, f)\n"
    )})
    result = run_cli(["--select", "TL104", "test_u.py"], tmp_path)
    assert result.stdout.startswith("test_u.py:4:22: TL104")


def test_crlf_and_bom_files(tmp_path: Path) -> None:
    (tmp_path / "test_crlf.py").write_bytes(b"\xef\xbb\xbfdef test_x():\r\n    run()\r\n")
    result = run_cli(["test_crlf.py"], tmp_path)
    assert result.stdout == f"test_crlf.py:1:5: {NO_ASSERTION}\n"


def test_deep_but_parseable_expression_does_not_crash(tmp_path: Path) -> None:
    nested = "-" * 2_000 + "1"
    write_files(tmp_path, {"test_deep.py": f"def test_x():\n    assert f() == {nested}\n"})
    result = run_cli(["test_deep.py"], tmp_path)
    assert result.exit_code in {0, 1}
    assert "internal error" not in result.stdout


def test_syntax_warnings_of_the_linted_code_are_not_printed(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_files(tmp_path, {"test_w.py": "def test_x():\n    assert 1() == '\\d'\n"})
    result = subprocess.run([sys.executable, "-m", "testlint", "test_w.py"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "", "All checks passed (1 file).\n")


@pytest.mark.parametrize("content", [b"", b"  \n\n\t\n", b"\n"], ids=["empty", "blank", "newline"])
def test_an_empty_or_blank_test_file_is_fine(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "test_empty.py").write_bytes(content)
    result = run_cli(["test_empty.py"], tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "All checks passed (1 file).\n")


def test_a_fifo_in_the_tree_is_skipped_and_a_named_one_refused(tmp_path: Path) -> None:
    import os

    write_files(tmp_path, {"test_good.py": EMPTY_TEST})
    os.mkfifo(tmp_path / "test_fifo.py")  # reading it would block forever
    walked = run_cli(["."], tmp_path)
    assert (walked.exit_code, walked.stdout) == (1, f"test_good.py:1:5: {NO_ASSERTION}\n")
    named = run_cli(["test_fifo.py"], tmp_path)
    assert (named.exit_code, named.stdout, named.stderr) == (
        2, "", "testlint: error: test_fifo.py: not a regular file or directory\n")
    device = run_cli([os.devnull], tmp_path)
    assert (device.exit_code, device.stderr) == (
        2, f"testlint: error: {os.devnull}: not a regular file or directory\n")


def test_a_directory_without_test_files_is_said_so(tmp_path: Path) -> None:
    write_files(tmp_path, {"docs/conf.py": "x = 1\n"})
    named = run_cli(["docs"], tmp_path)
    assert (named.exit_code, named.stdout, named.stderr) == (
        2, "", "testlint: error: no test files found under docs (pytest's python_files: "
        "test_*.py *_test.py)\n")
    default = run_cli([], tmp_path / "docs")
    assert (default.exit_code, default.stdout, default.stderr) == (
        0, "", "testlint: no test files found under . (pytest's python_files: "
        "test_*.py *_test.py)\n")
    assert run_cli(["-q"], tmp_path / "docs").stderr == ""


def test_a_thousand_term_call_is_analysed_in_a_pool_too(tmp_path: Path) -> None:
    """ast.dump of the test recursed past the limit in the fingerprint, and in a worker
    process that stopped the whole run."""
    terms = "+".join(["1"] * 1000)
    files = {f"test_{n}.py": f"def test_x():\n    f({terms})\n" for n in range(4)}
    files |= {f"test_ok{n}.py": EMPTY_TEST for n in range(8)}
    write_files(tmp_path, files)
    result = run_cli(["--jobs", "2", "--no-cache", "."], tmp_path)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == sorted(files)
    assert all(f": {NO_ASSERTION}" in line for line in result.stdout.splitlines())


def test_gitignore_lines_git_cannot_read_are_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write_files(tmp_path, {".gitignore": "!\n\\\n[z-a]\ntest_ignored.py\n",
                           "test_ignored.py": EMPTY_TEST, "test_kept.py": EMPTY_TEST})
    result = run_cli(["."], tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, f"test_kept.py:1:5: {NO_ASSERTION}\n", "")


@pytest.mark.parametrize("output_format", ["text", "json", "sarif", "github", "junit"])
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(
    tmp_path: Path, output_format: str
) -> None:
    import os
    import subprocess
    import sys

    name = os.fsdecode(b"test_\xff.py")
    (tmp_path / name).write_text(EMPTY_TEST)
    result = subprocess.run([sys.executable, "-m", "testlint", "--format", output_format, "."],
                            cwd=tmp_path, capture_output=True, check=False)
    assert (result.returncode, result.stderr) == (1, b"")
    expected = b"test_%FF.py" if output_format == "sarif" else b"test_\xff.py"
    assert expected in result.stdout


@pytest.mark.parametrize(
    ("shard", "why"),
    [('{"k": {"h": 1, "d": 5, "f": []}}', "wrong shape"),
     ("[" * 100_000 + "]" * 100_000, "nested past the parser")],
    ids=["wrong-shape", "deep"],
)
def test_a_broken_cache_is_linted_afresh(tmp_path: Path, shard: str, why: str) -> None:
    write_files(tmp_path, {"test_good.py": EMPTY_TEST})
    first = run_cli(["."], tmp_path)
    shards = list((tmp_path / ".testlint_cache").rglob("*.json"))
    assert shards, why
    for path in shards:
        text = path.read_text()
        if shard.startswith("{"):  # keep the real key so that the lookup reaches the entry
            import json

            data = json.loads(text)
            text = json.dumps({key: {"h": "x", "d": 5, "f": 7} for key in data})
            path.write_text(text)
        else:
            path.write_text(shard)
    again = run_cli(["."], tmp_path)
    assert (again.exit_code, again.stdout, again.stderr) == (
        first.exit_code, first.stdout, first.stderr)


@pytest.mark.parametrize(
    ("baseline", "expected"),
    [('{"testlint-baseline": 1, "findings": 5}', '"findings" must be a list of entries'),
     ('{"testlint-baseline": 1, "findings": [{"path": "a", "code": "TL101", '
      '"fingerprint": "f", "count": 1e400}]}',
      "entry 1 lacks path, code or fingerprint, or its count is not a whole number"),
     ("[" * 100_000 + "]" * 100_000, "baseline is nested too deeply to read")],
    ids=["findings-not-a-list", "count-overflows", "deep"],
)
def test_a_malformed_baseline_is_one_clear_line(
    tmp_path: Path, baseline: str, expected: str
) -> None:
    write_files(tmp_path, {"test_good.py": EMPTY_TEST, "baseline.json": baseline})
    result = run_cli(["--baseline", "baseline.json", "."], tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"testlint: error: baseline.json: {expected}\n"


@pytest.mark.parametrize("where", ["--ignore", "config"])
def test_tl000_can_be_ignored_and_selected(tmp_path: Path, where: str) -> None:
    write_files(tmp_path, {"test_bad.py": "def test_x(:\n", "test_good.py": EMPTY_TEST})
    if where == "config":
        write_files(tmp_path, {"pyproject.toml": '[tool.testlint]\nignore = ["TL000"]\n'})
        ignored = run_cli(["."], tmp_path)
    else:
        ignored = run_cli(["--ignore", "TL000", "."], tmp_path)
    assert (ignored.exit_code, ignored.stdout) == (1, f"test_good.py:1:5: {NO_ASSERTION}\n")
    selected = run_cli(["--select", "TL000", "."], tmp_path)
    assert (selected.exit_code, selected.stdout) == (
        1, "test_bad.py:1:12: TL000 could not analyse: syntax error: invalid syntax\n")


@pytest.mark.parametrize(
    ("setting", "shown"),
    [("max-patches = -5", "'max-patches' must be a finite number >= 0, not -5"),
     ("similarity-threshold = nan", "'similarity-threshold' must be a finite number >= 0, not nan"),
     ("snapshot-max-lines = inf", "'snapshot-max-lines' must be an integer")],
)
def test_option_values_out_of_range_are_refused(tmp_path: Path, setting: str, shown: str) -> None:
    write_files(tmp_path, {"pyproject.toml": f"[tool.testlint]\n{setting}\n",
                           "test_good.py": EMPTY_TEST})
    result = run_cli(["."], tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"testlint: error: {tmp_path / 'pyproject.toml'}: {shown}\n"


def test_an_internal_error_exits_3_with_one_line(tmp_path: Path) -> None:
    """A crash that slips through every guard is not exit 1, which means "findings"."""
    import subprocess
    import sys

    write_files(tmp_path, {"test_good.py": EMPTY_TEST})
    # a real fault: the standard output is closed under the process, so writing the report fails
    code = ("import sys, os; os.close(1); from testlint.cli import console_main; "
            "sys.argv = ['testlint', 'test_good.py']; console_main()")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("testlint: internal error: OSError: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("name", "content", "shown"),
    [
        ("pytest.ini", "[pytest]\nmarkers =\n  slow: slow tests\n[broken\n",
         "pytest.ini:4:1: TL000 could not analyse: pytest cannot read this config file: "
         "cannot be parsed as an ini file"),
        ("tox.ini", "not a section\n[pytest]\nmarkers = slow\n",
         "tox.ini:1:1: TL000 could not analyse: pytest cannot read this config file: "
         "a line before the first [section]"),
        ("setup.cfg", "[tool:pytest]\nmarkers =\n  slow\n[metadata\n",
         "setup.cfg:4:1: TL000 could not analyse: pytest cannot read this config file: "
         "cannot be parsed as an ini file"),
    ],
    ids=["pytest-ini", "tox-ini", "setup-cfg"],
)
def test_a_config_file_pytest_cannot_read_is_reported_not_used(
    tmp_path: Path, name: str, content: str, shown: str
) -> None:
    """pytest refuses to run with it; testlint says so once, at the file, and does not ask for
    the marker to be declared in the file that declares it."""
    write_files(tmp_path, {
        name: content,
        "test_marked.py": "import pytest\n\n@pytest.mark.slow\ndef test_x():\n"
                          "    assert f() == 1\n",
    })
    result = run_cli(["."], tmp_path)
    assert (result.exit_code, result.stdout) == (1, shown + "\n")


def test_a_conftest_that_cannot_be_imported_is_reported_once(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\n",
        "conftest.py": "import pytest\n",
        "tests/conftest.py": "def fixture(:\n",
        "tests/test_a.py": "def test_a():\n    assert f() == 1\n",
        "tests/test_b.py": "def test_b():\n    assert f() == 2\n",
        "other/conftest.py": "def broken(:\n",  # no linted test below it: pytest never imports it
    })
    result = run_cli(["tests"], tmp_path)
    assert (result.exit_code, result.stdout) == (1, (
        "tests/conftest.py:1:13: TL000 could not analyse: pytest cannot import this conftest: "
        "syntax error: invalid syntax\n"
    ))
    ignored = run_cli(["--ignore", "TL000", "tests"], tmp_path)
    assert (ignored.exit_code, ignored.stdout) == (0, "")


def test_a_pyproject_that_is_not_toml_stops_the_run_with_one_line(tmp_path: Path) -> None:
    """testlint reads its own settings from that file too: a usage error, as pytest's."""
    write_files(tmp_path, {"pyproject.toml": '[tool.pytest.ini_options]\nmarkers = ["slow"\n',
                           "test_x.py": EMPTY_TEST})
    result = run_cli(["."], tmp_path)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"testlint: error: {tmp_path / 'pyproject.toml'}: invalid TOML: "
                             "Unclosed array (at end of document)\n")
