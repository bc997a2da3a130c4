"""The one record every output format, suppression and fix is made from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        fix = data.pop("fix")
        data["fix"] = (
            None
            if fix is None
            else {
                "description": fix["description"],
                "safe": fix["safe"],
                "edits": [
                    {
                        "line": e["line"],
                        "col": e["col"],
                        "end_line": e["end_line"],
                        "end_col": e["end_col"],
                        "replacement": e["replacement"],
                    }
                    for e in fix["edits"]
                ],
            }
        )
        return data
