"""Which ruff rules a project turned off, for a file (not a rule module).

Some testlint rules make the same check as a ruff rule (TL104 is ruff's PT011, TL111 its PT012).
When a project's ruff configuration ignores that rule for a file, on purpose and in writing, the
testlint rule does not repeat it there: a team cannot be asked to keep a check it turned off.

The configuration is found as ruff finds it: the closest `.ruff.toml`, `ruff.toml` or
`pyproject.toml` with a `[tool.ruff]` table, from the file's directory upward, following
`extend = "..."`. A code counts as turned off when `ignore`/`extend-ignore` (top level or under
`lint`) names it or a prefix of it (`PT`, `PT01`, `ALL`) and no more specific `select` or
`extend-select` entry turns it back on, or when a `per-file-ignores`/`extend-per-file-ignores`
pattern that matches the file names it. Anything unreadable counts as nothing turned off.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.tomlcompat import TOMLDecodeError, load_toml

CONFIG_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")


@dataclass(frozen=True)
class RuffConfig:
    path: Path  # the file it was read from
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    # (pattern, codes), patterns relative to the directory of the file that wrote them
    per_file: tuple[tuple[Path, str, tuple[str, ...]], ...] = ()
    # (base, pattern) of `exclude`/`extend-exclude`: files ruff does not lint at all
    exclude: tuple[tuple[Path, str], ...] = ()
    reads: tuple[Path, ...] = field(default=())  # every file read (the config and its extends)

    def turns_off(self, code: str, file: Path) -> bool:
        """Whether ruff, with this configuration, turns `code` off for `file`. A file ruff
        excludes is not linted by ruff at all, so nothing is turned off there on purpose."""
        if any(_excluded(base, pattern, file) for base, pattern in self.exclude):
            return False
        for base, pattern, codes in self.per_file:
            if _matches(base, pattern, file) and any(_covers(c, code) for c in codes):
                return True
        ignored = max((len(_spec(c)) for c in self.ignore if _covers(c, code)), default=-1)
        if ignored < 0:
            return False
        selected = max((len(_spec(c)) for c in self.select if _covers(c, code)), default=-1)
        return ignored >= selected  # a more specific select turns it back on


def _spec(prefix: str) -> str:
    return "" if prefix == "ALL" else prefix


def _covers(prefix: str, code: str) -> bool:
    return prefix == "ALL" or code.startswith(prefix)


def _matches(base: Path, pattern: str, file: Path) -> bool:
    negated = pattern.startswith("!")
    glob = pattern[1:] if negated else pattern
    absolute = str(base / glob)
    found = fnmatch.fnmatch(str(file), absolute) or fnmatch.fnmatch(file.name, glob)
    return found != negated


# parsed TOML by (path, mtime): a long-running process (the language server) sees edits
def _excluded(base: Path, pattern: str, file: Path) -> bool:
    """`exclude = ["fixtures"]` leaves out every path with a part named `fixtures`; a pattern
    with a slash is matched against paths below the configuration's directory."""
    try:
        relative = file.relative_to(base)
    except ValueError:
        return False
    parts = relative.parts
    for end in range(1, len(parts) + 1):
        if fnmatch.fnmatch(parts[end - 1], pattern):
            return True
        if fnmatch.fnmatch("/".join(parts[:end]), pattern.strip("/")):
            return True
    return False


_toml_cache: dict[tuple[Path, int], dict[str, Any] | None] = {}


def config_file_for(file: Path) -> Path | None:
    """The ruff configuration file that applies to `file`: the closest one above it."""
    directory = file.resolve().parent
    for current in (directory, *directory.parents):
        found = _config_in(current)
        if found is not None:
            return found
    return None


def _config_in(directory: Path) -> Path | None:
    for name in CONFIG_NAMES:
        candidate = directory / name
        if not candidate.is_file():
            continue
        if name != "pyproject.toml":
            return candidate
        table = _read(candidate)
        if table is not None and isinstance(table.get("tool"), dict) and "ruff" in table["tool"]:
            return candidate
    return None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        key = (path, path.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _toml_cache:
        try:
            _toml_cache[key] = load_toml(path)
        except (OSError, TOMLDecodeError, UnicodeDecodeError, ValueError):
            _toml_cache[key] = None
    return _toml_cache[key]


def ruff_config_for(file: Path) -> RuffConfig | None:
    """The ruff configuration that applies to `file`, or None when there is none (or it
    cannot be read)."""
    path = config_file_for(file)
    if path is None:
        return None
    return _load(path, frozenset())


def _table(path: Path) -> dict[str, Any] | None:
    data = _read(path)
    if data is None:
        return None
    if path.name == "pyproject.toml":
        tool = data.get("tool")
        ruff = tool.get("ruff") if isinstance(tool, dict) else None
        return ruff if isinstance(ruff, dict) else None
    return data


def _codes(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v.strip().upper() for v in value if isinstance(v, str) and v.strip())


def _load(path: Path, seen: frozenset[Path]) -> RuffConfig | None:
    table = _table(path)
    if table is None:
        return None
    parent: RuffConfig | None = None
    extend = table.get("extend")
    if isinstance(extend, str) and path not in seen:
        target = (path.parent / Path(extend).expanduser()).resolve()
        if target.is_file():
            parent = _load(target, seen | {path})
    lint = table.get("lint") if isinstance(table.get("lint"), dict) else {}
    assert isinstance(lint, dict)
    own_select: list[str] = []
    own_ignore: list[str] = []
    per_file: list[tuple[Path, str, tuple[str, ...]]] = []
    exclude: list[tuple[Path, str]] = []
    for key in ("exclude", "extend-exclude"):
        patterns = table.get(key)
        if isinstance(patterns, list):
            exclude.extend((path.parent, p) for p in patterns if isinstance(p, str))
    for scope in (table, lint):
        for key in ("select", "extend-select"):
            own_select.extend(_codes(scope.get(key)))
        for key in ("ignore", "extend-ignore"):
            own_ignore.extend(_codes(scope.get(key)))
        for key in ("per-file-ignores", "extend-per-file-ignores"):
            mapping = scope.get(key)
            if isinstance(mapping, dict):
                for pattern, codes in mapping.items():
                    if isinstance(pattern, str):
                        per_file.append((path.parent, pattern, _codes(codes)))
    if parent is not None:
        return RuffConfig(
            path=path,
            select=(*parent.select, *own_select),
            ignore=(*parent.ignore, *own_ignore),
            per_file=(*parent.per_file, *per_file),
            exclude=(*parent.exclude, *exclude),
            reads=(path, *parent.reads),
        )
    return RuffConfig(
        path=path,
        select=tuple(own_select),
        ignore=tuple(own_ignore),
        per_file=tuple(per_file),
        exclude=tuple(exclude),
        reads=(path,),
    )


def turned_off_by_ruff(file: Path, code: str, note_read: Any = None) -> Path | None:
    """The ruff configuration file that turns `code` off for `file`, or None. `note_read` (a
    project's `note_read`) records the files read, so cached results follow their changes."""
    config = ruff_config_for(file)
    if config is None:
        return None
    if note_read is not None:
        for read in config.reads:
            note_read(read)
    return config.path if config.turns_off(code, file.resolve()) else None
