"""GitHub Actions workflow commands: one `::error ...::message` line per finding (`::warning` for
a rule whose level is "warning"), which the Actions log turns into an annotation on the pull
request's diff.

Values are escaped as the Actions toolkit does: in the message `%`, CR and LF; in the properties
also `:` and `,` (which would otherwise end the property).
"""

from __future__ import annotations

from collections.abc import Sequence

from testlint.finding import Finding
from testlint.report import ReportContext, level_of


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _command(finding: Finding) -> str:
    properties = [
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.col)),
    ]
    if finding.end_line >= finding.line:
        properties.append(("endLine", str(finding.end_line)))
        if finding.end_line > finding.line or finding.end_col > finding.col:
            properties.append(("endColumn", str(finding.end_col)))
    properties.append(("title", finding.code))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{level_of(finding.code)} {joined}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return "".join(_command(f) + "\n" for f in findings)
