"""The flake8 plugin: `flake8` (and every editor that shows flake8) reports testlint's findings.

flake8 parses each file once and hands plugins its tree and lines; this plugin builds testlint's
SourceFile from them, so running inside flake8 adds no second parse. flake8 owns what it owns:
`# noqa`, `--select`/`--ignore`/`--extend-ignore` and its `--per-file-ignores` apply to TL codes
as to any other, so the engine's noqa handling is off here. Which rules run, their options and
`[tool.testlint]` per-file-ignores come from the configuration as for the command line (the
engine applies those per-file-ignores itself, the same code path for every door); only files
pytest would collect are checked.

flake8 runs every installed plugin on every file, whatever `--select` says, and filters the
results afterwards. So the plugin reads flake8's selection once (`parse_options`, flake8's own
DecisionEngine) and, when no TL code can be selected (`flake8 --select E`), does nothing: this
module imports nothing of testlint's engine at load time, and `run` then returns at once.

flake8 shows findings in the file it handed over, so a finding the engine makes in another file
(TL304 on an entry of a stored snapshot) is shown on the `def` line of the test that owns the
entry, its message naming the snapshot's own location. That is where the command line takes a
`# noqa` for it too (snapshot formats have no comments), so the same comment silences it in both;
`[tool.testlint]` per-file-ignores matching the snapshot's path apply as on the command line,
since flake8's own cannot name a file it never checks (the engine applies them). An entry no
test of the file owns (a
stale snapshot of a removed test) has no line here and is left to the command line.

Registered in pyproject.toml as the `flake8.extension` entry point `TL`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from testlint import __version__

Flake8Result = tuple[int, int, str, type]

class TestlintChecker:
    """flake8 calls `TestlintChecker(tree, lines, filename).run()` for every file."""

    name = "testlint"
    version = __version__
    __test__ = False  # its name starts with "Test": pytest must not collect it

    # False when flake8's selection leaves out every TL code (set by parse_options, which
    # flake8 calls in every process before any file is checked)
    selected = True

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.selected = _tl_selected(options)

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[Flake8Result]:
        if not self.selected:
            return
        from testlint.config import ConfigError
        from testlint.engine import TL000
        from testlint.integrations.engines import engine_and_discovery
        from testlint.source import SourceFile

        path = Path(self.filename)
        try:
            engine, discovery = engine_and_discovery(path, noqa=False)  # flake8 owns noqa
        except ConfigError as exc:
            yield 1, 0, f"{TL000} could not analyse: {exc}", type(self)
            return
        if self.filename not in {"stdin", "-"} and not discovery.is_test_file(path):
            return
        source = SourceFile(path=self.filename, text="".join(self.lines), tree=self.tree)
        def_lines: dict[str, tuple[int, int]] | None = None
        for finding in engine.lint_source(source, path):
            text = f"{finding.code} {finding.message}"
            if finding.path == self.filename:
                yield finding.line, finding.col - 1, text, type(self)
                continue
            # a finding in another file: a stored snapshot of one of this file's tests
            if def_lines is None:
                def_lines = _test_def_lines(self.tree)
            where = def_lines.get(finding.test or "")
            if where is None and finding.code == TL000:
                where = (1, 0)  # a rule that failed on the snapshot must not go unseen
            if where is None:
                continue
            text = f"{finding.code} in {finding.path}:{finding.line}: {finding.message}"
            yield where[0], where[1], text, type(self)


def _tl_selected(options: Any) -> bool:
    """Whether flake8's --select/--extend-select/--ignore/--extend-ignore can let any TL code
    through. A selected TL code is matched by a select entry that starts with "TL" (`TL1`,
    `TL101`) or is a prefix of it (`T`, `TL`, the default selection); flake8's own decision for
    that entry itself (or for "TL") is then "selected" too, so asking about those is enough. An
    empty selection selects everything."""
    try:
        from flake8.style_guide import (  # type: ignore[import-untyped, unused-ignore]
            Decision,
            DecisionEngine,
        )

        decider = DecisionEngine(options)
        entries = [*decider.selected, *decider.selected_explicitly]
    except Exception:  # another flake8 than the one this was written for: stay on
        return True
    candidates = {entry for entry in entries if entry.startswith("TL")}
    if not decider.selected or any("TL".startswith(entry) for entry in entries):
        candidates.add("TL")
    return any(decider.decision_for(code) is Decision.Selected for code in candidates)


def _test_def_lines(tree: ast.Module) -> dict[str, tuple[int, int]]:
    """Line and column of the `def` of every function by qualified name (`TestCart.test_total`),
    as the engine's test facts name tests; the `def` line, not a decorator's."""
    found: dict[str, tuple[int, int]] = {}
    scopes: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while scopes:
        prefix, body = scopes.pop()
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[prefix + node.name] = (node.lineno, node.col_offset)
            elif isinstance(node, ast.ClassDef):
                scopes.append((f"{prefix}{node.name}.", node.body))
    return found
