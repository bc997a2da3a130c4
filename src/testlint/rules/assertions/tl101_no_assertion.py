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
error, which TL603 reports.

A test that says it means "does not raise", a deliberate smoke test, is not flagged either: its
name says so (`test_..._does_not_raise`, `..._no_error`, `..._dont_fail`, `..._smoke`,
`..._works`, `..._ok`, `..._pass`, `test_doc_string`, `..._bug`), or its docstring or a comment
states what must work ("Instantiation works.", "The key validator can be None.", "It's
possible to subclass A and B at once", "# should work", "should not raise", "nothing happens"),
or the crash it
guards against ("# this used to core dump the parser", "would raise TypeError without
@consumer"), or cites the issue it is a regression test for (`# GH 1234`, `gh-1234`,
`bpo-1234`, `issue #1234`, an issues/pull URL). Vague claims ("works correctly", "works as
expected") state nothing, and a text that describes the test ("Test that login succeeds",
"# Check that the response is OK") says what it was meant to check, so neither counts; nor
does a name ending in `_success`, the way generators name the happy path.

A test named after a representation (`test_repr_*`, `TestSeriesRepr`, `test_plot_*`) that ends
by rendering what it built (`repr(df)`, `str(idx)`, `s.to_html()`, `df.plot(...)`) and a test
that only imports are smoke tests too. Such a test is
still flagged when it cannot fail at all: its whole body is an empty `with cm(...):` block of a
`@contextmanager` of the code under test that runs nothing around its `yield` (`with ok():
pass`).

A test checks something the assertion model does not see when it calls an assertion function
through a local (`for obj, comp in zip(objs, [tm.assert_series_equal, ...]): comp(...)`), runs
another test (`Base.test_scalar(self, ...)`), calls a `self.` method inherited from a test base
class in another module (unread, so given the benefit of the doubt), or checks a child
process's exit status (`subprocess.check_call`, `subprocess.run(..., check=True)`); those are not
flagged. An empty method of a subclass switches an inherited test off and is not flagged, and a
test whose only "check" is a comparison without `assert` is left to TL107, which explains it.

The message names the ways to say "does not raise" on purpose: a `_does_not_raise` name, a
docstring, or `# noqa: TL101`.

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

from testlint.cannot_fail import inert_with
from testlint.inference import Inference, for_project
from testlint.reach.helper_calls import asserts_nothing
from testlint.rules._placeholder import is_trivial, overrides_inherited_test, placeholder_reason
from testlint.rules._swallowed import swallowed_failures
from testlint.rules.base import RuleContext
from testlint.smoke import stated_intent, unseen_check
from testlint.unasserted import unasserted_comparisons

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
        if overrides_inherited_test(test) and all(is_trivial(s) for s in test.body):
            continue  # an empty method that switches an inherited test off
        if unasserted_comparisons(ctx.module, test):
            continue  # TL107 reports the comparison that lacks its `assert`
        if unseen_check(ctx.module, test) is not None:
            continue
        if any(s.expected_error for s in swallowed_failures(ctx.module, test)):
            continue  # TL603 reports it: `try: f() except E: pass` that expected an error
        if stated_intent(ctx.module, test):
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
            "assert on the result or the changed state (if not raising is the point, say so: a "
            "`_does_not_raise` name, a docstring, or `# noqa: TL101`)",
            test=test,
        )

