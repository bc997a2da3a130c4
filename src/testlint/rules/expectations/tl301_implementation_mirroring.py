"""Expected value computed by the same formula as the code under test.

## What it does

Finds assertions that compare the result of the code under test with an expected value that is
computed the way the implementation computes it. testlint resolves the call into the project,
takes the function's body, substitutes the test's arguments (and the defaults) for the
parameters, inlines its simple local variables and its module's private one-line helpers, renames
locals canonically, and compares the result with the test's expected expression (inline or
through a local such as `expected`). An exact match fires, and so does a near match (a
tree-based similarity above `similarity-threshold`) when the shared structure is more than a
constant or a bare name. Methods, properties and attributes of returned objects
(`summary.total_cents`) are covered.

Mirrors are also found by what the expected value *does*: a part of it that repeats one of the
unit's operations with the unit's own choices fires too. That is a call of the same library
function with the same keyword options (`json.dumps(data, sort_keys=True, indent=4)`), or the
same library call as the whole expected value (`statistics.stdev([...])`); the same
comprehension over the same source (`{s.title: s for s in DEFAULT_SECTIONS}`); the same f-string
template with the test's values in its holes; an explicit dunder call that is the unit's call
(`qty.__round__(2)`). The unit is reached through the test's imports (function-local ones too),
its fixtures (through conftest.py files and fixture chains) and `self.x` set in setup, and its
output includes the values it assigns on the way to its result and the attributes its
constructor sets (`parser.sections`). A literal, a parametrize column, a module's default
constant, a path joined from `tmp_path`, a hand formula or another library's function, a round
trip and anything the test passes in and the unit passes through are never a mirror.

## Why it matters

A test that writes the implementation's arithmetic again passes by construction: if the formula
is wrong, the expectation is wrong in the same way, and the test stays green through every bug
it was written to catch. This is the most common failure of tests written by reading the code.

## Example

```python
def discount(price, pct):
    return round(price * (1 - pct / 100), 2)


def test_discount():
    assert discount(80, 25) == round(80 * (1 - 25 / 100), 2)
```

## Use instead

```python
import pytest


def discount(price, pct):
    return round(price * (1 - pct / 100), 2)


@pytest.mark.parametrize(
    ("price", "pct", "expected"),
    [(80, 25, 60.0), (19.99, 10, 17.99), (100, 0, 100.0)],
)
def test_discount(price, pct, expected):
    assert discount(price, pct) == expected
```

## Rewrite guidance

Replace the re-computed expectation with an independent oracle: a literal worked out by hand or
taken from the specification, a table of worked examples (`pytest.mark.parametrize`), or a
property that holds whatever the formula (bounds, monotonicity, a round trip). Do not copy the
arithmetic of the function under test into the test.

## Options

- `similarity-threshold` (float, default 0.75): how similar (0 to 1, over normalised subtrees)
  an expected expression must be to one the implementation computes to count as a near match.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from testlint.facts import TestFunction, TestModule
from testlint.inference import Definition, FunctionSource, Inference, for_project
from testlint.mirror import (
    Candidate,
    Scope,
    Tree,
    compare,
    implementation_candidates,
    is_trivial,
    mask,
    normalise_test_expr,
    supplied_trees,
    test_scope,
    too_big,
)
from testlint.reach import links
from testlint.reach.received import received, stand_in, stand_in_scope
from testlint.rules.base import RuleContext
from testlint.signatures import has_candidate, mirrored
from testlint.undertest import (
    Equality,
    calls_in,
    code_under_test,
    equalities,
    follow,
    reached,
    unwrap_approx,
)
from testlint.unit_values import computed_trees

CODE = "TL301"
NAME = "implementation-mirroring"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"
NEEDS = frozenset({"inference"})


@dataclass(frozen=True)
class Options:
    similarity_threshold: float = 0.75


VALID = [
    """
def area(width, height):
    return width * height


def test_area():
    assert area(3, 4) == 12
""",
    """
def identity(value):
    return value


def test_identity(value=3):
    assert identity(value) == value
""",
    """
import json


def to_json(data):
    return json.dumps(data, sort_keys=True, indent=4)


def test_to_json_round_trip():
    data = {"b": 1, "a": 2}
    assert json.loads(to_json(data)) == data
""",
    """
def triangular(n):
    return n * (n + 1) // 2


def test_triangular_matches_counting():
    n = 10
    assert triangular(n) == sum(range(1, n + 1))
""",
]

INVALID = [
    """
def area(width, height):
    return width * height


def test_area():
    assert area(3, 4) == 3 * 4
""",
    """
import json


def to_json(data):
    return json.dumps(data, sort_keys=True, indent=4)


def test_to_json():
    data = {"b": 1, "a": 2}
    assert to_json(data) == json.dumps(data, indent=4, sort_keys=True)
""",
    """
def total(prices, tax):
    subtotal = sum(prices)
    return round(subtotal * (1 + tax), 2)


def test_total():
    items = [10, 20]
    expected = round(sum(items) * (1 + 0.2), 2)
    assert total(items, 0.2) == expected
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    inference = for_project(ctx.project)
    if not inference.can_reach_code:
        return  # no source roots with code: nothing in these tests resolves into a project
    threshold = ctx.options.similarity_threshold

    def is_project(name: str) -> bool:
        return inference.is_project_module(name.split(".", 1)[0])

    for test in module.tests:
        reported: set[int] = set()
        scope = None
        cheap = test_scope(None, module, test)
        for equality in equalities(module, test):
            hit = _received_mirror(inference, module, test, equality, is_project)
            if hit is not None:
                if id(hit[0]) not in reported:
                    reported.add(id(hit[0]))
                    ctx.report(hit[0], hit[1], test=test)
                continue
            if not _worth_resolving(cheap, module, test, equality, is_project):
                continue  # no formula on a side the code could answer: spare the resolution
            left = _unit(inference, module, test, equality.left)
            right = _unit(inference, module, test, equality.right)
            if (left is None) == (right is None):
                continue  # neither side, or both (a property or a self-derived expectation)
            actual = left if left is not None else right
            expected = equality.right if left is not None else equality.left
            assert actual is not None
            expected = unwrap_approx(module, expected)
            if any(
                (found := links.resolve_call(inference, module, test, call)) is not None
                and found.qualname == actual.definition.qualname
                for call in calls_in(test, expected)
            ):
                continue  # the expectation calls the same code: TL302's finding
            function = inference.function_source(actual.definition)
            if function is None or too_big(function):
                continue
            if scope is None:
                scope = test_scope(inference, module, test)
            found_tree = normalise_test_expr(scope, expected)
            if found_tree is None:
                continue
            message = _formula(inference, function, actual, scope, found_tree, threshold)
            if message is None:
                message = _operation(inference, function, actual, scope, found_tree, is_project)
            if message is None:
                continue
            where = follow(test, expected)
            if not isinstance(where, ast.expr) or getattr(where, "lineno", None) is None:
                where = expected
            if id(where) in reported:
                continue
            reported.add(id(where))
            ctx.report(where, message, test=test)


def _received_mirror(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    equality: Equality,
    is_project: Callable[[str], bool],
) -> tuple[ast.expr, str] | None:
    """An assertion inside the test's stand-in for a collaborator, on an argument the unit
    passes to it, against an expected value built the way the unit builds that argument."""
    for actual, expected in ((equality.left, equality.right), (equality.right, equality.left)):
        found = stand_in(test, actual)
        if found is None:
            continue
        function, position = found
        scope = stand_in_scope(test_scope(inference, module, test), function)
        tree = normalise_test_expr(scope, unwrap_approx(module, expected))
        if tree is None or not has_candidate(tree, is_project):
            continue
        result = received(inference, module, test, function, position, scope)
        if result is None:
            continue
        operation = mirrored(tree, result.trees, is_project)
        if operation is None:
            continue
        where = expected
        if isinstance(expected, ast.Name):
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == expected.id
                ):
                    where = node.value
        sender = result.sender
        return where, (
            f"expected value repeats the {operation.text} that {sender.qualname} uses for the "
            f"value it passes to `{result.attr}` ({sender.where()}), so it agrees with every "
            "bug there; use an independent oracle: a literal from the spec, a table of worked "
            "examples, or a property"
        )
    return None


@dataclass
class _Unit:
    """The code under test whose output one side of an equality is."""

    definition: Definition
    call: ast.Call | None
    receiver: ast.expr | None
    attr: str | None = None  # an attribute its constructor sets, read by the test


def _unit(
    inference: Inference, module: TestModule, test: TestFunction, side: ast.expr
) -> _Unit | None:
    found = reached(inference, module, test, side)
    if found is not None and code_under_test(found.definition):
        return _Unit(found.definition, found.call, found.receiver)
    node = follow(test, unwrap_approx(module, side))
    if not isinstance(node, ast.Attribute) or node.attr.startswith("_"):
        return None
    held = links.instance_class(inference, module, test, follow(test, node.value))
    if held is None:
        return None
    init = inference.resolve(f"{held.cls.qualname}.__init__")
    if init is None or not init.is_code_under_test or init.kind != "method":
        return None
    return _Unit(init, held.call, None, node.attr)


def _formula(
    inference: Inference,
    function: FunctionSource,
    actual: _Unit,
    scope: Scope,
    tree: Tree,
    threshold: float,
) -> str | None:
    """The expected expression re-computes one of the unit's expressions (whole, or nearly)."""
    if actual.attr is not None:
        return None
    candidates = implementation_candidates(
        inference, function, actual.call, actual.receiver, scope
    )
    supplied = supplied_trees(scope, actual.call, actual.receiver)
    masked = mask(tree, supplied)
    candidates = [Candidate(mask(c.tree, supplied), c.line) for c in candidates]
    match = compare(masked, candidates, threshold)
    if match is None:
        return None
    definition = actual.definition
    place = f"{definition.path.name}:{match.candidate.line}"
    how = (
        "re-computes"
        if match.score >= 1.0
        else (f"nearly re-computes ({round(match.score * 100)}% the same)")
    )
    return (
        f"expected value {how} {definition.qualname} ({place}), so it agrees with every "
        "bug there; use an independent oracle: a literal from the spec, a table of "
        "worked examples, or a property"
    )


def _operation(
    inference: Inference,
    function: FunctionSource,
    actual: _Unit,
    scope: Scope,
    tree: Tree,
    is_project: Callable[[str], bool],
) -> str | None:
    """The expected value repeats one of the unit's operations (a library call with its
    options, a comprehension, an f-string template, a dunder call)."""
    computed = computed_trees(
        inference, function, actual.call, actual.receiver, scope, actual.attr
    )
    # what the test hands over and the unit passes through is the test's own input, not an
    # operation of the unit (`restore(redact(text)) == text` with an f-string `text`)
    supplied = supplied_trees(scope, actual.call, actual.receiver)
    computed = [mask(t, supplied) for t in computed]
    operation = mirrored(mask(tree, supplied), computed, is_project)
    if operation is None:
        return None
    definition = actual.definition
    use = f"uses for `.{actual.attr}`" if actual.attr else "uses"
    return (
        f"expected value repeats the {operation.text} that {definition.qualname} {use} "
        f"({definition.where()}), so it agrees with every bug there; use an independent "
        "oracle: a literal from the spec, a table of worked examples, or a property"
    )


def _worth_resolving(
    scope: Scope,
    module: TestModule,
    test: TestFunction,
    equality: Equality,
    is_project: Callable[[str], bool],
) -> bool:
    """A side with a formula, facing a side that may be the code's answer: a call of a function
    or method (a lowercase name) or an attribute. Judged without resolving anything (resolution
    only renames leaves, so it never turns a trivial tree into a formula)."""
    for expected, actual in ((equality.right, equality.left), (equality.left, equality.right)):
        if not _may_answer(test, module, actual):
            continue
        tree = normalise_test_expr(scope, unwrap_approx(module, expected))
        if tree is not None and (not is_trivial(tree) or has_candidate(tree, is_project)):
            return True
    return False


def _may_answer(test: TestFunction, module: TestModule, side: ast.expr) -> bool:
    node = follow(test, unwrap_approx(module, side))
    if isinstance(node, ast.Attribute):
        return True  # a property, or a field of a returned object
    while isinstance(node, ast.Subscript):
        node = follow(test, node.value)
    if not isinstance(node, ast.Call):
        return isinstance(node, ast.Attribute)
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return bool(name) and (name[:1].islower() or name.startswith("_"))
