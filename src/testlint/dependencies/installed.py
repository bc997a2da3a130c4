"""The distributions installed in the environment testlint runs in (those importlib.metadata
would find on sys.path), read once per process and only when a rule asks. A project linted
from its own virtual environment sees its test plugins here; an isolated environment
(pre-commit) sees none, and then what the project declares is the evidence."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from functools import lru_cache

from testlint.dependencies.names import normalise


@lru_cache(maxsize=1)
def installed_distributions() -> frozenset[str]:
    """Normalised names of every distribution on sys.path, read from the names of the
    `.dist-info` and `.egg-info` directories there (as importlib.metadata finds them, without
    parsing each one's metadata: a tenth of the time)."""
    found: set[str] = set()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a missing directory
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if dot and suffix in {"dist-info", "egg-info"} and stem:
                found.add(normalise(stem.split("-", 1)[0]))
    return frozenset(found)


def environment_digest() -> str:
    """A digest of the installed environment (the distributions TL501 asks about, the modules
    inference reads without importing them): the modification times of the site-packages
    directories, which change whenever a distribution is installed, upgraded or removed.
    Editing an installed file in place is not seen (an editable install of the project itself
    is in its source roots)."""
    import site

    directories = [
        entry for entry in sys.path
        if os.path.basename(entry.rstrip("/\\")) in {"site-packages", "dist-packages"}
    ]
    with contextlib.suppress(AttributeError):  # some embedded interpreters lack it
        directories += site.getsitepackages()
    if site.ENABLE_USER_SITE:
        directories.append(site.getusersitepackages())
    rows: list[str] = []
    for directory in sorted(set(directories)):
        try:
            rows.append(f"{directory}\0{os.stat(directory).st_mtime_ns}")
        except OSError:
            rows.append(f"{directory}\0absent")
    return hashlib.sha256("\n".join(rows).encode("utf-8", "surrogateescape")).hexdigest()[:16]
