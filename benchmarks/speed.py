"""Speed of testlint against the floor and its peers, on real test suites, in one run.

    python benchmarks/speed.py                      # build the corpus (pip), run, print a table
    python benchmarks/speed.py --pandas DIR --sympy DIR --repeat 3 --write docs/benchmarks.md

The corpus: pandas' tests ship inside its wheel (`pip download --no-deps pandas`, unzip
`pandas/tests`), sympy's inside its sdist. Every tool gets the same explicit list of files (the
ones testlint would lint there) and runs in its own process, so interpreter start-up counts for
all of them:

- floor: a bare `ast.parse` loop over the files (read + parse, nothing else);
- testlint cold, `--jobs 1` and `--jobs <all cores>` (`--no-cache`), default rules without the
  inference rules (those that read the code under test with astroid), and once more `--jobs 1`
  with every default rule, inference included, to show what it adds;
- testlint cached: the same command run again with a warm `.testlint_cache`;
- what users run: the tests laid out as a project (a copy under a root with its own
  `pyproject.toml`, as after cloning a repository or unpacking a wheel), linted from that root
  with `testlint check --no-cache --jobs 1 tests`: the default rules, `--select ALL`, and the
  default rules with the inference rules ignored;
- flake8 with flake8-pytest-style (`--select PT`, `-j 1`): the usual peer in editors and CI;
- falsegreen, a scanner for false-positive tests.

testlint's modules are byte-compiled first, as an installed package's are.
Wall time is what a user waits; CPU time (user + sys of the child) is what the work costs and is
steadier on a shared machine. Medians of `--repeat` runs (`--peer-repeat` for flake8 and
falsegreen, which take minutes each), taken round-robin so that load on a shared machine falls on
every tool alike; ratios are against the floor and against testlint --jobs 1. Each row also
shows the findings it printed (a run that "got faster" by finding nothing shows at once) and the
peak resident memory (the largest of the process and its workers).
The targets (pandas' tests, CPU medians): testlint --jobs 1 within 4x of the floor; in the project
layout the default rules within 3.0x, `--select ALL` within 3.5x, the inference rules ignored
within 2.3x, peak memory of the default rules under 120 MiB; at least 3x faster than flake8 with
flake8-pytest-style, a cached rerun under 0.1x of the cold run; another suite (sympy) within 10%
of the project-layout ratios; each run prints whether they hold.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FLOOR = """
import ast, sys, warnings
warnings.simplefilter("ignore")
for name in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(name, "rb") as handle:
        ast.parse(handle.read())
"""


def _pip_download(package: str, dest: Path, binary: bool) -> Path:
    kind = ["--only-binary", ":all:"] if binary else ["--no-binary", ":all:"]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *kind, "-d", str(dest),
         package],
        check=True,
    )
    found = sorted(dest.glob(f"{package}-*"))
    if not found:
        raise SystemExit(f"pip download {package} left no file in {dest}")
    return found[-1]


def build_pandas(work: Path) -> Path:
    """pandas/tests from the pandas wheel."""
    target = work / "pandas"
    if (target / "pandas" / "tests").is_dir():
        return target / "pandas" / "tests"
    wheel = _pip_download("pandas", work / "downloads", binary=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.namelist() if m.startswith("pandas/tests/")]
        archive.extractall(target, members)
    return target / "pandas" / "tests"


def build_sympy(work: Path) -> Path:
    """sympy's test packages (sympy/**/tests) from the sympy sdist."""
    target = work / "sympy"
    if target.is_dir():
        return target
    sdist = _pip_download("sympy", work / "downloads", binary=False)
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers()
                   if "/tests/" in m.name and m.name.endswith(".py") and m.isfile()]
        for member in members:
            member.name = member.name.split("/", 1)[1]  # drop "sympy-X.Y/"
        archive.extractall(target, members, filter="data")
    return target


def test_files(root: Path) -> list[str]:
    """The files testlint lints under root (its discovery, pytest's python_files)."""
    from testlint.config import Config
    from testlint.discovery import Discovery
    from testlint.pytest_config import find_pytest_config

    root = root.resolve()  # every tool runs from a scratch directory
    pytest_config = find_pytest_config([root])
    files = Discovery(Config(root=root), pytest_config).files([root])
    return [str(f) for f in files]


@dataclass
class Timing:
    wall: list[float]
    cpu: list[float]
    rss: list[float] = field(default_factory=list)  # peak resident MiB of each run
    findings: int | None = None  # of the last run: the lines of its report that are findings

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


# a finding as testlint and flake8 print it: `path:line:col: CODE message`
FINDING_LINE = re.compile(rb"^\S.*?:\d+:\d+:? [A-Z]+[0-9]+\b", re.M)


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # user + sys seconds of the process and the workers it waited for
    rss: float  # peak resident MiB of the process itself
    findings: int


def run_timed(command: list[str], cwd: Path, env: dict[str, str],
              ok_codes: frozenset[int] = frozenset({0})) -> Run:
    """One run, its resource use read from its own `wait4`; a run that fails (a bad path, a
    crash) is an error, not a fast time."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode not in ok_codes:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
            raise SystemExit(f"{command[0]} exited {child.returncode}: " + " | ".join(tail))
        out.seek(0)
        findings = len(FINDING_LINE.findall(out.read()))
    # Linux reports ru_maxrss in KiB (macOS in bytes)
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, rss, findings)


def tool(name: str) -> list[str]:
    found = shutil.which(name, path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", name.replace("-", "_")]


def byte_compile_testlint() -> None:
    """Byte-compile the testlint that the runs import, as `pip install` does: users run an
    installed package with its `.pyc` files, and a source tree never run (or an environment with
    PYTHONDONTWRITEBYTECODE) would make every run recompile ~100 modules, a cost they never pay."""
    import compileall

    import testlint

    compileall.compile_dir(os.path.dirname(testlint.__file__), quiet=1)


def inference_rules() -> list[str]:
    """The default-on rules that read the code under test (NEEDS contains "inference")."""
    from testlint.registry import load_registry

    registry = load_registry()
    return sorted(r.code for r in registry.resolve(None, (), ()) if "inference" in r.needs)


def project_layout(root: Path, work: Path) -> Path:
    """A copy of the suite under a root with its own `pyproject.toml`, as a cloned repository
    or an unpacked wheel has: what users lint (the project root changes what inference and the
    import rules look at)."""
    project = work / "project"
    shutil.copytree(root, project / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (project / "pyproject.toml").write_text('[project]\nname = "suite"\nversion = "0"\n',
                                            encoding="utf-8")
    return project


FLOOR_LABEL = "ast.parse floor"
COLD = "testlint --jobs 1 (cold)"
CACHED = "testlint cached (unchanged tree)"
WITH_INFERENCE = "testlint --jobs 1, with inference rules"
PROJECT_DEFAULT = "project: testlint -j1, default rules"
PROJECT_ALL = "project: testlint -j1, --select ALL"
PROJECT_NO_INFERENCE = "project: testlint -j1, inference rules ignored"
FLAKE8 = "flake8 + flake8-pytest-style -j1"


def bench_suite(name: str, root: Path, repeat: int, peer_repeat: int, jobs: int,
                skip: set[str]) -> list[str]:
    files = test_files(root)
    lines_total = 0
    for file in files:
        with open(file, "rb") as handle:
            lines_total += handle.read().count(b"\n")
    work = Path(tempfile.mkdtemp(prefix=f"speed-{name}-"))
    listing = work / "files.txt"
    listing.write_text("\n".join(files) + "\n", encoding="utf-8")
    cache = work / "cache"
    project = project_layout(root, work)
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "CI"}}
    env["CI"] = "true"  # no progress bar in any run
    # the console script (as users run it), not `python -m`: the same process either way
    testlint_all = [*tool("testlint"), "check", "--exit-zero"]
    ignore_inference = ["--ignore", ",".join(inference_rules())]
    testlint = [*testlint_all, *ignore_inference]
    in_project = [*testlint_all, "--no-cache", "--jobs", "1"]
    print(f"{name}: {len(files)} files, {lines_total:,} lines", file=sys.stderr)

    cached = [*testlint, "--cache-dir", str(cache), "--jobs", "1", *files]
    # (label, command, runs, where it runs)
    plan: list[tuple[str, list[str], int, Path]] = [
        (FLOOR_LABEL, [sys.executable, "-c", FLOOR, str(listing)], repeat, work),
        (COLD, [*testlint, "--no-cache", "--jobs", "1", *files], repeat, work),
        (f"testlint --jobs {jobs} (cold)",
         [*testlint, "--no-cache", "--jobs", str(jobs), *files], repeat, work),
        (CACHED, cached, repeat, work),
        (WITH_INFERENCE, [*testlint_all, "--no-cache", "--jobs", "1", *files], repeat, work),
        (PROJECT_DEFAULT, [*in_project, "tests"], repeat, project),
        (PROJECT_ALL, [*in_project, "--select", "ALL", "tests"], repeat, project),
        (PROJECT_NO_INFERENCE, [*in_project, *ignore_inference, "tests"], repeat, project),
    ]
    if "flake8" not in skip:
        plan.append((FLAKE8,
                     [*tool("flake8"), "--isolated", "--select", "PT", "-j", "1", "--exit-zero",
                      *files], peer_repeat, work))
    if "falsegreen" not in skip:
        plan.append(("falsegreen", [*tool("falsegreen"), *files], peer_repeat, work))
    # falsegreen exits 20 when it has findings; every other command is told to exit 0
    ok_codes = {"falsegreen": frozenset({0, 20})}
    run_timed(cached, work, env)  # warm the cache
    # round-robin: each round runs every command once, so a slow spell on a shared machine
    # lands on all of them alike instead of on whichever ran then
    runs: dict[str, Timing] = {label: Timing([], []) for label, _, _, _ in plan}
    for round_ in range(max(count for _, _, count, _ in plan)):
        for label, command, count, cwd in plan:
            if round_ < count:
                done = run_timed(command, cwd, env, ok_codes.get(label, frozenset({0})))
                timing = runs[label]
                timing.wall.append(done.wall)
                timing.cpu.append(done.cpu)
                timing.rss.append(done.rss)
                timing.findings = done.findings
        print(f"  round {round_ + 1} done", file=sys.stderr)
    for label, timing in runs.items():
        print(f"  {label:<48} wall {timing.wall_median:7.2f} s  cpu {timing.cpu_median:7.2f} s"
              f"  {max(timing.rss):6.0f} MiB  {timing.findings} findings", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)

    floor = runs[FLOOR_LABEL]
    base = runs[COLD]
    rows = [
        f"### {name}: {len(files):,} test files, {lines_total:,} lines",
        "",
        "| run | findings | wall (s) | CPU (s) | wall / floor | CPU / floor "
        "| wall / testlint -j1 | peak RSS (MiB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, timing in runs.items():
        found = "" if label == FLOOR_LABEL else f"{timing.findings:,}"
        rows.append(
            f"| {label} | {found} | {timing.wall_median:.2f} | {timing.cpu_median:.2f} "
            f"| {timing.wall_median / floor.wall_median:.2f}x "
            f"| {timing.cpu_median / floor.cpu_median:.2f}x "
            f"| {timing.wall_median / base.wall_median:.2f}x | {max(timing.rss):.0f} |"
        )
    rows += ["", *verdicts(runs, 1.0 if name == "pandas" else OTHER_SUITE_SLACK)]
    return rows


# The project-layout ratios are pandas' targets; another suite must come within 10% of them
# (its files are shaped differently: sympy's are fewer, longer and denser in calls).
OTHER_SUITE_SLACK = 1.1


def verdicts(runs: dict[str, Timing], slack: float = 1.0) -> list[str]:
    """The issue's targets, each with its measured ratio (CPU medians; the cached rerun and the
    peer in wall time, what a user waits); `slack` scales the project-layout ratio targets."""
    floor = runs[FLOOR_LABEL].cpu_median
    base = runs[COLD]
    allowed = "" if slack == 1.0 else f" (+{slack - 1:.0%} of pandas' target)"
    lines = [
        _verdict("testlint --jobs 1 within 4x of the ast.parse floor (CPU)",
                 base.cpu_median / floor, 4.0, "<="),
        *(
            _verdict(f"project layout, {what}, within {bound * slack:.2f}x of the floor "
                     f"(CPU){allowed}", runs[label].cpu_median / floor, bound * slack, "<=")
            for what, label, bound in (
                ("default rules", PROJECT_DEFAULT, 3.0),
                ("--select ALL", PROJECT_ALL, 3.5),
                ("inference rules ignored", PROJECT_NO_INFERENCE, 2.3),
            )
        ),
        _verdict("project layout, default rules, peak RSS under 120 MiB",
                 max(runs[PROJECT_DEFAULT].rss), 120.0, "<", unit=" MiB"),
        _verdict("cached rerun under 0.1x of the cold run (wall)",
                 runs[CACHED].wall_median / base.wall_median, 0.1, "<"),
    ]
    peer = runs.get(FLAKE8)
    if peer is not None:
        lines.append(_verdict("at least 3x faster than flake8 + flake8-pytest-style (wall)",
                              peer.wall_median / base.wall_median, 3.0, ">="))
    return lines


def _verdict(what: str, value: float, bound: float, relation: str, unit: str = "x") -> str:
    held = {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[relation]
    shown = f"{value:.0f}{unit}" if unit != "x" else f"{value:.2f}x"
    return f"- {what}: {shown} ({'hold' if held else 'MISS'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=HERE / ".corpus",
                        help="where the downloaded corpus is kept")
    parser.add_argument("--pandas", type=Path, help="an unpacked pandas/tests (skip the download)")
    parser.add_argument("--sympy", type=Path, help="an unpacked sympy tree (skip the download)")
    parser.add_argument("--suites", default="pandas,sympy")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-repeat", type=int, default=1,
                        help="runs of flake8 and falsegreen (minutes each on pandas)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip", default="", help="comma-separated: flake8, falsegreen")
    parser.add_argument("--write", type=Path, help="also write the tables into this Markdown file"
                        " between the BENCHMARK-RESULTS markers")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    byte_compile_testlint()
    out: list[str] = []
    for suite in [s.strip() for s in args.suites.split(",") if s.strip()]:
        if suite == "pandas":
            root = args.pandas or build_pandas(args.work)
        elif suite == "sympy":
            root = args.sympy or build_sympy(args.work)
        else:
            raise SystemExit(f"unknown suite {suite}")
        out += [*bench_suite(suite, root, args.repeat, args.peer_repeat, args.jobs, skip), ""]
    machine = (f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, "
               f"medians of {args.repeat} runs ({args.peer_repeat} for flake8 and falsegreen)")
    command = " ".join(["python benchmarks/speed.py", *sys.argv[1:]])
    text = "\n".join([machine, "", f"`{command}`", "", *out]).rstrip() + "\n"
    print(text)
    if args.write:
        page = args.write.read_text(encoding="utf-8")
        start, end = "<!-- BENCHMARK-RESULTS -->", "<!-- /BENCHMARK-RESULTS -->"
        head, _, rest = page.partition(start)
        _, _, tail = rest.partition(end)
        args.write.write_text(f"{head}{start}\n{text}{end}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
