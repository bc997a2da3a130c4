"""`pytest.warns` that accepts a warning the test did not mean (TL104's twin for warnings).

## What it does

Flags a `with pytest.warns(...)` or `with pytest.deprecated_call()` block that expects a broad
warning category (`Warning`, `UserWarning`, `DeprecationWarning`, `PendingDeprecationWarning`,
`FutureWarning`, or no category at all) without `match=`, unless the recorded warnings are
inspected after the block (`record[0].message`, `len(record)`). Also flags such a block that
holds more than one statement (not counting `warnings.simplefilter(...)` and the like), whatever
the category: a warning from the setup satisfies it.

`pytest.raises` is TL104's: it already treats an inspected `excinfo` as a match and reports a
broad exception type without one, so this rule does not look at it. A binding of a specific
exception or warning that is never read is not reported: the type alone says what was expected.

## Why it matters

Libraries and their dependencies emit deprecation and user warnings all the time. A test that
expects "some `DeprecationWarning`" passes when a dependency deprecates something in the same
call, while the deprecation the test is about was removed or never written. The same holds when
the setup inside the block warns before the call under test runs.

## Example

```python
import pytest


def test_old_argument_is_deprecated():
    with pytest.warns(DeprecationWarning):
        client = Client()
        client.send(timeout=3)
```

## Use instead

```python
import pytest


def test_old_argument_is_deprecated():
    client = Client()
    with pytest.warns(DeprecationWarning, match="'timeout' is deprecated"):
        client.send(timeout=3)
```

## Rewrite guidance

Keep only the call that should warn inside the block, and add `match=` with a regular expression
for the part of the warning message that identifies it. Prefer the most specific category the
code emits (a project's own warning class, when it has one).

## Options

- `broad-warnings` (list of str, default: Warning, UserWarning, DeprecationWarning,
  PendingDeprecationWarning, FutureWarning): warning categories that need `match=`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import RaisesUse, TestFunction, dotted_name
from testlint.rules.base import RuleContext

CODE = "TL110"
NAME = "warns-without-match"
DEFAULT_ENABLED = False
FIX = "none"
LEVEL = "warning"

WARNS_APIS = frozenset({"pytest.warns", "pytest.deprecated_call"})


@dataclass(frozen=True)
class Options:
    broad_warnings: tuple[str, ...] = (
        "Warning",
        "UserWarning",
        "DeprecationWarning",
        "PendingDeprecationWarning",
        "FutureWarning",
    )


VALID = [
    """
import pytest

def test_deprecated():
    with pytest.warns(DeprecationWarning, match="'timeout' is deprecated"):
        send(timeout=3)
""",
    """
import pytest

def test_project_warning():
    with pytest.warns(ClientConfigWarning):
        send(timeout=3)
""",
    """
import pytest

def test_deprecated():
    with pytest.warns(DeprecationWarning) as record:
        send(timeout=3)
    assert "timeout" in str(record[0].message)
""",
]

INVALID = [
    """
import pytest

def test_deprecated():
    with pytest.warns(DeprecationWarning):
        send(timeout=3)
""",
    """
import pytest

def test_warns():
    with pytest.warns():
        send(timeout=3)
""",
    """
import pytest

def test_deprecated():
    with pytest.warns(ClientConfigWarning, match="timeout"):
        client = Client()
        client.send(timeout=3)
""",
]


def _categories(expected: ast.expr | None) -> list[str]:
    if expected is None:
        return ["Warning"]
    if isinstance(expected, ast.Tuple):
        return [name for elt in expected.elts for name in _categories(elt)]
    name = dotted_name(expected)
    return [name.rsplit(".", 1)[-1]] if name else []


def _inspected_later(test: TestFunction, use: RaisesUse) -> bool:
    with_node = use.with_node
    if with_node is None:
        return False
    names = {
        item.optional_vars.id
        for item in with_node.items
        if item.context_expr is use.call and isinstance(item.optional_vars, ast.Name)
    }
    if not names:
        return False
    end = (with_node.end_lineno or with_node.lineno, with_node.end_col_offset or 0)
    return any(
        isinstance(node, ast.Name)
        and node.id in names
        and isinstance(node.ctx, ast.Load)
        and (node.lineno, node.col_offset) >= end
        for node in test.nodes
    )


def _configures_warnings(ctx: RuleContext, stmt: ast.stmt) -> bool:
    """`warnings.simplefilter("always")` and `pass` cannot be the warning the block expects."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        name = ctx.module.qualname(stmt.value.func) or ""
        return name.startswith("warnings.") and name != "warnings.warn"
    return False


def check(ctx: RuleContext) -> None:
    broad = set(ctx.options.broad_warnings)
    for test in ctx.module.tests:
        for use in test.raises:
            if use.api not in WARNS_APIS or use.body is None:
                continue  # the call form cannot take match=
            shown = "pytest.warns" if use.api == "pytest.warns" else "pytest.deprecated_call"
            body = [stmt for stmt in use.body if not _configures_warnings(ctx, stmt)]
            if len(body) > 1:
                ctx.report(
                    use.call,
                    f"{shown} block has {len(body)} statements: a warning from the setup "
                    "satisfies it; keep only the call that should warn inside it",
                    test=test,
                )
                continue
            if use.has_match or _inspected_later(test, use):
                continue
            expected = use.expected
            if use.api == "pytest.deprecated_call":
                categories = ["DeprecationWarning"]
            elif expected is None and use.call.args == [] and not use.call.keywords:
                categories = ["Warning"]
            else:
                categories = _categories(expected)
            too_broad = [c for c in categories if c in broad]
            if too_broad:
                ctx.report(
                    use.call,
                    f"{shown}({too_broad[0] if expected is not None else ''}) without match= "
                    f"passes for any {too_broad[0]}, even one from a dependency or the setup; "
                    "add match=\"...\" for the expected message",
                    test=test,
                )
