"""Every assertion of the test sits in a branch or a loop that may not run.

## What it does

Flags a test whose assertions all sit inside an `if` branch, a loop over an iterable that may be
empty, a `while` loop, an `except` handler or a `match` case, so that no assertion runs on every
path through the test. Reported at the first assertion.

Counted as running on every path: an assertion directly in the body, in a `with` or `try` block,
in a loop over a non-empty literal (`for x in [1, 2]`, `range(3)`), in an `if` whose every branch
asserts (or skips, fails or raises), and an assertion a fixture carries. A test with an assertion
in a function defined inside it is left alone (it may be called on every path).

## Why it matters

`for row in result: assert row.valid` passes when `result` is empty, which is exactly what a
broken query returns. `if response.ok: assert response.json() == ...` passes when the request
fails. `try: f() except ValueError as e: assert "bad" in str(e)` passes when `f` raises nothing.
The test is green and checked nothing.

## Example

```python
def test_all_rows_valid(db):
    rows = db.fetch_orders(customer=7)
    for row in rows:
        assert row.total_cents > 0
```

## Use instead

```python
def test_all_rows_valid(db):
    rows = db.fetch_orders(customer=7)
    assert len(rows) == 3
    for row in rows:
        assert row.total_cents > 0
```

## Rewrite guidance

Assert the precondition that makes the branch or loop run (`assert rows`, `assert len(rows) ==
3`, `assert response.status_code == 200`) before the conditional assertions, or restructure so
that the outcome is asserted unconditionally. For an expected exception use
`pytest.raises(..., match=...)` instead of asserting inside `except`.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import TestFunction, TestModule
from testlint.rules._body import NESTED_SCOPES, call_name, contains, is_constant_true
from testlint.rules.base import RuleContext

CODE = "TL605"
NAME = "conditional-assertion"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"

VALID = [
    """
def test_rows(db):
    rows = db.fetch()
    assert len(rows) == 3
    for row in rows:
        assert row.valid
""",
    """
import sys

def test_separator():
    if sys.platform == "win32":
        assert sep() == "\\\\"
    else:
        assert sep() == "/"
""",
    """
def test_each_literal():
    for value in ["1", "22"]:
        assert parse(value) > 0
""",
    """
import pytest

def test_optional(backend):
    if backend.available:
        assert backend.ping() == "pong"
    else:
        pytest.skip("backend missing")
""",
]

INVALID = [
    """
def test_rows(db):
    for row in db.fetch():
        assert row.valid
""",
    """
def test_ok(client):
    response = client.get("/")
    if response.ok:
        assert response.json() == {"a": 1}
""",
    """
def test_error():
    try:
        parse("x")
    except ValueError as error:
        assert "x" in str(error)
""",
]

FAILS = frozenset({"pytest.fail", "self.fail"})
STOPS = FAILS | {"pytest.skip", "pytest.xfail", "self.skipTest"}
NON_EMPTY_WRAPPERS = frozenset({"enumerate", "sorted", "reversed", "list", "tuple", "zip"})


def _non_empty(expr: ast.expr) -> bool:
    """A loop over this iterable runs at least once."""
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return bool(expr.elts) and not any(isinstance(e, ast.Starred) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return bool(expr.keys)
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str | bytes):
        return bool(expr.value)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        name = expr.func.id
        if name == "range" and expr.args:
            values = [a.value if isinstance(a, ast.Constant) else None for a in expr.args]
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                ints = [v for v in values if isinstance(v, int)]
                return len(range(*ints)) > 0
            return False
        if name in NON_EMPTY_WRAPPERS and expr.args:
            return all(_non_empty(a) for a in expr.args)
    return False


class _Paths:
    """Does some assertion run on every path through a block?"""

    def __init__(self, module: TestModule, test: TestFunction, assertions: list[ast.AST]) -> None:
        self.module = module
        self.cls = test.cls
        self.assertions = assertions
        # locals bound once, to a literal: `cases = [(1, 2), (3, 4)]`; for x in cases
        bound: dict[str, list[ast.expr]] = {}  # (which value comes first does not matter)
        for node in test.nodes_of(
            ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor
        ):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        bound.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor) and (
                isinstance(node.target, ast.Name)
            ):
                bound.setdefault(node.target.id, []).append(ast.Constant(None))
        self.local_names = set(bound)
        self.local_literals = {
            name: _non_empty(values[0]) for name, values in bound.items() if len(values) == 1
        }

    def _holds(self, node: ast.AST) -> bool:
        return any(contains(node, a) for a in self.assertions)

    def _stops(self, stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Raise):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            return (call_name(self.module, stmt.value) or "") in STOPS
        return False

    def _fails(self, block: list[ast.stmt]) -> bool:
        last = block[-1] if block else None
        if isinstance(last, ast.Raise):
            return True
        if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
            return (call_name(self.module, last.value) or "") in FAILS
        return False

    def _iterates(self, expr: ast.expr) -> bool:
        """A loop over this runs at least once: a non-empty literal, or a name bound to one at
        module or class level (`for algo in self.ALGORITHMS`)."""
        if _non_empty(expr):
            return True
        name = None
        if isinstance(expr, ast.Name):
            name = expr.id
        elif (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and (
                expr.value.id in {"self", "cls"}
                or (self.cls is not None and expr.value.id == self.cls.name)
            )
        ):
            name = expr.attr
        if name is None:
            return (
                isinstance(expr, ast.Call)
                and isinstance(expr.func, ast.Name)
                and expr.func.id in NON_EMPTY_WRAPPERS
                and bool(expr.args)
                and all(self._iterates(a) for a in expr.args)
            )
        if isinstance(expr, ast.Name):
            if name in self.local_names:
                return self.local_literals.get(name, False)
            scopes = [self.module.tree.body]
        else:
            scopes = [self.cls.body] if self.cls is not None else []
        for body in scopes:
            for stmt in body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == name for t in stmt.targets
                ):
                    return _non_empty(stmt.value)
        return False

    def runs(self, block: list[ast.stmt]) -> bool:
        for stmt in block:
            if self._stops(stmt):
                return True  # the path ends in a skip or a failure: nothing passes silently
            if isinstance(stmt, NESTED_SCOPES):
                continue
            if isinstance(stmt, ast.If):
                if self._holds(stmt.test) or self._fails(stmt.body):
                    return True  # `if bad: pytest.fail(...)` checks `bad` on every path
                if stmt.orelse and self.runs(stmt.body) and self.runs(stmt.orelse):
                    return True
            elif isinstance(stmt, ast.For | ast.AsyncFor):
                if self._holds(stmt.iter):
                    return True
                if self._iterates(stmt.iter) and self.runs(stmt.body):
                    return True
            elif isinstance(stmt, ast.While):
                if self._holds(stmt.test):
                    return True
                if is_constant_true(stmt.test) and self.runs(stmt.body):
                    return True
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                if any(self._holds(item.context_expr) for item in stmt.items):
                    return True
                if self.runs(stmt.body):
                    return True
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                if self.runs(getattr(stmt, "body", [])) or self.runs(
                    getattr(stmt, "finalbody", [])
                ):
                    return True
            elif isinstance(stmt, ast.Match):
                if self._holds(stmt.subject):
                    return True
            elif self._holds(stmt):
                return True
        return False


def _where(test: TestFunction, node: ast.AST) -> str:
    found = _enclosing(test.node, node)
    for ancestor in found if found is not None else test.ancestors(node):
        if isinstance(ancestor, ast.If):
            return "an `if` branch"
        if isinstance(ancestor, ast.For | ast.AsyncFor):
            return "a loop that may not run"
        if isinstance(ancestor, ast.While):
            return "a `while` loop"
        if isinstance(ancestor, ast.ExceptHandler):
            return "an `except` handler"
        if isinstance(ancestor, ast.match_case):
            return "a `match` case"
    return "a branch"


def _enclosing(root: ast.AST, target: ast.AST) -> list[ast.AST] | None:
    """The nodes enclosing `target` under `root`, nearest first, ending with `root` (what
    `TestFunction.ancestors` gives), found by going down from `root` through the child whose
    span holds `target`, instead of mapping every node of the test to its parent. None when
    positions do not lead there (the caller then asks `ancestors`)."""
    path = [root]
    current = root
    while current is not target:
        following = None
        for child in ast.iter_child_nodes(current):
            if child is target:
                following = child
            elif getattr(child, "lineno", None) is None:  # withitem, match_case, arguments...
                if any(sub is target for sub in ast.walk(child)):
                    following = child
            elif contains(child, target):
                following = child
            if following is not None:
                break
        if following is None:
            return None
        path.append(following)
        current = following
    path.pop()  # the target itself
    path.reverse()
    return path


def _asserts_at_top_level(test: TestFunction, nodes: list[ast.AST]) -> bool:
    """An assertion is a statement of the test's body itself (`assert ...`, `m.assert_x()`,
    `x = self.assertRaises(...)`, `with pytest.raises(...)`)."""
    ids = {id(node) for node in nodes}
    for stmt in test.body:
        if id(stmt) in ids:
            return True
        cls = stmt.__class__
        if cls in _VALUE_STATEMENTS:
            if id(stmt.value) in ids:  # type: ignore[attr-defined]
                return True
        elif cls in _WITH_STATEMENTS and any(
            id(item.context_expr) in ids for item in stmt.items  # type: ignore[attr-defined]
        ):
            return True
    return False


_VALUE_STATEMENTS = frozenset({ast.Expr, ast.Assign, ast.AnnAssign})
_WITH_STATEMENTS = frozenset({ast.With, ast.AsyncWith})


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        if not test.assertions or any(a.node is test.node for a in test.assertions):
            continue  # no assertion (TL101), or a fixture asserts on every run
        if "hypothesis.given" in test.decorators:
            continue  # many generated examples: a loop empty in one runs in the next
        nodes = [a.node for a in test.assertions]
        if _asserts_at_top_level(test, nodes):
            continue  # the common case, decided without looking further
        if any(test.in_nested_scope(node) for node in nodes):
            continue
        if _Paths(ctx.module, test, nodes).runs(test.body):
            continue
        first = min(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        ctx.report(
            first,
            f"every assertion of this test is inside {_where(test, first)}: when it does not run "
            "the test passes having checked nothing; assert the precondition first "
            "(`assert rows`, `assert response.ok`)",
            test=test,
        )
