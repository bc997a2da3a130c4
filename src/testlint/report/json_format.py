"""A JSON list of findings: code, name, path, line, col, end_line, end_col, message, test, fix."""

from __future__ import annotations

import json
from collections.abc import Sequence

from testlint.finding import Finding
from testlint.report import ReportContext


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
