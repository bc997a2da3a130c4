"""Parse once, build facts, run the enabled rules, apply suppressions, return sorted findings.

The engine never lets an exception reach the user: a file it cannot read or parse yields one
TL000 finding naming the reason, and a rule that fails on a file yields a TL000 finding naming
the rule, and the run goes on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testlint.config import Config
from testlint.facts import TestModule, build_facts
from testlint.finding import Finding, shown_path
from testlint.fingerprint import Fingerprinter, message_fingerprint
from testlint.noqa import UNUSED_NOQA, Judge, suppressing_codes, unused_noqa
from testlint.project import Project
from testlint.pytest_config import PytestConfig, find_pytest_config
from testlint.registry import Registry, load_registry
from testlint.rules.base import Rule, RuleContext, SnapshotContext
from testlint.snapshots import SnapshotFile
from testlint.source import SourceFile, UnreadableSource, parse_source, parse_text

if TYPE_CHECKING:
    from testlint.cache import ResultCache
    from testlint.progress import Progress
    from testlint.runner import RunStats

TL000 = "TL000"
TL000_NAME = "could-not-analyse"



def unreadable_finding(path: str, error: UnreadableSource) -> Finding:
    return Finding(
        path=path,
        line=error.line,
        col=error.col,
        code=TL000,
        name=TL000_NAME,
        message=f"could not analyse: {error.reason}",
        end_line=error.line,
        end_col=error.col,
    )


Suppression = set[tuple[int, str]]  # (line, code) pairs of noqa comments; "" when bare


def _at(line: int, codes: frozenset[str] | None) -> Suppression | None:
    return None if codes is None else {(line, code) for code in codes}


def _suppressed_at_test(finding: Finding, source: SourceFile,
                        module: TestModule | None) -> Suppression | None:
    """A finding outside the test file counts as reported on its test's `def` line: the noqa
    codes that suppress it there, if any."""
    if module is None or finding.test is None:
        return None
    for test in module.tests:
        if test.qualname == finding.test:
            line = test.node.lineno
            return _at(line, suppressing_codes(source.line(line), finding.code))
    return None


def _suppressing(finding: Finding, source: SourceFile | None) -> Suppression | None:
    """The noqa codes on the finding's line that suppress it, if any."""
    if source is None:
        return None
    return _at(finding.line, suppressing_codes(source.line(finding.line), finding.code))


def is_suppressed(finding: Finding, source: SourceFile | None) -> bool:
    return _suppressing(finding, source) is not None


@dataclass
class Engine:
    project: Project
    rules: list[Rule]
    registry: Registry = field(default_factory=load_registry)
    # apply suppression comments (noqa); off inside flake8, which applies its own;
    # per-file-ignores of [tool.testlint] apply always: one configuration, every door
    suppress: bool = True
    last_run: RunStats | None = None  # how the last lint_files went (cache hits, workers)
    report_tl000: bool = True  # off with `ignore = ["TL000"]`: unreadable files stay silent
    # called between rules: may raise LintStopped to stop a lint (the language server's
    # cancellation and time budget); a rule already running is not interrupted
    checkpoint: Callable[[], None] | None = None
    # give each finding its line-free fingerprint; only SARIF, the baseline and the result
    # cache read it, so a run that feeds none of them turns it off (`testlint check` does)
    fingerprints: bool = True
    _options: dict[str, Any] = field(default_factory=dict)
    _enabled: frozenset[str] = field(default=frozenset(), init=False)
    _checks_noqa: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        options = self.project.config.options
        self._options = {rule.code: rule.make_options(options) for rule in self.rules}
        # the rules whose silence on a line proves a noqa for them stale: not those whose
        # findings depend on what is installed (a pre-commit environment lacks the plugins)
        self._enabled = frozenset(rule.code for rule in self.rules
                                  if "environment" not in rule.needs)
        # TL001 (unused-noqa) is the engine's: only it knows which directives suppressed what
        self._checks_noqa = any(rule.code == UNUSED_NOQA for rule in self.rules)

    @property
    def config(self) -> Config:
        return self.project.config

    def lint_path(self, path: Path, display: str | None = None) -> list[Finding]:
        shown = display or path.as_posix()
        try:
            data = path.read_bytes()
        except OSError as exc:
            error = UnreadableSource(f"cannot read file: {exc.strerror or exc}")
            return self._unreadable(shown, error, path)
        return self.lint_bytes(data, path, shown)

    def lint_bytes(self, data: bytes, path: Path, display: str | None = None) -> list[Finding]:
        shown = display or path.as_posix()
        try:
            source = parse_source(shown, data)
        except UnreadableSource as error:
            return self._unreadable(shown, error, path)
        return self.lint_source(source, path)

    def lint_recorded(self, data: bytes, path: Path) -> tuple[list[Finding], list[Path]]:
        """Lint one file's bytes; also return the other files its findings depend on."""
        self.project.reads = {}
        try:
            findings = self.lint_bytes(data, path)
            return findings, list(self.project.reads)
        finally:
            self.project.reads = None

    def lint_files(
        self,
        files: Sequence[Path],
        *,
        jobs: int = 1,
        cache: ResultCache | None = None,
        progress: Progress | None = None,
    ) -> list[Finding]:
        """Lint every file; findings sorted by path, then position, whatever `jobs` is.

        With a cache, unchanged files (same content, same files they depend on, same run key)
        are not read past their bytes; the rest go to a process pool when there are enough.
        """
        from testlint.runner import run_files

        findings, self.last_run = run_files(self, files, jobs=jobs, cache=cache, progress=progress)
        for fault in self.project.pytest.errors:  # pytest would refuse to start: say so once
            error = UnreadableSource(f"pytest cannot read this config file: {fault.reason}",
                                     line=fault.line)
            findings.extend(self._unreadable(shown_path(fault.path), error, fault.path))
        # a broken conftest is reported with every test file below it (and cached with them)
        unique = {(f.path, f.line, f.col, f.code, f.message): f for f in findings}
        return sorted(unique.values(), key=lambda f: f.sort_key)

    def _conftest_faults(self, path: Path) -> list[Finding]:
        """TL000 at each conftest.py pytest imports for this test file that cannot be analysed:
        pytest stops at it before running any test below it."""
        found: list[Finding] = []
        for conftest, error in self.project.conftest_faults(path):
            reason = UnreadableSource(f"pytest cannot import this conftest: {error.reason}",
                                      line=error.line, col=error.col)
            found.extend(self._unreadable(shown_path(conftest), reason, conftest))
        return found

    def facts_for(self, source: SourceFile, path: Path) -> TestModule:
        return build_facts(
            source,
            self.project.collection_rules,
            project=self.project.lookup_for(path),
            is_conftest=path.name == "conftest.py",
            package=self.project.package_of(path),
        )

    def _unreadable(self, shown: str, error: UnreadableSource, path: Path) -> list[Finding]:
        found = unreadable_finding(shown, error)
        found = replace(found, fingerprint=message_fingerprint(found))
        return self._filter([found], None, path)

    def lint_source(self, source: SourceFile, path: Path) -> list[Finding]:
        """The file's findings; whatever goes wrong past the rules' own guards (facts, filters,
        fingerprints) becomes one TL000 for this file, so one odd file never stops a run."""
        try:
            return self._lint_source(source, path)
        except LintStopped:
            raise  # asked for by the caller's checkpoint: not a problem of the file
        except RecursionError:
            error = UnreadableSource("too deeply nested to analyse")
        except Exception as exc:  # a bug of ours: report it on the file, go on with the rest
            error = UnreadableSource(
                f"internal error ({type(exc).__name__}: {exc}); please report it"
            )
        return self._unreadable(source.path, error, path)

    def _lint_source(self, source: SourceFile, path: Path) -> list[Finding]:
        module = self.facts_for(source, path)
        findings: list[Finding] = []
        checkpoint = self.checkpoint or _no_checkpoint
        for rule in self.rules:
            checkpoint()
            ctx = RuleContext(rule=rule, module=module, options=self._options[rule.code],
                              project=self.project, file=path)
            findings.extend(self._run(rule, rule.check, ctx, source.path))
        snapshots = self._snapshots(path, module)
        for snapshot in snapshots:
            for rule in self.rules:
                if rule.check_snapshot is None:
                    continue
                checkpoint()
                snapshot_ctx = SnapshotContext(rule=rule, module=module,
                                               options=self._options[rule.code],
                                               project=self.project, snapshot=snapshot)
                findings.extend(self._run(rule, rule.check_snapshot, snapshot_ctx,
                                          snapshot.display))
        kept = self._filter(findings, source, path, module, snapshots)
        if self.fingerprints and kept:
            kept = Fingerprinter(source, module).apply(kept)
        return kept + self._conftest_faults(path)

    def _run(self, rule: Rule, check: Callable[[Any], None], ctx: RuleContext,
             where: str) -> list[Finding]:
        """One rule's check; a failure becomes a TL000 finding at `where`, never a traceback."""
        try:
            check(ctx)
        except RecursionError:
            error = UnreadableSource(f"too deeply nested for {rule.code} to analyse")
            return [unreadable_finding(where, error)]
        except Exception as exc:  # a rule bug must not end the run or hide other findings
            error = UnreadableSource(
                f"internal error in {rule.code} ({type(exc).__name__}: {exc}); please report it"
            )
            return [unreadable_finding(where, error)]
        return ctx.findings

    def _snapshots(self, path: Path, module: TestModule) -> list[SnapshotFile]:
        """The test module's stored snapshots, looked up only when a rule checks snapshots."""
        if module.is_conftest or not any(r.check_snapshot is not None for r in self.rules):
            return []
        try:
            return self.project.snapshot_files(path, module)
        except OSError:
            return []

    def _filter(
        self,
        findings: list[Finding],
        source: SourceFile | None,
        path: Path,
        module: TestModule | None = None,
        snapshots: Sequence[SnapshotFile] = (),
    ) -> list[Finding]:
        if not self.report_tl000:
            findings = [finding for finding in findings if finding.code != TL000]
        ignored = self._per_file_ignores(path)
        stored = {snapshot.display: snapshot.path for snapshot in snapshots}
        kept = []
        used: set[tuple[int, str]] = set()  # (line, noqa code) that suppressed a finding
        for finding in findings:
            if any(finding.code.startswith(code) for code in ignored):
                continue
            if source is not None and finding.path != source.path and finding.path in stored:
                # a finding in a stored snapshot: per-file-ignores match the snapshot's path
                # too, and a noqa comment goes on the `def` line of the test that owns it
                # (snapshot formats have no comments of their own)
                own = self._per_file_ignores(stored[finding.path])
                if any(finding.code.startswith(code) for code in own):
                    continue
                hit = _suppressed_at_test(finding, source, module) if self.suppress else None
            else:
                hit = _suppressing(finding, source) if self.suppress else None
            if hit is not None:
                used |= hit
                continue
            kept.append(finding)
        if (source is not None and self.suppress and self._checks_noqa
                and not any(UNUSED_NOQA.startswith(code) for code in ignored)):
            judge = Judge(known=self.registry.rules.keys(), enabled=self._enabled,
                          ignored=ignored)
            kept += unused_noqa(source, used, judge)
        return sorted(kept, key=lambda f: f.sort_key)

    def ignored_at(self, code: str, path: Path) -> bool:
        """Whether the configuration's per-file-ignores drop `code` in the file at `path`."""
        return any(code.startswith(ignored) for ignored in self._per_file_ignores(path))

    def _per_file_ignores(self, path: Path) -> list[str]:
        patterns = self.config.per_file_ignores
        if not patterns:
            return []
        try:
            relative = path.resolve().relative_to(self.config.root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        codes: list[str] = []
        for pattern, pattern_codes in patterns.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(path.name, pattern):
                codes.extend(c.upper() for c in pattern_codes)
        return codes


class LintStopped(Exception):
    """Raised by an engine's checkpoint to stop a lint; passed through, never a TL000."""


def _no_checkpoint() -> None:
    pass


def make_engine(
    paths: Sequence[Path],
    config: Config | None = None,
    pytest_config: PytestConfig | None = None,
    registry: Registry | None = None,
) -> Engine:
    """An engine for these paths, with the rules the config enables."""
    registry = registry or load_registry()
    pytest_config = pytest_config or find_pytest_config(list(paths))
    config = config or Config(root=pytest_config.rootdir)
    # TL000 is the engine's own code, not a rule: selecting it asks for no rule, ignoring it
    # silences the findings about files that cannot be analysed
    select = None if config.select is None else _rule_selectors(config.select)
    rules = registry.resolve(select, _rule_selectors(config.ignore),
                             _rule_selectors(config.extend_select))
    report_tl000 = not any(code.strip().upper() == TL000 for code in config.ignore)
    return Engine(project=Project(config=config, pytest=pytest_config), rules=rules,
                  registry=registry, report_tl000=report_tl000)


def _rule_selectors(selectors: Iterable[str]) -> list[str]:
    return [code for code in selectors if code.strip().upper() != TL000]


def lint_text(
    text: str,
    path: str | Path = "test_example.py",
    select: Iterable[str] | None = None,
    options: dict[str, Any] | None = None,
    project_dir: Path | None = None,
) -> list[Finding]:
    """Lint a snippet as if it were the file `path` (used by rule examples and integrations).

    `select` lists codes or prefixes (None: the default rules); `options` maps rule option keys
    to values as `[tool.testlint]` would.
    """
    registry = load_registry()
    # a snippet with no project: a root that holds no conftest or config to pick up by accident
    root = project_dir or Path("/__testlint_snippet__")
    file_path = Path(path) if Path(path).is_absolute() else root / path
    config = Config(root=root, select=tuple(select) if select is not None else None,
                    options=dict(options or {}))
    pytest_config = find_pytest_config([root]) if project_dir else PytestConfig(rootdir=root)
    engine = make_engine([root], config=config, pytest_config=pytest_config, registry=registry)
    try:
        source = parse_text(str(path), text)
    except UnreadableSource as error:
        return [unreadable_finding(str(path), error)]
    return engine.lint_source(source, file_path)
