"""Check that two source trees of testlint report the same findings on real suites.

    python benchmarks/same_findings.py BEFORE_SRC AFTER_SRC [--suites pandas,sympy,requests,...]

Each SRC is a directory that holds the `testlint` package (a worktree's `src`). Both run
`testlint check --select ALL --no-cache --format json` over the same suites, each from the
directory pytest would run it from:

- pandas' tests (`--pandas`, default /work/speedcorpus/pandas) in a project layout: a copy
  under a root with its own `pyproject.toml`, as speed.py times them;
- sympy (`--sympy`, default /work/speedcorpus/sympy);
- the six well-kept suites of benchmarks/precision.py, from its cache (pandas there is linted
  from inside the package, with its conftest.py above the tests).

`--keep DIR` stores the reference tree's findings there and reuses them on the next run (for a
frozen reference tree: each change is then checked in half the time).

The findings of each suite are compared as sorted lists; any difference is printed (at most
`--show` lines per suite) and the script exits 1. A speed change must leave them identical.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def suites(pandas: Path, sympy: Path, cache: Path, scratch: Path) -> dict[str, tuple[Path, str]]:
    """name -> (directory to run from, path to lint)."""
    from precision import SUITES  # the six human suites and their layout

    found: dict[str, tuple[Path, str]] = {}
    if (pandas / "pandas" / "tests").is_dir():
        project = scratch / "pandas-project"
        if not project.exists():
            shutil.copytree(pandas / "pandas" / "tests", project / "tests")
            (project / "pyproject.toml").write_text('[project]\nname = "suite"\n',
                                                    encoding="utf-8")
        found["pandas-project"] = (project, "tests")
    if (sympy / "sympy").is_dir():
        found["sympy"] = (sympy, "sympy")
    for suite in SUITES:
        tree = cache / (suite.name if suite.kind == "wheel" else f"{suite.name}-{suite.version}")
        if not tree.is_dir():
            print(f"skipped {suite.name}: {tree} missing (run benchmarks/precision.py)",
                  file=sys.stderr)
            continue
        run_from = tree / suite.project if suite.project else tree
        target = os.path.relpath(tree / suite.tests, run_from)
        found[suite.name] = (run_from, target)
    return found


def findings(src: Path, run_from: Path, target: str) -> list[tuple]:
    env = dict(os.environ, PYTHONPATH=str(src), CI="true")
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "testlint", "check", "--select", "ALL", "--no-cache",
         "--format", "json", "--exit-zero", target],
        cwd=run_from, env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{src} on {run_from}/{target} exited {done.returncode}:\n"
                         + done.stderr[-2000:])
    rows = json.loads(done.stdout or "[]")
    return sorted(
        (r["path"], r["line"], r["col"], r.get("end_line"), r.get("end_col"), r["code"],
         r["message"], r.get("test"), json.dumps(r.get("fix"), sort_keys=True))
        for r in rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path, help="src directory of the reference tree")
    parser.add_argument("after", type=Path, help="src directory of the changed tree")
    parser.add_argument("--pandas", type=Path, default=Path("/work/speedcorpus/pandas"))
    parser.add_argument("--sympy", type=Path, default=Path("/work/speedcorpus/sympy"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "TESTLINT_CORPUS", Path.home() / ".cache/testlint-precision")))
    parser.add_argument("--suites", default="", help="comma-separated names (default: all)")
    parser.add_argument("--show", type=int, default=20, help="differences shown per suite")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the reference findings here")
    args = parser.parse_args()
    wanted = {s.strip() for s in args.suites.split(",") if s.strip()}
    scratch = Path(tempfile.mkdtemp(prefix="same-findings-"))
    differ = False
    try:
        for name, (run_from, target) in suites(args.pandas, args.sympy, args.cache,
                                               scratch).items():
            if wanted and name not in wanted:
                continue
            kept = args.keep / f"{name}.json" if args.keep else None
            if kept is not None and kept.exists():
                before = [tuple(row) for row in json.loads(kept.read_text(encoding="utf-8"))]
            else:
                before = findings(args.before.resolve(), run_from, target)
                if kept is not None:
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    kept.write_text(json.dumps(before), encoding="utf-8")
            after = findings(args.after.resolve(), run_from, target)
            if before == after:
                print(f"{name:<18} identical ({len(after)} findings)", flush=True)
                continue
            differ = True
            gone = sorted(set(before) - set(after))
            new = sorted(set(after) - set(before))
            print(f"{name:<18} DIFFER: {len(before)} before, {len(after)} after, "
                  f"{len(gone)} gone, {len(new)} new", flush=True)
            for row in gone[: args.show]:
                print(f"  - {row}")
            for row in new[: args.show]:
                print(f"  + {row}")
            if len(before) != len(after) and not gone and not new:
                print("  (the same findings, with different multiplicities)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
