"""Placeholder tests: an empty body, a TODO where the assertions should be, or a body that only
skips itself because the test is not written yet (not a rule module). TL106 reports them; TL101
leaves them to TL106."""

from __future__ import annotations

import ast
import re

from testlint.facts import TestFunction, TestModule, qualify

PLACEHOLDER_COMMENT = re.compile(
    r"#\s*(?:TODO|FIXME|XXX|TBD)\b"
    r"|add (?:more )?(?:tests|assertions)|implement (?:this|me)|fill in",
    re.IGNORECASE,
)
# a skip reason (or a comment next to the skip) saying the test itself is not written yet
NOT_WRITTEN = re.compile(
    r"\b(?:TODO|FIXME|TBD|WIP)\b"
    r"|\bnot\s+(?:yet\s+)?(?:been\s+)?(?:implemented|written)\b|\bunimplemented\b"
    r"|\bplace\s?holder\b|\bimplement(?:ed)?\s+(?:later|me|this|soon)\b"
    r"|\bto\s+be\s+(?:written|implemented)\b|\bplanned\s+for\b|\bfuture\s+work\b"
    r"|\bcoming\s+soon\b|\badd (?:more )?(?:tests|assertions)\b|\bfill\s+in\b",
    re.IGNORECASE,
)
SELF_SKIPS = frozenset({"pytest.skip", "pytest.xfail"})


def is_trivial(stmt: ast.stmt) -> bool:
    """`pass`, `...`, a string (a docstring) or `raise NotImplementedError`."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return stmt.value.value is Ellipsis or isinstance(stmt.value.value, str)
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"
    return False


def overrides_inherited_test(test: TestFunction) -> bool:
    """An empty method in a subclass of another test class switches the inherited test off."""
    if test.cls is None or test.is_unittest:
        return False
    return any(not (isinstance(b, ast.Name) and b.id == "object") for b in test.cls.bases)


def placeholder_reason(module: TestModule, test: TestFunction) -> str | None:
    """Why the test is a placeholder, or None."""
    skipped = _skips_itself_unwritten(module, test)
    if skipped is not None:
        return skipped
    if test.skips:
        return None
    if all(is_trivial(stmt) for stmt in test.body):
        if overrides_inherited_test(test):
            return None
        return "the body is empty"
    if test.assertions:
        return None
    start, end = test.node.lineno, test.node.end_lineno or test.node.lineno
    comments = module.source.comments_in(start, end)
    if comments:
        for line in range(start, end + 1):
            comment = comments.get(line)
            if comment and PLACEHOLDER_COMMENT.search(comment):
                return f"it has no assertion and a placeholder comment ({comment.strip()[:40]})"
    return None


def _skips_itself_unwritten(module: TestModule, test: TestFunction) -> str | None:
    """A body that only calls `pytest.skip(...)` (besides a docstring and comments), saying in
    the reason or a comment of the test that the test is not written yet. A skip with a reason
    about the environment ("requires network") is a real skip; a skip-only method of a class
    that inherits tests switches an inherited test off."""
    skips: list[ast.Call] = []
    for stmt in test.body:
        if is_trivial(stmt):
            continue
        if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
            return None
        if qualify(stmt.value.func, module.imports) not in SELF_SKIPS:
            return None
        skips.append(stmt.value)
    if not skips or overrides_inherited_test(test):
        return None
    texts = [_reason(call) for call in skips]
    start, end = test.node.lineno, test.node.end_lineno or test.node.lineno
    texts += list(module.source.comments_in(start, end).values())
    for text in texts:
        if text and NOT_WRITTEN.search(text):
            said = text.strip().lstrip("#").strip()[:40]
            return f"it only skips itself, as not written yet ({said})"
    return None


def _reason(call: ast.Call) -> str | None:
    given = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in {"reason", "msg"}), None
    )
    if isinstance(given, ast.Constant) and isinstance(given.value, str):
        return given.value
    if isinstance(given, ast.JoinedStr):
        parts = [v.value for v in given.values if isinstance(v, ast.Constant)]
        return "".join(part for part in parts if isinstance(part, str))
    return None
