"""The scripted proposal set: proposals over several rules against a small store project
(fixtures/projects/rewrite-gates), through `testlint rewrite` and a real HTTP server on 127.0.0.1.
The gates must accept exactly the good proposals, and every verdict's reason is asserted.

Each scenario runs the CLI once over one test file; a proposal's verdict is the line
`path:line:col: CODE test: proposal N ...` on stderr.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.llm_server import FakeLLM, Reply, serve

GATES = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "rewrite-gates"
IMPLEMENTATION_LINES = [
    line.strip()
    for name in ("pricing.py", "catalog.py", "cart.py")
    for line in (GATES / "src" / "store" / name).read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.strip().startswith(('"""', "def ", "class ", "#"))
    and '"""' not in line and len(line.strip()) > 12
]


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
             if ln.startswith(path) and (": proposal " in ln or ": answer " in ln)]
    # no request ever carries a line of the implementation (the firewall)
    for line in IMPLEMENTATION_LINES:
        assert line not in llm.bodies()
    return Outcome(path, lines, result.stdout, llm, result.exit_code)


# ---- gate 3 with the whole file: shared state and flakiness --------------------------------------


def test_a_proposal_that_breaks_a_neighbour_or_depends_on_order_is_rejected(store: Path) -> None:
    script: dict[str, list[str | Reply]] = {
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
    out = rewrite(store, "tests/test_catalog.py", script, "--run", "--max-attempts", "2")
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
