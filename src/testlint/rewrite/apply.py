"""Accepted rewrites as unified diffs, and `--write`: every changed file written safely.

Files are written only after the whole run, through `safe_write` (the `check --fix` writer),
keeping the file's encoding, byte-order mark, line endings, mode, owner and hard links. A file
that changed since it was read (edited while the run waited for the model) or is read-only is
refused. Every file is checked and staged before the first one is replaced, so a refusal or a
failure leaves every file as it was.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FileState:
    path: Path
    display: str
    original: str  # the text as read (line endings kept, BOM removed)
    encoding: str
    current: str  # the text with the accepted rewrites so far
    data: bytes  # the bytes as read: the file must still hold them when it is written

    @property
    def changed(self) -> bool:
        return self.current != self.original


def read_file(path: Path, display: str) -> FileState:
    from testlint.source import decode_source

    data = path.read_bytes()
    text, encoding = decode_source(data)
    return FileState(path, display, text, encoding, text, data)


def unified_diff(display: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{display}",
        tofile=f"b/{display}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


class NotWritten(Exception):
    """A changed file could not be written; nothing was written."""


def write_files(states: list[FileState]) -> list[Path]:
    """Write every changed file, or none (raises NotWritten); return the paths written."""
    from testlint.safe_write import Pending, WriteRefused, prepare

    staged: list[Pending] = []
    try:
        for state in states:
            if not state.changed:
                continue
            data = state.current.encode(state.encoding)  # utf-8-sig puts the BOM back
            try:
                staged.append(prepare(state.path, data, state.data))
            except WriteRefused as refused:
                raise NotWritten(f"{state.display}: {refused.reason}") from None
            except OSError as error:
                raise NotWritten(f"{state.display}: cannot write: {error.strerror or error}"
                                 ) from None
        for pending in staged:
            pending.commit()
    finally:
        for pending in staged:
            pending.discard()
    return [state.path for state in states if state.changed]
