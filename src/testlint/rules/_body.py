"""Small queries over one test's body shared by several rules (not a rule module).

They walk only the test they are given (`test.body`), never the file, and stop at nested
functions, lambdas and classes: code there runs when something calls it (a thread target, a fake
server's handler, a callback), not as a statement of the test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from testlint.facts import TestFunction, TestModule

NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
LOOPS = (ast.For, ast.AsyncFor, ast.While)


def own_nodes(test: TestFunction) -> list[ast.AST]:
    """Every node of the test's body that runs as part of the test itself, parents before
    children (a nested def or lambda is included, its body is not)."""
    return test.own_nodes


def blocks(test: TestFunction) -> Iterator[list[ast.stmt]]:
    """Every statement list of the test: its body and the bodies of compound statements in it
    (if/for/while/with/try/match), outside nested functions and classes."""
    yield test.body
    for node in own_nodes(test):
        if isinstance(node, NESTED_SCOPES):
            continue
        # statements, except handlers and match cases all keep their statements in these fields
        for name in ("body", "orelse", "finalbody"):
            value = getattr(node, name, None)
            if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
                yield value


def contains(outer: ast.AST, inner: ast.AST) -> bool:
    """`inner` lies within `outer`'s source span (positions, no walk)."""
    start = (getattr(outer, "lineno", 0), getattr(outer, "col_offset", 0))
    end = (getattr(outer, "end_lineno", 0) or 0, getattr(outer, "end_col_offset", 0) or 0)
    first = (getattr(inner, "lineno", -1), getattr(inner, "col_offset", -1))
    last = (getattr(inner, "end_lineno", -1) or -1, getattr(inner, "end_col_offset", -1) or -1)
    return start <= first and last <= end


def assertion_nodes(test: TestFunction) -> list[ast.AST]:
    """The nodes of the test's own assertions (not those a fixture carries for it)."""
    return [a.node for a in test.assertions if a.node is not test.node]


def number(expr: ast.AST | None) -> float | None:
    """The value of a numeric constant expression (`0.5`, `-1`, `2 * 0.1`, `1e-3`), else None."""
    if isinstance(expr, ast.Constant):
        value = expr.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return float(value)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub | ast.UAdd):
        inner = number(expr.operand)
        if inner is None:
            return None
        return -inner if isinstance(expr.op, ast.USub) else inner
    if isinstance(expr, ast.BinOp):
        left, right = number(expr.left), number(expr.right)
        if left is None or right is None:
            return None
        if isinstance(expr.op, ast.Add):
            return left + right
        if isinstance(expr.op, ast.Sub):
            return left - right
        if isinstance(expr.op, ast.Mult):
            return left * right
        if isinstance(expr.op, ast.Div) and right:
            return left / right
    return None


def call_name(module: TestModule, call: ast.Call) -> str | None:
    """The callee's qualified name through the file's imports, else its spelling."""
    from testlint.facts import dotted_name

    return module.qualname(call.func) or dotted_name(call.func)


def is_constant_true(expr: ast.AST) -> bool:
    return isinstance(expr, ast.Constant) and bool(expr.value) and expr.value is not Ellipsis


def _scope_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of a function's body, not descending into functions, lambdas or classes
    defined in it."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(function.body))
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, NESTED_SCOPES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _calls_by_name(nodes: list[ast.AST]) -> set[str]:
    return {
        node.func.id
        for node in nodes
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def nested_functions_run(
    test: TestFunction,
) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]]:
    """The functions defined in the test that the test itself calls by name (`setter()`,
    `await helper()`, `gen.multi([waiter(), setter()])`), directly or from another such
    function, each with its body's nodes: their statements run as part of the test. A function
    only handed to something else (a thread target, a fake server's handler, a callback) is not
    among them, nor is a name defined twice (which one runs is not certain)."""
    defs: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    twice: set[str] = set()
    for node in own_nodes(test):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if node.name in defs:
                twice.add(node.name)
            defs[node.name] = node
    for name in twice:
        del defs[name]
    if not defs:
        return []
    run: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, list[ast.AST]]] = []
    called = _calls_by_name(own_nodes(test))
    while True:
        reached = [name for name in defs if name in called]
        if not reached:
            return run
        for name in reached:
            function = defs.pop(name)
            nodes = _scope_nodes(function)
            run.append((function, nodes))
            called |= _calls_by_name(nodes)
