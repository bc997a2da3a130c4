"""Expected value obtained by calling the code under test itself.

## What it does

Flags an equality whose expected side comes from the code under test: the same function (or
method) called again with the same arguments (`assert f(x) == f(x)`, `expected = f(x)` then
`assert f(x) == expected`), or a private helper of the module under test (`expected =
_total(items)` next to `assert summarize(items).total == expected`), or a project function
the unit itself calls to compute its answer, public or private (`expected =
parse_options(text, defaults=D)` when the method under test calls `parse_options`; the unit is
also found through the state it sets: `parser.configure(text)` then `parser.options`). The
test's fixtures, `self.x` set in setup and function-local imports count as links to the code.
A wrapper compared with the function it returns as it is (`attrs.asdict(i) == _asdict(i)`),
a round trip (`decode(encode(v)) == want_bytes(v)`) and a type-coercion helper applied to a
plain value (`to_text(path)`) stay silent. Calls with different
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

from testlint.facts import (
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    TestFunction,
    TestModule,
    dotted_name,
)
from testlint.facts.normal_form import normal_form
from testlint.inference import Definition, Inference, for_project
from testlint.reach import links
from testlint.rules.base import RuleContext
from testlint.undertest import (
    Equality,
    Reached,
    actual_and_expected,
    calls_in,
    equalities,
    follow,
    names_something_private,
    reached,
    unwrap_approx,
)
from testlint.unit_values import calls_helper, delegates_to

CODE = "TL302"
NAME = "expected-from-code-under-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"
NEEDS = frozenset({"inference"})

# a test named so is about calling twice and getting the same answer
DETERMINISM_WORDS = frozenset(
    {"same", "twice", "again", "pure", "stable", "cache", "cached", "caches", "caching", "memo"}
)
DETERMINISM_STEMS = ("determin", "idempot", "consisten", "repeat", "reproduc", "memoiz")


# a project's own `str()`: a helper that only converts a value's type (`to_text(path)`) builds
# the expected value the way a literal would, it computes nothing the unit could get wrong
COERCION = re.compile(
    r"_?(to|as|ensure|force|make)_(text|bytes|str|string|native|unicode|list|tuple|dict|int|"
    r"float|bool|path|set)$"
)


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
        reported: set[int] = set()
        for equality in equalities(module, test):
            found = (
                _same_call(inference, module, test, equality)
                or _private_helper(inference, module, test, equality)
                or _helper_the_unit_calls(inference, module, test, equality)
            )
            if found is None or _about_determinism(test.name):
                continue
            node, message = found
            if id(node) in reported:
                continue
            reported.add(id(node))
            ctx.report(node, message, test=test)


def _same_call(
    inference: Inference, module: TestModule, test: TestFunction, equality: Equality
) -> tuple[ast.AST, str] | None:
    """Both sides are the same call into the code under test, with the same arguments, made
    back to back (nothing that could change state or context in between)."""
    left = unwrap_approx(module, equality.left)
    right = unwrap_approx(module, equality.right)
    if left.__class__ not in _MAY_BE_CALL or right.__class__ not in _MAY_BE_CALL:
        return None  # `x == 5`: a literal side is no call, whatever the other one holds
    left = follow(test, left)
    right = follow(test, right)
    if not isinstance(left, ast.Call) or not isinstance(right, ast.Call) or left is right:
        return None
    if not _written_alike(test, left, right):
        return None
    if not _back_to_back(test, left, right, equality.assertion.node):
        return None
    left_def = links.resolve_call(inference, module, test, left)
    right_def = links.resolve_call(inference, module, test, right)
    if left_def is None or right_def is None:
        if inference.snippet and left_def is None and right_def is None:
            return _same_by_spelling(module, left, right)
        return None
    if left_def.qualname != right_def.qualname:
        return None
    if not left_def.is_code_under_test or left_def.kind not in {"function", "method"}:
        return None
    return right, _same_message(left_def.qualname, f" ({left_def.path.name}:{left_def.line})")


# what `follow` can turn into a call: a call, a local bound to one, an awaited call
_MAY_BE_CALL = frozenset({ast.Call, ast.Name, ast.Await})


def _same_message(name: str, where: str) -> str:
    return (
        f"expected value comes from calling {name}{where} again with the same arguments, so "
        "the assertion compares the code with itself; write the expected value independently "
        "(a literal from the spec, a worked example), or name a determinism check so"
    )


def _same_by_spelling(
    module: TestModule, left: ast.Call, right: ast.Call
) -> tuple[ast.AST, str] | None:
    """A snippet has no project: the same imported function, judged by its spelling."""
    name = module.qualname(left.func)
    if name is None or name != module.qualname(right.func):
        return None
    top = name.split(".", 1)[0]
    last = name.rsplit(".", 1)[-1]
    if top in STDLIB_MODULES or top in TEST_SUPPORT_ROOTS or "." not in name:
        return None
    if not last[:1].islower() and not last.startswith("_"):
        return None  # a class: `C(1) == C(1)` tests equality itself
    return right, _same_message(name, "")


def _written_alike(test: TestFunction, call: ast.Call, other: ast.Call) -> bool:
    """The two calls written alike, positions and contexts aside (`a` and `b` bound to equal
    values are two objects: `hash(a) == hash(b)` checks hashing, not the code against itself):
    equal normal forms (one test's renaming is one-to-one), after a look at their shape."""
    if (
        call.func.__class__ is not other.func.__class__
        or len(call.args) != len(other.args)
        or len(call.keywords) != len(other.keywords)
    ):
        return False
    spelled = dotted_name(call.func)
    if spelled is not None and spelled != dotted_name(other.func):
        return False  # another callee (the renaming is one-to-one, so the forms differ too)
    form = normal_form(test)
    return form.of(call) == form.of(other)


def _back_to_back(
    test: TestFunction, first: ast.Call, second: ast.Call, assertion: ast.AST
) -> bool:
    """The two calls and the assertion in one statement, or in simple top-level statements
    (not inside a `with`, a loop, a branch) with only assignments to names between them:
    nothing could change the inputs, the context or the results in between."""
    body = test.node.body
    spans = [(s.lineno, s.end_lineno or s.lineno) for s in body]

    def index(node: ast.AST) -> int | None:
        line = getattr(node, "lineno", 0)
        for number, (start, end) in enumerate(spans):
            if start <= line <= end:
                return number
        return None

    i, j, k = index(first), index(second), index(assertion)
    if i is None or j is None or k is None:
        return False
    if i == j == k:
        return True
    start, end = min(i, j, k), max(i, j, k)
    simple = (ast.Assign, ast.AnnAssign, ast.Assert, ast.Expr)
    if not all(isinstance(body[n], simple) for n in (i, j, k)):
        return False
    return all(_simple_assignment(stmt) for stmt in body[start + 1 : end])


def _simple_assignment(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assign):
        return all(isinstance(t, ast.Name) for t in stmt.targets)
    return isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)


def _private_helper(
    inference: Inference, module: TestModule, test: TestFunction, equality: Equality
) -> tuple[ast.AST, str] | None:
    """The actual side reaches the public code under test, the expected side calls a private
    helper of the same module."""
    if not inference.can_reach_code:
        return None
    actual_side, expected_side = actual_and_expected(equality)
    if not names_something_private(test, unwrap_approx(module, expected_side)):
        return None
    actual = reached(inference, module, test, actual_side)
    if actual is None or not actual.definition.is_code_under_test:
        return None
    if actual.definition.kind not in {"function", "method", "property"}:
        return None  # a constructor on this side is the expected value, not the code's answer
    if actual.definition.is_private:
        return None  # asserting on a private helper: TL105's concern
    for call in calls_in(test, unwrap_approx(module, expected_side)):
        helper = links.resolve_call(inference, module, test, call)
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


def _helper_the_unit_calls(
    inference: Inference, module: TestModule, test: TestFunction, equality: Equality
) -> tuple[ast.AST, str] | None:
    """The expected value is the result of a project function that the unit itself calls to
    compute its answer (public or private): `expected = parse_options(s, defaults=D)` next to a
    unit whose body calls `parse_options`. The unit is the code the actual side reaches, or the
    methods the test called on the object whose state the actual side reads."""
    if not inference.can_reach_code:
        return None
    actual_side, expected_side = actual_and_expected(equality)
    node = follow(test, unwrap_approx(module, expected_side))
    if not isinstance(node, ast.Call) or not _may_be_project_function(module, node):
        return None
    helper = links.resolve_call(inference, module, test, node)
    if (
        helper is None
        or not helper.is_code_under_test
        or helper.kind not in {"function", "method"}
        or (COERCION.match(helper.name) and not _computes(test, node))
    ):
        return None
    for unit in _units(inference, module, test, actual_side, equality.assertion.node):
        if unit.qualname == helper.qualname:
            continue
        function = inference.function_source(unit)
        if function is None:
            continue
        if delegates_to(inference, function, helper.qualname):
            continue  # a wrapper compared with what it wraps: its defaults are the point
        if calls_helper(inference, function, helper):
            return node, (
                f"expected value comes from {helper.qualname} ({helper.where()}), which "
                f"{unit.qualname} itself calls to compute its answer: when it is wrong both "
                "sides agree; write the expected value independently (a literal, a worked "
                "example)"
            )
    return None


def _may_be_project_function(module: TestModule, call: ast.Call) -> bool:
    """Judged by spelling before resolving anything: a function (lowercase), not a class, and
    not one of the standard library or the test tools."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not name or not (name[:1].islower() or name.startswith("_")):
        return False
    qualified = module.qualname(func)
    if qualified is None:
        return True  # a local, a fixture, `self.x`: the links may reach the project
    root = qualified.split(".", 1)[0]
    return root not in STDLIB_MODULES and root not in TEST_SUPPORT_ROOTS and root != "builtins"


def _computes(test: TestFunction, call: ast.Call) -> bool:
    """Whether a call's arguments compute something (hold a call), not only name a value."""
    return any(
        inner is not call for arg in [*call.args, *(k.value for k in call.keywords)]
        for inner in calls_in(test, arg)
    )


def _units(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    actual_side: ast.expr,
    assertion: ast.AST,
) -> list[Definition]:
    found = reached(inference, module, test, actual_side)
    if found is not None and found.definition.kind in {"function", "method", "property"}:
        if not found.definition.is_code_under_test or _round_trip(inference, module, test, found):
            return []
        return [found.definition]
    node = follow(test, unwrap_approx(module, actual_side))
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    line = getattr(assertion, "lineno", 0)
    return links.state_units(inference, module, test, node.id, line)


def _round_trip(
    inference: Inference, module: TestModule, test: TestFunction, found: Reached
) -> bool:
    """The unit's input is the output of other code under test (`decode(encode(v))`): the
    assertion is a round-trip property, and the expected side normalises the input."""
    if found.call is None:
        return False
    for arg in [*found.call.args, *(k.value for k in found.call.keywords)]:
        for call in calls_in(test, arg):
            other = links.resolve_call(inference, module, test, call)
            if other is not None and other.is_code_under_test and other.is_callable_code:
                return True
    return False
