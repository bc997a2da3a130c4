"""Every rule keeps its contract: docs, examples and fixture files are run as tests here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from testlint.engine import lint_text
from testlint.registry import load_registry
from testlint.rules.base import SECTIONS

REGISTRY = load_registry()
RULES = list(REGISTRY.rules.values())
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")


def _examples(kind: str) -> list[tuple[str, int, str]]:
    cases = []
    for rule in RULES:
        sources = rule.invalid if kind == "invalid" else rule.valid
        cases += [(rule.code, i, source) for i, source in enumerate(sources)]
    return cases


def _doc_examples(section: str) -> list[tuple[str, int, str]]:
    return [
        (rule.code, i, source)
        for rule in RULES
        for i, source in enumerate(rule.code_examples(section))
    ]


def _codes(source: str, code: str) -> list[str]:
    return [f.code for f in lint_text(source, select=[code])]


@pytest.mark.parametrize(("code", "index", "source"), _examples("invalid"))
def test_invalid_example_fires(code: str, index: int, source: str) -> None:
    assert code in _codes(source, code)


@pytest.mark.parametrize(("code", "index", "source"), _examples("valid"))
def test_valid_example_is_silent(code: str, index: int, source: str) -> None:
    assert _codes(source, code) == []


@pytest.mark.parametrize(("code", "index", "source"), _doc_examples("Example"))
def test_doc_example_fires(code: str, index: int, source: str) -> None:
    assert code in _codes(source, code)


@pytest.mark.parametrize(("code", "index", "source"), _doc_examples("Use instead"))
def test_doc_use_instead_is_silent(code: str, index: int, source: str) -> None:
    assert _codes(source, code) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_every_doc_section_in_order(rule) -> None:
    assert list(rule.sections) == list(SECTIONS)
    assert all(rule.sections[name].strip() for name in SECTIONS)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_examples_parse_and_exist(rule) -> None:
    sources = [*rule.valid, *rule.invalid, *rule.code_examples("Example"),
               *rule.code_examples("Use instead")]
    for source in sources:
        ast.parse(source)
    assert rule.invalid
    assert rule.valid
    assert rule.code_examples("Example")
    assert rule.code_examples("Use instead")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_options_are_documented(rule) -> None:
    documented = set(re.findall(r"`([a-z][a-z0-9-]+)`", rule.sections["Options"]))
    assert {spec.key for spec in rule.options} <= documented
    if not rule.options:
        assert rule.sections["Options"].strip() == "None."


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_a_fixture_file(rule) -> None:
    assert (FIXTURES / f"{rule.code}.py").is_file()


def _fixture_files() -> list[Path]:
    return sorted(FIXTURES.glob("TL*.py"))


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: p.stem)
def test_fixture_expectations(path: Path) -> None:
    """Lines marked `# expect: TLxxx` fire exactly; every other line stays silent."""
    code = path.stem
    text = path.read_text(encoding="utf-8")
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for found in re.split(r"\s*,\s*", match.group("codes")):
                if found == code:
                    expected.add((number, found))
    actual = {(f.line, f.code) for f in lint_text(text, path=f"test_{code}.py", select=[code])}
    assert actual == expected
    assert expected, "a fixture file needs at least one case that fires"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_fixes_match_its_declared_fix_kind(rule) -> None:
    """FIX = "none" attaches no fix; "unsafe" only unsafe ones; "safe"/"unsafe" at least one
    on its invalid examples or fixture (the catalogue and SARIF tags read FIX)."""
    sources = [*rule.invalid, (FIXTURES / f"{rule.code}.py").read_text(encoding="utf-8")]
    fixes = [
        f.fix
        for source in sources
        for f in lint_text(source, path=f"test_{rule.code}.py", select=[rule.code])
        if f.fix is not None
    ]
    if rule.fix == "none":
        assert fixes == []
    else:
        assert fixes
    if rule.fix == "unsafe":
        assert [fix for fix in fixes if fix.safe] == []
