"""The two records the mutation engine hands out: a mutant and the result of running tests on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mutant:
    """One small change to one function of one module.

    `id` is stable across runs for the same source: "<file name>:<qualname>:<operator>:<k>", where
    k counts the sites of that operator in that function in source order (whatever the filters).
    `location_text` may quote code (for `testlint verify`'s reports); `behaviour_text` never
    does: no line numbers, no code, no constants or operators of the body, only what the changed
    function now does differently (for the rewrite firewall, which hides the body).
    """

    id: str
    path: Path
    qualname: str
    line: int
    col: int
    operator: str
    location_text: str
    behaviour_text: str


@dataclass(frozen=True)
class MutantResult:
    """What the tests did to one mutant.

    status: "killed" (a selected test failed), "survived" (all passed), "timeout" (a test ran
    past its budget: a kill for gating purposes, reported apart) or "error" (the mutant could not
    be run, or the run went wrong before any test could judge it; the reason is in `detail`).
    `killed_by`: the node ids that failed (the first one only, unless run_mutants was asked for
    `all_tests`); `killed_by_check`: those of them that failed on a check (an AssertionError,
    `pytest.fail`, a `pytest.raises` that saw nothing) rather than on an error the mutant made
    the code raise, which any test that merely calls the code would see.
    """

    mutant: Mutant
    status: str
    killed_by: tuple[str, ...] = ()
    detail: str = ""
    killed_by_check: tuple[str, ...] = ()
