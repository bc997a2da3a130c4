"""One normal form of a test's code, for the rules that ask whether two pieces of code are alike.

A piece of code's normal form is its syntax tree as nested tuples: each node's type and fields in
order, constants by their `repr` (so `1`, `1.0` and `True` stay apart), positions left out, and
the names the test binds itself (assignment targets, `except ... as` names, the arguments of
functions and lambdas it defines; not its parameters) renamed to placeholders numbered by where
each is first bound. So `result = add(2, 3); assert result == 5` and
`total = add(2, 3); assert total == 5` have one form, while a call of another function, another
argument or another fixture does not.

The renaming is one-to-one within a test, so two pieces of one test have equal forms exactly when
they are written alike (`ast_shape.same`); across tests equal forms mean the same code up to
the names of its locals. TL604 (duplicate-test) compares whole bodies by it, TL302
(expected-from-code-under-test) the two calls of an equality.

Computed on first use, once per test (`normal_form(test)`), and kept on the test: the forms are
tuples of strings, which hold no reference back to the tree.
"""

from __future__ import annotations

import ast

from testlint.facts.model import TestFunction

_ATTR = "_testlint_normal_form"


class NormalForm:
    """The renaming of one test's bound names, and the forms asked for so far."""

    __slots__ = ("_forms", "_names")

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names
        self._forms: dict[int, object] = {}

    def of(self, node: ast.AST) -> object:
        """The normal form of a node of this test."""
        key = id(node)
        found = self._forms.get(key)
        if found is None:
            found = self._forms[key] = _form(node, self._names)
        return found

    def of_block(self, body: list[ast.stmt]) -> object:
        """The normal form of a list of the test's statements (as `_form` gives a list)."""
        return ("[", *(self.of(stmt) for stmt in body))


def normal_form(test: TestFunction) -> NormalForm:
    """The test's normal form, built on first use and kept with the test's facts."""
    found: NormalForm | None = test.__dict__.get(_ATTR)
    if found is None:
        found = NormalForm(_renaming(test))
        test.__dict__[_ATTR] = found
    return found


def plain_form(node: object) -> object:
    """A normal form without renaming (for code outside the test's scope: its decorators)."""
    return _form(node, {})


def _renaming(test: TestFunction) -> dict[str, str]:
    """The names the test binds, not its parameters, each to a placeholder no identifier can
    spell (it starts with a digit), numbered by where they are first bound: the stored names in
    walk order, then the `except ... as` names, then the arguments of nested functions and
    lambdas (read from the test's node index). Any numbering fixed by positions alone gives the
    same answer to "are these two forms equal?"."""
    args = test.node.args
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    found: dict[str, None] = {}
    for name in test.nodes_of(ast.Name):
        if name.ctx.__class__ is ast.Store:
            found.setdefault(name.id)
    for handler in test.nodes_of(ast.ExceptHandler):
        if handler.name:
            found.setdefault(handler.name)
    for arg in test.nodes_of(ast.arg):
        found.setdefault(arg.arg)
    bound = [name for name in found if name not in params]
    return {name: f"{i}v" for i, name in enumerate(bound)}


def _form(node: object, names: dict[str, str]) -> object:
    if isinstance(node, ast.AST):
        cls = node.__class__
        parts: list[object] = [cls.__name__]
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is str and names and (
                (field == "id" and cls is ast.Name)
                or (field == "arg" and cls is ast.arg)
                or (field == "name" and cls is ast.ExceptHandler)
            ):
                value = names.get(value, value)
            parts.append(_form(value, names))
        return tuple(parts)
    if isinstance(node, list):
        return ("[", *(_form(item, names) for item in node))
    return repr(node)
