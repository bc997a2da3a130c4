"""The pytest plugin the mutation engine loads into each child pytest (`-p`).

It imports nothing from testlint and only the stdlib, because the child may be another Python
than testlint's own: the engine copies this file into a temporary directory outside the project,
puts that directory on PYTHONPATH and loads it as `-p _testlint_mutation_child`. The job comes
through the environment variable TESTLINT_MUTATION_SPEC, the path of a JSON file:

    {"mode": "mutant", "modules": {path: source}, "timeout": seconds, "events": path}
    {"mode": "coverage", "root": path, "timeout": seconds, "events": path}

"mutant": an import hook (the first meta-path finder) gives every module whose file is one of
`modules` the code compiled from the given (mutated) source instead of the file: nothing is
written anywhere, and no bytecode cache is read or written for it. The run stops at the first
failing test. "coverage": the lines each test executes in the project's own files (under
`root`, not test files), with sys.monitoring on Python 3.12+ and sys.settrace before.

In both modes each test has a time budget (`timeout`, via SIGALRM where there is one): a test
past it ends the process at once (os._exit), after an event says which test it was.
The plugin reports by appending JSON lines (events) to the `events` file, flushed one by one,
so that what happened before a crash or a kill is still there.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import signal
import sys
import threading
from types import CodeType, FrameType, ModuleType
from typing import Any

sys.dont_write_bytecode = True  # no __pycache__ under the project from this process

_SPEC_VARIABLE = "TESTLINT_MUTATION_SPEC"
_spec: dict[str, Any] = {}
_events: Any = None
_session: Any = None
_current: set[tuple[str, int]] | None = None  # coverage of the running test


def _normal(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _emit(**event: Any) -> None:
    if _events is not None:
        _events.write(json.dumps(event) + "\n")
        _events.flush()


class _MutantLoader(importlib.machinery.SourceFileLoader):
    """Loads one module from the mutated source, without any bytecode cache."""

    def __init__(self, fullname: str, path: str, source: str) -> None:
        super().__init__(fullname, path)
        self._mutated = source

    def get_source(self, fullname: str) -> str:
        return self._mutated

    def get_code(self, fullname: str) -> CodeType:
        _emit(event="loaded", module=fullname, path=self.path)
        return compile(self._mutated, self.path, "exec", dont_inherit=True)


class _MutantFinder(importlib.abc.MetaPathFinder):
    """Asks the other finders where a module is; swaps the loader when it is a mutated file."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = {_normal(path): source for path, source in modules.items()}

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> Any:
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(fullname, path, target)
            if spec is None:
                continue
            origin = spec.origin
            if origin and origin.endswith(".py") and _normal(origin) in self._modules:
                spec.loader = _MutantLoader(fullname, origin, self._modules[_normal(origin)])
                return spec
            return None  # not ours: the import system asks the other finders as it always does
        return None


# --- coverage -------------------------------------------------------------------------------
def _project_file(root: str) -> Any:
    known: dict[str, bool] = {}

    def included(filename: str) -> bool:
        verdict = known.get(filename)
        if verdict is None:
            verdict = False
            if filename.endswith(".py"):
                path = _normal(filename)
                if path.startswith(root + os.sep):
                    parts = path[len(root) + 1:].split(os.sep)
                    name = parts[-1]
                    verdict = not (
                        name.startswith("test_") or name.endswith("_test.py")
                        or name == "conftest.py"
                        or any(part in {"tests", "test", "site-packages", "dist-packages",
                                        "__pycache__"} or part.startswith(".")
                               for part in parts[:-1]))
            known[filename] = verdict
        return verdict

    return included


def _start_tracing(root: str) -> None:
    included = _project_file(_normal(root))
    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:  # Python 3.12+: events, disabled per line once seen in a test
        tool = monitoring.COVERAGE_ID
        monitoring.use_tool_id(tool, "testlint-mutation")

        def on_line(code: CodeType, line: int) -> Any:
            if not included(code.co_filename):
                return monitoring.DISABLE
            if _current is None:
                return None  # outside a test: keep the event for the tests to come
            _current.add((code.co_filename, line))
            return monitoring.DISABLE

        monitoring.register_callback(tool, monitoring.events.LINE, on_line)
        monitoring.set_events(tool, monitoring.events.LINE)
        return

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and _current is not None:
            _current.add((frame.f_code.co_filename, frame.f_lineno))
        return local

    def call(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and _current is not None and included(frame.f_code.co_filename):
            return local
        return None

    threading.settrace(call)
    sys.settrace(call)


# --- the time budget ------------------------------------------------------------------------
def _arm(nodeid: str) -> None:
    timeout = float(_spec.get("timeout") or 0)
    if timeout <= 0 or not hasattr(signal, "setitimer"):
        return

    def expired(signum: int, frame: Any) -> None:
        _emit(event="timeout", nodeid=nodeid, timeout=timeout)
        os._exit(75)

    signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, timeout)


def _disarm() -> None:
    if hasattr(signal, "setitimer"):
        signal.setitimer(signal.ITIMER_REAL, 0)


# --- set-up at import (before conftest files and test modules are imported) ----------------
def _setup() -> None:
    global _spec, _events
    spec_path = os.environ.get(_SPEC_VARIABLE)
    if not spec_path:
        return
    with open(spec_path, encoding="utf-8") as stream:
        _spec = json.load(stream)
    _events = open(_spec["events"], "a", encoding="utf-8")  # noqa: SIM115 - lives with the process
    if _spec.get("mode") == "mutant":
        modules: dict[str, str] = _spec["modules"]
        targets = {_normal(path) for path in modules}
        for name, module in list(sys.modules.items()):
            file = getattr(module, "__file__", None)
            if file and _normal(file) in targets:
                _emit(event="preloaded", module=name, path=file)
        sys.meta_path.insert(0, _MutantFinder(modules))
    elif _spec.get("mode") == "coverage":
        _start_tracing(_spec["root"])


_setup()


# --- pytest hooks ---------------------------------------------------------------------------
def pytest_sessionstart(session: Any) -> None:
    global _session
    _session = session


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _emit(event="collect-error", nodeid=report.nodeid, text=str(report.longrepr)[-4000:])


def _runtest_protocol(item: Any) -> Any:
    global _current
    monitoring = getattr(sys, "monitoring", None)
    if _spec.get("mode") == "coverage":
        _current = set()
        if monitoring is not None:
            monitoring.restart_events()
    _emit(event="start", nodeid=item.nodeid)
    _arm(item.nodeid)
    try:
        yield
    finally:
        _disarm()
        if _current is not None:
            lines: dict[str, list[int]] = {}
            for filename, line in _current:
                lines.setdefault(filename, []).append(line)
            _emit(event="lines", nodeid=item.nodeid,
                  lines={name: sorted(found) for name, found in lines.items()})
            _current = None


try:  # the hookwrapper marker, in the spelling this pytest knows
    import pytest

    pytest_runtest_protocol = pytest.hookimpl(hookwrapper=True)(_runtest_protocol)
except ImportError:  # pragma: no cover - the plugin only ever runs inside pytest
    pass


def pytest_runtest_logreport(report: Any) -> None:
    _emit(event="report", nodeid=report.nodeid, when=report.when, outcome=report.outcome)
    if report.failed and _spec.get("mode") == "mutant" and _session is not None:
        _session.shouldstop = "the mutant is killed"


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    _emit(event="finish", exitstatus=int(exitstatus))
