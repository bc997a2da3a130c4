"""A mock "assertion" that is not one: a misspelt method, a missing `assert_`, missing `()`.

## What it does

Flags three slips with `unittest.mock` assertions (also `mocker` objects, which are the same):

- a misspelt assertion method, `m.assert_called_once_wiht(...)`, `m.asert_called_with(...)`,
  `m.assert_caled()` (within two letters of a real one), and, on a name known to be a mock, an
  invented one such as `m.assert_called_twice()`;
- the method without its `assert_` prefix, `m.called_once_with(...)`, `assert
  m.called_once_with(...)`, `m.not_called()`;
- a real assertion method that is never called: `m.assert_called_once` as a statement, or `assert
  m.assert_called_once` (a bound method, always true).

Not flagged: the real API (`assert_called_once_with`, `assert_awaited`, `called`, `call_count`,
...), other libraries' own assertions on objects that are not mocks (`responses.assert_call_count`,
`respx` routes), and methods with these names on a receiver that is not a mock unless the name
is a near miss of a mock assertion.

## Why it matters

A `Mock` answers every attribute with a new `Mock`. `m.called_once_with(1)` creates and calls
one, returns it, and checks nothing; `assert m.called_once_with(1)` asserts a truthy object. Both
pass whatever the code under test did (Python 3.12 started raising `AttributeError` for some of
these; older versions and `unsafe=True` mocks stay silent). A misspelt `assert_*` name fails with
`AttributeError` at best, and checks nothing at worst. A test that only checks mocks (TL201) is
weak; one whose only mock check is a typo proves nothing at all.

## Example

```python
from unittest import mock


def test_sends_receipt(mailer: mock.Mock):
    checkout(cart(), mailer=mailer)
    mailer.send.called_once_with("ada@example.com")
    mailer.close.assert_called_once
```

## Use instead

```python
from unittest import mock


def test_sends_receipt(mailer: mock.Mock):
    checkout(cart(), mailer=mailer)
    mailer.send.assert_called_once_with("ada@example.com")
    mailer.close.assert_called_once()
```

## Rewrite guidance

Use the real assertion method, spelled exactly (`assert_called_once_with`,
`assert_called_with`, `assert_not_called`, `assert_has_calls`, `assert_awaited_once_with`, ...),
and call it. Build mocks with `create_autospec(...)` or `spec=`, so that a misspelt name fails at
once. Where the return value of the code under test can be checked, assert on it as well.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import MOCK_ASSERT_METHODS, TestFunction, root_name
from testlint.rules.base import RuleContext

CODE = "TL109"
NAME = "mock-assertion-typo"
DEFAULT_ENABLED = True
FIX = "none"

VALID = [
    """
from unittest import mock

def test_sends(mailer):
    m = mock.Mock()
    notify(m)
    m.send.assert_called_once_with("ada")
    assert m.send.called
    assert m.send.call_count == 1
""",
    """
import responses

@responses.activate
def test_fetch():
    responses.get("https://x.test/", json={})
    fetch()
    assert responses.assert_call_count("https://x.test/", 1)
""",
    """
def test_recorder(recorder):
    recorder.run()
    recorder.assert_called_in_order(["a", "b"])
""",
]

INVALID = [
    """
from unittest import mock

def test_sends():
    m = mock.Mock()
    notify(m)
    m.send.called_once_with("ada")
""",
    """
from unittest import mock

def test_sends():
    m = mock.Mock()
    notify(m)
    assert m.send.called_once_with("ada")
""",
    """
def test_sends(mailer):
    notify(mailer)
    mailer.send.assert_called_once_wiht("ada")
""",
    """
from unittest import mock

def test_sends():
    m = mock.Mock()
    notify(m)
    m.send.assert_called_once
""",
]

# `assert_called_once_with` without its prefix, which a Mock happily "calls"
STRIPPED = {
    name.removeprefix("assert_"): name
    for name in MOCK_ASSERT_METHODS
    if name not in {"assert_called", "assert_awaited"}  # `called`/`awaited` are real attributes
}
# stripped names too specific to mean anything else, whatever the receiver
SPECIFIC_STRIPPED = frozenset(
    {"called_once", "called_once_with", "called_with", "not_called", "awaited_once",
     "awaited_with", "awaited_once_with", "not_awaited"}
)
# every mock assertion, even misspelt, keeps one of these
MOCK_WORDS = ("cal", "awa", "has_", "any_", "not_")
ASSERT_PREFIXES = ("assert", "assret", "asert", "aseert", "assrt", "asset", "asssert")


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Levenshtein distance, giving up (limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _closest(name: str, candidates: dict[str, str] | frozenset[str]) -> str | None:
    best, best_distance = None, 3
    for candidate in candidates:
        distance = _distance(name, candidate)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


def _on_mock(test: TestFunction, node: ast.Attribute) -> bool:
    return root_name(node.value) in test.mock_names


def diagnose(test: TestFunction, attr: ast.Attribute, called: bool) -> str | None:
    """What is wrong with `receiver.<name>` used as a mock assertion, or None."""
    name = attr.attr
    if name in MOCK_ASSERT_METHODS:
        return None
    lowered = name.lower()
    if not any(part in lowered for part in MOCK_WORDS):
        return None  # `assert_frame_equal`, `assertEqual`: nothing like a mock assertion
    on_mock = _on_mock(test, attr)
    if name in STRIPPED and (name in SPECIFIC_STRIPPED or on_mock):
        real = STRIPPED[name]
        return (
            f"`.{name}(...)` is not a mock assertion: a Mock returns a new Mock and checks "
            f"nothing; call `.{real}(...)`"
        ) if called else (
            f"`.{name}` is not a mock attribute: a Mock creates it, always true; use "
            f"`.{real}(...)`"
        )
    if not called:
        return None
    lowered = name.lower()
    if not (lowered.startswith(ASSERT_PREFIXES) or "call" in lowered or "await" in lowered):
        return None  # the cheap test first: most method calls end here
    if lowered.startswith(ASSERT_PREFIXES) and len(name) >= 10:
        near = _closest(name, MOCK_ASSERT_METHODS)
        if near is not None:
            return (
                f"`.{name}` is a misspelt mock assertion (did you mean `.{near}`?): it errors, "
                "or on some mocks silently checks nothing"
            )
        if on_mock and ("call" in lowered or "await" in lowered):
            return (
                f"`.{name}` is not a mock assertion method: it errors, or on some mocks silently "
                "checks nothing; use assert_called_once_with / call_count / assert_has_calls"
            )
    stripped = _closest(name, frozenset(STRIPPED)) if len(name) >= 9 else None
    if stripped is not None and on_mock and ("call" in lowered or "await" in lowered):
        return (
            f"`.{name}(...)` is not a mock assertion: a Mock returns a new Mock and checks "
            f"nothing; call `.{STRIPPED[stripped]}(...)`"
        )
    return None


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        called_attrs: set[int] = set()
        for node in test.nodes_of(ast.Call):
            if isinstance(node.func, ast.Attribute):
                called_attrs.add(id(node.func))
                problem = diagnose(test, node.func, called=True)
                if problem is not None:
                    ctx.report(node, problem, test=test)
        for stmt in test.nodes_of(ast.Expr, ast.Assert):
            value = stmt.value if isinstance(stmt, ast.Expr) else stmt.test
            if not isinstance(value, ast.Attribute) or id(value) in called_attrs:
                continue
            if value.attr in MOCK_ASSERT_METHODS:
                ctx.report(
                    stmt,
                    f"`.{value.attr}` is never called, so it checks nothing; add `()`",
                    test=test,
                )
            elif isinstance(stmt, ast.Assert):
                problem = diagnose(test, value, called=False)
                if problem is not None:
                    ctx.report(stmt, problem, test=test)
