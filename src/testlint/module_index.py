"""The cheap index of a module: the names it surely binds at its top level, from one stdlib parse.

Most questions a rule asks about an imported module have an answer a stdlib `ast.parse` gives in
a fraction of what building the module with astroid costs (importing astroid alone is about
30 ms): `from shop.cart import total` is fine when `shop/cart.py` has a `def total` at its top
level. So inference asks this index first, and builds the astroid module only when the index
cannot answer; a run whose imports all answer here never imports astroid.

The index only ever answers "surely bound": a name bound by a statement at module scope (also
inside `if`, `try`, `for`, `while`, `with` and `match` bodies, as astroid's `locals` counts it):
`def`, `class`, an assignment or `for`/`with` target, an import. Everything else (a name not
found here, a star import, `__getattr__`, `globals()` tricks, a file that does not parse) is
left to astroid, which knows what "surely not bound" means.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

from testlint.facts import TRY_NODES

# statements whose bodies are still the module's scope
_BLOCKS: tuple[type[ast.stmt], ...] = (
    ast.If, *TRY_NODES, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)
_MAX_BYTES = 2_000_000  # past this, parsing is no longer cheap: leave it to astroid


class ModuleIndex:
    """Top-level names of module files, parsed once per file and kept for the run."""

    def __init__(self) -> None:
        self._names: dict[Path, frozenset[str]] = {}

    def binds(self, path: Path, name: str) -> bool:
        """True when the module file at `path` surely binds `name` at its top level; False
        means only "not known here"."""
        names = self._names.get(path)
        if names is None:
            names = self._names[path] = top_level_names(path)
        return name in names


def top_level_names(path: Path) -> frozenset[str]:
    """The names the module file surely binds at module scope; empty when it cannot be read."""
    try:
        if path.stat().st_size > _MAX_BYTES:
            return frozenset()
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset(_bound(tree.body))


def _bound(body: Iterable[ast.stmt]) -> Iterator[str]:
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield stmt.name
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                yield alias.asname or alias.name.partition(".")[0]
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*":
                    yield alias.asname or alias.name
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                yield from _targets(target)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            yield from _targets(stmt.target)
        if isinstance(stmt, ast.For | ast.AsyncFor):
            yield from _targets(stmt.target)
        if isinstance(stmt, ast.With | ast.AsyncWith):
            for item in stmt.items:
                if item.optional_vars is not None:
                    yield from _targets(item.optional_vars)
        if isinstance(stmt, _BLOCKS):
            yield from _bound(getattr(stmt, "body", ()))
            yield from _bound(getattr(stmt, "orelse", ()))
            yield from _bound(getattr(stmt, "finalbody", ()))
            for handler in getattr(stmt, "handlers", ()):
                yield from _bound(handler.body)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                yield from _bound(case.body)


def _targets(target: ast.expr) -> Iterator[str]:
    """Names an assignment target binds (`a`, `a, (b, *c)`); attributes and items bind none."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _targets(element)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)
