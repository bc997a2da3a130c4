"""Accepted rewrites as unified diffs, and `--write`: every changed file written atomically.

Files are written only after the whole run, each through a temporary file in its own directory
and a rename, keeping the file's encoding, byte-order mark and line endings. All temporary
files are written before the first rename, so a failure leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FileState:
    path: Path
    display: str
    original: str  # the text as read (line endings kept, BOM removed)
    encoding: str
    current: str  # the text with the accepted rewrites so far

    @property
    def changed(self) -> bool:
        return self.current != self.original


def read_file(path: Path, display: str) -> FileState:
    from testlint.source import decode_source

    data = path.read_bytes()
    text, encoding = decode_source(data)
    return FileState(path, display, text, encoding, text)


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


def write_files(states: list[FileState]) -> list[Path]:
    """Write every changed file atomically; return the paths written."""
    staged: list[tuple[str, Path]] = []
    try:
        for state in states:
            if not state.changed:
                continue
            data = state.current.encode(state.encoding)  # utf-8-sig puts the BOM back
            handle, temp = tempfile.mkstemp(dir=state.path.parent, prefix=f".{state.path.name}.",
                                            suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            with contextlib.suppress(OSError):
                os.chmod(temp, state.path.stat().st_mode & 0o7777)
            staged.append((temp, state.path))
    except BaseException:
        for temp, _ in staged:
            Path(temp).unlink(missing_ok=True)
        raise
    for temp, path in staged:
        os.replace(temp, path)
    return [path for _, path in staged]
