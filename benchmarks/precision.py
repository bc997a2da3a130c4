"""Precision on well-kept human test suites: findings per rule per 1,000 tests.

    python benchmarks/precision.py --write            # measure, print, update docs/precision.md
    python benchmarks/precision.py --select TL201 --show TL201   # read one rule's findings

Downloads pinned releases of well-kept projects into a cache directory (the sdist, whose tests
ship inside it; for pandas the wheel, whose tests ship inside the package), unpacks them, lints
each test suite with its own pytest configuration and every rule on, and counts tests through
testlint's own facts (`TestModule.tests`). The findings of a well-kept suite are the
false-positive budget: a default rule above 2 findings per 1,000 tests needs a fix or a reason,
written in docs/precision.md.

The cache (default ~/.cache/testlint-precision, or $TESTLINT_CORPUS, or --cache) holds
`sdists/`, `wheels/` and the unpacked trees; what is already there is not fetched again.
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_stats import stats

from testlint import __version__
from testlint.docs_gen import replace_region
from testlint.finding import Finding
from testlint.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "precision.md"
BUDGET = 2.0  # findings per 1,000 tests for a default rule


@dataclass(frozen=True)
class Suite:
    name: str
    version: str
    kind: str  # "sdist" | "wheel"
    tests: str  # the test directory inside the unpacked tree
    project: str = ""  # where pytest runs from, inside the tree (default: the tree itself)


SUITES = (
    Suite("requests", "2.34.2", "sdist", "tests"),
    Suite("attrs", "26.1.0", "sdist", "tests"),
    Suite("click", "8.5.1", "sdist", "tests"),
    Suite("flask", "3.1.3", "sdist", "tests"),
    Suite("httpx", "0.28.1", "sdist", "tests"),
    # the wheel has no pytest configuration: run from the package, whose conftest.py registers
    # the markers and fixtures the tests use, as pandas' own CI does from the repository root
    Suite("pandas", "3.1.1", "wheel", "pandas/tests", project="pandas"),
)


def _pip_download(requirement: str, dest: Path, *flags: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    print(f"downloading {requirement} into {dest}", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", *flags,
         "--dest", str(dest), requirement],
        check=True,
    )


def _archive(directory: Path, suite: Suite, suffixes: tuple[str, ...]) -> Path | None:
    if not directory.is_dir():
        return None
    prefix = f"{suite.name}-{suite.version}".lower()
    for path in sorted(directory.iterdir()):
        if path.name.lower().startswith(prefix) and path.name.endswith(suffixes):
            return path
    return None


def fetch(suite: Suite, cache: Path) -> tuple[Path, Path]:
    """The suite's test directory and the directory pytest runs from, downloaded and unpacked
    into the cache when missing."""
    requirement = f"{suite.name}=={suite.version}"
    if suite.kind == "sdist":
        tree = cache / f"{suite.name}-{suite.version}"
        if not (tree / suite.tests).is_dir():
            sdists = cache / "sdists"
            archive = _archive(sdists, suite, (".tar.gz", ".zip"))
            if archive is None:
                _pip_download(requirement, sdists, "--no-binary", ":all:")
                archive = _archive(sdists, suite, (".tar.gz", ".zip"))
            if archive is None:
                raise SystemExit(f"no sdist of {requirement} in {sdists}")
            _unpack_sdist(archive, tree)
        return tree / suite.tests, tree / suite.project
    tree = cache / suite.name
    wheels = cache / "wheels"
    archive = _archive(wheels, suite, (".whl",))
    if archive is None:
        _pip_download(requirement, wheels, "--only-binary", ":all:")
        archive = _archive(wheels, suite, (".whl",))
        if archive is None:
            raise SystemExit(f"no wheel of {requirement} in {wheels}")
    if not (tree / suite.tests).is_dir():
        package = suite.tests.split("/", 1)[0]
        with zipfile.ZipFile(archive) as wheel:
            members = [m for m in wheel.namelist()
                       if m.startswith(suite.tests + "/") or m == f"{package}/conftest.py"]
            wheel.extractall(tree, members)
    return tree / suite.tests, tree / suite.project


def _unpack_sdist(archive: Path, tree: Path) -> None:
    """Unpack into `tree`, dropping the archive's own top-level directory."""
    tree.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.infolist():
                relative = member.filename.split("/", 1)[-1]
                if relative and not member.is_dir():
                    target = tree / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zipped.read(member))
        return
    with tarfile.open(archive) as tar:
        members = []
        for member in tar.getmembers():
            _, _, relative = member.name.partition("/")
            if not relative or not (member.isfile() or member.isdir()):
                continue
            member.name = relative
            members.append(member)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(tree, members, filter="data")
        else:  # a Python without extraction filters
            tar.extractall(tree, members)


def measure(
    cache: Path, select: tuple[str, ...], show: set[str]
) -> tuple[dict[str, tuple[int, int]], dict[str, Counter[str]]]:
    """Per suite: (files, tests) and the findings per rule."""
    sizes: dict[str, tuple[int, int]] = {}
    counts: dict[str, Counter[str]] = {}
    for suite in SUITES:
        directory, project = fetch(suite, cache)
        findings: list[Finding] = []
        files, tests, found = stats(directory, select, findings, project)
        sizes[suite.name] = (files, tests)
        counts[suite.name] = found
        for finding in findings:
            if finding.code in show:
                print(f"{finding.path}:{finding.line}:{finding.col}: {finding.code} "
                      f"{finding.message}")
    return sizes, counts


def table(sizes: dict[str, tuple[int, int]], counts: dict[str, Counter[str]],
          select: tuple[str, ...]) -> str:
    registry = load_registry()
    rules = registry.resolve(select)
    names = [s.name for s in SUITES]
    total_tests = sum(tests for _, tests in sizes.values())
    header = ["rule", "default", *names, "all"]
    rule_col = {r.code: f"[{r.code}](rules/{r.code}.md) {r.name}" for r in rules}

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    found = ["Findings:", "", row(header), "|" + "---|" * len(header)]
    found.append(row(["test files", "", *(f"{sizes[n][0]:,}" for n in names),
                      f"{sum(f for f, _ in sizes.values()):,}"]))
    found.append(row(["tests", "", *(f"{sizes[n][1]:,}" for n in names), f"{total_tests:,}"]))
    rates = ["Findings per 1,000 tests (the budget applies to the last column):", "",
             row(header), "|" + "---|" * len(header)]
    over = []
    for rule in rules:
        per_suite = [counts[n].get(rule.code, 0) for n in names]
        total = sum(per_suite)
        rate = 1000 * total / max(total_tests, 1)
        if rule.default_enabled and rate > BUDGET:
            over.append(rule.code)
        default = "yes" if rule.default_enabled else "no"
        found.append(row([rule_col[rule.code], default, *map(str, per_suite), str(total)]))
        per_k = [1000 * c / max(sizes[n][1], 1) for c, n in zip(per_suite, names, strict=True)]
        rates.append(row([rule_col[rule.code], default, *(f"{r:.1f}" for r in per_k),
                          f"**{rate:.2f}**"]))
    defaults = [r.code for r in rules if r.default_enabled]
    per_suite = [sum(counts[n].get(code, 0) for code in defaults) for n in names]
    total = sum(per_suite)
    found.append(row(["**default rules**", "", *map(str, per_suite), f"**{total}**"]))
    per_k = [1000 * c / max(sizes[n][1], 1) for c, n in zip(per_suite, names, strict=True)]
    rates.append(row(["**default rules**", "", *(f"{r:.1f}" for r in per_k),
                      f"**{1000 * total / max(total_tests, 1):.2f}**"]))
    versions = ", ".join(
        f"{s.name} {s.version} ({'tests from the wheel' if s.kind == 'wheel' else 'sdist'})"
        for s in SUITES
    )
    python = ".".join(map(str, sys.version_info[:2]))
    chosen = "every rule on" if select == ("ALL",) else "rules " + ", ".join(select)
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    notes = [
        f"Measured on {today} with testlint {__version__} on Python {python}, {chosen}, over: "
        f"{versions}. Tests are test functions as testlint sees them (a parametrized test "
        "counts once).",
        "",
        "Default rules over the budget of "
        f"{BUDGET:g} findings per 1,000 tests: {', '.join(over) if over else 'none'}.",
    ]
    return "\n".join([*found, "", *rates, "", *notes]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("TESTLINT_CORPUS",
                                                    Path.home() / ".cache/testlint-precision")))
    parser.add_argument("--select", default="ALL", help="rule codes or prefixes (default: ALL)")
    parser.add_argument("--show", default="", help="print the findings of these rule codes")
    parser.add_argument("--write", action="store_true",
                        help=f"write the table into {PAGE.relative_to(REPO)}")
    args = parser.parse_args()
    select = tuple(s.strip().upper() for s in args.select.split(",") if s.strip())
    show = {s.strip().upper() for s in args.show.split(",") if s.strip()}
    if args.write and select != ("ALL",):
        parser.error("--write measures every rule: the page shows all of them (drop --select)")
    sizes, counts = measure(args.cache, select, show)
    text = table(sizes, counts, select)
    print(text)
    if args.write:
        page = PAGE.read_text(encoding="utf-8")
        PAGE.write_text(replace_region(page, "precision", text, PAGE), encoding="utf-8")
        print(f"updated {PAGE}", file=sys.stderr)


if __name__ == "__main__":
    main()
