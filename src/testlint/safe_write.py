"""Replacing a file the user edits (`check --fix`, `rewrite --write`): only if it is still what
was read and its mode lets us write it, keeping its mode, owner and hard links.

- A file whose mode has no write bit (0444), or that this user may not write, is refused: a
  read-only file is a statement, even to root (who could write it anyway).
- A file that changed since it was read (an editor saved it while testlint worked, or waited for
  a model) is refused: the user's edit wins, never ours. The check runs again just before the
  rename or the write.
- Normally the new content goes to a temporary file in the same directory, gets the original's
  mode and (when it differs from ours, e.g. run as root) its owner and group, and is renamed
  over the original: a crash leaves the old file or the new one, never half of one.
- A file with more than one hard link is written in place instead (truncate and write the same
  inode): a rename would give this name a new inode and silently split it from its other
  names. The same happens when the temporary file cannot be given the original's owner. In
  place is not atomic; keeping the links (and the owner) is worth more than that.
- A symlink is followed: its target is what gets written, the link stays a link.

`prepare` does every check and stages the new content, `Pending.commit` makes it the file's:
callers writing several files stage them all first, so a refusal leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path


class WriteRefused(Exception):
    """The file must not be replaced (read-only, or changed since it was read)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Pending:
    """New content staged for one file; `commit` makes it the file's content."""

    target: Path
    data: bytes
    expected: bytes
    temp: str | None  # the staged temporary file; None: written in place at commit

    def commit(self) -> None:
        _check_unchanged(self.target, self.expected)
        if self.temp is not None:
            os.replace(self.temp, self.target)
            self.temp = None
            return
        with open(self.target, "r+b") as stream:
            stream.write(self.data)
            stream.truncate()
            stream.flush()
            os.fsync(stream.fileno())

    def discard(self) -> None:
        if self.temp is not None:
            Path(self.temp).unlink(missing_ok=True)
            self.temp = None


def _check_unchanged(target: Path, expected: bytes) -> None:
    if target.read_bytes() != expected:
        raise WriteRefused("the file changed since it was read")


def prepare(path: Path, data: bytes, expected: bytes) -> Pending:
    """Check that `path` may be replaced (writable, still `expected`) and stage `data` for it.
    Raises WriteRefused, or OSError when the file or its directory cannot be written."""
    target = path.resolve() if path.is_symlink() else path
    info = os.stat(target)
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
        target, os.W_OK
    ):
        raise WriteRefused("the file is read-only")
    _check_unchanged(target, expected)
    if info.st_nlink > 1:
        return Pending(target, data, expected, temp=None)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".testlint-tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            mine = os.fstat(stream.fileno())
            if (mine.st_uid, mine.st_gid) != (info.st_uid, info.st_gid):
                try:
                    os.fchown(stream.fileno(), info.st_uid, info.st_gid)
                except OSError:  # not ours to give away: keep the owner by writing in place
                    stream.close()
                    Path(temp).unlink(missing_ok=True)
                    return Pending(target, data, expected, temp=None)
            os.fchmod(stream.fileno(), stat.S_IMODE(info.st_mode))  # after chown: keeps setgid
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            Path(temp).unlink(missing_ok=True)
        raise
    return Pending(target, data, expected, temp=temp)


def replace_file(path: Path, data: bytes, expected: bytes) -> None:
    """Replace one file's content with `data` if it still is `expected` (see the module)."""
    pending = prepare(path, data, expected)
    try:
        pending.commit()
    finally:
        pending.discard()
