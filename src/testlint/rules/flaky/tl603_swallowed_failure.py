"""A `try` in a test whose `except` swallows the failure it should report.

## What it does

Flags a `try` statement in a test whose handler only passes, prints, logs, `continue`s,
`return`s or asserts something always true, in these shapes:

- the `try` body holds an assertion and the handler catches what a failing assertion raises
  (a bare `except:`, `Exception`, `BaseException` or `AssertionError`): the failure is caught
  and thrown away. A handler that calls `pytest.skip(...)` there turns the failure into a skip,
  and is flagged too. `with contextlib.suppress(...)` around an assertion is the same thing.
- the `try` body ends with a failure (`assert False`, `self.fail(...)`, `raise AssertionError`)
  that the handler catches too: the "expect an error" idiom, broken.
- the `try` body calls code and the handler passes, while the test asserts nothing anywhere and
  its name says an error is the expected outcome (`test_rejects_...`, `..._raises_...`,
  `..._invalid_...`): "it raises `ValueError`" was meant, but the test passes whether the error
  is raised or not. (A test that only tolerates an error while it smoke-tests many combinations
  is left to TL101.)
- the `try` body is one call to code, the handler passes on an error that means a bug
  (`RuntimeError`, `TypeError`, `ValueError`, `KeyError`, `IndexError`, `ZeroDivisionError`),
  and the test asserts after it: whether the call failed or not, the test goes on and passes.
  Not when the test's name says the error is expected or tolerated, nor in a retry loop, nor
  for `AttributeError`, the guard around an API that an older dependency lacks.

Not flagged: a handler that re-raises, fails (`pytest.fail`, `self.fail`, `raise AssertionError`),
asserts on the caught exception, or skips on a narrow error (`except ImportError:
pytest.skip(...)`); a `try` whose body ends in `pytest.fail(...)` or whose `else:` fails (the
classic "expect an error" idiom); cleanup that may fail (`os.remove`, `close`, `shutil.rmtree`,
...) in a test that asserts elsewhere; a swallowed error in a retry loop; and code in `finally:`.

## Why it matters

An `except Exception: pass` around an assertion makes the test unable to fail: the
`AssertionError` is caught like any other exception. A generated test that "handles errors
gracefully" this way reports green for every implementation. And `try: parse(bad) except
ValueError: pass` passes whether `parse` rejects the input or silently accepts it.

## Example

```python
def test_total_is_summed(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pass


def test_rejects_bad_quantity(cart):
    try:
        cart.add("apple", quantity=-1)
    except ValueError:
        pass
```

## Use instead

```python
import pytest


def test_total_is_summed(cart):
    assert cart.total() == 30


def test_rejects_bad_quantity(cart):
    with pytest.raises(ValueError, match="quantity must be positive"):
        cart.add("apple", quantity=-1)
```

## Rewrite guidance

Remove the `try`/`except` around assertions so that a failure reaches pytest. When an error is
the expected outcome, use `pytest.raises(SpecificError, match=...)` around the one call that
should raise. When the test must tolerate an environment problem, catch only that error and call
`pytest.skip(reason)` from the handler.

## Options

None.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from testlint.facts import TestFunction, TestModule, dotted_name
from testlint.rules._body import LOOPS, assertion_nodes, call_name, contains, own_nodes
from testlint.rules.base import RuleContext

CODE = "TL603"
NAME = "swallowed-failure"
DEFAULT_ENABLED = True
FIX = "none"

VALID = [
    """
import pytest

def test_rejects():
    with pytest.raises(ValueError, match="negative"):
        parse("-1")
""",
    """
import pytest

def test_optional_backend():
    try:
        import lxml
    except ImportError:
        pytest.skip("lxml not installed")
    assert render_with(lxml) == "<p/>"
""",
    """
import pytest

def test_timeout(client):
    try:
        client.get("/slow", timeout=0.1)
        pytest.fail("the request should time out")
    except TimeoutError:
        pass
""",
    """
def test_error_message():
    try:
        parse("-1")
    except ValueError as error:
        assert "negative" in str(error)
    else:
        raise AssertionError("parse accepted -1")
""",
    """
import os

def test_writes(tmp_path):
    path = write_report(tmp_path)
    assert path.read_text() == "ok"
    try:
        os.remove(path)
    except OSError:
        pass
""",
]

INVALID = [
    """
def test_total(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pass
""",
    """
def test_total(cart):
    try:
        assert cart.total() == 30
    except:
        print("total failed")
""",
    """
def test_rejects():
    try:
        parse("-1")
    except ValueError:
        pass
""",
    """
import contextlib

def test_total(cart):
    with contextlib.suppress(AssertionError):
        assert cart.total() == 30
""",
    """
import pytest

def test_total(cart):
    try:
        assert cart.total() == 30
    except Exception:
        pytest.skip("backend flaky")
""",
]

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
    for node in own_nodes(test):
        result = None
        if isinstance(node, ast.Try):
            result = _try_finding(module, test, node)
        elif isinstance(node, ast.With | ast.AsyncWith):
            result = _suppress_finding(module, test, node)
        if result is not None:
            found.append(result)
    return found


def check(ctx: RuleContext) -> None:
    if "try" not in ctx.source.text and "suppress" not in ctx.source.text:
        return
    for test in ctx.module.tests:
        for finding in swallowed_failures(ctx.module, test):
            ctx.report(finding.node, finding.message, test=test)
