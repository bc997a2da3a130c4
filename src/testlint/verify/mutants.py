"""TL703's evidence: the shared mutation engine (testlint.mutation) on the lines each test covers,
each mutant run against the tests that cover it only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from testlint.verify.checks import is_test_side

if TYPE_CHECKING:
    from testlint.verify.core import Options, Verdict


def kill_counts(cwd: Path, verdicts: Sequence[Verdict], options: Options,
                test_files: set[str]) -> None:
    try:
        from testlint.mutation import generate, run_mutants  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        for verdict in verdicts:
            verdict.mutation_note = "mutation engine not available"
        return
    by_id = {}
    covering: dict[str, list[str]] = {}
    sources: dict[str, str] = {}
    for verdict in verdicts:
        mine = []
        for path, lines in verdict.lines.items():
            if is_test_side(path, options.python_files, test_files):
                continue
            if path not in sources:
                try:
                    sources[path] = Path(path).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    sources[path] = ""
            if not sources[path]:
                continue
            try:
                found = generate(sources[path], Path(path), lines=set(lines))
            except Exception as exc:  # a source the engine cannot mutate: say so, go on
                verdict.mutation_note = f"no mutants for {Path(path).name}: {exc}"
                continue
            mine += found
        for mutant in mine[: options.max_mutants]:
            by_id[mutant.id] = mutant
            covering.setdefault(mutant.id, []).append(verdict.nodeid)
    if not by_id:
        return
    options.progress(f"running {len(by_id)} mutant(s)")
    results = run_mutants(cwd, list(by_id.values()), lambda m: covering[m.id],
                          python=options.python, timeout=options.timeout, jobs=options.jobs,
                          pytest_args=["-p", "no:cacheprovider", "-p", "no:randomly"])
    index = {v.nodeid: v for v in verdicts}
    for result in results:
        for nodeid in covering[result.mutant.id]:
            verdict = index[nodeid]
            if result.status == "error":
                continue
            verdict.mutants += 1
            if result.status == "timeout":
                verdict.timeouts += 1
                verdict.killed += 1
            elif nodeid in result.killed_by:
                verdict.killed += 1
            else:
                verdict.survivors.append(result.mutant.location_text)
