"""The gates a proposal must pass, in order; the first that fails rejects it with a reason.

1. parse: the answer's code block holds the target test (and the imports it needs, merged into
   the file's), and replacing it (libcst) leaves the rest of the file byte-identical;
2. re-lint: every name the new test reads is bound (`build`), the finding is gone and no new
   finding appears (TL103, TL504, TL602 and TL605 always apply);
3. run (`--run`): the new test passes alone against the current code (its own assertion failing
   there is a possible bug, reported and never retried), then with the whole file, `runs` times,
   each its own PYTHONHASHSEED and test order, breaking no test that passed without it; all in
   the sandbox (`sandbox`: a temporary copy of the project, an allow-listed environment, a
   process tree killed whole, no network where the platform allows);
4. verify-red (`--run`): the old and the new test run against the same mutants of the code under
   test (the shared engine, `testlint.mutation`); the new one must kill a mutant the old one let
   survive (a meaningful share of them when the old test asserted nothing).

Whatever goes back to the model as a rejection's feedback names kinds and behaviours, never an
actual value of the code under test, a line of its body, or a mutant's operator or constant.
"""

from __future__ import annotations

import ast
import math
import re
import textwrap
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testlint.engine import Engine
from testlint.facts import FunctionNode
from testlint.finding import Finding
from testlint.rewrite.context import Definition
from testlint.rewrite.redact import PLACEHOLDER
from testlint.rewrite.sandbox import OutsideCopy, RunResult, Sandbox, Variant
from testlint.source import SourceFile, UnreadableSource, definition_start, parse_text

GATES = ("1", "2", "3", "4")
GATE_TITLES = {
    "1": "one function, only the target test",
    "2": "re-lint: finding gone, nothing new",
    "3": "passes under pytest",
    "4": "verify-red: kills a mutant the old test let survive",
}
MAX_MUTANTS = 16
SITES_PER_KIND = 3


class Rejected(Exception):
    """A proposal stopped at a gate. `reason` is for the user and may quote what the code under
    test did; `feedback` is what goes back to the model: never an actual value of the code under
    test, a line of its body, or a mutant's operator or constant (by default the reason itself,
    for gates that judge only the model's own text)."""

    def __init__(self, gate: str, reason: str, feedback: str | None = None,
                 score: MutantScore | None = None) -> None:
        super().__init__(reason)
        self.gate = gate
        self.reason = reason
        self.feedback = reason if feedback is None else feedback
        self.score = score  # gate 4: the old and the new test against the mutants


class PossibleBug(Exception):
    """The proposal fails on the current code by its own assertion (or an expected exception
    that was not raised): it checks what the specification says and the code does otherwise.
    It is reported to the user, never retried toward the current behaviour, and nothing of the
    actual value goes back to the model."""

    def __init__(self, failure: str, detail: str) -> None:
        super().__init__(failure)
        self.failure = failure  # the assertion as pytest reports it: "assert 9 == 8"
        self.detail = detail  # pytest's `E` lines (with `where 9 = discount(10, 10)`)


# ---- gate 1: one function, only the target test -------------------------------------------------

_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


def fenced_blocks(answer: str) -> list[tuple[str, str]]:
    """The answer's fenced code blocks as (info string, code): ``` or ~~~ fences of three or
    more, any info string ("python", "py title=test_x.py", none); a block left open at the end
    of the answer runs to its end."""
    blocks: list[tuple[str, str]] = []
    lines = answer.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i].rstrip("\r\n"))
        if match is None:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        body: list[str] = []
        i += 1
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            body.append(lines[i])
            i += 1
        blocks.append((info, "".join(body)))
        i += 1
    return blocks


def _defines(code: str, name: str) -> bool:
    return re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code,
                     re.M) is not None


def _is_python(info: str) -> bool:
    word = info.split()[0].lower() if info.split() else ""
    return word in {"", "python", "py", "python3", "pycon", "pytest"} or "=" in word


def extract_code(answer: str, name: str | None = None) -> str | None:
    """The code of the answer: the last fenced block that defines the test `name` (a model
    often quotes the old test first), else the last Python block, else the whole answer when
    it reads as code."""
    blocks = [(info, code) for info, code in fenced_blocks(answer) if _is_python(info)]
    if name is not None:
        defining = [code for _, code in blocks if _defines(code, name)]
        if defining:
            return defining[-1]
    if blocks:
        return blocks[-1][1]
    stripped = answer.strip()
    if stripped.startswith(("def ", "async def ", "@", "import ", "from ")):
        return stripped + "\n"
    return None


def _target_node(tree: ast.Module, qualname: str) -> FunctionNode | None:
    *classes, name = qualname.split(".")
    body: list[ast.stmt] = tree.body
    for cls in classes:
        found = next((s for s in body if isinstance(s, ast.ClassDef) and s.name == cls), None)
        if found is None:
            return None
        body = found.body
    matches = [s for s in body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)
               and s.name == name]
    return matches[-1] if matches else None


def _span(node: FunctionNode) -> tuple[int, int]:
    return definition_start(node), node.end_lineno or node.lineno


def _tail(lines: list[str], end: int, col: int) -> list[str]:
    """The lines after a function, without the blank lines and the function's own trailing
    comments (indented deeper than its `def`) that a formatter may attach to it."""
    rest = lines[end:]
    i = 0
    while i < len(rest):
        text = rest[i]
        stripped = text.strip()
        indent = len(text) - len(text.lstrip())
        if not stripped or (stripped.startswith("#") and indent > col):
            i += 1
            continue
        break
    return rest[i:]


def _describe(statement: Any) -> str:
    import libcst as cst

    if isinstance(statement, cst.FunctionDef):
        return f"function `{statement.name.value}`"
    if isinstance(statement, cst.ClassDef):
        return f"class `{statement.name.value}`"
    code = cst.Module(body=[statement]).code.strip().splitlines()
    return f"`{code[0][:60]}`" if code else "a statement"


def replace_test(original: str, qualname: str, answer: str, restore: Any = None) -> str:
    """The file with the target test replaced by the answer's function; raise Rejected('1')."""
    import libcst as cst

    name = qualname.rsplit(".", 1)[-1]
    code = extract_code(answer, name)
    if code is None:
        raise Rejected("1", "the answer holds no ```python code block")
    if restore is not None:
        code = restore(code)
    if PLACEHOLDER.search(code):
        raise Rejected("1", "the answer holds a redaction placeholder that testlint cannot "
                            "restore; keep the placeholders exactly as given")
    code = textwrap.dedent(code).strip("\n") + "\n"
    try:
        proposal = cst.parse_module(code)
    except cst.ParserSyntaxError as exc:
        raise Rejected("1", f"the answer does not parse: {exc.message} "
                            f"(line {exc.raw_line}, column {exc.raw_column})") from None
    imports = [s for s in proposal.body if _is_import(s)]
    others = [s for s in proposal.body if not isinstance(s, cst.FunctionDef) and not _is_import(s)]
    if others:
        raise Rejected("1", "the answer holds more than the test function: "
                            f"{_describe(others[0])}; it may only replace `{name}`")
    functions = [s for s in proposal.body if isinstance(s, cst.FunctionDef)]
    if not functions:
        raise Rejected("1", "the answer holds no function")
    if len(functions) > 1 or functions[0].name.value != name:
        names = ", ".join(f"`{f.name.value}`" for f in functions)
        raise Rejected("1", f"the answer defines {names}; it may replace only the target test "
                            f"`{name}` and must not edit any other function")
    try:
        module = cst.parse_module(original)
    except cst.ParserSyntaxError as exc:
        raise Rejected("1", f"libcst cannot parse the test file: {exc.message}") from None
    replacer = _make_replacer_class()(qualname.split("."), functions[0])
    new_text = module.visit(replacer).code
    if replacer.replaced != 1:
        raise Rejected("1", f"`{qualname}` was not found exactly once in the file")
    _check_rest_identical(original, new_text, qualname)
    _check_no_new_suppression(original, code, qualname)
    if imports:
        new_text = add_imports(new_text, qualname, [cst.Module(body=[i]).code for i in imports])
    return new_text


def _check_no_new_suppression(original: str, code: str, qualname: str) -> None:
    """A `# noqa` the old test did not carry silences the finding instead of fixing it."""
    from testlint.noqa import NOQA

    node = _target_node(ast.parse(original), qualname)
    old = ""
    if node is not None:
        start, end = _span(node)
        old = "".join(original.splitlines(keepends=True)[start - 1:end])
    if len(NOQA.findall(code)) > len(NOQA.findall(old)):
        raise Rejected("1", "the answer adds a `# noqa` comment: a rewrite must fix the finding, "
                            "not silence it")


def _is_import(statement: Any) -> bool:
    import libcst as cst

    return (isinstance(statement, cst.SimpleStatementLine)
            and all(isinstance(s, cst.Import | cst.ImportFrom) for s in statement.body))


def _bindings(statement: ast.stmt) -> dict[str, tuple[str, ...]]:
    """name bound -> what it is bound to, for an import statement."""
    out: dict[str, tuple[str, ...]] = {}
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                out[alias.asname] = ("import", alias.name)
            else:
                top = alias.name.split(".")[0]
                out[top] = ("import", top)
    elif isinstance(statement, ast.ImportFrom):
        for alias in statement.names:
            out[alias.asname or alias.name] = ("from", "." * statement.level
                                               + (statement.module or ""), alias.name)
    return out


def _used_names(func: FunctionNode) -> set[str]:
    found = {n.id for n in ast.walk(func) if isinstance(n, ast.Name)}
    for node in ast.walk(func):  # names in string annotations are not worth chasing
        if isinstance(node, ast.Attribute):
            root: ast.expr = node
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                found.add(root.id)
    return found


def add_imports(text: str, qualname: str, lines: list[str]) -> str:
    """The file with the proposal's import lines merged in after its last top-level import
    (each binding once: one the file already has is dropped); raise Rejected('1') for an import
    the test does not use, a star import, a `__future__` import, or one that rebinds a name the
    file binds otherwise."""
    tree = ast.parse(text)
    node = _target_node(tree, qualname)
    assert node is not None
    used = _used_names(node)
    have: dict[str, tuple[str, ...]] = {}
    for statement in tree.body:
        have.update(_bindings(statement))
    defined = {n.id for s in tree.body for n in ast.walk(s)
               if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    defined |= {s.name for s in tree.body
                if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    wanted: list[str] = []
    for line in lines:
        statement = ast.parse(line).body[0]
        if isinstance(statement, ast.ImportFrom) and (
            statement.module == "__future__" or any(a.name == "*" for a in statement.names)
        ):
            raise Rejected("1", f"the answer's `{line.strip()}` is not allowed: add only the "
                                "plain imports the test needs")
        bound = _bindings(statement)
        if all(have.get(n) == what for n, what in bound.items()):
            continue  # the file imports it already
        unused = [name for name in bound if name not in used]
        if unused:
            raise Rejected("1", f"the answer imports `{unused[0]}`, which the test does not use; "
                                "add only the imports the test needs")
        clash = [n for n, what in bound.items()
                 if (n in have and have[n] != what) or (n not in have and n in defined)]
        if clash:
            raise Rejected("1", f"the answer's `{line.strip()}` rebinds `{clash[0]}`, which the "
                                "file already defines otherwise")
        have.update(bound)
        if line.strip() not in wanted:
            wanted.append(line.strip())
    if not wanted:
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    lines_of = text.splitlines(keepends=True)
    top_imports = [s for s in tree.body if isinstance(s, ast.Import | ast.ImportFrom)]
    if top_imports:
        at = max(s.end_lineno or s.lineno for s in top_imports)
        block = "".join(w + newline for w in wanted)
    else:
        first = tree.body[0] if tree.body else None
        docstring = (first is not None and isinstance(first, ast.Expr)
                     and isinstance(first.value, ast.Constant)
                     and isinstance(first.value.value, str))
        at = (first.end_lineno or first.lineno) if docstring and first is not None else 0
        block = "".join(w + newline for w in wanted)
        block = newline + block if at else block + newline + newline
    return "".join(lines_of[:at]) + block + "".join(lines_of[at:])


def _make_replacer_class() -> type:
    import libcst as cst

    class Replacer(cst.CSTTransformer):
        def __init__(self, path: list[str], new: cst.FunctionDef) -> None:
            super().__init__()
            self.path = path
            self.new = new
            self.stack: list[str] = []
            self.functions = 0
            self.replaced = 0

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            self.stack.append(node.name.value)
            return True

        def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
            self.stack.pop()
            return updated

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            self.functions += 1
            return True

        def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef
                              ) -> cst.FunctionDef:
            self.functions -= 1
            if self.functions or [*self.stack, original.name.value] != self.path:
                return updated
            self.replaced += 1
            body = self.new.body
            if isinstance(body, cst.IndentedBlock) and isinstance(original.body, cst.IndentedBlock):
                # keep the blank lines that separated the old test from what follows
                blanks = [line for line in original.body.footer if line.comment is None]
                body = body.with_changes(footer=blanks)
            return self.new.with_changes(leading_lines=original.leading_lines, body=body)

    return Replacer


def _check_rest_identical(original: str, new_text: str, qualname: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the linter's rules judge the code, not the compiler
            old_tree = ast.parse(original)
            new_tree = ast.parse(new_text)
            compile(new_tree, "<rewrite>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise Rejected("1", f"the file does not compile with the new test: {exc.msg} "
                            f"(line {exc.lineno})") from None
    old_node = _target_node(old_tree, qualname)
    new_node = _target_node(new_tree, qualname)
    if old_node is None or new_node is None:
        raise Rejected("1", f"`{qualname}` is missing after the replacement")
    old_lines = original.splitlines(keepends=True)
    new_lines = new_text.splitlines(keepends=True)
    old_start, old_end = _span(old_node)
    new_start, new_end = _span(new_node)
    same_head = old_lines[: old_start - 1] == new_lines[: new_start - 1]
    same_tail = (_tail(old_lines, old_end, old_node.col_offset)
                 == _tail(new_lines, new_end, new_node.col_offset))
    if not (same_head and same_tail):
        raise Rejected("1", "replacing the test changed other parts of the file")


# ---- gate 2: re-lint ----------------------------------------------------------------------------


def _skips(engine: Engine, source: SourceFile, path: Path, qualname: str) -> bool:
    module = engine.facts_for(source, path)
    test = next((t for t in module.tests if t.qualname == qualname), None)
    return test is not None and test.skips


def _key(finding: Finding) -> tuple[str, str | None, str]:
    return (finding.code, finding.test, finding.message)


def relint(engine: Engine, path: Path, display: str, old_text: str, new_text: str,
           finding: Finding) -> None:
    """Raise Rejected('2') unless the new test reads no unbound name, the finding is gone and
    nothing new appears."""
    from testlint.rewrite.build import undefined_names

    if finding.test is not None:
        missing = undefined_names(new_text, finding.test)
        if missing:
            names = ", ".join(f"`{n}`" for n in missing[:5])
            raise Rejected("2", f"build check: the new test uses {names}, which nothing in the "
                                "file defines or imports; import it above the test or use the "
                                "names shown")
    try:
        old_source, new_source = parse_text(display, old_text), parse_text(display, new_text)
        before = engine.lint_source(old_source, path)
        after = engine.lint_source(new_source, path)
    except UnreadableSource as exc:
        raise Rejected("2", f"the new file cannot be analysed: {exc.reason}") from None
    if finding.test is not None and _skips(engine, new_source, path, finding.test) and not _skips(
        engine, old_source, path, finding.test
    ):
        raise Rejected("2", "the new test skips or xfails: that silences the finding without "
                            "checking anything; assert on the behaviour instead")
    still = [f for f in after if f.code == finding.code and f.test == finding.test]
    if still:
        raise Rejected("2", f"{finding.code} still fires on the new test: {still[0].message}")
    new = Counter(_key(f) for f in after) - Counter(_key(f) for f in before)
    if new:
        first = next(f for f in after if _key(f) in new)
        raise Rejected("2", f"the new test brings a new finding: line {first.line}: "
                            f"{first.code} {first.message}")


# ---- gate 4: mutants (the shared engine, testlint.mutation) -------------------------------------

MAX_MUTANTS = 60  # per proposal, shared out over the functions under test in source order
MIN_SHARE = 0.25  # of the mutants an old test without assertions let survive


@dataclass
class MutantScore:
    """The old and the new test against the same mutants of the code under test."""

    total: int  # mutants both runs could judge
    killed_new: list[Any]  # Mutant objects the new test killed (a timeout counts)
    killed_old: list[Any]
    survivors: list[Any]  # survived the new test

    @property
    def gained(self) -> list[Any]:
        old = {m.id for m in self.killed_old}
        return [m for m in self.killed_new if m.id not in old]

    def text(self) -> str:
        return (f"kills {len(self.killed_new)} of {self.total} mutants "
                f"(old test: {len(self.killed_old)})")


def _mutants_for(sandbox: Sandbox, definitions: list[Definition]) -> list[Any]:
    from testlint.mutation import generate

    groups: list[list[Any]] = []
    for definition in definitions:
        target = sandbox.map(definition.path)
        if target is None:
            continue
        local = ".".join([*definition.scope, definition.name])
        groups.append(generate(definition.source.text, target, functions=[local]))
    share = MAX_MUTANTS // max(1, len(groups))
    out: list[Any] = []
    seen: set[str] = set()
    for group in groups:
        for mutant in group[:share]:
            if mutant.id not in seen:
                seen.add(mutant.id)
                out.append(mutant)
    return out


def score_mutants(sandbox: Sandbox, path: Path, nodeid: str, old_text: str | None,
                  new_text: str, mutants: list[Any], old_passed: bool) -> MutantScore:
    """Run the old test (when it passed on the current code) and the new one against the same
    mutants, in the sandbox, with the mutants applied in memory."""
    from testlint.mutation import run_mutants

    def run(text: str) -> dict[str, str]:
        sandbox.write(path, text)
        results = run_mutants(sandbox.root, mutants, [nodeid], python=sandbox.python(),
                              env=sandbox.env, timeout=sandbox.settings.run_timeout,
                              pytest_args=list(sandbox.settings.pytest_args))
        return {r.mutant.id: r.status for r in results}

    old: dict[str, str] = {}
    if old_text is not None and old_passed:
        key = (old_text, nodeid, tuple(m.id for m in mutants))
        if key not in sandbox.old_mutant_results:
            sandbox.old_mutant_results[key] = run(old_text)
        old = sandbox.old_mutant_results[key]
    new = run(new_text)  # the copy keeps the new text
    judged = [m for m in mutants if new.get(m.id) in {"killed", "survived", "timeout"}]
    killed_new = [m for m in judged if new[m.id] in {"killed", "timeout"}]
    killed_old = [m for m in judged if old.get(m.id) in {"killed", "timeout"}]
    survivors = [m for m in judged if new[m.id] == "survived"]
    return MutantScore(len(judged), killed_new, killed_old, survivors)


# Findings about the test's oracle rather than its strength: an expected value that re-computes
# the implementation kills the same mutants as the literal that replaces it (mutating the code
# does not mutate the test's copy of the formula), so there the rewrite must keep every kill.
KEEP_KILLS = frozenset({"TL301"})


def check_mutants(score: MutantScore, definitions: list[Definition], old_asserts: bool,
                  code: str | None = None) -> None:
    """Gate 4: the new test kills at least one mutant the old test let survive; when the old test
    asserted nothing, at least MIN_SHARE of those; for a finding in KEEP_KILLS, every mutant the
    old test killed."""
    if not definitions:
        raise Rejected("4", "no code under test was found in the project's sources to mutate; "
                            "call the project's own function and assert on its result")
    if not score.total:
        raise Rejected("4", "the code under test offers no mutant that could be run")
    gained = score.gained
    if code in KEEP_KILLS:
        new = {m.id for m in score.killed_new}
        lost = [m for m in score.killed_old if m.id not in new]
        if not lost:
            return
        raise Rejected("4", f"{score.text()}: it lets survive what the old test killed "
                            f"({'; '.join(m.location_text for m in lost[:6])})",
                       "the new test misses bugs the old one caught: it passes when the code "
                       "under test is broken like this: "
                       + "; ".join(dict.fromkeys(m.behaviour_text for m in lost))
                       + ". Assert the exact results the specification gives", score)
    left = score.total - len(score.killed_old)
    needed = 1 if old_asserts else max(1, math.ceil(left * MIN_SHARE))
    if len(gained) >= needed:
        return
    behaviours = list(dict.fromkeys(m.behaviour_text for m in score.survivors))
    told = "; ".join(behaviours[:6]) + ("; ..." if len(behaviours) > 6 else "")
    shown = "; ".join(m.location_text for m in score.survivors[:6])
    if not gained:
        why = "none that the old test let survive"
    else:
        why = (f"only {len(gained)} that the old test let survive; a test that asserted nothing "
               f"needs a rewrite that kills at least {needed} of those {left}")
    raise Rejected("4", f"{score.text()}: {why} (surviving: {shown})",
                   f"the new test catches no more bugs than the old one: it still passes when "
                   f"the code under test is broken like this: {told}. Assert the exact results "
                   "the specification gives, so that these bugs would fail the test", score)


def _orders(nodeids: list[str], runs: int) -> list[list[str]]:
    """The file's tests in a different order for each run: as written, reversed, then shuffled
    (deterministically)."""
    import random

    out = []
    for number in range(1, runs + 1):
        order = list(nodeids)
        if number == 2:
            order.reverse()
        elif number > 2:
            random.Random(number).shuffle(order)
        out.append(order)
    return out


_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|XPASS) (\S+)")


def outcomes(output: str) -> dict[str, str]:
    """Per test function (parameters folded in): "failed" if any of its runs failed or errored,
    else "passed", from pytest's `-rA` summary."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        match = _OUTCOME.match(line)
        if match is None:
            continue
        nodeid = match[2].split("[", 1)[0]
        failed = match[1] in {"FAILED", "ERROR"}
        if failed or nodeid not in found:
            found[nodeid] = "failed" if failed else "passed"
    return found


def run_gates(sandbox: Sandbox, path: Path, qualname: str, new_text: str,
              definitions: list[Definition], on_gate: Any = None, old_text: str | None = None,
              neighbours: Sequence[str] = (), old_asserts: bool = True,
              code: str | None = None) -> MutantScore:
    """Gates 3 and 4; returns how the old and the new test fared against the mutants.

    Gate 3 runs the new test alone (a failure of its own assertion is a possible bug), then the
    whole file `runs` times, each a fresh process with its own PYTHONHASHSEED and the tests in
    another order: the new test must pass every time, and every test of the file that passed
    with the old text (`old_text`, run once first) must still pass. Gate 4 runs the old and the
    new test against the same mutants of the code under test (the shared engine): the new one
    must kill one the old one let survive (`check_mutants`).

    `on_gate(gate)` is called as each gate is entered (for the funnel). The copy keeps the new
    test afterwards; the caller restores it on rejection.
    """
    try:
        sandbox.write(path, new_text)
        nodeid = sandbox.nodeid(path, qualname)
        others = [sandbox.nodeid(path, q) for q in dict.fromkeys(neighbours) if q != qualname]
        copy_path = sandbox.map(path)
    except OutsideCopy as exc:
        raise Rejected("3", str(exc)) from None
    assert copy_path is not None
    runs = sandbox.settings.runs
    whole = [nodeid, *others]
    file_args = [*sandbox.base_args(), "-rA", "-p", "no:randomly"]
    baseline = Variant({copy_path: old_text} if old_text is not None else {},
                       [*file_args, *whole], {"PYTHONHASHSEED": "0"})
    orders = _orders(whole, runs)
    file_runs = [Variant({}, [*file_args, *order], {"PYTHONHASHSEED": str(number)})
                 for number, order in enumerate(orders, 1)]
    phases: list[tuple[list[dict[Path, str]] | list[Variant], str]] = [
        ([Variant()], "all"),
        ([baseline] if old_text is not None else [], "all"),
        (file_runs, "all"),
    ]
    results = sandbox.run(nodeid, phases, required=(2,), stop_on_timeout=(0,))
    if on_gate is not None:
        on_gate("3")
    file_results = results[2] if len(results) > 2 else []
    passed_with_file = any(outcomes(r.output).get(nodeid) == "passed" for r in file_results)
    _check_runs(results[0], 1, nodeid, sandbox.settings.run_timeout, passed_with_file)
    before = outcomes(results[1][0].output) if len(results) > 1 and results[1] else {}
    _check_file_runs(file_results, orders, nodeid, before, sandbox.settings.run_timeout)
    if on_gate is not None:
        on_gate("4")
    if not definitions:
        check_mutants(MutantScore(0, [], [], []), definitions, old_asserts, code)
    mutants = _mutants_for(sandbox, definitions)
    score = score_mutants(sandbox, path, nodeid, old_text, new_text, mutants,
                          old_passed=before.get(nodeid) == "passed")
    check_mutants(score, definitions, old_asserts, code)
    return score


FLAKY = ("the new test is flaky: it passes in one run and fails in another (the runs vary the "
         "order of the file's tests and the hash seed): make it independent of test order, set "
         "order and state the tests share")


def _check_file_runs(results: list[RunResult], orders: list[list[str]], nodeid: str,
                     before: dict[str, str], timeout: float) -> None:
    """Gate 3, with the rest of the file: the new test passes in every order and hash seed,
    and breaks no test that passed without it."""
    for number, result in enumerate(results[:len(orders)], 1):
        how = (f"run {number} of {len(orders)}: the whole file, "
               f"{'as written' if number == 1 else 'reversed' if number == 2 else 'shuffled'}, "
               f"PYTHONHASHSEED={number}")
        if result.returncode is None:
            raise Rejected("3", f"the file did not finish within {timeout:g}s with the new test "
                                f"({how})")
        after = outcomes(result.output)
        if after.get(nodeid) != "passed":
            raise Rejected("3", f"the new test is flaky: it passes alone but fails with the "
                                f"rest of its file ({how})\n{result.summary()}", FLAKY)
        broken = [n for n, outcome in after.items()
                  if outcome == "failed" and before.get(n) == "passed" and n != nodeid]
        if broken:
            name = broken[0].split("::", 1)[1].replace("::", ".")
            raise Rejected("3", f"the new test breaks `{name}`, which passes without it "
                                f"({how})",
                           f"with the new test in the file, `{name}` fails: the new test changes "
                           "state the other tests share (a module-level object, a class "
                           "attribute, the environment); leave shared state as it found it")
    if len(results) < len(orders):
        raise Rejected("3", "the runs of the whole file did not complete")


def _really_passed(output: str) -> bool:
    """pytest's summary line counts a pass (exit code 0 also covers skipped and xfailed)."""
    lines = [ln for ln in output.splitlines() if ln.strip()]
    return bool(lines) and re.search(r"\b\d+ passed\b", lines[-1]) is not None


_LOCATION = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): (?P<kind>[A-Za-z_][\w.]*)$")


def _failure_kind(output: str, test_file: str) -> tuple[str, str]:
    """How the new test failed: ("assertion", what pytest says) when its own assertion (or an
    expected exception that was not raised) failed, else ("error", the exception's type name)."""
    lines = output.splitlines()
    located = [m for m in map(_LOCATION.match, lines) if m is not None]
    summary = next((ln.split(" - ", 1)[1] for ln in lines
                    if ln.startswith("FAILED ") and " - " in ln), "")
    if located:
        last = located[-1]
        in_test = Path(last["file"]).as_posix().endswith(test_file)
        kind = last["kind"].rsplit(".", 1)[-1]
        if in_test and (kind == "AssertionError" or (kind == "Failed" and "DID NOT RAISE"
                                                      in output)):
            return "assertion", summary or kind
        return "error", kind
    if any("fixture '" in ln and "not found" in ln for ln in lines):
        return "error", "an unknown fixture"
    return "error", "an error"


def _check_runs(results: list[RunResult], runs: int, nodeid: str, timeout: float,
                passed_elsewhere: bool = False) -> None:
    """Gate 3: the new test passed `runs` times against the current code.

    A failure of the test's own assertion is a possible bug (PossibleBug); any other failure is
    a rejection whose feedback names only the kind of failure, never pytest's output (which
    carries the actual values of the code under test)."""
    result = results[-1]
    if result.passed and len(results) == runs:
        if all(_really_passed(r.output) for r in results):
            return
        raise Rejected("3", "the new test did not run to a pass (it was skipped or xfailed); "
                            "a rewrite must check the behaviour, not skip it")
    number = len(results)
    which = f" (run {number} of {runs})" if number > 1 else ""
    if result.returncode is None:
        raise Rejected("3", f"the new test did not finish within {timeout:g}s{which}")
    if result.returncode == 5:
        raise Rejected("3", f"pytest collected no test for {nodeid}")
    detail = result.summary()
    errors = [ln for ln in detail.splitlines() if ln.startswith("E ")]
    first = f": {errors[0][1:].strip()}" if errors else ""
    test_file = nodeid.split("::", 1)[0]
    if result.returncode == 1:
        kind, what = _failure_kind(result.output, test_file)
        if kind == "assertion" and not passed_elsewhere:
            raise PossibleBug(what or first[2:], "\n".join(errors))
        if kind == "assertion":
            raise Rejected("3", f"the new test is flaky: it failed alone and passed with the "
                                f"rest of its file{first}\n{detail}", FLAKY)
        raise Rejected("3", f"the new test fails against the current code{which}{first}\n"
                            f"{detail}",
                       f"the new test raised {what} against the current code{which} before its "
                       "assertions could decide; use only the names, fixtures and calls shown, "
                       "with the signatures shown")
    raise Rejected("3", f"pytest could not run the new test (exit code {result.returncode})"
                        f"{which}{first}\n{detail}",
                   f"pytest could not run the new test (exit code {result.returncode}){which}; "
                   "use only the names, fixtures and calls shown")
