"""Properties: the engine never crashes; findings do not depend on formatting or local names."""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
import warnings
from collections import Counter
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from testlint.engine import lint_text
from tests.helpers import examples

FIXTURES = sorted((Path(__file__).resolve().parent.parent / "fixtures" / "rules").glob("TL*.py"))


def _no_internal_errors(source: str) -> None:
    findings = lint_text(source, select=["ALL"])
    crashes = [f for f in findings if f.code == "TL000" and "internal error" in f.message]
    assert crashes == []


# hypothesmith compiles what it generates: its SyntaxWarnings are not ours
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_engine_never_crashes_on_grammar_generated_modules(source: str) -> None:
    _no_internal_errors(source)


# hypothesmith compiles what it generates: its SyntaxWarnings are not ours
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_engine_never_crashes_on_ast_generated_modules(source: str) -> None:
    _no_internal_errors(source)


def _strip_comments(source: str) -> str:
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
              if t.type != tokenize.COMMENT]
    return tokenize.untokenize(tokens)


def _summary(source: str, skip: frozenset[str] = frozenset()) -> Counter[tuple[str, str | None]]:
    return Counter((f.code, f.test) for f in lint_text(source, select=["ALL"])
                   if f.code not in skip)


# Rules whose definition is the layout itself: a giant snapshot is one that spans more than N
# source lines, and ast.unparse folds a 30-line payload onto one line.
LAYOUT_RULES = frozenset({"TL303", "TL304"})


def test_findings_survive_reformatting() -> None:
    assert FIXTURES, "no fixture files found"
    for path in FIXTURES:
        source = _strip_comments(path.read_text(encoding="utf-8"))
        reformatted = ast.unparse(ast.parse(source))
        assert _summary(reformatted, LAYOUT_RULES) == _summary(source, LAYOUT_RULES), path.name


class _RenameLocals(ast.NodeTransformer):
    """Rename every name a test function binds (and its uses) by a mapping."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, node: ast.Name) -> ast.Name:
        if node.id in self.names:
            node.id = self.names[node.id]
        return node


def _local_names(tree: ast.Module) -> list[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if is_function and node.name.startswith("test"):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    found.add(sub.id)
    return sorted(found)


identifiers = st.from_regex(r"\A[a-z][a-z0-9]{2,8}\Z").filter(lambda s: not keyword.iskeyword(s))


@settings(max_examples=examples(15), deadline=None)
@given(data=st.data())
def test_findings_survive_renaming_locals(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(FIXTURES))
    source = _strip_comments(path.read_text(encoding="utf-8"))
    tree = ast.parse(source)
    names = _local_names(tree)
    fresh = data.draw(st.lists(identifiers, min_size=len(names), max_size=len(names), unique=True))
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    mapping = {old: f"v_{new}" for old, new in zip(names, fresh, strict=True)
               if f"v_{new}" not in taken}
    renamed = ast.unparse(_RenameLocals(mapping).visit(tree))
    assert _summary(renamed) == _summary(ast.unparse(ast.parse(source)))


def _in_a_test(source: str) -> str | None:
    """A generated module's statements as the body of a test function, if that still compiles
    (`from x import *` or `nonlocal` at function level do not)."""
    body = "".join(f"    {line}\n" for line in source.splitlines()) or "    pass\n"
    wrapped = f"def test_generated():\n{body}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `1()` and the like: generated, not ours to report
            compile(wrapped, "<generated>", "exec", ast.PyCF_ONLY_AST)
    except (SyntaxError, ValueError, RecursionError):
        return None
    return wrapped


def _own_by_definition(func: ast.FunctionDef) -> list[int]:
    """Ids of the body's nodes with no nested function, lambda or class between them and the
    test (the nested definition itself counts as the test's own)."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    own: list[int] = []
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        own.append(id(node))
        if not isinstance(node, scopes):
            stack.extend(ast.iter_child_nodes(node))
    return own


NESTED_SCOPES_SOURCE = """
total = price * (1 - pct / 100)
key = lambda item: item.price + 1
class Fake:
    def handler(self, request):
        assert request.path == "/" and not request.body
assert sorted([x * 2 for x in range(3)], key=key) == [0, 2, 4] or total > -1
"""


# hypothesmith compiles what it generates: its SyntaxWarnings are not ours
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
@example(NESTED_SCOPES_SOURCE)
@example("def callback():\n    return a + b\nassert callback() == 3\n")
# (Python 3.12+: the alias keeps its name as a Name node, where a def keeps a string)
@example("type Pair[T: int] = tuple[T, T]\nassert Pair\n")
def test_the_type_index_and_own_nodes_agree_with_their_definitions(source: str) -> None:
    from testlint.facts import build_facts
    from testlint.source import parse_text

    wrapped = _in_a_test(source)
    if wrapped is None:
        return
    module = build_facts(parse_text("test_generated.py", wrapped))
    (test,) = module.tests
    for kind in {type(node) for node in test.nodes}:
        assert test.nodes_of(kind) == [n for n in test.nodes if type(n) is kind]
    # the facts' walk leaves out the Load/Store/Del markers, nothing else
    # (operators are shared singletons: one `+` object for every `+` of the file, so they have
    # no one scope and no one position, and are not compared)
    shared = (ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    expected = set(_own_by_definition(test.node))
    expected -= {id(n) for n in ast.walk(test.node) if isinstance(n, (ast.expr_context, *shared))}
    own = test.own_nodes
    assert {id(n) for n in own if not isinstance(n, shared)} == expected
    # in the order of `nodes`
    position = {id(n): i for i, n in enumerate(test.nodes) if not isinstance(n, shared)}
    ordered = [position[id(n)] for n in own if not isinstance(n, shared)]
    assert ordered == sorted(ordered)
