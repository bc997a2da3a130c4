"""Two tests with the same body: a copy-paste that checks nothing new.

## What it does

Flags a test whose body is identical to an earlier test's body in the same module and the same
class (or both at module level), once the docstring is dropped and the names the body binds
itself (locals, loop variables, `as` targets) are renamed in order of appearance. The two tests
must also take the same parameters and carry the same decorators.

Not flagged: tests that differ in a fixture or a parameter they take (`client` versus
`admin_client` is a different test even when the bodies read alike); tests with different
`parametrize` tables, marks or other decorators; identical bodies in two different classes
(the class supplies attributes, fixtures or a base class that make them differ); placeholder
bodies (`pass`, `...`, `raise NotImplementedError`: TL106's business) and bodies that only skip
or xfail (`pytest.skip("not supported")` is how a subclass switches inherited tests off); and
bodies that read the test's own name (`request.node.name`,
`self._testMethodName`, `self.id()`).

## Why it matters

Generated suites often hold the same test twice under two names (`test_add_numbers` and
`test_add_positive_numbers` both asserting `add(2, 3) == 5`). The copy doubles the run time of
that check and the maintenance when behaviour changes, and it hides what is missing: the case the
second name promised (negative numbers, say) is never tested.

## Example

```python
from calc import add


def test_add_numbers():
    result = add(2, 3)
    assert result == 5


def test_add_positive_numbers():
    total = add(2, 3)
    assert total == 5
```

## Use instead

```python
import pytest

from calc import add


@pytest.mark.parametrize(("a", "b", "expected"), [(2, 3, 5), (-2, -3, -5), (0, 0, 0)])
def test_add(a, b, expected):
    assert add(a, b) == expected
```

## Rewrite guidance

Delete the copy, or make it test what its name promises: different inputs, an edge case, an
error case. When several tests differ only in their data, turn them into one parametrized test.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import TestFunction
from testlint.facts.normal_form import normal_form, plain_form
from testlint.rules.base import RuleContext

CODE = "TL604"
NAME = "duplicate-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"

VALID = [
    """
def test_user_page(client):
    assert client.get("/me").status_code == 200

def test_admin_page(admin_client):
    assert admin_client.get("/me").status_code == 200
""",
    """
import pytest

@pytest.mark.parametrize("n", [1, 2])
def test_small(n):
    assert is_valid(n)

@pytest.mark.parametrize("n", [10**6, 10**9])
def test_large(n):
    assert is_valid(n)
""",
    """
class TestJson:
    def test_roundtrip(self):
        assert self.codec.loads(self.codec.dumps(DATA)) == DATA

class TestYaml:
    def test_roundtrip(self):
        assert self.codec.loads(self.codec.dumps(DATA)) == DATA
""",
    """
def test_one():
    pass

def test_two():
    pass
""",
    """
import pytest

class TestSparseArray(BaseArrayTests):
    def test_fillna_frame(self, data):
        pytest.skip("sparse arrays do not fill in place")

    def test_fillna_series(self, data):
        pytest.skip("sparse arrays do not fill in place")
""",
]

INVALID = [
    """
def test_case_6():
    payment = Payment()
    owner = payment.credit_card_owner()

def test_case_7():
    payment = Payment()
    owner = payment.credit_card_owner()
""",
    """
def test_add_numbers():
    result = add(2, 3)
    assert result == 5

def test_add_positive_numbers():
    total = add(2, 3)
    assert total == 5
""",
    """
class TestCart:
    def test_total(self, cart):
        \"\"\"The total sums prices.\"\"\"
        assert cart.total() == 30

    def test_total_is_correct(self, cart):
        assert cart.total() == 30
""",
]

# reading the test's own name makes identical bodies behave differently
NAME_READERS = frozenset({"_testMethodName", "node", "function", "originalname", "id"})


def _body(test: TestFunction) -> list[ast.stmt]:
    body = test.body
    first = body[0] if body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        body = body[1:]
    return body


SKIP_CALLS = frozenset({"skip", "xfail", "skipTest", "SkipTest"})


def _skips(stmt: ast.stmt) -> bool:
    """`pytest.skip(...)`, `pytest.xfail(...)`, `self.skipTest(...)`, `raise SkipTest(...)`."""
    node: ast.expr | None = None
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        node = stmt.value.func
    elif isinstance(stmt, ast.Raise) and stmt.exc is not None:
        node = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
    return name in SKIP_CALLS


def _is_placeholder(body: list[ast.stmt]) -> bool:
    """`pass`, `...`, a string, `raise NotImplementedError` (TL106's placeholders), a skip."""
    for stmt in body:
        if _skips(stmt):
            continue
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def _reads_own_name(test: TestFunction) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr in NAME_READERS
        and isinstance(node.value, ast.Name) and node.value.id in {"request", "self"}
        for node in test.nodes
    )


def fingerprint(test: TestFunction) -> tuple[object, ...] | None:
    """The normal form of a test's body (its own locals renamed, `facts.normal_form`), with its
    params and decorators; None when it must not be compared."""
    body = _body(test)
    if not body or _is_placeholder(body) or _reads_own_name(test):
        return None
    return (
        "async" if isinstance(test.node, ast.AsyncFunctionDef) else "def",
        test.params,
        *(plain_form(decorator) for decorator in test.node.decorator_list),
        normal_form(test).of_block(body),
    )


def _rough_key(test: TestFunction) -> tuple[object, ...]:
    """Cheap to compute, equal for duplicates: only tests that share it are compared in full."""
    body = _body(test)
    docstring_nodes = 2 if len(body) < len(test.body) else 0  # an Expr and its Constant
    return (
        test.qualname.rsplit(".", 1)[0] if test.cls is not None else "",
        test.params,
        len(test.node.decorator_list),
        len(body),
        len(test.nodes) - docstring_nodes,
        # node counts by type: the same for two bodies alike up to their locals' names
        len(test.nodes_of(ast.Call)),
        len(test.nodes_of(ast.Attribute)),
        len(test.nodes_of(ast.Name)),
        type(body[-1]).__name__ if body else "",
        type(body[0]).__name__ if body else "",
    )


def _constants(test: TestFunction) -> tuple[str, ...]:
    """The reprs of the body's constants in walk order, its docstring left out."""
    body = test.body
    first = body[0] if body else None
    docstring = (
        first.value if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str) else None
    )
    return tuple(repr(c.value) for c in test.nodes_of(ast.Constant) if c is not docstring)


def check(ctx: RuleContext) -> None:
    rough: dict[tuple[object, ...], int] = {}
    keys = [_rough_key(test) for test in ctx.module.tests]
    for key_ in keys:
        rough[key_] = rough.get(key_, 0) + 1
    # among tests that share a rough key, their constants in walk order (never renamed) tell
    # apart most near copies before any normal form is built
    finer: list[tuple[object, ...] | None] = []
    finer_counts: dict[tuple[object, ...], int] = {}
    for test, key_ in zip(ctx.module.tests, keys, strict=True):
        fine: tuple[object, ...] | None = (
            (key_, _constants(test)) if rough[key_] >= 2 else None
        )
        finer.append(fine)
        if fine is not None:
            finer_counts[fine] = finer_counts.get(fine, 0) + 1
    seen: dict[tuple[str, tuple[object, ...]], TestFunction] = {}
    for test, fine in zip(ctx.module.tests, finer, strict=True):
        if fine is None or finer_counts[fine] < 2:
            continue
        key = fingerprint(test)
        if key is None:
            continue
        scope = test.qualname.rsplit(".", 1)[0] if test.cls is not None else ""
        first = seen.setdefault((scope, key), test)
        if first is test or first.qualname == test.qualname:
            continue  # a redefinition with the same name is TL509's
        ctx.report_name(
            test.node,
            f"{test.name} has the same body as {first.name} (line {first.line}): a copy that "
            "checks nothing new; delete it or test what its name promises (parametrize the data)",
            test=test,
        )
