"""A finding's identity that survives edits elsewhere in the file: no line numbers in it.

A finding inside a test is identified by its rule, the test's qualified name, the test's
normalised code (its source tokens, decorators included, with whitespace and comments dropped:
comments, blank lines, indentation, line breaks and lines added above it change nothing) and the
normalised text the finding points at (which tells two findings of one rule in one test apart).
A finding outside any test uses the normalised text of its lines instead of the test. The
baseline, SARIF's `partialFingerprints` and the result cache use this one digest; nothing else
does, so the engine computes it only when asked (`Engine.fingerprints`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace

from testlint.facts import TestModule
from testlint.finding import Finding
from testlint.source import SourceFile, definition_start

FINGERPRINT_VERSION = "2"  # 2: the test's tokens, not its AST dump (a baseline is re-recorded)

# One scan of a test's text: string literals kept as written (a `#` or spaces in them are code),
# comments and whitespace (line continuations too) dropped. The regular expression runs in C:
# a tenth of the cost of `ast.dump` (pure Python), and of `tokenize` on Python 3.11.
_TOKENS = re.compile(
    "|".join([
        r"(?P<string>[rRbBuUfF]{0,2}(?:'{3}(?:\\.|[^\\])*?'{3}|\"{3}(?:\\.|[^\\])*?\"{3}"
        r"|'(?:\\.|[^\\'\n])*'|\"(?:\\.|[^\\\"\n])*\"))",
        r"(?P<comment>#[^\n]*)",
        r"(?P<space>(?:\s|\\\n)+)",
    ]),
    re.DOTALL,
)


def _keep_strings(match: re.Match[str]) -> str:
    return match.group("string") or ""


def code_form(lines: Sequence[str]) -> str:
    """Source lines as their tokens: strings kept, whitespace and comments dropped."""
    return _TOKENS.sub(_keep_strings, "\n".join(lines))


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
        node = test.node
        first = definition_start(node)
        digest = _digest(code_form(self.source.lines[first - 1 : node.end_lineno]))
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
