"""A test with no assertion at all only proves that the code did not raise.

## What it does

Flags a test function that contains no assertion of any kind: no `assert` statement, no
`pytest.raises`/`pytest.warns`, no `self.assert*` call, no mock assertion, no `numpy.testing` or
`pandas.testing` assertion, and no call to a helper or fixture that asserts (a function named
`assert_*`/`check_*`/`verify_*`/`expect_*`, or one defined in the module, a conftest or a test
helper module whose body asserts). A `check_*`/`verify_*` call that resolves into the code under
test is read: a project function whose body neither asserts nor raises an AssertionError is the
unit being tested, not a helper of the test, and calling it asserts nothing (`check("master")`
of a CI module). Unresolved names keep the benefit of the doubt.

Tests that are skipped or expected to fail, Hypothesis `@given` tests (which check "never raises"
over many inputs on purpose) and benchmarks (pytest-benchmark's or pytest-codspeed's `benchmark`
fixture, or `@pytest.mark.benchmark` on the test, its class or the module) are not flagged, and
neither are
placeholder tests, which TL106 reports, and a test whose `try: ... except E: pass` expected an
error, which TL603 reports. A test that says it means "does not raise" is not flagged
either: its name says so (`test_..._does_not_raise`, `..._no_error`, `..._smoke`), or its docstring
or a comment does ("should not raise", "nothing happens", "no exception"), or it cites the issue
it is a regression test for (`# GH 1234`, `gh-1234`, `bpo-1234`, `issue #1234`). Such a
test is still flagged when it cannot fail at all: its whole body is an empty `with cm(...):`
block of a `@contextmanager` of the code under test that runs nothing around its `yield` (`with
ok(): pass`).

## Why it matters

A generated test that calls the code and checks nothing passes for every implementation that
returns without raising, including one that returns the wrong answer. It raises coverage and
proves nothing about behaviour: a reviewer sees a green test named after a feature and assumes
the feature is checked.

## Example

```python
from shop.cart import Cart


def test_add_item():
    cart = Cart()
    cart.add("apple", quantity=3)
```

## Use instead

```python
from shop.cart import Cart


def test_add_item():
    cart = Cart()
    cart.add("apple", quantity=3)
    assert cart.quantity("apple") == 3
```

## Rewrite guidance

Keep the arrangement and the call, then assert on the observable outcome the test's name
promises: the return value, the changed state, or the error raised
(`pytest.raises(..., match=...)`).
Choose expected values from the specification or worked examples, never by re-running the code.
If the test only means "does not raise", say so explicitly and keep it short.

## Options

None.
"""

from __future__ import annotations

import ast
import re

from testlint.cannot_fail import inert_with
from testlint.facts import TestFunction
from testlint.inference import Inference, for_project
from testlint.reach.helper_calls import asserts_nothing
from testlint.rules._placeholder import placeholder_reason
from testlint.rules._swallowed import swallowed_failures
from testlint.rules.base import RuleContext

CODE = "TL101"
NAME = "no-assertion"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
# reads the body of a `check*`/`verify*` call that resolves into the code under test
NEEDS = frozenset({"inference"})

VALID = [
    """
def test_total():
    assert total([1, 2]) == 3
""",
    """
import pytest

def test_rejects_negative():
    with pytest.raises(ValueError, match="negative"):
        total([-1])
""",
    """
def check_total(values, expected):
    assert total(values) == expected

def test_total_via_helper():
    check_total([1, 2], 3)
""",
    """
import unittest

class TestTotal(unittest.TestCase):
    def test_total(self):
        self.assertEqual(total([1, 2]), 3)
""",
    """
import pandas._testing as tm

def test_frame():
    tm.assert_frame_equal(make(), expected())
""",
    """
import pytest

@pytest.mark.skip(reason="needs network")
def test_later():
    fetch()
""",
]

INVALID = [
    """
def test_total():
    total([1, 2])
""",
    """
class TestCart:
    def test_add(self):
        cart = Cart()
        cart.add("apple")
""",
]

EXEMPT_DECORATORS = ("hypothesis.given",)

# "this test means: the call does not raise", said in the name ...
INTENT_NAME = re.compile(
    r"(no|not|doesnt|does_not|never|without)_(raise|raises|raising|error|errors|exception|crash"
    r"|crashes|fail|fails|failure|warn|warning|warnings)|smoke",
)
# ... or in the docstring or a comment, or by citing the issue it guards against
INTENT_TEXT = re.compile(
    r"(not|n't|never|no|nothing|without)\s+(\w+\s+){0,3}?(raise|raises|raised|raising|throw"
    r"|crash|crashes|fail|fails|error|errors|exception|exceptions|warn|warning|segfault|hang)\b"
    r"|nothing happens|smoke test|is accepted|are accepted|it works|it worked|just works"
    r"|\bGH[ -]?#?\d+|\bgh-?\d+|\bbpo-\d+|\bissue\s*#?\d+|#\d{3,}",
    re.IGNORECASE,
)


def declares_no_raise_intent(ctx: RuleContext, test: TestFunction) -> bool:
    if INTENT_NAME.search(test.name.lower()):
        return True
    docstring = ast.get_docstring(test.node, clean=False)
    if docstring and INTENT_TEXT.search(docstring):
        return True
    source = ctx.module.source
    end = test.node.end_lineno or test.node.lineno
    first = min([test.node.lineno, *(d.lineno for d in test.node.decorator_list)])
    comments = source.comments_in(first, end)
    above = source.line(first - 1)
    if "#" in above:  # a comment just above the test; where quotes make it unclear, tokenize all
        unclear = '"' in above or "'" in above
        more = source.comments if unclear else source.comments_in(first - 1, first - 1)
        comments = {**comments, **{n: c for n, c in more.items() if n == first - 1}}
    return any(INTENT_TEXT.search(text) for text in comments.values())


def check(ctx: RuleContext) -> None:
    inference: Inference | None = None
    prefixes = ctx.project.collection_rules.helper_prefixes
    for test in ctx.module.tests:
        if test.skips:
            continue
        if test.assertions:
            if not all(a.by_name for a in test.assertions):
                continue
            if inference is None:
                inference = for_project(ctx.project)
            if not all(
                asserts_nothing(inference, ctx.module, test, a, prefixes) for a in test.assertions
            ):
                continue  # a helper that asserts, or one whose body cannot be read
        if any(d in EXEMPT_DECORATORS for d in test.decorators):
            continue
        if test.benchmark:
            continue  # timed, not checked: pytest-benchmark / pytest-codspeed
        if placeholder_reason(ctx.module, test) is not None:
            continue  # TL106 reports it
        if any(s.expected_error for s in swallowed_failures(ctx.module, test)):
            continue  # TL603 reports it: `try: f() except E: pass` that expected an error
        if declares_no_raise_intent(ctx, test):
            if inference is None:
                inference = for_project(ctx.project)
            inert = inert_with(ctx.module, test, inference)
            if inert is not None:
                ctx.report_name(
                    test.node,
                    f"test cannot fail: its `with {inert}(...)` block is empty and `{inert}` runs "
                    "nothing around its `yield` that could raise; put the code under test in the "
                    "block and assert on what it does",
                    test=test,
                )
            continue
        units = [a.api.removeprefix("helper:") for a in test.assertions]
        because = (
            f" (`{units[0]}(...)` is the code under test, whose body asserts nothing, not an "
            "assertion helper)" if units else ""
        )
        ctx.report_name(
            test.node,
            f"test has no assertion{because}: it only proves the code does not raise; "
            "assert on the result or the changed state",
            test=test,
        )

