"""Start-up: a pre-commit call on a few files imports only what checking needs. libcst (fixes),
astroid (inference) and httpx (the rewrite step) cost a third of a second and more to import."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import testlint
from tests.helpers import write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])
HEAVY = ("libcst", "astroid", "httpx", "openai", "anthropic", "pygls")
PROBE = """
import runpy, sys
sys.argv = ["testlint", *sys.argv[1:]]
try:
    runpy.run_module("testlint", run_name="__main__", alter_sys=True)
except SystemExit as exit:
    code = exit.code
heavy = sorted(name for name in {heavy!r} if name in sys.modules)
print("heavy modules:", heavy, "exit:", code, file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--no-cache"],
        ["--format", "sarif"],
        ["--format", "github", "--jobs", "1"],
    ],
)
def test_a_check_run_imports_no_heavy_module(tmp_path: Path, args: list[str]) -> None:
    write_files(tmp_path, {
        "tests/test_one.py": "def test_one():\n    run()\n",
        "tests/test_two.py": "def test_two():\n    assert run() == 2\n",
    })
    env = {**os.environ, "PYTHONPATH": SRC}
    for _ in range(2):  # the second run answers from the cache where there is one
        result = subprocess.run(
            [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args,
             "tests/test_one.py", "tests/test_two.py"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
        )
        assert result.stderr.splitlines()[-1] == "heavy modules: [] exit: 1"
        assert "test_one" in result.stdout or "tests/test_one.py" in result.stdout
