"""Suppression comments: reading `# noqa` directives, finding the ones that suppress nothing
(TL001 unused-noqa, ruff's RUF100), and writing new ones (`check --add-noqa`, the editor's
"disable for this line").

flake8's forms are read: a bare `# noqa` (every code), `# noqa: TL101`, `# noqa:TL101,TL102`,
and a prefix (`# noqa: TL1`). A directive is judged only on testlint's own codes: a bare
`# noqa` and other tools' codes (E501, PT011, ...) are never reported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from testlint.finding import Edit, Finding, Fix
from testlint.source import SourceFile

# flake8's own suppression comments: a bare noqa, `noqa: TL101`, `noqa:TL101,TL102`
NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.I)

UNUSED_NOQA = "TL001"
UNUSED_NOQA_NAME = "unused-noqa"
OWN_PREFIX = "TL"
ENGINE_CODES = frozenset({"TL000"})  # codes the engine reports itself, not a rule


def noqa_codes(line: str) -> frozenset[str] | None:
    """None if the line has no noqa comment; an empty set for a bare `# noqa`."""
    if "noqa" not in line.lower():
        return None
    match = NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes) if c)


def suppressing_codes(line: str, code: str) -> frozenset[str] | None:
    """The codes of the line's noqa directive that suppress `code` (every one that matches, so
    `# noqa: TL1, TL101` uses both; {""} for a bare `# noqa`), or None when the line does not
    suppress it."""
    codes = noqa_codes(line)
    if codes is None:
        return None
    if not codes:
        return frozenset({""})
    matching = frozenset(c for c in codes if code.startswith(c))
    return matching or None


# ---- adding a directive ---------------------------------------------------------------------


def comment_fits(source: SourceFile, lineno: int) -> bool:
    """Whether a comment can go at the end of this line: not inside a multi-line string, not
    after a backslash continuation."""
    if source.line(lineno).rstrip().endswith("\\"):
        return False
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Constant | ast.JoinedStr):
            end = node.end_lineno or node.lineno
            if node.lineno <= lineno < end:
                return False
    return True


def noqa_insertion(line_text: str, code: str) -> tuple[int, str] | None:
    """Where (0-based character column) and what to insert so that the line suppresses
    `code`: the code added to its `# noqa: ...` list, or `  # noqa: CODE` at its end. None
    when the line already suppresses it."""
    codes = noqa_codes(line_text)
    if codes is not None and (not codes or any(code.startswith(c) for c in codes)):
        return None
    match = NOQA.search(line_text) if codes is not None else None
    if match is not None and match.group("codes"):
        return match.end("codes"), f", {code}"
    return len(line_text.rstrip()), f"  # noqa: {code}"


def add_noqa_text(source: SourceFile, findings: Iterable[Finding]) -> tuple[str, int]:
    """The file's text with a directive for each finding on its line (a line that cannot take
    a comment is left alone), and how many codes were added."""
    wanted: dict[int, list[str]] = {}
    for finding in findings:
        if finding.path != source.path or finding.code in ENGINE_CODES | {UNUSED_NOQA}:
            continue
        codes = wanted.setdefault(finding.line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    lines = source.text.split("\n")
    added = 0
    for lineno, codes in sorted(wanted.items()):
        if not 1 <= lineno <= len(lines) or not comment_fits(source, lineno):
            continue
        text = lines[lineno - 1]
        ending = "\r" if text.endswith("\r") else ""
        text = text.removesuffix("\r")
        for code in codes:
            insertion = noqa_insertion(text, code)
            if insertion is None:
                continue
            at, insert = insertion
            text = text[:at] + insert + text[at:]
            added += 1
        lines[lineno - 1] = text + ending
    return "\n".join(lines), added


# ---- unused directives ----------------------------------------------------------------------


@dataclass(frozen=True)
class Directive:
    """One `# noqa: CODES` comment with codes."""

    line: int
    start: int  # 0-based character column of its `#`
    end: int  # just past its last code
    codes_start: int
    codes: tuple[str, ...]  # as written


def directives(source: SourceFile) -> list[Directive]:
    """The noqa directives with codes in the file's real comments (not in strings)."""
    if NOQA.search(source.text) is None:
        return []
    found: list[Directive] = []
    for lineno, comment in source.comments.items():
        match = NOQA.search(comment)
        if match is None or not match.group("codes"):
            continue
        offset = source.line(lineno).rfind(comment)
        if offset < 0:
            continue
        found.append(Directive(
            line=lineno,
            start=offset + match.start(),
            end=offset + match.end("codes"),
            codes_start=offset + match.start("codes"),
            codes=tuple(_CODE.findall(match.group("codes"))),
        ))
    return found


@dataclass(frozen=True)
class Judge:
    """What a run can tell about a noqa code: which codes exist, which rules ran, which codes
    the file's per-file-ignores drop already."""

    known: Collection[str]  # every rule code installed
    enabled: Collection[str]  # the codes of the rules that ran and whose silence is telling
    ignored: Collection[str]  # per-file-ignores of this file

    def verdict(self, code: str, used: bool) -> str | None:
        """"unknown", "unused" or None (fine, or not ours to judge)."""
        code = code.upper()
        matching = [known for known in self.known if known.startswith(code)]
        if not matching:
            own = code.startswith(OWN_PREFIX) and not any(
                engine.startswith(code) for engine in ENGINE_CODES)
            return "unknown" if own else None
        if used or code == UNUSED_NOQA or any(code.startswith(i) for i in self.ignored):
            return None
        # judged only when every rule it names ran: a code for an opt-in rule may serve a
        # run that selects it (CI with `--select ALL`, another configuration), and one for a
        # rule that reads the installed environment may serve the environment that has it
        if all(known in self.enabled for known in matching):
            return "unused"
        return None


REASONS = {"unused": "suppresses nothing here", "unknown": "no such rule"}


def unused_noqa(source: SourceFile, used: Collection[tuple[int, str]],
                judge: Judge) -> list[Finding]:
    """A TL001 finding for each directive that names codes which suppress nothing, or which no
    rule has; its safe fix removes those codes (the whole directive when none is left)."""
    if not _may_judge(source.text, judge):
        return []  # only other tools' codes (`# noqa: F401`): no need to tokenize the file
    found: list[Finding] = []
    for directive in directives(source):
        if any(UNUSED_NOQA.startswith(code.upper()) for code in directive.codes):
            continue  # a directive that also names TL001 is kept as it is, on purpose
        verdicts = {code: judge.verdict(code, (directive.line, code.upper()) in used)
                    for code in directive.codes}
        bad = [code for code in directive.codes if verdicts[code] is not None]
        if not bad:
            continue
        listed = ", ".join(f"{code} ({REASONS[str(verdicts[code])]})" for code in bad)
        them = "it" if len(bad) == 1 else "them"
        message = (f"unused noqa code{'s' * (len(bad) > 1)} {listed}; remove {them}, so that "
                   "a future finding on this line is not hidden")
        kept = [code for code in directive.codes if code not in bad]
        found.append(Finding(
            path=source.path, line=directive.line, col=directive.start + 1,
            code=UNUSED_NOQA, name=UNUSED_NOQA_NAME, message=message,
            end_line=directive.line, end_col=directive.end + 1,
            fix=Fix(description=f"remove {', '.join(bad)} from the noqa comment",
                    edits=(_removal(source, directive, kept),), safe=True),
        ))
    return found


def _may_judge(text: str, judge: Judge) -> bool:
    """Whether any noqa-looking text names a code the judge may have a verdict on: ours, or one
    an installed rule has. A cheap scan of the raw text, before the tokenizer tells comments
    from strings."""
    for match in NOQA.finditer(text):
        for code in _CODE.findall(match.group("codes") or ""):
            code = code.upper()
            if code.startswith(OWN_PREFIX) or any(known.startswith(code)
                                                  for known in judge.known):
                return True
    return False


def _removal(source: SourceFile, directive: Directive, kept: list[str]) -> Edit:
    line = directive.line
    if kept:
        return Edit(line, directive.codes_start + 1, line, directive.end + 1, ", ".join(kept))
    text = source.line(line).rstrip("\r\n")
    rest = text[directive.end:]
    if rest.strip():
        # more comment text follows the codes: keep it a comment
        return Edit(line, directive.start + 1, line, directive.end + 1, "#")
    start = len(text[: directive.start].rstrip())
    return Edit(line, start + 1, line, len(text) + 1, "")
