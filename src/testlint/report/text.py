"""The terminal formats, one line per finding in flake8's `path:line:col: CODE message`:

- `text` (the default): the whole message on the line;
- `concise`: the short message (what is wrong, under 100 characters; see testlint.messages);
- `full`: what is wrong, then the source line with the reported span marked, then why it
  matters, the fix and the rule's page, each on its own line.

`--show-source` adds the source line and a caret under `text` and `concise` lines, and
`--statistics` ends the report with a count per rule, its fix marker (`[*]` a safe fix,
`[-]` an unsafe one, `[ ]` none) and the total.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from testlint.finding import Finding
from testlint.messages import parts, short_message
from testlint.report import ReportContext

BOLD, RED, CYAN, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[0m"


def _location(finding: Finding, color: bool) -> str:
    text = f"{finding.path}:{finding.line}:{finding.col}:"
    return f"{BOLD}{text}{RESET}" if color else text


def _code(finding: Finding, color: bool) -> str:
    return f"{RED}{finding.code}{RESET}" if color else finding.code


def _source(finding: Finding, context: ReportContext) -> tuple[str, str] | None:
    """The finding's first source line and the caret line under its span."""
    source_lines = context.sources.get(finding.path, [])
    if not 1 <= finding.line <= len(source_lines):
        return None
    text = source_lines[finding.line - 1].rstrip("\r\n")
    same_line = finding.end_line == finding.line
    end = finding.end_col if same_line else len(text) + 1
    width = max(1, end - finding.col)
    return text, " " * (finding.col - 1) + "^" * width


def _full(finding: Finding, context: ReportContext) -> list[str]:
    from testlint.registry import load_registry

    message = parts(finding.message)
    lines = [f"{_location(finding, context.color)} {_code(finding, context.color)} "
             f"{message.what}"]
    shown = _source(finding, context)
    if shown is not None:
        number = str(finding.line)
        pad = " " * len(number)
        lines += [f"{pad} |", f"{number} | {shown[0]}", f"{pad} | {shown[1]}", f"{pad} |"]
    if message.why:
        lines.append(f"  why: {message.why}")
    if message.how:
        lines.append(f"  fix: {message.how}")
    rule = load_registry().rules.get(finding.code)
    if rule is not None:
        from testlint.catalogue import help_uri

        lines.append(f"  see: {help_uri(rule)}")
    lines.append("")
    return lines


def _statistics(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return []
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    marks: dict[str, str] = {}
    for finding in findings:
        if finding.fix is not None:
            mark = "[*]" if finding.fix.safe else "[-]"
            marks[finding.code] = "[*]" if "[*]" in (mark, marks.get(finding.code)) else mark
    lines = [f"{counts[code]:<6} {code} {marks.get(code, '[ ]')} {names[code]}"
             for code in sorted(counts)]
    lines.append(f"{len(findings):<6} total")
    return lines


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    lines: list[str] = []
    concise = context.output_format == "concise"
    for finding in findings:
        if context.output_format == "full":
            lines += _full(finding, context)
            continue
        message = short_message(finding.message) if concise else finding.message
        lines.append(
            f"{_location(finding, context.color)} {_code(finding, context.color)} {message}"
        )
        if context.show_source:
            shown = _source(finding, context)
            if shown is not None:
                lines += shown
    if context.statistics:
        lines += _statistics(findings)
    return "\n".join(lines) + ("\n" if lines else "")
