"""`testlint verify` on a pull request's new tests against a mutation run over the same module.

    python benchmarks/verify.py                      # attrs' converters, its whole test file
    python benchmarks/verify.py --cr-tests tests     # cosmic-ray with attrs' whole suite (slow)
    python benchmarks/verify.py --skip-cosmic-ray    # verify's time only

The script copies attrs' sdist (from ~/.cache/testlint-precision/sdists, else `pip download
--no-binary :all: --no-deps attrs`) into a temporary directory, commits it to a fresh git
repository, adds a test file with a handful of new tests for `attr.converters` (as a pull request
would), and times:

1. `testlint verify --changed-since HEAD` (only the new tests: run, stubbed, and mutated on the
   lines they cover, each mutant against the tests that cover it);
2. cosmic-ray over `src/attr/converters.py` with the test command a team would put in CI
   (`--cr-tests`, default attrs' own tests/test_converters.py; `tests` is the whole suite).

Times are wall clock and CPU (user + sys of the child processes); on a shared machine compare the
CPU figures. Nothing is written outside the temporary directory.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

SDISTS = Path.home() / ".cache" / "testlint-precision" / "sdists"
NEW_TESTS = '''\
from attr.converters import default_if_none, optional, pipe, to_bool


def test_to_bool_reads_words():
    assert to_bool("yes") is True
    assert to_bool("off") is False


def test_optional_keeps_none():
    assert optional(int)(None) is None
    assert optional(int)("3") == 3


def test_default_if_none_gives_something():
    assert default_if_none(0)(None) is not None


def test_pipe_runs():
    pipe(str, int)("1")
'''
CR_CONFIG = '''\
[cosmic-ray]
module-path = "src/attr/converters.py"
timeout = 30.0
excluded-modules = []
test-command = "{python} -m pytest -x -q -p no:cacheprovider {tests}"

[cosmic-ray.distributor]
name = "local"
'''


def _sdist(work: Path) -> Path:
    found = sorted(SDISTS.glob("attrs-*.tar.gz"))
    if found:
        return found[-1]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                    "-d", str(work), "attrs"], check=True)
    return sorted(work.glob("attrs-*.tar.gz"))[-1]


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cr-tests", default="tests/test_converters.py",
                        help="what cosmic-ray's test command runs per mutant")
    parser.add_argument("--skip-cosmic-ray", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    src = Path(__file__).resolve().parent.parent / "src"
    work = Path(tempfile.mkdtemp(prefix="testlint-verify-bench-"))
    try:
        with tarfile.open(_sdist(work)) as archive:
            archive.extractall(work, filter="data")
        project = next(p for p in work.iterdir() if p.is_dir() and p.name.startswith("attrs-"))
        env = dict(os.environ)
        # the copy's own attr, not an installed one; testlint from this checkout
        env["PYTHONPATH"] = os.pathsep.join([str(src), "src"])
        git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@testlint.invalid",
               "-c", "commit.gpgsign=false"]
        subprocess.run([*git, "init", "-q"], cwd=project, check=True)
        subprocess.run([*git, "add", "."], cwd=project, check=True)
        subprocess.run([*git, "commit", "-q", "-m", "sdist"], cwd=project, check=True)
        (project / "tests" / "test_new_converters.py").write_text(NEW_TESTS, encoding="utf-8")
        wall, cpu, output = _timed(
            [sys.executable, "-m", "testlint", "verify", "--changed-since", "HEAD",
             "--no-cache", "--jobs", str(args.jobs)], project, env)
        print("$ testlint verify --changed-since HEAD --no-cache --jobs", args.jobs)
        print(output.rstrip())
        print(f"verify (4 new tests): {wall:.1f} s wall, {cpu:.1f} s CPU\n")
        if args.skip_cosmic_ray:
            return 0
        if shutil.which("cosmic-ray") is None:
            print("cosmic-ray is not installed (pip install cosmic-ray)")
            return 1
        (project / "tests" / "test_new_converters.py").unlink()
        # tests that fail on the unmutated code would "kill" every mutant: deselect them, as
        # verify leaves them out ("not verified, fails under plain pytest")
        plain = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rf", "-p",
                                "no:cacheprovider", *args.cr_tests.split()], cwd=project,
                               env=env, capture_output=True, text=True, check=False)
        failing = [line.split()[1] for line in plain.stdout.splitlines()
                   if line.startswith("FAILED ")]
        tests = " ".join([args.cr_tests, *(f"--deselect {nodeid}" for nodeid in failing)])
        config = project / "cr.toml"
        config.write_text(CR_CONFIG.format(python=sys.executable, tests=tests),
                          encoding="utf-8")
        session = project / "cr.sqlite"
        w1, c1, _ = _timed(["cosmic-ray", "init", str(config), str(session)], project, env)
        w2, c2, _out = _timed(["cosmic-ray", "exec", str(config), str(session)], project, env)
        _, _, report = _timed(["cr-report", str(session)], project, env)
        print(f"$ cosmic-ray exec (tests: {tests})")
        print("\n".join(line for line in report.splitlines()
                        if line.startswith(("total jobs", "complete", "surviving"))))
        print(f"cosmic-ray: {w1 + w2:.1f} s wall, {c1 + c2:.1f} s CPU")
        print(f"ratio (CPU): {(c1 + c2) / max(cpu, 0.01):.1f}x")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
