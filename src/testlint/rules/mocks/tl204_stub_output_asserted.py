"""The test stubs part of the code under test, then asserts the stub's own output.

## What it does

Flags an equality assertion whose expected value is exactly what the test itself made the code
return, so the project's logic never decides the outcome:

- **a canned value patched into the unit itself.** The test patches a member of the very class
  or object it then calls (`patch.object(ShellModule, "_encode_script", return_value="x")`,
  `mocker.patch.object(timers, "apply", return_value=10.0)`), or a function of the unit's own
  module (`patch("pkg.report.render", return_value="R")` and then `pkg.report.build()`), and
  asserts that the unit's result equals that same canned value.
- **an override written in the test.** The test defines a subclass of a project class, overrides
  a method in it, and asserts on the result of calling that very method
  (`class FakeMoney(Money): def round(self, n): return round(self.amount, n)` and then
  `assert FakeMoney(1.25).round(1) == 1.2`): the call runs the test's own code.

The receiver's class is found the way a reader finds it: a constructor call, a fixture's return
value, `self.x` set in setup. Patching a collaborator of another class or module and asserting
that the unit passes its answer through is not flagged, nor is a canned value the unit
transforms (`assert build() == f"type {x} | encoded"`), nor an override that calls
`super()`, nor a call of a method the test class inherits.

## Why it matters

The stub returns the expected value and the assertion compares it with itself. The test passes
whatever the unit does around the stub, including when that code is deleted: the shebang
handling of `build_module_command`, the summation of `total()`, pypara's own `round`. Generators
write this shape when the real code is hard to set up: they stub the difficult part and then
assert the stub.

## Example

```python
from unittest.mock import patch

from shell import ShellModule


def test_build_command():
    with patch.object(ShellModule, "_encode", return_value="encoded"):
        result = ShellModule().build_command("#!/bin/sh", "run")
    assert result == "encoded"
```

## Use instead

```python
from shell import ShellModule


def test_build_command():
    result = ShellModule().build_command("#!/bin/sh", "run")
    assert result == "sh -c run"
```

## Rewrite guidance

Call the real unit with inputs that reach the behaviour the test is named for, and expect a
value the unit computes (from the specification or a worked example). Patch only collaborators
at the process boundary, and when a canned value passes through, assert on what the unit adds
to it.

## Options

None.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from testlint.ast_shape import same
from testlint.facts import (
    Kind,
    TestFunction,
    TestModule,
    dotted_name,
    qualify,
    statements_besides_constants,
)
from testlint.rules.base import RuleContext

if TYPE_CHECKING:
    from testlint.reach.receivers import Receivers

CODE = "TL204"
NAME = "stub-output-asserted"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"
NEEDS = frozenset({"inference"})

VALID = [
    # a collaborator of another class is stubbed: the unit passing its answer through is the
    # behaviour under test
    """
from unittest.mock import patch

from shop.checkout import Checkout
from shop.gateway import Gateway


def test_checkout_returns_the_receipt():
    with patch.object(Gateway, "charge", return_value="r-1"):
        assert Checkout().pay(10) == "r-1"
""",
    # the canned value is transformed by the unit: the assertion checks what the unit adds
    """
from unittest.mock import patch

from shell import ShellModule


def test_build_command_wraps_the_script():
    with patch.object(ShellModule, "_encode", return_value="encoded"):
        result = ShellModule().build_command("#!powershell", "run")
    assert result == 'type "run.ps1" | encoded'
""",
    # the test subclass only fills in an abstract hook; the method called is inherited
    """
from money import Money


class FixedMoney(Money):
    def amount(self):
        return 5


def test_doubled():
    assert FixedMoney().doubled() == 10
""",
]

INVALID = [
    """
from unittest.mock import patch

from shell import ShellModule


def test_build_command():
    with patch.object(ShellModule, "_encode", return_value="encoded"):
        result = ShellModule().build_command("#!/bin/sh", "run")
    assert result == "encoded"
""",
    """
from money import Money


class FakeMoney(Money):
    def round(self, ndigits=0):
        return round(self.value, ndigits)


def test_round():
    money = FakeMoney()
    assert money.round(2) == 1.25
""",
]

PATCH_OBJECT_APIS = frozenset({"patch.object", "mocker.patch.object"})
PATCH_TARGET_APIS = frozenset({"patch", "mocker.patch"})


@dataclass(frozen=True)
class Stub:
    """A member the test replaced with a canned return value."""

    owner: ast.expr | None  # the patched object, for patch.object
    owner_name: str | None  # its dotted spelling, or the dotted target's owner for patch("a.b.m")
    attr: str
    canned: ast.expr


def check(ctx: RuleContext) -> None:
    module = ctx.module
    checker: _Checker | None = None
    overrides = _Overrides(module)
    for test in module.tests:
        stubs = _stubs(test)
        if not stubs and not (overrides and _constructs_overriding(test, overrides)):
            continue  # neither a stub nor an override of the module's own can be asserted
        for expected, call in _equalities(test):
            if checker is None:
                checker = _Checker(ctx)
            reason = checker.stubbed(test, stubs, expected, call) or _overridden(
                test, overrides, call
            )
            if reason:
                ctx.report(call, reason, test=test)


def _stubs(test: TestFunction) -> list[Stub]:
    found = []
    for patch in test.patches:
        call = patch.node
        if not isinstance(call, ast.Call):
            continue
        canned = next((k.value for k in call.keywords if k.arg == "return_value"), None)
        if canned is None or not _is_plain_value(canned):
            continue
        if patch.api in PATCH_OBJECT_APIS and len(call.args) >= 2:
            name = call.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append(Stub(call.args[0], dotted_name(call.args[0]), name.value, canned))
        elif patch.api in PATCH_TARGET_APIS and patch.target and "." in patch.target:
            owner, _, member = patch.target.rpartition(".")
            found.append(Stub(None, owner, member, canned))
    return found


def _is_plain_value(node: ast.expr) -> bool:
    """A literal (or a tuple/list of them): the value the assertion can repeat word for word."""
    if isinstance(node, ast.Constant):
        return node.value is not None and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return True
    if isinstance(node, ast.Tuple | ast.List):
        return bool(node.elts) and all(_is_plain_value(e) for e in node.elts)
    return False


def _equalities(test: TestFunction) -> list[tuple[ast.expr, ast.Call]]:
    """(expected, unit call) of each `==` assertion whose one side is a call of the test, or a
    name bound once to one."""
    bound = _single_call_bindings(test)
    pairs = []
    for assertion in test.assertions:
        if assertion.kind is not Kind.VALUE:
            continue
        for comparison in assertion.comparisons:
            if not isinstance(comparison.op, ast.Eq):
                continue
            for side, other in ((comparison.left, comparison.right),
                                (comparison.right, comparison.left)):
                call = _unwrapped(side)
                if isinstance(call, ast.Name):
                    call = _unwrapped(bound.get(call.id))
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                    pairs.append((other, call))
    return pairs


CONTAINERS = frozenset({"list", "tuple", "set", "sorted", "frozenset"})


def _unwrapped(node: ast.expr | None) -> ast.expr | None:
    """`list(service.queries(q))` -> the inner call: a container of the result is the result."""
    while (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
           and node.func.id in CONTAINERS and len(node.args) == 1 and not node.keywords):
        node = node.args[0]
    return node


def _single_call_bindings(test: TestFunction) -> dict[str, ast.Call]:
    return {name: value for name, value in test.bindings.items() if isinstance(value, ast.Call)}


class _Checker:
    """Whether the unit call's receiver is the very class, object or module a stub patched."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self._receivers: Receivers | None = None
        self._tried = False

    def receivers(self) -> Receivers | None:
        if not self._tried:
            self._tried = True
            from testlint.inference import for_project
            from testlint.reach.receivers import Receivers

            inference = for_project(self.ctx.project)
            if getattr(inference, "can_reach_code", False):
                module = self.ctx.module
                lookup = self.ctx.project.lookup_for(Path(module.path)) if module.path else None
                conftests = list(lookup.conftests) if lookup is not None else []
                self._receivers = Receivers(inference, module, conftests)
        return self._receivers

    def stubbed(self, test: TestFunction, stubs: list[Stub], expected: ast.expr,
                call: ast.Call) -> str | None:
        func = call.func
        assert isinstance(func, ast.Attribute)
        for stub in stubs:
            if stub.attr == func.attr:
                continue  # the unit itself is the stub: TL202's finding
            if not same(stub.canned, expected):
                continue
            if self._same_owner(test, stub, func.value):
                return (
                    f"`{stub.attr}` is stubbed to return {ast.unparse(stub.canned)} and the "
                    f"result of `{func.attr}` is compared with that same value: the assertion "
                    "checks the stub, not the unit; expect a value the unit itself computes"
                )
        return None

    def _same_owner(self, test: TestFunction, stub: Stub, receiver: ast.expr) -> bool:
        spelled = dotted_name(receiver)
        if stub.owner is not None and spelled is not None and spelled == stub.owner_name:
            return True  # patch.object(timers, "apply") and then timers.total()
        constructed = _constructed_class(test, receiver)
        if constructed is not None and stub.owner_name is not None and (
            stub.owner_name in {constructed, qualify(_constructed_func(test, receiver),
                                                     self.ctx.module.imports)}
        ):
            return True  # patch.object(Shell, "_encode") and then Shell().build()
        receivers = self.receivers()
        if receivers is None or stub.owner_name is None:
            return False
        found = receivers.of(test, receiver)
        if found is None:
            return False
        if stub.owner is not None:
            owner = receivers.resolve(test, stub.owner)
            return owner is not None and owner.qualname == found.cls.qualname
        return stub.owner_name in {found.cls.qualname, _spelled_qualname(found.cls)}


def _spelled_qualname(definition: object) -> str:
    module = getattr(definition, "module", "")
    name = getattr(definition, "name", "")
    return f"{module}.{name}"


class _Overrides:
    """Classes of the test module that subclass something: the methods each overrides (without
    those that call through with super()), read only for a class a test calls a method on."""

    def __init__(self, module: TestModule) -> None:
        self.classes = {
            node.name: node
            for node in module.tree.body
            if isinstance(node, ast.ClassDef) and node.bases and not node.decorator_list
            and not all(isinstance(b, ast.Name) and b.id == "object" for b in node.bases)
        }
        self._methods: dict[str, set[str]] = {}

    def __bool__(self) -> bool:
        return bool(self.classes)

    def of(self, name: str) -> set[str]:
        if name not in self._methods:
            node = self.classes.get(name)
            self._methods[name] = set() if node is None else {
                item.name
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and not item.name.startswith("__")
                and not _calls_super(item)
                and not _is_stub_body(item)
            }
        return self._methods[name]


def _calls_super(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
        for node in ast.walk(func)
    )


def _is_stub_body(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`pass`, `...` or a docstring: a placeholder, not a value the test relies on."""
    body = statements_besides_constants(func.body)
    return all(isinstance(s, ast.Pass) for s in body)


def _constructs_overriding(test: TestFunction, overrides: _Overrides) -> bool:
    """The test constructs (`Cls(...)`) a class of the module that overrides a method: without
    one no receiver of its calls is such a class (`_constructed_class`), so `_overridden` has
    nothing to say and the test's equalities need not be read."""
    return any(
        isinstance(call.func, ast.Name)
        and call.func.id in overrides.classes
        and bool(overrides.of(call.func.id))
        for call in test.nodes_of(ast.Call)
    )


def _overridden(test: TestFunction, overrides: _Overrides, call: ast.Call) -> str | None:
    func = call.func
    if not overrides or not isinstance(func, ast.Attribute):
        return None
    cls = _constructed_class(test, func.value)
    if cls is None or func.attr not in overrides.of(cls):
        return None
    return (
        f"`{func.attr}` runs the override that the test's own class `{cls}` defines, so the "
        "assertion checks the test's code, not the project's; call the project's method on a "
        "real instance"
    )


def _constructed_func(test: TestFunction, receiver: ast.expr) -> ast.expr:
    """`Cls` of a receiver that is `Cls(...)` or a name bound once to it in the test; else the
    receiver itself."""
    if isinstance(receiver, ast.Name):
        bound = _single_call_bindings(test).get(receiver.id)
        receiver = bound if bound is not None else receiver
    return receiver.func if isinstance(receiver, ast.Call) else receiver


def _constructed_class(test: TestFunction, receiver: ast.expr) -> str | None:
    """The spelling of `Cls` when the receiver is `Cls(...)` or a name bound once to it."""
    func = _constructed_func(test, receiver)
    return dotted_name(func) if func is not receiver else None
