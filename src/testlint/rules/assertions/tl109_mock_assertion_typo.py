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
and call it. `testlint check --fix --unsafe-fixes` does it where the cure is certain: it adds the
missing `()` (dropping an `assert` in front of the bound method), and renames a misspelt or
prefix-less method when exactly one real method is that close (dropping an `assert` in front of
the call, as the real method returns None). It is unsafe because the test can fail afterwards,
which is the point; a name close to several methods, or to none, is left to you. Build mocks
with `create_autospec(...)` or `spec=`, so that a misspelt name fails at once. Where the return
value of the code under test can be checked, assert on it as well.

## Options

None.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from testlint.facts import MOCK_ASSERT_METHODS, TestFunction, root_name
from testlint.finding import Edit, Fix
from testlint.rules.base import RuleContext

CODE = "TL109"
NAME = "mock-assertion-typo"
DEFAULT_ENABLED = True
FIX = "unsafe"
LEVEL = "error"

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
_MOCK_WORD = re.compile("|".join(re.escape(part) for part in MOCK_WORDS))
# method name -> whether it may be a misspelt mock assertion (not a real one, keeps a mock
# word): a suite calls the same few thousand method names over and over
_MAY_BE_MISSPELT: dict[str, bool] = {}


def _may_be_misspelt(attr: str) -> bool:
    if len(_MAY_BE_MISSPELT) > 100_000:  # a long-lived process (the language server)
        _MAY_BE_MISSPELT.clear()
    verdict = _MAY_BE_MISSPELT[attr] = (
        attr not in MOCK_ASSERT_METHODS and _MOCK_WORD.search(attr.lower()) is not None
    )
    return verdict


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


def _closest(name: str, candidates: dict[str, str] | frozenset[str]) -> list[str]:
    """The candidates nearest to `name` (within two edits), sorted; several when tied."""
    best: list[str] = []
    best_distance = 3
    for candidate in candidates:
        distance = _distance(name, candidate)
        if distance < best_distance:
            best, best_distance = [candidate], distance
        elif distance == best_distance and distance < 3:
            best.append(candidate)
    return sorted(best)


def _on_mock(test: TestFunction, node: ast.Attribute) -> bool:
    return root_name(node.value) in test.mock_names


# real methods a prefix-less attribute can become with a bare `()`: they take no arguments
NO_ARGUMENTS = frozenset(
    {"assert_called_once", "assert_not_called", "assert_awaited_once", "assert_not_awaited"}
)


@dataclass(frozen=True)
class Problem:
    message: str
    rename: str | None = None  # the one real method meant, when the message names exactly one


def _alternatives(names: list[str], suffix: str = "") -> str:
    return " or ".join(f"`.{n}{suffix}`" for n in names)


def diagnose(test: TestFunction, attr: ast.Attribute, called: bool) -> Problem | None:
    """What is wrong with `receiver.<name>` used as a mock assertion, or None."""
    name = attr.attr
    if name in MOCK_ASSERT_METHODS:
        return None
    lowered = name.lower()
    if not _MOCK_WORD.search(lowered):
        return None  # `assert_frame_equal`, `assertEqual`: nothing like a mock assertion
    on_mock = _on_mock(test, attr)
    if name in STRIPPED and (name in SPECIFIC_STRIPPED or on_mock):
        real = STRIPPED[name]
        if called:
            return Problem(
                f"`.{name}(...)` is not a mock assertion: a Mock returns a new Mock and checks "
                f"nothing; call `.{real}(...)`",
                real,
            )
        return Problem(
            f"`.{name}` is not a mock attribute: a Mock creates it, always true; use "
            f"`.{real}(...)`",
            real if real in NO_ARGUMENTS else None,
        )
    if not called:
        return None
    lowered = name.lower()
    if not (lowered.startswith(ASSERT_PREFIXES) or "call" in lowered or "await" in lowered):
        return None  # the cheap test first: most method calls end here
    if lowered.startswith(ASSERT_PREFIXES) and len(name) >= 10:
        near = _closest(name, MOCK_ASSERT_METHODS)
        if near:
            return Problem(
                f"`.{name}` is a misspelt mock assertion (did you mean {_alternatives(near)}?): "
                "it errors, or on some mocks silently checks nothing",
                near[0] if len(near) == 1 else None,
            )
        if on_mock and ("call" in lowered or "await" in lowered):
            return Problem(
                f"`.{name}` is not a mock assertion method: it errors, or on some mocks silently "
                "checks nothing; use assert_called_once_with / call_count / assert_has_calls"
            )
    stripped = _closest(name, frozenset(STRIPPED)) if len(name) >= 9 else []
    if stripped and on_mock and ("call" in lowered or "await" in lowered):
        reals = sorted({STRIPPED[n] for n in stripped})
        return Problem(
            f"`.{name}(...)` is not a mock assertion: a Mock returns a new Mock and checks "
            f"nothing; call {_alternatives(reals, '(...)')}",
            reals[0] if len(reals) == 1 else None,
        )
    return None


def check(ctx: RuleContext) -> None:
    for test in ctx.module.tests:
        statements = test.nodes_of(ast.Expr, ast.Assert)
        for node in test.nodes_of(ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                verdict = _MAY_BE_MISSPELT.get(func.attr)
                if not (_may_be_misspelt(func.attr) if verdict is None else verdict):
                    continue  # `diagnose`'s first answer, without the call
                problem = diagnose(test, func, called=True)
                if problem is not None:
                    fix = None
                    if problem.rename is not None:
                        fix = _fix(ctx, func, problem.rename, _owner(statements, node))
                    ctx.report(node, problem.message, test=test, fix=fix)
        for stmt in statements:
            # an attribute that is a statement's whole expression is no call's callee (a node
            # has one parent): `m.assert_called_once` written without `()`
            value = stmt.value if isinstance(stmt, ast.Expr) else stmt.test
            if not isinstance(value, ast.Attribute):
                continue
            if value.attr in MOCK_ASSERT_METHODS:
                message = f"`.{value.attr}` is never called, so it checks nothing; add `()`"
                if isinstance(stmt, ast.Assert):
                    message = (
                        f"`.{value.attr}` is never called: `assert` on the bound method is always "
                        "true, so it checks nothing; drop `assert` and add `()`"
                    )
                fix = _fix(ctx, value, value.attr, stmt, call=True)
                ctx.report(stmt, message, test=test, fix=fix)
            elif isinstance(stmt, ast.Assert):
                problem = diagnose(test, value, called=False)
                if problem is not None:
                    fix = None
                    if problem.rename is not None:
                        fix = _fix(ctx, value, problem.rename, stmt, call=True)
                    ctx.report(stmt, problem.message, test=test, fix=fix)


def _owner(statements: list[ast.Expr | ast.Assert], node: ast.AST) -> ast.stmt | None:
    """The statement whose whole expression is `node` (`m.x()` or `assert m.x()`), if any."""
    for stmt in statements:
        if (stmt.value if isinstance(stmt, ast.Expr) else stmt.test) is node:
            return stmt
    return None


def _fix(
    ctx: RuleContext,
    attr: ast.Attribute,
    name: str,
    owner: ast.stmt | None,
    *,
    call: bool = False,
) -> Fix | None:
    """Edits that make `receiver.<attr>` the real assertion `receiver.<name>`, called (`call`
    adds `()`). When the assertion is the whole test of an `assert`, the `assert` goes too: the
    real method returns None, so `assert m.assert_called_once()` would always fail."""
    source = ctx.module.source
    line, byte_end = attr.end_lineno, attr.end_col_offset
    if line is None or byte_end is None:
        return None
    end = source.char_col(line, byte_end) + 1
    start = end - len(attr.attr)
    if source.line(line)[start - 1 : end - 1] != attr.attr:
        return None  # written differently from its normalised name (NFKC): leave it
    edits: list[Edit] = []
    parts: list[str] = []
    if isinstance(owner, ast.Assert):
        if owner.msg is not None:
            return None  # `assert m.x, "why"`: where would the message go?
        first = source.char_col(owner.lineno, owner.col_offset)
        value_line = owner.test.lineno
        value_col = source.char_col(value_line, owner.test.col_offset)
        between = source.line(owner.lineno)[first:value_col]
        if value_line != owner.lineno or between.rstrip() != "assert" or not between[6:]:
            return None  # `assert (m.x)`, or split over lines
        edits.append(Edit(owner.lineno, first + 1, value_line, value_col + 1, ""))
        parts.append("drop `assert`")
    if name != attr.attr:
        edits.append(Edit(line, start, line, end, name))
        parts.append(f"rename `.{attr.attr}` to `.{name}`")
    if call:
        edits.append(Edit(line, end, line, end, "()"))
        parts.append("add `()`")
    if not edits:
        return None
    return Fix(description=", ".join(parts), edits=tuple(edits), safe=False)
