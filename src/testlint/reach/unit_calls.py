"""Which unit of the code under test a call in a test runs, where the links of
`testlint.reach.links` stop: a builtin that dispatches to a special method runs the class's own
method. `iter(obj)` is `type(obj).__iter__(obj)`, `len(obj)` is `__len__`, `str(obj)` is
`__str__`, ...

Everything else (the test's imports, its locals, fixtures, `self.x` set in setup) is
`links.resolve_call` and `links.instance_class`. `bound_once` is the value of a name a function
binds exactly once, whatever methods it calls on it later (an alias, for identity).

Everything answers "one result or None".
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from testlint.facts import FunctionNode, TestFunction, TestModule, single_bindings
from testlint.reach import links

if TYPE_CHECKING:
    from testlint.inference import Definition, Inference

# builtins whose result is the value of the special method of their (first) argument's class
DISPATCHING_BUILTINS = {
    "iter": "__iter__",
    "next": "__next__",
    "len": "__len__",
    "str": "__str__",
    "repr": "__repr__",
    "bytes": "__bytes__",
    "reversed": "__reversed__",
    "round": "__round__",
    "abs": "__abs__",
    "hash": "__hash__",
    "format": "__format__",
    "bool": "__bool__",
}


def resolve_unit(
    inference: Inference, module: TestModule, test: TestFunction | None, call: ast.Call
) -> Definition | None:
    """The function, method or class a call of a test runs, or None."""
    try:
        found = links.resolve_call(inference, module, test, call)
        if found is not None:
            return found
        dunder = dispatched_method(call, module)
        if dunder is not None and call.args:
            cls = instance_class(inference, module, test, call.args[0])
            return _member(inference, cls, dunder) if cls is not None else None
    except (RecursionError, Exception):
        return None
    return None


def dispatched_method(call: ast.Call, module: TestModule) -> str | None:
    """`__iter__` for `iter(x)` (a builtin not shadowed by the module), else None."""
    func = call.func
    if not isinstance(func, ast.Name) or func.id not in DISPATCHING_BUILTINS:
        return None
    if func.id in module.imports or func.id in module.defined:
        return None
    if len(call.args) != 1 and func.id not in {"round", "next", "format"}:
        return None
    return DISPATCHING_BUILTINS[func.id]


def instance_class(
    inference: Inference, module: TestModule, test: TestFunction | None, node: ast.AST
) -> Definition | None:
    """The project class an expression of a test is an instance of (`links.instance_class`)."""
    held = links.instance_class(inference, module, test, node)
    return held.cls if held is not None else None


def _member(inference: Inference, cls: Definition, attr: str) -> Definition | None:
    found = inference.resolve(f"{cls.qualname}.{attr}")
    if found is None or found.kind not in {"method", "property", "function"}:
        return None
    return found


def bound_once(func: FunctionNode, name: str) -> ast.expr | None:
    """The value of `name = value` when that is the only binding of `name` in the function."""
    return single_bindings(func).get(name)
