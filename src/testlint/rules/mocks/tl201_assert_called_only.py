"""The test checks only that mocks were called, never the value the code returned.

## What it does

Flags a test in which every assertion is about mocks (`assert_called_once_with`,
`assert_has_calls`, `.called`, `.call_count`, `.call_args`, ...) while the code under test
returns a value the test never looks at. Whether the code "returns a value" is read
from the code under test when the linter can resolve the call into the project's sources (a
function whose every `return` is bare is a procedure, never flagged). When it cannot, it is
judged from the test itself:

- the result of a call into the code under test is bound to a name that is never read
  (`result = service.get_user(1)` and then only `cache.get.assert_called_once_with(...)`); or
- the result is discarded and the callee's name says it produces a value: `get_`, `fetch_`,
  `load_`, `build_`, `compute_`, `calculate_`, `parse_`, `render_`, `serialize_`, `to_`,
  `make_`, `create_`, ... (configurable with `value-prefixes`).

The unit is found through the test's imports, the object a fixture gives (`renamer.visit(node)`
with a `renamer` fixture returning `Renamer(...)`), a local the test already called methods on,
and the special method a builtin runs (`iter(lazy)` runs `LazyList.__iter__`, flagged only when
that method surely returns a value). An awaited call of a function that is not `async def` is
judged by what the awaitable gives, which is unknown, so it is not flagged.

Calls to mocks, builtins, the standard library, pytest, unittest and other test machinery are
not the code under test, nor are helpers defined in the test module. A constructor
(`Service(cache)`) is not either, except when the test stubs a member of that very class
(`patch.object(Parser, "_setup")`) and never looks at the object it builds: then only the stub
is asserted. A procedure that returns nothing (`notifier.send_reminders()`,
`service.save(user)`), tested through its interactions, is not flagged.

## Why it matters

This is the mocked cache: a service's tests built a mock cache client, called the code and
asserted the client was called. None looked at the payload that came back. The serializer was
broken for weeks while CI stayed green, and one small test through the real cache and
serializer found it. A test that asserts only on mocks proves the wiring, not the result: it
passes for any return value, including a wrong one.

## Example

```python
from unittest.mock import MagicMock

from users.service import UserService


def test_get_user_uses_cache():
    cache = MagicMock()
    service = UserService(cache=cache)
    user = service.get_user(42)
    cache.get.assert_called_once_with("user:42")
```

## Use instead

```python
from unittest.mock import MagicMock

from users.service import UserService


def test_get_user_uses_cache():
    cache = MagicMock()
    cache.get.return_value = b'{"id": 42, "name": "Ada"}'
    service = UserService(cache=cache)
    user = service.get_user(42)
    cache.get.assert_called_once_with("user:42")
    assert user.name == "Ada"
```

## Rewrite guidance

Keep the interaction check if it matters, and add an assertion on what the code returned: give
the mock a realistic return value, then assert the fields the caller relies on (decoded,
converted, filtered). Where the collaborator is a serializer, cache or database, prefer one test
through the real thing (an in-memory cache, a temporary database) over another mock.

## Options

- `value-prefixes` (list of str, default: get, fetch, load, read, find, lookup, query, search,
  build, compute, calculate, parse, render, format, serialize, deserialize, encode, decode,
  convert, to, as, make, create, generate, resolve, extract, transform, summarize, dumps,
  loads): name prefixes (matched on the callee's first word, `get_user`, `getUser` or `get`)
  that make a discarded call's result a value the test should have checked.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from testlint.facts import (
    MOCK_FACTORIES,
    MOCKER_FACTORY_ATTRS,
    MOCKER_FIXTURES,
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    TESTING_MODULE_PREFIXES,
    CallSite,
    Kind,
    TestFunction,
    TestModule,
    dotted_name,
    root_name,
    walk_body,
)
from testlint.reach.unit_calls import dispatched_method, resolve_unit
from testlint.rules.base import RuleContext

CODE = "TL201"
NAME = "assert-called-only"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"
# Uses the code under test when it can be resolved (see "What it does"); works without it.
NEEDS = frozenset({"inference"})

if TYPE_CHECKING:
    from testlint.inference import Definition


@dataclass(frozen=True)
class Options:
    value_prefixes: tuple[str, ...] = (
        "get",
        "fetch",
        "load",
        "read",
        "find",
        "lookup",
        "query",
        "search",
        "build",
        "compute",
        "calculate",
        "parse",
        "render",
        "format",
        "serialize",
        "deserialize",
        "encode",
        "decode",
        "convert",
        "to",
        "as",
        "make",
        "create",
        "generate",
        "resolve",
        "extract",
        "transform",
        "summarize",
        "dumps",
        "loads",
    )


VALID = [
    """
from unittest.mock import MagicMock

def test_reminders_are_sent():
    mailer = MagicMock()
    Notifier(mailer).send_reminders()
    mailer.send.assert_called_once()
""",
    """
from unittest.mock import MagicMock

def test_get_user():
    cache = MagicMock()
    cache.get.return_value = b'{"id": 1}'
    user = UserService(cache).get_user(1)
    cache.get.assert_called_once_with("user:1")
    assert user.id == 1
""",
    """
from unittest.mock import MagicMock

def test_save_writes_through():
    repo = MagicMock()
    UserService(repo).save({"id": 1})
    repo.put.assert_called_once_with(1, {"id": 1})
""",
]

INVALID = [
    """
from unittest.mock import MagicMock

def test_get_user():
    cache = MagicMock()
    user = UserService(cache).get_user(1)
    cache.get.assert_called_once_with("user:1")
""",
    """
from unittest import mock

@mock.patch("reports.storage.fetch")
def test_render(fetch):
    reports.render_summary(2024)
    assert fetch.call_count == 1
""",
]

# Test-machinery fixtures and objects whose methods are never the code under test.
_MACHINERY_ROOTS = MOCKER_FIXTURES | {
    "monkeypatch",
    "capsys",
    "capfd",
    "caplog",
    "recwarn",
    "request",
    "tmp_path",
    "tmpdir",
    "pytester",
    "testdir",
    "subtests",
    "benchmark",
    "snapshot",
}


def _callee_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _first_word(name: str) -> str:
    name = name.lstrip("_")
    for i, ch in enumerate(name):
        if ch == "_" or (ch.isupper() and i > 0):
            return name[:i].lower()
    return name.lower()


def _is_mock_value(value: ast.expr, module: TestModule) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr == "start":
        func = func.value.func if isinstance(func.value, ast.Call) else func  # patch(...).start()
    qualified = module.qualname(func) or ""
    if qualified in MOCK_FACTORIES:
        return True
    spelled = dotted_name(func) or ""
    head, _, rest = spelled.partition(".")
    return head in MOCKER_FIXTURES and rest in MOCKER_FACTORY_ATTRS


def self_mock_attrs(test: TestFunction, module: TestModule) -> set[str]:
    """`self.X` attributes the test's class (setUp, fixtures, the test itself) binds to mocks."""
    found: set[str] = set()
    if test.cls is None:
        return found
    functions = [
        stmt
        for stmt in test.cls.body
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt is not test.node
        and not stmt.name.startswith("test")
    ]
    nodes = [n for f in functions for n in walk_body(f)] + test.nodes
    for sub in nodes:
        if isinstance(sub, ast.Assign) and _is_mock_value(sub.value, module):
            for target in sub.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ):
                    found.add(target.attr)
    return found


def _is_code_under_test(
    site: CallSite, test: TestFunction, module: TestModule, self_mocks: set[str]
) -> bool:
    if site.origin in {"mock", "builtin", "local"}:
        return False
    name = _callee_name(site.node)
    if name is None or name[:1].isupper():
        return False  # constructors build the subject; the value is its behaviour
    qualified = site.qualname
    if qualified:
        top = qualified.split(".", 1)[0]
        if top in TEST_SUPPORT_ROOTS or top in STDLIB_MODULES or top.startswith("_pytest"):
            return False
        if qualified.startswith(TESTING_MODULE_PREFIXES):
            return False
    root = root_name(site.node.func)
    if root in _MACHINERY_ROOTS:
        return False
    if site.origin == "self":
        func = site.node.func
        # self.helper() is the test class's own method; self.client.get() reaches the subject
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            return False
        chain = dotted_name(func) or ""
        parts = chain.split(".")
        if len(parts) > 1 and parts[1] in self_mocks:
            return False  # self.repo = MagicMock() in setUp
    return True


def _unread_value(
    site: CallSite,
    with_items: set[int],
    prefixes: frozenset[str],
    returns: Callable[[], bool | None],
) -> bool:
    """The call's result is a value the test drops: bound and never read, or discarded while
    the callee returns a value (by inference when it can tell, else by the callee's name)."""
    if id(site.node) in with_items:
        return False  # a context manager: its value is the `with` block
    if site.usage not in {"assigned", "discarded"}:
        return False
    if site.usage == "assigned" and site.result_read:
        return False
    verdict = returns()
    if verdict is not None:
        return verdict  # read from the code under test: a value, or a procedure
    if site.usage == "assigned":
        return True
    return _first_word(_callee_name(site.node) or "") in prefixes


def _is_async(definition: Definition) -> bool:
    """A coroutine function (`async def`), whose awaited value is what its body returns."""
    node = definition.node
    return type(node).__name__ == "AsyncFunctionDef"


class _Returns:
    """Asks inference, when it is present and can see the code under test, whether a call
    returns a value; only for the few calls that reach this point (candidates of mock-only
    tests), so runs without them never resolve anything."""

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx
        self._inference: Any = None
        self._ready = False

    def _engine(self) -> Any:
        if not self._ready:
            self._ready = True
            try:
                found = importlib.import_module("testlint.inference")
                inference = found.for_project(self.ctx.project)
            except Exception:  # not in this build, or no project to resolve into
                return None
            if getattr(inference, "can_reach_code", False):
                self._inference = inference
        return self._inference

    def of(self, site: CallSite, test: TestFunction) -> Callable[[], bool | None]:
        def verdict() -> bool | None:
            definition = self.unit(site.node, test)
            if definition is None:
                return None
            parents = test.ancestors(site.node)
            if parents and isinstance(parents[0], ast.Await) and not _is_async(definition):
                return None  # awaited: the value is what the awaitable it returns gives
            try:
                answer = self._inference.returns_value(definition)
            except Exception:
                return None
            return answer if isinstance(answer, bool) else None

        return verdict

    def unit(self, call: ast.Call, test: TestFunction) -> Definition | None:
        """The unit of the code under test the call runs (through fixtures, locals the test
        calls methods on, and builtins such as `iter(obj)`), or None."""
        inference = self._engine()
        if inference is None:
            return None
        return resolve_unit(inference, self.ctx.module, test, call)


def check(ctx: RuleContext) -> None:
    prefixes = frozenset(p.lower() for p in ctx.options.value_prefixes)
    module = ctx.module
    returns = _Returns(ctx)
    for test in module.tests:
        if not test.assertions or not all(a.kind is Kind.MOCK for a in test.assertions):
            continue
        self_mocks = self_mock_attrs(test, module) if test.cls is not None else set()
        with_items = {
            id(item.context_expr)
            for node in test.nodes
            if isinstance(node, ast.With | ast.AsyncWith)
            for item in node.items
        }
        for site in test.calls:
            if site.in_assertion:
                continue
            message = _finding(site, test, module, self_mocks, with_items, prefixes, returns)
            if message is not None:
                ctx.report(site.node, message, test=test)
                break


def _finding(
    site: CallSite,
    test: TestFunction,
    module: TestModule,
    self_mocks: set[str],
    with_items: set[int],
    prefixes: frozenset[str],
    returns: _Returns,
) -> str | None:
    """The message for a call whose value a mock-only test drops, or None."""
    verdict = returns.of(site, test)
    if site.origin == "builtin" and dispatched_method(site.node, module) is not None:
        # `iter(obj)` runs the class's own `__iter__`: only when that is surely a value
        if not _unread_value(site, with_items, prefixes, lambda: bool(verdict())):
            return None
    elif _is_code_under_test(site, test, module, self_mocks):
        if not _unread_value(site, with_items, prefixes, verdict):
            return None
    elif _builds_patched_class(site, test, module, returns):
        if not _unread_value(site, with_items, prefixes, lambda: True):
            return None
        spelled = dotted_name(site.node.func) or "the class"
        return (
            f"only mocks are asserted: the test stubs part of `{spelled}` and checks the stub "
            "was called, but never examines the object `{spelled}(...)` builds; a broken "
            "constructor passes as long as it calls the stub; assert on the object's state"
        ).replace("{spelled}", spelled)
    else:
        return None
    spelled = " ".join(module.source.segment(site.node.func).split())
    if not spelled or len(spelled) > 60:
        spelled = dotted_name(site.node.func) or _callee_name(site.node) or "the call"
    return (
        f"only mocks are asserted and the value `{spelled}(...)` returns is never checked: "
        "a broken payload passes as long as the mock was called (how a serializer behind "
        "a mocked cache stayed broken with CI green); assert on the returned value too"
    )


def _builds_patched_class(
    site: CallSite, test: TestFunction, module: TestModule, returns: _Returns
) -> bool:
    """`Parser()` while the test patches a member of `Parser` itself (`patch.object(Parser,
    "_setup")`): the constructor is the unit, and only its stubbed part is asserted."""
    name = _callee_name(site.node)
    if name is None or not name[:1].isupper() or site.origin in {"mock", "builtin", "local"}:
        return False
    spelled = module.qualname(site.node.func) or dotted_name(site.node.func)
    if not spelled:
        return False
    owners = {p.target.rpartition(".")[0] for p in test.patches if p.target}
    if spelled not in owners:
        return False
    definition = returns.unit(site.node, test)
    return (
        definition is not None and definition.kind == "class" and definition.is_code_under_test
    )
