"""Work grows linearly with the size of a file: counted in function calls, not timed.

A rule that walks the whole module once per test is quadratic; on a generated file of 16,000
tests that turned seconds into minutes (and kept the language server busy). Doubling the tests
of a file must at most double the calls a lint makes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from testlint.config import Config
from testlint.engine import make_engine
from testlint.pytest_config import find_pytest_config
from testlint.registry import load_registry
from testlint.source import parse_text

HEAD = """\
import pytest

pytestmark = pytest.mark.slow
LIMIT = 3


@pytest.fixture
def cart():
    return []

"""
TEST = """
@pytest.mark.parametrize("quantity", [1, LIMIT])
def test_{i}(cart, quantity, carts{k}):  # an unknown fixture: TL504 reports and hints
    assert cart == []

"""


def _module(tests: int) -> str:
    return HEAD + "".join(TEST.format(i=i, k=i % 3) for i in range(tests))


def _calls(work: Callable[[], Any]) -> int:
    """How many functions (Python and builtin) `work` calls."""
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("code", sorted(load_registry().rules))
def test_a_rule_does_linear_work_in_the_number_of_tests(tmp_path: Path, code: str) -> None:
    path = tmp_path / "test_big.py"
    path.write_text("", encoding="utf-8")
    engine = make_engine([tmp_path], config=Config(root=tmp_path, select=(code,)),
                         pytest_config=find_pytest_config([tmp_path]))
    small, large = parse_text("test_big.py", _module(100)), parse_text("test_big.py", _module(200))
    engine.lint_source(small, path)  # warm: imports, plugin fixtures, inference caches
    calls_small = _calls(lambda: engine.lint_source(small, path))
    calls_large = _calls(lambda: engine.lint_source(large, path))
    assert calls_large / calls_small < 2.2
