"""A conftest's marker registrations (`addinivalue_line("markers", ...)`), read statically."""

from __future__ import annotations

import ast

from testlint.facts.names import _kwarg, _module_level_statements, _string
from testlint.facts.traversal import walk

_MAX_VALUES = 200  # more possible values than this: treat the registration as unreadable


def marker_name(line: str) -> str:
    """The marker a `markers` ini line declares, split as pytest does ("slow(x): ..." -> "slow")."""
    return line.split(":", 1)[0].split("(", 1)[0].strip()


def marker_registrations(tree: ast.Module) -> tuple[dict[str, int], bool]:
    """Marker names registered through `addinivalue_line("markers", ...)`, and whether some
    registration could not be read statically."""
    constants = _module_constants(tree)
    scopes: dict[int, dict[str, list[object]]] = {}
    # under `for key, value in [("markers", "slow: ..."), ...]`: one binding per row, so that
    # a row's key and value stay paired
    rows: dict[int, list[dict[str, list[object]]]] = {}
    calls: list[ast.Call] = []
    for node in walk(tree):  # parents before children, so an outer loop binds first
        env = scopes.get(id(node), {})
        if isinstance(node, ast.For | ast.AsyncFor):
            items = _iterate(node.iter, env, constants)
            inner = {**env, **_bind(node.target, items)}
            paired = [_bind(node.target, [item]) for item in items or ()
                      if isinstance(node.target, ast.Tuple) and isinstance(item, tuple)]
            for stmt in node.body:
                for sub in walk(stmt):
                    scopes[id(sub)] = inner
                    if paired and len(paired) == len(items or ()):
                        rows[id(sub)] = paired
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = dict(env)
            for comp in node.generators:
                inner.update(_bind(comp.target, _iterate(comp.iter, inner, constants)))
            parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            for part in parts:
                for sub in walk(part):
                    scopes[id(sub)] = inner
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "addinivalue_line"
        ):
            calls.append(node)
    declared: dict[str, int] = {}
    dynamic = False
    for call in calls:
        args = list(call.args)
        for keyword in ("name", "line"):
            given = _kwarg(call, keyword)
            if given is not None:
                args.append(given)
        if len(args) < 2:
            continue
        env = scopes.get(id(call), {})
        if _string(args[0]) == "markers":
            values = _strings(args[1], env, constants)
        elif _string(args[0]) is not None:
            continue  # another ini key (filterwarnings)
        elif id(call) in rows:
            values = []
            for row in rows[id(call)]:
                local = {**env, **row}
                if _strings(args[0], local, constants) == ["markers"]:
                    found = _strings(args[1], local, constants)
                    values = None if found is None or values is None else values + found
        else:  # a key not written out may be "markers"
            keys = _strings(args[0], env, constants)
            if keys is not None and "markers" not in keys:
                continue
            values = None
        if values is None:
            dynamic = True
            continue
        for value in values:
            name = marker_name(value)
            if name.isidentifier():
                declared.setdefault(name, call.lineno)
            else:
                dynamic = True
    return declared, dynamic


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    found: dict[str, ast.expr] = {}
    for stmt in _module_level_statements(tree.body):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if isinstance(target, ast.Name):
                found[target.id] = stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value:
            found[stmt.target.id] = stmt.value
    return found


def _bind(target: ast.expr, items: list[object] | None) -> dict[str, list[object]]:
    """Bind a loop target to the values it takes (None: unknown)."""
    if isinstance(target, ast.Name):
        return {target.id: items} if items is not None else {target.id: []}
    if isinstance(target, ast.Tuple | ast.List):
        out: dict[str, list[object]] = {}
        for i, elt in enumerate(target.elts):
            column = None
            if items is not None and all(isinstance(v, tuple) and len(v) > i for v in items):
                column = [v[i] for v in items if isinstance(v, tuple)]
            out.update(_bind(elt, column))
        return out
    return {}


def _iterate(expr: ast.expr, env: dict[str, list[object]],
             constants: dict[str, ast.expr], depth: int = 0) -> list[object] | None:
    """The items a loop over `expr` yields: strings or tuples of strings; None if unknown."""
    if depth > 5:
        return None
    if isinstance(expr, ast.Name) and expr.id in constants and expr.id not in env:
        return _iterate(constants[expr.id], env, constants, depth + 1)
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        out: list[object] = []
        for elt in expr.elts:
            if isinstance(elt, ast.Tuple):
                parts = [_strings(e, env, constants, depth + 1) for e in elt.elts]
                out.append(tuple(p[0] if p and len(p) == 1 else None for p in parts))
            else:
                values = _strings(elt, env, constants, depth + 1)
                if values is None:
                    return None
                out.extend(values)
        return out
    if isinstance(expr, ast.Dict):
        keys = [_strings(k, env, constants, depth + 1) if k is not None else None
                for k in expr.keys]
        if any(k is None or len(k) != 1 for k in keys):
            return None
        return [k[0] for k in keys if k]
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        owner, method = expr.func.value, expr.func.attr
        if method == "items":
            names = _iterate(owner, env, constants, depth + 1)
            descriptions = _dict_values(owner, env, constants, depth + 1)
            if names is None or descriptions is None or len(names) != len(descriptions):
                return None
            return [(k, v) for k, v in zip(names, descriptions, strict=True)]
        if method == "keys":
            return _iterate(owner, env, constants, depth + 1)
        if method == "values":
            found = _dict_values(owner, env, constants, depth + 1)
            return list(found) if found is not None else None
        if method in {"split", "splitlines"}:
            texts = _strings(owner, env, constants, depth + 1)
            if texts is None:
                return None
            lines: list[object] = []
            for text in texts:
                lines.extend(line for line in text.splitlines() if line.strip())
            return lines
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and len(expr.args) == 1
        and expr.func.id in {"sorted", "list", "tuple", "set", "reversed"}
    ):
        return _iterate(expr.args[0], env, constants, depth + 1)
    return None


def _dict_values(expr: ast.expr, env: dict[str, list[object]],
                 constants: dict[str, ast.expr], depth: int) -> list[object] | None:
    if isinstance(expr, ast.Name) and expr.id in constants:
        return _dict_values(constants[expr.id], env, constants, depth + 1)
    if isinstance(expr, ast.Dict):
        values = [_strings(v, env, constants, depth + 1) for v in expr.values]
        return [v[0] if v and len(v) == 1 else "" for v in values]
    return None


def _strings(expr: ast.expr, env: dict[str, list[object]],
             constants: dict[str, ast.expr], depth: int = 0) -> list[str] | None:
    """The string values `expr` may have; None if they cannot be known statically.

    Only the part before the first `:` or `(` matters to a marker's name, so a value whose
    known prefix already holds one of them is complete even if the rest is unknown.
    """
    if depth > 5:
        return None
    if isinstance(expr, ast.Constant):
        return [expr.value] if isinstance(expr.value, str) else None
    if isinstance(expr, ast.Name):
        if expr.id in env:
            values = env[expr.id]
            if not values or not all(isinstance(v, str) for v in values):
                return None
            return [v for v in values if isinstance(v, str)]
        if expr.id in constants:
            return _strings(constants[expr.id], env, constants, depth + 1)
        return None
    if isinstance(expr, ast.JoinedStr):
        parts: list[ast.expr] = []
        for value in expr.values:
            parts.append(value.value if isinstance(value, ast.FormattedValue) else value)
        return _concat(parts, env, constants, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _concat([expr.left, expr.right], env, constants, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):  # "%s: %s" % (name, text)
        first = expr.right.elts[0] if isinstance(expr.right, ast.Tuple) and expr.right.elts else (
            expr.right)
        return _formatted(expr.left, "%s", first, env, constants, depth)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "format"
        and expr.args
    ):  # "{}: {}".format(name, text)
        return _formatted(expr.func.value, "{}", expr.args[0], env, constants, depth)
    return None


def _formatted(template: ast.expr, slot: str, first: ast.expr, env: dict[str, list[object]],
               constants: dict[str, ast.expr], depth: int) -> list[str] | None:
    text = _string(template)
    if text is None:
        return None
    head, found, _ = text.partition(slot)
    if ":" in head or "(" in head or not found:
        return [head]
    values = _strings(first, env, constants, depth + 1)
    return [head + v for v in values] if values is not None else None


def _concat(parts: list[ast.expr], env: dict[str, list[object]],
            constants: dict[str, ast.expr], depth: int) -> list[str] | None:
    results = [""]
    for part in parts:
        if all(":" in r or "(" in r for r in results):
            break  # the name is already complete
        values = _strings(part, env, constants, depth + 1)
        if values is None:
            return None
        results = [r + v for r in results for v in values]
        if len(results) > _MAX_VALUES:
            return None
    return results
