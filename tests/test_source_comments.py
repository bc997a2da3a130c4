"""SourceFile.comments_in (one test's comments without tokenizing the whole file) agrees with
the whole file's comments on every function, on the rule fixtures and on tricky snippets."""

from __future__ import annotations

import ast

import pytest

from testlint.source import SourceFile, parse_text
from tests.conftest import FIXTURES

TRICKY = '''
import pytest

X = """
# not a comment
def test_fake():
    pass
"""


@pytest.mark.parametrize("s", ["#", "a # b"])  # a real comment
def test_strings(s):  # GH 1234
    text = "# no"
    other = """
    # still no
    """  # yes
    assert f"{s}#" != text  # checked


class TestBox:
    # class comment
    def test_method(self):
        value = (1,  # inside parens
                 2)
        # nothing happens here

        def inner():  # nested
            return value
        assert inner()
'''


def _sources() -> list[SourceFile]:
    files = sorted((FIXTURES / "rules").glob("*.py"))
    return [parse_text("tricky.py", TRICKY)] + [
        parse_text(path.name, path.read_text(encoding="utf-8")) for path in files
    ]


@pytest.mark.parametrize("source", _sources(), ids=lambda s: s.path)
def test_comments_in_matches_the_whole_file(source: SourceFile) -> None:
    functions = [
        node for node in ast.walk(source.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    assert functions
    ranges = [
        (min([f.lineno, *(d.lineno for d in f.decorator_list)]), f.end_lineno or f.lineno)
        for f in functions
    ]
    partial = [source.comments_in(first, last) for first, last in ranges]
    whole = source.comments  # computed after the partial look-ups, so they really were partial
    assert partial == [
        {n: c for n, c in whole.items() if first <= n <= last} for first, last in ranges
    ]


def test_tricky_snippet_comments() -> None:
    source = parse_text("tricky.py", TRICKY)
    tree = source.tree
    test = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    first, last = test.decorator_list[0].lineno, test.end_lineno or 0
    assert list(source.comments_in(first, last).values()) == [
        "# a real comment", "# GH 1234", "# yes", "# checked",
    ]


# A form feed (Emacs' page break) on its own line: str.splitlines would count it as two lines,
# so every line after it would be read one off from the AST's numbering.
PAGED = (
    "import pytest\n\x0c\ndef total():\n    return 1\n\x0c\n"
    "def test_total():  # noqa: TL101\n    total()\n"
)


def test_a_form_feed_line_does_not_shift_the_lines_after_it() -> None:
    from testlint.engine import lint_text

    source = parse_text("test_paged.py", PAGED)
    assert source.line(6) == "def test_total():  # noqa: TL101"
    assert lint_text(PAGED, select=["TL101"]) == []
    unsuppressed = PAGED.replace("  # noqa: TL101", "")
    assert [(f.line, f.code) for f in lint_text(unsuppressed, select=["TL101"])] == [(6, "TL101")]
