"""Functions of a module by line (for mapping executed lines to functions) and the in-memory
stub transformation (a function's body becomes `raise NotImplementedError` when switched on)."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.source import definition_start

SWITCH_NAME = "__tl_stub__"
SWITCH_IMPORT = f"from testlint.verify._switch import stubbed as {SWITCH_NAME}"


@dataclass(frozen=True)
class FunctionSpan:
    qualname: str  # "Cart.total"; nested functions "outer.inner"
    first: int  # first line of the body
    last: int
    name_line: int
    decorated_from: int  # the first decorator's line (a code object's co_firstlineno)


def _walk(node: ast.AST, prefix: str, out: list[FunctionSpan]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            qualname = f"{prefix}{child.name}"
            first = child.body[0].lineno if child.body else child.lineno
            decorated = definition_start(child)
            out.append(FunctionSpan(qualname, first, child.end_lineno or child.lineno,
                                    child.lineno, decorated))
            _walk(child, qualname + ".", out)
        elif isinstance(child, ast.ClassDef):
            _walk(child, f"{prefix}{child.name}.", out)
        else:
            _walk(child, prefix, out)


def function_spans(tree: ast.Module) -> list[FunctionSpan]:
    out: list[FunctionSpan] = []
    _walk(tree, "", out)
    return out


def functions_at(spans: list[FunctionSpan], lines: set[int] | frozenset[int]) -> set[str]:
    """The innermost functions whose bodies hold one of these lines."""
    found: set[str] = set()
    for line in lines:
        best: FunctionSpan | None = None
        for span in spans:
            if span.first <= line <= span.last and (best is None or span.first >= best.first):
                best = span
        if best is not None:
            found.add(best.qualname)
    return found


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


class _Stubber(ast.NodeTransformer):
    def __init__(self, key_prefix: str, wanted: set[str]) -> None:
        self.key_prefix = key_prefix
        self.wanted = wanted
        self.stack: list[str] = []
        self.done: set[str] = set()

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        qualname = ".".join([*self.stack, node.name])
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()
        if qualname in self.wanted and node.body:
            anchor = node.body[0]
            guard = ast.parse(
                f"if {SWITCH_NAME}({self.key_prefix + qualname!r}):\n"
                f"    raise NotImplementedError('testlint verify: body of {qualname} removed')\n"
            ).body[0]
            for sub in ast.walk(guard):
                ast.copy_location(sub, anchor)
            at = 1 if _is_docstring(anchor) else 0
            node.body.insert(at, guard)
            self.done.add(qualname)
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()
        return node


def stub_tree(tree: ast.Module, key_prefix: str, wanted: set[str]) -> set[str]:
    """Give each wanted function a switched `raise NotImplementedError` prologue; returns the
    qualnames instrumented."""
    stubber = _Stubber(key_prefix, wanted)
    stubber.visit(tree)
    if not stubber.done:
        return set()
    body = tree.body
    at = 0
    if body and _is_docstring(body[0]):
        at = 1
    while at < len(body):
        stmt = body[at]
        if not (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
            break
        at += 1
    anchor = body[at] if at < len(body) else body[-1]
    imported = ast.parse(SWITCH_IMPORT).body[0]
    ast.copy_location(imported, anchor)
    body.insert(at, imported)
    ast.fix_missing_locations(tree)
    return stubber.done
