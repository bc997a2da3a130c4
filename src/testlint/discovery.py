"""Which files to lint: the ones pytest would collect as tests, found the way pytest finds them.

A directory is walked with pytest's `norecursedirs` plus the places no test suite lives (VCS
metadata, virtual environments, build output, caches) and the config's `exclude`; a file is a test
file when its name matches `python_files`. A file named explicitly is linted as pytest would
collect it, whatever its name, unless `only_test_files` asks for the pattern to apply too (the
pre-commit hook passes every changed Python file).

With `respect-gitignore` (the default), a walk also skips what `.gitignore`, `.git/info/exclude`
and `.ignore` files ignore (see ignore_files.py). As in ruff, a path named explicitly is linted
even when `exclude` or an ignore file matches it, unless `force_exclude` (`--force-exclude`, which
the pre-commit hook passes) filters it too; a directory named explicitly that an ignore file above
it ignores is walked, with only the ignore files inside it applying.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from testlint.config import Config
from testlint.ignore_files import IgnoreFiles, Rules
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
    """A path given on the command line does not exist or is not a file or directory."""


@dataclass(frozen=True)
class Discovery:
    config: Config
    pytest: PytestConfig
    only_test_files: bool = False
    force_exclude: bool = False  # filter paths named explicitly too

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
        if os.path.isfile(path / "pyvenv.cfg"):  # a venv under any name (never raises EACCES)
            return True
        return self.is_excluded(path)

    def files(self, paths: Iterable[Path]) -> list[Path]:
        """The test files under `paths`, sorted, each once."""
        found: dict[Path, None] = {}
        ignores = IgnoreFiles() if self.config.respect_gitignore else None
        for path in paths:
            if not path.exists():
                raise MissingPathError(f"{path}: no such file or directory")
            is_file = path.is_file()
            if not is_file and not path.is_dir():  # a FIFO, a device: reading could block
                raise MissingPathError(f"{path}: not a regular file or directory")
            if self.force_exclude and (
                self.is_excluded(path)
                or (ignores is not None and ignores.is_ignored(os.path.abspath(path), not is_file))
            ):
                continue
            if is_file:
                if self.only_test_files and not self.is_test_file(path):
                    continue
                found[path] = None
                continue
            for file in self._walk(path, ignores):
                found[file] = None
        return sorted(found, key=lambda p: p.as_posix())

    def _walk(self, top: Path, ignores: IgnoreFiles | None) -> list[Path]:
        out: list[Path] = []
        spelled = os.fspath(top)  # as os.walk spells directories below it (no trailing "/")
        absolute_top = os.path.abspath(spelled)
        rules_of: dict[str, Rules] = {}  # directory (as os.walk spells it) -> rules inside it
        outer = Rules()
        if ignores is not None:
            outer = ignores.rules_in(os.path.dirname(absolute_top))
            if ignores.is_ignored(absolute_top, is_dir=True):
                outer = outer.detached()  # named explicitly: only the ignore files inside count
        for directory, dirnames, filenames in os.walk(top):
            base = Path(directory)
            kept = sorted(d for d in dirnames if not self.skip_dir(base / d))
            rules = None
            if ignores is not None:
                if directory == spelled:
                    above = outer
                else:
                    above = rules_of[directory[: directory.rfind(os.sep)] or os.sep]
                absolute = absolute_top + directory[len(spelled):]
                here = above.enter(absolute, dirnames, filenames)
                rules_of[directory] = here
                if here.active:
                    rules = here
                    kept = [d for d in kept
                            if not here.ignored(os.path.join(absolute, d), is_dir=True)]
            dirnames[:] = kept
            for name in sorted(filenames):
                file = base / name
                if (self.is_test_file(file) and not self.is_excluded(file)
                        and os.path.isfile(file)):  # not a FIFO or socket named test_*.py
                    if rules is not None and rules.ignored(
                        os.path.join(absolute, name), is_dir=False
                    ):
                        continue
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
