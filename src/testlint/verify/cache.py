"""verify's result cache: a test is not run again while its file, the conftests above it and
every project file it executed are unchanged (content hashes)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from testlint import __version__

CACHE_VERSION = "1"


def file_hash(path: str) -> str | None:
    try:
        return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    except OSError:
        return None


class VerifyCache:
    def __init__(self, directory: Path, settings: str) -> None:
        self.directory = directory / "verify"
        self.settings = settings

    def _key(self, nodeid: str, test_path: str) -> str:
        parts = [CACHE_VERSION, __version__, self.settings, nodeid, file_hash(test_path) or ""]
        folder = Path(test_path).parent
        while True:
            conftest = folder / "conftest.py"
            if conftest.is_file():
                parts.append(file_hash(str(conftest)) or "")
            if folder.parent == folder:
                break
            folder = folder.parent
        return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"),
                               digest_size=16).hexdigest()

    def get(self, nodeid: str, test_path: str) -> dict[str, Any] | None:
        file = self.directory / f"{self._key(nodeid, test_path)}.json"
        try:
            entry = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        files = entry.get("files", {})
        if not isinstance(files, dict) or any(file_hash(p) != h for p, h in files.items()):
            return None
        verdict = entry.get("verdict")
        return verdict if isinstance(verdict, dict) else None

    def put(self, nodeid: str, test_path: str, covered: list[str], verdict: dict[str, Any]) -> None:
        entry = {"files": {p: file_hash(p) for p in covered}, "verdict": verdict}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.directory / f"{self._key(nodeid, test_path)}.json"
            temp = target.with_suffix(f".{os.getpid()}.tmp")
            temp.write_text(json.dumps(entry), encoding="utf-8")
            os.replace(temp, target)
        except OSError:
            pass  # a cache that cannot be written only costs time
