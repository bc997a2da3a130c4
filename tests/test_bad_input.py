"""Bad input never ends in a traceback: one TL000 per file, and the run goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_files

EMPTY_TEST = "def test_nothing():\n    run()\n"
NO_ASSERTION = (
    "TL101 test has no assertion: it only proves the code does not raise; "
    "assert on the result or the changed state"
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"def test_x(:\n    pass\n",
         "1:12: TL000 could not analyse: syntax error: invalid syntax"),
        (b"", "1:1: TL000 could not analyse: empty file"),
        (b"\x00\x01\x02binary", "1:1: TL000 could not analyse: binary file (contains NUL bytes)"),
        (b"x = 1\ns = '\xe9t\xe9'\n", "2:1: TL000 could not analyse: not valid utf-8 text"),
        (b"# -*- coding: klingon -*-\nx = 1\n",
         "1:1: TL000 could not analyse: invalid encoding declaration: unknown encoding: klingon"),
        (b"x = " + b"-" * 200_000 + b"1\n",
         "1:1: TL000 could not analyse: too deeply nested to parse"),
        (b"def f():\n    return " + b"(" * 300 + b")" * 300 + b"\n",
         "2:212: TL000 could not analyse: syntax error: too many nested parentheses"),
    ],
    ids=["syntax", "empty", "binary", "encoding", "cookie", "nested", "parentheses"],
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
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
