"""A quick first answer while typing: lint only the test being edited, reuse the rest.

Linting a 5,000-line test file takes about a second; typing in one test of it should not wait
that long for that test's findings. When every change since the last full lint falls inside the
body of one top-level test function or test class (and the text around it is unchanged), the
server lints a reduced copy of the new text in which the other tests are blank lines: the
module's imports, fixtures, helpers and constants stay, line numbers stay the same, and what the
engine finds inside the edited test is what a full lint would find there, except where a rule
compares tests with each other (the same body twice). Findings outside the edited test are the
last full lint's, moved by the lines the edit added or removed.

This answer is provisional: the full lint still follows once typing pauses longer, and its
findings replace these. Whenever the edit is not of that shape (a change outside any test, on a
`def` or decorator line, a test class with a base class of this module, text that no longer
parses), there is no quick answer and the full lint runs as before.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.facts import CollectionRules
from testlint.source import definition_start


@dataclass(frozen=True)
class Edit:
    """The edited top-level test: its span in the old text and in the new one (1-based lines,
    inclusive, decorators included), and how many lines the edit added (negative: removed)."""

    old_start: int
    old_end: int
    new_start: int
    new_end: int
    first_changed: int  # lines before it are the same in both texts

    @property
    def delta(self) -> int:
        return self.new_end - self.old_end

    def moved(self, line: int) -> int | None:
        """Where an old line outside the edited test is now; None inside it."""
        if line < self.old_start:
            return line
        if line > self.old_end:
            return line + self.delta
        return None


def _span(node: ast.stmt) -> tuple[int, int]:
    return definition_start(node), node.end_lineno or node.lineno


def _is_test(node: ast.stmt, rules: CollectionRules) -> bool:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return rules.is_test_function(node.name) and not any(
            "fixture" in ast.unparse(d) for d in node.decorator_list)
    if isinstance(node, ast.ClassDef):
        return rules.is_test_class(node.name)
    return False


def _signature_end(node: ast.stmt) -> int:
    """The last line of a `def` or `class` statement's header (parameters, bases)."""
    parts: list[ast.AST] = []
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        parts = [*ast.walk(node.args)]
        if node.returns is not None:
            parts.append(node.returns)
    elif isinstance(node, ast.ClassDef):
        parts = [*node.bases, *node.keywords]
    return max([node.lineno, *(getattr(p, "end_lineno", None) or 0 for p in parts)])


def find_edit(old_lines: list[str], old_tree: ast.Module, new_lines: list[str],
              rules: CollectionRules) -> Edit | None:
    """The one test (a top-level test function, or a test method of a top-level test class)
    whose body holds every changed line, or None."""
    prefix = 0
    limit = min(len(old_lines), len(new_lines))
    while prefix < limit and old_lines[prefix] == new_lines[prefix]:
        prefix += 1
    if prefix == len(old_lines) == len(new_lines):
        return None  # nothing changed
    suffix = 0
    while (suffix < limit - prefix
           and old_lines[-1 - suffix] == new_lines[-1 - suffix]):
        suffix += 1
    # changed: old lines prefix+1 .. len(old)-suffix, new lines prefix+1 .. len(new)-suffix
    first = prefix + 1
    old_last = len(old_lines) - suffix
    new_last = len(new_lines) - suffix
    # a line typed below a test's last line (after blank lines, maybe) is in the test when it
    # is indented deeper than the test's `def`: look for the test from the last non-blank line
    probe = first
    if old_last < first or not old_lines[first - 1].strip():  # an insertion, or on a blank
        probe = first - 1
        while probe > 1 and not old_lines[probe - 1].strip():
            probe -= 1
    last = max([probe, *(n for n in range(first, old_last + 1) if old_lines[n - 1].strip())])
    test = _innermost_test(old_tree.body, probe, last, rules)
    if test is None or _signature_end(test) >= first:
        return None
    if any(line.strip() and len(line) - len(line.lstrip()) <= test.col_offset
           for line in new_lines[prefix:new_last]):
        return None  # a line at the test's own indentation: a new statement beside it, maybe
    start, end = _span(test)
    return Edit(start, end, start, end + (new_last - old_last), first)


def _innermost_test(body: list[ast.stmt], first: int, last: int,
                    rules: CollectionRules) -> ast.stmt | None:
    """The test function or method whose span holds lines first..last."""
    for node in body:
        start, end = _span(node)
        if not start <= first <= end:
            continue
        if last > end or not _is_test(node, rules):
            return None
        if isinstance(node, ast.ClassDef):
            if node.bases or _signature_end(node) >= first:
                return None  # a base class of this module would be blanked away
            inner = _innermost_test(node.body, first, last, rules)
            return inner if not isinstance(inner, ast.ClassDef) else None
        return node
    return None


def reduced_text(new_lines: list[str], old_tree: ast.Module, edit: Edit,
                 rules: CollectionRules) -> str:
    """The new text with every other test made blank lines (line numbers kept): the other
    top-level tests, and the other test methods of the edited test's class."""
    lines = list(new_lines)
    for node in old_tree.body:
        start, end = _span(node)
        if start <= edit.old_start and edit.old_end <= end:  # holds the edited test
            if isinstance(node, ast.ClassDef):
                for inner in node.body:
                    if _is_test(inner, rules) and _span(inner)[0] != edit.old_start:
                        _blank(lines, inner, edit)
            continue
        if _is_test(node, rules):
            _blank(lines, node, edit)
    return "\n".join(lines) + "\n"


def _blank(lines: list[str], node: ast.stmt, edit: Edit) -> None:
    start, end = _span(node)
    first, last = edit.moved(start), edit.moved(end)
    if first is not None and last is not None:
        for index in range(first - 1, last):
            lines[index] = ""
