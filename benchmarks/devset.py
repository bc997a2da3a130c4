"""Recall and precision on the labelled corpus of real generated tests (shared/devset).

    python benchmarks/devset.py --out DIR                      # score default rules and ALL
    python benchmarks/devset.py --out DIR --mirrors M.json     # materialize DIR first
    python benchmarks/devset.py --out DIR --write              # also update docs/precision.md

The corpus (`../shared/devset` beside the repository, or `--devset`) holds only metadata: which
files at which commit, one label row per test and finding, and `score.py`, which extracts the
files from git mirrors (`--mirrors`: a JSON map of "owner/name" to a bare git dir), runs testlint
in each repository's root with that repository's own pytest configuration, and matches findings
to label rows by repository, path, test and the label a rule code stands for.

Each run is scored twice, with the default rules and with `--select ALL`; the table counts, per
label, the rows found (recall), the findings that matched a row (precision), and findings on
tests labelled CLEAN (the false alarms that cost users).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "precision.md"
LABELS = ("MIRROR", "CALLED-ONLY", "HALLUCINATED", "MARKER", "TAUTOLOGY", "NO-ASSERT", "WEAK",
          "RAISES-NO-MATCH", "SNAPSHOT", "MONEY-FLOAT", "OTHER")


def _rows(devset: Path, name: str) -> list[dict[str, str]]:
    with open(devset / name, newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _short(name: str | None) -> str:
    return (name or "").split("::")[-1].split(".")[-1].split("[")[0]


def _score_module(devset: Path):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(devset))
    import score  # the corpus' own scorer: one definition of which code maps to which label

    return score


def evaluate(devset: Path, out: Path) -> dict[str, object]:
    """Per label: rows found and missed; findings that matched a row and those that did not."""
    score = _score_module(devset)
    labels = _rows(devset, "labels.tsv")
    findings = json.loads((out / "findings.json").read_text())
    truth: dict[tuple[str, str, str], set[str]] = {}
    clean: set[tuple[str, str, str]] = set()
    for row in labels:
        key = (row["repo"], row["path"], _short(row["test_name"]))
        if row["label"] == "CLEAN":
            clean.add(key)
        else:
            truth.setdefault(key, set()).add(row["label"])
    found: dict[tuple[str, str, str], set[str]] = {}
    matched, unmatched = Counter[str](), Counter[str]()
    on_clean = 0
    for finding in findings:
        key = (finding["repo"], finding["path"], _short(finding.get("test")))
        label = score.label_for(finding["code"])
        found.setdefault(key, set()).add(label)
        (matched if label in truth.get(key, ()) else unmatched)[label] += 1
        on_clean += key in clean
    hit, miss = Counter[str](), Counter[str]()
    for row in labels:
        if row["label"] != "CLEAN":
            key = (row["repo"], row["path"], _short(row["test_name"]))
            (hit if row["label"] in found.get(key, ()) else miss)[row["label"]] += 1
    return {"hit": hit, "miss": miss, "matched": matched, "unmatched": unmatched,
            "on_clean": on_clean, "findings": len(findings)}


def run(devset: Path, out: Path, select_all: bool) -> dict[str, object]:
    command = [sys.executable, str(devset / "score.py"), "run", str(out),
               sys.executable, "-m", "testlint", "check", "--no-cache"]
    if select_all:
        command += ["--select", "ALL"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return evaluate(devset, out)


def _ratio(num: int, den: int) -> str:
    return f"{num / den:.2f}" if den else "-"


def table(results: dict[str, dict[str, object]]) -> str:
    lines = ["| label | rows | default: found | recall | precision "
             "| ALL: found | recall | precision |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    totals = {name: [0, 0, 0, 0] for name in results}  # hit, rows, matched, all findings
    for label in LABELS:
        cells = [label]
        for index, (name, result) in enumerate(results.items()):
            hit = result["hit"][label]  # type: ignore[index]
            rows = hit + result["miss"][label]  # type: ignore[index]
            good = result["matched"][label]  # type: ignore[index]
            bad = result["unmatched"][label]  # type: ignore[index]
            if index == 0:
                cells.append(str(rows))
            cells += [str(hit), _ratio(hit, rows), _ratio(good, good + bad)]
            total = totals[name]
            total[0] += hit
            total[1] += rows
            total[2] += good
            total[3] += good + bad
        lines.append("| " + " | ".join(cells) + " |")
    cells = ["**all labels**", str(next(iter(totals.values()))[1])]
    for total in totals.values():
        cells += [f"**{total[0]}**", f"**{_ratio(total[0], total[1])}**",
                  f"**{_ratio(total[2], total[3])}**"]
    lines.append("| " + " | ".join(cells) + " |")
    clean = ", ".join(f"{name}: {result['on_clean']} of {result['findings']}"
                      for name, result in results.items())
    lines += ["", f"Findings on tests labelled CLEAN: {clean}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=REPO.parent / "shared" / "devset")
    parser.add_argument("--out", type=Path, required=True, help="the materialized corpus")
    parser.add_argument("--mirrors", type=Path,
                        help="materialize --out from these git mirrors first")
    parser.add_argument("--write", action="store_true",
                        help="update the table in docs/precision.md")
    args = parser.parse_args()
    if args.mirrors:
        subprocess.run([sys.executable, str(args.devset / "score.py"), "materialize",
                        str(args.mirrors), str(args.out)], check=True)
    results = {"default": run(args.devset, args.out, False),
               "ALL": run(args.devset, args.out, True)}
    body = table(results)
    print(body)
    if args.write:
        sys.path.insert(0, str(REPO / "src"))
        from testlint.docs_gen import replace_region

        text = PAGE.read_text()
        PAGE.write_text(replace_region(text, "devset", body + "\n", PAGE))
        print(f"wrote {PAGE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
