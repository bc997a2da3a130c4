"""Two source trees of testlint side by side, in one round-robin run: CPU ratios to the floor.

    python benchmarks/speed_compare.py BEFORE_SRC AFTER_SRC --pandas DIR [--sympy DIR] --repeat 3

Each SRC holds the `testlint` package (a worktree's `src`). For each suite, laid out as a project
(see speed.py), every round runs the `ast.parse` floor and, for each tree, `testlint check
--no-cache --jobs 1 tests` with the default rules, `--select ALL` and the inference rules
ignored; the table gives CPU medians, their ratio to the floor, findings and peak RSS. One run
for both trees, so the machine's load falls on both alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speed import FLOOR, inference_rules, project_layout, run_timed, test_files, tool


def compare(name: str, root: Path, trees: dict[str, Path], repeat: int) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix=f"speed-compare-{name}-"))
    try:
        project = project_layout(root, work)
        listing = work / "files.txt"
        listing.write_text("\n".join(test_files(project / "tests")) + "\n", encoding="utf-8")
        base = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "CI"}}
        base["CI"] = "true"
        check = [*tool("testlint"), "check", "--exit-zero", "--no-cache", "--jobs", "1"]
        variants = {
            "default rules": [*check, "tests"],
            "--select ALL": [*check, "--select", "ALL", "tests"],
            "inference rules ignored": [*check, "--ignore", ",".join(inference_rules()), "tests"],
        }
        plan: list[tuple[str, str, list[str], dict[str, str]]] = [
            ("floor", "", [sys.executable, "-c", FLOOR, str(listing)], base)
        ]
        for variant, command in variants.items():
            for tree, src in trees.items():
                plan.append((variant, tree, command, {**base, "PYTHONPATH": str(src)}))
        cpu: dict[tuple[str, str], list[float]] = {(v, t): [] for v, t, _, _ in plan}
        rss: dict[tuple[str, str], float] = {}
        found: dict[tuple[str, str], int] = {}
        for round_ in range(repeat):
            for variant, tree, command, env in plan:
                done = run_timed(command, project, env)
                cpu[(variant, tree)].append(done.cpu)
                rss[(variant, tree)] = max(rss.get((variant, tree), 0.0), done.rss)
                found[(variant, tree)] = done.findings
            print(f"  {name}: round {round_ + 1} of {repeat} done", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(cpu[("floor", "")])
    names = list(trees)
    rows = [
        f"### {name} (project layout), floor {floor:.2f} s CPU",
        "",
        "| rules | " + " | ".join(f"{t} CPU / floor | {t} findings | {t} peak RSS (MiB)"
                                  for t in names) + " |",
        "|---|" + "---:|---:|---:|" * len(names),
    ]
    for variant in variants:
        cells = []
        for tree in names:
            median = statistics.median(cpu[(variant, tree)])
            cells.append(f"{median / floor:.2f}x ({median:.1f} s) | {found[(variant, tree)]:,} "
                         f"| {rss[(variant, tree)]:.0f}")
        rows.append(f"| {variant} | " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--pandas", type=Path)
    parser.add_argument("--sympy", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    out: list[str] = [f"`python benchmarks/speed_compare.py {' '.join(sys.argv[1:])}`", ""]
    for name, root in (("pandas", args.pandas), ("sympy", args.sympy)):
        if root is not None:
            out += [*compare(name, root, trees, args.repeat), ""]
            print("\n".join(out), flush=True)


if __name__ == "__main__":
    main()
