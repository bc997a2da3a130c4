"""The run-time switch the stubbed modules consult (imported inside the child pytest only)."""

from __future__ import annotations

ACTIVE: set[str] = set()


def stubbed(key: str) -> bool:
    return key in ACTIVE
