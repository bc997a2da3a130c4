"""Child pytest processes: the project's own pytest with testlint's plugin loaded (`-p`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import testlint

PLUGIN = "testlint.verify._plugin"


@dataclass
class ChildResult:
    records: list[dict[str, Any]]
    returncode: int | None  # None: killed after the time limit
    stderr: str
    stdout: str = ""
    items: list[dict[str, Any]] = field(default_factory=list)

    def of(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("event") == event]


def child_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The user's environment, plus: testlint importable, no bytecode written, no pytest cache."""
    env = dict(os.environ if base is None else base)
    src = str(Path(testlint.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH", "")) if p)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_child(
    cwd: Path,
    args: Sequence[str],
    config: dict[str, Any],
    *,
    python: str = sys.executable,
    timeout: float = 600.0,
) -> ChildResult:
    with tempfile.TemporaryDirectory(prefix="testlint-verify-") as tmp:
        out = Path(tmp) / "out.jsonl"
        out.touch()
        conf = Path(tmp) / "config.json"
        conf.write_text(json.dumps({**config, "out": str(out)}), encoding="utf-8")
        env = child_env()
        env["TESTLINT_VERIFY_CONFIG"] = str(conf)
        # pytest-cov in the project's addopts writes its data file into the working directory
        env.setdefault("COVERAGE_FILE", str(Path(tmp) / ".coverage"))
        command = [python, "-m", "pytest", "-p", PLUGIN, "-p", "no:cacheprovider",
                   "-q", "--no-header", "-rN", *args]
        try:
            done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL, check=False)
            code: int | None = done.returncode
            stderr, stdout = done.stderr, done.stdout
        except subprocess.TimeoutExpired as exc:
            code = None
            stderr = _text(exc.stderr)
            stdout = _text(exc.stdout)
        records = []
        for line in out.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
    return ChildResult(records=records, returncode=code, stderr=stderr, stdout=stdout)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def failure_summary(result: ChildResult) -> str:
    """One line saying why a child pytest ended without running anything."""
    for stream in (result.stderr, result.stdout):
        lines = [line.strip() for line in stream.strip().splitlines() if line.strip()]
        for line in reversed(lines):
            if line.startswith(("ERROR", "E ", "ImportError", "ModuleNotFoundError")) or \
                    "error" in line.lower():
                return line[:300]
        if lines:
            return lines[-1][:300]
    if result.returncode is None:
        return "pytest did not finish in time"
    return f"pytest exited with code {result.returncode}"
