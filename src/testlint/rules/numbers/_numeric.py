"""What the TL4 rules share: which expressions are floats, which name money, which comparisons
already tolerate rounding. Not a rule module (the leading underscore keeps the registry out)."""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from testlint.facts import BUILTIN_NAMES, Comparison, TestFunction, TestModule, dotted_name
from testlint.source import definition_start

# Head nouns that name an amount of money (matched on an identifier's last meaningful word).
DEFAULT_MONEY_NAMES: tuple[str, ...] = (
    "price",
    "amount",
    "total",
    "subtotal",
    "cost",
    "balance",
    "fee",
    "tax",
    "vat",
    "discount",
    "payment",
    "refund",
    "charge",
    "revenue",
    "salary",
    "wage",
    "income",
    "expense",
    "budget",
    "payout",
    "deposit",
    "withdrawal",
    "invoice",
    "bill",
    "money",
    "cash",
    "fare",
    "tip",
    "shipping",
    "premium",
    "debt",
    "due",
)
# Words that may trail a money noun without changing what it is (`total_due`, `price_usd`).
_QUALIFIERS = frozenset(
    {
        "due",
        "paid",
        "owed",
        "usd",
        "eur",
        "gbp",
        "jpy",
        "chf",
        "after",
        "before",
        "new",
        "old",
        "net",
        "gross",
        "expected",
        "actual",
        "value",
    }
)
# An identifier with one of these words is counted in integer units: the cure, never the disease.
_INTEGER_UNITS = frozenset({"cents", "cent", "pennies", "penny", "pence", "minor", "micros"})
# Calls whose result tolerates rounding: a comparison that uses one is not exact.
# Head nouns of quantities that are not amounts of money, even next to a money word
# (`tax_rate`, `discount_pct`, `price_ratio`): a two-decimal literal beside them is not currency.
_NOT_MONEY_HEADS = frozenset(
    {
        "rate",
        "ratio",
        "pct",
        "percent",
        "percentage",
        "fraction",
        "share",
        "prob",
        "probability",
        "p",
        "score",
        "weight",
        "factor",
        "multiplier",
        "seconds",
        "secs",
        "sec",
        "ms",
        "timeout",
        "delay",
        "interval",
        "duration",
        "elapsed",
        "mean",
        "std",
        "var",
        "median",
        "quantile",
        "alpha",
        "version",
    }
)
# attributes and methods that read a value out of a container (a pandas column, an array)
# without changing what it is: money read through them is still money
VALUE_ACCESSORS = frozenset({"iloc", "loc", "at", "iat", "values", "array", "T"})
VALUE_METHODS = frozenset(
    {"item", "sum", "squeeze", "to_numpy", "tolist", "to_list", "first", "last", "max", "min",
     "get"}
)
_TOLERANT_CALLS = frozenset(
    {
        "pytest.approx",
        "math.isclose",
        "numpy.isclose",
        "numpy.allclose",
        "numpy.testing.assert_allclose",
        "numpy.testing.assert_almost_equal",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_NUMBER_IN_TEXT = re.compile(r"[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+")
_CURRENCY_TEXT = re.compile(r"^[0-9][0-9_]*\.[0-9]{2}$")


def words(identifier: str) -> list[str]:
    """`order.totalPrice` -> ["total", "price"]; `unit_price_usd` -> ["unit", "price", "usd"]."""
    return [w.lower() for w in _WORD.findall(identifier)]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("xes", "ses")) and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def is_money_identifier(identifier: str, money_names: Iterable[str]) -> bool:
    """True when the identifier's head noun is money: `total_price`, `unit_price`, `amount_due`,
    `expected_total`; not `total_seconds`, `tax_rate`, `discount_pct` or `price_cents`."""
    found = words(identifier)
    if not found or any(w in _INTEGER_UNITS for w in found):
        return False
    names = {n.lower() for n in money_names}
    while len(found) > 1 and found[-1] in _QUALIFIERS and found[-1] not in names:
        found.pop()
    return _singular(found[-1]) in names or found[-1] in names


def float_literal(node: ast.AST) -> float | None:
    """The value of a float literal, signed (`-19.99`), else None."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        if isinstance(node.op, ast.USub):
            sign = -sign
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return sign * node.value
    return None


def is_non_integral(value: float) -> bool:
    return math.isfinite(value) and value != int(value)


def _literal_text(node: ast.AST) -> str | None:
    while isinstance(node, ast.UnaryOp):
        node = node.operand
    if isinstance(node, ast.Constant) and type(node.value) is float:
        return None if node.value != node.value else repr(node.value)
    return None


def segment(module: TestModule, node: ast.AST) -> str:
    """The source text of a node. For one-line nodes this slices the line directly (stdlib's
    get_source_segment splits the whole file on every call)."""
    line = getattr(node, "lineno", None)
    end_line = getattr(node, "end_lineno", None)
    col = getattr(node, "col_offset", None)
    end_col = getattr(node, "end_col_offset", None)
    if line is None or end_line != line or col is None or end_col is None:
        return module.source.segment(node)
    text = module.source.line(line)
    if text.isascii():
        return text[col:end_col]
    return text.encode("utf-8")[col:end_col].decode("utf-8", errors="replace")


def literal_source(node: ast.AST, module: TestModule) -> str:
    """The literal as written (`19.99`, `-0.1`, `1e-3`)."""
    return segment(module, node) or (_literal_text(node) or "")


def is_inexact_literal(node: ast.AST, module: TestModule) -> bool:
    """The literal as written has no exact binary float (`0.1`, `19.99`; not `0.5` or `2.25`)."""
    text = literal_source(node, module).replace("_", "").lstrip("+-").strip()
    value = float_literal(node)
    if value is None or not math.isfinite(value):
        return False
    try:
        written = Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        return False
    return written != Fraction(abs(value))


def looks_like_currency(node: ast.AST, module: TestModule) -> bool:
    """A literal written with exactly two decimals that no float holds exactly: `19.99`, `0.10`."""
    text = literal_source(node, module).lstrip("+-").strip()
    return bool(_CURRENCY_TEXT.match(text)) and is_inexact_literal(node, module)


class Scope:
    """The names a test binds, to follow `expected = 19.99` / `result = cart.total()` one step."""

    def __init__(self, module: TestModule, test: TestFunction) -> None:
        self.module = module
        self.test = test
        self.bindings: dict[str, ast.expr] = {}  # names stored once, by a plain assignment
        stores: dict[str, int] = {}
        for use in test.nodes_of(ast.Name):
            if use.ctx.__class__ is not ast.Load:
                stores[use.id] = stores.get(use.id, 0) + 1
        for assign in test.nodes_of(ast.Assign):
            if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name):
                self.bindings[assign.targets[0].id] = assign.value
        for annotated in test.nodes_of(ast.AnnAssign):
            if isinstance(annotated.target, ast.Name) and annotated.value is not None:
                self.bindings[annotated.target.id] = annotated.value
        self.literals: list[ast.AST] = [
            c for c in test.nodes_of(ast.Constant) if type(c.value) is float
        ]
        for name in [n for n in self.bindings if stores.get(n, 0) != 1]:
            del self.bindings[name]
        self.param_values = parametrize_values(module, test)
        self.float_params: set[str] = set()
        self._mentions_money: bool | None = None
        self._numbers_in_text: set[float] | None = None
        for param, values in self.param_values.items():
            if any(
                (v := float_literal(value)) is not None and is_non_integral(v) for value in values
            ):
                self.float_params.add(param)

    def single_value(self, name: str) -> ast.expr | None:
        return self.bindings.get(name)

    def float_builtin(self) -> bool:
        return "float" not in self.module.defined and "float" not in self.module.imports

    def is_float(self, expr: ast.AST, depth: int = 0) -> bool:
        """A float by construction: a non-integral float literal, arithmetic with a float literal
        or a true division, `float(...)`, or a name this test binds only to such a value."""
        if depth > 4:
            return False
        value = float_literal(expr)
        if value is not None:
            return is_non_integral(value)
        if isinstance(expr, ast.BinOp):
            if isinstance(expr.op, ast.Div):
                return True
            if isinstance(expr.op, ast.Add | ast.Sub | ast.Mult | ast.Pow | ast.Mod):
                return any(
                    float_literal(side) is not None or self.is_float(side, depth + 1)
                    for side in (expr.left, expr.right)
                )
            return False
        if isinstance(expr, ast.UnaryOp):
            return self.is_float(expr.operand, depth + 1)
        if isinstance(expr, ast.Call):
            return (
                isinstance(expr.func, ast.Name)
                and expr.func.id == "float"
                and self.float_builtin()
                and not _is_special_float(expr)
            )
        if isinstance(expr, ast.Name):
            if expr.id in self.float_params:
                return True
            bound = self.single_value(expr.id)
            return bound is not None and self.is_float(bound, depth + 1)
        return False

    def is_money(self, expr: ast.AST, money_names: Iterable[str], depth: int = 0) -> bool:
        """Money-like by the name it is read from (`order.total_price`, `row["amount"]`,
        `cart.total()`), by an annotation in the test, or by the value a test name holds."""
        if depth > 4:
            return False
        if isinstance(expr, ast.Name):
            if is_money_identifier(expr.id, money_names):
                return True
            bound = self.single_value(expr.id)
            return bound is not None and self.is_money(bound, money_names, depth + 1)
        if isinstance(expr, ast.Attribute):
            if expr.attr in VALUE_ACCESSORS:  # `df["cost"].iloc[0]`: the same value, read out
                return self.is_money(expr.value, money_names, depth + 1)
            return is_money_identifier(expr.attr, money_names)
        if isinstance(expr, ast.Subscript):
            key = expr.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return is_money_identifier(key.value, money_names)
            return self.is_money(expr.value, money_names, depth + 1)  # line_totals[0]
        if isinstance(expr, ast.Call):
            func = expr.func
            name = func.attr if isinstance(func, ast.Attribute) else (
                func.id if isinstance(func, ast.Name) else None
            )
            if name in {"float", "abs", "sum", "max", "min"} and name in BUILTIN_NAMES:
                return any(self.is_money(arg, money_names, depth + 1) for arg in expr.args)
            if name in VALUE_METHODS and isinstance(func, ast.Attribute):
                # `df["cost"].sum()`, `row["amount"].item()`: money in, money out
                return self.is_money(func.value, money_names, depth + 1)
            return name is not None and is_money_identifier(name, money_names)
        if isinstance(expr, ast.BinOp):
            return self.is_money(expr.left, money_names, depth + 1) or self.is_money(
                expr.right, money_names, depth + 1
            )
        return False

    def mentions_money(self, money_names: Iterable[str]) -> bool:
        """Any word of the test's name or of a name it reads is a money word: the context in
        which a bare `33.33` is taken for an amount."""
        if self._mentions_money is None:
            names = {n.lower() for n in money_names}
            idents = {self.test.name}
            for sub in self.test.nodes:
                if isinstance(sub, ast.Name):
                    idents.add(sub.id)
                elif isinstance(sub, ast.Attribute):
                    idents.add(sub.attr)
                elif isinstance(sub, ast.keyword) and sub.arg:
                    idents.add(sub.arg)
            self._mentions_money = any(
                _singular(w) in names or w in names for i in idents for w in words(i)
            )
        return self._mentions_money

    def names_something_else(
        self, expr: ast.AST, money_names: Iterable[str], depth: int = 0
    ) -> bool:
        """The expression is read from a name that says what it is, and that is not money
        (`invoice.tax_rate`, `discount_pct`, `timer.elapsed`, `price_ratio()`)."""
        if depth > 4:
            return False
        ident: str | None = None
        if isinstance(expr, ast.Name):
            bound = self.single_value(expr.id)
            if bound is not None and self.names_something_else(bound, money_names, depth + 1):
                return True
            ident = expr.id
        elif isinstance(expr, ast.Attribute):
            ident = expr.attr
        elif isinstance(expr, ast.Subscript):
            key = expr.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                ident = key.value
        elif isinstance(expr, ast.Call):
            func = expr.func
            ident = func.attr if isinstance(func, ast.Attribute) else (
                func.id if isinstance(func, ast.Name) else None
            )
        if not ident:
            return False
        found = words(ident)
        names = {n.lower() for n in money_names}
        if any(_singular(w) in names or w in names for w in found):
            return True  # a money word that is not the head noun: `tax_rate`, `total_seconds`
        return bool(found) and _singular(found[-1]) in _NOT_MONEY_HEADS

    def is_round_trip(self, literal: ast.AST) -> bool:
        """The literal's value also appears elsewhere in the test, as another literal (an
        argument, a stored field, a `parametrize` row) or inside a string the code parses
        (`setenv("FLOAT", "1.2")`, `Timedelta("5.324s")`): reading back a stored float, or
        parsing decimal text, is exact, not arithmetic."""
        value = float_literal(literal)
        if value is None:
            return False
        wanted = abs(value)
        inner = literal
        while isinstance(inner, ast.UnaryOp):
            inner = inner.operand
        for other in self.literals:
            if other is not inner and isinstance(other, ast.Constant) and other.value == wanted:
                return True
        if wanted in self._parsed_numbers():
            return True
        return any(
            (v := float_literal(value_node)) is not None and abs(v) == wanted
            for values in self.param_values.values()
            for value_node in values
        )

    def _parsed_numbers(self) -> set[float]:
        if self._numbers_in_text is None:
            found: set[float] = set()
            strings = [
                sub.value
                for sub in self.test.nodes
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str)
            ]
            strings += [
                v.value
                for values in self.param_values.values()
                for v in values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            ]
            for text in strings:
                if len(text) > 2000:
                    continue
                for token in _NUMBER_IN_TEXT.findall(text):
                    try:
                        found.add(abs(float(token.replace("_", ""))))
                    except ValueError:
                        continue
            self._numbers_in_text = found
        return self._numbers_in_text


def money_name(expr: ast.AST) -> str | None:
    """The name a value is read from, through accessors that keep it what it is
    (`df["Hours cost"].iloc[0]` -> "Hours cost", `order.total.item()` -> "total"), not
    following variables."""
    for _ in range(8):
        if isinstance(expr, ast.Attribute) and expr.attr in VALUE_ACCESSORS:
            expr = expr.value
        elif isinstance(expr, ast.Subscript):
            key = expr.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            expr = expr.value
        elif (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr in VALUE_METHODS
        ):
            expr = expr.func.value
        else:
            break
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Call):
        func = expr.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return None


def _is_special_float(call: ast.Call) -> bool:
    if len(call.args) != 1:
        return False
    arg = call.args[0]
    return isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.strip(
    ).lower().lstrip("+-") in {"nan", "inf", "infinity"}


def parametrize_values(module: TestModule, test: TestFunction) -> dict[str, list[ast.expr]]:
    """Argument name -> the literal rows given for it by `@pytest.mark.parametrize`."""
    found: dict[str, list[ast.expr]] = {}
    decorators = list(test.node.decorator_list)
    if test.cls is not None:
        decorators += test.cls.decorator_list
    for dec in decorators:
        if not isinstance(dec, ast.Call) or module.qualname(dec.func) != "pytest.mark.parametrize":
            continue
        if len(dec.args) < 2:
            continue
        names = _argnames(dec.args[0])
        rows = dec.args[1]
        if not names or not isinstance(rows, ast.List | ast.Tuple):
            continue
        for row in rows.elts:
            if isinstance(row, ast.Call) and module.qualname(row.func) == "pytest.param":
                values: list[ast.expr] = list(row.args)
            elif len(names) == 1:
                values = [row]
            elif isinstance(row, ast.Tuple | ast.List):
                values = list(row.elts)
            else:
                continue
            for name, value in zip(names, values, strict=False):
                found.setdefault(name, []).append(value)
    return found


def _argnames(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [n.strip() for n in node.value.split(",") if n.strip()]
    if isinstance(node, ast.List | ast.Tuple):
        return [e.value.strip() for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def tolerant(comparison: Comparison, module: TestModule) -> bool:
    """The comparison already allows for rounding (`pytest.approx`, `round(...)`), or counts in
    integer units (`*_cents`)."""
    for side in (comparison.left, comparison.right):
        for sub in ast.walk(side):
            if isinstance(sub, ast.Call):
                name = module.qualname(sub.func) or dotted_name(sub.func) or ""
                last = name.rsplit(".", 1)[-1]
                if name in _TOLERANT_CALLS or last in {"approx", "isclose", "allclose"}:
                    return True
                if name == "round" and "round" not in module.defined:
                    return True
                if last in {"Decimal", "Fraction"}:
                    return True
            elif isinstance(sub, ast.Name | ast.Attribute):
                ident = sub.id if isinstance(sub, ast.Name) else sub.attr
                if any(w in _INTEGER_UNITS for w in words(ident)):
                    return True
            elif (
                isinstance(sub, ast.Constant)
                and isinstance(sub.value, str)
                and any(w in _INTEGER_UNITS for w in words(sub.value))
            ):
                return True  # row["price_cents"]
    return False


_FLOATISH_TEXT = re.compile(r"[0-9][.eE]|\.[0-9]|/|float\(")


def may_hold_floats(module: TestModule, test: TestFunction) -> bool:
    """A cheap text check: the test, its decorators and its class's decorators contain a float
    literal, a division or `float(`; without one, no comparison in it can be float by
    construction, and the test is skipped before any binding is resolved."""
    lines = module.source.lines
    first = definition_start(test.node)
    last = test.node.end_lineno or test.node.lineno
    chunks = ["\n".join(lines[first - 1 : last])]
    if test.cls is not None:
        for dec in test.cls.decorator_list:
            chunks.append("\n".join(lines[dec.lineno - 1 : dec.end_lineno or dec.lineno]))
    return any(_FLOATISH_TEXT.search(chunk) for chunk in chunks)


def is_equality(comparison: Comparison) -> bool:
    return isinstance(comparison.op, ast.Eq | ast.NotEq)


def short(module: TestModule, node: ast.AST, limit: int = 40) -> str:
    text = " ".join((segment(module, node) or "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- money compared as a float (TL401's finding; TL402 leaves these to it) ----------------
def _float_side(
    comparison: Comparison, scope: Scope, whole: bool = False
) -> tuple[ast.expr, ast.expr] | None:
    """(float side, other side), when exactly one side is a float by construction; with
    `whole`, a float literal however whole counts too (`700.00` is a float)."""
    def is_float(expr: ast.expr) -> bool:
        return scope.is_float(expr) or (whole and float_literal(expr) is not None)

    left_float = is_float(comparison.left)
    right_float = is_float(comparison.right)
    if right_float and not left_float:
        return comparison.right, comparison.left
    if left_float and not right_float:
        return comparison.left, comparison.right
    return None


def money_comparison(
    comparison: Comparison, scope: Scope, module: TestModule, money_names: tuple[str, ...]
) -> bool:
    """An exact comparison of a float with money (shared with TL402, which skips these)."""
    if not is_equality(comparison):
        return False
    # each test below only answers; the walk of both sides for a tolerance comes last, as the
    # float side is absent from most comparisons
    sides = _float_side(comparison, scope)
    if sides is None:
        # `df["Hours cost"].iloc[0] == 700.00`: a whole float literal is still a float, when
        # the other side is read from a name whose head noun is money (not `total_time`)
        sides = _float_side(comparison, scope, whole=True)
        if sides is None or not is_money_identifier(money_name(sides[1]) or "", money_names):
            return False
    floating, other = sides
    if float_literal(other) is not None or isinstance(other, ast.Constant):
        return False  # literal against literal is TL102's business
    if scope.is_money(other, money_names):
        return not tolerant(comparison, module)
    return (
        float_literal(floating) is not None
        and looks_like_currency(floating, module)
        and scope.mentions_money(money_names)
        and not scope.names_something_else(other, money_names)
        and not scope.is_round_trip(floating)
        and not tolerant(comparison, module)
    )
