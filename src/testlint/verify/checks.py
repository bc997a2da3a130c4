"""Which executed lines are checks, and which files are the test side of a project.

An assertion "ran" when the test executed (in a test-side file: a test module, a conftest, a
helper beside them) an `assert` statement, or the condition of an `if` whose body ends in a
`raise` or a `pytest.fail(...)`/`fail(...)` call; or when it called a function named `assert*`
anywhere (mock, unittest, numpy and pandas assertions, a project's own `assert_*` helpers), or
`pytest.raises`/`warns`/`deprecated_call` (the plugin counts those calls). Asserts inside the
code under test are its invariants, not the test's checks, and are not counted.
"""

from __future__ import annotations

import ast
import fnmatch
from functools import lru_cache
from pathlib import Path

TEST_DIRS = frozenset({"tests", "test", "testing"})


def _ends_in_failure(body: list[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Raise):
        return True
    if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
        func = last.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name in {"fail", "xfail"} or name.startswith("assert")
    return False


@lru_cache(maxsize=512)
def check_lines(path: str) -> frozenset[int]:
    try:
        tree = ast.parse(Path(path).read_bytes(), filename=path)
    except (OSError, SyntaxError, ValueError, RecursionError):
        return frozenset()
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            found.add(node.lineno)
        elif isinstance(node, ast.If) and (_ends_in_failure(node.body)
                                           or _ends_in_failure(node.orelse)):
            found.add(node.test.lineno)
    return frozenset(found)


def is_test_side(path: str, python_files: tuple[str, ...], test_files: set[str]) -> bool:
    file = Path(path)
    if path in test_files or file.name == "conftest.py":
        return True
    if any(fnmatch.fnmatch(file.name, pattern) for pattern in python_files):
        return True
    return any(part in TEST_DIRS for part in file.parent.parts)


def assertions_ran(lines: dict[str, list[int]], assert_calls: int,
                   python_files: tuple[str, ...], test_files: set[str]) -> int:
    count = assert_calls
    for path, executed in lines.items():
        if is_test_side(path, python_files, test_files):
            count += len(check_lines(path).intersection(executed))
    return count
