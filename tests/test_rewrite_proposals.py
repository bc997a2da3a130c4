"""The scripted proposal set: proposals over several rules against a small store project
(fixtures/projects/rewrite-gates), through `testlint rewrite` and a real HTTP server on 127.0.0.1.
The gates must accept exactly the good proposals, and every verdict's reason is asserted.

Each scenario runs the CLI once over one test file; a proposal's verdict is the line
`path:line:col: CODE test: proposal N ...` on stderr.
"""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.llm_server import FakeLLM, Reply, serve

GATES = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "rewrite-gates"
def _body_lines(path: Path) -> list[str]:
    """Every line of the functions' bodies, docstrings left out: what the firewall hides."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for statement in body:
                end = statement.end_lineno or statement.lineno
                out += [ln.strip() for ln in lines[statement.lineno - 1:end] if ln.strip()]
    return out


IMPLEMENTATION_LINES = [line for name in ("pricing.py", "catalog.py", "cart.py")
                        for line in _body_lines(GATES / "src" / "store" / name)]


def answer(code: str) -> str:
    return f"Here is the rewritten test:\n\n```python\n{textwrap.dedent(code)}```\n"


@dataclass
class Outcome:
    path: str
    lines: list[str]  # the verdict lines on stderr (the funnel left out)
    stdout: str
    llm: FakeLLM
    exit_code: int

    def verdicts(self) -> list[str]:
        return [line[len(self.path) + 1:] for line in self.lines]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "rewrite-gates"
    shutil.copytree(GATES, target)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    # the runs of a proposal alone inherit this seed; the runs of the whole file set their own
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    return target


def rewrite(project: Path, path: str, script: dict[str, list[str | Reply]], *flags: str
            ) -> Outcome:
    with serve(script) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", *flags, path], project)
    lines = [ln for ln in result.stderr.splitlines()
             if ln.startswith(path) and any(w in ln for w in (": proposal ", ": answer ",
                                                              ": skipped: "))]
    # no request ever carries a line of the implementation (the firewall)
    for line in IMPLEMENTATION_LINES:
        assert line not in llm.bodies()
    return Outcome(path, lines, result.stdout, llm, result.exit_code)


# ---- gate 3 with the whole file: shared state and flakiness --------------------------------------


CATALOG: dict[str, list[str | Reply]] = {
    "test_set_price": [
        # changes the apple price that test_apple_price reads: breaks its neighbour
        answer('''
            def test_set_price():
                set_price("apple", 99)
                assert price("apple") == 99
            '''),
        answer('''
            def test_set_price():
                set_price("pear", 80)
                assert price("pear") == 80
            '''),
    ],
    "test_tags": [
        # a set's order depends on the hash seed: this is its order under seed 0 only
        answer('''
            def test_tags():
                assert tags() == ["local", "fruit", "organic", "fresh"]
            '''),
        answer('''
            def test_tags():
                assert sorted(tags()) == ["fresh", "fruit", "local", "organic"]
            '''),
    ],
}


def test_a_proposal_that_breaks_a_neighbour_or_depends_on_order_is_rejected(store: Path) -> None:
    out = rewrite(store, "tests/test_catalog.py", CATALOG, "--run", "--max-attempts", "2")
    assert out.verdicts() == [
        "4:5: TL101 test_set_price: proposal 1 rejected at gate 3 (passes under pytest): the new "
        "test breaks `test_apple_price`, which passes without it (run 1 of 5: the whole file, as "
        "written, PYTHONHASHSEED=1)",
        "4:5: TL101 test_set_price: proposal 2 accepted: kills 1 of 1 mutants (old test: 0)",
        "12:5: TL101 test_tags: proposal 1 rejected at gate 3 (passes under pytest): the new "
        "test is flaky: it passes alone but fails with the rest of its file (run 1 of 5: the "
        "whole file, as written, PYTHONHASHSEED=1)",
        "12:5: TL101 test_tags: proposal 2 accepted: kills 5 of 5 mutants (old test: 0)",
    ]
    feedback = [r.json["messages"][-1]["content"] for r in out.llm.requests
                if len(r.json["messages"]) > 2]
    assert feedback[0].startswith(
        "testlint rejected that proposal at gate 3: with the new test in the file, "
        "`test_apple_price` fails: the new test changes state the other tests share")
    assert feedback[1].startswith(
        "testlint rejected that proposal at gate 3: the new test is flaky: it passes in one run "
        "and fails in another (the runs vary the order of the file's tests and the hash seed)")
    assert "organic', 'local'" not in out.llm.bodies()  # the actual order never goes back
    assert out.exit_code == 0


# ---- without --run: gates 1 and 2, and the answers that are not proposals -----------------------

RULES = "TL101,TL102,TL103,TL301,TL605"
STATIC: dict[str, list[str | Reply]] = {
    "test_ten_percent_off": [  # TL101
        answer("def test_ten_percent_off(:\n    assert discount(2000, 10) == 1800\n"),
        answer('''
            def discount(price_cents, percent):
                return 1800


            def test_ten_percent_off():
                assert discount(2000, 10) == 1800
            '''),
        answer('''
            def ten_percent_off(price):
                return discount(price, 10)


            def test_ten_percent_off():
                assert ten_percent_off(2000) == 1800
            '''),
        answer('''
            import os

            def test_ten_percent_off():
                assert discount(2000, 10) == 1800
            '''),
        answer('''
            def test_ten_percent_off():
                assert discount(2000, 10) == Decimal("1800")
            '''),
        answer('''
            def test_ten_percent_off():
                assert discount(2000, 10) is not None
            '''),
        answer('''
            def test_ten_percent_off():
                assert isinstance(discount(2000, 10), int)
            '''),
        answer('''
            def test_ten_percent_off(price_cents):
                assert discount(price_cents, 10) == 1800
            '''),
        answer('''
            def test_ten_percent_off():
                assert discount(2000, 10) == 1800
            '''),
    ],
    "test_full_discount_is_free": [  # TL102
        Reply(text=""),
        Reply(text="```python\ndef test_full_discount_is_free():\n    assert discount(",
              truncated=True),
        Reply(refused=True),
        Reply(status=429, retry_after="0"),
        Reply(status=500, retry_after="0"),
        Reply(text="x" * 400, drip=0.05),  # one byte every 50 ms: past --timeout 1, retried
        "The old test:\n\n```python\ndef test_full_discount_is_free():\n"
        '    assert (discount(1000, 100) == 0, "a full discount makes the item free")\n```\n\n'
        "The fix drops the tuple:\n\n```python\ndef test_full_discount_is_free():\n"
        '    assert discount(1000, 100) == 0, "a full discount makes the item free"\n'
        "    assert discount(1000, 150) == 0\n```\n",
    ],
    "test_label_exists": [  # TL103
        answer('''
            def test_label_exists():
                assert isinstance(label(1999), str)
            '''),
        answer('''
            import random

            def test_label_exists():
                cents = random.randint(100, 199)
                assert label(cents).startswith("1.")
            '''),
        answer('''
            def test_label_exists():
                assert label(1999) == f"{1999 // 100}.{1999 % 100:02d} EUR"
            '''),
        '~~~python title="tests/test_pricing.py"\ndef test_label_exists():\n'
        '    assert label(1999) == "19.99 EUR"\n~~~\n',
    ],
    "test_quarter_off": [  # TL301: every spelling of the mirror
        answer('''
            def test_quarter_off():
                expected = 2000 - 2000 * 25 // 100
                assert discount(2000, 25) == expected
            '''),
        answer('''
            def test_quarter_off():
                price, percent = 2000, 25
                assert discount(price, percent) == price - price * percent // 100
            '''),
        answer('''
            def test_quarter_off():
                assert discount(2000, 25) == 2000 - (2000 * 25) // 100
            '''),
        answer('''
            def test_quarter_off():
                time.sleep(0.1)
                assert discount(2000, 25) == 1500
            '''),
        "```python\ndef test_quarter_off():\n    assert discount(2000, 25) == 1500\n",  # unclosed
    ],
    "test_half_off": [  # TL605
        answer('''
            def test_half_off():
                result = discount(1000, 50)
                if result:
                    assert result == 500
            '''),
        answer('''
            import pytest
            from store.pricing import discount

            @pytest.mark.parametrize(("percent", "expected"), [(50, 500), (0, 1000), (100, 0)])
            def test_half_off(percent, expected):
                assert discount(1000, percent) == expected
            '''),
    ],
    # good at once (without --run nobody checks them against the code: see the --run set)
    "test_small_price": [answer("def test_small_price():\n    assert discount(10, 10) == 9\n")],
    "test_rounding": [answer("def test_rounding():\n    assert discount(999, 10) == 900\n")],
    "test_label_cents": [answer('def test_label_cents():\n    assert label(5) == "0.05 EUR"\n')],
}
GATE_1 = "rejected at gate 1 (one function, only the target test)"
GATE_2 = "rejected at gate 2 (re-lint: finding gone, nothing new)"
WEAK = ("the new test brings a new finding: line 4: TL103 only weak assertions (existence, "
        "type, truthiness): they pass for almost any wrong result; assert the expected value")
MIRROR = ("TL301 still fires on the new test: expected value re-computes store.pricing.discount "
          "(pricing.py:11), so it agrees with every bug there; use an independent oracle: a "
          "literal from the spec, a table of worked examples, or a property")


def test_without_run_gates_1_and_2_accept_exactly_the_good_proposals(store: Path) -> None:
    out = rewrite(store, "tests/test_pricing.py", STATIC, "--select", RULES, "--max-attempts",
                  "9", "--timeout", "1")
    assert out.verdicts() == [
        f"4:5: TL101 test_ten_percent_off: proposal 1 {GATE_1}: the answer does not parse: "
        "parser error: error at 2:4: expected one of ), *, **, NAME (line 2, column 0)",
        f"4:5: TL101 test_ten_percent_off: proposal 2 {GATE_1}: the answer defines `discount`, "
        "`test_ten_percent_off`; it may replace only the target test `test_ten_percent_off` and "
        "must not edit any other function",
        f"4:5: TL101 test_ten_percent_off: proposal 3 {GATE_1}: the answer defines "
        "`ten_percent_off`, `test_ten_percent_off`; it may replace only the target test "
        "`test_ten_percent_off` and must not edit any other function",
        f"4:5: TL101 test_ten_percent_off: proposal 4 {GATE_1}: the answer imports `os`, which "
        "the test does not use; add only the imports the test needs",
        f"4:5: TL101 test_ten_percent_off: proposal 5 {GATE_2}: build check: the new test uses "
        "`Decimal`, which nothing in the file defines or imports; import it above the test or "
        "use the names shown",
        f"4:5: TL101 test_ten_percent_off: proposal 6 {GATE_2}: {WEAK}",  # is not None
        f"4:5: TL101 test_ten_percent_off: proposal 7 {GATE_2}: {WEAK}",  # isinstance
        f"4:5: TL101 test_ten_percent_off: proposal 8 {GATE_2}: the new test brings a new "
        "finding: line 4: TL504 no fixture named `price_cents`: pytest fails this test at setup; "
        "define it in the module or a conftest.py, or build the value in the test",
        "4:5: TL101 test_ten_percent_off: proposal 9 accepted",
        "9:5: TL102 test_full_discount_is_free: answer 1 failed: the answer is empty",
        "9:5: TL102 test_full_discount_is_free: answer 2 failed: the answer was cut off at "
        "max-output-tokens (finish_reason: length)",
        "9:5: TL102 test_full_discount_is_free: answer 3 failed: the model refused: I can't "
        "help with that.",
        # after a 429, a 500 and a timeout (retried within the request): two blocks, the old
        # test quoted first; the last block that defines the test is the proposal
        "9:5: TL102 test_full_discount_is_free: proposal 4 accepted",
        f"12:5: TL103 test_label_exists: proposal 1 {GATE_2}: TL103 still fires on the new test: "
        "only weak assertions (existence, type, truthiness): they pass for almost any wrong "
        "result; assert the expected value",
        f"12:5: TL103 test_label_exists: proposal 2 {GATE_2}: the new test brings a new finding: "
        "line 15: TL602 random.randint() gives a random value that reaches the assertion on line "
        "16: the test checks a different case every run; seed it or use explicit cases "
        "(parametrize, Hypothesis)",
        f"12:5: TL103 test_label_exists: proposal 3 {GATE_2}: the new test brings a new finding: "
        "line 14: TL301 expected value re-computes store.pricing.label (pricing.py:17), so it "
        "agrees with every bug there; use an independent oracle: a literal from the spec, a "
        "table of worked examples, or a property",
        "12:5: TL103 test_label_exists: proposal 4 accepted",  # ~~~ fence with a title
        f"17:34: TL301 test_quarter_off: proposal 1 {GATE_2}: {MIRROR}",  # through `expected`
        f"17:34: TL301 test_quarter_off: proposal 2 {GATE_2}: {MIRROR}",  # renamed arguments
        f"17:34: TL301 test_quarter_off: proposal 3 {GATE_2}: {MIRROR}",  # near match
        f"17:34: TL301 test_quarter_off: proposal 4 {GATE_2}: build check: the new test uses "
        "`time`, which nothing in the file defines or imports; import it above the test or use "
        "the names shown",
        "17:34: TL301 test_quarter_off: proposal 5 accepted",  # a fence never closed
        f"22:9: TL605 test_half_off: proposal 1 {GATE_2}: TL605 still fires on the new test: "
        "every assertion of this test is inside an `if` branch: when it does not run the test "
        "passes having checked nothing; assert the precondition first (`assert rows`, `assert "
        "response.ok`)",
        "22:9: TL605 test_half_off: proposal 2 accepted",  # adds `import pytest`
        "25:5: TL101 test_small_price: proposal 1 accepted",
        "29:5: TL101 test_rounding: proposal 1 accepted",
        "33:5: TL101 test_label_cents: proposal 1 accepted",
    ]
    # the needed import is merged once, after the file's own; the one it had is not repeated
    assert out.stdout.count("\n+import pytest\n") == 1
    assert "+from store.pricing import" not in out.stdout
    assert out.llm.for_test("test_full_discount_is_free")[3].json["messages"][-1]["content"] == (
        "testlint rejected that proposal: the answer was a refusal; the task is to rewrite a "
        "test of the user's own code\n\nAnswer again with one ```python block holding only the "
        "rewritten `test_full_discount_is_free`.")
    assert len(out.llm.for_test("test_full_discount_is_free")) == 7
    assert out.exit_code == 0


# ---- with --run: gates 3 and 4 -------------------------------------------------------------------

GOOD_AT_ONCE: dict[str, list[str | Reply]] = {
    "test_ten_percent_off": [answer("def test_ten_percent_off():\n"
                                    "    assert discount(2000, 10) == 1800\n")],
    "test_full_discount_is_free": [answer("def test_full_discount_is_free():\n"
                                          "    assert discount(1000, 100) == 0\n"
                                          "    assert discount(1000, 150) == 0\n")],
    "test_quarter_off": [answer("def test_quarter_off():\n"
                                "    assert discount(2000, 25) == 1500\n")],
    "test_half_off": [answer("def test_half_off():\n    assert discount(1000, 50) == 500\n")],
}
RUN: dict[str, list[str | Reply]] = {
    **GOOD_AT_ONCE,
    "test_label_exists": [
        # truthiness catches only what the old `is not None` caught already
        answer("def test_label_exists():\n    assert label(1999)\n"),
        answer('def test_label_exists():\n    assert label(1999) == "19.99 EUR"\n'),
    ],
    "test_small_price": [
        # 10 % off 10 cents, "rounded down to whole cents", is 9: the model computed 8
        answer("def test_small_price():\n    assert discount(10, 10) == 8\n"),
        answer("def test_small_price():\n    assert discount(10, 10) == 9\n"),
    ],
    "test_rounding": [
        answer("import time\n\ndef test_rounding():\n    time.sleep(60)\n"
               "    assert discount(999, 10) == 900\n"),
        answer("def test_rounding():\n    while True:\n        pass\n"
               "    assert discount(999, 10) == 900\n"),
        answer("def test_rounding():\n    assert discount(999, 10) == 900\n"),
    ],
    "test_label_cents": [
        # passes on every mutant: nothing the old test let survive is killed
        answer('def test_label_cents():\n    assert label(5) != ""\n'),
        answer('def test_label_cents():\n    assert label(5) == "0.05 EUR"\n'),
    ],
}
GATE_3 = "rejected at gate 3 (passes under pytest)"
GATE_4 = "rejected at gate 4 (verify-red: kills a mutant the old test let survive)"


def test_with_run_gates_3_and_4_accept_exactly_the_good_proposals(store: Path) -> None:
    pyproject = store / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        "run-timeout = 20", "run-timeout = 3\nruns = 2"), encoding="utf-8")
    out = rewrite(store, "tests/test_pricing.py", RUN, "--select", RULES, "--run",
                  "--max-attempts", "3", "--format", "json")
    assert out.verdicts() == [
        "4:5: TL101 test_ten_percent_off: proposal 1 accepted: kills 6 of 11 mutants (old test: "
        "0)",
        "9:5: TL102 test_full_discount_is_free: proposal 1 accepted: kills 3 of 11 mutants (old "
        "test: 0)",
        f"12:5: TL103 test_label_exists: proposal 1 {GATE_4}: kills 1 of 2 mutants (old test: "
        "1): none that the old test let survive (surviving: `label`: `f\"{price_cents // "
        "100}.{price_cents % 100:02d} EUR\"` becomes `'XX' + f\"{price_cents // 100}.{price_cents"
        " % 100:02d} EUR\"` at pricing.py:17)",
        "12:5: TL103 test_label_exists: proposal 2 accepted: kills 2 of 2 mutants (old test: 1)",
        # a mirror kills what its literal kills: the rewrite must keep every kill, not add one
        "17:34: TL301 test_quarter_off: proposal 1 accepted: kills 6 of 11 mutants (old test: 6)",
        "22:9: TL605 test_half_off: proposal 1 accepted: kills 6 of 11 mutants (old test: 0)",
        "25:5: TL101 test_small_price: proposal 1 is a possible bug: it fails on the current code "
        "(assert 9 == 8); reported, not retried",
        f"29:5: TL101 test_rounding: proposal 1 {GATE_2}: the new test brings a new finding: line "
        "31: TL601 time.sleep(60) in a test waits a guessed time: slow on every run and flaky on a "
        "busy CI runner; wait for the condition (join, event, poll with a deadline) or fake the "
        "clock",
        f"29:5: TL101 test_rounding: proposal 2 {GATE_3}: the new test did not finish within 3s",
        "29:5: TL101 test_rounding: proposal 3 accepted: kills 7 of 11 mutants (old test: 0)",
        f"33:5: TL101 test_label_cents: proposal 1 {GATE_4}: kills 0 of 2 mutants (old test: 0): "
        "none that the old test let survive (surviving: `label`: `f\"{price_cents // "
        "100}.{price_cents % 100:02d} EUR\"` becomes `None` at pricing.py:17; `label`: "
        "`f\"{price_cents // 100}.{price_cents % 100:02d} EUR\"` becomes `'XX' + f\"{price_cents "
        "// 100}.{price_cents % 100:02d} EUR\"` at pricing.py:17)",
        "33:5: TL101 test_label_cents: proposal 2 accepted: kills 2 of 2 mutants (old test: 0)",
    ]
    # the run record: per finding, each attempt's verdict, the mutants, tokens and time
    record = json.loads(out.stdout)
    by_test = {f["test"]: f for f in record["findings"]}
    assert [f["outcome"] for f in record["findings"]] == [
        "accepted", "accepted", "accepted", "accepted", "accepted", "possible-bug", "accepted",
        "accepted"]
    label_exists = by_test["test_label_exists"]["attempts"]
    assert [(a["verdict"], a["gate"]) for a in label_exists] == [("rejected", "4"),
                                                                 ("accepted", None)]
    assert [(a["mutants"]["killed_by_new"], a["mutants"]["killed_by_old"], a["mutants"]["total"])
            for a in label_exists] == [(1, 1, 2), (2, 1, 2)]
    assert label_exists[1]["mutants"]["killed_old"] == ["pricing.py:label:return-value:0"]
    assert all(a["input_tokens"] == 100 for a in label_exists)
    assert all(a["seconds"] > 0 for a in label_exists)
    # no actual value of the code under test reached the model: not the possible bug's 9,
    # not pytest's `where` lines
    assert "9 == 8" not in out.llm.bodies()
    assert "where " not in out.llm.bodies()
    assert len(out.llm.for_test("test_small_price")) == 1  # never retried
    # the survivors went back to the model as behaviour, never as code
    feedback = out.llm.for_test("test_label_cents")[1].json["messages"][-1]["content"]
    assert "price_cents" not in feedback
    assert "pricing.py" not in feedback
    assert "`label` " in feedback


CART: dict[str, list[str | Reply]] = {
    "test_total": [answer('''
        def test_total(cart):
            cart.add("apple", 50)
            cart.add("pear", 70)
            assert cart.total() == 120
        ''')],
    "test_dump": [answer("def test_dump():\n    assert json.dumps([1]) == '[1]'\n")],
}


def test_a_fixture_built_receiver_is_resolved_and_an_unresolvable_test_costs_nothing(
    store: Path,
) -> None:
    out = rewrite(store, "tests/test_cart.py", CART, "--run")
    assert out.verdicts() == [
        # `cart` comes from a conftest fixture that returns Cart(): its methods are mutated
        "4:5: TL101 test_total: proposal 1 accepted: kills 3 of 3 mutants (old test: 0)",
        "10:5: TL101 test_dump: skipped: none of the calls of this test could be resolved to the "
        "project's own code (through imports, fixtures or locals), so gate 4 has nothing to "
        "mutate; nothing was sent",
    ]
    assert [r.target for r in out.llm.requests] == ["test_total"]
    assert "`store.cart.Cart.total`:" in out.llm.requests[0].body
