"""Distribution names: PEP 503 normalisation and the name at the head of a requirement."""

from __future__ import annotations

import re

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# what may follow a requirement's name: extras, a version, a marker, a URL, or nothing
_AFTER_NAME = re.compile(r"\s*(?:$|\[|[<>=!~;@(,]|\s)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """`Pytest_Asyncio` and `pytest.asyncio` are the distribution `pytest-asyncio`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str | None:
    """The normalised distribution a requirement names (`pytest-asyncio>=0.23; python_version
    >= "3.9"`, `anyio[trio]`, `pkg @ https://...`, `git+https://...#egg=pkg`), or None for a
    path, an option or anything that is not a requirement."""
    spec = spec.strip().strip("'\"").strip()
    if not spec:
        return None
    egg = _EGG.search(spec)
    if egg:
        return normalise(egg.group(1))
    if "://" in spec.split("@", 1)[0] or spec.startswith((".", "/", "-", "$", "{")):
        return None
    match = _NAME.match(spec)
    if match is None or not _AFTER_NAME.match(spec, match.end()):
        return None
    return normalise(match.group(0))
