"""A syntax tree's structure without positions, as a hashable value.

`shape(a) == shape(b)` exactly when `ast.dump(a) == ast.dump(b)` (the node types, the fields and
the constants' reprs), without `ast.dump`'s cost (it formats a string) and without its recursive
inner function: a reference cycle on every call, left to the cyclic collector."""

from __future__ import annotations

import ast


def shape(node: object) -> object:
    if isinstance(node, ast.AST):
        return (type(node).__name__, *(shape(getattr(node, name, None)) for name in node._fields))
    if isinstance(node, list):
        return ("[", *(shape(item) for item in node))
    return repr(node)
