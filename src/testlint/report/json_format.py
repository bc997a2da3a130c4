"""A JSON list of findings: code, name, level, path, line, col, end_line, end_col, message, test,
fix. `json-lines` is the same objects, one a line, for streams and `jq -c`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from testlint.finding import Finding
from testlint.report import ReportContext, level_of


def finding_object(finding: Finding) -> dict[str, Any]:
    data = finding.to_dict()
    return {"code": data.pop("code"), "name": data.pop("name"), "level": level_of(finding.code),
            **data}


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    return json.dumps([finding_object(f) for f in findings], indent=2, ensure_ascii=False) + "\n"


def render_lines(findings: Sequence[Finding], context: ReportContext) -> str:
    return "".join(json.dumps(finding_object(f), ensure_ascii=False) + "\n" for f in findings)
