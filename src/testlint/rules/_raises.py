"""What a `pytest.raises` block holds (not a rule module): TL104 and TL111 ask."""

from __future__ import annotations

import ast

from testlint.facts import RaisesUse, dotted_name

RAISES_APIS = {"pytest.raises": "pytest.raises", "unittest.assertRaises": "self.assertRaises"}


def cannot_raise(stmt: ast.stmt) -> bool:
    """`pass`, or binding a name to another name or to constants (`path = tmp_path`)."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        value = stmt.value
        if isinstance(value, ast.Name):
            return True
        return all(
            isinstance(node, ast.Constant | ast.BinOp | ast.UnaryOp | ast.operator | ast.unaryop)
            for node in ast.walk(value)
        )
    return False


def last_names(expr: ast.expr | None) -> set[str]:
    """The class names an exception expression names: `IOError`, `errors.Timeout(...)`, a tuple
    or list of them (an iterable `side_effect`)."""
    if expr is None:
        return set()
    if isinstance(expr, ast.Tuple | ast.List):
        return {n for elt in expr.elts for n in last_names(elt)}
    if isinstance(expr, ast.Call):
        expr = expr.func
    name = dotted_name(expr)
    return {name.rsplit(".", 1)[-1]} if name else set()


def raised_by_test(raises: RaisesUse) -> set[str]:
    """Exception classes a `raise` statement of the block itself raises (not one in a function
    defined there, which runs only if something calls it)."""
    found: set[str] = set()
    stack: list[ast.AST] = list(raises.body or ())
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Raise):
            found |= last_names(node.exc)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                                  | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))
    return found
