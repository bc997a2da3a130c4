"""`testlint baseline` and `check --baseline`: adopt testlint on a legacy suite, fail on new
findings only, and learn when baseline entries went stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import NO_ASSERTION, run_cli, write_files

LEGACY = {
    "tests/test_legacy.py": '''
        from shop import total


        def test_one():
            total([1])


        def test_two():
            total([2])
        ''',
    "tests/test_other.py": '''
        from shop import total


        def test_three():
            total([3])
        ''',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_files(tmp_path, LEGACY)
    result = run_cli(["baseline", "tests", "-o", "baseline.json"], tmp_path)
    assert result.exit_code == 0
    assert result.stderr == "testlint: recorded 3 finding(s) in 2 file(s) to baseline.json\n"
    return tmp_path


def check(project: Path, *paths: str) -> tuple[int, str, str]:
    result = run_cli(["check", "--baseline", "baseline.json", *(paths or ("tests",))], project)
    return result.exit_code, result.stdout, result.stderr


def test_baseline_file_is_stable_and_line_free(project: Path) -> None:
    data = json.loads((project / "baseline.json").read_text(encoding="utf-8"))
    assert data["testlint-baseline"] == 1
    assert [(e["path"], e["code"], e["test"], e["count"]) for e in data["findings"]] == [
        ("tests/test_legacy.py", "TL101", "test_one", 1),
        ("tests/test_legacy.py", "TL101", "test_two", 1),
        ("tests/test_other.py", "TL101", "test_three", 1),
    ]
    assert "line" not in data["findings"][0]
    again = run_cli(["baseline", "tests", "-o", "again.json"], project)
    assert again.exit_code == 0
    assert (project / "again.json").read_text() == (project / "baseline.json").read_text()


PASSED_2 = "All checks passed (2 files).\n"


def test_known_findings_pass(project: Path) -> None:
    assert check(project) == (0, "", PASSED_2)


def test_findings_survive_edits_above_them(project: Path) -> None:
    path = project / "tests" / "test_legacy.py"
    path.write_text('"""Legacy tests."""\n\nimport pytest\n' + path.read_text(), encoding="utf-8")
    assert check(project) == (0, "", PASSED_2)


@pytest.mark.parametrize(
    ("edited", "still_known"),
    [
        # comments, blank lines and indentation are not the test's code
        ('def test_t():  # legacy\n\n        # why\n        assert "a #b" == "a #b"  # same\n',
         True),
        ('class TestT:\n    def test_t(self):\n        assert "a #b" == "a #b"\n', False),
        # a `#` inside a string literal is code, not a comment: changing what follows it counts
        ('def test_t():\n    assert "a #c" == "a #c"\n', False),
    ],
)
def test_fingerprints_read_the_test_s_tokens(tmp_path: Path, edited: str,
                                             still_known: bool) -> None:
    write_files(tmp_path, {"tests/test_t.py": 'def test_t():\n    assert "a #b" == "a #b"\n'})
    assert run_cli(["baseline", "tests", "-o", "baseline.json"], tmp_path).exit_code == 0
    (tmp_path / "tests" / "test_t.py").write_text(edited, encoding="utf-8")
    code, out, _ = check(tmp_path)
    assert (code == 0, out == "") == (still_known, still_known)


def test_new_findings_fail_and_only_they_are_reported(project: Path) -> None:
    path = project / "tests" / "test_legacy.py"
    path.write_text(path.read_text() + "\n\ndef test_new():\n    total([4])\n", encoding="utf-8")
    code, out, err = check(project)
    assert (code, out, err) == (1, f"tests/test_legacy.py:12:5: {NO_ASSERTION}\n", "")


def test_identical_findings_in_one_test_are_counted(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_t.py": "def test_t():\n    assert True\n    assert True\n"})
    assert run_cli(["baseline", "tests", "-o", "baseline.json"], tmp_path).exit_code == 0
    data = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert [(e["code"], e["count"]) for e in data["findings"]] == [("TL102", 2)]
    assert check(tmp_path) == (0, "", "All checks passed (1 file).\n")


def test_an_edited_test_is_held_to_the_new_standard(tmp_path: Path) -> None:
    # the fingerprint covers the normalised test: once someone edits a test, its findings show
    write_files(tmp_path, {"tests/test_t.py": "def test_t():\n    assert True\n"})
    assert run_cli(["baseline", "tests", "-o", "baseline.json"], tmp_path).exit_code == 0
    write_files(tmp_path, {"tests/test_t.py": "def test_t():\n    x = 1\n    assert True\n"})
    code, out, err = check(tmp_path)
    assert [line.split(" ")[:2] for line in out.splitlines()] == [["tests/test_t.py:3:5:", "TL102"]]
    assert (code, err) == (1, "testlint: warning: 1 baseline entry no longer matches a finding "
                              "(fixed, or the test changed); run `testlint baseline -o "
                              "baseline.json` with the same paths to update it\n")


def test_fixed_findings_are_counted_as_stale(project: Path) -> None:
    path = project / "tests" / "test_legacy.py"
    path.write_text(path.read_text().replace("    total([1])", "    assert total([1]) == 1"),
                    encoding="utf-8")
    code, out, err = check(project)
    assert (code, out) == (0, "")
    assert err == (
        "testlint: warning: 1 baseline entry no longer matches a finding (fixed, or the test "
        "changed); run `testlint baseline -o baseline.json` with the same paths to update it\n"
        + PASSED_2
    )


def test_files_not_checked_are_not_stale(project: Path) -> None:
    # a pre-commit run over one file must not call the other files' entries stale
    assert check(project, "tests/test_other.py") == (0, "", "All checks passed (1 file).\n")


def test_rules_not_selected_are_not_stale(project: Path) -> None:
    result = run_cli(["check", "--baseline", "baseline.json", "--select", "TL104", "tests"],
                     project)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", PASSED_2)


def test_baseline_works_from_another_directory(project: Path) -> None:
    result = run_cli(["check", "--baseline", "../baseline.json", "."], project / "tests")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", PASSED_2)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "baseline.json: baseline file not found"),
        ("{", "baseline.json: baseline is not valid JSON: Expecting property name enclosed in "
              "double quotes: line 1 column 2 (char 1)"),
        ('{"findings": []}', "baseline.json: not a testlint baseline (version 1); write one "
                             "with `testlint baseline PATH... -o FILE`"),
    ],
)
def test_a_bad_baseline_is_a_usage_error(tmp_path: Path, content: str | None, error: str) -> None:
    write_files(tmp_path, LEGACY)
    if content is not None:
        (tmp_path / "baseline.json").write_text(content, encoding="utf-8")
    code, out, err = check(tmp_path)
    assert (code, out, err) == (2, "", f"testlint: error: {error}\n")
