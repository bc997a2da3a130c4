"""Floats the code under test stores as they were given: the defaults of its constructors.

`Spinner()` with `def __init__(self, delay: float = 0.1)` keeps `self.delay = 0.1`; a test that
reads `spinner.delay == 0.1` back compares the very float the default wrote, which is exact
(reading back a stored float is not arithmetic). TL402 leaves such a comparison alone when the
value is the default of a parameter that a constructor call in the test leaves out.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from testlint.facts import TestFunction, TestModule
from testlint.rules.numbers._numeric import float_literal

if TYPE_CHECKING:
    from testlint.inference import Inference

MAX_CALLS = 20  # constructor calls of one test looked at


def constructor_defaults(
    inference: Inference, module: TestModule, test: TestFunction
) -> set[float]:
    """Float defaults of project constructors' parameters that the test's calls leave out."""
    found: set[float] = set()
    calls = [c for c in test.nodes_of(ast.Call) if _capitalised(c)][:MAX_CALLS]
    for call in calls:
        try:
            cls = inference.resolve_call(module, test, call)
            if cls is None or cls.kind != "class" or not cls.is_code_under_test:
                continue
            init = inference.resolve(f"{cls.qualname}.__init__")
            source = inference.function_source(init) if init is not None else None
        except (RecursionError, Exception):
            continue
        if source is None:
            continue
        found.update(_left_out_defaults(source.node.args, call))
    return found


def _capitalised(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name[:1].isupper()


def _left_out_defaults(args: ast.arguments, call: ast.Call) -> set[float]:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords
    ):
        return set()  # `*args` / `**kwargs`: which parameters are given is unknown
    positional = [*args.posonlyargs, *args.args][1:]  # without self
    given = {k.arg for k in call.keywords} | {p.arg for p in positional[: len(call.args)]}
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults,
                     strict=True))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
              if d is not None]
    found: set[float] = set()
    for param, default in pairs:
        value = float_literal(default) if default is not None else None
        if value is not None and param.arg not in given:
            found.add(value)
    return found
