"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure): one test suite
per file with findings, one failed test case per finding; a clean run is one passing case."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from xml.etree import ElementTree as ET

from testlint.finding import Finding
from testlint.report import ReportContext


def render(findings: Sequence[Finding], context: ReportContext) -> str:
    root = ET.Element(
        "testsuites", name="testlint", tests=str(max(len(findings), 1)),
        failures=str(len(findings)), errors="0",
    )
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="testlint", tests="1", failures="0",
                              errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="No findings", classname="testlint")
    for path, group in groupby(sorted(findings, key=lambda f: f.sort_key), key=lambda f: f.path):
        items = list(group)
        suite = ET.SubElement(root, "testsuite", name=path, tests=str(len(items)),
                              failures=str(len(items)), errors="0", skipped="0")
        for finding in items:
            case = ET.SubElement(
                suite, "testcase", name=f"{finding.code} {finding.name} (line {finding.line})",
                classname=path, file=path, line=str(finding.line),
            )
            failure = ET.SubElement(case, "failure", message=finding.message,
                                    type=finding.code)
            failure.text = f"{path}:{finding.line}:{finding.col}: {finding.code} {finding.message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
