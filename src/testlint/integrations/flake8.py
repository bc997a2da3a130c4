"""The flake8 plugin: `flake8` (and every editor that shows flake8) reports testlint's findings.

flake8 parses each file once and hands plugins its tree and lines; this plugin builds testlint's
SourceFile from them, so running inside flake8 adds no second parse. flake8 owns what it owns:
`# noqa`, `--select`/`--ignore`/`--extend-ignore` and `per-file-ignores` apply to TL codes as to
any other, so the engine's own suppression is off here. Which rules run, and their options, come
from `[tool.testlint]` as for the command line; only files pytest would collect are checked.

Registered in pyproject.toml as the `flake8.extension` entry point `TL`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from testlint import __version__

Flake8Result = tuple[int, int, str, type]

# one engine per (configuration file, pytest ini file): flake8 checks many files per process
_engines: dict[tuple[Path | None, Path | None], Any] = {}


def _engine_and_discovery(path: Path) -> tuple[Any, Any]:
    from testlint.config import load_config
    from testlint.discovery import Discovery
    from testlint.engine import make_engine
    from testlint.pytest_config import find_pytest_config
    from testlint.registry import load_registry

    pytest_config = find_pytest_config([path])
    registry = load_registry()
    config = load_config(path, registry)
    key = (config.path, pytest_config.inifile)
    cached = _engines.get(key)
    if cached is None:
        engine = make_engine([path], config=config, pytest_config=pytest_config, registry=registry)
        engine.suppress = False  # flake8 applies noqa and per-file-ignores itself
        cached = (engine, Discovery(config=config, pytest=pytest_config, only_test_files=True))
        _engines[key] = cached
    return cached


class TestlintChecker:
    """flake8 calls `TestlintChecker(tree, lines, filename).run()` for every file."""

    name = "testlint"
    version = __version__
    __test__ = False  # its name starts with "Test": pytest must not collect it

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[Flake8Result]:
        from testlint.config import ConfigError
        from testlint.engine import TL000
        from testlint.source import SourceFile

        path = Path(self.filename)
        try:
            engine, discovery = _engine_and_discovery(path)
        except ConfigError as exc:
            yield 1, 0, f"{TL000} could not analyse: {exc}", type(self)
            return
        if self.filename not in {"stdin", "-"} and not discovery.is_test_file(path):
            return
        source = SourceFile(path=self.filename, text="".join(self.lines), tree=self.tree)
        for finding in engine.lint_source(source, path):
            yield finding.line, finding.col - 1, f"{finding.code} {finding.message}", type(self)
