"""Verdicts as findings (the same records, formats, baseline and SARIF as the static rules)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

from testlint.finding import Finding, shown_path
from testlint.fingerprint import _digest
from testlint.registry import load_full_registry
from testlint.verify.core import Verdict


def _locate(path: str, qualname: str) -> tuple[int, int, int, str]:
    """(line, col, end_col, normalised test code) of the test's name."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError, RecursionError):
        return 1, 1, 1, ""
    node: ast.AST = tree
    for part in qualname.split("."):
        found = next((c for c in ast.iter_child_nodes(node) if getattr(c, "name", None) == part
                      and isinstance(c, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)),
                     None)
        if found is None:
            return 1, 1, 1, ""
        node = found
    line = getattr(node, "lineno", 1)
    source_line = text.splitlines()[line - 1] if text.splitlines() else ""
    name = qualname.rsplit(".", 1)[-1]
    keyword = source_line.find("def ")
    col = source_line.find(name, max(keyword, 0))
    col = col if col >= 0 else 0
    dump = ast.dump(node, annotate_fields=False, include_attributes=False)
    return line, col + 1, col + 1 + len(name), dump


def _names(keys: list[str], limit: int = 3) -> str:
    names = [f"`{k.partition('::')[2]}`" for k in keys]
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def verdict_findings(verdicts: Iterable[Verdict],
                     confirms: dict[tuple[str, str], list[str]] | None = None) -> list[Finding]:
    rules = load_full_registry().rules
    out: list[Finding] = []
    for verdict in verdicts:
        if verdict.outcome != "passed":
            continue
        messages: list[tuple[str, str]] = []
        if verdict.assertions == 0:
            messages.append(("TL701", "passed while executing no assertion (no `assert`, "
                                      "`pytest.raises`/`warns` or `assert*` call ran); make the "
                                      "check unconditional"))
        elif verdict.red is False:
            count = len(verdict.reached)
            what = "function" if count == 1 else "functions"
            messages.append(("TL702", f"passes with the {count} project {what} it runs "
                                      f"({_names(verdict.reached)}) replaced by `raise "
                                      "NotImplementedError`: it checks nothing of them"))
        elif verdict.mutants and verdict.value_kills == 0 and verdict.survivors:
            first = verdict.survivors[0]
            more = len(verdict.survivors) - 1
            if verdict.killed == 0:
                message = (f"kills none of the {verdict.mutants} mutants of the code it covers: "
                           f"passes with {first}")
            else:
                message = (f"kills only the mutants that make the code return None "
                           f"({verdict.killed} of {verdict.mutants}): it checks that a result "
                           f"exists, not its value; passes with {first}")
            if more > 0:
                message += f" (and {more} more)"
            static = (confirms or {}).get((verdict.path, verdict.qualname), [])
            if static:
                message += (f"; {' and '.join(static)} confirmed by "
                            f"{len(verdict.survivors)} surviving mutants")
            messages.append(("TL703", message))
        if not messages:
            continue
        line, col, end_col, dump = _locate(verdict.path, verdict.qualname)
        name = verdict.qualname.rsplit(".", 1)[-1]
        for code, message in messages:
            out.append(Finding(
                path=shown_path(verdict.path), line=line, col=col, code=code,
                name=rules[code].name, message=message, end_line=line, end_col=end_col,
                test=verdict.qualname,
                fingerprint=_digest(code, verdict.qualname, dump, name),
            ))
    return sorted(out, key=lambda f: f.sort_key)


def not_verified(verdicts: Iterable[Verdict]) -> list[str]:
    """One line per test verify could not judge, and why."""
    why = {
        "broken": "collection error",
        "failed": "fails under plain pytest",
        "error": "error in setup or teardown",
        "timeout": "over its time budget",
        "not-run": "not run",
    }
    lines = []
    for verdict in verdicts:
        if verdict.outcome in why:
            detail = f": {verdict.detail}" if verdict.detail else ""
            lines.append(f"{verdict.nodeid}: not verified, {why[verdict.outcome]}{detail}")
        elif verdict.outcome == "passed" and verdict.red is None and verdict.red_detail:
            lines.append(f"{verdict.nodeid}: verify-red skipped, {verdict.red_detail}")
    return lines
