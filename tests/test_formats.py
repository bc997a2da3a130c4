"""CI formats end to end: SARIF (validated against the official 2.1.0 schema), GitHub workflow
commands (escaped as the Actions toolkit does) and JUnit XML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from testlint.catalogue import help_uri
from testlint.finding import Finding
from testlint.registry import load_full_registry
from testlint.report import ReportContext, renderer
from tests.helpers import BROAD_RAISES_MESSAGE, NO_ASSERTION_MESSAGE, run_cli, write_files

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
CART = '''
    import pytest

    from shop import total


    def test_single_item():
        total([1])


    def test_negative():
        with pytest.raises(ValueError):
            total([-1])
    '''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, {"tests/test_cart.py": CART})


def sarif(project: Path, *args: str) -> dict[str, Any]:
    result = run_cli(["--format", "sarif", "--no-cache", *args, "tests"], project)
    assert result.exit_code == 1
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_sarif_is_valid_against_the_official_schema(project: Path) -> None:
    log = sarif(project)
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []


def test_sarif_results_point_at_rules_and_regions(project: Path) -> None:
    run = sarif(project)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = [
        {key: value for key, value in r.items() if key != "partialFingerprints"}
        for r in run["results"]
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    location = {"uri": "tests/test_cart.py", "uriBaseId": "%SRCROOT%"}
    assert results == [
        {
            "ruleId": "TL101",
            "level": "error",
            "message": {"text": NO_ASSERTION_MESSAGE},
            "locations": [{"physicalLocation": {
                "artifactLocation": location,
                "region": {"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 21},
            }}],
            "ruleIndex": index["TL101"],
            "properties": {"test": "test_single_item"},
        },
        {
            "ruleId": "TL104",
            "level": "warning",
            "message": {"text": BROAD_RAISES_MESSAGE},
            "locations": [{"physicalLocation": {
                "artifactLocation": location,
                "region": {"startLine": 11, "startColumn": 10, "endLine": 11, "endColumn": 35},
            }}],
            "ruleIndex": index["TL104"],
            "properties": {"test": "test_negative"},
        },
    ]
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": project.as_uri() + "/"}}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_driver_describes_every_rule_from_its_module(project: Path) -> None:
    driver = sarif(project)["runs"][0]["tool"]["driver"]
    registry = load_full_registry()  # check and verify share one driver
    described = {rule["id"]: rule for rule in driver["rules"]}
    assert sorted(described) == ["TL000", *registry.rules]
    for code, rule in registry.rules.items():
        entry = described[code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"] == {"text": rule.summary}
        assert entry["fullDescription"]["text"] == " ".join(rule.sections["What it does"].split())
        assert entry["helpUri"] == help_uri(rule)
        assert entry["help"]["markdown"].startswith(f"# {code} {rule.name}\n")
        assert entry["defaultConfiguration"] == {"level": rule.level,
                                                 "enabled": rule.default_enabled}


def test_sarif_every_rule_has_help_and_tl000_is_an_error(project: Path) -> None:
    """Microsoft's SARIF validator reports a rule without `help` (GH2012)."""
    driver = sarif(project)["runs"][0]["tool"]["driver"]
    assert [rule["id"] for rule in driver["rules"] if not rule.get("help", {}).get("text")] == []
    tl000 = driver["rules"][0]
    assert (tl000["id"], tl000["defaultConfiguration"]) == ("TL000", {"level": "error"})
    assert tl000["help"]["markdown"].startswith("# TL000 could-not-analyse\n")


def test_one_level_per_rule_in_every_format(project: Path) -> None:
    """TL101 (the test checks nothing) is an error, TL104 (a risk) a warning: in SARIF,
    GitHub, GitLab and JSON alike."""
    levels = [(r["ruleId"], r["level"]) for r in sarif(project)["runs"][0]["results"]]
    assert levels == [("TL101", "error"), ("TL104", "warning")]
    github = run_cli(["--format", "github", "--no-cache", "tests"], project).stdout
    assert [line.split(" ")[0] for line in github.splitlines()] == ["::error", "::warning"]
    gitlab = json.loads(run_cli(["--format", "gitlab", "--no-cache", "tests"], project).stdout)
    assert [(i["check_name"], i["severity"]) for i in gitlab] == [("TL101", "major"),
                                                                   ("TL104", "minor")]
    data = json.loads(run_cli(["--format", "json", "--no-cache", "tests"], project).stdout)
    assert [(f["code"], f["level"]) for f in data] == [("TL101", "error"), ("TL104", "warning")]


def test_every_builtin_rule_declares_its_level() -> None:
    import importlib

    undeclared = [rule.code for rule in load_full_registry().rules.values()
                  if getattr(importlib.import_module(rule.module), "LEVEL", None)
                  not in {"error", "warning"}]
    assert undeclared == []


def test_gitlab_code_quality_report(project: Path) -> None:
    result = run_cli(["--format", "gitlab", "--no-cache", "tests"], project)
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    fingerprints = [issue.pop("fingerprint") for issue in issues]
    assert issues == [
        {"description": f"TL101 {NO_ASSERTION_MESSAGE}", "check_name": "TL101", "severity": "major",
         "location": {"path": "tests/test_cart.py", "lines": {"begin": 6, "end": 6}}},
        {"description": f"TL104 {BROAD_RAISES_MESSAGE}", "check_name": "TL104", "severity": "minor",
         "location": {"path": "tests/test_cart.py", "lines": {"begin": 11, "end": 11}}},
    ]
    assert len(set(fingerprints)) == 2
    assert all(len(fp) == 32 and int(fp, 16) >= 0 for fp in fingerprints)
    # the fingerprint survives lines moving above the finding
    path = project / "tests" / "test_cart.py"
    path.write_text('"""Cart."""\n\n' + path.read_text(encoding="utf-8"), encoding="utf-8")
    moved = json.loads(run_cli(["--format", "gitlab", "--no-cache", "tests"], project).stdout)
    assert [issue["fingerprint"] for issue in moved] == fingerprints


def test_gitlab_fingerprints_are_unique_for_repeated_findings(tmp_path: Path) -> None:
    write_files(tmp_path, {"test_t.py": "def test_t():\n    assert True\n    assert True\n"})
    issues = json.loads(run_cli(["--format", "gitlab", "--no-cache", "."], tmp_path).stdout)
    assert [i["check_name"] for i in issues] == ["TL102", "TL102"]
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_json_lines_is_one_object_a_line(project: Path) -> None:
    result = run_cli(["--format", "json-lines", "--no-cache", "tests"], project)
    whole = json.loads(run_cli(["--format", "json", "--no-cache", "tests"], project).stdout)
    assert [json.loads(line) for line in result.stdout.splitlines()] == whole
    assert result.stdout.count("\n") == 2


def _fingerprints(log: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [
        (
            r["ruleId"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["partialFingerprints"]["testlint/v1"],
        )
        for r in log["runs"][0]["results"]
    ]


def test_sarif_fingerprints_survive_lines_moving_but_not_a_changed_test(project: Path) -> None:
    before = _fingerprints(sarif(project))
    path = project / "tests" / "test_cart.py"
    text = path.read_text(encoding="utf-8")
    # lines above, blank lines and comments inside the test, another indentation of a call
    moved = text.replace("import pytest\n", '"""Cart tests."""\n\nimport pytest\n\n\n')
    moved = moved.replace("    total([1])\n", "    # one item\n\n    total(\n        [1]\n    )\n")
    path.write_text(moved, encoding="utf-8")
    after = _fingerprints(sarif(project))
    assert [(code, fp) for code, _, fp in after] == [(code, fp) for code, _, fp in before]
    assert [line for _, line, _ in before] == [6, 11]
    assert [line for _, line, _ in after] == [10, 19]

    path.write_text(moved.replace("total([-1])", "total([-2])"), encoding="utf-8")
    changed = _fingerprints(sarif(project))
    assert changed[0][2] == after[0][2]  # the untouched test keeps its identity
    assert changed[1][2] != after[1][2]  # the edited test is a new finding


def test_github_annotations_exact(project: Path) -> None:
    result = run_cli(["--format", "github", "--no-cache", "tests"], project)
    assert result.stdout == (
        "::error file=tests/test_cart.py,line=6,col=5,endLine=6,endColumn=21,title=TL101::"
        f"{NO_ASSERTION_MESSAGE}\n"
        "::warning file=tests/test_cart.py,line=11,col=10,endLine=11,endColumn=35,title=TL104::"
        f"{BROAD_RAISES_MESSAGE}\n"
    )
    assert result.exit_code == 1


def test_github_escapes_properties_and_data(tmp_path: Path) -> None:
    write_files(tmp_path, {"tests/test_50%,a:b.py": "def test_x():\n    run()\n"})
    result = run_cli(["--format", "github", "--no-cache", "tests"], tmp_path)
    assert result.stdout == (
        "::error file=tests/test_50%25%2Ca%3Ab.py,line=1,col=5,endLine=1,endColumn=11,"
        f"title=TL101::{NO_ASSERTION_MESSAGE}\n"
    )
    odd = Finding(path="t.py", line=1, col=1, code="TL999", name="x",
                  message="100% sure,\r\nreally: yes", end_line=1, end_col=1)
    assert renderer("github")([odd], ReportContext()) == (
        "::warning file=t.py,line=1,col=1,endLine=1,title=TL999::100%25 sure,%0D%0Areally: yes\n"
    )


def test_junit_lists_one_failed_case_per_finding(project: Path) -> None:
    result = run_cli(["--format", "junit", "--no-cache", "tests"], project)
    root = ET.fromstring(result.stdout)
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "2")
    cases = [
        (suite.get("name"), case.get("name"), case.get("line"), case.find("failure").get("message"))
        for suite in root
        for case in suite
        if case.find("failure") is not None
    ]
    assert cases == [
        ("tests/test_cart.py", "TL101 no-assertion (line 6)", "6", NO_ASSERTION_MESSAGE),
        ("tests/test_cart.py", "TL104 raises-without-match (line 11)", "11", BROAD_RAISES_MESSAGE),
    ]


def test_junit_clean_run_is_one_passing_case(project: Path) -> None:
    write_files(project, {"tests/test_cart.py": "def test_ok():\n    assert 1 + 1 == 2\n"})
    result = run_cli(["--format", "junit", "--no-cache", "tests"], project)
    assert result.exit_code == 0
    assert result.stdout == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<testsuites name="testlint" tests="1" failures="0" errors="0">\n'
        '  <testsuite name="testlint" tests="1" failures="0" errors="0" skipped="0">\n'
        '    <testcase name="No findings" classname="testlint" />\n'
        "  </testsuite>\n"
        "</testsuites>\n"
    )
