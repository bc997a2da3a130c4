"""Runs one pytest node several times, each in a fresh process, for gates 3 and 4.

This file is copied next to (not into) the temporary copy of the project and run as a script,
so it imports nothing from testlint and nothing of it shadows the project's modules. It imports
pytest once, then forks one child per run, each in a process group of its own that is killed
whole when the run ends or times out: every run starts
from a clean process (no module state carried over) without paying pytest's start-up again.
Where fork is unavailable each run is a plain `python -m pytest` subprocess.

The job (a JSON file, argv[1]): {"args": [...], "timeout": seconds, "phases": [{"until":
"failure" | "killed" | "all", "variants": [{"files": {path: text}, "args": [...]?, "env":
{...}?}, ...]}, ...]}. A variant's files are written before its run and restored after it; its
own "args" replace the job's; a variant with an "env" (a PYTHONHASHSEED of its own) runs as a
fresh `python -m pytest` process, since a forked child keeps its parent's hash seed. "all" runs
every variant whatever happens; a phase marked "required" in which no run passed, or marked
"stop_on_timeout" in which a run timed out, skips the later phases. A phase stops at the first
run that fails ("failure": any exit code but 0; later phases are then skipped) or at the first
run that a mutant kills ("killed": exit code 1 or a timeout). The results are printed as one
JSON line: one list per phase run of [{"returncode": int | null, "output": str}, ...].
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(OSError):  # the group is gone already
        os.killpg(pgid, signal.SIGKILL)


def _run_forked(args: list[str], timeout: float) -> tuple[int | None, str]:
    import pytest

    handle, out_path = tempfile.mkstemp(prefix="testlint-run-", suffix=".txt")
    os.close(handle)
    pid = os.fork()
    if pid == 0:  # the child: a process group of its own, output to the file, pytest's code
        code = 4
        try:
            os.setpgid(0, 0)
            fd = os.open(out_path, os.O_WRONLY | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            code = int(pytest.main(list(args)))
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    with contextlib.suppress(OSError):  # the child did it first, or has exited already
        os.setpgid(pid, pid)  # as the child does: no race with a kill at the deadline
    deadline = time.monotonic() + timeout
    returncode = None
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            _kill_group(pid)
            os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    _kill_group(pid)  # whatever the run started and left behind dies with it
    with open(out_path, encoding="utf-8", errors="replace") as stream:
        output = stream.read()
    os.unlink(out_path)
    return returncode, output


def _run_subprocess(args: list[str], timeout: float, env: dict[str, str] | None = None
                    ) -> tuple[int | None, str]:
    posix = os.name == "posix"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", *args], stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
        env=None if env is None else {**os.environ, **env}, start_new_session=posix)
    returncode: int | None
    try:
        output, _ = process.communicate(timeout=timeout)
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        if posix:
            _kill_group(process.pid)
        process.kill()
        output, _ = process.communicate()
        returncode = None
    if posix:
        _kill_group(process.pid)  # whatever the run started and left behind dies with it
    return returncode, output or ""


def _run_variant(variant: dict[str, Any], job: dict[str, Any], fork: bool
                 ) -> tuple[int | None, str]:
    saved: dict[str, bytes] = {}
    try:
        for path, text in variant.get("files", {}).items():
            with open(path, "rb") as stream:
                saved[path] = stream.read()
            with open(path, "wb") as stream:
                stream.write(text.encode("utf-8"))
        args = variant.get("args") or job["args"]
        if variant.get("env") is not None or not fork:
            return _run_subprocess(args, job["timeout"], variant.get("env"))
        return _run_forked(args, job["timeout"])
    finally:
        for path, data in saved.items():
            with open(path, "wb") as stream:
                stream.write(data)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as stream:
        job = json.load(stream)
    fork = hasattr(os, "fork")
    if fork:
        import pytest  # noqa: F401 - once, before the children
    results: list[list[dict[str, Any]]] = []
    for phase in job["phases"]:
        phase_results: list[dict[str, Any]] = []
        results.append(phase_results)
        for variant in phase["variants"]:
            returncode, output = _run_variant(variant, job, fork)
            phase_results.append({"returncode": returncode, "output": output[-20000:]})
            if phase["until"] == "failure" and returncode != 0:
                break
            if phase["until"] == "killed" and returncode in (1, None):
                break  # "all" runs every variant
        if phase["until"] == "failure" and phase_results and phase_results[-1]["returncode"] != 0:
            break  # a later phase (mutants) means nothing when the test fails on the real code
        if phase.get("required") and all(r["returncode"] != 0 for r in phase_results):
            break  # not one run passed: the later phases mean nothing
        if phase.get("stop_on_timeout") and any(r["returncode"] is None for r in phase_results):
            break  # a test that hangs would hang in every later run too
    sys.stdout.write("\n@@testlint-results@@" + json.dumps(results) + "\n")


if __name__ == "__main__":
    main()
