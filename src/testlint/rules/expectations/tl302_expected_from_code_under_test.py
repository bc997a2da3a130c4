"""Expected value obtained by calling the code under test itself.

## What it does

Flags an equality whose expected side comes from the code under test: the same function (or
method) called again with the same arguments (`assert f(x) == f(x)`, `expected = f(x)` then
`assert f(x) == expected`), or a private helper of the module under test (`expected =
_total(items)` next to `assert summarize(items).total == expected`). Calls with different
arguments (`assert f(2 * x) == 2 * f(x)`, `assert normalize(normalize(s)) == normalize(s)`) are
properties and are left alone, as are classes compared with themselves (`C(1) == C(1)` tests
`__eq__`) and tests whose name says they check determinism or caching.

## Why it matters

An expectation produced by the code under test cannot disagree with it: the assertion compares
the function with itself and passes whatever the function returns, wrong answers included. A
private helper of the same module is the implementation too: when it is wrong, both sides are
wrong together.

## Example

```python
from billing.summary import build_summary


def test_summary():
    items = [("tea", 250, 2)]
    expected = build_summary(items)
    assert build_summary(items) == expected
```

## Use instead

```python
from billing.summary import build_summary


def test_summary():
    items = [("tea", 250, 2)]
    assert build_summary(items).total_cents == 500
```

## Rewrite guidance

Write the expected value without the code under test: a literal worked out from the
specification, a table of worked examples, or a property (a round trip, an invariant, a
comparison with a simpler independent implementation that lives in the test). Keep private
helpers of the module under test out of the expectation.

## Options

None.
"""

from __future__ import annotations

import ast
import re

from testlint.facts import STDLIB_MODULES, TEST_SUPPORT_ROOTS, TestFunction, TestModule
from testlint.inference import Definition, Inference, for_project
from testlint.mirror import Normaliser, TooBig, canonical, test_scope
from testlint.rules.base import RuleContext
from testlint.undertest import Equality, calls_in, equalities, follow, reached, unwrap_approx

CODE = "TL302"
NAME = "expected-from-code-under-test"
DEFAULT_ENABLED = True
FIX = "none"
NEEDS = frozenset({"inference"})

# a test named so is about calling twice and getting the same answer
DETERMINISM_WORDS = frozenset(
    {"same", "twice", "again", "pure", "stable", "cache", "cached", "caches", "caching", "memo"}
)
DETERMINISM_STEMS = ("determin", "idempot", "consisten", "repeat", "reproduc", "memoiz")


def _about_determinism(name: str) -> bool:
    words = re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name)
    return any(
        word.lower() in DETERMINISM_WORDS or word.lower().startswith(DETERMINISM_STEMS)
        for word in words
    )


VALID = [
    """
from billing.summary import normalize


def test_normalize_trims():
    once = normalize(" Tea ")
    assert normalize(once) == once
""",
    """
from billing.money import Money


def test_money_equality():
    assert Money(250) == Money(250)
""",
    """
from billing.summary import scale


def test_scale_is_linear():
    assert scale(2 * 3) == 2 * scale(3)
""",
    """
from billing.summary import checksum


def test_checksum_is_deterministic():
    assert checksum(b"abc") == checksum(b"abc")
""",
]

INVALID = [
    """
from billing.summary import build_summary


def test_summary():
    assert build_summary([1, 2]) == build_summary([1, 2])
""",
    """
from billing import summary


def test_total():
    result = summary.total([1, 2])
    expected = summary.total([1, 2])
    assert result == expected
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    inference = for_project(ctx.project)
    for test in module.tests:
        if _about_determinism(test.name):
            continue
        reported: set[int] = set()
        for equality in equalities(module, test):
            found = _same_call(inference, module, test, equality) or _private_helper(
                inference, module, test, equality
            )
            if found is None:
                continue
            node, message = found
            if id(node) in reported:
                continue
            reported.add(id(node))
            ctx.report(node, message, test=test)


def _same_call(
    inference: Inference, module: TestModule, test: TestFunction, equality: Equality
) -> tuple[ast.AST, str] | None:
    """Both sides are the same call into the code under test, with the same arguments."""
    left = follow(test, unwrap_approx(module, equality.left))
    right = follow(test, unwrap_approx(module, equality.right))
    if not isinstance(left, ast.Call) or not isinstance(right, ast.Call) or left is right:
        return None
    if inference.has_sources or inference.snippet:
        left_def = inference.resolve_call(module, test, left)
        right_def = inference.resolve_call(module, test, right)
        if left_def is None or right_def is None or left_def.qualname != right_def.qualname:
            return _same_unresolved(inference, module, test, left, right)
        if not left_def.is_code_under_test or left_def.kind not in {"function", "method"}:
            return None
        name = left_def.qualname
        where = f" ({left_def.path.name}:{left_def.line})"
    else:
        return _same_unresolved(inference, module, test, left, right)
    if not _same_arguments(inference, module, test, left, right):
        return None
    return right, (
        f"expected value comes from calling {name}{where} again with the same arguments, so "
        "the assertion compares the code with itself; write the expected value independently "
        "(a literal from the spec, a worked example)"
    )


def _same_unresolved(
    inference: Inference, module: TestModule, test: TestFunction, left: ast.Call, right: ast.Call
) -> tuple[ast.AST, str] | None:
    """Without a project to resolve into: the same imported function, judged by spelling."""
    if inference.has_sources:
        return None
    name = module.qualname(left.func)
    if name is None or name != module.qualname(right.func):
        return None
    top = name.split(".", 1)[0]
    last = name.rsplit(".", 1)[-1]
    if top in STDLIB_MODULES or top in TEST_SUPPORT_ROOTS or "." not in name:
        return None
    if not last[:1].islower() and not last.startswith("_"):
        return None  # a class: `C(1) == C(1)` tests equality itself
    if not _same_arguments(inference, module, test, left, right):
        return None
    return right, (
        f"expected value comes from calling {name} again with the same arguments, so the "
        "assertion compares the code with itself; write the expected value independently "
        "(a literal from the spec, a worked example)"
    )


def _same_arguments(
    inference: Inference, module: TestModule, test: TestFunction, left: ast.Call, right: ast.Call
) -> bool:
    scope = test_scope(inference, module, test)

    def shape(call: ast.Call) -> object:
        run = Normaliser()
        try:
            return canonical(run.expr(call, scope))
        except (TooBig, RecursionError):
            return object()

    return shape(left) == shape(right)


def _private_helper(
    inference: Inference, module: TestModule, test: TestFunction, equality: Equality
) -> tuple[ast.AST, str] | None:
    """One side reaches the code under test, the other calls a private helper of its module."""
    if not (inference.has_sources or inference.snippet):
        return None
    for actual_side, expected_side in (
        (equality.left, equality.right),
        (equality.right, equality.left),
    ):
        actual = reached(inference, module, test, actual_side)
        if actual is None or not actual.definition.is_code_under_test:
            continue
        if actual.definition.kind not in {"function", "method", "property"}:
            continue  # a constructor on this side is the expected value, not the code's answer
        if actual.definition.is_private:
            continue  # a private helper asserted against another: TL105's concern
        for call in calls_in(test, unwrap_approx(module, expected_side)):
            helper = inference.resolve_call(module, test, call)
            if helper is None or not _helper_of(helper, actual.definition):
                continue
            return call, (
                f"expected value comes from {helper.qualname}, a private helper of the code "
                f"under test ({helper.path.name}:{helper.line}): when it is wrong both sides "
                "agree; write the expected value independently (a literal, a worked example)"
            )
    return None


def _helper_of(helper: Definition, actual: Definition) -> bool:
    if not helper.is_code_under_test or not helper.is_private:
        return False
    if helper.kind not in {"function", "method"} or helper.qualname == actual.qualname:
        return False
    return helper.module == actual.module
