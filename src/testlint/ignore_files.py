"""Ignore files, read the way git and ruff read them.

Three kinds, all in gitignore syntax (negation `!`, anchored `/pat`, `dir/`, `**`):

- `.gitignore` in each directory, from the root of the git work tree (the directory holding
  `.git`) down; a deeper file overrides a shallower one. Read only inside a git work tree, as
  ruff does (it tried reading them everywhere and went back, astral-sh/ruff#5930).
- `.git/info/exclude` of that work tree, below every `.gitignore`.
- `.ignore` in each directory and every ancestor, inside a git work tree or not; a `.ignore`
  verdict beats a `.gitignore` one (the precedence of the `ignore` crate ruff walks with).

Within one file the last pattern that matches the path itself decides. `pathspec` translates
each line into a regular expression; which lines match is decided here, per path, as git does
during its own walk (an ignored directory is not entered, so nothing below it is re-included).
GitIgnoreSpec's own verdict is meant for flat file lists and differs: with `a/` then `!a/**` it
keeps `a/test_x.py`, which git ignores. pathspec is imported only once a file with a pattern in it
is found, so a walk of a tree without ignore files, or a run on files named explicitly, never
pays for it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

GITIGNORE = ".gitignore"
IGNORE = ".ignore"
GIT = ".git"
_DIR_MARK = "ps_d"  # pathspec's group name for a match through a directory


@dataclass(frozen=True)
class Pattern:
    """One pattern line: `regex` is pathspec's translation, which matches a path or anything
    under it (a named group `ps_d` marks a match through a directory); `at_end` is the same
    anchored at the end of the path."""

    include: bool  # True: ignore; False: a `!` pattern re-includes
    regex: re.Pattern[str]
    at_end: re.Pattern[str] | None

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether the pattern matches `path` itself (not only an ancestor of it): git's test
        for one path, asked in a walk that has already pruned the ignored directories."""
        found = self.regex.search(path)
        if found is not None and not found.groupdict().get(_DIR_MARK):
            return True  # `name`, `*.py`, `a/**`: matched without going through a directory
        if not is_dir:
            return False
        # `dir/` and friends: only as the last component, so test "path/" anchored at its end
        # (not `a/**` on "a/": that one wants something below `a`)
        marked = path + "/"
        if self.at_end is not None:
            found = self.at_end.search(marked)
            return found is not None and bool(found.groupdict().get(_DIR_MARK))
        found = self.regex.search(marked)
        return (found is not None and found.end() == len(marked)
                and bool(found.groupdict().get(_DIR_MARK)))


@dataclass(frozen=True)
class Layer:
    """The patterns of one ignore file, relative to `base` (an absolute directory)."""

    base: str
    patterns: tuple[Pattern, ...]

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: ignored, False: re-included by a `!` pattern, None: no pattern matched."""
        prefix = self.base if self.base.endswith(os.sep) else self.base + os.sep
        if not path.startswith(prefix):
            return None
        relative = path[len(prefix):]
        if os.sep != "/":
            relative = relative.replace(os.sep, "/")
        for pattern in reversed(self.patterns):  # the last matching line decides
            if pattern.matches(relative, is_dir):
                return pattern.include
        return None


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

    def enter(self, directory: str, dirnames: Collection[str], filenames: Collection[str]) -> Rules:
        """The rules inside `directory` (absolute), given the names of its entries."""
        has_git = GIT in dirnames or GIT in filenames
        has_ignore = IGNORE in filenames
        has_gitignore = GITIGNORE in filenames
        if not (has_git or has_ignore or has_gitignore):
            return self  # the common case, kept cheap: most directories have none
        ignore, git, in_git = self.ignore, self.git, self.in_git
        if has_git:
            # a work tree's root (a nested repository starts afresh, as in git)
            in_git = True
            exclude = _load(_git_dir_exclude(directory), directory)
            git = (exclude,) if exclude is not None else ()
        if has_ignore:
            layer = _load(os.path.join(directory, IGNORE), directory)
            if layer is not None:
                ignore = (*ignore, layer)
        if in_git and has_gitignore:
            layer = _load(os.path.join(directory, GITIGNORE), directory)
            if layer is not None:
                git = (*git, layer)
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
        found = above.enter(directory, (), present)
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

    try:
        compiled_lines = list(GitIgnoreSpec.from_lines(lines).patterns)
    except (ValueError, re.error):  # a line git cannot read either (`!`, `\\`, `[z-a]`)
        compiled_lines = [c for line in lines for c in _compile_line(GitIgnoreSpec, line)]
    patterns = []
    for compiled in compiled_lines:
        if compiled.include is None or compiled.regex is None:
            continue  # a blank line or a comment
        regex = compiled.regex
        try:
            at_end: re.Pattern[str] | None = re.compile(f"(?:{regex.pattern})\\Z", regex.flags)
        except re.error:  # not expected from pathspec; matches() then checks the end itself
            at_end = None
        patterns.append(Pattern(compiled.include, regex, at_end))
    return Layer(base=base, patterns=tuple(patterns))


def _compile_line(spec: Any, line: str) -> list[Any]:
    """One line's pattern, or none when git would not read it: git skips an invalid line and
    keeps the rest of the file."""
    try:
        return list(spec.from_lines([line]).patterns)
    except (ValueError, re.error):
        return []
