"""The test patches the very callable it then asserts on, so it checks the mock.

## What it does

Flags a call in a value assertion (or a call whose bound result an assertion reads) that goes
to a callable this same test has patched: `@patch("billing.discount")` and then
`assert billing.discount(100, 10) == 90`; `mocker.patch.object(Cart, "total", return_value=5)`
and then `assert Cart().total() == 5`; `monkeypatch.setattr(pricing, "quote", fake)` and then
`assert pricing.quote(3) == ...`. Patches come from decorators (on the test or its class),
`with patch(...)`, `patch(...).start()`, `mocker.patch*` and `monkeypatch.setattr`.

The call must reach the patched object at call time: through the patched module attribute
(`billing.discount(...)`), or for a patched class attribute, through the class or an instance of
it. A bare name imported before patching (`from billing import discount`) still holds the real
function, so it is not flagged here. Patching a collaborator (`billing.gateway.charge`) and
asserting on the unit (`billing.checkout(...)`) is the normal shape and is not flagged; nor is
`patch(..., wraps=real)`, which calls through to the real code, or a replacement that calls
through to the original the test kept (`original = billing.discount` before patching).

## Why it matters

The assertion compares the mock's configured return value with itself: `return_value=5`, then
`assert ... == 5`. It passes whatever the real code does, including when the code is deleted.
Such tests inflate coverage and give a false sense that the unit is checked; they are a common
shape in generated tests that "mock everything the function touches", including the function.

## Example

```python
from unittest.mock import patch

import billing


@patch("billing.discount", return_value=90)
def test_discount(mock_discount):
    assert billing.discount(100, 10) == 90
```

## Use instead

```python
from unittest.mock import patch

import billing


@patch("billing.gateway.charge", return_value={"status": "ok"})
def test_checkout_charges_discounted_price(charge):
    receipt = billing.checkout(price=100, discount_pct=10)
    assert receipt.total == 90
    charge.assert_called_once_with(90)
```

## Rewrite guidance

Remove the patch of the unit under test and call the real function; keep patches only for its
collaborators at the process boundary (network, clock, database). Choose expected values from
the specification, not from the mock's configured return value.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import Kind, Patch, TestFunction, TestModule, dotted_name
from testlint.rules.base import RuleContext

CODE = "TL202"
NAME = "mocked-unit-under-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
from unittest.mock import patch
import billing

@patch("billing.gateway.charge")
def test_checkout(charge):
    assert billing.checkout(100).total == 100
""",
    """
from unittest.mock import patch
from billing import discount

@patch("billing.discount")
def test_discount(mock_discount):
    assert discount(100, 10) == 90
""",
    """
def test_spy(mocker):
    mocker.patch.object(Cart, "total", wraps=Cart.total)
    assert Cart().total() == 0
""",
]

INVALID = [
    """
from unittest.mock import patch
import billing

@patch("billing.discount", return_value=90)
def test_discount(mock_discount):
    assert billing.discount(100, 10) == 90
""",
    """
from shop.cart import Cart

def test_total(mocker):
    mocker.patch.object(Cart, "total", return_value=5)
    assert Cart().total() == 5
""",
    """
import unittest
from unittest import mock
import pricing

class TestQuote(unittest.TestCase):
    def test_quote(self):
        with mock.patch.object(pricing, "quote", return_value=3):
            result = pricing.quote("apple")
        self.assertEqual(result, 3)
""",
]


def _calls_through(patch: Patch) -> bool:
    """`wraps=` (or mocker.spy-like patches) call the real code: asserting on them is fine."""
    node = patch.node
    return isinstance(node, ast.Call) and any(k.arg == "wraps" for k in node.keywords)


def _captured_originals(test: TestFunction, module: TestModule) -> set[str]:
    """Targets whose real object the test keeps (`original = billing.discount`) to call through
    from its replacement: asserting on the patched name then still reaches the real code."""
    found: set[str] = set()
    for sub in test.nodes:
        if isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Attribute):
            name = module.qualname(sub.value) or dotted_name(sub.value)
            if name:
                found.add(name)
    return found


def _value_assertion_spans(test: TestFunction) -> list[ast.AST]:
    return [a.node for a in test.assertions if a.kind in {Kind.VALUE, Kind.WEAK}]


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    start = (getattr(outer, "lineno", 0), getattr(outer, "col_offset", 0))
    end = (getattr(outer, "end_lineno", 0) or 0, getattr(outer, "end_col_offset", 0) or 0)
    here = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
    there = (getattr(node, "end_lineno", 0) or 0, getattr(node, "end_col_offset", 0) or 0)
    return start <= here and there <= end


def _reads(assertion: ast.AST, names: tuple[str, ...]) -> bool:
    return any(
        isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in names
        for sub in ast.walk(assertion)
    )


def _instances(test: TestFunction) -> dict[str, ast.Call]:
    """Names bound once, to a call (`cart = Cart()`), for `cart.total()`."""
    found: dict[str, ast.Call] = {}
    seen: dict[str, int] = {}
    for sub in test.nodes:
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            seen[sub.id] = seen.get(sub.id, 0) + 1
        if (
            isinstance(sub, ast.Assign)
            and len(sub.targets) == 1
            and isinstance(sub.targets[0], ast.Name)
            and isinstance(sub.value, ast.Call)
        ):
            found[sub.targets[0].id] = sub.value
    return {name: call for name, call in found.items() if seen.get(name) == 1}


def _spelled(module: TestModule, node: ast.AST) -> str | None:
    return module.qualname(node) or dotted_name(node)


def _patched_target(
    call: ast.Call, targets: dict[str, Patch], module: TestModule, instances: dict[str, ast.Call]
) -> str | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None  # a bare name bound before the patch still holds the real object
    qualified = module.qualname(func)
    if qualified in targets:
        return qualified
    spelled = dotted_name(func)
    if spelled in targets and spelled.split(".", 1)[0] not in module.imports:
        return spelled  # patch.object(local_obj, "method") and then local_obj.method()
    # a patched class attribute, reached through an instance: Cart().total(), cart.total()
    receiver = func.value
    if isinstance(receiver, ast.Name) and receiver.id in instances:
        receiver = instances[receiver.id]
    if isinstance(receiver, ast.Call):
        owner = _spelled(module, receiver.func)
        if owner and owner.rsplit(".", 1)[-1][:1].isupper():
            target = f"{owner}.{func.attr}"
            if target in targets:
                return target
    return None


def _with_blocks(test: TestFunction) -> dict[int, ast.AST]:
    """The `with` statement of each context-manager patch: the patch holds only inside it."""
    return {
        id(item.context_expr): node
        for node in test.nodes
        if isinstance(node, ast.With | ast.AsyncWith)
        for item in node.items
    }


def check(ctx: RuleContext) -> None:
    module = ctx.module
    for test in module.tests:
        targets = {p.target: p for p in test.patches if p.target and not _calls_through(p)}
        if targets:
            captured = _captured_originals(test, module)
            targets = {t: p for t, p in targets.items() if t not in captured}
        if not targets:
            continue
        blocks = _with_blocks(test)
        assertions = _value_assertion_spans(test)
        if not assertions:
            continue
        instances = _instances(test)
        for site in test.calls:
            asserted = any(_inside(site.node, a) for a in assertions)
            if not asserted and site.usage == "assigned" and site.bound:
                asserted = any(_reads(a, site.bound) for a in assertions)
            if not asserted:
                continue
            target = _patched_target(site.node, targets, module, instances)
            if target is None:
                continue
            block = blocks.get(id(targets[target].node))
            if block is not None and not _inside(site.node, block):
                continue  # called after the `with patch(...)` block: the real object again
            spelled = " ".join(module.source.segment(site.node.func).split()) or target
            where = f"`{spelled}`" if spelled == target else f"`{spelled}` (`{target}`)"
            ctx.report(
                site.node,
                f"{where} is patched by this test and then asserted on, so the assertion checks "
                "the mock's return value, not the code; call the real function and patch only "
                "its collaborators",
                test=test,
            )
            break
