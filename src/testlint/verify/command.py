"""`testlint verify`: the command behind the click subcommand in cli.py."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from testlint.cli import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _emit, fail, load_baseline, warn

STATIC_CONFIRMED = ("TL201", "TL103")


def _static_confirmations(paths: set[str]) -> dict[tuple[str, str], list[str]]:
    """TL201/TL103 findings of these test files, by (file, test qualname)."""
    from testlint.config import Config
    from testlint.engine import make_engine
    from testlint.pytest_config import find_pytest_config

    files = [Path(p) for p in sorted(paths)]
    if not files:
        return {}
    pytest_config = find_pytest_config(files)
    config = Config(root=pytest_config.rootdir, select=STATIC_CONFIRMED)
    try:
        engine = make_engine(files, config=config, pytest_config=pytest_config)
        findings = engine.lint_files(files, jobs=1)
    except Exception:  # the dynamic verdict stands without the static one
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for finding in findings:
        if finding.test and finding.code in STATIC_CONFIRMED:
            key = (os.path.realpath(finding.path), finding.test)
            if finding.code not in out.setdefault(key, []):
                out[key].append(finding.code)
    return out


def run_verify(
    paths: tuple[Path, ...],
    keyword: str | None,
    changed_since: str | None,
    jobs: int | None,
    shard: str | None,
    timeout: float,
    max_mutants: int,
    no_mutants: bool,
    output_format: str,
    output_file: str | None,
    tests_json: Path | None,
    baseline_file: Path | None,
    write_baseline: Path | None,
    exit_zero: bool,
    no_cache: bool,
    cache_dir: Path | None,
) -> int:
    from testlint.pytest_config import find_pytest_config
    from testlint.report import ReportContext, renderer
    from testlint.verify.cache import VerifyCache
    from testlint.verify.core import Options, SuiteError, verify
    from testlint.verify.findings import not_verified, verdict_findings
    from testlint.verify.select import SelectionError, parse_shard

    for path in paths:
        file = Path(os.fspath(path).split("::", 1)[0])  # a pytest node id names its file first
        if not file.exists():
            fail(f"{file}: no such file or directory")
    baseline = load_baseline(baseline_file)
    cwd = Path.cwd()
    pytest_config = find_pytest_config([Path(os.fspath(p).split("::", 1)[0]) for p in paths]
                                       or [cwd])
    cache = None
    if not no_cache:
        from testlint.cache import cache_root

        directory = cache_dir or cache_root(None, pytest_config.inifile)
        if not directory.is_absolute():
            directory = pytest_config.rootdir / directory
        cache = VerifyCache(directory, f"{timeout}:{max_mutants}:{not no_mutants}")
    try:
        options = Options(
            paths=[os.fspath(p) for p in paths], keyword=keyword,
            jobs=max(1, jobs or 1), shard=parse_shard(shard) if shard else None,
            changed_since=changed_since, timeout=timeout, max_mutants=max_mutants,
            mutants=not no_mutants, python_files=tuple(pytest_config.python_files),
            cache=cache, progress=lambda m: click.echo(f"testlint verify: {m}", err=True),
        )
        report = verify(cwd, options)
    except SelectionError as exc:
        fail(str(exc))
    except SuiteError as exc:
        click.echo(f"testlint: error: {exc}", err=True)
        return EXIT_ERROR
    for nodeid, detail in report.collect_errors:
        warn(f"{nodeid or '(rootdir)'}: collection error, its tests were not verified: {detail}")
    for line in not_verified(report.verdicts):
        warn(line)
    confirms: dict[tuple[str, str], list[str]] = {}
    if any(v.mutants and not v.killed for v in report.verdicts):
        confirms = _static_confirmations({v.path for v in report.verdicts
                                          if v.mutants and not v.killed})
    findings = verdict_findings(report.verdicts, confirms)
    if write_baseline is not None:
        from testlint.baseline import render_baseline

        _emit(render_baseline(findings, write_baseline), str(write_baseline))
    if baseline is not None:
        files = [Path(v.path) for v in report.verdicts]
        findings, _stale = baseline.apply(findings, files, {"TL701", "TL702", "TL703"})
    text = renderer(output_format)(findings, ReportContext(files_checked=len(
        {v.path for v in report.verdicts})))
    _emit(text, output_file)
    if tests_json is not None:
        data: dict[str, Any] = {
            "rootdir": report.rootdir,
            "selected": report.selected,
            "tests": [v.to_json() for v in report.verdicts],
            "surviving_mutants": report.surviving_mutants,
            "collect_errors": [{"nodeid": n, "detail": d} for n, d in report.collect_errors],
        }
        _emit(json.dumps(data, indent=2) + "\n", str(tests_json))
    cached = sum(v.cached for v in report.verdicts)
    judged = sum(v.outcome == "passed" for v in report.verdicts)
    click.echo(f"testlint verify: {report.selected} test(s) selected, {judged} passed and "
               f"judged ({cached} from cache), {len(findings)} finding(s)", err=True)
    return EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN
