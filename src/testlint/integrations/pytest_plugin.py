"""The pytest plugin: users who only run pytest see testlint's findings on the files it collects.

Registered as the `pytest11` entry point `testlint`, so pytest loads this module in every run of
every project where testlint is installed; it is therefore inert unless asked for. Installed, it
only adds its options; it lints when enabled by one of:

- `-p testlint` on the command line (or in `addopts`, or PYTEST_ADDOPTS); this also works with
  PYTEST_DISABLE_PLUGIN_AUTOLOAD set, since `-p` loads the entry point by its name;
- the ini option `testlint = true` (`[tool.pytest.ini_options]`, pytest.ini, tox.ini, setup.cfg);
- `--testlint-strict`, which also turns the findings into collection errors.

Each test module pytest collects (a `python_files` match pytest turns into a Module, not
excluded by `[tool.testlint]`) is linted with the configuration `testlint check` would use:
`[tool.testlint]` (rules, options, per-file-ignores) and `# noqa` comments apply. Every finding
is one TestlintWarning at the finding's file and line, shown in pytest's warnings summary
(`filterwarnings` and `-W` apply as to any warning; made an error, as with
`-W error::testlint.integrations.pytest_plugin.TestlintWarning`, it acts as strict mode).
With `--testlint-strict` a module with findings is a collection error listing them
(`path:line:col: TLxxx message`), so no test runs until they are fixed (or
`--continue-on-collection-errors` is given). A broken configuration is reported the same
way, as a TL000 finding. Results are kept in testlint's result cache (`.testlint_cache`, shared
with `testlint check`), so a rerun does not lint an unchanged file again;
`--testlint-no-cache` turns it off. Nothing of testlint's engine is imported unless the
plugin is enabled.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from testlint.engine import Engine
    from testlint.finding import Finding

PLUGIN_NAME = "testlint"  # the entry point's name: `-p testlint`, `-p no:testlint`
INI_OPTION = "testlint"
STRICT_OPTION = "--testlint-strict"


class TestlintWarning(UserWarning):
    """A testlint finding on a collected test file (one warning per finding)."""

    __test__ = False  # a class named Test*: pytest must not collect it


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("testlint", "testlint (lint the collected test files)")
    group.addoption(
        STRICT_OPTION, action="store_true", default=False,
        help="lint the collected test files with testlint and report findings as collection "
             "errors (implies the plugin is enabled)",
    )
    group.addoption(
        "--testlint-no-cache", action="store_true", default=False,
        help="lint every collected test file again rather than reuse testlint's result cache "
             "(.testlint_cache, as `testlint check` keeps it)",
    )
    parser.addini(
        INI_OPTION, type="bool", default=False,
        help="lint the collected test files with testlint, findings shown as warnings "
             "(the same as -p testlint)",
    )


def enabled(config: pytest.Config) -> bool:
    """Whether this run asked for the plugin: `-p testlint`, the ini option, or strict mode."""
    asked = config.getoption("plugins", None) or []
    return (
        PLUGIN_NAME in asked
        or __name__ in asked  # -p testlint.integrations.pytest_plugin (not installed)
        or bool(config.getoption("testlint_strict", False))
        or bool(config.getini(INI_OPTION))
    )


def pytest_configure(config: pytest.Config) -> None:
    if enabled(config):
        config.pluginmanager.register(
            Linter(strict=bool(config.getoption("testlint_strict", False)),
                   rootpath=config.rootpath,
                   use_cache=not config.getoption("testlint_no_cache", False)),
            "testlint-linter",
        )


class Linter:
    """The enabled plugin: lints each collected test module once, as it is collected."""

    def __init__(self, *, strict: bool, rootpath: Path, use_cache: bool = True) -> None:
        self.strict = strict
        self.rootpath = rootpath
        self.use_cache = use_cache
        self._caches: dict[int, Any] = {}  # by id of the engine

    @pytest.hookimpl(hookwrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector) -> Generator[None, Any, None]:
        outcome = yield
        if not isinstance(collector, pytest.Module) or collector.path.suffix != ".py":
            return
        report: pytest.CollectReport = outcome.get_result()
        if not report.passed:
            return  # pytest could not import it: its own error says why
        findings = self.lint(collector.path)
        if not findings:
            return
        if not self.strict:
            try:
                for finding in findings:
                    warnings.warn_explicit(
                        TestlintWarning(f"{finding.code} {finding.message}"),
                        category=TestlintWarning, filename=finding.path, lineno=finding.line,
                    )
                return
            except TestlintWarning:  # `-W error::...TestlintWarning`: as strict mode
                pass
        report.outcome = "failed"
        report.longrepr = "testlint found:\n" + "\n".join(_line(f) for f in findings)
        report.result = []

    def lint(self, path: Path) -> list[Finding]:
        from testlint.config import ConfigError
        from testlint.engine import unreadable_finding
        from testlint.integrations.engines import engine_and_discovery
        from testlint.registry import UnknownRuleError
        from testlint.source import UnreadableSource

        shown = Path(os.path.relpath(path))  # as `testlint check` names it from here
        try:
            engine, discovery = engine_and_discovery(path)
        except (ConfigError, UnknownRuleError) as exc:
            return [unreadable_finding(shown.as_posix(), UnreadableSource(str(exc)))]
        if discovery.is_excluded(path):
            return []
        # the CLI's result cache: a rerun of pytest does not lint an unchanged file again
        return engine.lint_files([shown], jobs=1, cache=self._cache(engine))

    def _cache(self, engine: Engine) -> Any:
        if not self.use_cache:
            return None
        if id(engine) not in self._caches:
            from testlint.cache import cache_root, open_cache

            directory = cache_root(engine.config.path, engine.project.pytest.inifile)
            self._caches[id(engine)] = open_cache(engine, directory)
        return self._caches[id(engine)]


def _line(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col}: {finding.code} {finding.message}"
