"""testlint and falsegreen side by side: findings per rule on the precision suites and on fixtures.

    python benchmarks/falsegreen_compare.py                   # print the tables
    python benchmarks/falsegreen_compare.py --write           # also update the docs page
    python benchmarks/falsegreen_compare.py --show TL604,C59  # print those findings, to read

The docs page is docs/falsegreen-comparison.md.

falsegreen (https://github.com/vinicq/falsegreen) is a pure-AST scanner for false-positive tests
with a case catalogue (C1, C2, ...). Both tools run on the same files: the test suites of
benchmarks/precision.py (same cache, same pinned versions) and testlint's own rule fixtures
(`fixtures/rules/TLxxx.py`, copied as `test_TLxxx.py` so that falsegreen scans them). falsegreen
runs with its default severities plus its default-off codes switched on (D1, D3-D6, M2, C22), so
that every code it has is counted; testlint runs with every rule on.

For a fixture file the interesting numbers are per rule: how many of the rule's positives
(`# expect:` lines) testlint and falsegreen (the falsegreen cases that mean the same problem)
report, and how many lines falsegreen reports with those cases among the near misses, the
lines that must stay silent.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_stats import stats
from precision import SUITES, fetch

from testlint import __version__
from testlint.docs_gen import replace_region
from testlint.engine import lint_text
from testlint.finding import Finding
from testlint.registry import load_registry

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "falsegreen-comparison.md"
FIXTURES = REPO / "fixtures" / "rules"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")

# the falsegreen cases that name the same problem as a testlint rule (docs/coverage-map.md has
# the whole catalogue, with what is not covered and why)
SAME_PROBLEM: dict[str, tuple[str, ...]] = {
    "TL101": ("C2", "C2b"),
    "TL102": ("C5", "C7", "C42", "C44"),
    "TL103": ("C6",),
    "TL104": ("C9", "C19", "C28"),
    "TL106": ("C2",),
    "TL107": ("C59",),
    "TL108": ("C20",),
    "TL109": ("C13",),
    "TL110": ("C28", "C49"),
    "TL201": ("C6c",),
    "TL401": ("C8",),
    "TL402": ("C8",),
    "TL505": ("C4",),
    "TL506": ("C4b",),
    "TL507": ("C39",),
    "TL508": ("C32",),
    "TL509": ("C38",),
    "TL601": ("C16",),
    "TL602": ("C16",),
    "TL603": ("C3", "C17", "C27"),
    "TL605": ("C1", "C21"),
    "TL606": ("D6",),
}
FALSEGREEN_OFF_BY_DEFAULT = ("D1", "D3", "D4", "D5", "D6", "M2", "C22")


def _falsegreen(paths: list[Path], workdir: Path) -> list[dict[str, object]]:
    config = workdir / "falsegreen.toml"
    severities = ", ".join(f'{code} = "low"' for code in FALSEGREEN_OFF_BY_DEFAULT)
    config.write_text(f"severity = {{ {severities} }}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "falsegreen", "--json", "--config", str(config),
         *map(str, paths)],
        capture_output=True, text=True, cwd=workdir, check=False,
    )
    found: list[dict[str, object]] = json.loads(result.stdout or "[]")
    return found


def suites(cache: Path, show: set[str]) -> tuple[dict[str, int], dict[str, Counter[str]],
                                                  dict[str, Counter[str]]]:
    tests: dict[str, int] = {}
    ours: dict[str, Counter[str]] = {}
    theirs: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory() as work:
        for suite in SUITES:
            directory, project = fetch(suite, cache)
            findings: list[Finding] = []
            _, count, found = stats(directory, ("ALL",), findings, project)
            tests[suite.name] = count
            ours[suite.name] = found
            other = _falsegreen([directory], Path(work))
            theirs[suite.name] = Counter(str(f["code"]) for f in other)
            for finding in findings:
                if finding.code in show:
                    print(f"{finding.path}:{finding.line}: {finding.code} {finding.message}")
            for item in other:
                if item["code"] in show:
                    print(f"{item['file']}:{item['line']}: {item['code']} {item['title']}")
    return tests, ours, theirs


def _units(text: str) -> dict[int, str]:
    """Each line of a fixture file mapped to the test (or class) it belongs to, by qualified name
    (decorators included), so that findings anchored on different lines of the same test (its
    `def`, a decorator, an `except`) count as the same test; lines outside any definition stand
    for themselves."""
    units: dict[int, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + stmt.name
                first = min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
                for line in range(first, (stmt.end_lineno or stmt.lineno) + 1):
                    units[line] = name
                visit(stmt.body, name + ".")

    visit(ast.parse(text).body, "")
    return units


def fixtures() -> list[tuple[str, int, int, int, int, int]]:
    """Per rule fixture, counted in tests (see `_units`): (code, tests with a positive, of those
    found by testlint, near-miss tests testlint reports, of the positives found by falsegreen with
    the same-problem cases, near-miss tests falsegreen reports with them)."""
    rows = []
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        copies = []
        for path in sorted(FIXTURES.glob("TL*.py")):
            copy = workdir / f"test_{path.stem}.py"
            shutil.copyfile(path, copy)
            copies.append(copy)
        other = _falsegreen(copies, workdir)
        by_file: dict[str, list[dict[str, object]]] = {}
        for item in other:
            by_file.setdefault(Path(str(item["file"])).name, []).append(item)
        for path in sorted(FIXTURES.glob("TL*.py")):
            code = path.stem
            text = path.read_text(encoding="utf-8")
            units = _units(text)

            def unit(line: int, units: dict[int, str] = units) -> str:
                return units.get(line, f"line {line}")

            positives = {
                unit(number) for number, line in enumerate(text.splitlines(), start=1)
                if (m := EXPECT.search(line)) and code in re.split(r"\s*,\s*", m.group("codes"))
            }
            ours = {unit(f.line) for f in lint_text(text, path=f"test_{code}.py", select=[code])}
            cases = set(SAME_PROBLEM.get(code, ()))
            theirs = {unit(int(str(item["line"]))) for item in by_file.get(f"test_{code}.py", [])
                      if item["code"] in cases}
            rows.append((code, len(positives), len(ours & positives), len(ours - positives),
                         len(theirs & positives) if cases else -1,
                         len(theirs - positives) if cases else -1))
    return rows


def render(tests: dict[str, int], ours: dict[str, Counter[str]],
           theirs: dict[str, Counter[str]], fixture_rows: list[tuple[str, int, int, int, int, int]]
           ) -> str:
    names = [s.name for s in SUITES]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    registry = load_registry()
    out = ["### testlint, findings per rule", "",
           row(["rule", "default", *names, "all"]), "|" + "---|" * (len(names) + 3),
           row(["tests", "", *(f"{tests[n]:,}" for n in names),
                f"{sum(tests.values()):,}"])]
    for code, rule in registry.rules.items():
        counts = [ours[n].get(code, 0) for n in names]
        out.append(row([f"{code} {rule.name}", "yes" if rule.default_enabled else "no",
                        *map(str, counts), str(sum(counts))]))
    out += ["", "### falsegreen, findings per case", "",
            row(["case", "default", *names, "all", "testlint"]),
            "|" + "---|" * (len(names) + 4)]
    from falsegreen.scanner import CASES

    mapped: dict[str, list[str]] = {}
    for code, cases in SAME_PROBLEM.items():
        for case in cases:
            mapped.setdefault(case, []).append(code)
    for case, (_, confidence, _) in CASES.items():
        if case.startswith("PL"):
            continue  # project-configuration audit, not a scan of test files
        counts = [theirs[n].get(case, 0) for n in names]
        out.append(row([case, confidence, *map(str, counts), str(sum(counts)),
                        ", ".join(mapped.get(case, [])) or "-"]))
    out += ["", "### The rule fixtures", "",
            "Counted in tests (a finding on a test's `def`, decorator or body counts for that "
            "test): positives are the tests of `fixtures/rules/TLxxx.py` with an `# expect:` line, "
            "near misses are the tests that must stay silent. falsegreen is counted with the "
            "cases that name the same problem (`-`: it has none).", "",
            row(["rule", "positive tests", "testlint found", "testlint on near misses",
                 "falsegreen found", "falsegreen on near misses"]),
            "|---|---|---|---|---|---|"]
    for code, positives, hits, noise, fg_hits, fg_noise in fixture_rows:
        cases = ", ".join(SAME_PROBLEM.get(code, ()))
        out.append(row([code, str(positives), str(hits), str(noise),
                        f"{fg_hits} ({cases})" if fg_hits >= 0 else "-",
                        str(fg_noise) if fg_noise >= 0 else "-"]))
    python = ".".join(map(str, sys.version_info[:2]))
    suites_text = ", ".join(f"{s.name} {s.version}" for s in SUITES)
    out += ["", f"Measured with testlint {__version__} and falsegreen {version('falsegreen')} on "
            f"Python {python}, over {suites_text} (the suites of docs/precision.md). testlint: "
            "every rule on. falsegreen: its defaults plus its default-off codes (" +
            ", ".join(FALSEGREEN_OFF_BY_DEFAULT) + ")."]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--show", default="")
    args = parser.parse_args()
    import os

    cache = args.cache or Path(os.environ.get("TESTLINT_CORPUS",
                                              Path.home() / ".cache" / "testlint-precision"))
    show = {c.strip() for c in args.show.split(",") if c.strip()}
    tests, ours, theirs = suites(cache, show)
    text = render(tests, ours, theirs, fixtures())
    print(text)
    if args.write:
        page = PAGE.read_text(encoding="utf-8")
        PAGE.write_text(replace_region(page, "falsegreen", text + "\n", PAGE), encoding="utf-8")


if __name__ == "__main__":
    main()
