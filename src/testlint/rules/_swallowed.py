"""Failures a test swallows: a `try` whose handler passes, prints or asserts True, and
`contextlib.suppress` around the code (not a rule module). TL603 reports them; TL101 asks
whether a test without assertions expected an error it then swallowed (TL603's finding, not a
second one)."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

from testlint.facts import TestFunction, TestModule, dotted_name
from testlint.rules._body import LOOPS, assertion_nodes, call_name, contains, own_nodes

ASSERTION_CATCHERS = frozenset({"Exception", "BaseException", "AssertionError"})
FAILS = frozenset({"pytest.fail", "pytest.xfail"})
SKIPS = frozenset({"pytest.skip", "unittest.SkipTest"})
LOGGING_ROOTS = frozenset({"logging", "logger", "log", "LOGGER", "LOG", "_log", "_logger"})
@dataclass(frozen=True)
class Swallowed:
    node: ast.AST
    message: str
    expected_error: bool  # the "expects an error but passes either way" shape (no assertion)


# a test whose name says an error is the expected outcome
EXPECTS_ERROR = re.compile(
    r"rais|error|exception|invalid|reject|fail|bad_|_bad|wrong|refus|forbid|den(y|ied)|not_allowed"
    r"|disallow|illegal|malformed|unsupported|missing",
    re.IGNORECASE,
)
TOLERATES_ERROR = re.compile(
    r"no_?error|not_?raise|never_?raise|tolerat|ignor|surviv|robust|smoke|does_?not|doesnt",
    re.IGNORECASE,
)
CLEANUP_CALLS = frozenset(
    {
        "remove", "unlink", "rmdir", "rmtree", "close", "kill", "terminate", "shutdown", "stop",
        "join", "cancel", "disconnect", "cleanup", "clear", "delete", "drop", "release",
        "unregister", "teardown", "wait", "communicate", "chmod", "rename",
    }
)


def _caught_names(handler: ast.ExceptHandler) -> list[str] | None:
    """The exception names a handler catches (last component); None for a bare `except:`."""
    if handler.type is None:
        return None
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return [(dotted_name(t) or "?").rsplit(".", 1)[-1] for t in types]


def _swallows(module: TestModule, body: list[ast.stmt]) -> str | None:
    """'swallows' when every statement of the handler drops the error, 'skips' when it turns it
    into a skip, None when it does anything else (re-raise, fail, assert, real work)."""
    verdict = "swallows"
    for stmt in body:
        if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
            continue
        if isinstance(stmt, ast.Return) and (stmt.value is None or _is_none(stmt.value)):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring-like comment or `...`
        if isinstance(stmt, ast.Assert) and _always_true(stmt.test):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            name = call_name(module, stmt.value) or ""
            root = name.split(".", 1)[0]
            if name in {"print", "pprint.pprint", "traceback.print_exc", "warnings.warn"}:
                continue
            if root in LOGGING_ROOTS:
                continue
            if name in SKIPS:
                verdict = "skips"
                continue
        return None
    return verdict


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _always_true(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value) and node.value is not Ellipsis


def _fail_kind(module: TestModule, stmt: ast.stmt) -> str | None:
    """How a statement that always fails the test fails it: 'failed' (`pytest.fail`, which raises
    a BaseException), 'assertion' (`assert False`, `self.fail`, `raise AssertionError`); None
    otherwise."""
    if isinstance(stmt, ast.Raise):
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        name = (dotted_name(exc) or "").rsplit(".", 1)[-1] if exc is not None else ""
        # `raise Exception("dummy")` on purpose (to test error handling) is not a failure check
        return "assertion" if name == "AssertionError" else None
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and not stmt.test.value:
        return "assertion"
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        name = call_name(module, stmt.value) or ""
        if name in FAILS:
            return "failed"
        if name in {"self.fail", "cls.fail"}:
            return "assertion"
    return None


def _catches(handler: ast.ExceptHandler, kind: str) -> bool:
    """Whether the handler catches a failure of this kind."""
    names = _caught_names(handler)
    if names is None or "BaseException" in names:
        return True
    if kind == "failed":
        return False  # pytest's Failed is a BaseException
    return any(n in {"Exception", "AssertionError"} for n in names)


def _assertion_kind(api: str) -> str:
    return "failed" if api in {"pytest.fail", "pytest.raises", "pytest.warns",
                               "pytest.deprecated_call"} else "assertion"


def _caught_assertions(test: TestFunction, node: ast.Try, handler: ast.ExceptHandler) -> bool:
    for assertion in test.assertions:
        if assertion.node is test.node:
            continue
        if any(contains(stmt, assertion.node) for stmt in node.body) and _catches(
            handler, _assertion_kind(assertion.api)
        ):
            return True
    return False


def _only_cleanup(module: TestModule, stmts: list[ast.stmt]) -> bool:
    calls = [n for stmt in stmts for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    for call in calls:
        name = (call_name(module, call) or "").rsplit(".", 1)[-1]
        if name not in CLEANUP_CALLS:
            return False
    return True


def _checked_after(test: TestFunction, node: ast.AST) -> bool:
    """An assertion of the test comes after `node` (a retry loop's final check)."""
    end = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
    return any(
        (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)) > end for n in assertion_nodes(test)
    )


# errors that say the code is broken, not that the environment or the control flow is special;
# not AttributeError, which guards an API a dependency's older version lacks
# (`try: insp.clear_cache() except AttributeError: pass`)
BUG_ERRORS = frozenset(
    {"RuntimeError", "TypeError", "ValueError", "KeyError", "IndexError", "ZeroDivisionError"}
)


def _hides_a_bug(
    module: TestModule, test: TestFunction, node: ast.Try, handler: ast.ExceptHandler
) -> bool:
    """`try: unit.call() except RuntimeError: pass`, then assertions: the try holds one call,
    the handler drops an error that means a bug, and nothing (the test's name, a loop that
    retries) says the error is expected or tolerated."""
    names = _caught_names(handler)
    if not names or not all(n in BUG_ERRORS for n in names):
        return False
    if len(node.body) != 1 or node.orelse or node.finalbody:
        return False
    stmt = node.body[0]
    value = stmt.value if isinstance(stmt, ast.Expr | ast.Assign) else None
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call) or _only_cleanup(module, [stmt]):
        return False
    if EXPECTS_ERROR.search(test.name) or TOLERATES_ERROR.search(test.name):
        return False
    if any(isinstance(a, LOOPS) for a in test.ancestors(node)):
        return False
    return _checked_after(test, node)


def _handler_text(handler: ast.ExceptHandler) -> str:
    return "a bare except" if handler.type is None else f"except {ast.unparse(handler.type)}"


def _try_finding(module: TestModule, test: TestFunction, node: ast.Try) -> Swallowed | None:
    if any(_fail_kind(module, stmt) for stmt in node.orelse):
        return None  # `else: pytest.fail(...)`: the expect-an-error idiom
    last = _fail_kind(module, node.body[-1]) if node.body else None
    for handler in node.handlers:
        verdict = _swallows(module, handler.body)
        if verdict is None:
            continue
        if last is not None and _catches(handler, last):
            return Swallowed(
                handler,
                f"{_handler_text(handler)} also catches the failure raised at the end of the try, "
                "so this test cannot fail; use pytest.raises(..., match=...) instead",
                expected_error=False,
            )
        if last is None and _caught_assertions(test, node, handler):
            loop = next((a for a in test.ancestors(node) if isinstance(a, LOOPS)), None)
            if loop is not None and _checked_after(test, loop):
                continue  # a retry loop whose outcome is checked after it
            what = "turns a failing assertion into a skip" if verdict == "skips" else \
                "swallows the failing assertion"
            return Swallowed(
                handler,
                f"{_handler_text(handler)} {what}, so this test cannot fail; let the "
                "AssertionError reach pytest (catch only the error you expect, around its call)",
                expected_error=False,
            )
        if (
            last is None
            and verdict == "swallows"
            and test.assertions
            and _hides_a_bug(module, test, node, handler)
        ):
            return Swallowed(
                handler,
                f"{_handler_text(handler)} that passes hides a failure of the call it wraps: the "
                "test goes on and passes either way; let the error reach pytest, or expect it "
                "with pytest.raises(..., match=...)",
                expected_error=False,
            )
        if (
            last is None
            and verdict == "swallows"
            and not test.assertions
            and EXPECTS_ERROR.search(test.name)
            and not TOLERATES_ERROR.search(test.name)
            and not _only_cleanup(module, node.body)
        ):
            return Swallowed(
                handler,
                f"{_handler_text(handler)} that passes: the test is green whether the error is "
                "raised or not; use pytest.raises(..., match=...) around the call",
                expected_error=True,
            )
    return None


def _suppress_finding(module: TestModule, test: TestFunction,
                      node: ast.With | ast.AsyncWith) -> Swallowed | None:
    for item in node.items:
        expr = item.context_expr
        if not isinstance(expr, ast.Call):
            continue
        if call_name(module, expr) not in {"contextlib.suppress", "suppress"}:
            continue
        names = [(dotted_name(a) or "?").rsplit(".", 1)[-1] for a in expr.args]
        nodes = assertion_nodes(test)
        inside = any(contains(stmt, n) for stmt in node.body for n in nodes)
        if any(n in ASSERTION_CATCHERS for n in names) and inside:
            return Swallowed(
                expr,
                "suppress(...) around an assertion swallows its failure, so this test cannot "
                "fail; let the AssertionError reach pytest",
                expected_error=False,
            )
    return None


def swallowed_failures(module: TestModule, test: TestFunction) -> list[Swallowed]:
    """What this rule reports for one test (TL101 asks too, to leave these tests to it)."""
    found = []
    for node in _blocks_that_catch(test):
        result = None
        if isinstance(node, ast.Try):
            result = _try_finding(module, test, node)
        elif isinstance(node, ast.With | ast.AsyncWith):
            result = _suppress_finding(module, test, node)
        if result is not None:
            found.append(result)
    return found


_CATCHING = (ast.Try, ast.With, ast.AsyncWith)


def _blocks_that_catch(test: TestFunction) -> Sequence[ast.AST]:
    """The test's own `try` and `with` statements, in the order of `own_nodes`: read from the
    facts' index by type, and from `own_nodes` only when more than one type is present."""
    by_type = [found for found in (test.own_nodes_of(t) for t in _CATCHING) if found]
    if len(by_type) == 1:
        return by_type[0]
    if not by_type:
        return []
    return [node for node in own_nodes(test) if node.__class__ in _CATCHING]
