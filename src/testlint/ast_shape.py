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


def same(a: object, b: object) -> bool:
    """`shape(a) == shape(b)`, stopping at the first difference instead of building both."""
    if isinstance(a, ast.AST):
        if a.__class__ is not b.__class__:
            return False
        return all(same(getattr(a, name, None), getattr(b, name, None)) for name in a._fields)
    if isinstance(a, list):
        return (isinstance(b, list) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b, strict=True)))
    if isinstance(b, ast.AST | list):
        return False
    return repr(a) == repr(b)
