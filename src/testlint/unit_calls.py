"""Which unit of the code under test a call in a test runs, where import-only resolution stops.

`Inference.resolve_call` follows a test's imports and the locals it binds once and never touches
again. A test that exercises an object usually does touch it: it calls a method as a statement
(`svc.visit(1)`), and that call was read as a mutation of `svc`, so the next call on `svc` was
never resolved. A method call changes an object's state, never its class; so the class of a
local is read here from its one binding, whatever methods the test calls on it afterwards.

Three more links a reader makes without thinking:

- a fixture parameter holds what its fixture returns or yields, when that is one constructor
  call of a project class (directly or through a local of the fixture bound once), in the test
  module or a conftest;
- a builtin that dispatches to a special method runs the class's own method: `iter(obj)` is
  `type(obj).__iter__(obj)`, `len(obj)` is `__len__`, `str(obj)` is `__str__`, ...;
- a constructor call `Parser(...)` runs the class's `__init__` and gives the instance.

Everything answers "one result or None": two bindings, two classes, a member defined outside
the project, and the answer is None.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from testlint.facts import FixtureDef, FunctionNode, TestFunction, TestModule

if TYPE_CHECKING:  # the rules that ask import this module without loading inference
    from testlint.inference import Definition, Inference

MAX_DEPTH = 5
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
        found = inference.resolve_call(module, test, call)
        if found is not None:
            return found
        func = call.func
        if isinstance(func, ast.Attribute):
            cls = instance_class(inference, module, test, func.value)
            return _member(inference, cls, func.attr) if cls is not None else None
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
    inference: Inference,
    module: TestModule,
    test: TestFunction | None,
    node: ast.AST,
    depth: int = 0,
) -> Definition | None:
    """The project class an expression of a test is an instance of: a constructor call, a
    local bound once to one (methods called on it later do not change its class), or a fixture
    parameter whose fixture gives one."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        target = inference.resolve_name(module, node.func)
        return target if target is not None and target.kind == "class" else None
    if not isinstance(node, ast.Name) or test is None:
        return None
    value = bound_once(test.node, node.id)
    if value is not None:
        return instance_class(inference, module, test, value, depth + 1)
    if node.id in test.params and not _rebound(test.node, node.id):
        found = _fixture(module, node.id)
        if found is not None:
            return _fixture_class(inference, found[0], found[1], depth + 1)
    return None


def _member(inference: Inference, cls: Definition, attr: str) -> Definition | None:
    found = inference.resolve(f"{cls.qualname}.{attr}")
    if found is None or found.kind not in {"method", "property", "function"}:
        return None
    return found


def bound_once(func: FunctionNode, name: str) -> ast.expr | None:
    """The value of `name = value` when that is the only binding of `name` in the function
    (loops, `with ... as`, augmented assignments, unpacking and `except ... as` are bindings
    too); attribute assignments and method calls on it are not bindings."""
    values: list[ast.expr] = []
    other = False
    for node in ast.walk(func):
        if node is func:
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
                elif _binds(target, name):
                    other = True
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.target.id == name and node.value:
                values.append(node.value)
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension):
            other = other or _binds(node.target, name)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            other = other or _binds(node.optional_vars, name)
        elif isinstance(node, ast.NamedExpr):
            other = other or _binds(node.target, name)
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            other = True
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            other = other or node.name == name
        elif isinstance(node, ast.Global | ast.Nonlocal) and name in node.names:
            other = True
    if other or len(values) != 1:
        return None
    return values[0]


def _binds(target: ast.AST, name: str) -> bool:
    return any(
        isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store)
        for sub in ast.walk(target)
    )


def _rebound(func: FunctionNode, name: str) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
    return False


def _fixture(module: TestModule, name: str) -> tuple[TestModule, FixtureDef] | None:
    """The fixture a parameter names, with the module that defines it (module, then conftests,
    the nearest first)."""
    local = module.fixtures.get(name)
    if local is not None:
        return module, local
    found = module.lookup.fixture(name)
    if found is None:
        return None
    for conftest in reversed(module.lookup.conftest_modules()):
        if conftest.fixtures.get(name) is found:
            return conftest, found
    return None


def _fixture_class(
    inference: Inference, module: TestModule, fixture: FixtureDef, depth: int
) -> Definition | None:
    """The one project class every value a fixture returns or yields is a constructor call of."""
    given = _given_values(fixture.node)
    if not given:
        return None
    classes: list[Definition] = []
    for value in given:
        for _ in range(MAX_DEPTH):
            if not isinstance(value, ast.Name):
                break
            bound = bound_once(fixture.node, value.id)
            if bound is None:
                break
            value = bound
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return None
        target = inference.resolve_name(module, value.func)
        if target is None or target.kind != "class":
            return None
        classes.append(target)
    first = classes[0]
    return first if all(c.qualname == first.qualname for c in classes) else None


def _given_values(node: FunctionNode) -> list[ast.expr]:
    found: list[ast.expr] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(current, ast.Return | ast.Yield) and current.value is not None:
            found.append(current.value)
        elif isinstance(current, ast.YieldFrom):
            return []  # values from elsewhere
        stack.extend(ast.iter_child_nodes(current))
    return found
