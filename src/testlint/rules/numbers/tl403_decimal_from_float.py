"""`Decimal` built from a binary float, with the float's error already inside it.

## What it does

Flags `Decimal(x)` anywhere in a test file (tests, fixtures, helpers, module constants) when
`x` is a float: a float literal that no float holds exactly (`Decimal(19.99)`), float
arithmetic (`Decimal(price * 1.2)`, `Decimal(cents / 100)`), `float(...)`, a name bound only to
one of those in the same function or at module level, a parameter annotated `float`, or a
`parametrize` argument whose table holds such literals. `Decimal` is recognised through any
import (`from decimal import Decimal as D`, `import decimal; decimal.Decimal`).

Never flagged: `Decimal("19.99")`, `Decimal(1999) / 100`, `Decimal(an_int)`, literals a float
holds exactly (`Decimal(0.5)`, `Decimal(2.0)`), `Decimal(float("nan"))` and infinities, and the
explicit `Decimal.from_float(...)`.

## Why it matters

`Decimal(19.99)` is `Decimal("19.989999999999998436805981327779591083526611328125")`: the
float's binary error is copied, digit by digit, into the type people use to avoid it. Tests
that build expected amounts this way either fail for a reason nobody can read or, worse,
agree with code that makes the same mistake, and a cent goes missing in production.

## Example

```python
from decimal import Decimal

from shop.pricing import apply_discount


def test_discount():
    assert apply_discount(Decimal(19.99), percent=10) == Decimal("17.99")
```

## Use instead

```python
from decimal import Decimal

from shop.pricing import apply_discount


def test_discount():
    assert apply_discount(Decimal("19.99"), percent=10) == Decimal("17.99")


def test_discount_from_cents():
    assert apply_discount(Decimal(1999) / 100, percent=10) == Decimal("17.99")
```

## Rewrite guidance

Write the literal as a string: `Decimal(19.99)` becomes `Decimal("19.99")`, keeping the digits
exactly as written; `testlint check --fix --unsafe-fixes` does it for a literal argument. The fix
is unsafe: the value changes (to the one the author meant), so a test that agreed with code making
the same mistake may now fail. Where the value is computed, compute it in `Decimal` from the
start (`Decimal("19.99") * 3`), or from integer cents (`Decimal(cents) / 100`). If the code
under test itself converts floats to `Decimal`, keep the test's expected value exact and let the
test fail: that is the bug.

## Options

None.
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal, InvalidOperation

from testlint.facts import FunctionNode, ModuleCall, TestModule, walk_body
from testlint.finding import Edit, Fix
from testlint.rules.base import RuleContext
from testlint.rules.numbers._numeric import (
    float_literal,
    is_inexact_literal,
    is_non_integral,
    literal_source,
    parametrize_values,
    short,
)

CODE = "TL403"
NAME = "decimal-from-float"
DEFAULT_ENABLED = True
FIX = "unsafe"
LEVEL = "warning"

DECIMAL_TYPES = frozenset({"decimal.Decimal", "_pydecimal.Decimal"})

VALID = [
    """
from decimal import Decimal

def test_discount():
    assert apply_discount(Decimal("19.99"), 10) == Decimal("17.99")
""",
    """
from decimal import Decimal

def test_from_cents():
    cents = 1999
    assert to_amount(cents) == Decimal(cents) / 100
""",
    """
from decimal import Decimal

def test_half():
    assert halve(Decimal(1)) == Decimal(0.5)
""",
    """
from decimal import Decimal

def test_nan():
    assert is_missing(Decimal(float("nan")))
""",
]

INVALID = [
    """
from decimal import Decimal

def test_discount():
    assert apply_discount(Decimal(19.99), 10) == Decimal("17.99")
""",
    """
from decimal import Decimal as D

PRICE = 19.99 * 3

def test_total():
    assert total() == D(PRICE)
""",
    """
import decimal
import pytest

@pytest.fixture
def price():
    return decimal.Decimal(float("0.1"))
""",
]


class _Names:
    """Names a function (or the module) binds once by plain assignment, and float parameters."""

    def __init__(self, nodes: list[ast.AST], float_params: set[str]) -> None:
        self.values: dict[str, ast.expr] = {}
        stores: dict[str, int] = {}
        for sub in nodes:
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store | ast.Del):
                stores[sub.id] = stores.get(sub.id, 0) + 1
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                if isinstance(sub.targets[0], ast.Name):
                    self.values[sub.targets[0].id] = sub.value
            elif (
                isinstance(sub, ast.AnnAssign)
                and isinstance(sub.target, ast.Name)
                and sub.value is not None
            ):
                self.values[sub.target.id] = sub.value
        for name in [n for n in self.values if stores.get(n, 0) != 1]:
            del self.values[name]
        self.float_params = float_params - set(stores)


class _Resolver:
    def __init__(self, module: TestModule) -> None:
        self.module = module
        self._module_names: _Names | None = None
        self._scopes: dict[int, _Names] = {}
        self.float_builtin = "float" not in module.defined and "float" not in module.imports

    def module_names(self) -> _Names:
        if self._module_names is None:
            statements: list[ast.AST] = []
            for stmt in self.module.tree.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    statements.extend(ast.walk(stmt))
            self._module_names = _Names(statements, set())
        return self._module_names

    def scope_names(self, scope: FunctionNode) -> _Names:
        found = self._scopes.get(id(scope))
        if found is None:
            test = next((t for t in self.module.tests if t.node is scope), None)
            nodes = test.nodes if test is not None else walk_body(scope)
            params = {
                a.arg
                for a in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]
                if isinstance(a.annotation, ast.Name) and a.annotation.id == "float"
            }
            if test is not None:
                for name, values in parametrize_values(self.module, test).items():
                    if any(_inexact(v, self.module) for v in values):
                        params.add(name)
            found = _Names(nodes, params)
            self._scopes[id(scope)] = found
        return found

    def is_float(self, expr: ast.AST, scope: FunctionNode | None, depth: int = 0) -> bool:
        if depth > 4:
            return False
        value = float_literal(expr)
        if value is not None:
            return _inexact(expr, self.module)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Div):
                return True
            if isinstance(expr.op, ast.Add | ast.Sub | ast.Mult | ast.Pow | ast.Mod):
                return any(
                    float_literal(side) is not None or self.is_float(side, scope, depth + 1)
                    for side in (expr.left, expr.right)
                )
            return False
        if isinstance(expr, ast.UnaryOp):
            return self.is_float(expr.operand, scope, depth + 1)
        if isinstance(expr, ast.Call):
            return (
                isinstance(expr.func, ast.Name)
                and expr.func.id == "float"
                and self.float_builtin
                and not _special(expr)
            )
        if isinstance(expr, ast.Name):
            if scope is not None:
                names = self.scope_names(scope)
                if expr.id in names.float_params:
                    return True
                if expr.id in names.values:
                    return self.is_float(names.values[expr.id], scope, depth + 1)
                if any(
                    isinstance(a, ast.arg) and a.arg == expr.id
                    for a in [*scope.args.posonlyargs, *scope.args.args, *scope.args.kwonlyargs]
                ):
                    return False  # a parameter of another type, or unannotated
            bound = self.module_names().values.get(expr.id)
            return bound is not None and self.is_float(bound, None, depth + 1)
        return False


def _inexact(node: ast.AST, module: TestModule) -> bool:
    value = float_literal(node)
    return value is not None and is_inexact_literal(node, module)


def _special(call: ast.Call) -> bool:
    if len(call.args) != 1:
        return False
    arg = call.args[0]
    return (
        isinstance(arg, ast.Constant)
        and isinstance(arg.value, str)
        and arg.value.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}
    )


def _message(module: TestModule, call: ModuleCall, arg: ast.expr) -> str:
    name = short(module, call.node.func) or "Decimal"
    value = float_literal(arg)
    if value is not None and is_non_integral(value):
        text = literal_source(arg, module)
        spelled = "".join(text.split())  # `- 0.1`: Decimal reads "-0.1", not "- 0.1"
        return (
            f"{name}({text}) copies the float's binary error: it is {Decimal(value)}; "
            f'pass a string: {name}("{spelled}")'
        )
    return (
        f"{name}({short(module, arg)}) converts a binary float, so its rounding error is baked "
        f'in; build the value from a string ({name}("19.99")) or integer cents '
        f"({name}(cents) / 100)"
    )


def _may_build_from_float(module: TestModule) -> bool:
    """A text check before the call index is built: some `Decimal(` (through its aliases) whose
    argument is not a string, an integer literal, `str(...)` or `int(...)`."""
    spellings = []
    for alias, qualified in module.imports.items():
        if qualified in DECIMAL_TYPES:
            spellings.append(re.escape(alias))
        elif qualified in {"decimal", "_pydecimal"}:
            spellings.append(re.escape(alias) + r"\s*\.\s*Decimal")
    if not spellings:
        return False
    pattern = re.compile(
        r"\b(?:" + "|".join(spellings) + r")\(\s*"
        r"(?![rRbBuUfF]{0,2}[\"']|[0-9_]+\s*[),]|str\(|int\(|\))"
    )
    return pattern.search(module.source.text) is not None


def check(ctx: RuleContext) -> None:
    module = ctx.module
    if "Decimal" not in module.source.text or not _may_build_from_float(module):
        return
    resolver = _Resolver(module)
    for call in module.calls_to(DECIMAL_TYPES):
        if len(call.node.args) != 1 or call.node.keywords:
            continue
        arg = call.node.args[0]
        if resolver.is_float(arg, call.scope):
            ctx.report(call.node, _message(module, call, arg), fix=_string_fix(module, arg))


def _string_fix(module: TestModule, arg: ast.expr) -> Fix | None:
    """`Decimal(0.1)` -> `Decimal("0.1")`: the literal's text as written, quoted. Only for a float
    literal on one line whose text `Decimal` reads as the same number (`-0.1`, `1_000.5`, `1e-3`;
    not `- 0.1`). Unsafe: the value changes, to the one the author meant."""
    if float_literal(arg) is None or arg.lineno != arg.end_lineno or arg.end_col_offset is None:
        return None
    text = literal_source(arg, module)
    if not text or text != text.strip() or any(c.isspace() or c in "()#\\" for c in text):
        return None
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    source = module.source
    line = arg.lineno
    start = source.char_col(line, arg.col_offset) + 1
    end = source.char_col(line, arg.end_col_offset) + 1
    return Fix(
        description=f'pass the literal as a string: "{text}"',
        edits=(Edit(line, start, line, end, f'"{text}"'),),
        safe=False,
    )
