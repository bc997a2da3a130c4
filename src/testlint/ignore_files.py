"""Ignore files, read the way git and ruff read them.

Three kinds, all in gitignore syntax (negation `!`, anchored `/pat`, `dir/`, `**`):

- `.gitignore` in each directory, from the root of the git work tree (the directory holding
  `.git`) down; a deeper file overrides a shallower one. Read only inside a git work tree, as
  ruff does (it tried reading them everywhere and went back, astral-sh/ruff#5930).
- `.git/info/exclude` of that work tree, below every `.gitignore`.
- `.ignore` in each directory and every ancestor, inside a git work tree or not; a `.ignore`
  verdict beats a `.gitignore` one (the precedence of the `ignore` crate ruff walks with).

Within one file the last matching pattern decides; `pathspec`'s GitIgnoreSpec implements git's
rules for one file. It is imported only once a file with a pattern in it is found, so a walk of a
tree without ignore files, or a run on files named explicitly, never pays for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection

    from pathspec import GitIgnoreSpec

GITIGNORE = ".gitignore"
IGNORE = ".ignore"
GIT = ".git"


@dataclass(frozen=True)
class Layer:
    """The patterns of one ignore file, relative to `base` (an absolute directory)."""

    base: str
    spec: GitIgnoreSpec

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: no pattern matched."""
        prefix = self.base if self.base.endswith(os.sep) else self.base + os.sep
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix):]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        if is_dir:
            relative += "/"  # so that `dir/` patterns match directories only
        return self.spec.check_file(relative).include


@dataclass(frozen=True)
class Rules:
    """The ignore files that apply to the entries of one directory."""

    ignore: tuple[Layer, ...] = ()  # `.ignore` files, shallowest first
    git: tuple[Layer, ...] = ()  # info/exclude, then `.gitignore` files, shallowest first
    in_git: bool = False  # inside a git work tree: `.gitignore` files count

    @property
    def active(self) -> bool:
        return bool(self.ignore or self.git)

    def ignored(self, path: str, is_dir: bool) -> bool:
        """Whether the entry `path` (absolute) of this directory is ignored."""
        for layers in (self.ignore, self.git):
            for layer in reversed(layers):  # the deepest file that has a say decides
                verdict = layer.verdict(path, is_dir)
                if verdict is not None:
                    return verdict
        return False

    def enter(self, directory: str, *listings: Collection[str]) -> Rules:
        """The rules inside `directory` (absolute), given the names of its entries."""
        ignore, git, in_git = self.ignore, self.git, self.in_git
        if any(GIT in names for names in listings):
            # a work tree's root (a nested repository starts afresh, as in git)
            in_git = True
            exclude = _load(_git_dir_exclude(directory), directory)
            git = (exclude,) if exclude is not None else ()
        if any(IGNORE in names for names in listings):
            layer = _load(os.path.join(directory, IGNORE), directory)
            if layer is not None:
                ignore = (*ignore, layer)
        if in_git and any(GITIGNORE in names for names in listings):
            layer = _load(os.path.join(directory, GITIGNORE), directory)
            if layer is not None:
                git = (*git, layer)
        if (ignore, git, in_git) == (self.ignore, self.git, self.in_git):
            return self
        return Rules(ignore, git, in_git)

    def detached(self) -> Rules:
        """The same work tree without the ignore files read so far."""
        return Rules(in_git=self.in_git)


class IgnoreFiles:
    """Answers for paths anywhere, reading each directory's ignore files once."""

    def __init__(self) -> None:
        self._rules: dict[str, Rules] = {}  # directory -> rules for its entries
        self._ignored_dirs: dict[str, bool] = {}

    def rules_in(self, directory: str) -> Rules:
        """The rules for the entries of `directory` (absolute), from its ancestors and itself."""
        found = self._rules.get(directory)
        if found is not None:
            return found
        parent = os.path.dirname(directory)
        above = Rules() if parent == directory else self.rules_in(parent)
        present = [name for name in (GIT, IGNORE, GITIGNORE)
                   if os.path.lexists(os.path.join(directory, name))]
        found = above.enter(directory, present)
        self._rules[directory] = found
        return found

    def is_ignored(self, path: str, is_dir: bool) -> bool:
        """Whether `path` (absolute) is ignored, itself or through an ignored ancestor."""
        parent = os.path.dirname(path)
        if parent == path:
            return False
        if self._dir_ignored(parent):
            return True
        return self.rules_in(parent).ignored(path, is_dir)

    def _dir_ignored(self, directory: str) -> bool:
        found = self._ignored_dirs.get(directory)
        if found is None:
            found = self.is_ignored(directory, is_dir=True)
            self._ignored_dirs[directory] = found
        return found


def _git_dir_exclude(work_tree: str) -> str:
    """`info/exclude` of the repository whose work tree is `work_tree`: `.git` is a directory,
    or (a linked worktree, a submodule) a file naming the git directory."""
    git = os.path.join(work_tree, GIT)
    git_dir = git
    if os.path.isfile(git):
        try:
            with open(git, encoding="utf-8") as handle:
                first = handle.readline().strip()
        except (OSError, UnicodeDecodeError):
            return os.path.join(git, "info", "exclude")
        if first.startswith("gitdir:"):
            git_dir = os.path.join(work_tree, first[len("gitdir:"):].strip())
        common = os.path.join(git_dir, "commondir")  # a linked worktree shares info/ with main
        if os.path.isfile(common):
            try:
                with open(common, encoding="utf-8") as handle:
                    git_dir = os.path.join(git_dir, handle.read().strip())
            except (OSError, UnicodeDecodeError):
                pass
    return os.path.join(git_dir, "info", "exclude")


def _load(path: str, base: str) -> Layer | None:
    """The patterns of the ignore file at `path`; None when it is missing or has none."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:  # missing, a directory, unreadable: git skips it too
        return None
    if not any(line.strip() and not line.startswith("#") for line in lines):
        return None
    from pathspec import GitIgnoreSpec

    return Layer(base=base, spec=GitIgnoreSpec.from_lines(lines))
