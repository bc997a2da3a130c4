"""What crosses the firewall after a rejection, and how a possible bug is reported.

A proposal that fails on the current code by its own assertion follows the specification where
the code does not: it is reported as a possible bug (text, JSON, SARIF) and never retried, so the
model never sees the actual value. Gate 3's other failures and gate 4's surviving mutants go back
to the model as kinds and behaviours, never as pytest's output, line numbers or operators.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.llm_server import Reply, serve
from tests.test_rewrite import SHOP, answer

TESTS = '''from shop.pricing import discount


def test_small_price():
    discount(10, 10)


def test_result_is_printable():
    discount(1000, 10)


def test_typo():
    discount(2000, 50)
'''

SCRIPT: dict[str, list[str | Reply]] = {
    # 10 % off 10 cents, "rounded down to whole cents", is 9: the model computed 8
    "test_small_price": [answer("def test_small_price():\n    assert discount(10, 10) == 8\n"),
                         answer("def test_small_price():\n    assert discount(10, 10) == 9\n")],
    "test_result_is_printable": [answer("def test_result_is_printable():\n"
                                        "    assert str(discount(1000, 10))\n"),
                                 answer("def test_result_is_printable():\n"
                                        "    assert discount(1000, 10) == 900\n")],
    "test_typo": [answer("def test_typo():\n    assert discount(2000, 50, 'EUR') == 1000\n"),
                  answer("def test_typo():\n    assert discount(2000, 50) == 1000\n")],
}


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "rewrite-shop"
    shutil.copytree(SHOP, target)
    (target / "tests" / "test_pricing.py").write_text(TESTS, encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return target


def _run(shop: Path, *extra: str) -> tuple[object, list[str], list[str]]:
    with serve(SCRIPT) as llm:
        # one run of the whole file: these tests are about what reaches the model, not flakiness
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--run", "--runs", "1",
                          "--max-attempts", "3", *extra, "tests/test_pricing.py"], shop)
    retries = [r.json["messages"][-1]["content"] for r in llm.requests
               if len(r.json["messages"]) > 2]
    return result, [r.target or "" for r in llm.requests], retries


def test_a_possible_bug_is_reported_and_never_retried_and_feedback_carries_no_value(
    shop: Path,
) -> None:
    result, targets, retries = _run(shop, "--format", "json")
    assert targets == ["test_small_price", "test_result_is_printable",
                       "test_result_is_printable", "test_typo", "test_typo"]
    record = json.loads(result.stdout)
    small, printable, typo = record["findings"]
    assert small["outcome"] == "possible-bug"
    assert [a["verdict"] for a in small["attempts"]] == ["possible-bug"]
    bug = small["possible_bug"]
    assert (bug["failure"], bug["spec_of"]) == ("assert 9 == 8", "shop.pricing.discount")
    assert bug["spec"].startswith("Return the price after taking `percent` percent off")
    assert "where 9 = discount(10, 10)" in bug["detail"]
    assert bug["proposal"] == "def test_small_price():\n    assert discount(10, 10) == 8\n"
    assert [(a["verdict"], a["gate"]) for a in printable["attempts"]] == [
        ("rejected", "4"), ("accepted", None)]
    assert [(a["verdict"], a["gate"]) for a in typo["attempts"]] == [
        ("rejected", "3"), ("accepted", None)]
    for attempt in (*printable["attempts"], *typo["attempts"]):
        assert attempt["input_tokens"] == 100
        assert attempt["output_tokens"] == 20
        assert attempt["seconds"] >= 0
    # what went back to the model: behaviours and kinds, no value, line, operator or constant
    gate_4, gate_3 = retries
    told = gate_4.split("broken like this: ", 1)[1]
    assert gate_4.startswith(
        "testlint rejected that proposal at gate 4: the new test catches no more bugs than the "
        "old one: it still passes when the code under test is broken like this: `discount` ")
    assert "`discount` returns None instead of its result in at least one case" in told
    # (argument names may appear: the signature shows them anyway)
    assert re.search(r"\d|>=|<|//|pricing\.py|price_cents \*|percent //", told) is None
    assert gate_3 == (
        "testlint rejected that proposal at gate 3: the new test raised TypeError against the "
        "current code before its assertions could decide; use only the names, fixtures and "
        "calls shown, with the signatures shown\n\n"
        "Answer again with one ```python block holding only the rewritten `test_typo`.")
    # the record says what the mutants made of the old and the new test
    assert printable["attempts"][0]["mutants"]["killed_by_new"] == 0
    assert printable["attempts"][1]["mutants"]["killed_by_old"] == 0
    assert printable["attempts"][1]["mutants"]["killed_by_new"] > 0
    assert printable["attempts"][1]["reason"] == (
        f"kills {printable['attempts'][1]['mutants']['killed_by_new']} of "
        f"{printable['attempts'][1]['mutants']['total']} mutants (old test: 0)")
    assert result.exit_code == 1


def test_a_possible_bug_in_text_and_sarif(shop: Path) -> None:
    # the text report of the possible bug alone (the other findings' rewrites cost mutant runs)
    alone = shop / "tests" / "test_pricing.py"
    alone.write_text(TESTS.split("\n\n\ndef test_result_is_printable")[0] + "\n",
                     encoding="utf-8")
    text, _, _ = _run(shop)
    alone.write_text(TESTS, encoding="utf-8")
    assert ("possible bug: tests/test_pricing.py:4: test_small_price (TL101 rewrite)\n"
            "  the proposed test follows `shop.pricing.discount`: \"Return the price after "
            "taking `percent` percent off, rounded down to whole cents.\"\n"
            "  and fails on the current code: assert 9 == 8\n") in text.stdout
    sarif, _, _ = _run(shop, "--format", "sarif")
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("possible-bug", "warning"), ("rewrite", "note"), ("rewrite", "note")]
    assert results[0]["message"]["text"] == (
        "possible bug: the rewrite of test_small_price (follows `shop.pricing.discount`) fails "
        "on the current code: assert 9 == 8")
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "tests/test_pricing.py"},
        "region": {"startLine": 4, "startColumn": 5}}
