"""Property: renaming locals and parameters and reformatting a test or the implementation it
mirrors never changes whether TL301 fires."""

from __future__ import annotations

import ast
import io
import keyword
import shutil
import tempfile
import tokenize
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testlint.config import Config
from testlint.engine import lint_text, make_engine
from testlint.pytest_config import find_pytest_config
from tests.helpers import examples

# (implementation, test): whether TL301 fires is decided by the unchanged pair
CASES = [
    (
        "def discount(price, pct=10):\n"
        "    return round(price * (1 - pct / 100), 2)\n",
        "def test_it():\n"
        "    amount = 80\n"
        "    expected = round(amount * (1 - 25 / 100), 2)\n"
        "    assert discount(amount, 25) == expected\n",
    ),
    (
        "def total(items, rate):\n"
        "    subtotal = sum(item.price * item.qty for item in items)\n"
        "    taxed = subtotal * (1 + rate)\n"
        "    return round(taxed, 2)\n",
        "def test_it(items):\n"
        "    want = round(sum(line.price * line.qty for line in items) * (1 + 0.2), 2)\n"
        "    assert total(items, 0.2) == want\n",
    ),
    (
        "def _fee(amount):\n"
        "    return amount // 20\n\n\n"
        "def charge(amount, extra=0):\n"
        "    base = amount + _fee(amount)\n"
        "    return base + extra\n",
        "def test_it():\n"
        "    paid = 300\n"
        "    assert charge(paid) == paid + paid // 20 + 0\n",
    ),
    (
        "class Cart:\n"
        "    def __init__(self, items):\n"
        "        self.items = items\n\n"
        "    def count(self):\n"
        "        return sum(entry.quantity for entry in self.items)\n",
        "def test_it(lines):\n"
        "    basket = Cart(lines)\n"
        "    assert basket.count() == sum(x.quantity for x in basket.items)\n",
    ),
    (
        "def scale(values, factor):\n"
        "    return [value * factor for value in values]\n",
        "def test_it():\n"
        "    numbers = [1, 2, 3]\n"
        "    assert scale(numbers, 3) == pytest.approx([n * 3 for n in numbers])\n",
    ),
    (  # an independent oracle: must stay silent
        "def discount(price, pct=10):\n"
        "    return round(price * (1 - pct / 100), 2)\n",
        "def test_it():\n"
        "    amount = 80\n"
        "    assert discount(amount, 25) == 60.0\n",
    ),
    (  # a different algorithm: must stay silent
        "def triangular(n):\n"
        "    return n * (n + 1) // 2\n",
        "def test_it():\n"
        "    size = 9\n"
        "    assert triangular(size) == sum(range(1, size + 1))\n",
    ),
    (  # a passthrough: must stay silent
        "def identity(value):\n"
        "    return value\n",
        "def test_it():\n"
        "    payload = [1, 2]\n"
        "    assert identity(payload) == payload\n",
    ),
]
HEADER = "import pytest\n\n\n"
identifiers = st.from_regex(r"\A[a-z][a-z0-9_]{1,8}\Z").filter(
    lambda s: not keyword.iskeyword(s) and s not in {"self", "pytest", "round", "sum", "range"}
)


class _Rename(ast.NodeTransformer):
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self.mapping.get(node.id, node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self.mapping.get(node.arg, node.arg)
        return node


def _bound_names(function: ast.FunctionDef, with_params: bool) -> list[str]:
    names: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg) and with_params and node.arg != "self":
            names.add(node.arg)
    return sorted(names)


def _rename(source: str, data: st.DataObject, with_params: bool) -> str:
    """Rename what each function binds (and, for implementations, its parameters)."""
    tree = ast.parse(source)
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)
    }
    for function in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        names = _bound_names(function, with_params)
        if function.name == "__init__":
            names = []  # the attribute names are the class's interface, not locals
        fresh = data.draw(st.lists(identifiers, min_size=len(names), max_size=len(names),
                                   unique=True))
        mapping = {old: f"r_{new}" for old, new in zip(names, fresh, strict=True)
                   if f"r_{new}" not in taken}
        _Rename(mapping).visit(function)
    return ast.unparse(tree) + "\n"


def _reformat(source: str, data: st.DataObject) -> str:
    """Random spaces between tokens and line breaks inside brackets (meaning unchanged)."""
    out: list[str] = []
    depth = 0
    previous_end: tuple[int, int] | None = None
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for token in tokens:
        if token.type in {tokenize.NEWLINE, tokenize.NL}:
            out.append("\n")
            previous_end = None
            continue
        if token.type in {tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}:
            continue
        if previous_end is None:
            out.append(" " * token.start[1])
        else:
            gap = token.start[1] - previous_end[1] if token.start[0] == previous_end[0] else 1
            spaces = gap + data.draw(st.integers(0, 2))
            if depth > 0 and out and out[-1] in {",", "("} and data.draw(st.booleans()):
                out.append("\n" + " " * (8 + data.draw(st.integers(0, 6))))
            elif spaces:
                out.append(" " * spaces)
        if token.string in {"(", "[", "{"}:
            depth += 1
        elif token.string in {")", "]", "}"}:
            depth -= 1
        out.append(token.string)
        previous_end = token.end
    result = "".join(out)
    ast.parse(result)  # the reformatting kept the module valid
    return result


def _fires_snippet(implementation: str, test: str) -> bool:
    source = HEADER + implementation + "\n\n" + test
    return any(f.code == "TL301" for f in lint_text(source, select=["TL301"]))


def _fires_project(implementation: str, test: str) -> bool:
    root = Path(tempfile.mkdtemp(prefix="testlint-mirror-"))
    (root / "src" / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "shop" / "__init__.py").write_text("")
    # a config file makes the project its own rootdir wherever the test run is started from
    # (without one, pytest's rootdir is the common ancestor with the invocation directory)
    (root / "pytest.ini").write_text("[pytest]\n")
    (root / "src" / "shop" / "core.py").write_text(implementation)
    names = [n.name for n in ast.parse(implementation).body
             if isinstance(n, ast.FunctionDef | ast.ClassDef) and not n.name.startswith("_")]
    (root / "tests" / "test_core.py").write_text(
        HEADER.replace("\n\n\n", "\n") + f"from shop.core import {', '.join(names)}\n\n\n" + test
    )
    try:
        engine = make_engine([root], config=Config(root=root, select=("TL301",)),
                             pytest_config=find_pytest_config([root]))
        findings = engine.lint_path(root / "tests" / "test_core.py")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return any(f.code == "TL301" for f in findings)


def test_cases_decide_as_documented() -> None:
    fired = [_fires_snippet(impl, test) for impl, test in CASES]
    assert fired == [True, True, True, True, True, False, False, False]
    assert [_fires_project(impl, test) for impl, test in CASES] == fired


@settings(max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), case=st.sampled_from(CASES))
def test_renaming_and_reformatting_keep_the_verdict_in_a_snippet(
    data: st.DataObject, case: tuple[str, str]
) -> None:
    implementation, test = case
    expected = _fires_snippet(implementation, test)
    implementation = _reformat(_rename(implementation, data, with_params=True), data)
    test = _reformat(_rename(test, data, with_params=False), data)
    assert _fires_snippet(implementation, test) == expected


@settings(max_examples=examples(8), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), case=st.sampled_from(CASES))
def test_renaming_and_reformatting_keep_the_verdict_across_files(
    data: st.DataObject, case: tuple[str, str]
) -> None:
    implementation, test = case
    expected = _fires_project(implementation, test)
    implementation = _reformat(_rename(implementation, data, with_params=True), data)
    test = _reformat(_rename(test, data, with_params=False), data)
    assert _fires_project(implementation, test) == expected
