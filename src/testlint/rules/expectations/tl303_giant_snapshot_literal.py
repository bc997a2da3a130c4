'''An expected value written out as a literal too big for anyone to read.

## What it does

Flags a literal (dict, list, tuple, set, str or bytes; nested displays, implicit string
concatenation, triple-quoted strings and f-strings included) used as an expected value when it
is longer than `snapshot-max-lines` lines or holds more than `snapshot-max-items` leaf items
(the arguments of a constructor call inside it count as items). Length is what a reader must
check, not formatting: a container counts as many lines as it has distinct leaf values or as
its content fills at 80 characters a line, whichever is more, up to its source lines, so two
black-formatted `Attribute(...)` calls of repeated flags (30 lines) or a set of seven expected
diagnostics are not giant. A string is measured by its size as well as its source lines: at 80
characters a line, a 3 KB string written on one line is as long as 38 lines of text. A flat
list, tuple or set of distinct short names (column or field names, one per line) is a schema a
reader goes through name by name: only its items count, unless it is joined into text
(`"\n".join([...])`).

An expected value is a side of an equality assertion (`assert result == {...}`,
`self.assertEqual(result, [...])`, `assertDictEqual`, `np.testing.assert_array_equal`, a helper
such as `assert_rows_equal(actual, expected)`), an assertion helper's argument passed under an
expected-value keyword (`expected=`, `expected_index=`, `want=`), an argument of a call
assertion (`mock.assert_called_once_with(expected_script)`), or a name compared that way that
holds a literal: the test's last assignment to it before the assertion, or a module constant.
Literals with explanatory comments inside are taken as written and read by a person, not pasted.
Wrappers that only reshape the literal are seen through: `textwrap.dedent("""...""")`,
`"""...""".strip()`, `"\\n".join([...])`, `sorted([...])`, `json.loads("""...""")`.
A literal handed to a constructor (`DataFrame({...})`, `Order(**{...})`) is not followed: the
constructor may be the code under test.

Not expected values, so never flagged: parametrize tables (however long), literals passed as
input to the code under test, fixture data, and a name that the test (or, for a module-level
constant, any test or fixture of the module) also passes into a call, as in a round trip
(`assert load(dump(data)) == data`). Literals inside `inline_snapshot.snapshot(...)` belong to
TL304 (giant-snapshot-file), which owns every kind of stored or inline snapshot, so a literal is
never reported twice.

## Why it matters

A 300-line expected payload is a snapshot in disguise: it was pasted from the output of the code
it is meant to check, nobody reads it in review, and when it changes it is pasted again. It
freezes every incidental detail (ordering, formatting, timestamps) while asserting none of the
behaviour on purpose, so the test breaks on harmless changes and passes on wrong ones that the
paste faithfully recorded.

## Example

```python
def test_order_summary():
    summary = build_summary(order_id=42)
    assert summary == {
        "id": 42,
        "status": "paid",
        "currency": "EUR",
        "customer": {
            "id": 7,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "tier": "gold",
        },
        "lines": [
            {"sku": "A-1", "qty": 2, "unit_cents": 1999, "total_cents": 3998},
            {"sku": "B-2", "qty": 1, "unit_cents": 500, "total_cents": 500},
            {"sku": "C-3", "qty": 3, "unit_cents": 250, "total_cents": 750},
        ],
        "subtotal_cents": 5248,
        "discount_cents": 0,
        "tax_cents": 997,
        "shipping_cents": 490,
        "total_cents": 6735,
        "created_at": "2024-05-01T10:00:00Z",
        "updated_at": "2024-05-01T10:05:00Z",
        "notes": None,
        "tags": ["web", "first-order"],
        "channel": "web",
        "warehouse": "BER-1",
        "version": 3,
    }
```

## Use instead

```python
def test_order_summary():
    summary = build_summary(order_id=42)
    assert summary["status"] == "paid"
    assert summary["total_cents"] == 6735
    assert [line["sku"] for line in summary["lines"]] == ["A-1", "B-2", "C-3"]
    assert sum(line["total_cents"] for line in summary["lines"]) == summary["subtotal_cents"]
```

## Rewrite guidance

Keep the call under test. Replace the giant expected literal with a few assertions on the fields
the test is about (status, totals, identifiers) and on invariants that must hold whatever the
data (totals add up, every line has a SKU, ids are unique). Do not copy values from the current
output that the test is not about; if the full payload really matters, compare it against a
small hand-written fixture or use a snapshot tool whose diffs are reviewed.

## Options

- `snapshot-max-lines` (int, default 25): an expected literal longer than this many lines (of
  distinct values or content, as above) is reported.
- `snapshot-max-items` (int, default 50): an expected literal with more leaf items than this is
  reported.
'''

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import cast

from testlint.facts import (
    BUILTIN_NAMES,
    TEST_SUPPORT_ROOTS,
    Assertion,
    Kind,
    TestFunction,
    TestModule,
    dotted_name,
    walk,
)
from testlint.rules.base import RuleContext
from testlint.snapshots import TEXT_LINE_WIDTH, is_literal, limits, literal_size, may_exceed
from testlint.source import definition_start

CODE = "TL303"
NAME = "giant-snapshot-literal"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"


@dataclass(frozen=True)
class Options:
    snapshot_max_lines: int = 25
    snapshot_max_items: int = 50


def _payload(name: str, rows: int) -> str:
    body = "".join(f'        "field_{i}": {i},\n' for i in range(rows))
    return f"{name} = {{\n{body}    }}"


VALID = [
    # a parametrize table is a list of cases, not an expected value
    "import pytest\n\n@pytest.mark.parametrize(('text', 'expected'), [\n"
    + "".join(f"    ('{i}', {i}),\n" for i in range(40))
    + "])\ndef test_parse(text, expected):\n    assert parse(text) == expected\n",
    # a big input passed to the code under test
    "def test_total():\n    " + _payload("orders", 40) + "\n    assert total(orders) == 780\n",
    # round trip: the literal is both input and expected value
    "import json\n\ndef test_round_trip():\n    " + _payload("data", 40)
    + "\n    assert json.loads(json.dumps(data)) == data\n",
    # just under the limit
    "def test_summary():\n    " + _payload("expected", 23) + "\n    assert summary() == expected\n",
]

INVALID = [
    "def test_summary():\n    " + _payload("expected", 30) + "\n    assert summary() == expected\n",
    "import unittest\n\nclass TestSummary(unittest.TestCase):\n    def test_it(self):\n"
    "        self.assertEqual(summary(), [" + ", ".join(str(i) for i in range(60)) + "])\n",
    'def test_report():\n    assert render() == """\n' + "row\n" * 30 + '"""\n',
]

# keyword names under which an assertion helper takes the expected value
EXPECTED_NAME = re.compile(
    r"^_?(expected|expect|exp|want|wanted|golden|reference|ref|correct|target)(_.*)?$"
    r"|^.*_(expected|exp|want|golden)$",
    re.IGNORECASE,
)
# calls that only reshape the literal they are given as first argument
RESHAPING_CALLS = frozenset(
    {
        "textwrap.dedent",
        "inspect.cleandoc",
        "json.loads",
        "collections.OrderedDict",
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sorted",
        "OrderedDict",
        "dedent",
        "cleandoc",
    }
)
# keyword names of the compared arguments of equality helpers
COMPARED_KEYWORDS = frozenset(
    {"first", "second", "expected", "actual", "left", "right", "desired", "result", "list1",
     "list2", "d1", "d2", "seq1", "seq2", "expected_output"}
)
MAX_DEPTH = 4
# the last part of each reshaping call's name: a call ending otherwise is not one
RESHAPING_FINALS = frozenset(name.rsplit(".", 1)[-1] for name in RESHAPING_CALLS)
# mock assertions whose arguments are the expected arguments of a call
CALL_ASSERTIONS = frozenset(
    f"mock.{name}" for name in (
        "assert_called_with", "assert_called_once_with", "assert_any_call",
        "assert_awaited_with", "assert_awaited_once_with", "assert_any_await",
    )
)
PRAGMA = re.compile(r"#\s*(noqa|type:|fmt:|pragma|pylint:|nosec|expect:)", re.IGNORECASE)


Position = tuple[int, int]


def _position(node: ast.AST) -> Position:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a block and the blocks nested in it (not nested defs or classes): an
    assignment is a statement, so there is no need to visit every expression node."""
    stack = list(reversed(body))
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        nested: list[ast.stmt] = []
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                nested.extend(block)
        for handler in getattr(stmt, "handlers", ()):
            nested.extend(handler.body)
        for case in getattr(stmt, "cases", ()):
            nested.extend(case.body)
        stack.extend(reversed(nested))


def _bindings(body: list[ast.stmt], into: dict[str, list[tuple[Position, ast.expr]]]) -> None:
    for node in _statements(body):
        _bind(node, into)


def _bind(node: ast.AST, into: dict[str, list[tuple[Position, ast.expr]]]) -> None:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                into.setdefault(target.id, []).append((_position(node), node.value))
    elif isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(
        node.target, ast.Name
    ):
        into.setdefault(node.target.id, []).append((_position(node), node.value))


@dataclass
class _Module:
    """The module's constants, and (computed only when needed) which names its tests,
    fixtures and decorators feed into code."""

    module: TestModule
    constants: dict[str, list[tuple[Position, ast.expr]]] = field(default_factory=dict)
    scopes: list[_Scope] = field(default_factory=list)
    _inputs: set[str] | None = None
    _line_ends: list[int] | None = None

    def __post_init__(self) -> None:
        _bindings(self.module.tree.body, self.constants)

    def may_span_over(self, node: ast.AST, max_lines: int, max_chars: int) -> bool:
        """Whether a literal inside `node`'s source could span over `max_lines` lines or hold more
        than `max_chars` characters (the bound `_may_hold_giant` explains), read from positions
        alone."""
        start = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", None) or start
        if end - start + 1 > max_lines:
            return True
        if start == end:
            chars = (getattr(node, "end_col_offset", None) or 0) - getattr(node, "col_offset", 0)
        else:
            if self._line_ends is None:
                # the characters up to the end of each line, newlines aside (summed in C)
                self._line_ends = [0, *accumulate(map(len, self.module.source.lines))]
            ends = self._line_ends
            last, first = min(end, len(ends) - 1), min(start - 1, len(ends) - 1)
            chars = ends[last] - ends[first] + (last - first)  # and a newline a line
        return chars > max_chars

    def giant_constants(self, max_lines: int, max_items: int) -> frozenset[str]:
        """The module constants that could hold a literal over the limits: those whose value
        could (by the bound of `may_span_over`), and those whose value names one of them (an
        expected side is followed from name to name)."""
        max_chars = min(_container_chars(max_items), TEXT_LINE_WIDTH * max_lines)
        found = {
            name for name, bindings in self.constants.items()
            if any(self.may_span_over(value, max_lines, max_chars) for _, value in bindings)
        }
        if not found:
            return frozenset()
        mentions = {
            name: {n.id for _, value in bindings for n in walk(value) if isinstance(n, ast.Name)}
            for name, bindings in self.constants.items()
            if name not in found
        }
        grown = True
        while grown:
            grown = False
            for name, names in mentions.items():
                if name not in found and names & found:
                    found.add(name)
                    grown = True
        return frozenset(found)

    def call_name(self, call: ast.Call) -> str | None:
        return self.module.qualname(call.func) or dotted_name(call.func)

    @property
    def inputs(self) -> set[str]:
        """Module-level names used as data: by a fixture, a decorator (a parametrize table) or
        as a call argument in any test."""
        if self._inputs is None:
            found: set[str] = set()
            for fixture in self.module.fixtures.values():
                found.update(n.id for n in walk(fixture.node) if isinstance(n, ast.Name))
            for scope in self.scopes:
                for decorator in scope.test.node.decorator_list:
                    found.update(n.id for n in walk(decorator) if isinstance(n, ast.Name))
                found.update(scope.inputs)
            self._inputs = found
        return self._inputs


@dataclass
class _Scope:
    """One test's bindings and the names it feeds into code, each computed on first use."""

    test: TestFunction
    info: _Module
    _bindings: dict[str, list[tuple[Position, ast.expr]]] | None = None
    _inputs: set[str] | None = None

    def binding(self, name: str, before: Position) -> tuple[ast.expr | None, bool]:
        """The value `name` holds at `before`: the last assignment in the test before that
        point, else the module constant; and whether it is the test's own (local) binding."""
        if self._bindings is None:
            self._bindings = {}
            for node in self.test.own_nodes_of(ast.Assign, ast.AnnAssign):
                _bind(node, self._bindings)
            for found in self._bindings.values():
                found.sort(key=lambda binding: binding[0])  # source order
        local = [value for pos, value in self._bindings.get(name, []) if pos < before]
        if local:
            return local[-1], True
        if name in self._bindings:
            return None, True  # bound later in the test (in a loop, say): not a constant
        constants = self.info.constants.get(name)
        return (constants[-1][1], False) if constants else (None, False)

    @property
    def inputs(self) -> set[str]:
        """Names this test passes into a call (`transform(data)`, `client.post(json=data)`)."""
        if self._inputs is None:
            found: set[str] = set()
            # the compared arguments of `self.assertEqual(...)`/`tm.assert_frame_equal(...)`
            # are not inputs; calls nested in an assertion (`assert load(dump(data)) == data`)
            assertion_calls = {
                id(a.node) for a in self.test.assertions if isinstance(a.node, ast.Call)
            }
            for node in self.test.nodes:
                if (
                    isinstance(node, ast.Call)
                    and id(node) not in assertion_calls
                    and _feeds_input(node, self.info)
                ):
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        found.update(n.id for n in walk(arg) if isinstance(n, ast.Name))
            self._inputs = found
        return self._inputs


def _is_reshaping(call: ast.Call, info: _Module) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        # the qualified name ends in the attribute: test it before resolving the name
        if func.attr in RESHAPING_FINALS and call.args and info.call_name(call) in RESHAPING_CALLS:
            return True
        # a method of a literal: `"""...""".strip()`, `"\n".join([...])`
        return is_literal(func.value)
    # a bare name is a reshaping call by its own spelling or through an import alias
    # (`from textwrap import dedent as dd`)
    return (
        isinstance(func, ast.Name)
        and bool(call.args)
        and (func.id in RESHAPING_FINALS or func.id in info.module.imports)
        and info.call_name(call) in RESHAPING_CALLS
    )


def _feeds_input(call: ast.Call, info: _Module) -> bool:
    """Whether the names in this call's arguments are handed to code (an input), rather than
    observed by a builtin (`len(expected)`), reshaped, or checked by test machinery."""
    if _is_reshaping(call, info):
        return False
    func = call.func
    if isinstance(func, ast.Name) and func.id in BUILTIN_NAMES:
        return func.id in info.module.defined
    qualified = info.module.qualname(func) or ""
    return qualified.split(".", 1)[0] not in TEST_SUPPORT_ROOTS


def _unwrap(node: ast.expr, info: _Module) -> tuple[ast.expr, bool]:
    """The literal inside the calls that only reshape it, and whether the way there goes through
    a `"...".join(...)` before anything else than a reshaping call: the literal is then text."""
    joined: bool | None = None  # not known yet
    for _ in range(MAX_DEPTH):
        if isinstance(node, ast.Call) and _is_reshaping(node, info):
            func = node.func
            if isinstance(func, ast.Attribute) and is_literal(func.value):
                if func.attr == "join":
                    if joined is None:
                        joined = True
                    node = node.args[0] if node.args else func.value
                else:
                    node = func.value
            else:
                node = node.args[0]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and is_literal(node.left):
            if joined is None:
                joined = False
            node = node.left  # "%s ..." % values
        else:
            break
    return node, bool(joined)


@dataclass(frozen=True)
class _Candidate:
    literal: ast.expr
    name: str | None  # the variable it was reached through, if any
    local: bool  # that variable is the test's own
    text: bool = False  # joined into text (`"\n".join([...])`): lines of output, not names


def _resolve(node: ast.expr, at: Position, scope: _Scope) -> _Candidate | None:
    """The literal an expected side stands for, through reshaping calls and variables (one
    path, so one literal or None)."""
    names: list[tuple[str, bool]] = []  # the variables gone through, and whether local
    for depth in range(MAX_DEPTH + 1):
        cls = node.__class__
        joined = False
        if cls is ast.Call or cls is ast.BinOp:
            node, joined = _unwrap(node, scope.info)
        if is_literal(node):
            if not names:
                return _Candidate(node, None, True, joined)
            local = all(is_local for _, is_local in names)
            return _Candidate(node, names[0][0], local, joined)
        if not isinstance(node, ast.Name) or depth >= MAX_DEPTH:
            return None
        name = node.id
        value, is_local = scope.binding(name, at)
        if value is None:
            return None
        names.append((name, is_local))
        node, at = value, _position(value)
    return None


def _is_equality_helper(assertion: Assertion) -> bool:
    """`assertEqual`, `tm.assert_frame_equal`, `assert_rows_equal(actual, expected)`, ...

    Only "equal" names: a `compare_all(formatter, table)` or `assert_match(value, name)` helper
    takes other things than (actual, expected)."""
    call = assertion.node
    if not isinstance(call, ast.Call) or assertion.kind in {Kind.MOCK, Kind.RAISES}:
        return False
    if len(call.args) < 2:
        return False  # `assert_all_equal(values)` compares its input with itself
    last = assertion.api.rsplit(".", 1)[-1].rsplit(":", 1)[-1].lower()
    return "equal" in last and "not" not in last and "almost" not in last


def _expected_sides(test: TestFunction) -> Iterator[tuple[ast.expr, Position]]:
    """Each expression an assertion of the test compares for equality, with the assertion's
    position (the point at which a variable's value is read)."""
    for assertion in test.assertions:
        at = _position(assertion.node)
        for comparison in assertion.comparisons:
            if isinstance(comparison.op, ast.Eq):
                yield comparison.left, at
                yield comparison.right, at
        call = assertion.node
        if not isinstance(call, ast.Call) or assertion.comparisons:
            continue
        if assertion.api in CALL_ASSERTIONS:
            # `mock.assert_called_once_with(payload)`: the arguments are what the call expects
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                yield arg, at
            continue
        if assertion.kind in {Kind.MOCK, Kind.RAISES}:
            continue
        if _is_equality_helper(assertion):
            for arg in call.args[:2]:
                yield arg, at
        for keyword in call.keywords:
            # `check_grouping(df, expected_index=...)`: the keyword names the expected value
            if keyword.arg and (keyword.arg in COMPARED_KEYWORDS
                                or EXPECTED_NAME.match(keyword.arg)):
                yield keyword.value, at


def _annotated(literal: ast.expr, comments: dict[int, str]) -> bool:
    """Explanatory comments inside the literal: a person wrote and read it, it was not pasted.
    (Tool pragmas such as `# noqa` or `# fmt: skip` explain nothing.)"""
    start, end = literal.lineno, literal.end_lineno or literal.lineno
    return any(
        start < line < end and not PRAGMA.match(text) for line, text in comments.items()
    )


def _comments_around(ctx: RuleContext, test: TestFunction, literal: ast.expr) -> dict[int, str]:
    """The comments that may sit inside `literal`: from its test's lines alone when the test
    holds it (tokenizing one test, not the file), else the file's."""
    node = test.node
    first = definition_start(node)
    last = literal.end_lineno or literal.lineno
    if first <= literal.lineno and last <= (node.end_lineno or node.lineno):
        return ctx.module.source.comments_in(first, last)
    return ctx.module.source.comments


def _container_chars(max_items: int) -> int:
    """The characters a container needs to hold more than `max_items` leaf items: each item is
    at least one character, and a separator (a comma, a bracket) stands between two, so n items
    take at least 2n - 1."""
    return 2 * max_items if max_items >= 0 else max_items


def _may_hold_giant(test: TestFunction, info: _Module, max_lines: int, max_items: int) -> bool:
    """Whether a literal of the test's body could exceed the limits (`Size.exceeds`), by a bound
    read from its position: its measured lines are at most its source lines; a container's leaf
    items take at least two characters each, less one (`_container_chars`); a string's text is at
    most the characters of its source."""
    text_chars = TEXT_LINE_WIDTH * max_lines
    # a string lies within the test's own source: the usual test is too short to hold one over
    # the limits, and its strings need no look
    strings = (
        test.nodes_of(ast.Constant, ast.JoinedStr)
        if info.may_span_over(test.node, max_lines, text_chars) else ()
    )
    for node in strings:
        if (
            (node.end_lineno != node.lineno
             or (node.end_col_offset or 0) - node.col_offset > text_chars)
            and (isinstance(node, ast.JoinedStr) or isinstance(node.value, str | bytes))
            and info.may_span_over(node, max_lines, text_chars)
        ):
            return True
    container_chars = _container_chars(max_items)
    containers = cast("list[ast.expr]", test.nodes_of(ast.Dict, ast.List, ast.Tuple, ast.Set))
    for container in containers:
        if (
            container.end_lineno == container.lineno
            and max_lines >= 1
            and (container.end_col_offset or 0) - container.col_offset <= container_chars
        ):
            continue  # one short line: the usual container, answered without a call
        if info.may_span_over(container, max_lines, container_chars):
            return True
    return False


def _report_literals(ctx: RuleContext, info: _Module, max_lines: int, max_items: int) -> None:
    reported: set[int] = set()
    # what an expected side resolves to is a literal of the test's body, or of the value of a
    # module constant it names (or that such a constant names): when none of them could be over
    # the limits, the test has nothing to say
    giant_constants = info.giant_constants(max_lines, max_items)
    for scope in info.scopes:
        if not _may_hold_giant(scope.test, info, max_lines, max_items) and not (
            giant_constants
            and any(n.id in giant_constants for n in scope.test.nodes_of(ast.Name))
        ):
            continue
        for side, at in _expected_sides(scope.test):
            found = _resolve(side, at, scope)
            if found is None:
                continue
            literal = found.literal
            if id(literal) in reported or not may_exceed(literal, max_lines, max_items):
                continue
            size = literal_size(literal)
            if found.text:
                size = dataclasses.replace(size, names_only=False)
            if not size.exceeds(max_lines, max_items):
                continue
            if found.name is not None and (
                found.name in scope.inputs or (not found.local and found.name in info.inputs)
            ):
                continue  # the test feeds this data in: a round trip, not a frozen output
            if _annotated(literal, _comments_around(ctx, scope.test, literal)):
                continue
            reported.add(id(literal))
            ctx.report(
                literal,
                f"expected literal spans {size.describe()} "
                f"({limits(max_lines, max_items)}): a payload this size is pasted, not "
                "read, and review rubber-stamps it; assert the key fields and invariants "
                "instead",
                test=scope.test,
            )


def check(ctx: RuleContext) -> None:
    max_lines = ctx.options.snapshot_max_lines
    max_items = ctx.options.snapshot_max_items
    info = _Module(module=ctx.module)
    info.scopes = [_Scope(test=test, info=info) for test in ctx.module.tests]
    try:
        _report_literals(ctx, info, max_lines, max_items)
    finally:
        info.scopes.clear()  # scopes point back at info: let the file's facts go by refcount
