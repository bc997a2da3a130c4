"""Whether a call the facts took for an assertion helper by its name alone really asserts.

The facts count `check_config(...)` or `verify(token)` as an assertion because of the name
(`assertion-helper-prefixes`), without seeing its body. When the name resolves into the code
under test, the body can be read: a unit of the project that neither asserts nor raises an
AssertionError (nor calls `pytest.fail`) is the code being tested, not a helper of the test, and
calling it only shows that it did not raise. Helpers defined in the test module, a conftest or
a test-support module are the facts' business and are never judged here; `assert_*` names are
left alone too (a project's own `assert_valid()` fails the test however it is written).

"One answer or None": an unresolved name, a body that cannot be read, or a call in the body that
may itself be an assertion helper, and the facts' reading stands.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from testlint.facts import (
    MOCK_ASSERT_METHODS,
    Assertion,
    TestFunction,
    TestModule,
    has_helper_prefix,
    qualify,
)

if TYPE_CHECKING:
    from testlint.inference import Inference

FAILING_CALLS = frozenset({"pytest.fail", "pytest.raises", "pytest.warns"})


def asserts_nothing(
    inference: Inference,
    module: TestModule,
    test: TestFunction,
    assertion: Assertion,
    prefixes: tuple[str, ...],
) -> bool:
    """True when `assertion` is a by-name helper call that resolves to a function of the code
    under test whose body has no assertion; False when it asserts or cannot be told."""
    call = assertion.node
    if not assertion.by_name or not isinstance(call, ast.Call):
        return False
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not name or name.lstrip("_").lower().startswith("assert"):
        return False
    try:
        definition = inference.resolve_call(module, test, call)
        if (
            definition is None
            or not definition.is_code_under_test
            or definition.kind not in {"function", "method"}
        ):
            return False
        source = inference.function_source(definition)
        if source is None:
            return False
        return not _may_assert(source.node, source.imports, prefixes)
    except (RecursionError, Exception):
        return False


def _may_assert(func: ast.AST, imports: dict[str, str], prefixes: tuple[str, ...]) -> bool:
    for node in ast.walk(func):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            spelled = exc.attr if isinstance(exc, ast.Attribute) else getattr(exc, "id", "")
            if spelled in {"AssertionError", "Failed"}:
                return True
        if isinstance(node, ast.Call):
            callee = node.func
            called = callee.attr if isinstance(callee, ast.Attribute) else getattr(
                callee, "id", ""
            )
            if called in MOCK_ASSERT_METHODS or qualify(callee, imports) in FAILING_CALLS:
                return True
            if called and has_helper_prefix(called, prefixes):
                return True  # another helper by name: it may assert
    return False
