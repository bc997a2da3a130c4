"""Dotted and qualified names: import aliases resolved (`pt.raises` is `pytest.raises`)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from testlint.facts.vocabulary import TRY_NODES

# The parser makes nodes of exactly these classes (no subclasses): the hot helpers below test
# a node's class by identity, cheaper than isinstance with a union, same answers.
_Name, _Attribute, _Subscript, _Call = ast.Name, ast.Attribute, ast.Subscript, ast.Call


def dotted_name(node: ast.AST) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if node.__class__ is _Name:
        return node.id
    parts: list[str] = []
    while node.__class__ is _Attribute:
        parts.append(node.attr)
        node = node.value
    if node.__class__ is _Name:
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def root_name(node: ast.AST) -> str | None:
    """The Name at the root of an attribute/call/subscript chain (`a` in `a.b().c[0]`)."""
    while True:
        kind = node.__class__
        if kind is _Attribute or kind is _Subscript:
            node = node.value  # type: ignore[attr-defined]
        elif kind is _Call:
            node = node.func  # type: ignore[attr-defined]
        elif kind is _Name:
            return node.id  # type: ignore[attr-defined, no-any-return]
        else:
            return None


_RENAMED_INITIALS = frozenset({"m", "_"})  # of the names `_normalise` changes: mock, _pytest


def _normalise(qualified: str) -> str:
    # the `mock` backport and pytest's private module are the same API as their public names
    if qualified[:1] not in _RENAMED_INITIALS:
        return qualified  # most names: one test, no prefix compared
    if qualified == "mock" or qualified.startswith("mock."):
        return "unittest." + qualified
    if qualified.startswith("_pytest.mark.") or qualified == "_pytest.mark":
        return "pytest.mark" + qualified[len("_pytest.mark") :]
    if qualified.startswith("_pytest.python_api."):
        return "pytest." + qualified[len("_pytest.python_api.") :]
    if qualified.startswith("_pytest.") and qualified.count(".") == 2:
        # _pytest.fixtures.fixture, _pytest.outcomes.fail, _pytest.recwarn.warns
        return "pytest." + qualified.rsplit(".", 1)[1]
    return qualified


def qualify(node: ast.AST, imports: dict[str, str]) -> str | None:
    """The qualified name of a Name/Attribute chain whose root is an imported name, else None."""
    root = node
    while root.__class__ is _Attribute:
        root = root.value
    if root.__class__ is not _Name:
        return None
    base = imports.get(root.id)
    if base is None:
        return None  # most chains (locals, fixtures, self): no string built
    if root is node:
        return _normalise(base)
    parts: list[str] = []
    while node.__class__ is _Attribute:
        parts.append(node.attr)
        node = node.value
    parts.append(base)
    return _normalise(".".join(reversed(parts)))


def collect_imports(tree: ast.Module, package: str | None) -> dict[str, str]:
    """Aliases bound by imports anywhere at module level (including under if/try blocks)."""
    return import_aliases(_module_level_statements(tree.body), package)


def import_aliases(nodes: Iterable[ast.AST], package: str | None) -> dict[str, str]:
    """Alias -> qualified name for each import among `nodes` (relative imports made absolute
    within `package`; kept relative when it is None)."""
    imports: dict[str, str] = {}
    for stmt in nodes:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    imports[top] = top
        elif isinstance(stmt, ast.ImportFrom):
            module = _absolute_module(stmt, package)
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                qualified = f"{module}.{alias.name}" if module else alias.name
                imports[alias.asname or alias.name] = qualified
    return imports


def _absolute_module(stmt: ast.ImportFrom, package: str | None) -> str:
    module = stmt.module or ""
    if not stmt.level:
        return module
    if package is None:
        return "." * stmt.level + module
    parts = package.split(".") if package else []
    if stmt.level > 1:
        parts = parts[: len(parts) - (stmt.level - 1)]
    return ".".join([*parts, module] if module else parts)


def _module_level_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, ast.If):
            yield from _module_level_statements(stmt.body)
            yield from _module_level_statements(stmt.orelse)
        elif isinstance(stmt, TRY_NODES):
            yield from _module_level_statements(getattr(stmt, "body", []))
            for handler in getattr(stmt, "handlers", []):
                yield from _module_level_statements(handler.body)
            yield from _module_level_statements(getattr(stmt, "orelse", []))
            yield from _module_level_statements(getattr(stmt, "finalbody", []))
        elif isinstance(stmt, ast.With):
            yield from _module_level_statements(stmt.body)


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
