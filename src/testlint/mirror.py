"""Normalised expression trees, for telling whether a test re-computes its expected value.

An expression is turned into a nested tuple that keeps its structure and drops what does not
change its meaning for this purpose: positions, formatting, the names of local variables,
comprehension variables and parameters (renamed canonically, in order of appearance), the
spelling of imported names (qualified through the module's imports and the project's
re-exports), `1` versus `1.0`, and the test's own single-assignment locals and the callee's
parameters (substituted by what they stand for).

`implementation_candidates` reads a resolved function's body the same way, with the call's
arguments (and defaults) substituted for its parameters, its simple locals and calls to its
module's private one-line helpers inlined; `compare` finds an exact match or a near one
(multiset Jaccard of depth-two subtree shingles) between the test's expected expression and the
expressions the function computes.
"""

from __future__ import annotations

import ast
import builtins
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from testlint.facts import TestFunction, TestModule
from testlint.inference import Definition, FunctionSource, Inference, test_bindings

BUILTIN_NAMES = frozenset(dir(builtins))
MAX_NODES = 600
MAX_INLINE_DEPTH = 3
MAX_FUNCTION_LINES = 120
# reducers whose list-comprehension argument is the same as a generator expression
REDUCERS = frozenset(
    {"sum", "min", "max", "any", "all", "sorted", "set", "frozenset", "tuple", "list", "dict"}
)
RENAMED = frozenset({"c", "l", "p"})  # symbol kinds renamed canonically
Tree = tuple[str, tuple[Any, ...], tuple[Any, ...]]
OPS = frozenset({"bin", "bool", "cmp", "ifexp", "comp", "call", "fstr", "unary"})


class TooBig(Exception):
    pass


@dataclass
class Subst:
    """A name that stands for an expression, read in `scope`; `scope` None means the scope
    that holds this binding (a local's value is read among the locals: no reference cycle
    from a scope to itself, so a finished run is freed at once, not by the cyclic collector)."""

    node: ast.expr
    scope: Scope | None
    comp: dict[str, Tree] = field(default_factory=dict)  # comprehension variables in scope there


@dataclass
class Sym:
    tree: Tree


Binding = Subst | Sym


@dataclass
class Scope:
    names: dict[str, Binding]
    free: Callable[[str], Tree]
    inliner: Callable[[ast.Call, Scope, Normaliser, dict[str, Tree]], Tree | None] | None = None
    depth: int = 0


@dataclass
class Normaliser:
    """One normalisation run (canonical counters are per run; renumbered per tree after).

    A tree node is `(kind, scalars, children)`: `("bin", ("Add",), (left, right))`,
    `("k", ("num", 1), ())` for a constant, `("g", ("billing.money.TAX",), ())` for a global,
    `("t", ("price",), ())` for a name of the test, `("c", (0,), ())` for a renamed variable.
    """

    counter: int = 0
    nodes: int = 0
    active: set[int] = field(default_factory=set)

    def fresh(self, kind: str) -> Tree:
        self.counter += 1
        return (kind, (self.counter,), ())

    def expr(self, node: ast.AST, scope: Scope, comp: dict[str, Tree] | None = None) -> Tree:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TooBig
        comp = comp or {}
        e = self.expr
        if isinstance(node, ast.Name):
            return self.name(node.id, scope, comp)
        if isinstance(node, ast.Constant):
            return ("k", _constant(node.value), ())
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                value = node.operand.value
                if isinstance(value, int | float | complex) and not isinstance(value, bool):
                    return ("k", _constant(-value), ())
            return ("unary", (type(node.op).__name__,), (e(node.operand, scope, comp),))
        if isinstance(node, ast.BinOp):
            return (
                "bin",
                (type(node.op).__name__,),
                (e(node.left, scope, comp), e(node.right, scope, comp)),
            )
        if isinstance(node, ast.BoolOp):
            return (
                "bool",
                (type(node.op).__name__,),
                tuple(e(v, scope, comp) for v in node.values),
            )
        if isinstance(node, ast.Compare):
            return (
                "cmp",
                tuple(type(o).__name__ for o in node.ops),
                (e(node.left, scope, comp), *(e(c, scope, comp) for c in node.comparators)),
            )
        if isinstance(node, ast.IfExp):
            return (
                "ifexp",
                (),
                (e(node.test, scope, comp), e(node.body, scope, comp), e(node.orelse, scope, comp)),
            )
        if isinstance(node, ast.Attribute):
            return ("attr", (node.attr,), (e(node.value, scope, comp),))
        if isinstance(node, ast.Subscript):
            return ("sub", (), (e(node.value, scope, comp), e(node.slice, scope, comp)))
        if isinstance(node, ast.Call):
            return self.call(node, scope, comp)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            return self.comprehension(node, scope, comp)
        if isinstance(node, ast.Lambda):
            inner = dict(comp)
            args = [a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]]
            for arg in args:
                inner[arg] = self.fresh("c")
            return ("lambda", (len(args),), (e(node.body, scope, inner),))
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return (type(node).__name__.lower(), (), tuple(e(x, scope, comp) for x in node.elts))
        if isinstance(node, ast.Dict):
            kids: list[Tree] = []
            for key, item in zip(node.keys, node.values, strict=False):
                kids.append(e(key, scope, comp) if key is not None else ("**", (), ()))
                kids.append(e(item, scope, comp))
            return ("dict", (), tuple(kids))
        if isinstance(node, ast.JoinedStr):
            return ("fstr", (), tuple(e(v, scope, comp) for v in node.values))
        if isinstance(node, ast.FormattedValue):
            spec = (e(node.format_spec, scope, comp),) if node.format_spec else ()
            return ("fv", (node.conversion,), (e(node.value, scope, comp), *spec))
        if isinstance(node, ast.Starred):
            return ("star", (), (e(node.value, scope, comp),))
        if isinstance(node, ast.Slice):
            parts = (node.lower, node.upper, node.step)
            return (
                "slice",
                tuple(p is not None for p in parts),
                tuple(e(p, scope, comp) for p in parts if p is not None),
            )
        if isinstance(node, ast.Await | ast.NamedExpr):
            return e(node.value, scope, comp)
        return (type(node).__name__, (), ())

    def name(self, name: str, scope: Scope, comp: dict[str, Tree]) -> Tree:
        if name in comp:
            return comp[name]
        binding = scope.names.get(name)
        if binding is None:
            return scope.free(name)
        if isinstance(binding, Sym):
            return binding.tree
        key = id(binding.node)
        if key in self.active:
            return ("t", (name,), ())
        self.active.add(key)
        try:
            return self.expr(binding.node, binding.scope or scope, binding.comp)
        finally:
            self.active.discard(key)

    def call(self, node: ast.Call, scope: Scope, comp: dict[str, Tree]) -> Tree:
        if scope.inliner is not None:
            inlined = scope.inliner(node, scope, self, comp)
            if inlined is not None:
                return inlined
        func = self.expr(node.func, scope, comp)
        reducer = func[0] == "g" and func[1][0] in REDUCER_NAMES
        args: list[Tree] = []
        for arg in node.args:
            if reducer and isinstance(arg, ast.ListComp):
                args.append(self.comprehension(arg, scope, comp, kind="GeneratorExp"))
            else:
                args.append(self.expr(arg, scope, comp))
        keywords = sorted(
            ((k.arg or "**", self.expr(k.value, scope, comp)) for k in node.keywords),
            key=lambda kv: kv[0],
        )
        return (
            "call",
            (len(args), *(k for k, _ in keywords)),
            (func, *args, *(v for _, v in keywords)),
        )

    def comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        scope: Scope,
        comp: dict[str, Tree],
        kind: str | None = None,
    ) -> Tree:
        inner = dict(comp)
        shape: list[Any] = [kind or type(node).__name__]
        kids: list[Tree] = []
        for gen in node.generators:
            kids.append(self.expr(gen.iter, scope, inner))
            for target in _target_names(gen.target):
                inner[target] = self.fresh("c")
            kids.append(self.expr(gen.target, scope, inner))
            kids.extend(self.expr(cond, scope, inner) for cond in gen.ifs)
            shape.append((len(gen.ifs), bool(gen.is_async)))
        if isinstance(node, ast.DictComp):
            kids.append(self.expr(node.key, scope, inner))
            kids.append(self.expr(node.value, scope, inner))
        else:
            kids.append(self.expr(node.elt, scope, inner))
        return ("comp", tuple(shape), tuple(kids))


REDUCER_NAMES = frozenset(f"builtins.{n}" for n in REDUCERS)


def _constant(value: object) -> tuple[Any, ...]:
    if isinstance(value, bool) or value is None or value is Ellipsis:
        return (type(value).__name__, repr(value))
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return ("num", int(value))
    if isinstance(value, int | float):
        return ("num", value)
    return (type(value).__name__, value)


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


# ---- canonical renaming, size, shingles ----------------------------------------------------
def canonical(tree: Tree) -> Tree:
    """Rename local, comprehension and parameter symbols by order of first appearance."""
    return _renamed(tree, {})


def _renamed(node: Tree, mapping: dict[Tree, Tree]) -> Tree:
    # a module function, not a closure over itself: a recursive inner function is a reference
    # cycle (function -> cell -> function) that only the cyclic collector frees
    if not node[2]:
        if node[0] in RENAMED:
            if node not in mapping:
                mapping[node] = (node[0], (len(mapping),), ())
            return mapping[node]
        return node
    return (node[0], node[1], tuple(_renamed(child, mapping) for child in node[2]))


def walk(tree: Tree) -> Iterator[Tree]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node[2])


def operations(tree: Tree) -> int:
    return sum(1 for node in walk(tree) if node[0] in OPS)


def is_trivial(tree: Tree) -> bool:
    """A constant, a bare name, an attribute chain, or one call on such leaves: handing the
    inputs to one library function (`os.path.getsize(path)`, `np.where(c, a, b)`) is a
    reference oracle, not a formula written again."""
    ops = [n for n in walk(tree) if n[0] in OPS]
    return not ops or (len(ops) == 1 and ops[0][0] == "call")


def shingles(tree: Tree) -> Counter[tuple[Any, ...]]:
    """Each node with its children's labels: the depth-two subtrees of the tree."""
    found: Counter[tuple[Any, ...]] = Counter()
    for node in walk(tree):
        found[(node[0], node[1], tuple((c[0], c[1]) for c in node[2]))] += 1
    return found


def similarity(a: Counter[tuple[Any, ...]], b: Counter[tuple[Any, ...]]) -> float:
    shared = sum((a & b).values())
    union = sum((a | b).values())
    return shared / union if union else 0.0


def shared_operations(a: Counter[tuple[Any, ...]], b: Counter[tuple[Any, ...]]) -> int:
    return sum(n for key, n in (a & b).items() if key[0] in OPS)


# ---- the test side ---------------------------------------------------------------------------
def test_scope(inference: Inference | None, module: TestModule, test: TestFunction) -> Scope:
    """Names of a test: its single-assignment locals substituted, imports qualified."""
    names: dict[str, Binding] = {name: Subst(value, None)
                                 for name, value in test_bindings(test).items()}
    return Scope(names=names, free=lambda name: _test_free(inference, module, name))


def _test_free(inference: Inference | None, module: TestModule, name: str) -> Tree:
    qualified = module.imports.get(name)
    if qualified is not None:
        constant = _project_constant(inference, qualified)
        if constant is not None:
            return constant
        return ("g", (canonical_name(inference, qualified),), ())
    if name in BUILTIN_NAMES and name not in module.defined:
        return ("g", (f"builtins.{name}",), ())
    return ("t", (name,), ())


def _project_constant(inference: Inference | None, qualified: str) -> Tree | None:
    """A project module's constant (`CENTS = 100`) reads as its value on either side."""
    if inference is None or not inference.has_sources:
        return None
    found, value = inference.constant(qualified)
    return ("k", _constant(value), ()) if found else None


def canonical_name(inference: Inference | None, qualified: str) -> str:
    """Where a qualified name is defined (`billing.discount` -> `billing.summary.discount`)."""
    if inference is not None and inference.has_sources:
        found = inference.resolve(qualified)
        if found is not None:
            return found.qualname
    return qualified


# ---- the implementation side -------------------------------------------------------------------
@dataclass
class Candidate:
    tree: Tree
    line: int  # line in the implementation's file


def implementation_candidates(
    inference: Inference,
    function: FunctionSource,
    call: ast.Call | None,
    receiver: ast.expr | None,
    caller: Scope,
) -> list[Candidate]:
    """The expressions a function computes for this call, normalised, with their lines."""
    run = Normaliser()
    try:
        scope = _function_scope(inference, function, call, receiver, caller, run)
    except (TooBig, RecursionError):
        return []
    if scope is None:
        return []
    found: list[Candidate] = []
    seen: set[Tree] = set()

    def add(node: ast.expr, line: int) -> Tree | None:
        run.nodes = 0
        try:
            tree = canonical(run.expr(node, scope))
        except (TooBig, RecursionError):
            return None
        if tree not in seen:
            seen.add(tree)
            found.append(Candidate(tree, line))
        return tree

    for ret in _memo_returns(function):
        if ret.value is None:
            continue
        add(ret.value, ret.lineno)
        value = ret.value
        parts: list[ast.expr] = []
        if isinstance(value, ast.Call):
            parts = [*value.args, *(k.value for k in value.keywords)]
        elif isinstance(value, ast.Tuple | ast.List):
            parts = list(value.elts)
        elif isinstance(value, ast.Dict):
            parts = list(value.values)
        for part in parts:
            add(part, getattr(part, "lineno", ret.lineno))
    for value in _memo_locals(function)[0].values():
        add(value, value.lineno)
    return found


def _memo_returns(function: FunctionSource) -> list[ast.Return]:
    if "returns" not in function.memo:
        function.memo["returns"] = list(_returns(function.node))
    result: list[ast.Return] = function.memo["returns"]
    return result


def _memo_locals(function: FunctionSource) -> tuple[dict[str, ast.expr], set[str]]:
    if "locals" not in function.memo:
        function.memo["locals"] = _local_assignments(function.node)
    result: tuple[dict[str, ast.expr], set[str]] = function.memo["locals"]
    return result


def too_big(function: FunctionSource) -> bool:
    """A long function is an algorithm, not a formula a test could write again."""
    node = function.node
    return (node.end_lineno or node.lineno) - node.lineno > MAX_FUNCTION_LINES


def _returns(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Return]:
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _local_assignments(
    function: ast.FunctionDef | ast.AsyncFunctionDef,
) -> tuple[dict[str, ast.expr], set[str]]:
    """(single assignments at the function's top level, every name the function binds)."""
    counts: Counter[str] = Counter()
    top: dict[str, ast.expr] = {}
    top_level = {id(s) for s in function.body}
    bound: set[str] = set()
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
            counts[node.name] += 2
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = _target_names(target)
                bound.update(names)
                for name in names:
                    counts[name] += 1 if isinstance(target, ast.Name) else 2
            if (
                id(node) in top_level
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                top[node.targets[0].id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
            counts[node.target.id] += 1
            if node.value is not None and id(node) in top_level:
                top[node.target.id] = node.value
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            for name in _target_names(node.target):
                bound.add(name)
                counts[name] += 2
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _target_names(item.optional_vars):
                        bound.add(name)
                        counts[name] += 2
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
            counts[node.name] += 2
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                name = alias.asname or alias.name.split(".", 1)[0]
                bound.add(name)
                counts[name] += 2
        if isinstance(
            node, ast.comprehension | ast.GeneratorExp | ast.ListComp | ast.SetComp | ast.DictComp
        ):
            continue  # comprehension variables are scoped to the comprehension
        stack.extend(ast.iter_child_nodes(node))
    single = {name: value for name, value in top.items() if counts[name] == 1}
    return single, bound


def _function_scope(
    inference: Inference,
    function: FunctionSource,
    call: ast.Call | None,
    receiver: ast.expr | None,
    caller: Scope,
    run: Normaliser,
    depth: int = 0,
    comp: dict[str, Tree] | None = None,
) -> Scope | None:
    comp = comp or {}
    node = function.node
    definition = function.definition
    names: dict[str, Binding] = {}
    module_scope = Scope(names={}, free=lambda n: _impl_free(inference, function, n))
    scope = Scope(names=names, free=module_scope.free, depth=depth)
    scope.inliner = lambda c, s, r, k: _inline_helper(inference, function, c, s, r, k)

    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: dict[str, ast.expr] = {}
    for param, default in zip(
        positional[len(positional) - len(args.defaults) :], args.defaults, strict=False
    ):
        defaults[param.arg] = default
    for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=False):
        if kw_default is not None:
            defaults[param.arg] = kw_default
    decorators = {_decorator_name(d) for d in node.decorator_list}
    is_method = definition.kind in {"method", "property"}
    if is_method and "staticmethod" not in decorators:
        if not positional:
            return None
        first = positional[0].arg
        positional = positional[1:]
        if "classmethod" in decorators:
            owner = definition.qualname.rsplit(".", 1)[0]
            names[first] = Sym(("g", (owner,), ()))
        elif receiver is not None:
            names[first] = Subst(receiver, caller, comp)
        else:
            names[first] = Sym(("p", ("self",), ()))
    given_positional = list(call.args) if call is not None else []
    if any(isinstance(a, ast.Starred) for a in given_positional):
        return None
    keywords = {k.arg: k.value for k in call.keywords} if call is not None else {}
    if None in keywords:
        return None  # **kwargs at the call: the mapping is not static
    for index, param in enumerate(positional):
        if index < len(given_positional):
            names[param.arg] = Subst(given_positional[index], caller, comp)
        elif param.arg in keywords:
            names[param.arg] = Subst(keywords.pop(param.arg), caller, comp)
        elif param.arg in defaults:
            names[param.arg] = Subst(defaults[param.arg], module_scope)
        else:
            names[param.arg] = Sym(("p", (param.arg,), ()))
    if len(given_positional) > len(positional):
        if args.vararg is None:
            return None  # the call does not fit the signature we resolved
        names[args.vararg.arg] = Sym(("p", ("*",), ()))
    elif args.vararg is not None:
        names[args.vararg.arg] = Sym(("tuple", (), ()))
    for param in args.kwonlyargs:
        if param.arg in keywords:
            names[param.arg] = Subst(keywords.pop(param.arg), caller, comp)
        elif param.arg in defaults:
            names[param.arg] = Subst(defaults[param.arg], module_scope)
        else:
            names[param.arg] = Sym(("p", (param.arg,), ()))
    if args.kwarg is not None:
        names[args.kwarg.arg] = Sym(("p", ("**",), ()))
    elif keywords:
        return None
    single, bound = _memo_locals(function)
    for name in bound:
        if name in names:
            # a parameter rebound in the body: its value is no longer the argument
            names[name] = Sym(("l", (name,), ()))
        else:
            names[name] = Subst(single[name], None) if name in single else Sym(("l", (name,), ()))
    del run
    return scope


def function_scope(
    inference: Inference,
    function: FunctionSource,
    call: ast.Call | None,
    receiver: ast.expr | None,
    caller: Scope,
    run: Normaliser,
) -> Scope | None:
    """The names of a function's body for one call: its parameters bound to the call's
    arguments (and defaults) in the caller's scope, its simple locals inlined."""
    return _function_scope(inference, function, call, receiver, caller, run)


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return ""


def _impl_free(inference: Inference, function: FunctionSource, name: str) -> Tree:
    qualified = function.imports.get(name)
    if qualified is None and name in function.module_names:
        qualified = f"{function.definition.module}.{name}"
    if qualified is not None:
        constant = _project_constant(inference, qualified)
        if constant is not None:
            return constant
        return ("g", (canonical_name(inference, qualified),), ())
    if name in BUILTIN_NAMES:
        return ("g", (f"builtins.{name}",), ())
    return ("u", (name,), ())


def _inline_helper(
    inference: Inference,
    function: FunctionSource,
    call: ast.Call,
    scope: Scope,
    run: Normaliser,
    comp: dict[str, Tree],
) -> Tree | None:
    """Inline a call to the module's own private helper whose body is one computed value."""
    if scope.depth >= MAX_INLINE_DEPTH:
        return None
    func = call.func
    target: Definition | None = None
    receiver: ast.expr | None = None
    if (
        isinstance(func, ast.Name)
        and func.id.startswith("_")
        and func.id not in scope.names
        and func.id not in comp
    ):
        if func.id in function.module_names:
            target = inference.resolve(f"{function.definition.module}.{func.id}")
        elif func.id in function.imports:
            target = inference.resolve(function.imports[func.id])
    elif (
        isinstance(func, ast.Attribute)
        and func.attr.startswith("_")
        and not func.attr.startswith("__")
        and isinstance(func.value, ast.Name)
        and function.definition.owner is not None
        and func.value.id == _first_param(function)
    ):
        owner = function.definition.qualname.rsplit(".", 1)[0]
        cls = inference.resolve(owner)
        if cls is not None and cls.kind == "class":
            target = inference._class_member(cls, func.attr, 0)
            receiver = func.value
    if target is None or target.kind not in {"function", "method"} or not target.is_private:
        return None
    helper = inference.function_source(target)
    if helper is None:
        return None
    returns = [r for r in _memo_returns(helper) if r.value is not None]
    if len(returns) != 1 or not _straight_line(helper.node):
        return None
    inner = _function_scope(
        inference, helper, call, receiver, scope, run, depth=scope.depth + 1, comp=comp
    )
    if inner is None:
        return None
    value = returns[0].value
    assert value is not None
    return run.expr(value, inner)


def _first_param(function: FunctionSource) -> str | None:
    args = [*function.node.args.posonlyargs, *function.node.args.args]
    return args[0].arg if args else None


def _straight_line(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Only simple assignments, a docstring and one final return: a formula, not an algorithm."""
    body = function.body
    for index, stmt in enumerate(body):
        last = index == len(body) - 1
        if isinstance(stmt, ast.Return) and last:
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and index == 0:
            continue
        if isinstance(stmt, ast.Assign | ast.AnnAssign) and not last:
            continue
        return False
    return True


# ---- comparing -------------------------------------------------------------------------------
@dataclass
class Match:
    candidate: Candidate
    score: float  # 1.0 for an exact match


def compare(expected: Tree, candidates: list[Candidate], threshold: float) -> Match | None:
    """The implementation expression the expected value re-computes, exactly or nearly."""
    if is_trivial(expected):
        return None
    for candidate in candidates:
        if candidate.tree == expected:
            return Match(candidate, 1.0)
    if operations(expected) < 2:
        return None
    mine = shingles(expected)
    best: Match | None = None
    for candidate in candidates:
        if operations(candidate.tree) < 2:
            continue
        theirs = shingles(candidate.tree)
        score = similarity(mine, theirs)
        if (
            score >= threshold
            and shared_operations(mine, theirs) >= 2
            and (best is None or score > best.score)
        ):
            best = Match(candidate, score)
    return best


def mask(tree: Tree, supplied: list[Tree]) -> Tree:
    """Replace every subtree equal to something the test supplied (an argument of the call, the
    receiver) by an opaque leaf: what the implementation merely passes through is not a formula
    it computes, and what matches only there is not a mirror."""
    wanted = {t: i for i, t in enumerate(supplied) if t[2] or t[0] in {"t", "k", "g"}}
    if not wanted:
        return tree
    heads = {(t[0], t[1]) for t in wanted}
    return canonical(_masked(tree, wanted, heads))


def _masked(node: Tree, wanted: dict[Tree, int], heads: set[tuple[Any, Any]]) -> Tree:
    key = node
    if (node[0], node[1]) in heads and node[2]:
        key = canonical(node)
    if key in wanted:
        return ("arg", (wanted[key],), ())
    if not node[2]:
        return node
    return (node[0], node[1], tuple(_masked(child, wanted, heads) for child in node[2]))


def supplied_trees(scope: Scope, call: ast.Call | None, receiver: ast.expr | None) -> list[Tree]:
    """The normalised expressions a test hands to the code under test (arguments, receiver)."""
    nodes: list[ast.expr] = []
    if call is not None:
        nodes += [a.value if isinstance(a, ast.Starred) else a for a in call.args]
        nodes += [k.value for k in call.keywords]
    if receiver is not None:
        nodes.append(receiver)
    trees = []
    for node in nodes:
        tree = normalise_test_expr(scope, node)
        if tree is not None:
            trees.append(tree)
    return trees


def normalise_test_expr(scope: Scope, node: ast.expr) -> Tree | None:
    run = Normaliser()
    try:
        return canonical(run.expr(node, scope))
    except (TooBig, RecursionError):
        return None
