"""Values a test's stand-in receives from the unit: an output that is an argument, not a result.

A test that replaces a collaborator with its own function (`monkeypatch.setattr(handler,
"set_cookie", fake)`, `mocker.patch.object(obj, "send", side_effect=fake)`) and asserts inside
that function on what it was given (`def fake(name, value): assert value == expected`) checks an
output of the unit: the argument the unit passes to that collaborator. `received` finds, for a
parameter of such a stand-in, the unit methods the test then calls on the same object, and the
expressions those methods (and the methods of the same class they call on `self`) pass in that
argument position, normalised in the unit's scope; `stand_in_scope` gives the stand-in's own
locals (`expected_value = ...` written inside it) on top of the test's.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import FunctionNode, TestFunction, TestModule
from testlint.inference import Definition, FunctionSource, Inference
from testlint.mirror import (
    Binding,
    Normaliser,
    Scope,
    Subst,
    TooBig,
    Tree,
    canonical,
    function_scope,
)
from testlint.reach import links

MAX_CALLEE_DEPTH = 2
PATCHERS = frozenset({"setattr", "object"})  # monkeypatch.setattr, (mocker.)patch.object


@dataclass
class Received:
    """What a stand-in's parameter receives from the unit."""

    unit: Definition  # the method the test calls
    sender: Definition  # the method whose body makes the call (the unit or a method it calls)
    attr: str  # the collaborator the test replaced (`set_cookie`)
    trees: list[Tree]


def stand_in(test: TestFunction, node: ast.expr) -> tuple[FunctionNode, int] | None:
    """The test's nested function with `node` (a Name) as a parameter, and its position."""
    if not isinstance(node, ast.Name):
        return None
    found = _nested_params(test).get(node.id, [])
    return found[0] if len(found) == 1 else None


_NESTED_ATTR = "_testlint_nested_params"


def _nested_params(test: TestFunction) -> dict[str, list[tuple[FunctionNode, int]]]:
    """Parameters of the test's nested functions: name -> (function, position); once a test."""
    cached: dict[str, list[tuple[FunctionNode, int]]] | None = test.__dict__.get(_NESTED_ATTR)
    if cached is not None:
        return cached
    found: dict[str, list[tuple[FunctionNode, int]]] = {}
    for inner in ast.walk(test.node):
        if inner is test.node or not isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = [a.arg for a in [*inner.args.posonlyargs, *inner.args.args]]
        if params and params[0] in {"self", "cls"}:
            params = params[1:]
        for position, name in enumerate(params):
            found.setdefault(name, []).append((inner, position))
    test.__dict__[_NESTED_ATTR] = found
    return found


def stand_in_scope(scope: Scope, function: FunctionNode) -> Scope:
    """The test's scope with the stand-in's locals bound once (its parameters stay free)."""
    # the test's own locals keep reading among the test's names (a local binding's scope is
    # None: the scope that holds it, which here would be this one)
    names: dict[str, Binding] = {
        name: Subst(b.node, scope, b.comp) if isinstance(b, Subst) and b.scope is None else b
        for name, b in scope.names.items()
    }
    params = {a.arg for a in [*function.args.posonlyargs, *function.args.args]}
    inner = Scope(names=names, free=scope.free, inliner=scope.inliner)
    for name in params:
        names.pop(name, None)
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    counts[target.id] = counts.get(target.id, 0) + 1
                    values[target.id] = node.value
    for name, value in values.items():
        if counts[name] == 1 and name not in params:
            names[name] = Subst(value, None)
    return inner


def received(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    function: FunctionNode,
    position: int,
    caller: Scope,
) -> Received | None:
    """What the unit passes to the collaborator `function` stands in for, at `position`."""
    try:
        return _received(inference, module, test, function, position, caller)
    except (RecursionError, Exception):  # one result or None, never into a rule
        return None


def _received(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    function: FunctionNode,
    position: int,
    caller: Scope,
) -> Received | None:
    installed = _installed_as(test, function.name)
    if installed is None:
        return None
    receiver, attr = installed
    for unit in _units_on(inference, module, test, receiver):
        source = inference.function_source(unit)
        if source is None:
            continue
        for sender, args in _sent(inference, source, attr, position, 0):
            trees = _normalised(inference, sender, args, caller)
            if trees:
                return Received(unit, sender.definition, attr, trees)
    return None


def _installed_as(test: TestFunction, name: str) -> tuple[str, str] | None:
    """(object, attribute) the test replaces with its function `name`."""
    for node in ast.walk(test.node):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr not in PATCHERS or len(node.args) < 2:
            continue
        target, attr = node.args[0], node.args[1]
        if not isinstance(target, ast.Name) or not isinstance(attr, ast.Constant):
            continue
        if not isinstance(attr.value, str):
            continue
        given = {"new", "side_effect"}
        values = [*node.args[2:], *(k.value for k in node.keywords if k.arg in given)]
        if any(isinstance(v, ast.Name) and v.id == name for v in values):
            return target.id, attr.value
    return None


def _units_on(
    inference: Inference, module: TestModule, test: TestFunction, receiver: str
) -> list[Definition]:
    """Project methods the test calls on the object (as statements, awaited or assigned)."""
    found: list[Definition] = []
    for node in ast.walk(test.node):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if not (isinstance(node.func.value, ast.Name) and node.func.value.id == receiver):
            continue
        definition = links.resolve_call(inference, module, test, node)
        if (
            definition is not None
            and definition.kind == "method"
            and definition.is_code_under_test
            and all(d.qualname != definition.qualname for d in found)
        ):
            found.append(definition)
    return found


def _sent(
    inference: Inference, source: FunctionSource, attr: str, position: int, depth: int
) -> list[tuple[FunctionSource, list[ast.expr]]]:
    """Arguments at `position` of `self.<attr>(...)` calls in the method and in the methods of
    its class it calls on `self` (through `x = cast(T, self)` aliases too)."""
    node = source.node
    params = [*node.args.posonlyargs, *node.args.args]
    if not params:
        return []
    selves = {params[0].arg}
    for inner in ast.walk(node):
        if (
            isinstance(inner, ast.Assign)
            and len(inner.targets) == 1
            and isinstance(inner.targets[0], ast.Name)
            and (
                (isinstance(inner.value, ast.Name) and inner.value.id in selves)
                or (isinstance(inner.value, ast.Call) and _is_cast(inner.value, selves))
            )
        ):
            selves.add(inner.targets[0].id)
    found: list[tuple[FunctionSource, list[ast.expr]]] = []
    args: list[ast.expr] = []
    callees: list[str] = []
    for inner in ast.walk(node):
        if not isinstance(inner, ast.Call) or not isinstance(inner.func, ast.Attribute):
            continue
        receiver = inner.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id in selves):
            continue
        if inner.func.attr == attr:
            if len(inner.args) > position and not any(
                isinstance(a, ast.Starred) for a in inner.args[: position + 1]
            ):
                args.append(inner.args[position])
        else:
            callees.append(inner.func.attr)
    if args:
        found.append((source, args))
    if depth >= MAX_CALLEE_DEPTH:
        return found
    owner = source.definition.qualname.rsplit(".", 1)[0]
    for name in dict.fromkeys(callees):
        target = inference.resolve(f"{owner}.{name}")
        if target is None or target.kind != "method" or not target.is_code_under_test:
            continue
        inner_source = inference.function_source(target)
        if inner_source is not None:
            found.extend(_sent(inference, inner_source, attr, position, depth + 1))
    return found


def _is_cast(call: ast.Call, selves: set[str]) -> bool:
    """`cast(T, self)`: the same object under another static type."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return (
        name == "cast"
        and len(call.args) == 2
        and isinstance(call.args[1], ast.Name)
        and call.args[1].id in selves
    )


def _normalised(
    inference: Inference, sender: FunctionSource, args: list[ast.expr], caller: Scope
) -> list[Tree]:
    run = Normaliser()
    try:
        scope = function_scope(inference, sender, None, None, caller, run)
    except (TooBig, RecursionError):
        return []
    if scope is None:
        return []
    trees: list[Tree] = []
    for arg in args:
        run.nodes = 0
        try:
            trees.append(canonical(run.expr(arg, scope)))
        except (TooBig, RecursionError):
            continue
    return trees
