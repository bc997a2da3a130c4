"""Comparisons written as statements, whose result is thrown away (not a rule module). TL107
reports them; TL101 leaves a test whose only "check" is such a comparison to TL107, which
explains it."""

from __future__ import annotations

import ast
import re

from testlint.facts import TestFunction, TestModule, dotted_name

# a comment that writes down the comparison's result: `# True`, `# -> False`, `# None`
RESULT_COMMENT = re.compile(r"^(?:->\s*|=>\s*|is\s+|returns?\s+)?(?:true|false|none|nan)\b", re.I)
# a `with` block whose context manager's name says it expects an error or a warning
EXPECTING_WORDS = ("raise", "warn", "error", "errstate", "assert", "expect", "catch", "deprecat")


def _is_comparison(expr: ast.expr) -> bool:
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return _is_comparison(expr.operand)
    return isinstance(expr, ast.Compare)


def unasserted_comparisons(module: TestModule, test: TestFunction) -> list[ast.Expr]:
    """The test's own comparison statements that are neither expected to raise nor evaluated on
    purpose (a comment writes down their result); none in a benchmark."""
    if test.benchmark:
        return []  # `c1 == c2` in a timed loop measures the comparison, on purpose
    if not any(_is_comparison(node.value) for node in test.nodes_of(ast.Expr)):
        return []  # the usual test, answered before its own statements are told apart
    found = []
    # the test's own statements: one in a nested function runs when something calls it
    for node in test.own_nodes_of(ast.Expr):
        if not _is_comparison(node.value):
            continue
        if _expects_error(module, node, test.ancestors(node)):
            continue
        if _explained(module, node):
            continue
        found.append(node)
    return found


def _explained(module: TestModule, node: ast.AST) -> bool:
    """`90 in idx  # True`: a comment on the line shows the comparison is evaluated on purpose,
    for its side effect, with its result known (a test of caching, of `__contains__`)."""
    first = getattr(node, "lineno", 0)
    last = getattr(node, "end_lineno", None) or first
    # the statement's own lines: tokenizing the whole file is for rules that need all comments
    comment = module.source.comments_in(first, last).get(last, "")
    return bool(RESULT_COMMENT.match(comment.lstrip("#").strip()))


def _expects_error(module: TestModule, node: ast.AST, ancestors: list[ast.AST]) -> bool:
    child = node
    for ancestor in ancestors:
        if isinstance(ancestor, ast.Try) and ancestor.handlers and child in ancestor.body:
            return True
        child = ancestor
        if isinstance(ancestor, ast.With | ast.AsyncWith):
            for item in ancestor.items:
                expr = item.context_expr
                target = expr.func if isinstance(expr, ast.Call) else expr
                called = module.qualname(target) or dotted_name(target)
                name = (called if isinstance(expr, ast.Call) else None) or ast.unparse(target)
                if any(word in name.lower() for word in EXPECTING_WORDS):
                    return True
    return False
