"""The one record every output format, suppression and fix is made from."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two 1-based (line, character column) positions; end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    col: int  # 1-based character column
    code: str
    name: str
    message: str
    end_line: int
    end_col: int  # 1-based, exclusive
    test: str | None = None
    fix: Fix | None = field(default=None, compare=False)
    # identity without line numbers (baseline, SARIF); set by the engine, see fingerprint.py
    fingerprint: str | None = field(default=None, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "message": self.message,
            "test": self.test,
            "fix": None
            if self.fix is None
            else {
                "description": self.fix.description,
                "safe": self.fix.safe,
                "edits": [asdict(edit) for edit in self.fix.edits],
            },
        }


def fix_counts(findings: Iterable[Finding]) -> tuple[int, int]:
    """How many findings carry a safe fix, and how many an unsafe one (`--unsafe-fixes`)."""
    safe = unsafe = 0
    for finding in findings:
        if finding.fix is not None:
            if finding.fix.safe:
                safe += 1
            else:
                unsafe += 1
    return safe, unsafe


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as findings show it: relative to the working directory if below it, else as
    given; always with forward slashes."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return Path(path).as_posix()
    return Path(path).as_posix() if relative.startswith("..") else Path(relative).as_posix()
