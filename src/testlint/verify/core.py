"""The verify run: collect, select, observe, stub, mutate; verdicts per test."""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from testlint.verify.cache import VerifyCache
from testlint.verify.checks import assertions_ran, is_test_side
from testlint.verify.children import ChildResult, failure_summary, run_child
from testlint.verify.functions import function_spans, functions_at
from testlint.verify.select import changed_tests, is_changed, shard_of


class SuiteError(Exception):
    """The project's own pytest failed before any test could be verified."""


@dataclass
class Options:
    paths: Sequence[str] = ()
    keyword: str | None = None
    jobs: int = 1
    shard: tuple[int, int] | None = None
    changed_since: str | None = None
    timeout: float = 10.0  # per test run
    max_mutants: int = 25  # per test
    mutants: bool = True
    python: str = sys.executable
    python_files: tuple[str, ...] = ("test_*.py", "*_test.py")
    cache: VerifyCache | None = None
    progress: Callable[[str], None] = lambda message: None


@dataclass
class Verdict:
    nodeid: str
    path: str
    qualname: str
    outcome: str = "not-run"  # passed | failed | error | skipped | xfail | xpass | timeout | broken
    detail: str = ""
    assertions: int = 0
    reached: list[str] = field(default_factory=list)  # "file::qualname" of project functions
    red: bool | None = None  # None: not tried
    red_detail: str = ""
    mutants: int = 0
    killed: int = 0
    value_kills: int = 0  # kills by mutants other than "returns None" (see mutants.py)
    timeouts: int = 0
    survivors: list[str] = field(default_factory=list)  # location texts
    mutation_note: str = ""
    cached: bool = False
    covered: list[str] = field(default_factory=list)  # files whose hashes key the cache
    lines: dict[str, list[int]] = field(default_factory=dict)
    direct: list[str] = field(default_factory=list)  # "file:first line" of functions it calls

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("lines")
        data.pop("direct")
        data.pop("covered")
        return data


@dataclass
class Report:
    verdicts: list[Verdict]
    collect_errors: list[tuple[str, str]]  # (nodeid, detail)
    rootdir: str
    selected: int = 0
    notes: list[str] = field(default_factory=list)
    surviving_mutants: list[str] = field(default_factory=list)  # killed by no covering test


def _chunks(items: list[str], jobs: int) -> list[list[str]]:
    """Split by test file so a module is imported in one child only."""
    by_file: dict[str, list[str]] = {}
    for nodeid in items:
        by_file.setdefault(nodeid.split("::", 1)[0], []).append(nodeid)
    buckets: list[list[str]] = [[] for _ in range(max(1, min(jobs, len(by_file))))]
    for group in sorted(by_file.values(), key=len, reverse=True):
        min(buckets, key=len).extend(group)
    return [b for b in buckets if b]


def _parallel(cwd: Path, args: list[str], configs: list[dict[str, Any]], options: Options,
              timeout: float) -> list[ChildResult]:
    def one(config: dict[str, Any]) -> ChildResult:
        return run_child(cwd, args, config, python=options.python, timeout=timeout)

    if len(configs) == 1:
        return [one(configs[0])]
    with ThreadPoolExecutor(max_workers=len(configs)) as pool:
        return list(pool.map(one, configs))


def _collect(cwd: Path, options: Options) -> tuple[list[dict[str, Any]], list[tuple[str, str]],
                                                     str]:
    args = [*options.paths, "--continue-on-collection-errors"]
    if options.keyword:
        args += ["-k", options.keyword]
    result = run_child(cwd, args, {"mode": "collect", "select": None}, python=options.python,
                       timeout=300)
    items = result.of("item")
    errors = [(r["nodeid"], r["detail"]) for r in result.of("collect-error")]
    collected = result.of("collected")
    if not collected and not items:
        raise SuiteError("the project's pytest failed before collecting any test: "
                         + failure_summary(result))
    rootdir = collected[0]["rootdir"] if collected else str(cwd)
    return items, errors, rootdir


def verify(cwd: Path, options: Options) -> Report:
    items, errors, rootdir = _collect(cwd, options)
    if options.changed_since:
        changed = changed_tests(cwd, options.changed_since)
        items = [i for i in items if is_changed(i["path"], i["qualname"], changed)]
    if options.shard:
        index, total = options.shard
        items = [i for i in items if shard_of(i["nodeid"], total) == index]
    verdicts = {i["nodeid"]: Verdict(i["nodeid"], i["path"], i["qualname"]) for i in items}
    report = Report(verdicts=list(verdicts.values()), collect_errors=errors, rootdir=rootdir,
                    selected=len(items))
    todo: list[str] = []
    for verdict in verdicts.values():
        cached = options.cache.get(verdict.nodeid, verdict.path) if options.cache else None
        if cached is not None:
            for key, value in cached.items():
                setattr(verdict, key, value)
            verdict.cached = True
        else:
            todo.append(verdict.nodeid)
    if not todo:
        return report
    test_files = {i["path"] for i in items}
    base_args = [*options.paths, "--continue-on-collection-errors", "-p", "no:randomly"]
    budget = 120 + options.timeout * len(todo) * 2

    # 1. observe: outcome, executed lines, checks
    options.progress(f"running {len(todo)} test(s)")
    results = _parallel(cwd, base_args, [
        {"mode": "observe", "select": chunk, "timeout": options.timeout}
        for chunk in _chunks(todo, options.jobs)], options, budget)
    seen = 0
    for result in results:
        for record in result.of("test"):
            observed = verdicts.get(record["nodeid"])
            if observed is None:
                continue
            verdict = observed
            seen += 1
            verdict.outcome = record["outcome"]
            verdict.detail = record.get("detail", "")
            verdict.lines = record.get("lines", {})
            verdict.direct = [f"{path}:{line}" for path, line in record.get("direct", [])]
            verdict.assertions = assertions_ran(verdict.lines, record.get("assert_calls", 0),
                                                options.python_files, test_files)
    if seen == 0:
        raise SuiteError("the project's pytest ran none of the selected tests: "
                         + failure_summary(results[0]))
    for verdict in verdicts.values():
        if verdict.nodeid in todo and verdict.outcome == "not-run":
            file = verdict.nodeid.split("::", 1)[0]
            broken = [d for n, d in errors if n == file or n.startswith(file + "::")]
            verdict.outcome = "broken" if broken else "not-run"
            verdict.detail = broken[0] if broken else "pytest did not report it (crash?)"

    # project functions each passing test reached
    spans: dict[str, Any] = {}
    candidates = []
    for nodeid in todo:
        verdict = verdicts[nodeid]
        if verdict.outcome != "passed":
            continue
        reached = []
        for path, lines in verdict.lines.items():
            if is_test_side(path, options.python_files, test_files):
                continue
            if path not in spans:
                spans[path] = _spans(path)
            reached += [f"{path}::{q}" for q in sorted(functions_at(spans[path], set(lines)))]
        verdict.reached = reached
        verdict.covered = sorted(verdict.lines)
        if verdict.assertions and reached:
            candidates.append(verdict)

    # 2. verify red: the reached functions stubbed in memory
    if candidates:
        options.progress(f"running {len(candidates)} test(s) against stubs")
        instrument: dict[str, set[str]] = {}
        for verdict in candidates:
            for key in verdict.reached:
                path, _, qualname = key.partition("::")
                instrument.setdefault(path, set()).add(qualname)
        config_base = {"instrument": {p: sorted(q) for p, q in instrument.items()},
                       "timeout": options.timeout}
        chunks = _chunks([v.nodeid for v in candidates], options.jobs)
        results = _parallel(cwd, base_args, [
            {**config_base, "mode": "stub", "select": chunk,
             "stubs": {n: verdicts[n].reached for n in chunk}} for chunk in chunks],
            options, budget)
        for result in results:
            for record in result.of("test"):
                stubbed = verdicts.get(record["nodeid"])
                if stubbed is None:
                    continue
                verdict = stubbed
                missed = {k.partition("::")[0] for k in verdict.reached} - set(
                    record.get("instrumented", ()))
                if missed:
                    verdict.red_detail = ("could not stub " + ", ".join(sorted(
                        os.path.basename(m) for m in missed)) + " (imported before the hook)")
                    continue
                verdict.red = record["outcome"] != "passed"
                verdict.red_detail = record.get("detail", "")

    # 3. mutants of the covered lines
    if options.mutants:
        from testlint.verify.mutants import kill_counts

        # a test that passes without the implementation kills nothing: TL702 says it already
        report.surviving_mutants = kill_counts(
            cwd, [v for v in candidates if v.red is not False], options, test_files)

    if options.cache:
        for nodeid in todo:
            verdict = verdicts[nodeid]
            if verdict.outcome in ("passed", "failed", "skipped", "xfail", "xpass"):
                stored = verdict.to_json()
                for key in ("nodeid", "path", "qualname", "cached"):
                    stored.pop(key)
                options.cache.put(nodeid, verdict.path, verdict.covered, stored)
    return report


def _spans(path: str) -> list[Any]:
    try:
        return function_spans(ast.parse(Path(path).read_bytes(), filename=path))
    except (OSError, SyntaxError, ValueError, RecursionError):
        return []
