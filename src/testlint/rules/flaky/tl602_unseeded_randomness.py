"""A random value or the current time feeds an assertion, with no seed and no frozen clock.

## What it does

Flags a call that returns a different value on every run, `random.*` (module-level functions),
NumPy's global `numpy.random.*` and an unseeded `numpy.random.default_rng()`/`RandomState()`,
`uuid.uuid1/uuid4`, `secrets.*`, `datetime.now/utcnow/today`, `date.today` and `time.time`, when
its value reaches an assertion of the test: directly, or through local variables and the calls
they are passed to.

Not flagged: a test that seeds (`random.seed(...)`, `np.random.seed(...)`, a seeded
`default_rng(42)`); clock reads in a test that freezes time (freezegun, time-machine, a `freezer`
fixture); round-trips, where one side of the comparison is the unpredictable value itself or data
built from it, or both sides derive from the same value (`key = uuid4(); item = store.create(key);
assert item.key == key`); two clock reads compared with a tolerance (`abs(a - b) < delta`, a test
of the clock itself); a unique id formatted into a name (`f"{uuid4()}.json"`, a temporary file
or table); and values that never reach an assertion.

## Why it matters

An assertion fed by an unseeded random value or by the wall clock checks a different case on each
run. It fails once in a while, for one input nobody can reproduce, or around midnight, at a
month's end, when daylight saving time changes. The team learns to press "re-run".

## Example

```python
import random
from datetime import date


def test_discount_applies(cart):
    quantity = random.randint(1, 100)
    cart.add("apple", quantity=quantity)
    assert cart.total_cents() == quantity * 50


def test_invoice_is_dated_today(billing):
    invoice = billing.issue()
    assert invoice.date == date.today()
```

## Use instead

```python
import pytest


@pytest.mark.parametrize("quantity", [1, 2, 99, 100])
def test_discount_applies(cart, quantity):
    cart.add("apple", quantity=quantity)
    assert cart.total_cents() == quantity * 50


@pytest.mark.freeze_time("2024-03-31")
def test_invoice_is_dated_today(billing):
    invoice = billing.issue()
    assert invoice.date.isoformat() == "2024-03-31"
```

## Rewrite guidance

Replace the random input by explicit cases (`parametrize`, boundaries included) or by Hypothesis,
which shrinks and replays failures; if randomness is needed, seed a local generator
(`random.Random(1234)`, `np.random.default_rng(1234)`). Freeze or inject the clock instead of
reading the real one, and assert against a fixed date.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import Assertion, TestFunction, TestModule
from testlint.rules._body import call_name, own_nodes
from testlint.rules.base import RuleContext

CODE = "TL602"
NAME = "unseeded-randomness"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"

VALID = [
    """
import random

def test_shuffle_keeps_items():
    random.seed(1234)
    items = [1, 2, 3]
    random.shuffle(items)
    assert sorted(items) == [1, 2, 3]
""",
    """
import uuid

def test_roundtrip(store):
    key = str(uuid.uuid4())
    item = store.create(key)
    assert item.key == key
""",
    """
from datetime import datetime
from freezegun import freeze_time

@freeze_time("2024-01-01")
def test_stamp():
    assert stamp() == datetime.now().isoformat()
""",
    """
import numpy as np

def test_mean():
    values = np.random.default_rng(2).standard_normal(100)
    assert abs(mean(values) - values.mean()) < 1e-9
""",
]

INVALID = [
    """
import random

def test_total(cart):
    quantity = random.randint(1, 100)
    cart.add("apple", quantity=quantity)
    assert cart.total_cents() == quantity * 50
""",
    """
from datetime import date

def test_dated_today(billing):
    assert billing.issue().date == date.today()
""",
    """
import numpy as np

def test_normalise():
    values = np.random.rand(10)
    assert normalise(values).max() == 1.0
""",
]

RANDOM_SAFE = frozenset({"seed", "Random", "SystemRandom", "getstate", "setstate"})
NUMPY_SAFE = frozenset(
    {"seed", "Generator", "BitGenerator", "PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64",
     "SeedSequence", "get_state", "set_state"}
)
UNSEEDED_IF_NO_ARGS = frozenset({"numpy.random.default_rng", "numpy.random.RandomState"})
CLOCKS = frozenset(
    {"datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today",
     "datetime.date.today", "time.time"}
)
UNIQUE = frozenset({"uuid.uuid1", "uuid.uuid4"})
FROZEN_CLOCK_MODULES = ("freezegun", "time_machine")
FROZEN_CLOCK_FIXTURES = frozenset({"freezer", "time_machine", "frozen_time", "mock_datetime"})


def source_kind(module: TestModule, call: ast.Call) -> str | None:
    """'random', 'clock' or 'unique' for a call whose value changes from run to run."""
    name = module.qualname(call.func)
    if name is None:
        return None
    if name.startswith("random."):
        return None if name.split(".", 1)[1] in RANDOM_SAFE else "random"
    if name.startswith("numpy.random."):
        if name in UNSEEDED_IF_NO_ARGS:
            return None if call.args or call.keywords else "random"
        return None if name.split(".")[2] in NUMPY_SAFE else "random"
    if name.startswith("secrets."):
        return "random"
    if name in CLOCKS:
        return "clock"
    if name in UNIQUE:
        return "unique"
    return None


def _seeded(module: TestModule, test: TestFunction) -> bool:
    for node in test.nodes:
        if isinstance(node, ast.Call) and (call_name(module, node) or "").endswith(".seed"):
            return True
    return "seed(" in module.source.text and any(
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and (call_name(module, stmt.value) or "").endswith(".seed")
        for stmt in module.tree.body
    )


def _frozen_clock(module: TestModule, test: TestFunction) -> bool:
    if any(q.split(".", 1)[0] in FROZEN_CLOCK_MODULES for q in module.imports.values()):
        return True
    if FROZEN_CLOCK_FIXTURES.intersection(test.params):
        return True
    return any("freeze" in d or "time_machine" in d for d in test.decorators)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _sides(expr: ast.AST) -> list[ast.AST]:
    """The compared operands: of `a == b`, or of `assertEqual(a, b)`/`assert_frame_equal(a, b)`."""
    if isinstance(expr, ast.Compare):
        return [expr.left, *expr.comparators]
    if isinstance(expr, ast.Call) and len(expr.args) >= 2:
        return list(expr.args[:2])
    return [expr]


def _bare(side: ast.AST) -> ast.AST:
    """`str(x)`, `x.hex` and `x` are all the value `x` itself."""
    if (
        isinstance(side, ast.Call)
        and isinstance(side.func, ast.Name)
        and side.func.id == "str"
        and len(side.args) == 1
    ):
        return _bare(side.args[0])
    if isinstance(side, ast.Attribute) and side.attr in {"hex", "int"}:
        return _bare(side.value)
    return side


class _Flow:
    """Which names carry which unpredictable value, following the test in source order."""

    def __init__(self, live: dict[int, tuple[ast.Call, str]]) -> None:
        self.live = live
        self.tainted: dict[str, set[int]] = {}
        self.raw: set[str] = set()  # names holding the value itself (`key = uuid4()`)

    def _is_raw(self, value: ast.AST) -> bool:
        """The value is an unpredictable call itself, or a method chain on it
        (`datetime.now(tz).replace(microsecond=0)`, `str(uuid4())`, `uuid4().hex`)."""
        value = _bare(value)
        while True:
            if id(value) in self.live:
                return True
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                value = value.func.value
            elif isinstance(value, ast.Attribute):
                value = value.value
            elif isinstance(value, ast.Name):
                return value.id in self.raw
            else:
                return False

    def carried(self, expr: ast.AST) -> set[int]:
        found: set[int] = set()
        stack = [expr]
        while stack:
            sub = stack.pop()
            if id(sub) in self.live:
                found.add(id(sub))
                continue
            if isinstance(sub, ast.Name) and sub.id in self.tainted:
                found |= self.tainted[sub.id]
            stack.extend(ast.iter_child_nodes(sub))
        # a unique id formatted into a name (`f"{uuid4()}.json"`, `str(uuid4())` in a path) names a
        # resource; it does not decide what the test checks
        if isinstance(expr, ast.JoinedStr | ast.BinOp):
            found = {k for k in found if self.live[k][1] != "unique"}
        return found

    def round_trip(self, side: ast.AST) -> bool:
        """One side of the comparison is the unpredictable value itself, or data built from random
        values (`expected = DataFrame({"id": [uuid4(), uuid4()]})`): what comes out must equal
        what went in, whatever it was. A clock value derived by computation is not (two clock
        reads race)."""
        bare = _bare(side)
        if not isinstance(bare, ast.Name) or bare.id not in self.tainted:
            return False
        if bare.id in self.raw:
            return True
        return all(self.live[k][1] != "clock" for k in self.tainted[bare.id])

    def assign(self, targets: list[ast.AST], value: ast.AST) -> None:
        carries = self.carried(value)
        if not carries and _shuffles(value):
            return  # a seeded shuffle in place leaves the list as predictable as it was
        raw = isinstance(value, ast.expr) and self._is_raw(value)
        for target in targets:
            for name in _names(target):
                self.raw.discard(name)
                if carries:
                    self.tainted[name] = set(carries)
                    if raw and isinstance(target, ast.Name):
                        self.raw.add(name)
                elif isinstance(target, ast.Name):
                    self.tainted.pop(name, None)  # rebound to something predictable


def _shuffles(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute | ast.Name)
        and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "shuffle"
        and bool(node.args)
    )


def _binding(node: ast.AST) -> tuple[list[ast.AST], ast.AST] | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _shuffles(node.value):
        return [node.value.args[0]], node.value  # `random.shuffle(items)` changes `items`
    if isinstance(node, ast.Assign):
        return list(node.targets), node.value
    if isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
        return [node.target], node.value
    if isinstance(node, ast.For | ast.AsyncFor):
        return [node.target], node.iter
    if isinstance(node, ast.withitem) and node.optional_vars is not None:
        return [node.optional_vars], node.context_expr
    if isinstance(node, ast.NamedExpr):
        return [node.target], node.value
    return None


def _clock_difference(module: TestModule, side: ast.AST, flow: _Flow) -> bool:
    """`abs(now_a - now_b) < delta`: two clock reads compared with a tolerance (a test of the
    clock itself), not a value that depends on when the test runs."""
    if not any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Sub) for n in ast.walk(side)):
        return False
    clocks = {k for k in flow.carried(side) if flow.live[k][1] == "clock"}
    for name in _names(side):
        if name not in flow.tainted:
            clocks.add(hash(name))  # another clock read the linter does not know by name
    return len(clocks) >= 2


SOURCE_MODULES = frozenset({"random", "numpy", "uuid", "secrets", "datetime", "time"})


def _in_source_order(test: TestFunction, assertions: dict[int, Assertion]) -> list[ast.AST]:
    """The bindings and assertions of the test, in the order they run (straight-line order)."""
    events: list[tuple[int, int, int, ast.AST]] = []
    for depth, node in enumerate(own_nodes(test)):
        if _binding(node) is None and id(node) not in assertions:
            continue
        anchor = node.context_expr if isinstance(node, ast.withitem) else node
        line = getattr(anchor, "lineno", 0)
        col = getattr(anchor, "col_offset", 0)
        events.append((line, col, depth, node))  # parents come first in own_nodes
    events.sort(key=lambda event: event[:3])
    return [event[3] for event in events]


def check(ctx: RuleContext) -> None:
    module = ctx.module
    # the names bound by imports from a source module: only a call rooted at one can be a source
    roots = {
        alias for alias, qualified in module.imports.items()
        if qualified.split(".", 1)[0] in SOURCE_MODULES
    }
    if not roots:
        return
    for test in module.tests:
        sources: dict[int, tuple[ast.Call, str]] = {}
        for call in test.nodes_of(ast.Call):
            # only a plain `a.b.c` chain has a qualified name (`source_kind` needs one)
            root = call.func
            while root.__class__ is ast.Attribute:
                root = root.value
            if root.__class__ is ast.Name and root.id in roots:
                kind = source_kind(module, call)
                if kind is not None:
                    sources[id(call)] = (call, kind)
        if not sources:
            continue
        own = own_nodes(test)
        if own is not test.nodes:  # the test nests a scope: its calls do not run in the test
            own_ids = {id(sub) for sub in own}
            sources = {key: value for key, value in sources.items() if key in own_ids}
            if not sources:
                continue
        seeded = _seeded(module, test)
        frozen = _frozen_clock(module, test)
        live = {
            key: value for key, value in sources.items()
            if not (value[1] == "random" and seeded) and not (value[1] == "clock" and frozen)
        }
        if not live:
            continue
        assertions = {id(a.node): a for a in test.assertions if a.node is not test.node}
        flow = _Flow(live)
        reported: set[int] = set()
        for node in _in_source_order(test, assertions):
            binding = _binding(node)
            if binding is not None:
                flow.assign(*binding)
            assertion = assertions.get(id(node))
            if assertion is None:
                continue
            expr = assertion.expr if assertion.expr is not None else assertion.node
            sides = _sides(expr)
            carried = [flow.carried(side) for side in sides]
            fed: set[int] = set().union(*carried)
            if not fed:
                continue
            if len(sides) > 1 and (
                set.intersection(*carried) or any(flow.round_trip(side) for side in sides)
            ):
                continue  # `assert got == key`: the value itself round-tripped
            if any(_clock_difference(module, side, flow) for side in sides):
                continue
            for key in sorted(fed - reported, key=lambda k: live[k][0].lineno):
                call, kind = live[key]
                reported.add(key)
                cure = (
                    "freeze the clock (freezegun, time-machine) or inject it"
                    if kind == "clock"
                    else "seed it or use explicit cases (parametrize, Hypothesis)"
                )
                what = "the current time" if kind == "clock" else "a random value"
                ctx.report(
                    call,
                    f"{ast.unparse(call.func)}() gives {what} that reaches the assertion on line "
                    f"{getattr(assertion.node, 'lineno', '?')}: the test checks a different case "
                    f"every run; {cure}",
                    test=test,
                )
