"""Output formats, all made from the same Finding records.

Each format is a function `render(findings, context) -> str` registered in FORMATS; the CLI picks
one by name. Formats import only what they need, when they are used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from testlint.finding import Finding

if TYPE_CHECKING:
    from testlint.registry import Registry


@dataclass(frozen=True)
class ReportContext:
    """What a format may need besides the findings."""

    show_source: bool = False
    statistics: bool = False
    files_checked: int = 0
    sources: dict[str, list[str]] = field(default_factory=dict)  # path -> lines, for show-source
    color: bool = False
    output_format: str = "text"  # "concise", "full" and "text" share one renderer


TL000_LEVEL = "error"  # a file testlint could not analyse: none of its tests was checked


def level_of(code: str, registry: Registry | None = None) -> str:
    """A finding's level, the same in every format and in the editor: its rule's `LEVEL`
    ("error" or "warning"); TL000 is an error; a code no installed rule has is a warning."""
    if code == "TL000":
        return TL000_LEVEL
    if registry is None:
        from testlint.registry import load_registry

        registry = load_registry()
    rule = registry.rules.get(code)
    return rule.level if rule is not None else "warning"


Renderer = Callable[[Sequence[Finding], ReportContext], str]

# name -> module under testlint.report exposing `render` (or "module:function")
FORMATS: dict[str, str] = {
    "text": "text",
    "concise": "text",
    "full": "text",
    "json": "json_format",
    "json-lines": "json_format:render_lines",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
}


def renderer(name: str) -> Renderer:
    module_name, _, function = FORMATS[name].partition(":")
    module = importlib.import_module(f"testlint.report.{module_name}")
    render: Renderer = getattr(module, function or "render")
    return render
