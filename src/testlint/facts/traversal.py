"""Walking a syntax tree the way the facts do: parents before children, context markers skipped."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from testlint.facts.vocabulary import FunctionNode


def walk_body(func: FunctionNode) -> list[ast.AST]:
    """The nodes of a function's body (not its decorators, arguments or annotations)."""
    out: list[ast.AST] = []
    for stmt in func.body:
        out.extend(walk(stmt))
    return out


# Fields that never hold a child worth visiting, skipped without a look: names, flags, and the
# Load/Store/Del context markers (a shared instance on every Name, Attribute, Subscript...: a
# third of all nodes, and nothing asks about them except through `.ctx`). Not `name`: a
# `type X = ...` alias keeps its name as a `Name` node, where a def or an import keeps a string.
_LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "module", "level", "kind", "conversion", "is_async",
     "simple", "type_comment", "n", "s", "tag"}
)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        names: tuple[str, ...] = getattr(cls, "_fields", ())
        fields = _CHILD_FIELDS[cls] = tuple(f for f in names if f not in _LEAF_FIELDS)
    return fields


# Adding a node's children to a walk: one small function per node class, written from the
# class's signature (`Call(expr func, expr* args, keyword* keywords)`) on first sight, so a
# walk makes one call per node instead of a getattr and type tests per field. Same children,
# same order as reading `_child_fields` one by one; a class whose signature cannot be read
# (or a node built by hand without its fields) goes the generic way.
Adder = Callable[[ast.AST, Callable[[ast.AST], None], Callable[[list[ast.AST]], None]], None]

_NODE_TYPE_NAMES = frozenset(
    name for name, value in vars(ast).items()
    if isinstance(value, type) and issubclass(value, ast.AST)
)
# list fields that may hold None besides nodes: `{**extra}`'s key, a keyword-only argument
# without a default
_LISTS_WITH_NONE = frozenset({("Dict", "keys"), ("arguments", "kw_defaults")})
_SIGNATURE = re.compile(r"\w+\((.*)\)")


def _add_generic(node: ast.AST, append: Callable[[ast.AST], None],
                 extend: Callable[[list[ast.AST]], None]) -> None:
    for name in _child_fields(node.__class__):
        value = getattr(node, name, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    append(item)
        elif isinstance(value, ast.AST):
            append(value)


def _write_adder(cls: type) -> Adder | None:
    """The adder of `cls`; None when its nodes have no children to visit."""
    fields = _child_fields(cls)
    match = _SIGNATURE.fullmatch((cls.__doc__ or "").strip())
    if match is None:
        return _add_generic if fields else None
    declared: dict[str, str] = {}
    for part in match.group(1).split(","):
        kind, _, name = part.strip().rpartition(" ")
        declared[name] = kind
    reads: list[str] = []
    adds: list[str] = []
    for index, name in enumerate(fields):
        kind = declared.get(name)
        if kind is None:
            return _add_generic  # a field the signature does not name: read it generically
        if kind.rstrip("*?") not in _NODE_TYPE_NAMES:
            continue  # an identifier, a number, a string: never a node
        reads.append(f"v{index} = node.{name}")
        if not kind.endswith("*"):
            adds.append(f"if v{index} is not None: append(v{index})")
        elif (cls.__name__, name) in _LISTS_WITH_NONE:
            adds.append(f"for item in v{index}:\n        if item is not None: append(item)")
        else:
            adds.append(f"if v{index}.__class__ is list: extend(v{index})")
    if not reads:
        return None
    code = "\n    ".join([
        "def add(node, append, extend):",
        "try:", *(f"    {line}" for line in reads),
        "except AttributeError:",
        "    return add_generic(node, append, extend)",
        *adds,
    ])
    namespace: dict[str, Any] = {"add_generic": _add_generic}
    exec(code, namespace)  # code written above from the class's own field names
    adder: Adder = namespace["add"]
    return adder


_ADDERS: dict[type, Adder | None] = {}
_UNSEEN: Any = object()


def _adder(cls: type) -> Adder | None:
    adder = _ADDERS.get(cls, _UNSEEN)
    if adder is _UNSEEN:
        adder = _ADDERS[cls] = _write_adder(cls)
    return adder  # type: ignore[no-any-return]


_NESTED_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})


def _children(node: ast.AST) -> list[ast.AST]:
    """The direct children `walk` visits, in its order."""
    out: list[ast.AST] = []
    add = _adder(node.__class__)
    if add is not None:
        add(node, out.append, out.extend)
    return out


def statements_besides_constants(body: list[ast.stmt]) -> list[ast.stmt]:
    """A body's statements other than bare constants (its docstring, a `...`)."""
    return [s for s in body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]


def walk(node: ast.AST) -> list[ast.AST]:
    """All nodes below `node` (inclusive), parents before children; the expression context
    markers (`ast.Load`, `ast.Store`, `ast.Del`) are not included."""
    out = [node]
    append, extend = out.append, out.extend
    adders = _ADDERS
    for current in out:  # a list's iterator goes on to the items appended while it runs
        add = adders.get(current.__class__, _UNSEEN)
        if add is _UNSEEN:
            add = _adder(current.__class__)
        if add is not None:
            add(current, append, extend)
    return out


def walk_body_indexed(func: FunctionNode) -> tuple[list[ast.AST], dict[type, list[ast.AST]]]:
    """`walk_body`'s nodes and the same nodes by exact type (each list in walk order), built in
    one pass: every test's facts need both (`TestFunction.nodes`, `TestFunction.nodes_of`)."""
    out: list[ast.AST] = []
    index: dict[type, list[ast.AST]] = {}
    adders = _ADDERS
    bucket_of = index.get
    for stmt in func.body:
        found = [stmt]  # this statement's nodes, breadth first
        append, extend = found.append, found.extend
        for current in found:  # a list's iterator goes on to the items appended while it runs
            cls = current.__class__
            bucket = bucket_of(cls)
            if bucket is None:
                index[cls] = [current]
            else:
                bucket.append(current)
            add = adders.get(cls, _UNSEEN)
            if add is _UNSEEN:
                add = _adder(cls)
            if add is not None:
                add(current, append, extend)
        out.extend(found)
    return out, index


def parent_map(root: ast.AST) -> dict[int, ast.AST]:
    """Each node below `root` (by id) mapped to its parent."""
    parents: dict[int, ast.AST] = {}
    for node in walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents
