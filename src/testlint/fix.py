"""Apply the fixes findings carry: text edits, a fixed-point loop, a re-parse check, safe writes.

A finding's `Fix` is a set of edits between 1-based (line, character column) positions of the
text the rule saw. Fixes are applied as exact text splices (only the edited characters change; the
rest of the file, its encoding, byte-order mark and line endings stay as they were), then the file
is linted again, until no fixable finding is left or a round limit is reached. A result that no
longer parses (or no longer compiles when the original did) is rolled back: the file is left
unchanged and the reason reported. A file that does not parse to begin with is never changed.
Writes go through `safe_write`: a read-only file, or one that changed while it was being fixed,
is refused; mode, owner and hard links are kept. A file that is not written keeps its findings:
they are counted as remaining.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from testlint.finding import Edit, Finding, fix_counts
from testlint.source import (
    SourceFile,
    UnreadableSource,
    parse_source,
    parse_text,
    split_lines,
)

if TYPE_CHECKING:
    from testlint.engine import Engine

MAX_ROUNDS = 10
_NEWLINE = re.compile(r"\r\n|\r|\n")
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class EditError(ValueError):
    """Edits that do not fit the text (out of range or overlapping)."""


def apply_edits(text: str, edits: Sequence[Edit], newline: str = "\n") -> str:
    """Splice `edits` into `text`. Positions are those of `SourceFile.lines` (1-based line,
    1-based character column, end exclusive); a "\\n" in a replacement becomes `newline`."""
    lines = split_lines(text, keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, col: int) -> int:
        if line == len(lines) + 1 and col == 1:
            return len(text)
        if not 1 <= line <= len(lines):
            raise EditError(f"line {line} is outside the file")
        content = lines[line - 1].rstrip("\r\n")
        if not 1 <= col <= len(content) + 1:
            raise EditError(f"column {col} is outside line {line}")
        return starts[line - 1] + col - 1

    spans = sorted(
        ((offset(e.line, e.col), offset(e.end_line, e.end_col), e.replacement) for e in edits),
        key=lambda span: (span[0], span[1]),
    )
    out: list[str] = []
    position = 0
    for start, end, replacement in spans:
        if start < position or end < start:
            raise EditError("edits overlap")
        out.append(text[position:start])
        out.append(replacement.replace("\n", newline) if newline != "\n" else replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


def fixable(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    return [f for f in findings if f.fix is not None and f.fix.edits and (f.fix.safe or unsafe)]


def _non_overlapping(findings: list[Finding]) -> list[Finding]:
    """The fixes of one round: in file order, skipping any that overlaps one already taken
    (the next round sees it again, on the updated text)."""
    taken: list[Finding] = []
    claimed: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        assert finding.fix is not None
        spans = [((e.line, e.col), (e.end_line, e.end_col)) for e in finding.fix.edits]
        if any(a < d and c < b for a, b in spans for c, d in claimed):
            continue
        if any(a == b == c == d for a, b in spans for c, d in claimed):
            continue  # two insertions at one point: their order would be arbitrary
        taken.append(finding)
        claimed.extend(spans)
    return taken


def newline_of(text: str) -> str:
    match = _NEWLINE.search(text)
    return match.group() if match else "\n"


def parse_problem(text: str, path: str, must_compile: bool) -> str | None:
    """Why `text` cannot stand as the file's new content, or None if it can."""
    try:
        parse_text(path, text)
    except UnreadableSource as error:
        return f"{error.reason} at line {error.line}"
    if must_compile:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            return f"it no longer compiles: {error}"
    return None


def _compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass
class FileFix:
    """What fixing one file did (or, with `write=False`, would do)."""

    path: Path
    display: str
    before: str
    after: str
    fixed: list[Finding] = field(default_factory=list)  # findings whose fixes were applied
    remaining: list[Finding] = field(default_factory=list)  # findings left afterwards
    error: str | None = None  # why the file was left unchanged
    written: bool = False
    found: list[Finding] = field(default_factory=list)  # the findings of the text as read

    @property
    def changed(self) -> bool:
        return self.after != self.before


def fix_source(
    engine: Engine,
    source: SourceFile,
    path: Path,
    *,
    unsafe: bool = False,
    max_rounds: int = MAX_ROUNDS,
) -> FileFix:
    """Fix one parsed file in memory until no fixable finding is left."""
    display, original, encoding = source.path, source.text, source.encoding
    newline = newline_of(original)
    must_compile = _compiles(original, display)
    findings = engine.lint_source(source, path)
    result = FileFix(path=path, display=display, before=original, after=original,
                     remaining=findings, found=findings)
    current = original
    fixed: list[Finding] = []
    for _ in range(max_rounds):
        chosen = _non_overlapping(fixable(findings, unsafe))
        if not chosen:
            break
        try:
            edits = [e for f in chosen for e in (f.fix.edits if f.fix else ())]
            updated = apply_edits(current, edits, newline)
        except EditError as error:
            result.error = f"a fix does not fit the file ({error}); left unchanged"
            return result
        if updated == current:
            break
        problem = parse_problem(updated, display, must_compile)
        if problem is not None:
            codes = ", ".join(sorted({f.code for f in chosen}))
            result.error = f"fixing {codes} would break the file ({problem}); left unchanged"
            return result
        current = updated
        fixed.extend(chosen)
        findings = engine.lint_source(parse_text(display, current, encoding), path)
    else:
        if fixable(findings, unsafe):
            result.error = f"fixes did not settle after {max_rounds} rounds; left unchanged"
            return result
    result.after = current
    result.fixed = fixed
    result.remaining = findings
    return result


def fix_file(
    engine: Engine,
    path: Path,
    display: str | None = None,
    *,
    unsafe: bool = False,
    write: bool = True,
    max_rounds: int = MAX_ROUNDS,
) -> FileFix:
    """Fix one file on disk; with `write`, replace it atomically if anything changed."""
    shown = display or path.as_posix()
    try:
        data = path.read_bytes()
    except OSError:
        return FileFix(path=path, display=shown, before="", after="",
                       remaining=engine.lint_path(path, shown))
    try:
        source = parse_source(shown, data)
    except UnreadableSource:
        # a file that does not parse (or decode) is never changed
        return FileFix(path=path, display=shown, before="", after="",
                       remaining=engine.lint_bytes(data, path, shown))
    result = fix_source(engine, source, path, unsafe=unsafe, max_rounds=max_rounds)
    if not write or not result.changed or result.error:
        return result
    try:
        encoded = result.after.encode(source.encoding)
    except UnicodeEncodeError:
        return _unwritten(result, f"the fixed text cannot be written as {source.encoding}; "
                                  "left unchanged")
    from testlint.safe_write import WriteRefused, replace_file

    try:
        replace_file(path, encoded, data)
    except WriteRefused as refused:
        return _unwritten(result, f"{refused.reason}; left unchanged")
    except OSError as error:
        return _unwritten(result, f"cannot write: {error.strerror or error}; left unchanged")
    result.written = True
    return result


def _unwritten(result: FileFix, error: str) -> FileFix:
    """A fix that could not be written: the file keeps its text and its findings."""
    result.error = error
    result.after = result.before
    result.fixed = []
    result.remaining = result.found
    return result


def unified_diff(display: str, before: str, after: str) -> str:
    """A unified diff of one file (git-style `\\ No newline at end of file` markers)."""
    old = _PHYSICAL_LINE.findall(before)
    new = _PHYSICAL_LINE.findall(after)
    out: list[str] = []
    for line in difflib.unified_diff(old, new, fromfile=display, tofile=display):
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


@dataclass
class FixRun:
    """Fixing many files: per-file results and what to tell the user."""

    files: list[FileFix]
    unsafe: bool

    @property
    def remaining(self) -> list[Finding]:
        return sorted((f for r in self.files for f in r.remaining), key=lambda f: f.sort_key)

    @property
    def changed(self) -> list[FileFix]:
        return [r for r in self.files if r.changed and not r.error]

    @property
    def errors(self) -> list[FileFix]:
        return [r for r in self.files if r.error]

    def diff(self) -> str:
        return "".join(unified_diff(r.display, r.before, r.after) for r in self.changed)

    def notes(self, preview: bool) -> list[str]:
        """Lines for stderr: each fix, each file left unchanged and why, and a summary."""
        lines: list[str] = []
        for result in self.files:
            if result.error:
                lines.append(f"testlint: error: {result.display}: {result.error}")
                continue
            if not preview:
                for finding in result.fixed:
                    assert finding.fix is not None
                    lines.append(f"{finding.path}:{finding.line}:{finding.col}: {finding.code} "
                                 f"fixed: {finding.fix.description}")
        count = sum(len(r.fixed) for r in self.changed)
        files = len(self.changed)
        verb = "Would fix" if preview else "Fixed"
        summary = (f"{verb} {count} finding{'s' * (count != 1)} in {files} "
                   f"file{'s' * (files != 1)}")
        if not preview:
            left = len(self.remaining)
            summary += f", {left} remaining"
        hidden = 0 if self.unsafe else fix_counts(self.remaining)[1]
        if hidden:
            summary += (f" ({hidden} more fix{'es' * (hidden != 1)} available with "
                        "--unsafe-fixes)")
        lines.append(summary + ".")
        return lines


def run_fixes(engine: Engine, files: Sequence[Path], *, unsafe: bool = False,
              write: bool = True) -> FixRun:
    return FixRun(files=[fix_file(engine, path, unsafe=unsafe, write=write) for path in files],
                  unsafe=unsafe)
