"""The names of the pytest, unittest and mock APIs the facts recognise; node type aliases."""

from __future__ import annotations

import ast
import builtins
import sys
from typing import TypeVar

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


# pytest-benchmark's and pytest-codspeed's fixture, and pytest-codspeed's marker
BENCHMARK_FIXTURES = frozenset({"benchmark"})


BENCHMARK_MARK = "pytest.mark.benchmark"


NodeT = TypeVar("NodeT", bound=ast.AST)


OtherT = TypeVar("OtherT", bound=ast.AST)


# `try ... except*` exists from Python 3.11
TRY_NODES: tuple[type[ast.stmt], ...] = tuple(
    t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None
)


BUILTIN_NAMES = frozenset(dir(builtins))


STDLIB_MODULES = frozenset(sys.stdlib_module_names)


# Libraries whose calls are test machinery, never the code under test.
TEST_SUPPORT_ROOTS = frozenset(
    {
        "pytest",
        "_pytest",
        "unittest",
        "mock",
        "pytest_mock",
        "hypothesis",
        "syrupy",
        "inline_snapshot",
        "freezegun",
        "time_machine",
        "responses",
        "respx",
        "pytest_httpx",
        "testfixtures",
    }
)


TESTING_MODULE_PREFIXES = (
    "numpy.testing", "pandas.testing", "pandas._testing", "pandas.util.testing"
)


MOCK_FACTORIES = frozenset(
    {
        "unittest.mock.Mock",
        "unittest.mock.MagicMock",
        "unittest.mock.AsyncMock",
        "unittest.mock.NonCallableMock",
        "unittest.mock.NonCallableMagicMock",
        "unittest.mock.PropertyMock",
        "unittest.mock.create_autospec",
        "unittest.mock.patch",
        "unittest.mock.patch.object",
        "unittest.mock.patch.multiple",
        "unittest.mock.mock_open",
    }
)


PATCH_CALLS = frozenset(
    {"unittest.mock.patch", "unittest.mock.patch.object", "unittest.mock.patch.multiple"}
)


MOCKER_FIXTURES = frozenset(
    {"mocker", "module_mocker", "class_mocker", "package_mocker", "session_mocker"}
)


MOCKER_FACTORY_ATTRS = frozenset(
    {
        "patch",
        "patch.object",
        "patch.multiple",
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "create_autospec",
        "spy",
        "stub",
        "async_stub",
        "mock_open",
    }
)


MOCKER_PATCHES = frozenset({"patch", "patch.object", "patch.multiple"})


MOCK_ASSERT_METHODS = frozenset(
    {
        "assert_called",
        "assert_called_once",
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_has_calls",
        "assert_not_called",
        "assert_awaited",
        "assert_awaited_once",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
        "assert_has_awaits",
        "assert_not_awaited",
    }
)


# Attributes that only a mock has; reading one in an assert makes it a mock assertion.
MOCK_ONLY_ATTRS = frozenset(
    {
        "call_count",
        "call_args",
        "call_args_list",
        "mock_calls",
        "method_calls",
        "await_count",
        "await_args",
        "await_args_list",
    }
)


MOCK_STATE_ATTRS = MOCK_ONLY_ATTRS | {"called", "awaited"}


# attributes of a MarkDecorator that read it rather than apply it (`pytest.mark.skip.mark`)
INTROSPECTION_ATTRS = frozenset({"mark", "name", "args", "kwargs", "markname"})


RAISES_CALLS = frozenset({"pytest.raises", "pytest.warns", "pytest.deprecated_call"})


UNITTEST_RAISES = frozenset(
    {"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertWarns", "assertWarnsRegex"}
)


UNITTEST_WEAK = frozenset({"assertIsNotNone", "assertIsInstance", "assertNotIsInstance"})


UNITTEST_EQUALITY = frozenset(
    {"assertEqual", "assertEquals", "failUnlessEqual", "assertNotEqual", "assertNotEquals"}
)


FAIL_CALLS = frozenset({"pytest.fail"})


SKIP_CALLS = frozenset({"pytest.skip", "pytest.xfail", "pytest.importorskip"})


FIXTURE_DECORATORS = frozenset(
    {"pytest.fixture", "pytest.yield_fixture", "pytest_asyncio.fixture", "pytest_trio.trio_fixture"}
)


UNITTEST_BASES = frozenset(
    {"unittest.TestCase", "unittest.IsolatedAsyncioTestCase", "unittest.case.TestCase"}
)


def names_an_assertion(name: str) -> bool:
    """`assert_frame_equal`, `assertEqual`: an assertion function's name, by the convention of
    pytest helpers and unittest (not `assertion_count`, not `asserted`)."""
    return name.startswith("assert") and (name[6:7] == "_" or name[6:7].isupper())


DEFAULT_HELPER_PREFIXES = ("assert", "check", "verify", "expect")


# Names with a helper prefix that are well known not to assert anything.
NOT_ASSERTION_HELPERS = frozenset(
    {"subprocess.check_call", "subprocess.check_output", "hypothesis.assume"}
)
