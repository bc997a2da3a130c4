"""Reading one Python file into text, lines and a single stdlib AST, or a reason it cannot be read.

Everything downstream (facts, rules, fixes) works from the one `SourceFile` built here, so a file
is decoded and parsed exactly once per run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import AnyStr

# Larger files are almost always generated data, not tests, and would dominate a run's time.
MAX_FILE_BYTES = 5_000_000


class UnreadableSource(Exception):
    """A file that cannot be analysed; the message is the user-facing reason."""

    def __init__(self, reason: str, line: int = 1, col: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.col = col


# str.splitlines also breaks at these; Python's tokenizer (and so every AST line number, and an
# editor's) breaks only at \r\n, \r and \n: a form feed between functions is not a new line
_OTHER_LINE_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def may_spell(text: AnyStr, *words: AnyStr) -> bool:
    """Whether `text` may hold one of `words` as an identifier: it contains one as written, or
    as Python reads identifiers, in NFKC form (an identifier written in compatibility
    characters, full-width letters for instance); undecoded bytes that are not plain ASCII may
    hold one either way. A cheap gate before walking a tree for names."""
    if any(word in text for word in words):
        return True
    if text.isascii():
        return False
    if isinstance(text, bytes):
        return True
    normal = unicodedata.normalize("NFKC", text)
    return any(word in normal for word in words)


def definition_start(node: ast.stmt) -> int:
    """The line a statement starts on, a definition's decorators included (`node.lineno` is the
    line of `def` or `class` itself)."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(decorator.lineno for decorator in decorators)])


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """`text.splitlines(keepends)`, breaking lines where Python does: at \r\n, \r and \n only."""
    if not _OTHER_LINE_BREAKS.search(text):
        return text.splitlines(keepends)  # the usual file: the same answer, faster
    parts = _LINE_BREAK.split(text)  # line, break, line, break, ..., rest
    lines = [parts[i] + parts[i + 1] if keepends else parts[i] for i in range(0, len(parts) - 1, 2)]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass
class SourceFile:
    path: str
    text: str
    tree: ast.Module
    encoding: str = "utf-8"

    @cached_property
    def lines(self) -> list[str]:
        """The physical lines, without their endings; split on first use (a file with no
        finding and no rule that reads its text never needs them)."""
        return split_lines(self.text)

    def line(self, lineno: int) -> str:
        """The physical line `lineno` (1-based) without its line ending, or "" past the end."""
        if 1 <= lineno <= len(self.lines):
            return self.lines[lineno - 1]
        return ""

    def char_col(self, lineno: int, byte_col: int) -> int:
        """Convert an AST UTF-8 byte offset on `lineno` to a 0-based character offset."""
        text = self.line(lineno)
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def segment(self, node: ast.AST) -> str:
        """The exact source text of a node (stdlib's get_source_segment, tolerant of odd nodes)."""
        return ast.get_source_segment(self.text, node) or ""

    def comments_in(self, first: int, last: int) -> dict[int, str]:
        """The comments on lines `first`..`last`, where `first` starts a statement (a `def`,
        its decorators). Tokenizes only those lines, unless the whole file already was: rules
        that look at one test's comments need not tokenize a 3,000-line file."""
        if "comments" in self.__dict__:
            return {n: c for n, c in self.comments.items() if first <= n <= last}
        lines = self._newline_lines[max(first, 1) - 1 : last]
        if not any("#" in line for line in lines):
            return {}
        found: dict[int, str] = {}
        try:
            text = "\n".join(lines) + "\n"
            for tok in tokenize.generate_tokens(io.StringIO(text).readline):
                if tok.type == tokenize.COMMENT:
                    found[tok.start[0] + first - 1] = tok.string
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return {n: c for n, c in self.comments.items() if first <= n <= last}
        return found

    @cached_property
    def _newline_lines(self) -> list[str]:
        # numbered as the tokenizer numbers them in `comments` (split on "\n" only)
        return self.text.split("\n")

    @cached_property
    def comments(self) -> dict[int, str]:
        """Comment text by line number, from the tokenizer (so `#` inside strings is not one)."""
        found: dict[int, str] = {}
        if "#" not in self.text:
            return found
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.text).readline):
                if tok.type == tokenize.COMMENT:
                    found[tok.start[0]] = tok.string
        except (tokenize.TokenError, SyntaxError, IndentationError):
            # The AST parsed, so this only happens on exotic input; fall back to a plain scan.
            for number, text in enumerate(self.lines, start=1):
                if "#" in text:
                    found[number] = text[text.index("#") :]
        return found




def decode_source(data: bytes) -> tuple[str, str]:
    """Decode bytes the way Python does (BOM, PEP 263 cookie); raise UnreadableSource if invalid."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise UnreadableSource(f"invalid encoding declaration: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        line = data[: _first_bad_offset(data, encoding)].count(b"\n") + 1
        raise UnreadableSource(f"not valid {encoding} text", line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, encoding


def _first_bad_offset(data: bytes, encoding: str) -> int:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start
    except LookupError:
        return 0
    return 0


def parse_source(path: str, data: bytes) -> SourceFile:
    """Build a SourceFile from raw bytes, or raise UnreadableSource with a one-line reason."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableSource(f"file is too large ({len(data):,} bytes; limit {MAX_FILE_BYTES:,})")
    if b"\0" in data:
        raise UnreadableSource("binary file (contains NUL bytes)")
    text, encoding = decode_source(data)
    return parse_text(path, text, encoding)


def parse_text(path: str, text: str, encoding: str = "utf-8") -> SourceFile:
    try:
        with warnings.catch_warnings():
            # the user's code may trip SyntaxWarnings (`"a" is "a"`, invalid escapes): those are
            # the compiler's to report, not the linter's, and must not clutter our output
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path, type_comments=False)
    except SyntaxError as exc:
        line = exc.lineno or 1
        col = (exc.offset or 1) if exc.lineno else 1
        raise UnreadableSource(f"syntax error: {exc.msg}", line=line, col=max(col, 1)) from None
    except (RecursionError, MemoryError):
        raise UnreadableSource("too deeply nested to parse") from None
    except ValueError as exc:  # e.g. source with NUL characters after decoding
        raise UnreadableSource(f"cannot parse: {exc}") from None
    return SourceFile(path=path, text=text, tree=tree, encoding=encoding)


def read_source(path: Path, display: str | None = None) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableSource(f"cannot read file: {exc.strerror or exc}") from None
    return parse_source(display or str(path), data)
