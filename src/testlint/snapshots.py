"""Stored snapshots that belong to a test module, and how big each one is.

Snapshot plugins keep a test's expected value outside the test file, in conventional places
beside it. For `tests/test_report.py` these are:

- syrupy: `tests/__snapshots__/test_report.ambr`, one entry per snapshot, each starting with a
  `# name: test_x` line and ending with a `# ---` line; and syrupy's single-file extensions
  (JSON, raw text, amber), one file per snapshot under `tests/__snapshots__/test_report/`;
- pytest-snapshot: `tests/snapshots/test_report/<test_name>[/<param id>]/<snapshot name>`, one
  file per snapshot;
- snapshottest: the module `tests/snapshots/snap_test_report.py`, one
  `snapshots['test_x 1'] = ...` assignment per snapshot.

Files are found with a few cached directory lookups per test module and read only when a rule
that checks snapshots is enabled. A snapshot file that cannot be read, is binary (syrupy's image
extension) or is not valid Python (snapshottest) contributes nothing: it is never an error.

`literal_size` measures a literal in Python source; rules use it for expected values written in a
test (TL303) and for inline snapshots (TL304), so one measure applies to every kind of snapshot.
"""

from __future__ import annotations

import ast
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SYRUPY_DIR = "__snapshots__"
PYTEST_SNAPSHOT_DIR = "snapshots"
SNAPSHOTTEST_PREFIX = "snap_"

# Larger snapshot files are still read for their line count, but not parsed for items.
MAX_PARSED_BYTES = 5_000_000
MAX_READ_BYTES = 50_000_000

_AMBER_NAME = "# name:"
_AMBER_DIVIDERS = ("# ---", "---")
_SNAPSHOTTEST_NAME = re.compile(r"^(?P<name>.+?)(?: \d+)?$")

LITERAL_CONTAINERS = (ast.Dict, ast.List, ast.Tuple, ast.Set)
TEXT_LINE_WIDTH = 80  # characters a line of text holds, the usual terminal and editor width
NAME_MAX_CHARS = 40  # a name (a column, a field, a label), not a sentence or a payload


# ---- measuring literals in Python source ---------------------------------------------------


def is_literal(node: ast.AST) -> bool:
    """A dict/list/tuple/set display, or a str/bytes literal (plain, implicit concatenation,
    triple-quoted or f-string)."""
    if isinstance(node, LITERAL_CONTAINERS):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)


def leaf_values(node: ast.AST) -> list[ast.AST]:
    """The leaves `leaf_items` counts, as nodes: what a reader of the literal checks one by
    one."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and (current.args or current.keywords):
            stack.extend([*current.args, *(k.value for k in current.keywords)])
            continue
        if isinstance(current, ast.Dict):
            children: list[ast.AST] = [v for v in current.values if v is not None]
            # `{**base, ...}`: the unpacked mapping is one item
            found.extend(v for k, v in zip(current.keys, current.values, strict=True)
                         if k is None and v is not None)
        elif isinstance(current, ast.List | ast.Tuple | ast.Set):
            children = list(current.elts)
        else:
            found.append(current)
            continue
        if not children:
            found.append(current)
        stack.extend(children)
    return found


def leaf_items(node: ast.AST) -> int:
    """Leaf items of a literal: every element that is not itself a container display.

    A dict counts its values (a key and its value are one item); an empty container is one item;
    a call inside the literal counts its arguments (`Attribute(name="x", eq=True)` is two).
    """
    count = 0
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and (current.args or current.keywords):
            # `Attribute(name="x", default=None, ...)`: each argument is a value a reader checks
            children: list[ast.AST] = [*current.args, *(k.value for k in current.keywords)]
            stack.extend(children)
            continue
        if isinstance(current, ast.Dict):
            children = [v for v in current.values if v is not None]
            # `{**base, ...}`: the unpacked mapping is one item
            count += sum(1 for k in current.keys if k is None)
        elif isinstance(current, ast.List | ast.Tuple | ast.Set):
            children = list(current.elts)
        else:
            count += 1
            continue
        if not children:
            count += 1
        stack.extend(children)
    return count


def literal_lines(node: ast.AST) -> int:
    """Source lines a literal spans (what a reviewer has to scroll through)."""
    start = getattr(node, "lineno", 1)
    end = getattr(node, "end_lineno", None) or start
    return end - start + 1


@dataclass(frozen=True)
class Size:
    lines: int
    items: int | None  # None when the format does not let us count items (plain text)
    # for a string: the characters it holds; at TEXT_LINE_WIDTH a line, a 3 KB string on one
    # source line is as long as 40 lines of text, which a count of source lines hides
    chars: int = 0
    # a flat list of short distinct names laid out one per line (column or field names): a
    # schema is read name by name, so only its items count, not the lines the layout takes
    names_only: bool = False
    # for a container written in a test, what a reader must check rather than the lines a
    # formatter spreads it over (two black-formatted constructor calls take 30 lines): its
    # distinct leaf values and the characters of its content with the layout taken out
    content_chars: int | None = None
    distinct: int = 0

    def exceeds(self, max_lines: int, max_items: int) -> bool:
        if self.items is not None and self.items > max_items:
            return True
        if self.names_only:
            return False
        return max(self.measured_lines, self.text_lines) > max_lines

    @property
    def measured_lines(self) -> int:
        """The lines the size limit compares: source lines, or for a container what they would
        be with one distinct value a line, or its content at TEXT_LINE_WIDTH characters a line,
        whichever is more (never more than its source lines)."""
        if self.content_chars is None:
            return self.lines
        content = -(-self.content_chars // TEXT_LINE_WIDTH)
        return min(self.lines, max(self.distinct, content))

    @property
    def text_lines(self) -> int:
        """The lines of TEXT_LINE_WIDTH characters the text of a string fills."""
        return -(-self.chars // TEXT_LINE_WIDTH)

    def describe(self) -> str:
        lines = _plural(self.lines, "line")
        if self.text_lines > self.lines:
            lines += f" holding {self.chars:,} characters (about {self.text_lines} lines of text)"
        if self.items is None:
            return lines
        return f"{lines} / {_plural(self.items, 'item')}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def literal_size(node: ast.AST) -> Size:
    """Lines and leaf items of a literal; a string has lines only (it is one item), and the
    characters it holds (a 3 KB string on one line is no smaller than the same text over 40)."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return Size(lines=literal_lines(node), items=None, chars=text_chars(node))
    distinct = len({ast.dump(leaf) for leaf in leaf_values(node)})
    return Size(lines=literal_lines(node), items=leaf_items(node), names_only=_names(node),
                content_chars=len(ast.unparse(node)), distinct=distinct)


def may_exceed(node: ast.AST, max_lines: int, max_items: int) -> bool:
    """False when `literal_size(node)` cannot exceed the limits, told without its costly parts
    (a dump of every leaf, an unparse): a container's measured lines are never more than its
    source lines, so one within `max_lines` lines exceeds only by its item count."""
    if isinstance(node, ast.Constant | ast.JoinedStr):
        return True
    return literal_lines(node) > max_lines or leaf_items(node) > max_items


def text_chars(node: ast.AST) -> int:
    """The characters (bytes) of a str/bytes literal's value; f-string placeholders count as
    nothing."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        return len(node.value)
    if isinstance(node, ast.JoinedStr):
        return sum(
            len(v.value) for v in node.values
            if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return 0


def _names(node: ast.AST) -> bool:
    """A flat list, tuple or set of distinct short one-line strings (names, not payloads)."""
    if not isinstance(node, ast.List | ast.Tuple | ast.Set) or not node.elts:
        return False
    values: list[str] = []
    for elt in node.elts:
        if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
            return False
        value = elt.value
        if not value.strip() or len(value) > NAME_MAX_CHARS or "\n" in value:
            return False
        if not any(ch.isalpha() for ch in value):
            return False
        values.append(value)
    return len(set(values)) == len(values)


def limits(max_lines: int, max_items: int) -> str:
    return f"limit {max_lines} lines / {max_items} items"


# ---- the snapshot model ----------------------------------------------------------------------


@dataclass(frozen=True)
class SnapshotEntry:
    """One stored snapshot: an .ambr entry, a snapshottest assignment, or a whole file."""

    name: str  # as the plugin names it: "TestCart.test_total[eur].1", "test_total 1", "out.txt"
    line: int  # 1-based line where the entry starts in its file
    col: int  # 1-based character column
    size: Size
    test: str | None  # qualified name of the test it belongs to, when the module defines it
    end_line: int = 0  # last line of the entry, when known (0: the start line)


@dataclass(frozen=True)
class SnapshotFile:
    path: Path  # on disk
    display: str  # as findings show it, beside the test file's own display path
    kind: str  # "syrupy" | "syrupy-single-file" | "pytest-snapshot" | "snapshottest"
    entries: tuple[SnapshotEntry, ...]


@dataclass
class SnapshotFinder:
    """Finds and reads the snapshot files of test modules; directory lookups are cached."""

    _is_dir: dict[Path, bool] = field(default_factory=dict)
    _listing: dict[Path, list[Path]] = field(default_factory=dict)

    def is_dir(self, path: Path) -> bool:
        found = self._is_dir.get(path)
        if found is None:
            found = self._is_dir[path] = path.is_dir()
        return found

    def files_under(self, directory: Path) -> list[Path]:
        """Every regular file below a directory, sorted; symlinked directories are not followed."""
        found = self._listing.get(directory)
        if found is None:
            found = []
            for base, dirnames, filenames in os.walk(directory):
                dirnames.sort()
                found.extend(Path(base) / name for name in sorted(filenames))
            self._listing[directory] = found
        return found

    @staticmethod
    def sources(test_path: Path) -> tuple[Path, ...]:
        """Every file or directory `for_module` may read for the test module at `test_path`,
        whether or not it exists (for the result cache: a snapshot that appears counts too).
        Directories stand for every file below them."""
        directory = test_path.parent
        stem = test_path.stem
        return (
            directory / SYRUPY_DIR / f"{stem}.ambr",
            directory / SYRUPY_DIR / stem,
            directory / PYTEST_SNAPSHOT_DIR / stem,
            directory / PYTEST_SNAPSHOT_DIR / f"{SNAPSHOTTEST_PREFIX}{stem}.py",
        )

    def for_module(self, test_path: Path, display: str, tests: Iterable[str]) -> list[SnapshotFile]:
        """The snapshot files of the test module at `test_path` (shown as `display`).

        `tests` are the qualified names of the module's tests, used to tie entries to tests and
        to recognise pytest-snapshot's per-test directories.
        """
        directory = test_path.parent
        if not self.is_dir(directory / SYRUPY_DIR) and not self.is_dir(
            directory / PYTEST_SNAPSHOT_DIR
        ):
            return []  # the usual test module: no snapshot directory beside it
        shown_dir = os.path.dirname(display)
        stem = test_path.stem
        owners = _Owners(tests)
        found: list[SnapshotFile] = []

        syrupy = directory / SYRUPY_DIR
        if self.is_dir(syrupy):
            amber = syrupy / f"{stem}.ambr"
            data = _read(amber)
            if data is not None:
                entries = _amber_entries(data, owners)
                found.append(SnapshotFile(amber, _join(shown_dir, SYRUPY_DIR, amber.name),
                                          "syrupy", entries))
            single = syrupy / stem
            if self.is_dir(single):
                for file in self.files_under(single):
                    shown = _join(shown_dir, SYRUPY_DIR, stem,
                                  file.relative_to(single).as_posix())
                    if file.suffix == ".ambr":  # SingleFileAmberSnapshotExtension
                        data = _read(file)
                        entries = _amber_entries(data, owners) if data is not None else ()
                        found.append(SnapshotFile(file, shown, "syrupy-single-file", entries))
                        continue
                    entry = _whole_file_entry(file, file.relative_to(single), owners,
                                              syrupy_name=True)
                    if entry is not None:
                        found.append(SnapshotFile(file, shown, "syrupy-single-file", (entry,)))

        stored = directory / PYTEST_SNAPSHOT_DIR
        if self.is_dir(stored):
            per_module = stored / stem
            if self.is_dir(per_module):
                for file in self.files_under(per_module):
                    relative = file.relative_to(per_module)
                    if owners.owner(relative.parts[0]) is None:
                        continue  # not a directory of one of this module's tests
                    entry = _whole_file_entry(file, relative, owners, syrupy_name=False)
                    if entry is not None:
                        shown = _join(shown_dir, PYTEST_SNAPSHOT_DIR, stem, relative.as_posix())
                        found.append(SnapshotFile(file, shown, "pytest-snapshot", (entry,)))
            module = stored / f"{SNAPSHOTTEST_PREFIX}{stem}.py"
            data = _read(module)
            if data is not None:
                entries = _snapshottest_entries(data, owners)
                shown = _join(shown_dir, PYTEST_SNAPSHOT_DIR, module.name)
                found.append(SnapshotFile(module, shown, "snapshottest", entries))
        return found


def _join(*parts: str) -> str:
    return "/".join(p for p in parts if p and p != ".")


def _read(path: Path) -> bytes | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_READ_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None  # binary: an image or a pickled snapshot
    return data


def _text(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@dataclass
class _Owners:
    """Maps plugin snapshot names to the module's tests."""

    tests: Iterable[str]
    _by_name: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self._by_name = {}
        for qualname in self.tests:
            self._by_name.setdefault(qualname, qualname)
            # pytest-snapshot and syrupy drop nothing, but a bare function name is how
            # pytest-snapshot names a method's directory
            self._by_name.setdefault(qualname.rsplit(".", 1)[-1], qualname)

    def owner(self, name: str) -> str | None:
        """`TestCart.test_total[eur].2` -> "TestCart.test_total"; None when no test matches."""
        base = name.split("[", 1)[0]
        while base:
            found = self._by_name.get(base)
            if found is not None:
                return found
            if "." not in base:
                return None
            base = base.rsplit(".", 1)[0]  # a syrupy index or custom name: `test_x.1`
        return None


def _amber_entries(data: bytes, owners: _Owners) -> tuple[SnapshotEntry, ...]:
    text = _text(data)
    if text is None:
        return ()
    entries: list[SnapshotEntry] = []
    name: str | None = None
    start = 0
    body = 0

    def close() -> None:
        if name is not None and body:
            entries.append(SnapshotEntry(name=name, line=start, col=1,
                                         size=Size(lines=body, items=None),
                                         test=owners.owner(name), end_line=start + body))

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(_AMBER_NAME):
            close()
            name = line[len(_AMBER_NAME):].strip()
            start, body = number, 0
        elif name is not None and line.startswith(_AMBER_DIVIDERS):
            close()
            name = None
        elif name is not None:
            body += 1
    close()
    return tuple(entries)


def _whole_file_entry(file: Path, relative: Path, owners: _Owners,
                      syrupy_name: bool) -> SnapshotEntry | None:
    data = _read(file)
    if data is None:
        return None
    text = _text(data)
    if text is None:
        return None
    lines = len(text.rstrip("\r\n").splitlines()) if text.strip() else 0
    items: int | None = None
    if file.suffix == ".json" and len(data) <= MAX_PARSED_BYTES:
        try:
            items = _json_items(json.loads(text))
        except (ValueError, RecursionError):
            items = None
    if syrupy_name:
        # syrupy single-file snapshots are named `<test name>.<extension>`
        test = owners.owner(relative.as_posix().rsplit(".", 1)[0])
    else:
        test = owners.owner(relative.parts[0])
    return SnapshotEntry(name=relative.as_posix(), line=1, col=1,
                         size=Size(lines=lines, items=items), test=test, end_line=max(lines, 1))


def _json_items(value: object) -> int:
    count = 0
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            children = list(current.values())
        elif isinstance(current, list):
            children = current
        else:
            count += 1
            continue
        if not children:
            count += 1
        stack.extend(children)
    return count


def _snapshottest_entries(data: bytes, owners: _Owners) -> tuple[SnapshotEntry, ...]:
    if len(data) > MAX_PARSED_BYTES:
        return ()
    text = _text(data)
    if text is None:
        return ()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return ()
    entries: list[SnapshotEntry] = []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target = stmt.targets[0]
        if not (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == "snapshots"
            and isinstance(target.slice, ast.Constant)
            and isinstance(target.slice.value, str)
        ):
            continue
        key = target.slice.value
        value = stmt.value
        size = Size(lines=literal_lines(value), items=leaf_items(value))
        match = _SNAPSHOTTEST_NAME.match(key)
        test_name = (match.group("name") if match else key).replace("::", ".")
        # the entry starts at its `snapshots['test_x 1'] = ...` statement
        entries.append(SnapshotEntry(name=key, line=stmt.lineno, col=stmt.col_offset + 1,
                                     size=size, test=owners.owner(test_name),
                                     end_line=stmt.end_lineno or stmt.lineno))
    return tuple(entries)
