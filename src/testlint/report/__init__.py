"""Output formats, all made from the same Finding records.

Each format is a function `render(findings, context) -> str` registered in FORMATS; the CLI picks
one by name. Formats import only what they need, when they are used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from testlint.finding import Finding


@dataclass(frozen=True)
class ReportContext:
    """What a format may need besides the findings."""

    show_source: bool = False
    statistics: bool = False
    files_checked: int = 0
    sources: dict[str, list[str]] = field(default_factory=dict)  # path -> lines, for show-source
    color: bool = False


Renderer = Callable[[Sequence[Finding], ReportContext], str]

# name -> module under testlint.report exposing `render`
FORMATS: dict[str, str] = {
    "text": "text",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
}


def renderer(name: str) -> Renderer:
    module = importlib.import_module(f"testlint.report.{FORMATS[name]}")
    render: Renderer = module.render
    return render
