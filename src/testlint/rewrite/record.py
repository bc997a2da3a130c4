"""The run record of `testlint rewrite`: per finding, every attempt's verdict, and the possible
bugs; rendered as text (possible bugs only: the diffs are printed as they are accepted), as JSON
(`--format json`, the whole record) or as SARIF (`--format sarif`: possible bugs and accepted
rewrites as results, for a code-scanning dashboard).

A possible bug is a proposal that follows the specification (the docstring of the code under
test) and fails on the current code by its own assertion. It is the most valuable thing the step
can find, so it is reported to the user with the actual value; it is never retried toward the
current behaviour, and nothing of the actual value goes back to the model.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from testlint import __version__

VERDICTS = ("accepted", "rejected", "possible-bug", "failed")


@dataclass
class Mutants:
    """What the mutants of the code under test said about the old and the new test."""

    total: int
    killed_by_new: int
    killed_by_old: int | None = None  # None: the old test was not run against them
    killed_new: list[str] = field(default_factory=list)  # mutant ids
    killed_old: list[str] = field(default_factory=list)

    def text(self) -> str:
        old = "" if self.killed_by_old is None else f" (old test: {self.killed_by_old})"
        return f"kills {self.killed_by_new} of {self.total} mutants{old}"


@dataclass
class Attempt:
    number: int
    verdict: str  # one of VERDICTS
    gate: str | None = None  # the gate that rejected it
    reason: str = ""  # for the user (may quote actual values)
    feedback: str | None = None  # what was sent back to the model, if anything
    mutants: Mutants | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0  # the model's answer and the gates


@dataclass
class PossibleBug:
    path: str
    line: int
    test: str
    code: str  # the finding's rule
    spec_of: str | None  # the code under test whose docstring the test follows
    spec: str  # that docstring (or "" when the code under test has none)
    failure: str  # "assert 9 == 8"
    detail: str  # pytest's E lines, with the actual value
    proposal: str  # the proposed test function

    def text(self) -> str:
        lines = [f"possible bug: {self.path}:{self.line}: {self.test} ({self.code} rewrite)"]
        if self.spec_of:
            first = " ".join(self.spec.split("\n\n", 1)[0].split()) if self.spec else ""
            lines.append(f"  the proposed test follows `{self.spec_of}`"
                         + (f": \"{first}\"" if first else " (no docstring)"))
        lines.append(f"  and fails on the current code: {self.failure}")
        lines += [f"  {ln.removeprefix('E').strip()}" for ln in self.detail.splitlines()[1:]
                  if ln.removeprefix("E").strip()]
        lines.append("  proposed test:")
        lines += [f"    {ln}".rstrip() for ln in self.proposal.rstrip().splitlines()]
        return "\n".join(lines) + "\n"


@dataclass
class FindingRecord:
    path: str
    line: int
    col: int
    code: str
    message: str
    test: str | None
    outcome: str = "unresolved"  # accepted | possible-bug | unresolved | skipped | stopped
    attempts: list[Attempt] = field(default_factory=list)
    diff: str = ""  # the accepted rewrite as a unified diff
    possible_bug: PossibleBug | None = None


@dataclass
class RunRecord:
    model: str | None
    provider: str
    run: bool
    findings: list[FindingRecord] = field(default_factory=list)
    funnel: list[str] = field(default_factory=list)
    usage: dict[str, int] = field(default_factory=dict)

    def possible_bugs(self) -> list[PossibleBug]:
        return [f.possible_bug for f in self.findings if f.possible_bug is not None]

    def to_json(self) -> str:
        data: dict[str, Any] = {"testlint": __version__, "command": "rewrite", **asdict(self)}
        return json.dumps(data, indent=2) + "\n"

    def to_sarif(self) -> str:
        rules = [
            {"id": "possible-bug", "name": "possible-bug",
             "shortDescription": {"text": "A rewritten test that follows the specification "
                                          "fails on the current code."},
             "defaultConfiguration": {"level": "warning"}},
            {"id": "rewrite", "name": "accepted-rewrite",
             "shortDescription": {"text": "A rewrite of a flagged test passed every gate."},
             "defaultConfiguration": {"level": "note"}},
        ]
        results: list[dict[str, Any]] = []
        for finding in self.findings:
            location = [{"physicalLocation": {
                "artifactLocation": {"uri": finding.path.replace("\\", "/")},
                "region": {"startLine": finding.line, "startColumn": finding.col},
            }}]
            bug = finding.possible_bug
            if bug is not None:
                spec = f" (follows `{bug.spec_of}`)" if bug.spec_of else ""
                results.append({
                    "ruleId": "possible-bug", "ruleIndex": 0, "level": "warning",
                    "message": {"text": f"possible bug: the rewrite of {finding.test}{spec} "
                                        f"fails on the current code: {bug.failure}"},
                    "locations": location,
                    "properties": {"finding": finding.code, "detail": bug.detail,
                                   "spec": bug.spec, "proposal": bug.proposal},
                })
            elif finding.outcome == "accepted":
                results.append({
                    "ruleId": "rewrite", "ruleIndex": 1, "level": "note",
                    "message": {"text": f"{finding.code} on {finding.test}: a rewrite passed "
                                        "every gate"},
                    "locations": location,
                    "properties": {"finding": finding.code, "diff": finding.diff},
                })
        sarif = {
            "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                       "sarif-schema-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "testlint-rewrite", "version": __version__,
                                    "informationUri": "https://testlint.readthedocs.io/",
                                    "rules": rules}},
                "results": results,
            }],
        }
        return json.dumps(sarif, indent=2) + "\n"
