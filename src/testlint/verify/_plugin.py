"""The pytest plugin `testlint verify` loads into the project's own pytest (`-p`).

Configured by the JSON file named in TESTLINT_VERIFY_CONFIG; writes one JSON line per event to
the file it names in "out". Modes:

- "collect": the selected items (node id, file, function qualname), and collection errors;
- "observe": each selected test's outcome, the lines it executed in files under the rootdir,
  and the assertion-like calls it made (a function named `assert*`, pytest.raises/warns);
- "stub": each test's outcome with the project functions it reached switched to
  `raise NotImplementedError` (the modules are compiled in memory by an import hook installed
  when this plugin is imported, before any project module is collected).

Each test has a time budget (SIGALRM where available); a test over it is recorded as "timeout".
"""

from __future__ import annotations

import ast
import importlib.machinery
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

_CONFIG: dict[str, Any] = {}
_PATH = os.environ.get("TESTLINT_VERIFY_CONFIG")
if _PATH:
    with open(_PATH, encoding="utf-8") as _handle:
        _CONFIG = json.load(_handle)
_INSTRUMENTED: set[str] = set()


def _emit(record: dict[str, Any]) -> None:
    with open(_CONFIG["out"], "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


# --- the in-memory stub hook -------------------------------------------------------------------

class _StubLoader(importlib.machinery.SourceFileLoader):
    """Compiles the stubbed AST; never reads or writes bytecode caches."""

    def get_code(self, fullname: str) -> Any:
        from testlint.verify.functions import stub_tree

        path = self.get_filename(fullname)
        source = self.get_data(path)
        tree = ast.parse(source, filename=path)
        done = stub_tree(tree, path + "::", set(_CONFIG["instrument"].get(path, ())))
        if done:
            _INSTRUMENTED.add(path)
        return compile(tree, path, "exec", dont_inherit=True)


class _StubFinder:
    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> Any:
        for finder in sys.meta_path:
            if finder is cls or not hasattr(finder, "find_spec"):
                continue
            try:
                spec = finder.find_spec(name, path, target)
            except Exception:
                continue
            if spec is None:
                continue
            origin = os.path.realpath(spec.origin) if spec.origin else ""
            if origin in _CONFIG["instrument"] and isinstance(
                spec.loader, importlib.machinery.SourceFileLoader
            ):
                spec.loader = _StubLoader(name, origin)
            return spec
        return None


if _CONFIG.get("mode") == "stub":
    sys.meta_path.insert(0, _StubFinder)


# --- selection and collection --------------------------------------------------------------------

def pytest_cmdline_main(config: pytest.Config) -> None:
    # one process, whatever the project's addopts say (-n auto would fork workers without us)
    if hasattr(config.option, "numprocesses"):
        config.option.numprocesses = None
        config.option.dist = "no"


def _qualname(item: pytest.Item) -> str:
    parts = []
    node: Any = item
    while node is not None and not isinstance(node, pytest.Module):
        name = getattr(node, "originalname", None) or node.name
        if not isinstance(node, pytest.Item) or node is item:
            parts.append(name)
        node = node.parent
    return ".".join(reversed(parts))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = _CONFIG.get("select")
    if wanted is not None:
        keep = set(wanted)
        selected = [item for item in items if item.nodeid in keep]
        deselected = [item for item in items if item.nodeid not in keep]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        text = str(report.longrepr).strip().splitlines()
        _emit({"event": "collect-error", "nodeid": report.nodeid,
               "detail": text[-1] if text else "collection failed"})


def pytest_collection_finish(session: pytest.Session) -> None:
    if _CONFIG.get("mode") == "collect":  # after -k, -m and every plugin's deselection
        for item in session.items:
            _emit({"event": "item", "nodeid": item.nodeid,
                   "path": os.path.realpath(str(item.path)), "qualname": _qualname(item)})
    _emit({"event": "collected", "count": len(session.items),
           "rootdir": os.path.realpath(str(session.config.rootpath))})


def pytest_runtestloop(session: pytest.Session) -> Any:
    if _CONFIG.get("mode") == "collect":
        return True  # collected is all we wanted; run nothing
    return None


# --- running ---

class _Timeout(BaseException):
    """Raised in a test that exceeds its budget (a BaseException: `except Exception` in a test
    must not swallow it)."""


class _Recorder:
    def __init__(self, root: str) -> None:
        self.root = root + os.sep
        self.lines: dict[str, set[int]] = {}
        self.assert_calls = 0
        self.test_files: set[str] = set()  # the test's own module, as its code objects name it
        self.direct: set[tuple[str, int]] = set()  # (file, first line) of functions it calls
        self._project: dict[str, bool] = {}
        pytest_dir = os.path.dirname(os.path.realpath(pytest.__file__))
        self.pytest_dir = os.path.join(os.path.dirname(pytest_dir), "_pytest") + os.sep

    def _is_project(self, filename: str) -> bool:
        known = self._project.get(filename)
        if known is None:
            real = os.path.realpath(filename)
            known = (real.startswith(self.root) and "site-packages" not in real
                     and os.sep + "." not in real[len(self.root) - 1:])
            self._project[filename] = known
        return known

    def global_trace(self, frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        name = code.co_name
        if name.startswith(("assert", "raises", "warns", "deprecated_call")):
            # an assertion the project's code asked for (pytest's own internals call their
            # `_assert*` helpers too; those do not count)
            caller = frame.f_back
            if caller is not None and self._is_project(caller.f_code.co_filename) and (
                name.startswith("assert") or code.co_filename.startswith(self.pytest_dir)
            ):
                self.assert_calls += 1
        if self._is_project(code.co_filename):
            caller = frame.f_back
            if caller is not None and caller.f_code.co_filename in self.test_files:
                self.direct.add((os.path.realpath(code.co_filename), code.co_firstlineno))
            lines = self.lines.setdefault(os.path.realpath(code.co_filename), set())

            def local(frame: Any, event: str, arg: Any) -> Any:
                if event == "line":
                    lines.add(frame.f_lineno)
                return local

            return local
        return None


_OUTCOMES: dict[str, dict[str, Any]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: Any) -> Iterator[None]:
    mode = _CONFIG.get("mode")
    from testlint.verify import _switch

    _OUTCOMES[item.nodeid] = {"outcome": "passed", "detail": ""}
    recorder = None
    previous = sys.gettrace()
    if mode == "stub":
        _switch.ACTIVE.clear()
        _switch.ACTIVE.update(_CONFIG.get("stubs", {}).get(item.nodeid, ()))
    if mode == "observe":
        recorder = _Recorder(os.path.realpath(str(item.config.rootpath)))
        recorder.test_files = {str(item.path), os.path.realpath(str(item.path))}
        sys.settrace(recorder.global_trace)
    started = time.perf_counter()
    try:
        yield
    finally:
        sys.settrace(previous)
        _switch.ACTIVE.clear()
    record: dict[str, Any] = {"event": "test", "nodeid": item.nodeid, **_OUTCOMES[item.nodeid],
                              "seconds": round(time.perf_counter() - started, 4)}
    if recorder is not None:
        record["lines"] = {path: sorted(lines) for path, lines in recorder.lines.items()}
        record["assert_calls"] = recorder.assert_calls
        record["direct"] = sorted(recorder.direct)
    if mode == "stub":
        record["instrumented"] = sorted(_INSTRUMENTED)
    _emit(record)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    budget = float(_CONFIG.get("timeout") or 0)
    armed = budget > 0 and hasattr(signal, "setitimer")
    if armed:
        def expire(signum: int, frame: Any) -> None:
            raise _Timeout(f"over the {budget:g} s budget")

        old = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _OUTCOMES.get(report.nodeid)
    if state is None:
        return
    if report.failed:
        timeout = "_Timeout" in str(report.longrepr)
        failed = "failed" if report.when == "call" else "error"
        state["outcome"] = "timeout" if timeout else failed
        crash = getattr(report.longrepr, "reprcrash", None)
        lookup = getattr(report.longrepr, "errorstring", None)  # a fixture not found
        lines = str(report.longrepr).strip().splitlines()
        if crash and crash.message:
            detail = crash.message.splitlines()[0]
        elif isinstance(lookup, str) and lookup.strip():
            detail = lookup.strip().splitlines()[0]
        else:
            detail = lines[-1] if lines else ""
        if timeout:
            detail = f"stopped after {float(_CONFIG.get('timeout') or 0):g} s"
        state["detail"] = detail[:300]
    elif report.skipped and state["outcome"] == "passed":
        state["outcome"] = "skipped"
        if report.when == "call" and hasattr(report, "wasxfail"):
            state["outcome"] = "xfail"
    elif report.when == "call" and hasattr(report, "wasxfail"):
        state["outcome"] = "xpass"


