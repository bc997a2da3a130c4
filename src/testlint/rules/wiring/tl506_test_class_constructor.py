"""A test class with a constructor: pytest skips the whole class.

## What it does

Flags a class that pytest would collect by its name (`python_classes`, default `Test*`) and that
holds tests, when the class has an `__init__` or `__new__`, inherits one from a base class defined
in the same file, or is a `@dataclass` (which writes an `__init__`). pytest refuses to collect
such a class ("cannot collect test class because it has a `__init__` constructor"), emits a
warning most runs never show, and none of its tests run.

Not flagged: `unittest.TestCase` subclasses (collected differently, `__init__` is theirs), classes
with `__test__ = False` (opted out on purpose), and helper classes named `Test...` that hold no
tests (`TestServer`, `TestData`; pytest warns about those too, but no test is lost).

## Why it matters

Writing tests as a class with an `__init__` that builds the fixtures is natural in other
languages and in generated code. pytest then collects nothing from the class: the tests are
reported neither as passed nor as failed, and the warning scrolls by. The suite is green because
the tests do not exist as far as pytest is concerned.

## Example

```python
from shop.cart import Cart


class TestCart:
    def __init__(self):
        self.cart = Cart()

    def test_empty_total(self):
        assert self.cart.total() == 0
```

## Use instead

```python
import pytest

from shop.cart import Cart


@pytest.fixture
def cart():
    return Cart()


class TestCart:
    def test_empty_total(self, cart):
        assert cart.total() == 0
```

## Rewrite guidance

Move what `__init__` builds into fixtures (or into `setup_method`), drop the constructor, and run
the tests: they never ran before, so some may fail.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import TestModule, dotted_name
from testlint.rules.base import RuleContext

CODE = "TL506"
NAME = "test-class-constructor"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
class TestCart:
    def setup_method(self):
        self.cart = Cart()

    def test_empty(self):
        assert self.cart.total() == 0
""",
    """
import unittest

class TestCart(unittest.TestCase):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cart = Cart()

    def test_empty(self):
        self.assertEqual(self.cart.total(), 0)
""",
    """
class TestServer:
    def __init__(self, port):
        self.port = port
""",
]

INVALID = [
    """
class TestCart:
    def __init__(self):
        self.cart = Cart()

    def test_empty(self):
        assert self.cart.total() == 0
""",
    """
from dataclasses import dataclass

@dataclass
class TestCart:
    cart: Cart

    def test_empty(self):
        assert self.cart.total() == 0
""",
    """
class CartSetup:
    def __init__(self):
        self.cart = Cart()

class TestCart(CartSetup):
    def test_empty(self):
        assert self.cart.total() == 0
""",
]

CONSTRUCTORS = ("__init__", "__new__")


def _classes(body: list[ast.stmt]) -> list[ast.ClassDef]:
    found: list[ast.ClassDef] = []
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            found.append(stmt)
            found.extend(_classes(stmt.body))
    return found


def _own_constructor(cls: ast.ClassDef) -> ast.AST | None:
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name in CONSTRUCTORS:
            return stmt
    return None


def _is_dataclass(module: TestModule, cls: ast.ClassDef) -> bool:
    for decorator in cls.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = module.qualname(target) or dotted_name(target) or ""
        if name.rsplit(".", 1)[-1] in {"dataclass", "define", "frozen", "s", "attrs"} and (
            name.startswith(("dataclasses.", "attr.", "attrs.")) or name == "dataclass"
        ):
            return True
    return False


def _constructor(module: TestModule, cls: ast.ClassDef, by_name: dict[str, ast.ClassDef],
                 seen: set[str]) -> str | None:
    """Why instances of `cls` have a constructor of their own, or None."""
    own = _own_constructor(cls)
    if own is not None:
        return f"has `{getattr(own, 'name', '__init__')}`"
    if _is_dataclass(module, cls):
        return "is a dataclass (which writes an `__init__`)"
    for base in cls.bases:
        name = dotted_name(base)
        parent = by_name.get(name or "")
        if parent is None or parent.name in seen:
            continue
        seen.add(parent.name)
        why = _constructor(module, parent, by_name, seen)
        if why is not None:
            return f"inherits `__init__` from `{parent.name}`"
    return None


def _is_unittest(module: TestModule, cls: ast.ClassDef, by_name: dict[str, ast.ClassDef]) -> bool:
    for base in cls.bases:
        spelled = dotted_name(base) or ""
        qualified = module.qualname(base) or ""
        if spelled.endswith("TestCase") or qualified.endswith("TestCase"):
            return True
        parent = by_name.get(spelled)
        if parent is not None and parent is not cls and _is_unittest(module, parent, by_name):
            return True
    return False


def _opted_out(cls: ast.ClassDef) -> bool:
    return any(
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__test__" for t in stmt.targets)
        for stmt in cls.body
    )


def check(ctx: RuleContext) -> None:
    module = ctx.module
    if module.is_conftest:
        return
    rules = ctx.project.collection_rules
    classes = _classes(module.tree.body)
    by_name = {cls.name: cls for cls in classes}
    for cls in classes:
        if not rules.is_test_class(cls.name) or _opted_out(cls):
            continue
        tests = [
            stmt for stmt in cls.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
            and rules.is_test_function(stmt.name)
        ]
        if not tests or _is_unittest(module, cls, by_name):
            continue
        why = _constructor(module, cls, by_name, {cls.name})
        if why is None:
            continue
        ctx.report_name(
            cls,
            f"pytest does not collect `{cls.name}` because it {why}: its {len(tests)} test(s) "
            "never run; build state in fixtures or setup_method instead",
        )
