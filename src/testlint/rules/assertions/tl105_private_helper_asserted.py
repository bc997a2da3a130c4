"""Assertion on the output of a private helper of the code under test.

## What it does

Flags an assertion whose checked value is the result of a private (`_name`, not dunder)
function or method of the code under test: `assert _line_total(item) == 500`,
`assert cart._heaviest().name == "tea"`. The call is resolved into the project's source roots;
test helpers of the test suite itself (a `_make_cart()` in a test module or conftest) are not
the code under test and are never flagged. A private helper used to build the *expected* value
next to a public call is TL302's finding, not this one.

## Why it matters

Private helpers are the implementation's freedom: they are renamed, merged and split by every
refactoring, and a suite that pins them breaks on changes that keep the behaviour and says
nothing about the public contract users rely on. Tests written by reading the code tend to test
whatever functions they saw, private ones included.

## Example

```python
from billing.summary import _line_total


def test_line_total():
    assert _line_total(("tea", 250, 2)) == 500
```

## Use instead

```python
from billing.summary import build_summary


def test_summary_total():
    assert build_summary([("tea", 250, 2)]).total_cents == 500
```

## Rewrite guidance

Assert the same behaviour through the public function or method that uses the helper, with
inputs that exercise the helper's cases. If the helper carries logic worth testing on its own,
make it public (drop the underscore) and give it a documented contract.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import STDLIB_MODULES, TEST_SUPPORT_ROOTS, TestFunction, TestModule
from testlint.inference import Definition, Inference, for_project
from testlint.rules.base import RuleContext
from testlint.undertest import (
    Reached,
    actual_and_expected,
    equalities,
    names_something_private,
    reached,
)

CODE = "TL105"
NAME = "private-helper-asserted"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"
NEEDS = frozenset({"inference"})

VALID = [
    """
from billing.summary import build_summary


def test_total():
    assert build_summary([("tea", 250, 2)]).total_cents == 500
""",
    """
def _make_items():
    return [("tea", 250, 2)]


def test_items():
    assert _make_items()[0][0] == "tea"
""",
    """
from billing.summary import __version__


def test_version():
    assert __version__ == "1.0"
""",
]

INVALID = [
    """
from billing.summary import _line_total


def test_line_total():
    assert _line_total(("tea", 250, 2)) == 500
""",
]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    inference = for_project(ctx.project)
    if not inference.can_reach_code:
        return  # no source roots with code: nothing in these tests resolves into a project
    for test in module.tests:
        reported: set[int] = set()
        for node, definition in _asserted_private(inference, module, test):
            if id(node) in reported:
                continue
            reported.add(id(node))
            name = definition.qualname if definition is not None else _spelled(module, node)
            ctx.report(
                node,
                f"asserts on {name}, a private helper of the code under test: the test pins an "
                "implementation detail; assert the public function or method that uses it",
                test=test,
            )


def _asserted_private(
    inference: Inference, module: TestModule, test: TestFunction
) -> list[tuple[ast.AST, Definition | None]]:
    found: list[tuple[ast.AST, Definition | None]] = []
    compared: set[int] = set()
    for equality in equalities(module, test):
        compared.add(id(equality.assertion.node))
        actual, _expected = actual_and_expected(equality)
        if not names_something_private(test, actual):
            continue
        # TL105 keeps the import-only link until it is measured with fixtures and self.x
        result = reached(inference, module, test, actual, linked=False)
        hit = _private(inference, module, test, actual, result)
        if hit is not None:
            found.append(hit)
    for assertion in test.assertions:
        if id(assertion.node) in compared or assertion.expr is None:
            continue
        expr = assertion.expr
        while isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
            expr = expr.operand
        targets = [c.left for c in assertion.comparisons] or [expr]
        for target in targets:
            if not names_something_private(test, target):
                continue
            hit = _private(
                inference,
                module,
                test,
                target,
                reached(inference, module, test, target, linked=False),
            )
            if hit is not None:
                found.append(hit)
    return found


def _private(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    side: ast.expr,
    result: Reached | None,
) -> tuple[ast.AST, Definition | None] | None:
    if result is not None:
        definition = result.definition
        if (
            definition.is_code_under_test
            and definition.is_private
            and definition.kind in {"function", "method", "property"}
            and not (inference.snippet and definition.module == _snippet_key(module))
        ):
            return result.node, definition
        return None
    if not inference.snippet:
        return None
    # a snippet has no project: an imported private function of a non-test module, by spelling
    call = _spelled_call(module, side, private=True)
    return (call, None) if call is not None else None


def _spelled_call(module: TestModule, side: ast.expr, private: bool) -> ast.Call | None:
    """The call at the root of `side`, when it is an imported function of a non-test module
    that is private (or public, with `private=False`) by its name."""
    node = side
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    if not isinstance(node, ast.Call):
        return None
    name = module.qualname(node.func)
    if name is None or "." not in name:
        return None
    last = name.rsplit(".", 1)[-1]
    parts = name.split(".")
    if parts[0] in STDLIB_MODULES or parts[0] in TEST_SUPPORT_ROOTS:
        return None
    if any("test" in part for part in parts[:-1]):
        return None
    is_private = last.startswith("_") and not last.startswith("__") and last[1:2].islower()
    return node if is_private == private else None


def _snippet_key(module: TestModule) -> str:
    from pathlib import Path

    return Path(module.path).stem


def _spelled(module: TestModule, node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return module.qualname(node.func) or ast.unparse(node.func)
    return ast.unparse(node)
