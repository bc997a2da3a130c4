"""Which files to lint: the ones pytest would collect as tests, found the way pytest finds them.

A directory is walked with pytest's `norecursedirs` plus the places no test suite lives (VCS
metadata, virtual environments, build output, caches) and the config's `exclude`; a file is a test
file when its name matches `python_files`. A file named explicitly is linted as pytest would
collect it, whatever its name, unless `only_test_files` asks for the pattern to apply too (the
pre-commit hook passes every changed Python file).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from testlint.config import Config
from testlint.pytest_config import PytestConfig

ALWAYS_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        "build",
        "dist",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".testlint_cache",
        ".hypothesis",
        "site-packages",
        "__pypackages__",
    }
)


class MissingPathError(Exception):
    """A path given on the command line does not exist."""


@dataclass(frozen=True)
class Discovery:
    config: Config
    pytest: PytestConfig
    only_test_files: bool = False

    def is_test_file(self, path: Path) -> bool:
        name = path.name
        if not name.endswith(".py"):
            return False
        posix = path.as_posix()
        for pattern in self.pytest.python_files:
            if "/" in pattern or os.sep in pattern:
                if fnmatch.fnmatch(posix, "*" + pattern.replace(os.sep, "/")):
                    return True
            elif fnmatch.fnmatch(name, pattern):
                return True
        return False

    def is_excluded(self, path: Path) -> bool:
        if not self.config.exclude:
            return False
        try:
            relative = path.resolve().relative_to(self.config.root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        for pattern in self.config.exclude:
            pattern = pattern.rstrip("/")
            if (
                fnmatch.fnmatch(relative, pattern)
                or fnmatch.fnmatch(path.name, pattern)
                or relative.startswith(pattern + "/")
            ):
                return True
        return False

    def skip_dir(self, path: Path) -> bool:
        name = path.name
        if name in ALWAYS_SKIPPED_DIRS or name.endswith(".egg-info"):
            return True
        if any(fnmatch.fnmatch(name, pattern) for pattern in self.pytest.norecursedirs):
            return True
        if (path / "pyvenv.cfg").is_file():  # a virtual environment under any name
            return True
        return self.is_excluded(path)

    def files(self, paths: Iterable[Path]) -> list[Path]:
        """The test files under `paths`, sorted, each once."""
        found: dict[Path, None] = {}
        for path in paths:
            if not path.exists():
                raise MissingPathError(f"{path}: no such file or directory")
            if path.is_file():
                if self.is_excluded(path):
                    continue
                if self.only_test_files and not self.is_test_file(path):
                    continue
                found[path] = None
                continue
            for file in self._walk(path):
                found[file] = None
        return sorted(found, key=lambda p: p.as_posix())

    def _walk(self, top: Path) -> list[Path]:
        out: list[Path] = []
        for directory, dirnames, filenames in os.walk(top):
            base = Path(directory)
            dirnames[:] = sorted(d for d in dirnames if not self.skip_dir(base / d))
            for name in sorted(filenames):
                file = base / name
                if self.is_test_file(file) and not self.is_excluded(file):
                    out.append(file)
        return out


def default_paths(pytest: PytestConfig) -> list[Path]:
    """With no path argument: pytest's testpaths (relative to rootdir), else the current dir."""
    if pytest.testpaths:
        found: list[Path] = []
        for entry in pytest.testpaths:
            matches = sorted(pytest.rootdir.glob(entry)) if any(c in entry for c in "*?[") else [
                pytest.rootdir / entry
            ]
            found.extend(m for m in matches if m.exists())
        if found:
            return [_relative_to_cwd(p) for p in found]
    return [Path(".")]


def _relative_to_cwd(path: Path) -> Path:
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
