"""What a test with no assertion means (not a rule module; TL101 asks).

Two questions, both answered from the test's own text, without inference:

- `stated_intent`: the test says that "it does not raise" is its point, a deliberate smoke
  test. Its name says so (`..._does_not_raise`, `..._works`, `..._ok`), or its docstring or a
  comment states what must work ("Instantiation works.", "The key validator can be None.",
  "It's possible to subclass ...", "# should work"), or tells the crash it guards against
  ("# this used to core dump the parser", "would raise TypeError without ...", an issue link or
  number). Vague claims written by generators ("works correctly", "works as expected") and
  texts that describe the test ("Test that login succeeds") do not count: they state what the
  test was meant to check, not that not raising is the point. Its code can say so too: an
  `except` handler that raises a new exception names what must not be raised, and a body that
  only renders a value (`repr(x); str(x)`) is a smoke test of that representation.
- `unseen_check`: the test does check something, in a way the assertion model does not count:
  it calls an assertion function through a local (`comp = tm.assert_frame_equal`; `for obj,
  comp in zip(objs, comps): comp(obj, reread)`), runs another test (`Base.test_x(self, ...)`),
  calls a `self.` helper inherited from a base class defined in another module (unseen: the
  benefit of the doubt), or runs a child process whose exit status is checked
  (`subprocess.check_call`, `run(..., check=True)`).
"""

from __future__ import annotations

import ast
import re

from testlint.facts import (
    TestFunction,
    TestModule,
    dotted_name,
    names_an_assertion,
    statements_besides_constants,
)
from testlint.source import definition_start

# "this test means: the call does not raise", said in the name ...
INTENT_NAME = re.compile(
    r"(no|not|doesnt|does_not|dont|do_not|never|without|cannot)_(raise|raises|raising|error"
    r"|errors|exception|crash|crashes|fail|fails|failure|warn|warning|warnings)|smoke"
    # (not `_success`: `test_create_user_success` is how generators name the happy path)
    r"|(^|_)works(?!_(correctly|properly|as_expected|as_intended|fine|well))(_|$)|_ok$"
    r"|_pass(es)?$"
    r"|(^|_)doc_?string(_|$)|(^|_)docs?_examples?(_|$)|_bug$|(^|_)regression(_|$)",
)
# ... or in the docstring or a comment: that it must not raise, the crash it guards against, or
# the issue it is a regression test for ...
INTENT_TEXT = re.compile(
    r"(not|n't|never|no|nothing|without)\s+(\w+\s+){0,3}?(raise|raises|raised|raising|throw"
    r"|crash|crashes|fail|fails|error|errors|exception|exceptions|warn|warning|segfault|hang)\b"
    r"|nothing happens|smoke test|\bposes\s+no\s+problem"
    r"|\bused\s+to\s+(raise|fail|crash|core\s*dump|segfault|error|hang|break)"
    r"|\bwould\s+(raise|fail|crash|error|segfault)|\bgenerated\s+an?\s+(exception|error)"
    r"|\bbug\s+report\b|\bregression\b"
    r"|\bGH[ -]?#?\d+|\bgh-?\d+|\bbpo-\d+|\bissue\s*#?\d+|#\d{3,}|^#?\s*\d{4,}\s*$"
    r"|github\.com/[\w.-]+/[\w.-]+/(issues|pull)/\d+",
    re.IGNORECASE,
)
# ... or a behaviour stated as working ("Instantiation works.", "The key validator can be
# None.", "# should work", "# generator ok though") ...
CLAIM_TEXT = re.compile(
    r"is accepted|are accepted|it works|it worked|just works"
    r"|\b(works?|worked)\b(?!\s+(correctly|properly|as\s+(expected|intended)|fine|well))"
    r"|\bsucceeds?\b|\b(is|are|be|check|still)\s+ok(ay)?\b|\bok(ay)?\s+(though|too)\b"
    r"|\b(is|are|be)\s+(fine|possible|allowed|supported|hashable)\b"
    r"|\bit'?s\s+possible\b|\bcan\s+be\s+(None|used|\w+ed)\b"
    r"|\b(is|are)\s+(in\s+fact\s+)?(a\s+)?valid\b|\bnow\s+supported\b",
    re.IGNORECASE,
)
# ... unless the text describes the test rather than the behaviour ("Test that login succeeds",
# the generated docstring of a test that was meant to check it)
DESCRIBES_TEST = re.compile(r"^(#\s*)?(tests?|testing|checks?|verify|verifies|ensures?)\s+(that|if"
                            r"|whether|the|for|of|a|an)\b", re.IGNORECASE)


def _states_intent(text: str) -> bool:
    text = text.strip()
    if INTENT_TEXT.search(text):
        return True
    return CLAIM_TEXT.search(text) is not None and not DESCRIBES_TEST.match(text)


# a test named after the representation it renders ...
RENDERING_NAME = re.compile(
    r"(^|_)(repr|str|string|render|html|format|formats|display|unicode|plots?|plotting|hist)(_|$)"
    r"|(Repr|Format|Formats|Formatting|Render|Rendering|Display|Plot|Plots|Plotting)(?![a-z])"
)
# ... whose discarded calls all render: `repr(df)`, `str(idx)`, `df.to_string()`, `s.to_html()`
RENDERING_BUILTINS = frozenset({"repr", "str", "format", "ascii"})
RENDERING_METHODS = frozenset(
    {"to_string", "to_html", "to_latex", "to_markdown", "_repr_html_", "_repr_latex_", "render",
     "plot", "hist", "boxplot", "scatter", "line", "bar", "barh", "area", "pie", "kde"}
)


def stated_intent(module: TestModule, test: TestFunction) -> bool:
    """The test says, in its name, docstring or a comment, that not raising is its point."""
    name = test.name.lower()
    if INTENT_NAME.search(name):
        return True
    if _ends_rendering(test) and (_names_rendering(test) or _only_renders(test)):
        return True
    if _converts_an_exception(test):
        return True  # `except TypeError as err: raise ValueError("...") from err`
    if _only_imports(test):
        return True  # an import smoke test: the module (or its star-import) loads
    docstring = ast.get_docstring(test.node, clean=False)
    if docstring and _states_intent(docstring):
        return True
    source = module.source
    end = test.node.end_lineno or test.node.lineno
    first = definition_start(test.node)
    comments = source.comments_in(first, end)
    above = source.line(first - 1)
    if "#" in above:  # a comment just above the test; where quotes make it unclear, tokenize all
        unclear = '"' in above or "'" in above
        more = source.comments if unclear else source.comments_in(first - 1, first - 1)
        comments = {**comments, **{n: c for n, c in more.items() if n == first - 1}}
    return any(_states_intent(text) for text in comments.values())


def _only_imports(test: TestFunction) -> bool:
    """The body (besides a docstring) only imports: an import smoke test."""
    body = statements_besides_constants(test.body)
    return bool(body) and all(isinstance(s, ast.Import | ast.ImportFrom) for s in body)


def _converts_an_exception(test: TestFunction) -> bool:
    """An `except` handler raises a new exception: the test names the exception it must not
    see and what it means, as `pytest.fail("...")` in the handler would (a bare `raise` says
    nothing)."""
    return any(
        isinstance(node, ast.Raise) and node.exc is not None
        for handler in test.own_nodes_of(ast.ExceptHandler)
        for stmt in handler.body
        for node in ast.walk(stmt)
    )


def _only_renders(test: TestFunction) -> bool:
    """The body (besides a docstring) is nothing but rendering calls whose results it drops:
    `repr(container); str(container)`, a smoke test of the representation."""
    body = statements_besides_constants(test.body)
    return bool(body) and all(
        isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _is_rendering(s.value)
        for s in body
    )


def _names_rendering(test: TestFunction) -> bool:
    """The test's name, or its class's, names a representation: `test_repr_empty`,
    `TestSeriesRepr`, `test_plot_bar_label_count_default`."""
    if RENDERING_NAME.search(test.name.lower()):
        return True
    return test.cls is not None and RENDERING_NAME.search(test.cls.name) is not None


def _is_rendering(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in RENDERING_BUILTINS
    return isinstance(func, ast.Attribute) and (
        func.attr in RENDERING_METHODS
        or (isinstance(func.value, ast.Attribute) and func.value.attr == "plot")  # df.plot.line()
    )


def _ends_rendering(test: TestFunction) -> bool:
    """The last call whose result the test throws away renders a value (as text or a plot): the
    test renders what it built and stops, a smoke test of that representation. A result bound
    to a name that nothing reads afterwards (`ax = ts.plot.hist(...)` as the last line) is
    thrown away too."""
    discarded = [
        stmt.value for stmt in test.own_nodes_of(ast.Expr) if isinstance(stmt.value, ast.Call)
    ]
    loads = [(n.id, n.lineno) for n in test.own_nodes_of(ast.Name) if isinstance(n.ctx, ast.Load)]
    for stmt in test.own_nodes_of(ast.Assign):
        if not isinstance(stmt.value, ast.Call):
            continue
        names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        end = stmt.end_lineno or stmt.lineno
        if len(names) == len(stmt.targets) and not any(
            name in names and line > end for name, line in loads
        ):
            discarded.append(stmt.value)
    return bool(discarded) and _is_rendering(max(discarded, key=lambda c: (c.lineno, c.col_offset)))


def _is_assertion_function(node: ast.AST) -> bool:
    """A reference (not a call) to an assertion function: `tm.assert_frame_equal`,
    `_assert_almost_equal_both`, `self.assertEqual`."""
    if isinstance(node, ast.Name):
        last = node.id
    elif isinstance(node, ast.Attribute):
        last = node.attr
    else:
        return False
    return names_an_assertion(last.lstrip("_"))


CHECKED_PROCESSES = frozenset({"subprocess.check_call", "subprocess.check_output"})


def unseen_check(module: TestModule, test: TestFunction) -> str | None:
    """How the test checks something the assertion model does not count, or None."""
    checkers = _assertion_function_locals(test)
    inherited = _unseen_base(module, test)
    for call in test.own_nodes_of(ast.Call):
        func = call.func
        if isinstance(func, ast.Name) and func.id in checkers:
            return f"calls the assertion function bound to `{func.id}`"
        if isinstance(func, ast.Attribute):
            if func.attr.startswith("test") and _is_test_delegation(call, func):
                return f"runs the test `{dotted_name(func) or func.attr}`"
            if (
                inherited
                and isinstance(func.value, ast.Name)
                and func.value.id in {"self", "cls"}
                and not _defined_in_module_classes(module, test, func.attr)
            ):
                return f"calls `self.{func.attr}`, inherited from a class in another module"
        qualified = module.qualname(func)
        if qualified in CHECKED_PROCESSES or (
            qualified == "subprocess.run"
            and any(
                k.arg == "check" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in call.keywords
            )
        ):
            return "checks a child process's exit status"
    return None


def _is_test_delegation(call: ast.Call, func: ast.Attribute) -> bool:
    """`Base.test_x(self, ...)` or `self.test_x(...)`: running another test's assertions (not
    `db.test_connection()`, a method of the code under test)."""
    if not isinstance(func.value, ast.Name):
        return False
    if func.value.id in {"self", "cls"}:
        return True
    first = call.args[0] if call.args else None
    return isinstance(first, ast.Name) and first.id == "self"


def _assertion_function_locals(test: TestFunction) -> set[str]:
    """Names the test binds to assertion functions, directly or through containers and loops:
    `comp = tm.assert_series_equal`, `comps = [...]; for obj, comp in zip(objs, comps)`."""
    bindings: list[tuple[list[str], ast.AST]] = []
    for node in test.own_nodes_of(ast.Assign, ast.For):
        if isinstance(node, ast.Assign):
            targets = [n for t in node.targets for n in _names(t)]
            bindings.append((targets, node.value))
        else:
            bindings.append((_names(node.target), node.iter))
    if not bindings:
        return set()
    found: set[str] = set()
    for _ in range(3):
        before = len(found)
        for targets, value in bindings:
            if any(
                _is_assertion_function(sub) or (isinstance(sub, ast.Name) and sub.id in found)
                for sub in ast.walk(value)
            ):
                found.update(targets)
        if len(found) == before:
            break
    return found


def _names(target: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]


def _module_classes(module: TestModule) -> dict[str, ast.ClassDef]:
    return {
        node.name: node for node in module.source.tree.body if isinstance(node, ast.ClassDef)
    }


def _unseen_base(module: TestModule, test: TestFunction) -> bool:
    """The test's class inherits from a class defined outside this module (other than
    unittest's TestCase), whose methods testlint does not read."""
    if test.cls is None:
        return False
    classes = _module_classes(module)
    seen: set[str] = set()
    stack = [test.cls]
    while stack:
        cls = stack.pop()
        for base in cls.bases:
            name = dotted_name(base)
            if name in {None, "object"}:
                continue
            assert name is not None
            if name in classes:
                if name not in seen:
                    seen.add(name)
                    stack.append(classes[name])
                continue
            qualified = module.qualname(base) or name
            if qualified.rsplit(".", 1)[-1] in {"TestCase", "IsolatedAsyncioTestCase"}:
                continue
            return True
    return False


def _defined_in_module_classes(module: TestModule, test: TestFunction, name: str) -> bool:
    """A method `name` of the test's class or of a base class defined in this module."""
    classes = _module_classes(module)
    stack = [test.cls] if test.cls is not None else []
    seen: set[str] = set()
    while stack:
        cls = stack.pop()
        for stmt in cls.body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
                return True
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return True
        for base in cls.bases:
            base_name = dotted_name(base)
            if base_name in classes and base_name not in seen:
                seen.add(base_name)
                stack.append(classes[base_name])
    return False
