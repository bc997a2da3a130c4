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

import contextlib
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
def pytest_configure(config: Any) -> None:
    """pytest-xdist (`-n` in the project's addopts) would run the tests in workers of its own,
    where neither the hook nor the fork server is; the engine runs them here."""
    if getattr(config.option, "dist", "no") != "no":
        config.option.dist = "no"
        config.option.numprocesses = None
        config.option.tx = []


def pytest_sessionstart(session: Any) -> None:
    global _session
    _session = session


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    wanted = _spec.get("select")
    if wanted is None:
        return
    chosen = _select(items, wanted)
    keep = {id(item) for item in chosen}
    dropped = [item for item in items if id(item) not in keep]
    items[:] = chosen
    if dropped:
        config.hook.pytest_deselected(items=dropped)


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
    _emit(event="report", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
          kind=getattr(report, "_testlint_kind", ""))
    if (report.failed and _spec.get("mode") in {"mutant", "server"} and _session is not None
            and _spec.get("stop", True)):
        _session.shouldstop = "the mutant is killed"


def _makereport(item: Any, call: Any) -> Any:
    """Marks a failure as a failed check (an AssertionError, pytest.fail, a pytest.raises that
    saw nothing) or an error the code raised."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.excinfo is not None:
        checked = call.excinfo.errisinstance((AssertionError, pytest.fail.Exception))
        report._testlint_kind = "check" if checked else "error"


with contextlib.suppress(NameError):  # no pytest: the plugin only ever runs inside pytest
    pytest_runtest_makereport = pytest.hookimpl(hookwrapper=True)(_makereport)


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    if _spec.get("mode") != "server":
        _emit(event="finish", exitstatus=int(exitstatus))


# --- the fork server ------------------------------------------------------------------------
# mode "server": {"mode": "server", "timeout": s, "jobs": n, "deadline": s per test,
#   "mutants": [{"id", "path", "qualname", "source", "tests": [node ids], "events": path}]}
# pytest collects once (the project's modules imported unmutated); then one forked child per
# mutant swaps the `__code__` of the mutated function for the one compiled from the mutated
# source (or, when the module is not imported yet, installs the import hook) and runs the
# mutant's tests, its events going to the mutant's own file. A child that cannot apply its
# mutant in place says "unpatchable"; the engine runs that one in a fresh process.
def _functions_in(value: Any) -> list[Any]:
    """The plain functions behind a class attribute or a module global."""
    found: list[Any] = []
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if hasattr(item, "__code__") and hasattr(item, "__globals__"):
            found.append(item)
        for name in ("__wrapped__", "__func__", "fget", "fset", "fdel", "func", "callback"):
            inner = getattr(item, name, None) if not isinstance(item, type) else None
            if inner is not None:
                stack.append(inner)
    return found


def _code_objects(code: CodeType) -> list[CodeType]:
    found = [code]
    for const in code.co_consts:
        if isinstance(const, CodeType):
            found.extend(_code_objects(const))
    return found


def _patch(job: dict[str, Any]) -> str:
    """Applies the mutant in this process: "patched", "hooked" or why it cannot be done."""
    target = _normal(job["path"])
    modules = [module for module in list(sys.modules.values())
               if isinstance(getattr(module, "__file__", None), str)
               and _normal(str(module.__file__)) == target]
    if not modules:
        sys.meta_path.insert(0, _MutantFinder({job["path"]: job["source"]}))
        return "hooked"
    try:
        compiled = _code_objects(compile(job["source"], job["path"], "exec", dont_inherit=True))
    except (SyntaxError, ValueError) as error:
        return f"the mutant does not compile: {error}"
    parts = job["qualname"].split(".")
    patched = 0
    for module in modules:
        owner: Any = module
        functions: list[Any] = []
        for index, part in enumerate(parts):
            value = vars(owner).get(part) if hasattr(owner, "__dict__") else None
            if isinstance(value, type):
                owner = value
                continue
            functions = _functions_in(value)
            if index != len(parts) - 1:
                return "the mutant is in a nested function"  # closures made at import time
            break
        for function in functions:
            old = function.__code__
            for new in compiled:
                if (new.co_name == old.co_name and new.co_firstlineno == old.co_firstlineno
                        and new.co_freevars == old.co_freevars
                        and getattr(new, "co_qualname", "") == getattr(old, "co_qualname", "")):
                    function.__code__ = new
                    patched += 1
                    break
    return "patched" if patched else "the mutated function is not reachable from its module"


def _select(items: list[Any], wanted: list[str]) -> list[Any]:
    chosen = []
    for item in items:
        nodeid = item.nodeid
        if any(nodeid == want or nodeid.startswith((want + "::", want + "["))
               for want in wanted):
            chosen.append(item)
    return chosen


def _serve_one(session: Any, job: dict[str, Any]) -> None:
    """In the forked child: apply the mutant, run its tests, report, exit."""
    global _events
    _events = open(job["events"], "a", encoding="utf-8")  # noqa: SIM115 - lives with the process
    applied = _patch(job)
    if applied not in {"patched", "hooked"}:
        _emit(event="unpatchable", reason=applied)
        return
    if applied == "patched":
        _emit(event="loaded", module="", path=job["path"])
    items = _select(session.items, job["tests"])
    missing = [want for want in job["tests"] if not _select(items, [want])]
    for nodeid in missing:
        _emit(event="missing", nodeid=nodeid)
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
        if session.shouldstop and _spec.get("stop", True):
            break
    _emit(event="finish", exitstatus=0)


def _wait_any(running: dict[int, tuple[dict[str, Any], float]]) -> None:
    """Reaps the children that ended, kills those past their deadline; writes their exit."""
    import time

    while True:
        for pid, (job, deadline) in list(running.items()):
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done and time.monotonic() > deadline:
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                code: int | None = None
            elif done:
                code = os.waitstatus_to_exitcode(status)
            else:
                continue
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)  # what the tests started and left behind
            with open(job["events"], "a", encoding="utf-8") as stream:
                stream.write(json.dumps({"event": "exit", "code": code}) + "\n")
            del running[pid]
            return
        time.sleep(0.005)


def _serve(session: Any) -> bool:
    import time

    _emit(event="ready", items=len(session.items))
    jobs = max(1, int(_spec.get("jobs") or 1))
    running: dict[int, tuple[dict[str, Any], float]] = {}
    for job in _spec["mutants"]:
        while len(running) >= jobs:
            _wait_any(running)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.setpgid(0, 0)
                _serve_one(session, job)
            except BaseException as error:  # reported, then the child ends
                _emit(event="crash", text=repr(error))
                code = 1
            finally:
                if _events is not None:
                    _events.flush()
                os._exit(code)
        with contextlib.suppress(OSError):  # as the child does: no race with a kill at the deadline
            os.setpgid(pid, pid)
        budget = float(job.get("deadline") or 60.0)
        running[pid] = (job, time.monotonic() + budget)
    while running:
        _wait_any(running)
    return True


def _runtestloop(session: Any) -> Any:
    if _spec.get("mode") != "server":
        return None
    return _serve(session)


with contextlib.suppress(NameError):  # no pytest: the plugin only ever runs inside pytest
    pytest_runtestloop = pytest.hookimpl(tryfirst=True)(_runtestloop)
