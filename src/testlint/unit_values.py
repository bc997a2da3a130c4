"""What a unit computes for one call of a test, including what it does not return.

`mirror.implementation_candidates` reads a function's return expressions and its simple locals.
A unit's output is more than that: the values it assigns on the way to a returned name that it
rebinds (`body = json.dumps(...)` then `return body`), the attributes a constructor sets
(`self.sections = {...}` in `__init__`, read by the test as `parser.sections`), the arguments it
hands to a collaborator. `computed_trees` normalises all of them in the call's scope (the test's
arguments for the parameters), for `signatures.mirrored` to compare with the expected value.

`calls_helper` tells whether a unit's body calls a project function (through its module's
imports and `self.` methods): an expectation built with it agrees with the unit.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from testlint.inference import Definition, FunctionSource, Inference
from testlint.mirror import (
    Normaliser,
    Scope,
    TooBig,
    Tree,
    canonical,
    function_scope,
)

MAX_VALUES = 60


def computed_trees(
    inference: Inference,
    function: FunctionSource,
    call: ast.Call | None,
    receiver: ast.expr | None,
    caller: Scope,
    attr: str | None = None,
) -> list[Tree]:
    """The unit's returned and assigned values (only `self.<attr> = ...` when `attr` is given),
    normalised for this call."""
    run = Normaliser()
    try:
        scope = function_scope(inference, function, call, receiver, caller, run)
    except (TooBig, RecursionError, Exception):
        return []
    if scope is None:
        return []
    trees: list[Tree] = []
    for value in _values(function.node, attr):
        run.nodes = 0
        try:
            trees.append(canonical(run.expr(value, scope)))
        except (TooBig, RecursionError, Exception):
            continue
        if len(trees) >= MAX_VALUES:
            break
    return trees


def _values(node: ast.FunctionDef | ast.AsyncFunctionDef, attr: str | None) -> Iterator[ast.expr]:
    for current in _own_nodes(node):
        if isinstance(current, ast.Assign | ast.AnnAssign):
            targets = current.targets if isinstance(current, ast.Assign) else [current.target]
            if current.value is None:
                continue
            if attr is None or any(_self_attr(t, attr) for t in targets):
                yield current.value
        elif attr is None and isinstance(current, ast.Return) and current.value is not None:
            yield current.value


def _self_attr(target: ast.expr, attr: str) -> bool:
    return (
        isinstance(target, ast.Attribute)
        and target.attr == attr
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    )


def _own_nodes(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """The function's nodes, not those of nested functions and classes."""
    stack: list[ast.AST] = list(reversed(node.body))
    while stack:
        current = stack.pop()
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        yield current
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def calls_helper(inference: Inference, function: FunctionSource, helper: Definition) -> bool:
    """Whether the unit's body calls `helper` (only calls spelled with its name are resolved,
    so no module is read for the others)."""
    try:
        definition = function.definition
        params = [*function.node.args.posonlyargs, *function.node.args.args]
        first = params[0].arg if params and definition.kind in {"method", "property"} else None
        for current in _own_nodes(function.node):
            if not isinstance(current, ast.Call):
                continue
            func = current.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name != helper.name:
                continue
            target = _callee(inference, function, func, first)
            if target is not None and target.qualname == helper.qualname:
                return True
        return False
    except (RecursionError, Exception):
        return False


def _callee(
    inference: Inference, function: FunctionSource, func: ast.expr, first: str | None
) -> Definition | None:
    definition = function.definition
    if isinstance(func, ast.Name):
        qualified = function.imports.get(func.id)
        if qualified is None and func.id in function.module_names:
            qualified = f"{definition.module}.{func.id}"
        return inference.resolve(qualified) if qualified is not None else None
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        head = func.value.id
        if first is not None and head == first:
            owner = definition.qualname.rsplit(".", 1)[0]
            return inference.resolve(f"{owner}.{func.attr}")
        qualified = function.imports.get(head)
        if qualified is not None:
            return inference.resolve(f"{qualified}.{func.attr}")
    return None


def delegates_to(inference: Inference, function: FunctionSource, qualname: str) -> bool:
    """Whether the unit returns the helper's result as it is (`return helper(...)`): a wrapper
    compared with what it wraps checks its defaults and its argument mapping, a fair test."""
    try:
        return _delegates_to(inference, function, qualname)
    except (RecursionError, Exception):
        return False


def _delegates_to(inference: Inference, function: FunctionSource, qualname: str) -> bool:
    definition = function.definition
    params = [*function.node.args.posonlyargs, *function.node.args.args]
    first = params[0].arg if params and definition.kind in {"method", "property"} else None
    for current in _own_nodes(function.node):
        if isinstance(current, ast.Return) and isinstance(current.value, ast.Call):
            target = _callee(inference, function, current.value.func, first)
            if target is not None and target.qualname == qualname:
                return True
    return False
