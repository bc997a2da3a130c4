"""One test that patches or fakes more than a handful of things.

## What it does

Counts, for each test, the replacements and fakes it sets up itself, and flags the test when
the count exceeds `max-patches`. Counted, one each:

- `patch(...)`, `patch.object(...)` as a decorator (on the test or on its class), as a
  `with` block, or started with `.start()`; `patch.multiple(...)` counts once per attribute;
- `mocker.patch(...)`, `mocker.patch.object(...)`, `mocker.patch.multiple(...)`;
- `monkeypatch.setattr(...)`;
- a mock object built in the test body: `Mock()`, `MagicMock()`, `AsyncMock()`,
  `NonCallableMock()`, `PropertyMock()`, `create_autospec(...)`, `mock_open()`, and their
  `mocker.*` forms, `mocker.stub()`. A mock passed straight into a patch
  (`patch.object(x, "y", new=MagicMock())`) belongs to that patch and is not counted again.

Not counted: `mocker.spy` (it calls the real code); configuration rather than behaviour:
`patch.dict`, `monkeypatch.setitem` / `setenv` / `delenv` / `chdir`, and any patch or `setattr`
whose replacement is a plain constant (`monkeypatch.setattr(sys, "platform", "win32")`,
`patch("app.MAX_ROWS", 10)`); and mocks a fixture provides (they are set up once, elsewhere; a
fixture that patches five things is a design choice made once, not per test).

## Why it matters

A test with many patches exercises the script the mocks were given more than the code: each
patch fixes one collaborator's answer, and the assertion ends up checking that the code glues
those answers together in the order the test expected. Such tests break on every refactor and
pass through real bugs at every seam they mock. Generated tests often "mock everything the
function touches" this way.

## Example

```python
from unittest.mock import MagicMock, patch

from orders.service import place_order


@patch("orders.service.inventory")
@patch("orders.service.payments")
@patch("orders.service.mailer")
@patch("orders.service.audit")
def test_place_order(audit, mailer, payments, inventory):
    repo = MagicMock()
    place_order(repo, {"sku": "A1", "qty": 1})
    payments.charge.assert_called_once()
```

## Use instead

```python
from orders.fakes import FakePayments, InMemoryRepo
from orders.service import place_order


def test_place_order_charges_and_stores_the_order():
    repo, payments = InMemoryRepo(), FakePayments()
    order = place_order(repo, {"sku": "A1", "qty": 1}, payments=payments)
    assert payments.charged == [order.total_cents]
    assert repo.get(order.id).status == "placed"
```

## Rewrite guidance

Keep mocks at the process boundary (network, clock, payment provider) and use the real code,
or small in-memory fakes, for everything inside it. Split a test that needs many patches into
tests of smaller units, or move shared patches into one fixture that names the boundary it
replaces. Assert on outcomes (returned values, stored state), not on the sequence of mock calls.

## Options

- `max-patches` (int, default 4): the most patches and mocks one test may set up; a test with
  more is flagged.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import (
    MOCK_FACTORIES,
    MOCKER_FIXTURES,
    PATCH_CALLS,
    TestFunction,
    TestModule,
    dotted_name,
)
from testlint.rules.base import RuleContext
from testlint.source import may_spell

CODE = "TL203"
NAME = "over-mocking"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"


@dataclass(frozen=True)
class Options:
    max_patches: int = 4


VALID = [
    """
from unittest.mock import MagicMock, patch

@patch("orders.service.payments")
def test_place_order(payments):
    repo = MagicMock()
    order = place_order(repo, {"sku": "A1"})
    assert order.status == "placed"
""",
    """
def test_configuration(monkeypatch):
    monkeypatch.setenv("A", "1")
    monkeypatch.setenv("B", "1")
    monkeypatch.setitem(CONFIG, "c", 1)
    monkeypatch.setitem(CONFIG, "d", 1)
    monkeypatch.chdir("/tmp")
    assert load_config().a == "1"
""",
]

INVALID = [
    """
from unittest.mock import MagicMock, patch

@patch("orders.service.inventory")
@patch("orders.service.payments")
@patch("orders.service.mailer")
@patch("orders.service.audit")
def test_place_order(audit, mailer, payments, inventory):
    repo = MagicMock()
    place_order(repo, {"sku": "A1"})
    payments.charge.assert_called_once()
""",
    """
def test_everything(mocker, monkeypatch):
    mocker.patch("app.db")
    mocker.patch("app.cache")
    mocker.patch.object(App, "clock")
    monkeypatch.setattr("app.mail.send", lambda *a: None)
    client = mocker.MagicMock()
    assert App(client).run() == 0
""",
]

_MOCKER_MOCKS = frozenset(
    {
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "create_autospec",
        "mock_open",
        "stub",
        "async_stub",
    }
)
# keywords of patch.multiple that configure it rather than name a replaced attribute
_MULTIPLE_CONTROL = frozenset({"spec", "create", "spec_set", "autospec", "new_callable"})


def _patch_weight(node: ast.AST, api: str) -> int:
    if api.endswith("patch.multiple") and isinstance(node, ast.Call):
        return max(1, sum(1 for k in node.keywords if k.arg and k.arg not in _MULTIPLE_CONTROL))
    return 1


# the last name of every call `_is_mock_object` accepts through an attribute: a qualified name
# ends with the attribute the call spells last
_FINAL_NAMES = frozenset(
    {name.rsplit(".", 1)[1] for name in MOCK_FACTORIES - PATCH_CALLS} | _MOCKER_MOCKS
)


class _MockFactories:
    """Which calls of one module make a mock object: `MagicMock()`, `mock.create_autospec(...)`
    (a factory of unittest.mock reached through the module's imports) or `mocker.Mock()`.

    Read from the call itself, not from the test's call sites: a bare name is one only if it
    is imported as a factory, and a chain only if it ends in a factory's name and starts at an
    import that leads into unittest.mock, or at a mocker fixture. A module with neither such an
    import nor the word `mocker` anywhere makes none, and its calls are not looked at."""

    def __init__(self, module: TestModule) -> None:
        self.module = module
        factories = MOCK_FACTORIES - PATCH_CALLS
        self.names: set[str] = set()  # aliases that are a factory themselves
        roots: set[str] = set()  # aliases a chain can start from into a factory
        for alias in module.imports:
            qualified = module.qualname(ast.Name(id=alias)) or ""
            if qualified in factories:
                self.names.add(alias)
            if any(f.startswith(qualified + ".") for f in factories):
                roots.add(alias)
        self.roots = frozenset(roots)
        self.possible = bool(self.names or roots or may_spell(module.source.text, "mocker"))

    def made_by(self, call: ast.Call) -> bool:
        func = call.func
        if func.__class__ is ast.Name:
            return func.id in self.names
        if not isinstance(func, ast.Attribute) or func.attr not in _FINAL_NAMES:
            return False  # `pd.DataFrame(...)`, `tm.assert_frame_equal(...)`: the last name
        root: ast.expr = func
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return False
        name = root.id
        if name in self.roots:
            qualname = self.module.qualname(func)
            if qualname in MOCK_FACTORIES and qualname not in PATCH_CALLS:
                return True
        if name not in MOCKER_FIXTURES:
            return False
        _head, _, rest = (dotted_name(func) or "").partition(".")
        return rest in _MOCKER_MOCKS


def _replacement(node: ast.AST, api: str) -> ast.expr | None:
    """The value a patch puts in place, when the test gives one (`new`, setattr's value)."""
    if not isinstance(node, ast.Call):
        return None
    for keyword in node.keywords:
        if keyword.arg in {"new", "value"}:
            return keyword.value
    args = node.args
    if api == "monkeypatch.setattr":
        first_is_target = bool(args) and isinstance(args[0], ast.Constant)
        index = 1 if first_is_target else 2
    elif api.endswith("patch.object"):
        index = 2
    elif api.endswith("patch"):
        index = 1
    else:
        return None
    return args[index] if len(args) > index else None


def _is_setting(value: ast.expr | None) -> bool:
    """A plain value (`1`, `"linux"`, `None`, `-1.5`): configuration, not a fake behaviour."""
    while isinstance(value, ast.UnaryOp):
        value = value.operand
    return isinstance(value, ast.Constant)


def count_mocks(test: TestFunction, factories: _MockFactories) -> int:
    """Patches and mock objects the test sets up itself (see the rule's docs for what counts)."""
    count = 0
    inside_patches: set[int] = set()
    for patch in test.patches:
        node = patch.node
        if _is_setting(_replacement(node, patch.api)):
            continue
        if patch.api == "monkeypatch.setattr":
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "setattr"
            ):
                count += 1
            continue
        count += _patch_weight(node, patch.api)
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                inside_patches.update(id(sub) for sub in ast.walk(arg))
    if factories.possible:
        for call in test.nodes_of(ast.Call):
            if id(call) not in inside_patches and factories.made_by(call):
                count += 1
    return count


def check(ctx: RuleContext) -> None:
    limit = int(ctx.options.max_patches)
    factories = _MockFactories(ctx.module)
    for test in ctx.module.tests:
        count = count_mocks(test, factories)
        if count <= limit:
            continue
        ctx.report_name(
            test.node,
            f"{count} patches and mocks in one test (more than {limit}): it checks the script "
            "the mocks were given, not the code, and breaks on every refactor; keep mocks at "
            "the process boundary and use real collaborators or small fakes inside it",
            test=test,
        )
