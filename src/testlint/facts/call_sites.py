"""A test's calls with how each result is used; built on first use."""

from __future__ import annotations

import ast
import bisect
from dataclasses import dataclass, field

from testlint.facts.bindings import _bound_names
from testlint.facts.model import CallSite
from testlint.facts.names import dotted_name, qualify, root_name
from testlint.facts.vocabulary import BUILTIN_NAMES

_UNSEEN = object()


@dataclass
class _Naming:
    """What naming a call needs (the module's imports and top-level names, a memo of resolved
    call names), apart from the builder: a test's call sites, built on first use, keep this and
    not the builder, so a file's facts form no reference cycle and are freed by refcount."""

    imports: dict[str, str]
    defined: set[str]
    names: dict[int, str | None] = field(default_factory=dict)  # id(call) -> qualified name

    def call_name(self, call: ast.Call) -> str | None:
        key = id(call)
        name = self.names.get(key, _UNSEEN)
        if name is _UNSEEN:
            name = self.names[key] = qualify(call.func, self.imports)
        return name  # type: ignore[return-value]


def _call_sites(
    naming: _Naming,
    by_type: dict[type, list[ast.AST]],
    mocks: frozenset[str],
    params: set[str],
    asserting: list[ast.AST],
) -> list[CallSite]:
    """The call sites of a test whose body's nodes are `by_type` (by exact type, each list in
    walk order) and whose assert statements and asserting calls are `asserting`; the names the
    test binds are read here, on first use.

    Each node has one parent, so a call is at most one of: an expression statement's value, an
    assignment's value, a with item, an argument; the kinds are read one after the other."""
    locals_ = _local_names(by_type)
    assertion_spans = [_span(node) for node in asserting]
    usage: dict[int, tuple[str, tuple[str, ...]]] = {}
    empty: list[ast.AST] = []
    for sub in by_type.get(ast.Expr, empty):
        value = sub.value  # type: ignore[attr-defined]
        if value.__class__ is ast.Call or value.__class__ is ast.Await:
            inner = value.value if value.__class__ is ast.Await else value
            usage[id(inner)] = ("discarded", ())
    for sub in [*by_type.get(ast.Assign, empty), *by_type.get(ast.AnnAssign, empty)]:
        if isinstance(sub, ast.Assign | ast.AnnAssign) and sub.value is not None:
            value = sub.value.value if isinstance(sub.value, ast.Await) else sub.value
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            names = tuple(n for t in targets for n in _bound_names(t))
            usage[id(value)] = ("assigned", names)
    for sub in [*by_type.get(ast.With, empty), *by_type.get(ast.AsyncWith, empty)]:
        for item in sub.items:  # type: ignore[attr-defined]
            names = tuple(_bound_names(item.optional_vars)) if item.optional_vars else ()
            usage[id(item.context_expr)] = ("assigned" if names else "discarded", names)
    calls: list[ast.Call] = by_type.get(ast.Call, empty)  # type: ignore[assignment]
    for sub in calls:
        for arg in sub.args:
            usage.setdefault(id(arg), ("argument", ()))
        for keyword in sub.keywords:
            usage.setdefault(id(keyword.value), ("argument", ()))
    # where each name a call's result is bound to is read: only those names are looked up
    bound_names = {name for kind, bound in usage.values() if kind == "assigned" for name in bound}
    loads: dict[str, list[tuple[int, int]]] = {}
    if bound_names:
        for sub in by_type.get(ast.Name, empty):
            if sub.id in bound_names and sub.ctx.__class__ is ast.Load:  # type: ignore[attr-defined]
                loads.setdefault(sub.id, []).append(  # type: ignore[attr-defined]
                    (sub.lineno, sub.col_offset)  # type: ignore[attr-defined]
                )
    sites: list[CallSite] = []
    # "inside some assertion's span": spans sorted by start, with the furthest end reached
    # so far; a call is inside one iff a span starting at or before it ends at or after it
    ordered = sorted(assertion_spans)
    starts = [(span[0], span[1]) for span in ordered]
    furthest: list[tuple[int, int]] = []
    for span in ordered:
        end = (span[2], span[3])
        furthest.append(max(furthest[-1], end) if furthest else end)
    for sub in calls:
        kind, bound = usage.get(id(sub), ("other", ()))
        line, col = sub.lineno, sub.col_offset
        index = bisect.bisect_right(starts, (line, col)) - 1
        in_assertion = index >= 0 and furthest[index] >= (
            sub.end_lineno or line, sub.end_col_offset or col
        )
        if in_assertion and kind in {"other", "argument"}:
            kind = "asserted"
        read = False
        if kind == "assigned":
            end = (sub.end_lineno or sub.lineno, sub.end_col_offset or 0)
            read = any(pos > end for name in bound for pos in loads.get(name, []))
        sites.append(
            CallSite(
                node=sub,
                dotted=dotted_name(sub.func),
                qualname=naming.call_name(sub),
                origin=_origin(naming, sub, mocks, params, locals_),
                usage=kind,
                bound=bound,
                result_read=read,
                in_assertion=in_assertion,
            )
        )
    return sites


def _local_names(by_type: dict[type, list[ast.AST]]) -> set[str]:
    """The names a test body binds: assignment, loop, `with ... as`, comprehension and walrus
    targets, and `except ... as` names."""
    found: set[str] = set()
    for kind in _LOCAL_BINDERS:
        for sub in by_type.get(kind, ()):
            if isinstance(sub, ast.Assign):
                for target in sub.targets:
                    found.update(_bound_names(target))
            elif isinstance(sub, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
                found.update(_bound_names(sub.target))
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
                    if item.optional_vars is not None:
                        found.update(_bound_names(item.optional_vars))
            elif isinstance(sub, ast.comprehension | ast.NamedExpr):
                found.update(_bound_names(sub.target))
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                found.add(sub.name)
    return found


_LOCAL_BINDERS = frozenset({
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith,
    ast.comprehension, ast.NamedExpr, ast.ExceptHandler,
})


def _span(node: ast.AST) -> tuple[int, int, int, int]:
    return (
        getattr(node, "lineno", 0),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", 0) or 0,
        getattr(node, "end_col_offset", 0) or 0,
    )


def _origin(
    naming: _Naming, call: ast.Call, mocks: frozenset[str], params: set[str], locals_: set[str]
) -> str:
    root = root_name(call.func)
    if root is None:
        return "unknown"
    if root in mocks:
        return "mock"
    if root in {"self", "cls"}:
        return "self"
    if root in locals_:
        return "variable"
    if root in params:
        return "fixture"
    if root in naming.imports:
        return "import"
    if root in naming.defined:
        return "local"
    if root in BUILTIN_NAMES:
        return "builtin"
    return "unknown"
