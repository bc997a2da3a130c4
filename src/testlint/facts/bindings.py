"""What a function binds: names bound once with their value, fixture values, autouse."""

from __future__ import annotations

import ast

from testlint.facts.names import _kwarg, dotted_name
from testlint.facts.traversal import walk
from testlint.facts.vocabulary import FunctionNode


def is_autouse_fixture(func: FunctionNode) -> bool:
    """`@pytest.fixture(autouse=True)` (any spelling of the fixture decorator that is called)."""
    for decorator in func.decorator_list:
        if isinstance(decorator, ast.Call) and (dotted_name(decorator.func) or "").endswith(
            "fixture"
        ):
            value = _kwarg(decorator, "autouse")
            if isinstance(value, ast.Constant) and value.value is True:
                return True
    return False


def given_values(func: FunctionNode) -> list[ast.expr]:
    """What a fixture (or a factory) gives: the values its own body returns or yields, not those
    of functions nested in it; a bare `return`/`yield` gives None."""
    found: list[ast.expr] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return | ast.Yield | ast.YieldFrom):
            found.append(node.value if node.value is not None else ast.Constant(value=None))
        stack.extend(ast.iter_child_nodes(node))
    return found


def bound_name_nodes(target: ast.AST) -> list[ast.Name]:
    """The names an assignment target binds (`a`, `a, *b`), not those whose attribute or item
    it sets (`a.x = ...` changes the object `a` holds, not `a`)."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for elt in target.elts for name in bound_name_nodes(elt)]
    if isinstance(target, ast.Starred):
        return bound_name_nodes(target.value)
    return []


def _bound_names(target: ast.AST) -> list[str]:
    return [name.id for name in bound_name_nodes(target)]


# the nodes `single_bindings` reads; any other kind binds nothing
_BINDING_KINDS = frozenset({
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension,
    ast.withitem, ast.NamedExpr, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
    ast.ExceptHandler, ast.Global, ast.Nonlocal,
})


def single_bindings(func: FunctionNode) -> dict[str, ast.expr]:
    """The names a function binds exactly once, by a plain `name = value` (or `name: T = value`),
    with that value. Any other binding of the name disqualifies it: a second assignment,
    unpacking, a loop or comprehension target, `with ... as`, `:=`, `except ... as`, a nested
    def or class of that name, `global`/`nonlocal`. Attribute and item assignments and method
    calls on the object are not bindings of the name."""
    values: dict[str, list[ast.expr]] = {}
    other: set[str] = set()

    def stored(target: ast.AST) -> None:
        other.update(sub.id for sub in ast.walk(target)
                     if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))

    # `walk` visits in `ast.walk`'s breadth-first order (less the Load/Store markers), so the
    # names come out in the same order; every node of no binding kind is passed over at once
    for node in walk(func):
        if node.__class__ not in _BINDING_KINDS or node is func:
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
                else:
                    stored(target)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.value is not None:
                values.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
            stored(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            stored(node.optional_vars)
        elif isinstance(node, ast.NamedExpr):
            stored(node.target)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            other.add(node.name)
        elif isinstance(node, ast.ExceptHandler):
            if node.name is not None:
                other.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            other.update(node.names)
    return {name: found[0] for name, found in values.items()
            if len(found) == 1 and name not in other}
