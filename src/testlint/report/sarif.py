"""SARIF 2.1.0, as GitHub code scanning and other CI dashboards read it.

`tool.driver.rules` lists every rule (id, name, short and full description, help text and URI,
default level: the rule's `LEVEL`); each result points at its rule by id and index, with a
physical location whose region is 1-based lines and Unicode code point columns.
`partialFingerprints` carries the finding's line-free fingerprint, so an alert keeps its
identity when lines move above it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from testlint import __version__
from testlint.finding import Finding
from testlint.report import TL000_LEVEL, ReportContext, level_of

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://testlint.readthedocs.io/"
FINGERPRINT_KEY = "testlint/v1"
TL000_SUMMARY = "A file testlint could not read or parse."
TL000_DESCRIPTOR = {
    "id": "TL000",
    "name": "could-not-analyse",
    "shortDescription": {"text": TL000_SUMMARY},
    "fullDescription": {
        "text": "The file is not valid Python, not valid text in its declared encoding, empty, "
        "too large or too deeply nested, so none of its tests were checked."
    },
    "help": {
        "text": f"{TL000_SUMMARY} Make the file valid Python in its declared encoding (the "
        "message names the problem), or exclude it if it is not a test file.",
        "markdown": f"# TL000 could-not-analyse\n\n{TL000_SUMMARY}\n\nThe message names the "
        "problem: a syntax error, an undecodable byte, a file too large or too deeply nested. "
        "Make the file valid Python in its declared encoding, or exclude it (`exclude` in "
        "`[tool.testlint]`) if it is not a test file.\n",
    },
    "helpUri": INFORMATION_URI,
    "defaultConfiguration": {"level": TL000_LEVEL},
}


def _descriptors() -> list[dict[str, Any]]:
    from testlint.catalogue import help_uri, rule_text
    from testlint.registry import load_full_registry

    out: list[dict[str, Any]] = [TL000_DESCRIPTOR]
    for rule in load_full_registry().rules.values():
        what = " ".join(rule.sections.get("What it does", rule.summary).split())
        page = rule_text(rule)
        out.append(
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": what or rule.summary},
                "help": {"text": rule.summary, "markdown": page},
                "helpUri": help_uri(rule),
                "defaultConfiguration": {"level": rule.level, "enabled": rule.default_enabled},
                "properties": {"tags": [rule.family, f"fix:{rule.fix}"]},
            }
        )
    return out


def _uri(path: str) -> tuple[str, bool]:
    """A relative URI against %SRCROOT% (the working directory) when possible."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri(), False
    posix = PurePosixPath(candidate.as_posix())
    if posix.parts and posix.parts[0] == "..":
        return Path(os.path.abspath(candidate)).as_uri(), False
    return quote(os.fsencode(str(posix))), True  # bytes: a non-UTF-8 name is percent-encoded


def _result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    uri, relative = _uri(finding.path)
    location: dict[str, Any] = {"uri": uri}
    if relative:
        location["uriBaseId"] = "%SRCROOT%"
    region: dict[str, Any] = {"startLine": finding.line, "startColumn": finding.col}
    if finding.end_line >= finding.line:
        region["endLine"] = finding.end_line
        if finding.end_col > finding.col or finding.end_line > finding.line:
            region["endColumn"] = finding.end_col
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "level": level_of(finding.code),
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
    }
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    if finding.fingerprint:
        result["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.test:
        result["properties"] = {"test": finding.test}
    return result


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    descriptors = _descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "testlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": Path.cwd().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index) for f in findings],
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
