"""The link a reader makes from a name in a test to the project object it holds.

A test rarely builds the object it exercises on the line it calls it: the instance comes from a
fixture (whose return or yield value is a constructor call, a factory's call, or whose return
annotation names the class, possibly through other fixtures and conftest.py files), from a
`self.x` set in `setup_method`/`setUp`/an autouse fixture of the test class, or from a local of
the test. `instance_class` follows these links to the one project class, or says None; and
`resolve_call` resolves a method call on such an instance (`formatter.format_body(...)` with a
`formatter` fixture) where the import-only resolution of `Inference` stops.

`state_units` names the project methods a test called on an object before reading one of its
attributes: the unit's output is then the state it set (`parser._process(); parser.args.x`),
not a return value.

Everything answers "one result or None": two different classes for one name is silence.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import (
    FixtureDef,
    TestFunction,
    TestModule,
    given_values,
    import_aliases,
    is_autouse_fixture,
    qualify,
    single_bindings,
)
from testlint.inference import Definition, Inference, single_assignment

MAX_DEPTH = 6
SETUP_METHODS = frozenset({"setup_method", "setUp", "setup", "setup_class", "setUpClass"})


@dataclass
class Held:
    """What an expression of a test holds: an instance of a project class."""

    cls: Definition
    call: ast.Call | None  # the constructor call, when it is written in the test itself


def instance_class(
    inference: Inference,
    module: TestModule,
    test: TestFunction | None,
    node: ast.AST,
    depth: int = 0,
) -> Held | None:
    """The project class an expression of a test is an instance of, through the test's locals,
    fixtures (and their chains, in the module or its conftests) and `self.x` set in setup."""
    if depth > MAX_DEPTH:
        return None
    try:
        return _instance(inference, module, test, node, depth)
    except (RecursionError, Exception):
        return None


def _instance(
    inference: Inference,
    module: TestModule,
    test: TestFunction | None,
    node: ast.AST,
    depth: int,
) -> Held | None:
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Call):
        target = inference.resolve_name(module, node.func)
        if target is not None and target.kind == "class":
            return Held(target, node)
        return None
    if test is None:
        return None
    if isinstance(node, ast.Name):
        # `obj.attr = ...` or `obj.append(...)` later changes the object, not its class
        value = single_assignment(test, node.id) or test.bindings.get(node.id)
        if value is not None:
            return instance_class(inference, module, test, value, depth + 1)
        if node.id in test.params:
            found = _fixture(module, node.id)
            if found is not None:
                held = _fixture_value(inference, found[0], found[1], depth + 1)
                return Held(held.cls, None) if held is not None else None
        return None
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
        and test.cls is not None
    ):
        value = _set_in_setup(test.cls, node.attr)
        if value is None:
            return None
        held = _value_class(inference, module, value, {}, depth + 1)
        return Held(held.cls, None) if held is not None else None
    return None


def _fixture(module: TestModule, name: str) -> tuple[TestModule, FixtureDef] | None:
    """The fixture a test parameter names, with the module that defines it."""
    local = module.fixtures.get(name)
    if local is not None:
        return module, local
    found = module.lookup.fixture(name)
    if found is None:
        return None
    for conftest in module.lookup.conftest_modules():
        if conftest.fixtures.get(name) is found:
            return conftest, found
    return None


def _fixture_value(
    inference: Inference, module: TestModule, fixture: FixtureDef, depth: int
) -> Held | None:
    """The class of what a fixture gives: its return/yield values (all the same class), else its
    return annotation."""
    if depth > MAX_DEPTH:
        return None
    node = fixture.node
    locals_ = single_bindings(node)
    values = given_values(node)
    classes: list[Held] = []
    for value in values:
        held = _value_class(inference, module, value, locals_, depth, fixture)
        if held is None:
            classes = []
            break
        classes.append(held)
    if classes and all(h.cls.qualname == classes[0].cls.qualname for h in classes):
        return classes[0]
    annotation = _annotation_class(inference, module, node.returns)
    return Held(annotation, None) if annotation is not None else None


def _value_class(
    inference: Inference,
    module: TestModule,
    value: ast.expr,
    locals_: dict[str, ast.expr],
    depth: int,
    fixture: FixtureDef | None = None,
) -> Held | None:
    for _ in range(MAX_DEPTH):
        if isinstance(value, ast.Name) and value.id in locals_:
            value = locals_[value.id]
            continue
        break
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        target = inference.resolve_name(module, value.func)
        if target is not None and target.kind == "class":
            return Held(target, None)
        if (
            target is not None
            and target.kind in {"function", "method"}
            and target.node is not None
            and not isinstance(target.node, ast.AST)
        ):
            returned = _returns_annotation(inference, target)
            return Held(returned, None) if returned is not None else None
        return None
    if isinstance(value, ast.Name) and fixture is not None and value.id in fixture.params:
        found = _fixture(module, value.id)
        if found is not None:
            return _fixture_value(inference, found[0], found[1], depth + 1)
    return None


def _returns_annotation(inference: Inference, target: Definition) -> Definition | None:
    """A factory's return annotation naming a project class (`def make() -> Parser`)."""
    try:
        returns = target.node.returns
        if returns is None:
            return None
        spelled = returns.as_string().strip("'\"")
        if not spelled.replace(".", "").replace("_", "").isalnum():
            return None
        if "." not in spelled:
            spelled = f"{target.module}.{spelled}"
        found = inference.resolve(spelled)
        return found if found is not None and found.kind == "class" else None
    except Exception:
        return None


def _annotation_class(
    inference: Inference, module: TestModule, returns: ast.expr | None
) -> Definition | None:
    if returns is None:
        return None
    if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
        try:
            returns = ast.parse(returns.value, mode="eval").body
        except SyntaxError:
            return None
    if not isinstance(returns, ast.Name | ast.Attribute):
        return None
    found = inference.resolve_name(module, returns)
    return found if found is not None and found.kind == "class" else None


_IMPORTS_ATTR = "_testlint_local_imports"


def _set_in_setup(cls: ast.ClassDef, attr: str) -> ast.expr | None:
    """The one value a test class's setup (setup_method, setUp, an autouse fixture) assigns to
    `self.<attr>`; None when no setup sets it or it is set more than once in the class."""
    values: list[ast.expr] = []
    for stmt in cls.body:
        if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == attr
                    and isinstance(target.value, ast.Name)
                    and target.value.id in {"self", "cls"}
                ):
                    if stmt.name not in SETUP_METHODS and not is_autouse_fixture(stmt):
                        return None  # also set by a test or helper: not one value
                    values.append(node.value)
    return values[0] if len(values) == 1 else None


def resolve_call(
    inference: Inference, module: TestModule, test: TestFunction | None, call: ast.Call
) -> Definition | None:
    """What a call of a test reaches: by its imports, else a method of a linked instance."""
    found = inference.resolve_call(module, test, call)
    if found is not None:
        return found
    try:
        return _linked_call(inference, module, test, call)
    except (RecursionError, Exception):  # one result or None, never into a rule
        return None


def _linked_call(
    inference: Inference, module: TestModule, test: TestFunction | None, call: ast.Call
) -> Definition | None:
    if test is not None:
        qualified = _locally_imported(module, test, call.func)
        if qualified is not None:
            return inference.resolve(qualified)
    if isinstance(call.func, ast.Attribute):
        return member(inference, module, test, call.func)
    return None


def _locally_imported(module: TestModule, test: TestFunction, node: ast.expr) -> str | None:
    """The qualified name of `name` or `name.attr...` when `name` is imported in the test's
    own body (`from pkg.mod import unit` inside the test)."""
    return qualify(node, _test_imports(module, test))


def _test_imports(module: TestModule, test: TestFunction) -> dict[str, str]:
    cached: dict[str, str] | None = test.__dict__.get(_IMPORTS_ATTR)
    if cached is None:
        cached = _imports_in(module, test)
        test.__dict__[_IMPORTS_ATTR] = cached
    return cached


def _imports_in(module: TestModule, test: TestFunction) -> dict[str, str]:
    # a module outside any package resolves `from .x import y` to `x.y`, as before
    return import_aliases(ast.walk(test.node), module.package or "")


def member(
    inference: Inference, module: TestModule, test: TestFunction | None, node: ast.Attribute
) -> Definition | None:
    """`obj.name` where `obj` is linked to a project class (fixture, `self.x`, local)."""
    held = instance_class(inference, module, test, node.value)
    try:
        if held is None:
            return _inherited(inference, module, test, node)
        return inference.resolve(f"{held.cls.qualname}.{node.attr}")
    except (RecursionError, Exception):
        return None


def _inherited(
    inference: Inference, module: TestModule, test: TestFunction | None, node: ast.Attribute
) -> Definition | None:
    """`obj.name` where `obj` is an instance of the test module's own subclass of project
    classes (`class FakeHandler(RequestHandler, TwitterMixin)`) that does not define `name`:
    the one project base that does."""
    value: ast.AST | None = node.value
    if isinstance(value, ast.Name) and test is not None:
        value = single_assignment(test, value.id) or test.bindings.get(value.id)
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return None
    local = next(
        (
            stmt
            for stmt in module.tree.body
            if isinstance(stmt, ast.ClassDef) and stmt.name == value.func.id
        ),
        None,
    )
    if local is None or any(
        isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.Assign)
        and node.attr in {getattr(stmt, "name", None), *_assigned(stmt)}
        for stmt in local.body
    ):
        return None
    found: list[Definition] = []
    for base in local.bases:
        cls = inference.resolve_name(module, base)
        if cls is None or cls.kind != "class":
            continue
        member = inference.resolve(f"{cls.qualname}.{node.attr}")
        if member is not None:
            found.append(member)
    return found[0] if len(found) == 1 else None


def _assigned(stmt: ast.stmt) -> set[str]:
    if isinstance(stmt, ast.Assign):
        return {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return set()


def state_units(
    inference: Inference, module: TestModule, test: TestFunction, root: str, before: int
) -> list[Definition]:
    """Project methods the test calls on `root` as statements before line `before`
    (`parser._process_format_options()`): their effect on `root` is their output."""
    found: list[Definition] = []
    for stmt in ast.walk(test.node):
        if not isinstance(stmt, ast.Expr) or stmt.lineno >= before:
            continue
        call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        receiver = call.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id == root):
            continue
        definition = resolve_call(inference, module, test, call)
        if definition is not None and definition.kind == "method" and definition.is_code_under_test:
            found.append(definition)
    return found
