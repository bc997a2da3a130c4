"""Where a module can be mutated and how: the operators, read from the stdlib `ast`.

Every operator yields *sites*: one source span of a function body and the text that replaces it.
A mutated module is the original text with exactly one span replaced, so line numbers (and so
tracebacks and coverage) stay those of the original file: an expression is replaced by a
parenthesised expression padded with as many newlines as the original spanned, an augmented
assignment keeps its text and only its operator token changes.

What is never mutated, because a change there is invisible or meaningless to a behaviour test:
docstrings, annotations, `assert` statements, `raise` statements, logging calls (`logger.debug`,
`log.info`, `logging.warning`, ...), the `encoding=`/`errors=` of a call, `case` patterns, and
mutants that cannot change the result (`x * 1`, `x + 0`, `x // 1`). Bodies of nested functions
and classes belong to their own qualname.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

from testlint.mutation.model import Mutant

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

# comparison operators: the boundary shift (`<` to `<=`) and the negation (`<` to `>=`)
_BOUNDARY: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
}
_NEGATION: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
    ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
# arithmetic swaps (mutmut's table, less `**` to `*`, which is rarely a plausible slip)
_ARITHMETIC: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult,
    ast.LShift: ast.RShift, ast.RShift: ast.LShift, ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd, ast.BitXor: ast.BitAnd,
}
_OP_TEXT: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.MatMult: "@",
}
# the right operand that makes an operator a no-op: `x + 0`, `x * 1`, ...
_NEUTRAL_RIGHT: dict[type[ast.operator], object] = {
    ast.Add: 0, ast.Sub: 0, ast.Mult: 1, ast.Div: 1, ast.FloorDiv: 1, ast.Pow: 1,
    ast.LShift: 0, ast.RShift: 0, ast.BitOr: 0, ast.BitXor: 0,
}
_FLOOR_CEIL = {"floor": "ceil", "ceil": "floor"}
_DECIMAL_ROUNDING = {
    "ROUND_HALF_UP": "ROUND_HALF_EVEN", "ROUND_HALF_EVEN": "ROUND_HALF_UP",
    "ROUND_HALF_DOWN": "ROUND_HALF_UP", "ROUND_UP": "ROUND_DOWN", "ROUND_DOWN": "ROUND_UP",
    "ROUND_CEILING": "ROUND_FLOOR", "ROUND_FLOOR": "ROUND_CEILING", "ROUND_05UP": "ROUND_DOWN",
}
# mutmut's symmetric string-method swaps (`split` to `rsplit` only matters with a maxsplit)
_STRING_METHODS = {
    "lower": "upper", "upper": "lower", "lstrip": "rstrip", "rstrip": "lstrip",
    "find": "rfind", "rfind": "find", "index": "rindex", "rindex": "index",
    "ljust": "rjust", "rjust": "ljust", "removeprefix": "removesuffix",
    "removesuffix": "removeprefix", "partition": "rpartition", "rpartition": "partition",
    "startswith": "endswith", "endswith": "startswith",
}
# the operators whose behaviour text names the arguments the changed code reads
_NAMES_ARGUMENTS = frozenset({"comparison-boundary", "comparison-negate", "boolean", "negation",
                              "arithmetic", "off-by-one", "rounding", "return-number"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical",
                          "log", "fatal"})
_QUIET_KEYWORDS = frozenset({"encoding", "errors"})
_NUMERIC_CALLS = frozenset({"len", "round", "int", "float", "sum", "abs", "min", "max", "floor",
                            "ceil", "trunc", "fsum", "divmod", "count"})

# what a test would see, per operator; `{f}` is the function. No code, no constants, no
# operator symbols, no line numbers: this text crosses the rewrite firewall.
BEHAVIOUR: dict[str, str] = {
    "arithmetic": "`{f}` computes one of its values with the wrong arithmetic",
    "comparison-boundary": "`{f}` puts an input that lies exactly on one of its limits on the "
                           "wrong side of that limit",
    "comparison-negate": "`{f}` takes the opposite branch of one of its decisions",
    "constant-number": "`{f}` uses a slightly different number in its computation",
    "constant-string": "`{f}` produces or uses a different text value",
    "constant-bool": "`{f}` uses the opposite yes/no value in one place",
    "return-value": "`{f}` returns None instead of its result in at least one case",
    "return-number": "`{f}` returns a result off by one for some inputs",
    "returned-field": "`{f}` returns a result in which one part is left empty (None)",
    "attribute-field": "`{f}` leaves one of the fields it sets on the object empty (None)",
    "remove-call": "`{f}` skips one of the actions it performs for its side effect",
    "boolean": "`{f}` combines two of its conditions the wrong way (either one instead of both, "
               "or both instead of either)",
    "negation": "`{f}` inverts one of its conditions",
    "rounding": "`{f}` rounds a value in a different direction",
    "string-method": "`{f}` transforms or searches a text from the wrong end or in the wrong "
                     "case",
    "loop-control": "`{f}` leaves a loop where it should go on to the next item, or the "
                    "other way round",
    "off-by-one": "`{f}` starts one item late or stops one item early when it walks or cuts "
                  "a sequence",
}


@dataclass(frozen=True)
class Site:
    """One way to change one span of a function body."""

    qualname: str
    operator: str
    line: int          # of the span's start, 1-based
    col: int           # byte offset in that line, as `ast` counts
    end_line: int
    end_col: int
    text: str          # what replaces the span
    before: str        # the original code, for location_text
    after: str         # the changed code, for location_text
    params: tuple[str, ...] = ()  # the function's arguments the changed code reads


def _unparse(node: ast.AST) -> str:
    return ast.unparse(node)


def _source_of(lines: list[bytes], node: ast.AST) -> str:
    """The exact text of `node` (lines: the source's UTF-8 lines, as `ast` counts columns)."""
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return _slice_bytes(lines, start, end).decode("utf-8", errors="replace")


def _segment(lines: list[bytes], node: ast.AST) -> str:
    text = " ".join(_source_of(lines, node).split())
    return text if len(text) <= 60 else text[:57] + "..."


def _is_docstring(statement: ast.stmt, body: list[ast.stmt]) -> bool:
    return (statement is body[0] and isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Constant)
            and isinstance(statement.value.value, str))


def _is_log_call(node: ast.Call) -> bool:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in _LOG_METHODS:
        return False
    receiver = func.value
    while isinstance(receiver, ast.Attribute | ast.Call):
        receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value
    name = receiver.id if isinstance(receiver, ast.Name) else ""
    if isinstance(func.value, ast.Attribute):
        name = func.value.attr
    return "log" in name.lower()


def _callee(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _number(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, int | float)
            and not isinstance(node.value, bool))


def _looks_numeric(node: ast.expr) -> bool:
    if isinstance(node, ast.BinOp):
        return type(node.op) in {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod,
                                 ast.Pow} and not any(
            isinstance(side, ast.Constant) and isinstance(side.value, str | bytes)
            for side in (node.left, node.right))
    if isinstance(node, ast.Call):
        return _callee(node) in _NUMERIC_CALLS
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _looks_numeric(node.operand) or _number(node.operand)
    return False


class _Walker:
    """Collects the sites of one function body in source order."""

    def __init__(self, lines: list[bytes], qualname: str, params: frozenset[str]) -> None:
        self.lines = lines
        self.qualname = qualname
        self.params = params
        self.sites: list[Site] = []
        self.bounds: set[int] = set()  # ids of constants an off-by-one site already changes

    # -- recording ------------------------------------------------------------------------
    def replace(self, operator: str, node: ast.AST, new: ast.AST | str, after: str = "") -> None:
        """`node`'s span becomes `(new)`, padded with newlines to as many lines as `node` had
        (`new` is on one line, or keeps the lines of the original when it quotes it)."""
        new_text = new if isinstance(new, str) else _unparse(new)
        lines = node.end_lineno - node.lineno - new_text.count("\n")  # type: ignore[attr-defined]
        self.sites.append(Site(
            self.qualname, operator, node.lineno, node.col_offset,  # type: ignore[attr-defined]
            node.end_lineno, node.end_col_offset,  # type: ignore[attr-defined]
            "(" + new_text + "\n" * lines + ")", _segment(self.lines, node), after or new_text,
            self.reads(operator, node)))

    def reads(self, operator: str, node: ast.AST) -> tuple[str, ...]:
        """The arguments of the function that the changed code reads, for the operators whose
        behaviour they make concrete (a boundary *of `age`*); the signature shows them anyway."""
        if operator not in _NAMES_ARGUMENTS:
            return ()
        return tuple(sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                            & self.params))

    def shifted(self, node: ast.expr, delta: int) -> str:
        if _number(node):
            value = node.value + delta  # type: ignore[attr-defined]
            return repr(value)
        sign = "+" if delta > 0 else "-"
        return f"{_unparse(node)} {sign} {abs(delta)}"

    # -- walking --------------------------------------------------------------------------
    def body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            if _is_docstring(statement, statements):
                continue
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
                      | ast.Assert | ast.Raise | ast.Import | ast.ImportFrom | ast.Global
                      | ast.Nonlocal):
            return
        if isinstance(node, ast.Return) and node.value is not None:
            self.returned(node.value)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call | ast.Await):
            call = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(call, ast.Call) and _is_log_call(call):
                return
            self.replace("remove-call", node.value, "None")
        if isinstance(node, ast.AugAssign):
            self.augmented(node)
        if (isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
                and not (isinstance(node.value, ast.Constant) and node.value.value is None)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                   and t.value.id in {"self", "cls"} for t in targets):
                self.replace("attribute-field", node.value, "None")
        if isinstance(node, ast.If | ast.While):
            self.condition(node.test)
        if isinstance(node, ast.Break | ast.Continue):
            other = "continue" if isinstance(node, ast.Break) else "break"
            self.sites.append(Site(self.qualname, "loop-control", node.lineno, node.col_offset,
                                   node.end_lineno or node.lineno,
                                   node.end_col_offset or node.col_offset, other,
                                   _segment(self.lines, node), other))
        for field, value in ast.iter_fields(node):
            if field in {"annotation", "returns", "type_comment", "decorator_list"}:
                continue
            if isinstance(node, ast.Match) and field == "cases":
                for case in value:
                    if case.guard is not None:
                        self.expression(case.guard)
                    self.body(case.body)
                continue
            self.child(value)

    def child(self, value: object) -> None:
        if isinstance(value, list):
            if value and isinstance(value[0], ast.stmt):
                self.body(value)
                return
            for item in value:
                self.child(item)
        elif isinstance(value, ast.stmt):
            self.statement(value)
        elif isinstance(value, ast.expr):
            self.expression(value)
        elif isinstance(value, ast.AST):  # comprehension, keyword, excepthandler, withitem, ...
            if isinstance(value, ast.keyword) and value.arg in _QUIET_KEYWORDS:
                return
            for _field, item in ast.iter_fields(value):
                if _field in {"annotation", "type_comment"}:
                    continue
                self.child(item)

    def expression(self, node: ast.expr) -> None:
        if isinstance(node, ast.JoinedStr):
            self.replace("constant-string", node, "'XX' + " + _source_of(self.lines, node),
                         after="'XX' + " + _segment(self.lines, node))
            return  # positions inside f-strings are not reliable before 3.12
        if isinstance(node, ast.Call) and _is_log_call(node):
            return
        self.operators(node)
        for _field, value in ast.iter_fields(node):
            self.child(value)

    # -- operators ------------------------------------------------------------------------
    def operators(self, node: ast.expr) -> None:
        if isinstance(node, ast.Compare):
            for index, op in enumerate(node.ops):
                for operator, table in (("comparison-boundary", _BOUNDARY),
                                        ("comparison-negate", _NEGATION)):
                    if type(op) in table:
                        changed = ast.Compare(node.left, list(node.ops), node.comparators)
                        changed.ops[index] = table[type(op)]()
                        self.replace(operator, node, changed)
        elif isinstance(node, ast.BinOp):
            self.arithmetic(node)
        elif isinstance(node, ast.IfExp):
            self.condition(node.test)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            self.replace("boolean", node, ast.BoolOp(other, node.values))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.replace("negation", node, node.operand)
        elif isinstance(node, ast.Constant):
            self.constant(node)
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            if node.slice.lower is not None:
                self.bound(node.slice.lower, +1)
            if node.slice.upper is not None:
                self.bound(node.slice.upper, -1)
        elif isinstance(node, ast.Call):
            self.call(node)
        elif isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in _DECIMAL_ROUNDING and isinstance(node.ctx, ast.Load):
                new = _DECIMAL_ROUNDING[name]
                if isinstance(node, ast.Name):
                    self.replace("rounding", node, ast.Name(new, ast.Load()))
                else:
                    self.replace("rounding", node, ast.Attribute(node.value, new, ast.Load()))

    def condition(self, test: ast.expr) -> None:
        """A plain condition (`if ready:`, `x if valid(y) else z`) is inverted; a comparison,
        `and`/`or` or `not` has operators of its own."""
        if not isinstance(test, ast.Compare | ast.BoolOp | ast.UnaryOp | ast.Constant):
            self.replace("negation", test, ast.UnaryOp(ast.Not(), test))

    def arithmetic(self, node: ast.BinOp) -> None:
        op = type(node.op)
        if op not in _ARITHMETIC:
            return
        if any(isinstance(side, ast.Constant) and isinstance(side.value, str | bytes)
               for side in (node.left, node.right)):
            return  # string concatenation or %-formatting: the swap only raises TypeError
        right = node.right
        if (isinstance(right, ast.Constant) and not isinstance(right.value, bool)
                and op in _NEUTRAL_RIGHT and right.value == _NEUTRAL_RIGHT[op]):
            return  # `x + 0`, `x * 1`: the swapped operator gives the same value
        self.replace("arithmetic", node, ast.BinOp(node.left, _ARITHMETIC[op](), node.right))

    def augmented(self, node: ast.AugAssign) -> None:
        op = type(node.op)
        if op not in _ARITHMETIC or op not in _OP_TEXT:
            return
        right = node.value
        if (isinstance(right, ast.Constant) and not isinstance(right.value, bool)
                and op in _NEUTRAL_RIGHT and right.value == _NEUTRAL_RIGHT[op]):
            return
        if isinstance(right, ast.Constant) and isinstance(right.value, str | bytes):
            return
        start = (node.target.end_lineno, node.target.end_col_offset)
        end = (node.value.lineno, node.value.col_offset)
        gap = _slice_bytes(self.lines, start, end).decode("utf-8")  # type: ignore[arg-type]
        old, new = _OP_TEXT[op] + "=", _OP_TEXT[_ARITHMETIC[op]] + "="
        if old not in gap:
            return
        self.sites.append(Site(
            self.qualname, "arithmetic", start[0] or 0, start[1] or 0, end[0], end[1],
            gap.replace(old, new, 1), _segment(self.lines, node),
            f"{_unparse(node.target)} {new} {_unparse(node.value)}",
            self.reads("arithmetic", node)))

    def constant(self, node: ast.Constant) -> None:
        value = node.value
        if id(node) in self.bounds or value is None or value is Ellipsis:
            return
        if isinstance(value, bool):
            self.replace("constant-bool", node, repr(not value))
        elif isinstance(value, int | float):
            self.replace("constant-number", node, repr(value + 1))
        elif isinstance(value, str):
            self.replace("constant-string", node, repr("XX" + value + "XX"))
        elif isinstance(value, bytes):
            self.replace("constant-string", node, repr(b"XX" + value + b"XX"))

    def bound(self, node: ast.expr, delta: int) -> None:
        if _number(node):
            self.bounds.add(id(node))
        self.replace("off-by-one", node, self.shifted(node, delta))

    def call(self, node: ast.Call) -> None:
        name = _callee(node)
        if isinstance(node.func, ast.Attribute) and name in _STRING_METHODS:
            self.replace("string-method", node.func,
                         ast.Attribute(node.func.value, _STRING_METHODS[name], ast.Load()))
        elif (isinstance(node.func, ast.Attribute) and name in {"split", "rsplit"}
              and (len(node.args) == 2 or any(k.arg == "maxsplit" for k in node.keywords))):
            other = "rsplit" if name == "split" else "split"
            self.replace("string-method", node.func,
                         ast.Attribute(node.func.value, other, ast.Load()))
        if name == "range" and isinstance(node.func, ast.Name) and not node.keywords:
            if len(node.args) == 1:
                self.bound(node.args[0], -1)
            elif len(node.args) >= 2:
                self.bound(node.args[0], +1)
                self.bound(node.args[1], -1)
        elif (name == "round" and isinstance(node.func, ast.Name) and len(node.args) == 1
              and not node.keywords):
            self.replace("rounding", node, ast.Call(ast.Name("int", ast.Load()), node.args, []))
        elif (name == "int" and isinstance(node.func, ast.Name) and len(node.args) == 1
              and isinstance(node.args[0], ast.BinOp)
              and isinstance(node.args[0].op, ast.Div | ast.Mult)):
            self.replace("rounding", node, ast.Call(ast.Name("round", ast.Load()), node.args, []))
        elif name in _FLOOR_CEIL:
            other = _FLOOR_CEIL[name]
            if isinstance(node.func, ast.Attribute):
                func: ast.expr = ast.Attribute(node.func.value, other, ast.Load())
            else:  # `from math import floor`: the other may not be imported
                func = ast.Attribute(ast.Call(ast.Name("__import__", ast.Load()),
                                              [ast.Constant("math")], []), other, ast.Load())
            self.replace("rounding", node.func, func,
                         after=other if isinstance(node.func, ast.Name) else _unparse(func))

    def returned(self, value: ast.expr) -> None:
        if not (isinstance(value, ast.Constant) and (value.value is None
                                                     or isinstance(value.value, bool))):
            self.replace("return-value", value, "None")
        if _looks_numeric(value):
            self.replace("return-number", value, f"{_unparse(value)} + 1")
        fields: list[ast.expr] = []
        if isinstance(value, ast.Dict):
            fields = [v for k, v in zip(value.keys, value.values, strict=True) if k is not None]
        elif isinstance(value, ast.Tuple):
            fields = [v for v in value.elts if not isinstance(v, ast.Starred)]
        elif isinstance(value, ast.Call):
            fields = [k.value for k in value.keywords if k.arg is not None]
        for field in fields:
            if not (isinstance(field, ast.Constant) and field.value is None):
                self.replace("returned-field", field, "None")


def _slice_bytes(lines: list[bytes], start: tuple[int, int], end: tuple[int, int]) -> bytes:
    (l1, c1), (l2, c2) = start, end
    if l1 == l2:
        return lines[l1 - 1][c1:c2]
    return lines[l1 - 1][c1:] + b"".join(lines[l1:l2 - 1]) + lines[l2 - 1][:c2]


def functions_of(tree: ast.Module) -> Iterator[tuple[str, FunctionNode]]:
    """Every function and method in source order, with a dotted qualname ("Cart.total",
    "outer.inner")."""

    def walk(body: list[ast.stmt], prefix: str) -> Iterator[tuple[str, FunctionNode]]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                yield from walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield f"{prefix}{node.name}", node
                yield from walk(node.body, f"{prefix}{node.name}.")
            else:  # functions defined under `if`/`try` at module or class level
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        for item in inner:
                            if isinstance(item, ast.ExceptHandler):
                                yield from walk(item.body, prefix)
                        yield from walk([s for s in inner if isinstance(s, ast.stmt)], prefix)

    yield from walk(tree.body, "")


def _selected(qualname: str, functions: Collection[str] | None) -> bool:
    if functions is None:
        return True
    return any(qualname == name or qualname.startswith(name + ".") for name in functions)


def sites(source: str, path: Path, *, functions: Collection[str] | None = None,
          lines: Collection[int] | None = None) -> list[tuple[Mutant, Site]]:
    """The mutants of `source` (the text of `path`) with the site each one changes."""
    tree = ast.parse(source)
    encoded = source.encode("utf-8").splitlines(keepends=True)
    counters: dict[tuple[str, str], int] = {}
    found: list[tuple[Mutant, Site]] = []
    wanted = None if lines is None else frozenset(lines)
    every = list(functions_of(tree))
    twice = {name for name, count in Counter(name for name, _f in every).items() if count > 1}
    for qualname, func in every:
        # k counts per qualname, so a function that is not asked for need not be walked
        # (unless a later one has the same qualname: a property's getter and setter)
        if not _selected(qualname, functions):
            continue
        if wanted is not None and qualname not in twice and wanted.isdisjoint(
                range(func.lineno, (func.end_lineno or func.lineno) + 1)):
            continue
        arguments = func.args
        params = frozenset(a.arg for a in (*arguments.posonlyargs, *arguments.args,
                                           *arguments.kwonlyargs, arguments.vararg,
                                           arguments.kwarg)
                           if a is not None and a.arg not in {"self", "cls"})
        walker = _Walker(encoded, qualname, params)
        walker.body(func.body)
        for site in walker.sites:
            key = (qualname, site.operator)
            k = counters.get(key, 0)
            counters[key] = k + 1
            if wanted is not None and wanted.isdisjoint(range(site.line, site.end_line + 1)):
                continue
            found.append((_mutant(path, site, k), site))
    return found


def _mutant(path: Path, site: Site, k: int) -> Mutant:
    return Mutant(
        id=f"{path.name}:{site.qualname}:{site.operator}:{k}",
        path=path,
        qualname=site.qualname,
        line=site.line,
        col=site.col,
        operator=site.operator,
        location_text=f"`{site.qualname}`: `{site.before}` becomes `{site.after}` "
                      f"at {path.name}:{site.line}",
        behaviour_text=BEHAVIOUR[site.operator].format(f=site.qualname) + _concerning(site),
    )


def _concerning(site: Site) -> str:
    if not site.params:
        return ""
    names = [f"`{name}`" for name in site.params]
    if len(names) == 1:
        return f" (this concerns the argument {names[0]})"
    return f" (this concerns the arguments {', '.join(names[:-1])} and {names[-1]})"


def apply(source: str, site: Site) -> str:
    """`source` with the span of `site` replaced (line numbers unchanged)."""
    lines = source.encode("utf-8").splitlines(keepends=True)
    head = b"".join(lines[:site.line - 1]) + lines[site.line - 1][:site.col]
    tail = lines[site.end_line - 1][site.end_col:] + b"".join(lines[site.end_line:])
    return (head + site.text.encode("utf-8") + tail).decode("utf-8")


_ID = re.compile(r"^(?P<file>[^:]*):(?P<qualname>[^:]+):(?P<operator>[^:]+):(?P<k>\d+)$")


def qualname_of(mutant_id: str) -> str | None:
    match = _ID.match(mutant_id)
    return match.group("qualname") if match else None
