"""`testlint clean`: remove the result caches under a directory (ruff's `clean`).

A directory is removed only when it is plainly a testlint cache: named `.testlint_cache`, or
holding the CACHEDIR.TAG testlint writes. An explicit `--cache-dir` that is neither is refused,
so that a mistyped path never deletes anything else.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from testlint.cache import CACHE_DIR_NAME

SKIPPED = {".git", ".hg", ".svn", "node_modules", "__pycache__"}


def is_cache_dir(path: Path) -> bool:
    if not path.is_dir() or path.is_symlink():
        return False
    if path.name == CACHE_DIR_NAME:
        return True
    try:
        tag = (path / "CACHEDIR.TAG").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "created by testlint" in tag


def cache_dirs(root: Path) -> Iterator[Path]:
    """Every `.testlint_cache` at or below `root`, without descending into one."""
    if root.name == CACHE_DIR_NAME and is_cache_dir(root):
        yield root
        return
    for directory, names, _files in os.walk(root):
        here = Path(directory)
        keep = []
        for name in sorted(names):
            if name == CACHE_DIR_NAME and is_cache_dir(here / name):
                yield here / name
            elif name not in SKIPPED:
                keep.append(name)
        names[:] = keep


def remove(path: Path) -> str | None:
    """Remove one cache directory; the reason when it could not be removed."""
    try:
        shutil.rmtree(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
