"""GitLab code quality: the JSON list a CI job hands to `artifacts:reports:codequality`, which
GitLab shows in the merge request widget and on the diff.

Each issue has the documented fields: `description` (the message), `check_name` (the rule code),
`fingerprint` (unique per issue: GitLab collapses issues that share one), `severity` (an
"error" rule is `major`, a "warning" rule `minor`) and `location.path` with `location.lines`.
The fingerprint is made from the finding's line-free fingerprint, so an issue keeps its identity
when lines move above it; a repeat of the same one in a file gets a counter.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from testlint.finding import Finding
from testlint.report import ReportContext, level_of

SEVERITY = {"error": "major", "warning": "minor"}


def _fingerprint(finding: Finding, seen: Counter[str]) -> str:
    identity = finding.fingerprint or f"{finding.line}:{finding.col}:{finding.message}"
    key = "\0".join((finding.path, finding.code, identity))
    seen[key] += 1
    return hashlib.md5(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass"),
                       usedforsecurity=False).hexdigest()


def _issue(finding: Finding, seen: Counter[str]) -> dict[str, Any]:
    return {
        "description": f"{finding.code} {finding.message}",
        "check_name": finding.code,
        "fingerprint": _fingerprint(finding, seen),
        "severity": SEVERITY[level_of(finding.code)],
        "location": {
            "path": finding.path.removeprefix("./"),
            "lines": {"begin": finding.line, "end": max(finding.end_line, finding.line)},
        },
    }


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    seen: Counter[str] = Counter()
    issues = [_issue(f, seen) for f in findings]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
