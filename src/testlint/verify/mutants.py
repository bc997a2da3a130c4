"""TL703's evidence: the shared mutation engine (testlint.mutation) on the lines each test covers,
each mutant run against the tests that cover it only.

Each mutant runs once, against every test that chose it (the engine's `all_tests`: its run
does not stop at the first failing test), so each test's kill count is exact.

A kill by a mutant that makes a function return None instead of its result ("return-value")
says only that the test looks at the result at all: `assert result is not None` or `assert
result` kills it. A test whose only kills are such mutants is reported too ("checks that a
result exists, not its value"). Kills by an error the mutant raises, or by a timeout, count as
kills, as in mutmut and cosmic-ray: a test that reaches the changed path and fails has noticed.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testlint.verify.checks import is_test_side
from testlint.verify.functions import FunctionSpan, function_spans

if TYPE_CHECKING:
    from testlint.verify.core import Options, Verdict

VALUE_BLIND = frozenset({"return-value"})

# which surviving change to quote first: the ones a reader recognises as a wrong result
_SHOWN_FIRST = ("return-value", "arithmetic", "comparison-boundary", "comparison-negate",
                "off-by-one", "constant-number", "boolean", "remove-call")


def _rank(mutant: Any) -> tuple[int, int]:
    operator = getattr(mutant, "operator", "")
    order = _SHOWN_FIRST.index(operator) if operator in _SHOWN_FIRST else len(_SHOWN_FIRST)
    return order, getattr(mutant, "line", 0)


def _direct_functions(direct: list[str], spans: dict[str, list[FunctionSpan]]
                      ) -> set[tuple[str, str]]:
    """(file, qualname) of the functions a test called from its own module."""
    out: set[tuple[str, str]] = set()
    for entry in direct:
        path, _, line = entry.rpartition(":")
        if path not in spans:
            try:
                spans[path] = function_spans(ast.parse(Path(path).read_bytes()))
            except (OSError, SyntaxError, ValueError, RecursionError):
                spans[path] = []
        first = int(line)
        for span in spans[path]:
            if span.decorated_from <= first <= span.name_line:
                out.add((path, span.qualname))
    return out


def kill_counts(cwd: Path, verdicts: Sequence[Verdict], options: Options,
                test_files: set[str]) -> list[str]:
    """Fills each verdict's mutant counts; returns the location texts of the mutants that no
    covering test killed."""
    try:
        from testlint.mutation import generate
    except ImportError:
        for verdict in verdicts:
            verdict.mutation_note = "mutation engine not available"
        return []
    by_id: dict[str, Any] = {}
    covering: dict[str, list[str]] = {}
    mine: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    every: dict[str, list[Any]] = {}  # all mutants of a file, generated once
    spans: dict[str, list[FunctionSpan]] = {}
    for verdict in verdicts:
        direct = _direct_functions(verdict.direct, spans)
        found: list[Any] = []
        for path, lines in verdict.lines.items():
            if is_test_side(path, options.python_files, test_files):
                continue
            if path not in every:
                try:
                    sources[path] = Path(path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    sources[path] = ""
                every[path] = generate(sources[path], Path(path)) if sources[path] else []
            executed = set(lines)
            found += [m for m in every[path] if m.line in executed]
        # the budget goes first to the functions the test calls itself (its units), then to
        # what they call
        found.sort(key=lambda m: (str(m.path), m.qualname) not in direct)
        mine[verdict.nodeid] = []
        for mutant in found[: options.max_mutants]:
            by_id[mutant.id] = mutant
            covering.setdefault(mutant.id, []).append(verdict.nodeid)
            mine[verdict.nodeid].append(mutant.id)
    if not by_id:
        return []
    return _run(cwd, verdicts, options, by_id, covering, mine)


def _run(cwd: Path, verdicts: Sequence[Verdict], options: Options, by_id: dict[str, Any],
         covering: dict[str, list[str]], mine: dict[str, list[str]]) -> list[str]:
    from testlint.mutation import run_mutants

    options.progress(f"running {len(by_id)} mutant(s)")
    results = {r.mutant.id: r for r in run_mutants(
        cwd, list(by_id.values()), lambda m: covering[m.id], python=options.python,
        timeout=options.timeout, jobs=options.jobs, pytest_args=["-p", "no:randomly"],
        all_tests=True)}
    index = {v.nodeid: v for v in verdicts}
    for nodeid, ids in mine.items():
        verdict = index[nodeid]
        for mutant_id in ids:
            result = results[mutant_id]
            if result.status == "error":
                continue
            verdict.mutants += 1
            value = by_id[mutant_id].operator not in VALUE_BLIND
            if result.status == "timeout":
                # the run ends at the test over its budget: a kill for every test it covers
                verdict.timeouts += 1
                verdict.killed += 1
                verdict.value_kills += value
            elif nodeid in result.killed_by:
                verdict.killed += 1
                verdict.value_kills += value
            else:
                verdict.survivors.append(mutant_id)
    for verdict in verdicts:
        ranked = sorted((by_id[m] for m in verdict.survivors), key=_rank)
        verdict.survivors = [m.location_text for m in ranked]
    return [r.mutant.location_text for r in results.values() if r.status == "survived"]
