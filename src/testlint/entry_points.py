"""Installed entry points of one group, read without importing importlib.metadata.

`importlib.metadata` pulls in `email`, `zipfile`, `csv` and more (about 50 ms of CPU at start-up),
while every run needs the entry points of a group or two (third-party rule packs, pytest
plugins' fixtures). Installed distributions keep them in `<name>-<version>.dist-info/
entry_points.txt` (or `.egg-info`) in a `sys.path` directory, an INI file with one section per
group; reading those is a directory listing and a few small files. The first distribution of a
name on `sys.path` wins, as importlib.metadata's `entry_points()` has it. When a custom import
finder could supply distributions of its own, or anything here is unusual, importlib.metadata
answers instead.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

_NORMALIZE = re.compile(r"[-_.]+")


@dataclass(frozen=True)
class EntryPoint:
    name: str
    value: str
    group: str

    def load(self) -> Any:
        module, _, attr = self.value.partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for part in filter(None, attr.strip().split(".")):
            loaded = getattr(loaded, part)
        return loaded


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of `group` of the installed distributions, in sys.path order."""
    if not _plain_finders():
        return _from_metadata(group)
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue  # not a directory (a zip file, a missing path): nothing to read here
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if not dot or suffix not in {"dist-info", "egg-info"}:
                continue
            distribution = _NORMALIZE.sub("_", stem.split("-", 1)[0]).lower()
            if distribution in seen:
                continue
            seen.add(distribution)
            found.extend(_read(os.path.join(entry or ".", name, "entry_points.txt"), group))
    return found


def _plain_finders() -> bool:
    """Whether only the standard path finder can supply distributions (the common case)."""
    from importlib.machinery import PathFinder

    return all(finder is PathFinder or not hasattr(finder, "find_distributions")
               for finder in sys.meta_path)


def _read(path: str, group: str) -> list[EntryPoint]:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    found: list[EntryPoint] = []
    section = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if section != group:
            continue
        name, sep, value = line.partition("=")
        if sep:
            found.append(EntryPoint(name.strip(), value.strip(), group))
    return found


def _from_metadata(group: str) -> list[EntryPoint]:
    from importlib.metadata import entry_points as metadata_entry_points

    return [EntryPoint(entry.name, entry.value, group)
            for entry in metadata_entry_points(group=group)]
