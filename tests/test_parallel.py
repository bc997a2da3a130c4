"""`--jobs`: a process pool for large runs whose output is identical to a serial run; and the
progress bar, which appears on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import testlint
from testlint.config import Config
from testlint.discovery import Discovery
from testlint.engine import make_engine
from testlint.pytest_config import find_pytest_config
from tests.conftest import FIXTURES
from tests.helpers import run_cli, write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A suite of 100+ files made from the rule fixtures (findings of every rule), a conftest
    whose fixtures some tests rely on, a file that does not parse and one that is not UTF-8."""
    root = tmp_path_factory.mktemp("tree")
    files: dict[str, str] = {
        "pytest.ini": "[pytest]\n",
        "tests/conftest.py": "import pytest\n\n\n@pytest.fixture\ndef checked():\n"
                             "    yield\n    assert True\n",
        "tests/test_broken.py": "def test_x(:\n    pass\n",
        "tests/test_fixture_user.py": "def test_a(checked):\n    run()\n",
    }
    fixtures = sorted((FIXTURES / "rules").glob("TL*.py"))
    assert fixtures
    for i in range(120):
        source = fixtures[i % len(fixtures)]
        files[f"tests/pkg{i % 7}/test_{source.stem.lower()}_{i:03d}.py"] = source.read_text("utf-8")
    write_files(root, files)
    (root / "tests" / "test_latin1.py").write_bytes(b"def test_x():\n    s = '\xe9'\n")
    return root


def lint_with(root: Path, jobs: int) -> tuple[list[str], int]:
    pytest_config = find_pytest_config([root])
    config = Config(root=root)
    engine = make_engine([root], config=config, pytest_config=pytest_config)
    files = Discovery(config, pytest_config).files([root])
    findings = engine.lint_files(files, jobs=jobs)
    assert engine.last_run is not None
    return [f"{f.path}:{f.line}:{f.col}: {f.code} {f.message} [{f.fingerprint}]"
            for f in findings], engine.last_run.workers


def test_pool_output_is_identical_to_a_serial_run(tree: Path) -> None:
    serial, serial_workers = lint_with(tree, jobs=1)
    parallel, workers = lint_with(tree, jobs=3)
    assert (serial_workers, workers) == (0, 3)
    assert parallel == serial
    codes = {line.split(": ")[1].split()[0] for line in serial}
    assert {"TL000", "TL101"} <= codes
    assert not any("test_fixture_user" in line for line in serial)  # the conftest was seen


def test_cli_jobs_output_is_identical(tree: Path) -> None:
    serial = run_cli(["--no-cache", "--jobs", "1", "tests"], tree)
    parallel = run_cli(["--no-cache", "--jobs", "2", "tests"], tree)
    assert (parallel.exit_code, parallel.stdout) == (serial.exit_code, serial.stdout)
    assert serial.stdout.count("\n") > 100


def test_small_runs_stay_in_one_process(tmp_path: Path) -> None:
    write_files(tmp_path, {f"tests/test_{i}.py": "def test_x():\n    run()\n" for i in range(5)})
    assert lint_with(tmp_path, jobs=4)[1] == 0


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Just enough small files for a progress bar."""
    root = tmp_path_factory.mktemp("many")
    return write_files(root, {f"tests/test_{i:03d}.py": f"def test_{i}():\n    run()\n"
                              for i in range(100)})


def run_on_terminal(root: Path, env: dict[str, str]) -> tuple[str, bytes]:
    """Run testlint with stderr on a pseudo-terminal: (stdout, what the terminal showed)."""
    master, slave = pty.openpty()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "testlint", "--no-cache", "--jobs", "1", "tests"],
            cwd=root, stdout=stdout, stderr=slave, env=env,
        )
        os.close(slave)
        shown = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            shown += chunk
        process.wait(timeout=60)
        os.close(master)
        stdout.seek(0)
        return stdout.read().decode(), shown


def _env(**extra: str) -> dict[str, str]:
    dropped = {"CI", "NO_COLOR", "TERM", "FORCE_COLOR"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env["PYTHONPATH"] = SRC
    env["TERM"] = "xterm"
    env.update(extra)
    return env


def test_progress_bar_on_a_terminal_only(many: Path) -> None:
    piped = subprocess.run([sys.executable, "-m", "testlint", "--no-cache", "--jobs", "1", "tests"],
                           cwd=many, capture_output=True, text=True, env=_env())
    assert piped.stderr == ""
    assert piped.stdout.count(": TL101 ") == 100
    stdout, shown = run_on_terminal(many, _env())
    assert stdout == piped.stdout  # the report is the same; the bar went to the terminal
    assert b"\rtestlint [\x1b[32m" in shown
    assert shown.endswith(b" 100/100 files\r\x1b[K")


def test_progress_bar_honours_no_color_and_ci(many: Path) -> None:
    _, shown = run_on_terminal(many, _env(NO_COLOR="1"))
    assert b"\x1b[32m" not in shown
    assert b"\rtestlint [" + b"#" * 28 + b"] 100/100 files\r\x1b[K" in shown
    _, in_ci = run_on_terminal(many, _env(CI="true"))
    assert in_ci == b""
