"""Walking a syntax tree the way the facts do: parents before children, context markers skipped."""

from __future__ import annotations

import ast

from testlint.facts.vocabulary import FunctionNode


def walk_body(func: FunctionNode) -> list[ast.AST]:
    """The nodes of a function's body (not its decorators, arguments or annotations)."""
    out: list[ast.AST] = []
    for stmt in func.body:
        out.extend(walk(stmt))
    return out


# Fields that never hold a child worth visiting: names, flags, and the Load/Store/Del context
# markers (a shared instance on every Name, Attribute, Subscript...: a third of all nodes, and
# nothing asks about them except through `.ctx`).
_LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "name", "module", "level", "kind", "conversion", "is_async",
     "simple", "type_comment", "n", "s", "tag"}
)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: ()}


def _child_fields(cls: type) -> tuple[str, ...]:
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        names: tuple[str, ...] = getattr(cls, "_fields", ())
        fields = _CHILD_FIELDS[cls] = tuple(f for f in names if f not in _LEAF_FIELDS)
    return fields


# the node types each per-test scan acts on; every other node is skipped by one set lookup
_TEST_BODY_TYPES = frozenset({
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith,
    ast.comprehension, ast.NamedExpr, ast.ExceptHandler, ast.Assert, ast.Raise, ast.Attribute,
    ast.Call,
})


_BINDING_TYPES = frozenset({ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.NamedExpr})


_USAGE_TYPES = frozenset({ast.Expr, ast.Assign, ast.AnnAssign, ast.With, ast.AsyncWith, ast.Call,
                          ast.Name})


_NESTED_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})


def _children(node: ast.AST) -> list[ast.AST]:
    """The direct children `walk` visits, in its order."""
    out: list[ast.AST] = []
    fields = _CHILD_FIELDS.get(node.__class__)
    if fields is None:
        fields = _child_fields(node.__class__)
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def walk(node: ast.AST) -> list[ast.AST]:
    """All nodes below `node` (inclusive), parents before children; the expression context
    markers (`ast.Load`, `ast.Store`, `ast.Del`) are not included."""
    out = [node]
    append = out.append
    fields_of = _CHILD_FIELDS.get
    node_type = ast.AST
    i = 0
    while i < len(out):
        current = out[i]
        i += 1
        fields = fields_of(current.__class__)
        if fields is None:
            fields = _child_fields(current.__class__)
        for name in fields:
            value = getattr(current, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
            elif isinstance(value, node_type):
                append(value)
    return out


def walk_body_indexed(func: FunctionNode) -> tuple[list[ast.AST], dict[type, list[ast.AST]]]:
    """`walk_body`'s nodes and the same nodes by exact type (each list in walk order), built in
    one pass: every test's facts need both (`TestFunction.nodes`, `TestFunction.nodes_of`)."""
    out: list[ast.AST] = []
    index: dict[type, list[ast.AST]] = {}
    append = out.append
    fields_of = _CHILD_FIELDS.get
    bucket_of = index.get
    node_type = ast.AST
    for stmt in func.body:
        i = len(out)
        append(stmt)
        while i < len(out):
            current = out[i]
            i += 1
            cls = current.__class__
            bucket = bucket_of(cls)
            if bucket is None:
                index[cls] = [current]
            else:
                bucket.append(current)
            fields = fields_of(cls)
            if fields is None:
                fields = _child_fields(cls)
            for name in fields:
                value = getattr(current, name, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, node_type):
                            append(item)
                elif isinstance(value, node_type):
                    append(value)
    return out, index


def parent_map(root: ast.AST) -> dict[int, ast.AST]:
    """Each node below `root` (by id) mapped to its parent."""
    parents: dict[int, ast.AST] = {}
    for node in walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents
