"""Operation signatures: what an expression *does*, for telling a mirrored expectation apart.

`mirror.compare` asks whether the whole expected expression looks like an expression of the
implementation. Real mirrors are often smaller than that and spelled differently: one library
call with the implementation's own options inside a bigger literal, the same comprehension over
the same source, the same f-string template with the test's values in its holes, an explicit
dunder call (`q.__round__(2)`) that is the implementation's call word for word. This module
reads normalised trees (`mirror.Normaliser`: test locals inlined, the unit's parameters replaced
by the test's arguments, imported names qualified) into such operations and matches the
expected value's operations against the unit's.

An operation is a mirror only when it carries the implementation's choices:

- a library call: the same external function (never a builtin, a path, a date or decimal
  constructor, nor a project function) with the same keyword options (the values agree where
  both sides spell them as constants); without options, only when that call *is* the whole
  expected value (`statistics.stdev([...])` against `return statistics.stdev(values)`) and
  does more than hand the unit's own inputs to the library (`np.where(c, a, b)` beside a
  wrapper of it is a reference oracle). A reference implementation from another library is
  a different function, so never a match.
- a comprehension: the same shape (kind, targets, conditions, element) over the same source, or
  over a parameter the unit rebinds; a bare copy (`[x for x in xs]`) is not a formula.
- a template: an f-string with a hole whose constant text the implementation's template can
  produce (`f"test_mock_{n}.py"` against `f"test_{prefix}_{seq}.py"`), with real text in it.
- a concatenation: constant separators between the same computed pieces, in the same order
  (`b64encode(utf8(k)) + b"|" + b64encode(utf8(s))`), whatever their inputs.
- an explicit dunder call with the same arguments (`round(x, n)` is read as `x.__round__(n)`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from testlint.facts import STDLIB_MODULES
from testlint.mirror import Tree, canonical, walk

# library roots whose calls build plain values (paths, dates, numbers, containers, text
# layout, test machinery): calling them in an expectation is writing a literal, not a formula
VALUE_ROOTS = frozenset(
    {
        "builtins",
        "os",
        "pathlib",
        "posixpath",
        "ntpath",
        "datetime",
        "decimal",
        "fractions",
        "uuid",
        "collections",
        "copy",
        "typing",
        "enum",
        "unittest",
        "pytest",
        "mock",
        "re",
        "functools",
        "itertools",
        "operator",
        "types",
        "dataclasses",
        "textwrap",
        "string",
        "numbers",
        "io",
        "sys",
        "inspect",
        "warnings",
        "logging",
        "tempfile",
        "shutil",
        "array",
        "math",
        # reading the environment (clock, locale, host): the only oracle a test has for it
        "time",
        "platform",
        "socket",
        "getpass",
        "locale",
    }
)
# builtins that call a dunder of their first argument
DUNDER_BUILTINS = {"builtins.round": "__round__", "builtins.format": "__format__"}
HOLE_KINDS = frozenset({"l", "p", "u", "arg", "c"})
MIN_TEMPLATE_TEXT = 2


@dataclass(frozen=True)
class Operation:
    kind: str  # "library-call" | "comprehension" | "template" | "dunder-call"
    text: str  # how a message names it


def dotted(tree: Tree) -> str | None:
    """`json.dumps` for a qualified global or an attribute chain over one."""
    if tree[0] == "g":
        return str(tree[1][0])
    if tree[0] == "attr":
        head = dotted(tree[2][0])
        return f"{head}.{tree[1][0]}" if head is not None else None
    return None


def mirrored(
    expected: Tree, unit: list[Tree], is_project: Callable[[str], bool]
) -> Operation | None:
    """The first operation of the expected value that repeats one of the unit's, or None."""
    try:
        return _mirrored(expected, unit, is_project)
    except (RecursionError, Exception):
        return None


def _mirrored(
    expected: Tree, unit: list[Tree], is_project: Callable[[str], bool]
) -> Operation | None:
    theirs = list(_subtrees(unit))
    tops = [top for tree in unit for top in _tops(tree)]
    for node in walk(expected):
        whole = node is expected
        plain = whole and _only_call(node, is_project)
        found = _match(node, whole, tops if plain else theirs, is_project)
        if found is not None:
            return found
    return None


def has_candidate(expected: Tree, is_project: Callable[[str], bool]) -> bool:
    """Whether the expected value holds any operation that could mirror (judged alone)."""
    for node in walk(expected):
        kind = node[0]
        if kind == "comp" and _interesting_comprehension(node):
            return True
        if kind == "fstr" and _template(node) is not None:
            return True
        if kind == "bin" and node[1] == ("Add",) and _concatenation(node) is not None:
            return True
        if kind == "call":
            name = _library(node, is_project)
            if name is not None and (node is expected or _keywords(node)):
                return True
            if _dunder(node) is not None:
                return True
    return False


def _only_call(node: Tree, is_project: Callable[[str], bool]) -> bool:
    """A library call without options: it mirrors only a value the unit gives as it is."""
    return (
        node[0] == "call" and not _keywords(node) and _library(node, is_project) is not None
    )


def _tops(tree: Tree, inner: bool = False) -> Iterator[Tree]:
    """A value as the unit gives it: the whole value, a branch of a conditional one, or what a
    lambda it hands over returns (`self.apply(lambda v: statistics.mean(v))`)."""
    if not inner:
        yield tree
        if tree[0] == "ifexp":
            yield from _tops(tree[2][1])
            yield from _tops(tree[2][2])
    for node in walk(tree):
        if node[0] == "lambda":
            yield from _tops(node[2][0])


def _subtrees(trees: list[Tree]) -> Iterator[Tree]:
    for tree in trees:
        yield from walk(tree)


def _match(
    node: Tree, whole: bool, theirs: list[Tree], is_project: Callable[[str], bool]
) -> Operation | None:
    kind = node[0]
    if kind == "call":
        name = _library(node, is_project)
        if name is not None:
            mine = _keywords(node)
            if not mine and not whole:
                return None
            if not mine and all(arg[0] == "arg" for arg in node[2][1:]):
                return None  # the test's own inputs handed to the library: a reference oracle
            for other in theirs:
                if (
                    other[0] == "call"
                    and _library(other, is_project) == name
                    and _same_options(node, other)
                ):
                    options = ", ".join(f"{k}=" for k in sorted(mine))
                    return Operation(
                        "library-call", f"{name}({'..., ' + options if options else '...'})"
                    )
            return None
        dunder = _dunder(node)
        if dunder is not None:
            for other in theirs:
                if other[0] == "call" and _dunder(other) == dunder:
                    return Operation("dunder-call", f"`.{dunder[0]}(...)`")
        return None
    if kind == "bin" and node[1] == ("Add",):
        mine_parts = _concatenation(node)
        if mine_parts is None:
            return None
        for other in theirs:
            if other[0] == "bin" and other[1] == ("Add",) and _concatenation(other) == mine_parts:
                return Operation("concatenation", "concatenation")
        return None
    if kind == "comp" and _interesting_comprehension(node):
        for other in theirs:
            if other[0] == "comp" and _same_comprehension(node, other):
                return Operation("comprehension", "comprehension")
        return None
    if kind == "fstr":
        pattern = None
        mine_text = _template(node)
        if mine_text is None:
            return None
        for other in theirs:
            if other[0] != "fstr":
                continue
            pattern = _template_pattern(other)
            if pattern is not None and pattern.fullmatch(mine_text):
                return Operation("template", "f-string template")
    return None


# ---- library calls ----------------------------------------------------------------------------
def _library(node: Tree, is_project: Callable[[str], bool]) -> str | None:
    """The qualified name of an external library function a call calls."""
    name = dotted(node[2][0])
    if name is None or "." not in name:
        return None
    root = name.split(".", 1)[0]
    if root in VALUE_ROOTS:
        return None
    if is_project(name):
        return None
    last = name.rsplit(".", 1)[-1]
    if last[:1].isupper():
        return None  # a class: building a value, not computing one
    if root not in STDLIB_MODULES and not root.isidentifier():
        return None
    return name


def _keywords(node: Tree) -> dict[str, Tree]:
    meta = node[1]
    count = int(meta[0])
    names = [str(k) for k in meta[1:]]
    values = node[2][1 + count :]
    return {k: v for k, v in zip(names, values, strict=False) if k != "**"}


def _positional(node: Tree) -> int:
    return int(node[1][0])


def _same_options(mine: Tree, theirs: Tree) -> bool:
    """The same keyword options; a name one side passes by keyword may be a positional
    argument on the other (`obj=x` against `dumps(x, ...)`)."""
    a, b = _keywords(mine), _keywords(theirs)
    if set(a) != set(b):
        small, big = (a, b) if len(a) < len(b) else (b, a)
        small_pos = _positional(mine) if small is a else _positional(theirs)
        big_pos = _positional(theirs) if small is a else _positional(mine)
        if not set(small) <= set(big):
            return False
        if len(set(big) - set(small)) != small_pos - big_pos:
            return False
        if not small and a != b:
            return False  # only positionals on one side: no option is shared
    for key in set(a) & set(b):
        if a[key][0] == "k" and b[key][0] == "k" and a[key] != b[key]:
            return False
    return True


# ---- dunder calls -------------------------------------------------------------------------------
def _dunder(node: Tree) -> tuple[str, tuple[Tree, ...]] | None:
    func = node[2][0]
    count = _positional(node)
    args = node[2][1 : 1 + count]
    if func[0] == "attr":
        name = str(func[1][0])
        if name.startswith("__") and name.endswith("__") and len(node[1]) == 1:
            return name, tuple(canonical(a) for a in args)
        return None
    if func[0] == "g" and func[1][0] in DUNDER_BUILTINS and count >= 2 and len(node[1]) == 1:
        return DUNDER_BUILTINS[str(func[1][0])], tuple(canonical(a) for a in args[1:])
    return None


# ---- comprehensions -----------------------------------------------------------------------------
def _interesting_comprehension(node: Tree) -> bool:
    """Not a bare copy: the element (or key/value) does something with the variables."""
    shape = node[1]
    kids = node[2]
    outputs = kids[-2:] if shape[0] == "DictComp" else kids[-1:]
    return any(out[2] for out in outputs)


def _sources(node: Tree) -> list[int]:
    """Positions of the iterated sources among a comprehension's children."""
    positions = []
    index = 0
    for generator in node[1][1:]:
        positions.append(index)
        index += 2 + int(generator[0])
    return positions


def _same_comprehension(mine: Tree, theirs: Tree) -> bool:
    if mine[1] != theirs[1] or len(mine[2]) != len(theirs[2]):
        return False
    sources = set(_sources(mine))
    for index, (a, b) in enumerate(zip(mine[2], theirs[2], strict=True)):
        if (
            index in sources
            and canonical(a) != canonical(b)
            and not (b[0] in HOLE_KINDS and not b[2])
        ):
            return False
    body = ("body", (), tuple(k for i, k in enumerate(mine[2]) if i not in sources))
    other = ("body", (), tuple(k for i, k in enumerate(theirs[2]) if i not in sources))
    return canonical(body) == canonical(other)


# ---- concatenations -----------------------------------------------------------------------------
def _concatenation(node: Tree) -> tuple[object, ...] | None:
    """`a(x) + b"|" + a(y)`: the constant pieces and the calls' shapes, in order, when there
    is a constant separator between computed pieces (plain arithmetic is `compare`'s)."""
    parts: list[Tree] = []
    _flatten_sum(node, parts)
    if len(parts) < 3:
        return None
    constants = [p for p in parts if p[0] == "k" and p[1][0] in {"str", "bytes"}]
    calls = [p for p in parts if p[0] == "call"]
    if not constants or len(calls) < 2:
        return None
    return tuple(p if p in constants else _skeleton(p) for p in parts)


def _flatten_sum(tree: Tree, parts: list[Tree]) -> None:
    # a module function, not a recursive closure (a reference cycle the collector must free)
    if tree[0] == "bin" and tree[1] == ("Add",):
        _flatten_sum(tree[2][0], parts)
        _flatten_sum(tree[2][1], parts)
    else:
        parts.append(tree)


def _skeleton(tree: Tree) -> object:
    """What a piece computes, its inputs left out: the functions called, nested."""
    if tree[0] == "call":
        func = tree[2][0]
        name = dotted(func) or (str(func[1][0]) if func[0] == "attr" else "?")
        return ("call", name, tuple(_skeleton(arg) for arg in tree[2][1:]))
    return "."  # an input: a name, a constant, an item or attribute of one


# ---- templates ----------------------------------------------------------------------------------
HOLE = "\x00"


def _template(node: Tree) -> str | None:
    """An f-string's text with its holes marked, when it has a hole and real text."""
    parts: list[str] = []
    holes = 0
    for value in node[2]:
        if value[0] == "k" and value[1][0] == "str":
            parts.append(str(value[1][1]))
        elif value[0] == "fv":
            parts.append(HOLE)
            holes += 1
        else:
            return None
    text = "".join(parts)
    if not holes or len(text.replace(HOLE, "").strip()) < MIN_TEMPLATE_TEXT:
        return None
    return text


def _template_pattern(node: Tree) -> re.Pattern[str] | None:
    """The texts an implementation's f-string can produce: its constant text, anything in its
    holes (a hole of the expected value must fall inside one of them)."""
    pieces: list[str] = []
    constant = 0
    for value in node[2]:
        if value[0] == "k" and value[1][0] == "str":
            pieces.append(re.escape(str(value[1][1])))
            constant += len(str(value[1][1]).strip())
        elif value[0] == "fv":
            pieces.append("(.*?)")
        else:
            return None
    if constant < MIN_TEMPLATE_TEXT or "(.*?)" not in pieces:
        return None
    try:
        return re.compile("".join(pieces), re.DOTALL)
    except re.error:
        return None
