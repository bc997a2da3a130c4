"""Runs tests against mutants, and records which lines tests execute, in child pytest processes.

Each child is `python -m pytest -p _testlint_mutation_child <node ids>` started in the project
root, in a session (process group) of its own so that a run past its deadline is killed whole.
The plugin (`_child.py`, copied into a temporary directory outside the project) applies the
mutant in memory through an import hook; the child never writes bytecode
(PYTHONDONTWRITEBYTECODE) and pytest's cache is off, so nothing is written under the root.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.mutation import operators
from testlint.mutation.model import Mutant, MutantResult

PLUGIN = "_testlint_mutation_child"
SPEC_VARIABLE = "TESTLINT_MUTATION_SPEC"
# time for the child to start pytest and collect, on top of the per-test budgets
START_ALLOWANCE = 60.0
# time for a forked child to set up (and tear down) on top of its tests' budgets
SERVE_ALLOWANCE = 10.0
# a pytest exit code for "the plugin ended the run: a test ran past its budget"
_TIMEOUT_EXIT = 75


@dataclass
class ChildRun:
    """What one child pytest did: its events (see _child.py), output and exit code."""

    events: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""
    returncode: int | None = None  # None: killed at the parent's deadline

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("event") == kind]

    def tail(self, limit: int = 2000) -> str:
        text = self.output.strip()
        return text if len(text) <= limit else "..." + text[-limit:]


class Workspace:
    """A temporary directory outside the project: the plugin file, job specs, event files."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="testlint-mutation-"))
        plugin = Path(__file__).with_name("_child.py")
        shutil.copyfile(plugin, self.path / f"{PLUGIN}.py")
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def new_name(self, stem: str) -> Path:
        with self._lock:
            return self.path / f"{stem}-{next(self._counter)}"

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def workspace() -> Iterator[Workspace]:
    space = Workspace()
    try:
        yield space
    finally:
        space.close()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):  # the group is gone already
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - Windows
        with contextlib.suppress(OSError):
            process.kill()


def run_child(space: Workspace, root: Path, spec: dict[str, Any], node_ids: Sequence[str], *,
              python: str, env: Mapping[str, str] | None, deadline: float,
              pytest_args: Sequence[str]) -> ChildRun:
    """One child pytest on `node_ids` with the plugin given `spec`; killed after `deadline` s."""
    base = space.new_name("run")
    events_path = base.with_suffix(".events")
    spec_path = base.with_suffix(".json")
    output_path = base.with_suffix(".out")
    events_path.touch()
    spec_path.write_text(json.dumps({**spec, "events": str(events_path)}), encoding="utf-8")
    environ = dict(os.environ)
    environ.update(env or {})
    environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(space.path), environ.get("PYTHONPATH", "")) if part)
    environ["PYTHONDONTWRITEBYTECODE"] = "1"
    # pytest-cov in the project's addopts writes its data file into the working directory
    environ.setdefault("COVERAGE_FILE", str(space.path / ".coverage"))
    environ[SPEC_VARIABLE] = str(spec_path)
    command = [python, "-m", "pytest", "-p", PLUGIN, "-p", "no:cacheprovider", "-q",
               *pytest_args, *node_ids]
    run = ChildRun()
    with open(output_path, "wb") as output:
        try:
            process = subprocess.Popen(command, cwd=root, env=environ, stdin=subprocess.DEVNULL,
                                       stdout=output, stderr=subprocess.STDOUT,
                                       start_new_session=os.name == "posix")
        except OSError as error:
            run.output = f"could not start {python}: {error}"
            run.returncode = -1
            return run
        try:
            run.returncode = process.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()
        finally:
            _kill_group(process)  # whatever the tests started and left behind dies with them
    run.output = output_path.read_text(encoding="utf-8", errors="replace")
    for line in events_path.read_text(encoding="utf-8", errors="replace").splitlines():
        with contextlib.suppress(ValueError):  # a line cut short by a kill
            run.events.append(json.loads(line))
    return run


def judge(mutant: Mutant, run: ChildRun, node_ids: Sequence[str], timeout: float) -> MutantResult:
    """The status of `mutant` from what its child run did."""
    failed: list[str] = []
    checked: list[str] = []
    for event in run.of("report"):
        if event.get("outcome") == "failed" and event["nodeid"] not in failed:
            failed.append(event["nodeid"])
            if event.get("kind") == "check":
                checked.append(event["nodeid"])
    timeouts = run.of("timeout")
    if timeouts:
        nodeid = timeouts[0]["nodeid"]
        return MutantResult(mutant, "timeout", (nodeid,),
                            f"{nodeid} ran past its budget of {timeout:g}s")
    if run.returncode is None:
        started = run.of("start")
        nodeid = started[-1]["nodeid"] if started else ""
        where = f" in {nodeid}" if nodeid else " before any test started"
        return MutantResult(mutant, "timeout", (nodeid,) if nodeid else (),
                            f"the run was stopped at its deadline{where}")
    if run.of("preloaded"):
        return MutantResult(mutant, "error", (), "the module was imported before the mutant "
                            "could be applied (by a plugin or at start-up)")
    if failed:
        return MutantResult(mutant, "killed", tuple(failed), killed_by_check=tuple(checked))
    crashes = run.of("crash")
    if crashes:
        return MutantResult(mutant, "error", (), "the run broke: " + crashes[0]["text"])
    if run.of("not-run"):
        return MutantResult(mutant, "error", (), "not run: the run's deadline passed first")
    missing = [str(event["nodeid"]) for event in run.of("missing")]
    if missing:
        text = "\n".join(str(event.get("text", "")) for event in run.of("collect-error"))
        return MutantResult(mutant, "error", (), "not collected: " + ", ".join(missing)
                            + ("\n" + text[-2000:] if text else ""))
    loaded = run.of("loaded")
    errors = run.of("collect-error")
    if errors:
        text = "\n".join(str(event.get("text", "")) for event in errors)
        if loaded and str(mutant.path.name) in text:
            # the mutated module fails to import: every selected test fails with it
            return MutantResult(mutant, "killed", tuple(node_ids),
                                "the tests could not import the mutated module")
        return MutantResult(mutant, "error", (), "collection failed:\n" + text[-2000:])
    if not run.of("finish"):
        return MutantResult(mutant, "error", (),
                            f"the test process ended early (exit code {run.returncode}):\n"
                            + run.tail())
    if not run.of("report"):
        return MutantResult(mutant, "error", (),
                            f"no test ran (pytest exit code {run.returncode}):\n" + run.tail())
    if not loaded:
        return MutantResult(mutant, "error", (), "the tests never imported the mutated file "
                            f"{mutant.path} (do they import another copy of it?)")
    return MutantResult(mutant, "survived")


def _mutated_sources(mutants: Sequence[Mutant]) -> dict[str, str | Exception]:
    """The mutated text of each mutant (by id), or why there is none."""
    texts: dict[str, str | Exception] = {}
    by_path: dict[Path, list[Mutant]] = {}
    for mutant in mutants:
        by_path.setdefault(mutant.path, []).append(mutant)
    for path, group in by_path.items():
        try:
            source = path.read_text(encoding="utf-8")
            found = {m.id: site for m, site in operators.sites(source, path)}
        except (OSError, SyntaxError, ValueError, UnicodeDecodeError) as error:
            for mutant in group:
                texts[mutant.id] = error
            continue
        for mutant in group:
            site = found.get(mutant.id)
            if site is None:
                texts[mutant.id] = LookupError(f"{mutant.id} is not a mutant of {path} as it "
                                               "is now")
                continue
            text = operators.apply(source, site)
            try:
                compile(text, str(path), "exec", dont_inherit=True)
            except (SyntaxError, ValueError) as error:
                texts[mutant.id] = error
                continue
            texts[mutant.id] = text
    return texts


def _server_runs(space: Workspace, root: Path, work: list[tuple[Mutant, str, list[str]]], *,
                 python: str, env: Mapping[str, str] | None, timeout: float, jobs: int,
                 pytest_args: Sequence[str], stop: bool) -> dict[str, ChildRun] | None:
    """Runs every mutant of `work` (mutant, mutated text, node ids) through one fork server:
    pytest collects once, then each mutant runs in a forked child. None when the server could
    not start (the caller then gives each mutant a process of its own); a mutant missing from
    the answer could not be applied in place."""
    specs: list[dict[str, Any]] = []
    for mutant, text, node_ids in work:
        events = space.new_name("mutant").with_suffix(".events")
        events.touch()
        specs.append({"id": mutant.id, "path": str(mutant.path.resolve()),
                      "qualname": mutant.qualname,
                      "source": text, "tests": node_ids, "events": str(events),
                      "deadline": SERVE_ALLOWANCE + timeout * len(node_ids)})
    # the server collects whole files: one node id that does not exist would end the run
    # before any test ("not found"); each fork selects its mutant's node ids itself
    every_test = list(dict.fromkeys(node.split("::", 1)[0]
                                    for _m, _t, node_ids in work for node in node_ids))
    budget = START_ALLOWANCE + sum(spec["deadline"] for spec in specs) / max(1, jobs)
    spec = {"mode": "server", "timeout": timeout, "jobs": jobs, "mutants": specs, "stop": stop}
    server = run_child(space, root, spec, every_test, python=python, env=env, deadline=budget,
                       pytest_args=pytest_args)
    if not server.of("ready"):
        return None
    collected = "\n".join(str(event.get("text", "")) for event in server.of("collect-error"))
    runs: dict[str, ChildRun] = {}
    for job in specs:
        run = ChildRun(output=server.output)
        for line in Path(job["events"]).read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):  # a line cut short by a kill
                run.events.append(json.loads(line))
        if run.of("unpatchable"):
            continue
        exits = run.of("exit")
        if not exits:
            run.events.append({"event": "not-run"})
        else:
            run.returncode = exits[-1]["code"]
        if collected and run.of("missing"):  # why they are missing, perhaps
            run.events.append({"event": "collect-error", "text": collected})
        runs[job["id"]] = run
    return runs


def run_mutants(root: Path, mutants: Sequence[Mutant],
                tests_for: Callable[[Mutant], Sequence[str]] | Sequence[str], *,
                python: str = sys.executable, env: Mapping[str, str] | None = None,
                timeout: float = 10.0, jobs: int = 1,
                pytest_args: Sequence[str] = (), fresh_process: bool = False,
                all_tests: bool = False) -> list[MutantResult]:
    """Runs, for each mutant, the pytest node ids that cover it, with the mutant applied in
    memory in a child process under `root` (see the module docstring). `timeout` is each test's
    budget; the results come in the order of `mutants`.

    Where the OS can fork, one child pytest collects the tests once and forks a child per
    mutant that swaps the mutated function's code in place (a fork server); a mutant that
    cannot be swapped in place (a nested function, say), and every mutant when
    `fresh_process` is true or there is no fork, runs in a fresh pytest process of its own
    with an import hook. A mutant's run stops at its first failing test unless `all_tests`
    is true (then `killed_by` names every test that failed on it)."""
    root = Path(root).resolve()
    texts = _mutated_sources(mutants)
    results: dict[int, MutantResult] = {}
    work: list[tuple[int, Mutant, str, list[str]]] = []
    for index, mutant in enumerate(mutants):
        text = texts[mutant.id]
        if isinstance(text, Exception):
            results[index] = MutantResult(mutant, "error", (), f"cannot build the mutant: {text}")
            continue
        chosen = tests_for(mutant) if callable(tests_for) else tests_for
        node_ids = list(dict.fromkeys(chosen))
        if not node_ids:
            results[index] = MutantResult(mutant, "survived", (), "no test covers it")
            continue
        work.append((index, mutant, text, node_ids))

    with workspace() as space:
        if work and hasattr(os, "fork") and not fresh_process:
            runs = _server_runs(space, root, [(m, t, n) for _i, m, t, n in work],
                                python=python, env=env, timeout=timeout, jobs=jobs,
                                pytest_args=pytest_args, stop=not all_tests)
            for index, mutant, _text, node_ids in work:
                run = None if runs is None else runs.get(mutant.id)
                if run is not None:
                    results[index] = judge(mutant, run, node_ids, timeout)
            work = [item for item in work if item[0] not in results]

        def one(item: tuple[int, Mutant, str, list[str]]) -> tuple[int, MutantResult]:
            index, mutant, text, node_ids = item
            spec = {"mode": "mutant", "modules": {str(mutant.path.resolve()): text},
                    "timeout": timeout, "stop": not all_tests}
            run = run_child(space, root, spec, node_ids, python=python, env=env,
                            deadline=START_ALLOWANCE + timeout * len(node_ids),
                            pytest_args=pytest_args)
            return index, judge(mutant, run, node_ids, timeout)

        if jobs <= 1 or len(work) <= 1:
            results.update(one(item) for item in work)
        else:
            with ThreadPoolExecutor(max_workers=jobs) as pool:
                results.update(pool.map(one, work))
    return [results[index] for index in range(len(mutants))]


def record_coverage(root: Path, node_ids: Sequence[str], *, python: str = sys.executable,
                    env: Mapping[str, str] | None = None,
                    timeout: float = 60.0) -> dict[str, dict[Path, frozenset[int]]]:
    """Per test node id, the lines it executes in the project's own files (under `root`, not
    test files, conftest.py or files under tests/ directories): one child pytest, traced with
    sys.monitoring on Python 3.12+ and sys.settrace before. `timeout` bounds the whole run
    (and each test); a test that did not run (not found, or past the deadline) is absent."""
    root = Path(root).resolve()
    if not node_ids:
        return {}
    wanted = list(dict.fromkeys(node_ids))
    # pytest gets the files and the plugin keeps the node ids: one that does not exist would
    # end the run before any test ("not found")
    spec = {"mode": "coverage", "root": str(root), "timeout": timeout, "select": wanted}
    files = list(dict.fromkeys(node.split("::", 1)[0] for node in wanted))
    with workspace() as space:
        run = run_child(space, root, spec, files, python=python,
                        env=env, deadline=timeout, pytest_args=())
    covered: dict[str, dict[Path, frozenset[int]]] = {}
    for event in run.of("lines"):
        covered[event["nodeid"]] = {Path(name).resolve(): frozenset(lines)
                                    for name, lines in event["lines"].items()}
    return covered
