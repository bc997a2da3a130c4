"""Assertions that cannot fail because of what the test itself did just before them.

TL102's literal tautologies (`assert True`, `x == x`) are visible in the assertion alone. The
ones generators write more often need a look at the statements before the assertion, or at what
a name is:

- the exception `pytest.raises` caught exists: `assert excinfo.value is not None`,
  `assert excinfo.value`, `assert excinfo is not None` after the `with` block (likewise
  unittest's `cm.exception`);
- a class, function or module the test imported exists: `assert RetryHandler is not None`,
  `assert billing.RetryHandler is not None` (resolved: a module-level value that may be None
  is not such a name);
- a value the test pinned itself: `obj.disable = True` or
  `mocker.patch.object(obj, "disable", True)` (or inside a `with patch.object(obj, "disable",
  True):` block), then `assert obj.disable is True`, when nothing in
  between can change it: only statements without calls, mock assertions, and calls of methods
  of `obj` whose body (read from the code under test) neither assigns the attribute nor calls
  anything that could, or that return at once because of the pinned value itself
  (`if self.disable: return`);
- identity through an alias: `value = UNSET` then `assert value is UNSET`.

Each answer is certain or absent: an unresolved name, an unreadable method, a call the test
cannot see into, and the assertion is left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from testlint.facts import (
    MOCK_ASSERT_METHODS,
    Assertion,
    TestFunction,
    TestModule,
    dotted_name,
)
from testlint.reach.unit_calls import instance_class, resolve_unit

if TYPE_CHECKING:
    from testlint.inference import Definition, Inference

PATCH_ATTR_CALLS = frozenset(
    {"unittest.mock.patch.object", "mocker.patch.object", "monkeypatch.setattr"}
)
PATCH_ATTR_FINALS = frozenset(name.rsplit(".", 1)[-1] for name in PATCH_ATTR_CALLS)
RAISES_CONTEXTS = frozenset({"pytest.raises"})
UNITTEST_RAISES_CONTEXTS = frozenset({"assertRaises", "assertRaisesRegex"})


@dataclass(frozen=True)
class CannotFail:
    assertion: Assertion
    reason: str


def cannot_fail(
    module: TestModule, test: TestFunction, inference: Inference | None
) -> Iterator[CannotFail]:
    """The test's own `assert` statements that cannot fail, with why."""
    asserts = [
        a for a in own_assertions(test) if a.api == "assert" and a.expr is not None
    ]
    if not asserts:
        return
    caught = _caught_names(test)
    imported: dict[str, tuple[str, bool]] | None = None
    for assertion in asserts:
        assert assertion.expr is not None
        subject, kind = _existence_check(assertion.expr)
        if subject is None:
            continue
        if imported is None:
            imported = _imported_names(module, test)
        reason = _exists(subject, kind, assertion, caught, imported, inference)
        if reason is not None:
            yield CannotFail(assertion, reason)
    if any(_attribute_against_constant(a.expr) for a in asserts):
        yield from _pinned(module, test, inference, asserts)
    yield from _aliases(test, asserts)


def _attribute_against_constant(expr: ast.expr | None) -> bool:
    """`obj.attr is CONST` / `obj.attr == CONST` (either way round): the only shape in which an
    assertion re-asserts a pinned value (`_reasserted`), checked before the statements are."""
    if not (
        isinstance(expr, ast.Compare)
        and len(expr.ops) == 1
        and isinstance(expr.ops[0], ast.Is | ast.Eq)
    ):
        return False
    left, right = expr.left, expr.comparators[0]
    return (isinstance(left, ast.Attribute) and _constant(right) is not None) or (
        isinstance(right, ast.Attribute) and _constant(left) is not None
    )


def own_assertions(test: TestFunction) -> list[Assertion]:
    """The test's assertions that run as statements of the test itself: not a fixture's, and
    not those in a function, lambda or class the test defines (a callback's `assert True`)."""
    found = [a for a in test.assertions if a.node is not test.node]
    if test.own_nodes is test.nodes:
        return found  # nothing nested: every node is the test's own
    own = {id(node) for node in test.own_nodes_of(ast.Assert, ast.Call, ast.Raise)}
    return [a for a in found if id(a.node) in own]


# ---- existence: `x is not None`, bare truthiness ------------------------------------------
def _existence_check(expr: ast.expr) -> tuple[ast.expr | None, str]:
    """(x, "not-none") for `x is not None`, (x, "truthy") for `assert x`; else (None, "")."""
    if (
        isinstance(expr, ast.Compare)
        and len(expr.ops) == 1
        and isinstance(expr.ops[0], ast.IsNot)
        and isinstance(expr.comparators[0], ast.Constant)
        and expr.comparators[0].value is None
    ):
        return expr.left, "not-none"
    if isinstance(expr, ast.Name | ast.Attribute):
        return expr, "truthy"
    return None, ""


def _exists(
    subject: ast.expr,
    kind: str,
    assertion: Assertion,
    caught: dict[str, tuple[int, str]],
    imported: dict[str, tuple[str, bool]],
    inference: Inference | None,
) -> str | None:
    spelled = dotted_name(subject)
    if spelled is None:
        return None
    head, _, rest = spelled.partition(".")
    if head in caught:
        end, api = caught[head]
        after = getattr(assertion.node, "lineno", 0) > end
        wanted = {"", "value", "type"} if api == "pytest" else {"", "exception"}
        if after and rest in wanted and (kind == "not-none" or rest):
            what = f"`{spelled}`" if rest else "the exception info"
            return f"{what} always exists once the `with` block caught an exception"
        return None
    if head not in imported:
        return None
    qualified, plain = imported[head]
    if plain and not rest:
        found = "module"  # `import x` binds a module, whatever x is
    else:
        if inference is None:
            return None
        definition = inference.resolve(f"{qualified}.{rest}" if rest else qualified)
        if definition is None:
            return None
        found = "function" if definition.kind == "method" and rest else definition.kind
    if found in {"module", "function"} or (found == "class" and kind == "not-none"):
        what = f"a {found} of an imported module" if rest else f"an imported {found}"
        return f"`{spelled}` is {what}, which exists once the import succeeded"
    return None


def _caught_names(test: TestFunction) -> dict[str, tuple[int, str]]:
    """`excinfo` of `with pytest.raises(...) as excinfo:` (and unittest's `as cm`) with the last
    line of the block, when the name is bound nowhere else."""
    found: dict[str, tuple[int, str]] = {}
    by_call = {id(r.call): r for r in test.raises}
    for node in test.own_nodes_of(ast.With, ast.AsyncWith):
        for item in node.items:
            use = by_call.get(id(item.context_expr))
            if use is None or not isinstance(item.optional_vars, ast.Name):
                continue
            if use.api in RAISES_CONTEXTS:
                api = "pytest"
            elif use.api.removeprefix("unittest.") in UNITTEST_RAISES_CONTEXTS:
                api = "unittest"
            else:
                continue
            name = item.optional_vars.id
            if _bindings(test, name) != 1:
                continue
            found[name] = (node.end_lineno or node.lineno, api)
    return found


def _bindings(test: TestFunction, name: str) -> int:
    return sum(
        1 for node in test.nodes_of(ast.Name)
        if node.id == name and isinstance(node.ctx, ast.Store)
    )


def _imported_names(module: TestModule, test: TestFunction) -> dict[str, tuple[str, bool]]:
    """Names bound by imports, to their qualified names and whether a plain `import x` bound
    them (a module, whatever it is); the module's imports, then the test's own. A name the test
    or the module also binds otherwise (`X = None` when the import fails) is left out."""
    found: dict[str, tuple[str, bool]] = {}
    for stmt in _module_imports(module.tree.body):
        _note_import(stmt, module.package, found)
    for node in test.own_nodes_of(ast.Import, ast.ImportFrom):
        _note_import(node, module.package, found)
    stores = {
        node.id for node in test.nodes_of(ast.Name) if isinstance(node.ctx, ast.Store)
    }
    return {
        name: qualified for name, qualified in found.items()
        if name not in stores and name not in module.defined and name not in test.params
    }


def _module_imports(body: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            yield stmt
        elif isinstance(stmt, ast.If | ast.Try):
            for block in (stmt.body, stmt.orelse, getattr(stmt, "finalbody", [])):
                yield from _module_imports(block)
            for handler in getattr(stmt, "handlers", []):
                yield from _module_imports(handler.body)


def _note_import(stmt: ast.Import | ast.ImportFrom, package: str | None,
                 found: dict[str, tuple[str, bool]]) -> None:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                found[alias.asname] = (alias.name, True)
            else:
                top = alias.name.split(".", 1)[0]
                found[top] = (top, True)
        return
    if stmt.level:
        if package is None:
            return
        parts = package.split(".") if package else []
        if stmt.level > 1:
            parts = parts[: len(parts) - (stmt.level - 1)]
        base = ".".join([*parts, stmt.module] if stmt.module else parts)
    else:
        base = stmt.module or ""
    for alias in stmt.names:
        if alias.name != "*" and base:
            found[alias.asname or alias.name] = (f"{base}.{alias.name}", False)


# ---- values the test pinned -----------------------------------------------------------------
@dataclass
class _Pin:
    owner: str  # the spelling of the object ("tqdm_instance", "self.client")
    attr: str
    value: object


def _pin_of(module: TestModule, stmt: ast.stmt) -> _Pin | None:
    """`obj.attr = CONST` or `[mocker.]patch.object(obj, "attr", CONST)` /
    `monkeypatch.setattr(obj, "attr", CONST)` as a statement."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        constant = _constant(stmt.value)
        if isinstance(target, ast.Attribute) and constant is not None:
            owner = dotted_name(target.value)
            if owner is not None:
                return _Pin(owner, target.attr, constant[0])
        return None
    if not isinstance(stmt, ast.Expr):
        return None
    return _patch_pin(module, stmt.value)


def _patch_pin(module: TestModule, call: ast.expr) -> _Pin | None:
    """`[mocker.]patch.object(obj, "attr", CONST)` / `monkeypatch.setattr(obj, "attr", CONST)`."""
    if not isinstance(call, ast.Call):
        return None
    func = call.func
    # each patching call's name ends in `.object` or `.setattr`; a bare name is one only
    # through an import alias: look before resolving the name
    if isinstance(func, ast.Attribute):
        if func.attr not in PATCH_ATTR_FINALS:
            return None
    elif not (isinstance(func, ast.Name) and func.id in module.imports):
        return None
    spelled = module.qualname(func) or dotted_name(func) or ""
    if spelled not in PATCH_ATTR_CALLS:
        return None
    args = list(call.args)
    new = next((k.value for k in call.keywords if k.arg in {"new", "value"}), None)
    if new is None and len(args) >= 3:
        new = args[2]
    if len(args) < 2 or new is None:
        return None
    owner = dotted_name(args[0])
    attr = args[1].value if isinstance(args[1], ast.Constant) else None
    constant = _constant(new)
    if owner is None or not isinstance(attr, str) or constant is None:
        return None
    return _Pin(owner, attr, constant[0])


def _constant(node: ast.expr) -> tuple[object] | None:
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, bool | int | str)
    ):
        return (node.value,)
    return None


def _reasserted(
    expr: ast.expr, pins: dict[tuple[str, str], tuple[object, list[ast.stmt]]]
) -> tuple[tuple[str, str], str] | None:
    if not isinstance(expr, ast.Compare) or len(expr.ops) != 1:
        return None
    if not isinstance(expr.ops[0], ast.Is | ast.Eq):
        return None
    left, right = expr.left, expr.comparators[0]
    for attribute, other in ((left, right), (right, left)):
        if not isinstance(attribute, ast.Attribute):
            continue
        owner = dotted_name(attribute.value)
        constant = _constant(other)
        if owner is None or constant is None or (owner, attribute.attr) not in pins:
            continue
        pinned = pins[(owner, attribute.attr)][0]
        if type(pinned) is type(constant[0]) and pinned == constant[0]:
            return (owner, attribute.attr), (
                f"the test set `{owner}.{attribute.attr}` to `{constant[0]!r}` itself and "
                "nothing since can change it"
            )
    return None


Pins = dict[tuple[str, str], tuple[object, list[ast.stmt]]]


def _pinned(
    module: TestModule, test: TestFunction, inference: Inference | None, asserts: list[Assertion]
) -> Iterator[CannotFail]:
    """Statement by statement: what the test pinned, and the statements run since each pin.
    The code under test is read only for an assertion that re-asserts a pinned value."""
    by_node = {id(a.node): a for a in asserts}
    yield from _pinned_in(module, test, inference, by_node, test.body, {})


def _pinned_in(
    module: TestModule,
    test: TestFunction,
    inference: Inference | None,
    by_node: dict[int, Assertion],
    body: list[ast.stmt],
    pins: Pins,
) -> Iterator[CannotFail]:
    for stmt in body:
        assertion = by_node.get(id(stmt))
        if assertion is not None and assertion.expr is not None:
            found = _reasserted(assertion.expr, pins) if pins else None
            if found is not None:
                key, reason = found
                value, since = pins[key]
                if _plain_attribute_of(module, test, inference, key) and all(
                    _keeps(module, test, inference, between, {key: value})
                    for between in since
                ):
                    yield CannotFail(assertion, reason)
            if pins and any(isinstance(n, ast.Call | ast.NamedExpr) for n in ast.walk(stmt)):
                pins.clear()  # an assertion that calls something may change anything
            continue
        pin = _pin_of(module, stmt)
        if pin is not None:
            pins[(pin.owner, pin.attr)] = (pin.value, [])
            continue
        if isinstance(stmt, ast.With):
            # `with patch.object(obj, "attr", CONST):` pins inside its block only
            inner = [_patch_pin(module, item.context_expr) for item in stmt.items]
            if all(p is not None for p in inner):
                block: Pins = {k: (v, list(since)) for k, (v, since) in pins.items()}
                for found_pin in inner:
                    assert found_pin is not None
                    block[(found_pin.owner, found_pin.attr)] = (found_pin.value, [])
                yield from _pinned_in(module, test, inference, by_node, stmt.body, block)
            pins.clear()  # after the block the patch is undone, and the block may do anything
            continue
        if not isinstance(stmt, ast.Expr | ast.Assign | ast.AnnAssign):
            pins.clear()  # blocks, loops, deletes, ...: not followed
            continue
        for _, since in pins.values():
            since.append(stmt)


def _plain_attribute_of(
    module: TestModule, test: TestFunction, inference: Inference | None, key: tuple[str, str]
) -> bool:
    """The pinned object is an instance of a project class on which `attr` is a plain instance
    attribute: no class in its hierarchy defines it (a property or descriptor computes what a
    read gives) or overrides `__setattr__`/`__getattribute__`."""
    owner, attr = key
    if inference is None or "." in owner:
        return False
    cls = instance_class(inference, module, test, ast.Name(id=owner, ctx=ast.Load()))
    return cls is not None and _plain_in(inference, cls, attr, 0)


def _plain_in(inference: Inference, cls: Definition, attr: str, depth: int) -> bool:
    if depth > 8:
        return False
    node = cls.node
    if isinstance(node, ast.ClassDef):  # a snippet's stand-in
        names = {
            t.id
            for stmt in node.body
            for t in ([stmt.target] if isinstance(stmt, ast.AnnAssign) else getattr(
                stmt, "targets", []))
            if isinstance(t, ast.Name)
        } | {
            stmt.name for stmt in node.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        bases = [dotted_name(b) for b in node.bases]
    else:
        try:
            names = set(node.locals)
            bases = [b.as_string() for b in node.bases]
        except Exception:
            return False
    if attr in names or names & {"__setattr__", "__getattribute__", "__slots__"}:
        return False
    for base in bases:
        if base == "object":
            continue
        if base is None or not base.replace(".", "").replace("_", "").isalnum():
            return False
        found = inference.resolve(f"{cls.module}.{base}")
        if found is None or found.kind != "class" or not _plain_in(inference, found, attr,
                                                                   depth + 1):
            return False
    return True


def _keeps(
    module: TestModule,
    test: TestFunction,
    inference: Inference | None,
    stmt: ast.stmt,
    pins: dict[tuple[str, str], object],
) -> bool:
    """Whether a statement surely leaves every pinned attribute as it is."""
    if not isinstance(stmt, ast.Expr | ast.Assign | ast.AnnAssign):
        return False  # blocks, loops, deletes, ...: not followed
    pinned_owners = {owner for owner, _ in pins}
    for node in ast.walk(stmt):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            return False
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Store)
            and node.id in {owner.split(".", 1)[0] for owner in pinned_owners}
        ):
            return False
        if isinstance(node, ast.NamedExpr | ast.Lambda | ast.Await | ast.Yield):
            return False
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in MOCK_ASSERT_METHODS:
            continue
        owner = dotted_name(func.value) if isinstance(func, ast.Attribute) else None
        if owner is None or owner not in pinned_owners or inference is None:
            return False
        attrs = {attr: value for (o, attr), value in pins.items() if o == owner}
        definition = resolve_unit(inference, module, test, node)
        if definition is None or definition.kind != "method":
            return False
        if not _method_keeps(inference, definition, attrs):
            return False
        if any(
            dotted_name(arg) in pinned_owners
            for arg in [*node.args, *(k.value for k in node.keywords)]
        ):
            return False  # the object handed on to the method as well
    return True


def _method_keeps(
    inference: Inference, definition: Definition, attrs: dict[str, object]
) -> bool:
    source = inference.function_source(definition)
    if source is None:
        return False
    func = source.node
    self_name = func.args.args[0].arg if func.args.args else None
    if self_name is None:
        return False
    body = [
        s for s in func.body
        if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    if body and _guard_returns(body[0], self_name, attrs):
        return True  # `if self.disable: return` with disable pinned true: nothing else runs
    for node in ast.walk(func):
        if node is func:
            continue
        if isinstance(node, ast.Call):
            return False  # anything it calls may change the attribute
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store | ast.Del)
            and node.attr in attrs
        ):
            return False
    return True


def _guard_returns(stmt: ast.stmt, self_name: str, attrs: dict[str, object]) -> bool:
    if not isinstance(stmt, ast.If) or stmt.orelse:
        return False
    if not (len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Return)):
        return False
    value = stmt.body[0].value
    if value is not None and any(isinstance(n, ast.Call) for n in ast.walk(value)):
        return False
    test = stmt.test
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if negated:
        assert isinstance(test, ast.UnaryOp)
        test = test.operand
    if not (
        isinstance(test, ast.Attribute)
        and isinstance(test.value, ast.Name)
        and test.value.id == self_name
        and test.attr in attrs
    ):
        return False
    return bool(attrs[test.attr]) is not negated


# ---- identity through an alias --------------------------------------------------------------
def _aliases(test: TestFunction, asserts: list[Assertion]) -> Iterator[CannotFail]:
    for assertion in asserts:
        expr = assertion.expr
        if not (
            isinstance(expr, ast.Compare)
            and len(expr.ops) == 1
            and isinstance(expr.ops[0], ast.Is)
        ):
            continue
        left, right = expr.left, expr.comparators[0]
        for alias, other in ((left, right), (right, left)):
            if not isinstance(alias, ast.Name) or not isinstance(other, ast.Name):
                continue
            # `bound_once(test.node, ...)`, read from the test's bindings computed once
            value = test.bindings.get(alias.id)
            if (
                isinstance(value, ast.Name)
                and value.id == other.id
                and value.id != alias.id
                and _bindings(test, other.id) == 0
            ):
                yield CannotFail(
                    assertion,
                    f"`{alias.id}` was bound to `{other.id}` itself, so it is always that object",
                )
                break


# ---- a `with` block that holds nothing ------------------------------------------------------
CONTEXT_MANAGER_DECORATORS = frozenset({"contextmanager", "contextlib.contextmanager"})


def inert_with(module: TestModule, test: TestFunction, inference: Inference | None) -> str | None:
    """The spelling of the context manager when the whole test is `with cm(...): pass` (nested
    or several, each block empty) and every `cm` is a `@contextmanager` of the code under test
    that runs nothing around its `yield` but `try`/`finally` and `pass`: with nothing in the
    block, nothing can raise, so the test cannot fail whatever its name says it checks."""
    if inference is None:
        return None
    calls: list[ast.Call] = []
    if not _empty_withs(test.body, calls) or not calls:
        return None
    for call in calls:
        if not all(isinstance(a, ast.Name | ast.Attribute | ast.Constant) for a in call.args):
            return None
        if any(not isinstance(k.value, ast.Name | ast.Attribute | ast.Constant)
               for k in call.keywords):
            return None
        definition = inference.resolve_call(module, test, call)
        if definition is None or definition.kind != "function" or not definition.is_code_under_test:
            return None
        source = inference.function_source(definition)
        if source is None or not _inert_generator(source.node):
            return None
    return dotted_name(calls[0].func)


def _empty_withs(body: list[ast.stmt], calls: list[ast.Call]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass) or (
            isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        ):
            continue
        if not isinstance(stmt, ast.With):
            return False
        for item in stmt.items:
            if not isinstance(item.context_expr, ast.Call):
                return False
            calls.append(item.context_expr)
        if not _empty_withs(stmt.body, calls):
            return False
    return True


def _inert_generator(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if isinstance(func, ast.AsyncFunctionDef) or len(func.decorator_list) != 1:
        return False
    if dotted_name(func.decorator_list[0]) not in CONTEXT_MANAGER_DECORATORS:
        return False
    yields: list[int] = []
    if not _inert(func.body, yields):
        return False
    return len(yields) == 1


def _inert(body: list[ast.stmt], yields: list[int]) -> bool:
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Yield):
            value = stmt.value.value
            if value is not None and not isinstance(value, ast.Constant):
                return False
            yields.append(stmt.lineno)
            continue
        if isinstance(stmt, ast.Try):  # its handlers run only when the block raises
            if not (_inert(stmt.body, yields) and _inert(stmt.orelse, yields)
                    and _inert(stmt.finalbody, yields)):
                return False
            continue
        return False
    return True
