"""Code written as a test that pytest never collects, so it never runs.

## What it does

Flags, in a test file, code that reads like a test but that pytest's naming rules
(`python_functions`, `python_classes`, default `test*` and `Test*`) leave out:

- a module-level function, or a method of a collected test class (or of a `unittest.TestCase`),
  whose name does not match, that takes no arguments (besides `self`), contains an assertion, has
  no decorator, and is used nowhere in the file (`def tset_total():`, `def total_is_summed():`,
  `def check_total(self):` that no test calls);
- a `def test_...` nested inside a test and never called there;
- a class holding `test_*` methods whose name does not match `python_classes` (`class
  CartTests:`), is not a `unittest.TestCase`, and is not used in the file as a base class.

Not flagged: helpers named like helpers at module level (`assert_*`, `check_*`, `verify_*`,
`expect_*`, `ensure_*`, `make_*`, `build_*`: other modules may import them), functions that take
arguments (someone calls them), private (`_x`) and dunder names, xunit and pytest hooks
(`setup_method`, `teardown_module`, `setUp`, `pytest_generate_tests`, ...), decorated functions
(a decorator may register them), names used anywhere in the file (called, passed, listed,
named in a string), and classes named `Base...`, `...Mixin`, `Abstract...`, `Common...`.

## Why it matters

pytest collects by name. A test whose name lost its `test_` prefix, a test class called
`CartTests`, or a test nested in another test by a bad indent is silently skipped: the suite is
green, the count of tests is a little lower, and the behaviour it was written for is unchecked.
Generated suites produce these when a model "organises" tests into helper-like names or classes.

## Example

```python
from shop.cart import Cart


def total_is_summed():
    assert Cart(prices=[10, 20]).total() == 30


class CartTests:
    def test_empty(self):
        assert Cart().total() == 0
```

## Use instead

```python
from shop.cart import Cart


def test_total_is_summed():
    assert Cart(prices=[10, 20]).total() == 30


class TestCart:
    def test_empty(self):
        assert Cart().total() == 0
```

## Rewrite guidance

Rename the function to start with `test_` (or the class with `Test`) so that pytest collects it,
then run it: a test that never ran may well fail. If it is a helper, give it a helper's name and
call it from a test; if it is dead, delete it.

## Options

None.
"""

from __future__ import annotations

import ast
import re

from testlint.facts import FunctionNode, TestModule, dotted_name
from testlint.rules.base import RuleContext

CODE = "TL505"
NAME = "uncollected-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "error"

VALID = [
    """
def test_total():
    assert total([1, 2]) == 3
""",
    """
def check_total(values, expected):
    assert total(values) == expected

def test_total():
    check_total([1, 2], 3)
""",
    """
class BaseCartTests:
    def test_empty(self):
        assert self.make().total() == 0

class TestMemoryCart(BaseCartTests):
    def make(self):
        return MemoryCart()
""",
    """
class TestCart:
    def setup_method(self):
        self.cart = Cart()
        assert self.cart.empty

    def test_total(self):
        assert self.cart.total() == 0
""",
]

INVALID = [
    """
def total_is_summed():
    assert total([1, 2]) == 3
""",
    """
class CartTests:
    def test_empty(self):
        assert Cart().total() == 0
""",
    """
class TestCart:
    def total_of_empty_cart(self):
        assert Cart().total() == 0
""",
    """
def test_outer():
    assert total([]) == 0

    def test_inner():
        assert total([1]) == 1
""",
]

HOOKS = frozenset(
    {
        "setup", "teardown", "setup_module", "teardown_module", "setup_function",
        "teardown_function", "setup_method", "teardown_method", "setup_class", "teardown_class",
        "setUp", "tearDown", "setUpClass", "tearDownClass", "setUpModule", "tearDownModule",
        "asyncSetUp", "asyncTearDown", "load_tests", "runTest",
    }
)
HELPER_PREFIXES = ("assert", "check", "verify", "expect", "ensure", "make", "build", "helper",
                   "run_", "do_", "create", "get_", "setup", "teardown")
BASE_CLASS = re.compile(r"^(Base|Abstract|Common|Shared|Generic)|(Base|Mixin|Mixins|ABC)$")
ASSERTING_CALLS = ("pytest.raises", "pytest.warns", "pytest.fail")


def _asserts(module: TestModule, func: FunctionNode) -> bool:
    """The function's own body (not nested functions) holds an assertion."""
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = module.qualname(node.func) or dotted_name(node.func) or ""
            if name in ASSERTING_CALLS or name.startswith("self.assert"):
                return True
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _takes_no_arguments(func: FunctionNode, method: bool) -> bool:
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    if method:
        positional = positional[1:]
    return not (positional or args.kwonlyargs or args.vararg or args.kwarg)


def _looks_like_a_test(module: TestModule, func: FunctionNode, method: bool,
                       helper_names_ok: bool, cls: ast.ClassDef | None = None) -> bool:
    name = func.name
    if name.startswith("_") or name in HOOKS or name.startswith("pytest_"):
        return False
    if helper_names_ok and name.lower().startswith(HELPER_PREFIXES):
        return False
    if func.decorator_list or not _takes_no_arguments(func, method):
        return False
    if not _asserts(module, func):
        return False  # the function's own body first: the file's references take a walk of it
    used = module.attributes_referenced if method else module.names_referenced
    if name in used:
        return False
    return cls is None or not any(
        isinstance(node, ast.Name) and node.id == name for node in ast.walk(cls)
    )  # used by name in the class body (`alias = check_total`)


def _is_unittest(module: TestModule, cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        spelled = dotted_name(base) or ""
        qualified = module.qualname(base) or ""
        if spelled.endswith("TestCase") or qualified.endswith("TestCase"):
            return True
    return False


def _has_init(cls: ast.ClassDef) -> bool:
    return any(
        isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == "__init__"
        for stmt in cls.body
    )


def check(ctx: RuleContext) -> None:
    module = ctx.module
    if module.is_conftest:
        return
    rules = ctx.project.collection_rules
    collected_test_names = {t.node.name for t in module.tests if t.cls is None}
    for stmt in module.tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            if rules.is_test_function(stmt.name) or stmt.name in module.fixtures:
                continue
            if _looks_like_a_test(module, stmt, method=False, helper_names_ok=True):
                ctx.report_name(
                    stmt,
                    f"`{stmt.name}` asserts like a test but pytest never collects it (its name "
                    "does not start with `test`); rename it `test_...` or call it from a test",
                )
        elif isinstance(stmt, ast.ClassDef):
            _check_class(ctx, stmt)
    for test in module.tests:
        for node in test.nodes_of(ast.FunctionDef, ast.AsyncFunctionDef):
            if (
                rules.is_test_function(node.name)
                and not node.decorator_list
                and node.name not in collected_test_names
                and not any(
                    n.id == node.name and isinstance(n.ctx, ast.Load)
                    for n in test.nodes_of(ast.Name)
                )
                and _asserts(module, node)
            ):
                ctx.report_name(
                    node,
                    f"`{node.name}` is nested inside `{test.name}` and never called, so it never "
                    "runs; move it to module level (dedent it)",
                    test=test,
                )


def _check_class(ctx: RuleContext, cls: ast.ClassDef) -> None:
    module = ctx.module
    rules = ctx.project.collection_rules
    unittest_class = _is_unittest(module, cls)
    methods = [s for s in cls.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    tests = [m for m in methods if rules.is_test_function(m.name)]
    collected = unittest_class or rules.is_test_class(cls.name)
    if not collected:
        if (
            tests
            and not BASE_CLASS.search(cls.name)
            and not cls.name.startswith("_")
            and not cls.decorator_list
            and not any(_is_dunder_test_false(s) for s in cls.body)
            and any(_asserts(module, m) for m in tests)
            and cls.name not in module.names_referenced  # a walk of the file: asked last
        ):
            ctx.report_name(
                cls,
                f"pytest never collects class `{cls.name}` (its name does not start with `Test`), "
                f"so its {len(tests)} test(s) never run; rename it `Test...`",
            )
        return
    if _has_init(cls) or any(_is_dunder_test_false(s) for s in cls.body):
        return  # not collected for another reason (TL506), or on purpose
    for method in methods:
        is_test = method.name.startswith("test") if unittest_class else \
            rules.is_test_function(method.name)
        if is_test:
            continue
        if _looks_like_a_test(module, method, method=True, helper_names_ok=False, cls=cls):
            ctx.report_name(
                method,
                f"`{cls.name}.{method.name}` asserts like a test but pytest never collects it "
                "and nothing calls it; rename it `test_...` or call it from a test",
            )


def _is_dunder_test_false(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__test__" for t in stmt.targets)
        and isinstance(stmt.value, ast.Constant)
        and not stmt.value.value
    )
