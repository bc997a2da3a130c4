"""Count tests and findings per rule over real suites: findings per 1,000 tests.

    python benchmarks/corpus_stats.py DIR [DIR...] [--select TL1,TL2]

benchmarks/precision.py runs this over pinned releases of well-kept projects and writes the
numbers into docs/precision.md.

Each DIR is linted with its own pytest configuration, as `testlint DIR` would.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from testlint.config import Config
from testlint.discovery import Discovery
from testlint.engine import make_engine
from testlint.finding import Finding
from testlint.pytest_config import find_pytest_config
from testlint.registry import load_registry


def stats(
    directory: Path,
    select: tuple[str, ...] | None,
    collect: list[Finding] | None = None,
    project: Path | None = None,
) -> tuple[int, int, collections.Counter[str]]:
    """(test files, tests, findings per rule) for one suite; `collect` receives the findings.

    `project` is the directory pytest would be run from when it is not the suite's (pandas'
    tests inside the package, with the package's conftest.py above them)."""
    pytest_config = find_pytest_config([project or directory])
    config = Config(root=project or directory, select=select)
    engine = make_engine([project or directory], config=config, pytest_config=pytest_config)
    files = Discovery(config, pytest_config).files([directory])
    tests = 0
    counts: collections.Counter[str] = collections.Counter()
    from testlint.source import UnreadableSource, read_source

    for path in files:
        try:
            source = read_source(path)
        except UnreadableSource:
            continue
        tests += len(engine.facts_for(source, path).tests)
        findings = engine.lint_source(source, path)
        counts.update(f.code for f in findings)
        if collect is not None:
            collect.extend(findings)
    return len(files), tests, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--select", default=None)
    args = parser.parse_args()
    select = tuple(args.select.split(",")) if args.select else None
    codes = [r.code for r in load_registry().resolve(select)]
    print(f"{'suite':<40} {'files':>6} {'tests':>7}  " + " ".join(f"{c:>6}" for c in codes))
    for directory in args.dirs:
        files, tests, counts = stats(directory, select)
        print(f"{str(directory)[-40:]:<40} {files:>6} {tests:>7}  "
              + " ".join(f"{counts.get(c, 0):>6}" for c in codes))
        per_k = {c: 1000 * counts.get(c, 0) / max(tests, 1) for c in codes}
        print(f"{'  per 1,000 tests':<40} {'':>6} {'':>7}  "
              + " ".join(f"{per_k[c]:>6.1f}" for c in codes))


if __name__ == "__main__":
    main()
