"""Where `import a.b.c` leads in a project, following Python's import semantics statically.

The path finder walks the entries of `sys.path` in order; at each, a module (`a.py`, a
compiled `a.*.so`, a stub) or a regular package (`a/__init__.py`) is found at once, while a
directory without `__init__.py` is only a namespace *portion*: the search goes on, and a
regular package in a later entry wins over every portion. Portions found everywhere merge into
one namespace package, whose submodules are looked for in all of them.

testlint cannot know the exact `sys.path` of a test run (the import mode, the rootdir's
conftest, `pythonpath`, editable installs), so it answers only when the answer is the same
for every plausible order:

- the project's roots (`pythonpath`, `src/`, the rootdir, or `[tool.testlint] src`), and the
  roots of nested projects (a folder below the rootdir with its own pyproject.toml, setup.py or
  setup.cfg, as in uv workspaces and monorepos: its `src/` if it has one, else itself) are read;
- one regular module or package among them is the answer; two different ones are ambiguous
  (None), and so is a nested project's regular package when the project's own roots hold a
  namespace portion of that name (which wins depends on the path);
- a namespace package is the answer only when no regular package of that name is installed
  (that one would win), and it is `certain` only when every portion sits in a root the project
  names for its code (`pythonpath`, `src/`, configured `src`), or the name is the test tree's
  (`tests`): a folder that merely sits at the rootdir (the tests of pandas unpacked from a
  wheel under `pandas/`) is no evidence of what `pandas` is.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from testlint.inference import ModuleLocation

PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
NESTED_MAX_DEPTH = 4
REGULAR_KINDS = frozenset({"module", "package", "compiled", "stub"})
TEST_TREE_NAMES = frozenset({"test", "tests", "testing"})


def nested_project_roots(rootdir: Path, skipped: frozenset[str]) -> tuple[Path, ...]:
    """The source roots of projects nested below the rootdir (not the rootdir's own)."""
    found: list[Path] = []
    base_depth = len(rootdir.parts)
    for directory, dirs, files in os.walk(rootdir):
        path = Path(directory)
        depth = len(path.parts) - base_depth
        dirs[:] = [
            d for d in dirs
            if d not in skipped and not d.startswith(".")
            and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
        ] if depth < NESTED_MAX_DEPTH else []
        if depth == 0 or not any(name in files for name in PROJECT_FILES):
            continue
        src = path / "src"
        found.append(src if src.is_dir() else path)
    return tuple(found)


def find(
    modname: str,
    roots: tuple[Path, ...],
    nested: tuple[Path, ...],
    trusted: frozenset[Path],
    entry: Callable[[Path, str, str], ModuleLocation | None],
    installed_regular: Callable[[str], bool],
) -> ModuleLocation | None:
    """The location of `modname` in the project, or None (absent, or not certain where).

    `entry(directory, name, modname)` finds one name in one directory (a module, package,
    compiled module, stub or namespace portion); `installed_regular(top)` says whether an
    installed regular package or module of that top-level name exists.
    """
    parts = modname.split(".")
    search: list[tuple[Path, Path, bool]] = [(r, r, False) for r in roots]
    search += [(r, r, True) for r in nested if r not in roots]
    location: ModuleLocation | None = None
    certain = True
    for index, part in enumerate(parts):
        name = ".".join(parts[: index + 1])
        regular: list[tuple[ModuleLocation, bool]] = []
        portions: list[tuple[ModuleLocation, bool]] = []
        for directory, root, is_nested in search:
            hit = entry(directory, part, name)
            if hit is None:
                continue
            hit = dataclasses.replace(hit, root=root)
            (portions if hit.kind == "namespace" else regular).append((hit, is_nested))
        if regular:
            if len({hit.path for hit, _ in regular}) > 1:
                return None  # two different modules of that name: which one runs depends
            hit, is_nested = regular[0]
            if is_nested and any(not n for _, n in portions):
                return None  # the project's own portion or the nested project's package
            location = hit
        elif portions:
            if index == 0 and installed_regular(part):
                return None  # an installed regular package wins over every portion
            if index == 0:
                certain = part in TEST_TREE_NAMES or all(
                    not n and hit.root in trusted for hit, n in portions
                )
            location = dataclasses.replace(
                portions[0][0],
                portions=tuple(hit.path for hit, _ in portions),
                certain=certain,
            )
        else:
            return None
        if index == len(parts) - 1:
            break
        if location.kind == "package":
            search = [(location.path.parent, location.root, False)]
        elif location.kind == "namespace":
            search = [(p, location.root, False) for p in location.portions]
        else:
            return None
    if location is not None and not certain and location.kind != "namespace":
        location = dataclasses.replace(location, certain=False)
    return location
