"""Start-up and editor latency: what a user waits for in pre-commit, flake8 and the editor.

    python benchmarks/startup.py --pandas DIR/pandas/tests [--repeat 7] [--skip lsp,flake8,...]

Three measurements, each printed with its target and whether it holds:

- one-file call: `testlint check --only-test-files --force-exclude --no-cache FILE` (what the
  pre-commit hook runs) on one test file, testlint's modules byte-compiled first (as pip
  installs them); median wall time of --repeat runs. Target: at most 0.2 s.
- flake8 --select E: on a test file with testlint installed, and with testlint's distribution
  hidden from flake8's plugin discovery (the same interpreter and flake8 in both, so the
  difference is exactly what the plugin costs a call that does not select it); runs alternate.
  Target: within 20 ms of the call without testlint.
- language server: `testlint lsp` over stdio (a subprocess, framed JSON-RPC as an editor sends
  it) on pandas' largest test file: open it, wait for its diagnostics, then type ten keystrokes
  50 ms apart (incremental changes) in its last test; the time from the last keystroke to the
  first diagnostics of the final version (the quick lint of the edited test), debounce
  included; the full lint's diagnostics that follow are shown too. Median over the bursts.
  Target: at most 150 ms.

Timings on a shared machine are noisy: run it on a quiet one, and compare runs side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PYTHON = sys.executable

# flake8 with one distribution hidden from importlib.metadata (its plugin discovery)
FLAKE8 = """
import sys, importlib.metadata as metadata
hidden = sys.argv.pop(1)
if hidden:
    real = metadata.distributions
    def distributions(**kwargs):
        return (d for d in real(**kwargs) if (d.metadata["Name"] or "").lower() != hidden)
    metadata.distributions = distributions
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""


def env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("FLAKE8", "TESTLINT"))}
    return {**keep, "PYTHONPATH": str(SRC)}


def wall(command: list[str], cwd: Path, cpu: list[float] | None = None) -> float:
    """Wall time of the command; its CPU time (user + sys) appended to `cpu`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env(), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return elapsed


def verdict(name: str, value: float, target: float, unit: str = "s") -> bool:
    holds = value <= target
    shown = f"{value * 1000:.0f} ms" if unit == "s" else f"{value:.3f}"
    limit = f"{target * 1000:.0f} ms"
    print(f"  {name:<58} {shown:>10}   target <= {limit:<8} {'HOLD' if holds else 'MISS'}")
    return holds


# ---- one-file call --------------------------------------------------------------------------


def one_file(file: Path, repeat: int) -> bool:
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(SRC / "testlint")], check=True)
    command = [PYTHON, "-m", "testlint", "check", "--only-test-files", "--force-exclude",
               "--no-cache", str(file)]
    wall(command, file.parent)  # warm the file system cache
    cpu: list[float] = []
    times = [wall(command, file.parent, cpu) for _ in range(repeat)]
    print(f"one-file call on {file.name} ({len(file.read_text().splitlines())} lines), "
          f"{repeat} runs, median: CPU {statistics.median(cpu) * 1000:.0f} ms (user + sys)")
    return verdict("testlint check (pre-commit hook's arguments)", statistics.median(times), 0.2)


# ---- flake8 ---------------------------------------------------------------------------------


def flake8_select_e(file: Path, repeat: int) -> bool:
    cpu: dict[str, list[float]] = {"": [], "testlint": []}

    def run(hidden: str) -> float:
        return wall([PYTHON, "-c", FLAKE8, hidden, "--isolated", "--select", "E", str(file)],
                    file.parent, cpu[hidden])

    run("")
    run("testlint")
    for times in cpu.values():
        times.clear()
    with_plugin: list[float] = []
    without: list[float] = []
    for _ in range(repeat):
        with_plugin.append(run(""))
        without.append(run("testlint"))
    plugged, bare = statistics.median(with_plugin), statistics.median(without)
    print(f"flake8 --select E on {file.name}, {repeat} runs each, median: with testlint "
          f"{plugged * 1000:.0f} ms wall, {statistics.median(cpu['']) * 1000:.0f} ms CPU; "
          f"without {bare * 1000:.0f} ms wall, "
          f"{statistics.median(cpu['testlint']) * 1000:.0f} ms CPU")
    return verdict("flake8 --select E: cost of having testlint installed", plugged - bare, 0.020)


# ---- language server ------------------------------------------------------------------------


class Client:
    """A minimal LSP client over the server's stdio."""

    def __init__(self, cwd: Path) -> None:
        self.process = subprocess.Popen([PYTHON, "-m", "testlint", "lsp"], cwd=cwd, env=env(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.next_id = 0

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if not line.strip():
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            body = json.loads(stream.read(length))
            self.messages.put((time.perf_counter(), body))

    def send(self, message: dict[str, Any]) -> float:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.process.stdin.flush()
        return time.perf_counter()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        while True:
            _, message = self.messages.get(timeout=120)
            if message.get("id") == self.next_id and "method" not in message:
                return message.get("result")

    def diagnostics_of(self, uri: str, version: int, wait: float = 120) -> float | None:
        """When the diagnostics of this version arrived (waiting for them), None if not."""
        deadline = time.perf_counter() + wait
        while True:
            try:
                at, message = self.messages.get(timeout=max(deadline - time.perf_counter(), 0))
            except queue.Empty:
                return None
            if message.get("method") != "textDocument/publishDiagnostics":
                continue
            params = message["params"]
            if params["uri"] == uri and params.get("version") == version:
                return at

    def close(self) -> None:
        self.request("shutdown", None)
        self.send({"method": "exit", "params": None})
        self.process.wait(timeout=30)


def lsp_burst(file: Path, repeat: int, keystrokes: int = 10, gap: float = 0.05) -> bool:
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines()
    # type into the body of the last test of the file (a comment: the findings stay the same)
    target = max(i for i, line in enumerate(lines) if line.lstrip().startswith("def test_"))
    line = target + 1
    indent = len(lines[line]) - len(lines[line].lstrip())
    client = Client(file.parent)
    try:
        client.request("initialize", {"processId": None, "rootUri": file.parent.as_uri(),
                                      "capabilities": {}})
        client.send({"method": "initialized", "params": {}})
        uri = file.resolve().as_uri()
        opened = client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}}})
        first = (client.diagnostics_of(uri, 1) or 0) - opened
        version = 1
        latencies: list[float] = []
        full: list[float] = []
        column = indent
        for burst in range(repeat):
            # a new line in the test body, then the keystrokes of a comment on it
            version += 1
            position = {"line": line, "character": 0}
            client.send({"method": "textDocument/didChange", "params": {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": position, "end": position},
                                    "text": " " * indent + "#\n"}]}})
            column = indent + 1
            last = 0.0
            for _ in range(keystrokes):
                time.sleep(gap)
                version += 1
                at = {"line": line, "character": column}
                last = client.send({"method": "textDocument/didChange", "params": {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": at, "end": at}, "text": "x"}]}})
                column += 1
            latencies.append((client.diagnostics_of(uri, version) or 0) - last)
            # the full lint that follows a quick one (a second publish of the same version)
            full_at = client.diagnostics_of(uri, version, wait=15)
            if full_at is not None:
                full.append(full_at - last)
            del burst
        client.close()
    finally:
        if client.process.poll() is None:
            client.process.kill()
    print(f"language server on {file.name} ({len(lines)} lines): first diagnostics "
          f"{first * 1000:.0f} ms after didOpen; {repeat} bursts of {keystrokes} keystrokes "
          f"{gap * 1000:.0f} ms apart: "
          + ", ".join(f"{x * 1000:.0f}" for x in latencies) + " ms; the full lint after: "
          + (", ".join(f"{x * 1000:.0f}" for x in full) + " ms" if full else "none"))
    return verdict("diagnostics after the last keystroke (median, debounce included)",
                   statistics.median(latencies), 0.150)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pandas", type=Path, required=True, help="pandas' tests directory")
    parser.add_argument("--file", type=Path, help="the one-file call's file "
                        "(default: the tests directory's test_common.py, else a median-sized file)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip", default="", help="comma-separated: one-file,flake8,lsp")
    args = parser.parse_args()
    tests = args.pandas.resolve()
    files = sorted(tests.rglob("test_*.py"), key=lambda p: p.stat().st_size)
    largest = files[-1]
    typical = args.file or (tests / "test_common.py" if (tests / "test_common.py").is_file()
                            else files[len(files) // 2])
    skip = set(filter(None, args.skip.split(",")))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} (a busy machine inflates wall times)")
    results = []
    with tempfile.TemporaryDirectory():
        if "one-file" not in skip:
            results.append(one_file(typical.resolve(), args.repeat))
        if "flake8" not in skip:
            results.append(flake8_select_e(typical.resolve(), args.repeat))
        if "lsp" not in skip:
            results.append(lsp_burst(largest, max(3, args.repeat // 2)))
    print("all targets hold" if all(results) else "some targets missed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
