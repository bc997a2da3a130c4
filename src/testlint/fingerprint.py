"""A finding's identity that survives edits elsewhere in the file: no line numbers in it.

A finding inside a test is identified by its rule, the test's qualified name, the test's
normalised code (its AST without positions, so comments, blank lines, indentation and lines
added above it change nothing) and the normalised text the finding points at (which tells two
findings of one rule in one test apart). A finding outside any test uses the normalised text of
its lines instead of the test. The baseline and SARIF's `partialFingerprints` are both made
from this one digest.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Sequence
from dataclasses import replace

from testlint.facts import TestModule
from testlint.finding import Finding
from testlint.source import SourceFile

FINGERPRINT_VERSION = "1"


def _digest(*parts: str) -> str:
    data = "\0".join((FINGERPRINT_VERSION, *parts)).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=10).hexdigest()


def _squash(text: str) -> str:
    return " ".join(text.split())


def span_text(source: SourceFile, finding: Finding) -> str:
    """The text between the finding's start and end, whitespace-normalised."""
    first, last = finding.line, max(finding.end_line, finding.line)
    lines = source.lines[first - 1 : last]
    if not lines:
        return ""
    if first == last:
        end = finding.end_col - 1 if finding.end_col > finding.col else len(lines[0])
        return _squash(lines[0][finding.col - 1 : end])
    lines = [lines[0][finding.col - 1 :], *lines[1:-1], lines[-1][: max(finding.end_col - 1, 0)]]
    return _squash(" ".join(lines))


class Fingerprinter:
    """Fingerprints for one file's findings; each test is normalised at most once."""

    def __init__(self, source: SourceFile, module: TestModule | None) -> None:
        self.source = source
        self.tests = {t.qualname: t for t in module.tests} if module is not None else {}
        self._test_digests: dict[str, str] = {}

    def _test_digest(self, qualname: str) -> str | None:
        if qualname in self._test_digests:
            return self._test_digests[qualname]
        test = self.tests.get(qualname)
        if test is None:
            return None
        try:
            normalised = ast.dump(test.node, annotate_fields=False, include_attributes=False)
        except RecursionError:  # a test too deep to dump: its whitespace-folded text will do
            node = test.node
            normalised = _squash(" ".join(self.source.lines[node.lineno - 1 : node.end_lineno]))
        digest = _digest(normalised)
        self._test_digests[qualname] = digest
        return digest

    def fingerprint(self, finding: Finding) -> str:
        test_digest = self._test_digest(finding.test) if finding.test else None
        if finding.path != self.source.path:
            # in another file (a stored snapshot): its name, the owning test and the message
            return _digest(finding.code, finding.path.rsplit("/", 1)[-1], finding.test or "",
                           test_digest or "", finding.message)
        span = span_text(self.source, finding)
        if test_digest is not None:
            return _digest(finding.code, finding.test or "", test_digest, span)
        whole = _squash(" ".join(self.source.lines[finding.line - 1 : finding.end_line]))
        return _digest(finding.code, finding.test or "", whole or finding.message, span)

    def apply(self, findings: Sequence[Finding]) -> list[Finding]:
        return [replace(f, fingerprint=self.fingerprint(f)) for f in findings]


def message_fingerprint(finding: Finding) -> str:
    """For findings about a file that could not be read: only the rule and the reason."""
    return _digest(finding.code, finding.message)
