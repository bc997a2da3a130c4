"""flake8's format: `path:line:col: CODE message`, optionally with the source line and a caret."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from testlint.finding import Finding
from testlint.report import ReportContext

BOLD, RED, CYAN, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[0m"


def _location(finding: Finding, color: bool) -> str:
    text = f"{finding.path}:{finding.line}:{finding.col}:"
    return f"{BOLD}{text}{RESET}" if color else text


def _code(finding: Finding, color: bool) -> str:
    return f"{RED}{finding.code}{RESET}" if color else finding.code


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines: list[str] = []
    for finding in findings:
        lines.append(
            f"{_location(finding, context.color)} {_code(finding, context.color)} {finding.message}"
        )
        if context.show_source:
            source_lines = context.sources.get(finding.path, [])
            if 1 <= finding.line <= len(source_lines):
                text = source_lines[finding.line - 1].rstrip("\r\n")
                lines.append(text)
                same_line = finding.end_line == finding.line
                width = max(1, (finding.end_col - finding.col) if same_line else 1)
                lines.append(" " * (finding.col - 1) + "^" * width)
    if context.statistics:
        counts = Counter(f.code for f in findings)
        names = {f.code: f.name for f in findings}
        for code in sorted(counts):
            lines.append(f"{counts[code]:<6} {code} {names[code]}")
    return "\n".join(lines) + ("\n" if lines else "")
