"""The command line: `testlint [check] PATH...`, `testlint rules`, `testlint rule CODE`,
`testlint rewrite PATH...` (the optional LLM step, imported only when that command runs),
`testlint lsp` (the language server; pygls is imported only when that command runs).

Exit codes follow ruff: 0 no findings, 1 findings, 2 a usage or configuration error (always one
line on stderr naming the problem, never a traceback), 3 an internal error (a bug of testlint's:
one line too; TESTLINT_DEBUG=1 adds the traceback).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from testlint import __version__

if TYPE_CHECKING:
    from testlint.baseline import Baseline
    from testlint.engine import Engine
    from testlint.finding import Finding

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_CRASH = 0, 1, 2, 3


class DefaultCommandGroup(click.Group):
    """A group where an unknown first word means `check` (so `testlint tests/` works)."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (
            args[0] not in self.commands and args[0] not in {"--help", "-h", "--version"}
        ):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


def load_baseline(path: Path | None) -> Baseline | None:
    """The baseline file given with --baseline, or exit 2 with its one-line error."""
    if path is None:
        return None
    from testlint.baseline import Baseline, BaselineError

    try:
        return Baseline.load(path)
    except BaselineError as exc:
        fail(str(exc))


def fail(message: str) -> NoReturn:
    click.echo(f"testlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def warn(message: str) -> None:
    click.echo(f"testlint: warning: {message}", err=True)


def _codes(values: Sequence[str]) -> tuple[str, ...]:
    """`--select TL1,TL2 --select TL301` -> ("TL1", "TL2", "TL301")."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip().upper() for part in value.split(",") if part.strip())
    return tuple(out)


def _use_color(output_file: str | None) -> bool:
    if output_file is not None or "NO_COLOR" in os.environ:
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    __version__, "--version", prog_name="testlint", message="%(prog)s %(version)s"
)
def main() -> None:
    """Find pytest tests that pass without proving anything.

    `testlint PATH...` is short for `testlint check PATH...`.
    """


def _jobs(value: int | None) -> int:
    from testlint.runner import default_jobs

    return default_jobs() if value is None or value == 0 else value


def _run_options(command: Any) -> Any:
    """The options `check` and `baseline` share: what to lint and how."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--select", multiple=True,
                     help="Only these rule codes or prefixes (comma-separated)."),
        click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes."),
        click.option("--extend-select", multiple=True,
                     help="Enable these in addition to the selection."),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="Use this testlint.toml or pyproject.toml instead of searching for one.",
        ),
        click.option(
            "--only-test-files",
            is_flag=True,
            help="Skip explicitly named files that pytest would not collect "
            "(for pre-commit hooks).",
        ),
        click.option(
            "--force-exclude",
            is_flag=True,
            help="Skip explicitly named paths that `exclude` or an ignore file (.gitignore, "
            ".ignore) matches, too (for pre-commit hooks).",
        ),
        click.option("--jobs", "-j", type=click.IntRange(min=0), default=None,
                     help="Worker processes for large runs [default: all cores]."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache."),
        click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Cache directory [default: .testlint_cache in the project root]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass
class Prepared:
    engine: Engine
    files: list[Path]

    quiet: bool = False

    def lint(self, jobs: int | None, no_cache: bool, cache_dir: Path | None,
             fingerprints: bool = True) -> list[Finding]:
        """`fingerprints`: the report reads them (the cache always stores them)."""
        from testlint.cache import cache_root, open_cache
        from testlint.progress import Progress, make_progress

        cache = None
        if not no_cache:
            config = self.engine.config
            directory = cache_dir or cache_root(config.path, self.engine.project.pytest.inifile)
            cache = open_cache(self.engine, directory)
        progress = Progress() if self.quiet else make_progress(len(self.files))
        self.engine.fingerprints = fingerprints or cache is not None
        return self.engine.lint_files(self.files, jobs=_jobs(jobs), cache=cache,
                                      progress=progress)


def _prepare(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: Path | None,
    only_test_files: bool,
    force_exclude: bool,
    quiet: bool = False,
    stdin_filename: Path | None = None,
) -> Prepared:
    """Configuration, rules and files for a run; exits 2 with one line on any problem.

    With `stdin_filename`, the configuration is the one that applies at that path and the one
    file to lint is that path (its text comes from stdin)."""
    from testlint.config import ConfigError, load_config, validate_selection
    from testlint.discovery import Discovery, MissingPathError, default_paths
    from testlint.engine import make_engine
    from testlint.pytest_config import find_pytest_config
    from testlint.registry import UnknownRuleError, load_registry

    registry = load_registry()
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or directory")
    start = list(paths) or [Path.cwd()]
    if stdin_filename is not None:
        start = [_existing_parent(stdin_filename)]
    pytest_config = find_pytest_config(start)
    targets = list(paths) or default_paths(pytest_config)
    if stdin_filename is not None:
        targets = [stdin_filename]
    try:
        selection = {"--select": _codes(select), "--ignore": _codes(ignore),
                     "--extend-select": _codes(extend_select)}
        for flag, codes in selection.items():
            validate_selection(registry, codes, flag)
        config = load_config(start[0], registry, explicit=config_file)
        config = config.with_overrides(
            select=selection["--select"] or None,
            ignore=selection["--ignore"],
            extend_select=selection["--extend-select"],
        )
        engine = make_engine(targets, config=config, pytest_config=pytest_config, registry=registry)
    except (ConfigError, UnknownRuleError) as exc:
        fail(str(exc))
    for note in pytest_config.ignored_sections if not quiet else ():
        warn(note)
    discovery = Discovery(config=config, pytest=pytest_config, only_test_files=only_test_files,
                          force_exclude=force_exclude)
    if stdin_filename is not None:
        excluded = force_exclude and discovery.is_excluded(stdin_filename)
        return Prepared(engine=engine, files=[] if excluded else [stdin_filename], quiet=quiet)
    try:
        files = discovery.files(targets)
    except MissingPathError as exc:
        fail(str(exc))
    if not files:
        # a run that lints nothing must not look like a clean run: named directories that
        # hold no test file are a mistake (exit 2); the default paths, or named files that
        # --only-test-files or --force-exclude skipped (a pre-commit hook), merely say so
        named = ", ".join(os.fspath(p) for p in targets)
        message = (f"no test files found under {named} (pytest's python_files: "
                   f"{' '.join(pytest_config.python_files)})")
        if paths and all(p.is_dir() for p in targets):
            fail(message)
        if not quiet:
            click.echo(f"testlint: {message}", err=True)
    return Prepared(engine=engine, files=files, quiet=quiet)


def _existing_parent(path: Path) -> Path:
    """The nearest existing directory at or above `path` (which need not exist)."""
    for candidate in (path, *path.absolute().parents):
        if candidate.is_dir():
            return candidate
    return Path.cwd()


OUTPUT_FORMATS = ["text", "concise", "full", "json", "json-lines", "sarif", "github", "gitlab",
                  "junit"]
TEXT_FORMATS = {"text", "concise", "full"}


@main.command()
@_run_options
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(OUTPUT_FORMATS),
    default=None,
    help="Output format: text (one line per finding, the whole message), concise (the short "
    "message), full (the short message, the source with the span marked, why and how), json, "
    "json-lines, sarif, github, gitlab (code quality), junit. [default: the configuration's "
    "output-format, else text]",
)
@click.option("--quiet", "-q", is_flag=True,
              help="Print the findings only: no summary, hints, warnings or progress (errors "
              "still go to stderr).")
@click.option("--verbose", "-v", is_flag=True,
              help="Also say which configuration applies and how the run went.")
@click.option("--exit-non-zero-on-fix", is_flag=True,
              help="With --fix, exit 1 when a file was fixed, even if nothing is left.")
@click.option("--stdin-filename", type=click.Path(path_type=Path),
              help="Lint the source read from stdin as if it were this file (its "
              "configuration and per-file-ignores apply); with --fix, print the fixed source.")
@click.option("--show-settings", is_flag=True,
              help="Print the settings this run would use, and exit.")
@click.option("--show-files", is_flag=True,
              help="Print the files this run would lint, and exit.")
@click.option("--add-noqa", is_flag=True,
              help="Add a `# noqa: CODE` comment for every finding, so that only new ones "
              "are reported from now on.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--statistics", is_flag=True, help="Count findings per rule after the report.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--show-source", is_flag=True, help="Show the source line of each finding.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings not recorded in this baseline file.")
@click.option("--fix", is_flag=True, help="Apply safe fixes, then report what is left.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; change nothing.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix/--diff, apply unsafe fixes too.")
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: Path | None,
    only_test_files: bool,
    force_exclude: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    output_format: str | None,
    output_file: str | None,
    statistics: bool,
    exit_zero: bool,
    show_source: bool,
    baseline_file: Path | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
    quiet: bool,
    verbose: bool,
    exit_non_zero_on_fix: bool,
    stdin_filename: Path | None,
    show_settings: bool,
    show_files: bool,
    add_noqa: bool,
) -> None:
    """Lint the test files under PATHS (default: pytest's testpaths, else the current directory)."""
    from testlint.report import ReportContext, renderer

    if stdin_filename is not None and paths and paths != (Path("-"),):
        fail("--stdin-filename reads the source from stdin: name no other path")
    if stdin_filename is not None:
        paths = ()

    baseline = load_baseline(baseline_file)
    prepared = _prepare(paths, select, ignore, extend_select, config_file, only_test_files,
                        force_exclude, quiet=quiet, stdin_filename=stdin_filename)
    output_format = output_format or prepared.engine.config.output_format
    if show_settings or show_files:
        from testlint.settings_view import files_text, settings_text

        _emit(settings_text(prepared.engine, prepared.files) if show_settings
              else files_text(prepared.files), output_file)
        sys.exit(EXIT_CLEAN)
    if verbose:
        _describe_run(prepared)
    if add_noqa:
        if stdin_filename is not None or fix or diff:
            fail("--add-noqa edits the files: not with --stdin-filename, --fix or --diff")
        _add_noqa(prepared, prepared.lint(jobs, no_cache, cache_dir), quiet)
        _report_complete()
        sys.exit(EXIT_CLEAN)
    unwritten = False  # --fix could not write a file it meant to fix
    fixed_some = False  # --fix changed a file (for --exit-non-zero-on-fix)
    if stdin_filename is not None:
        findings, fixed_some = _lint_stdin(prepared, fix or diff, unsafe_fixes, diff)
        if fix and not diff:
            quiet = True  # stdout holds the fixed source: the report went to stderr
    elif fix or diff:
        from testlint.fix import run_fixes

        fixes = run_fixes(prepared.engine, prepared.files, unsafe=unsafe_fixes, write=not diff)
        for note in fixes.notes(preview=diff):
            if not quiet or note.startswith("testlint: error:"):
                click.echo(note, err=True)
        if diff:
            _emit(fixes.diff(), output_file)
            sys.exit(EXIT_FINDINGS if (fixes.changed or fixes.errors) and not exit_zero
                     else EXIT_CLEAN)
        findings = fixes.remaining
        unwritten = bool(fixes.errors)
        fixed_some = bool(fixes.changed)
    else:
        # only these reports (and the baseline) read fingerprints: compute them only then
        findings = prepared.lint(jobs, no_cache, cache_dir,
                                 fingerprints=output_format in ("sarif", "gitlab")
                                 or baseline is not None)
        if verbose and prepared.engine.last_run is not None:
            stats = prepared.engine.last_run
            click.echo(f"testlint: {stats.files} file(s): {stats.cached} from the cache, "
                       f"{stats.linted} linted, {stats.workers} worker process(es)", err=True)
    if baseline is not None:
        codes = {rule.code for rule in prepared.engine.rules} | {"TL000"}
        findings, stale = baseline.apply(findings, prepared.files, codes)
        if stale and not quiet:
            entries = "entry no longer matches" if stale == 1 else "entries no longer match"
            warn(
                f"{stale} baseline {entries} a finding (fixed, or the test changed); "
                f"run `testlint baseline -o {baseline_file}` with the same paths to update it"
            )

    sources: dict[str, list[str]] = {}
    if show_source or output_format == "full":
        from testlint.source import split_lines

        for shown in {f.path for f in findings}:
            try:
                text = Path(shown).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            sources[shown] = split_lines(text)
    context = ReportContext(
        show_source=show_source,
        statistics=statistics,
        files_checked=len(prepared.files),
        sources=sources,
        color=_use_color(output_file) and output_format in TEXT_FORMATS,
        output_format=output_format,
    )
    text = renderer(output_format)(findings, context)
    if stdin_filename is not None and fix and not diff:
        click.echo(text, err=True, nl=False)  # stdout holds the fixed source
    else:
        _emit(text, output_file)
    if output_format in TEXT_FORMATS and not quiet:
        for line in _summary(findings, len(prepared.files), fixing=fix or diff):
            click.echo(line, err=True)
    _report_complete()
    failed = findings or unwritten or (exit_non_zero_on_fix and fixed_some)
    sys.exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_CLEAN)


def _summary(findings: list[Finding], files: int, fixing: bool) -> list[str]:
    """What a text run ends with on stderr: a clean run says so and how many files it read
    (so that it never looks like a run that read nothing); a run with findings that `--fix`
    could settle says how many; --fix and --diff say what they did instead."""
    if fixing:  # --fix and --diff end with their own summary
        return []
    if not findings:
        return [f"All checks passed ({files} file{'s' * (files != 1)})."] if files else []
    hint = _fixable_hint(findings)
    return [hint] if hint else []


def _add_noqa(prepared: Prepared, findings: list[Finding], quiet: bool) -> None:
    """Write a `# noqa: CODE` for each finding on its line (ruff's --add-noqa)."""
    from testlint.noqa import add_noqa_text
    from testlint.safe_write import WriteRefused, replace_file
    from testlint.source import UnreadableSource, parse_source

    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    added = changed = 0
    for path in prepared.files:
        shown = path.as_posix()
        if shown not in by_path:
            continue
        try:
            data = path.read_bytes()
            source = parse_source(shown, data)
        except (OSError, UnreadableSource):
            continue
        text, count = add_noqa_text(source, by_path[shown])
        if not count:
            continue
        try:
            replace_file(path, text.encode(source.encoding, "surrogateescape"), data)
        except (WriteRefused, OSError, UnicodeEncodeError) as exc:
            click.echo(f"testlint: error: {shown}: cannot add noqa comments: {exc}", err=True)
            continue
        added += count
        changed += 1
    if not quiet:
        click.echo(f"Added {added} noqa comment{'s' * (added != 1)} to {changed} "
                   f"file{'s' * (changed != 1)}.", err=True)


def _describe_run(prepared: Prepared) -> None:
    """`-v`: which configuration applies, which rules run, how many files."""
    config = prepared.engine.config
    where = str(config.path) if config.path else "none (defaults)"
    click.echo(f"testlint: configuration: {where}", err=True)
    click.echo(f"testlint: project root: {config.root}", err=True)
    codes = [rule.code for rule in prepared.engine.rules]
    click.echo(f"testlint: {len(codes)} rules: {' '.join(codes)}", err=True)
    click.echo(f"testlint: {len(prepared.files)} file(s) to lint", err=True)


def _lint_stdin(prepared: Prepared, fixing: bool, unsafe: bool,
                preview: bool) -> tuple[list[Finding], bool]:
    """Lint (or fix) the source on stdin as the one file of the run; with --fix, print the
    fixed source on stdout; with --diff, the diff."""
    from testlint.engine import unreadable_finding
    from testlint.fix import fix_source, unified_diff
    from testlint.source import UnreadableSource, parse_source

    data = sys.stdin.buffer.read()
    if not prepared.files:  # --force-exclude excludes the path
        if fixing and not preview:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return [], False
    path = prepared.files[0]
    shown = path.as_posix()
    engine = prepared.engine
    if not fixing:
        return engine.lint_bytes(data, path, shown), False
    try:
        source = parse_source(shown, data)
    except UnreadableSource as error:
        if not preview:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        return [unreadable_finding(shown, error)], False
    result = fix_source(engine, source, path, unsafe=unsafe)
    after = result.before if result.error else result.after
    if result.error:
        click.echo(f"testlint: error: {shown}: {result.error}", err=True)
    if preview:
        _emit(unified_diff(shown, result.before, after), None)
        sys.exit(EXIT_FINDINGS if after != result.before or result.error else EXIT_CLEAN)
    sys.stdout.buffer.write(after.encode(source.encoding, "surrogateescape"))
    sys.stdout.flush()
    return result.remaining, after != result.before


def _fixable_hint(findings: list[Finding]) -> str:
    """ruff's reminder after a plain check: how many findings `--fix` would settle."""
    from testlint.finding import fix_counts

    safe, unsafe = fix_counts(findings)
    if safe:
        more = f" ({unsafe} more with `--fix --unsafe-fixes`)" if unsafe else ""
        return f"{safe} fixable with `--fix`{more}."
    if unsafe:
        return f"{unsafe} fixable with `--fix --unsafe-fixes`."
    return ""


@main.command("baseline")
@_run_options
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path),
              default=Path(".testlint-baseline.json"), show_default=True,
              help="Where to write the baseline.")
def baseline_command(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: Path | None,
    only_test_files: bool,
    force_exclude: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    output_file: Path,
) -> None:
    """Record today's findings so that `check --baseline FILE` reports only new ones."""
    from testlint.baseline import render_baseline

    prepared = _prepare(paths, select, ignore, extend_select, config_file, only_test_files,
                        force_exclude)
    findings = prepared.lint(jobs, no_cache, cache_dir)
    _emit(render_baseline(findings, output_file), str(output_file))
    click.echo(
        f"testlint: recorded {len(findings)} finding(s) in {len(prepared.files)} file(s) "
        f"to {output_file}",
        err=True,
    )
    _report_complete()


# Set by a lint command once everything it writes is written (the report on stdout or closed in
# its -o file, the cache saved, the pool joined): from then on nothing is left for the
# interpreter's teardown to do but free memory, which console_main may skip.
_completed: list[bool] = []


def _report_complete() -> None:
    _completed.append(True)


def console_main() -> None:
    """The `testlint` console script and `python -m testlint`.

    Runs the command line as `main()` would; then, when a lint command completed and astroid was
    imported (a rule read the code under test), ends with os._exit: tearing down astroid's
    modules, node classes and caches is pure waste at that point (the standard interpreter
    teardown costs ~0.5 s on requests' suite). Only here, never in the command itself: tests
    and embedders invoke `main` in-process (click's CliRunner) and must get their process back.
    """
    _completed.clear()
    try:
        main.main()
    except SystemExit as exc:
        code = exc.code
        if _completed and "astroid" in sys.modules and (code is None or isinstance(code, int)):
            _fast_exit(0 if code is None else code)
        raise
    except Exception as exc:  # a bug of ours: one line and its own exit code, never 1 (findings)
        click.echo(f"testlint: internal error: {type(exc).__name__}: {exc}; please report it "
                   "(set TESTLINT_DEBUG=1 for the traceback)", err=True)
        if os.environ.get("TESTLINT_DEBUG"):
            import traceback

            traceback.print_exc()
        sys.exit(EXIT_CRASH)


def _fast_exit(code: int) -> None:
    """Flush what Python would flush at exit, then leave without the teardown; if a stream
    cannot be flushed (a closed pipe), return and let the normal exit report it."""
    try:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


def _emit(text: str, output_file: str | None) -> None:
    if output_file is None:
        try:
            click.echo(text, nl=False)
        except UnicodeEncodeError:  # a file name that is not UTF-8, or a narrow terminal encoding
            encoding = str(getattr(sys.stdout, "encoding", None) or "utf-8")
            utf8 = encoding.lower().replace("-", "") == "utf8"
            data = text.encode(encoding, "surrogateescape" if utf8 else "backslashreplace")
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        return
    from testlint.catalogue import write_atomic

    try:
        write_atomic(Path(output_file), text)
    except OSError as exc:
        fail(f"{output_file}: cannot write: {exc.strerror or exc}")


@main.command("clean")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also remove this cache directory (one testlint made).")
def clean_command(paths: tuple[Path, ...], cache_dir: Path | None) -> None:
    """Remove the result caches (.testlint_cache) under PATHS (default: the current
    directory) and its subdirectories."""
    from testlint.clean import cache_dirs, is_cache_dir, remove

    found: list[Path] = []
    if cache_dir is not None and cache_dir.exists():
        if not is_cache_dir(cache_dir):
            fail(f"{cache_dir}: not a testlint cache directory; nothing removed")
        found.append(cache_dir)
    for root in paths or (Path("."),):
        found.extend(p for p in cache_dirs(root) if p not in found)
    failed = False
    for path in found:
        problem = remove(path)
        if problem is None:
            click.echo(f"Removed {path.as_posix()}", err=True)
        else:
            failed = True
            click.echo(f"testlint: error: {path.as_posix()}: cannot remove: {problem}", err=True)
    if not found:
        click.echo("No cache to remove.", err=True)
    sys.exit(EXIT_ERROR if failed else EXIT_CLEAN)


@main.command("rules")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text",
    show_default=True,
)
@click.option(
    "--write",
    "write_dir",
    is_flag=False,
    flag_value="rules",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Regenerate the Markdown catalogue (one page per rule + index.json) in this directory.",
)
@click.option("--check", "check_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Exit 1 if the catalogue in this directory is stale.")
@click.option(
    "--write-docs",
    "write_docs_root",
    is_flag=False,
    flag_value=".",
    default=None,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Regenerate the generated parts of the docs site (docs/, README.md, mkdocs.yml) of the "
    "project in this directory.",
)
@click.option("--check-docs", "check_docs_root",
              type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Exit 1 if a generated part of the docs of the project here is stale.")
def rules_command(
    output_format: str,
    write_dir: Path | None,
    check_dir: Path | None,
    write_docs_root: Path | None,
    check_docs_root: Path | None,
) -> None:
    """List every rule: code, name, default on/off, summary."""
    import json

    from testlint.catalogue import rule_metadata, stale_files, write_catalogue
    from testlint.registry import load_full_registry

    registry = load_full_registry()
    if write_docs_root is not None or check_docs_root is not None:
        _docs_command(write_docs_root, check_docs_root)
        return
    if write_dir is not None:
        changed = write_catalogue(registry, write_dir)
        click.echo(f"{len(changed)} file(s) updated in {write_dir}", err=True)
        return
    if check_dir is not None:
        stale = stale_files(registry, check_dir)
        if stale:
            click.echo(f"stale catalogue in {check_dir}: {', '.join(stale)}", err=True)
            click.echo("run `testlint rules --write` to regenerate it", err=True)
            sys.exit(EXIT_FINDINGS)
        return
    if output_format == "json":
        click.echo(json.dumps([rule_metadata(r) for r in registry.rules.values()], indent=2))
        return
    for rule in registry.rules.values():
        default = "on " if rule.default_enabled else "off"
        click.echo(f"{rule.code}  {rule.name:<32} {default}  {rule.summary}")


def _docs_command(write_root: Path | None, check_root: Path | None) -> None:
    from testlint.docs_gen import DocsError, builtin_registry, stale_docs, write_docs

    registry = builtin_registry()
    try:
        if write_root is not None:
            changed = write_docs(registry, write_root)
            click.echo(f"{len(changed)} file(s) updated under {write_root}", err=True)
            return
        assert check_root is not None
        stale = stale_docs(registry, check_root)
    except DocsError as exc:
        fail(str(exc))
    if stale:
        click.echo(f"stale docs under {check_root}: {', '.join(stale)}", err=True)
        click.echo("run `testlint rules --write-docs` to regenerate them", err=True)
        sys.exit(EXIT_FINDINGS)


@main.command("rule")
@click.argument("code")
def rule_command(code: str) -> None:
    """Print one rule's documentation (by code or name)."""
    from testlint.catalogue import rule_text
    from testlint.registry import UnknownRuleError, load_full_registry

    try:
        rule = load_full_registry().get(code)
    except UnknownRuleError as exc:
        fail(str(exc))
    click.echo(rule_text(rule), nl=False)


@main.command("rewrite")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--select", multiple=True, help="Rewrite findings of these codes or prefixes only.")
@click.option("--provider", type=click.Choice(["openai", "anthropic"]),
              help="Wire format: OpenAI chat completions (also Ollama, vLLM, llama.cpp, "
                   "LM Studio) or Anthropic messages.")
@click.option("--model", help="Model name, e.g. gpt-4o-mini, claude-sonnet-4-5, qwen2.5-coder.")
@click.option("--base-url", help="The endpoint, e.g. http://localhost:11434/v1 for Ollama. It "
                                  "gets a key only with --api-key-env.")
@click.option("--api-key-env", help="The NAME of the environment variable whose key is sent to "
                                    "the endpoint (default: the provider's, for its own API).")
@click.option("--trust-project-endpoint", is_flag=True,
              help="Accept the project's base-url and api-key-env: send the key it names to the "
                   "URL it names.")
@click.option("--write", is_flag=True, help="Apply the accepted rewrites (atomically); needs "
                                            "--run unless --allow-unrun.")
@click.option("--allow-unrun", is_flag=True,
              help="Let --write apply rewrites without --run: tests nobody has run.")
@click.option("--run", "run_tests", is_flag=True,
              help="Run each proposal under pytest and against mutants (executes model-written "
                   "code in a temporary copy of the project).")
@click.option("--max-attempts", type=click.IntRange(min=1),
              help="Proposals per finding; a rejection is fed back to the model.")
@click.option("--timeout", "request_timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds for one request to the model, from connecting to the last byte.")
@click.option("--max-retries", type=click.IntRange(min=0),
              help="Retries of one request on 429, 408, 5xx and network errors.")
@click.option("--runs", type=click.IntRange(min=1),
              help="Gate 3: runs of the whole test file (each its own hash seed and order).")
@click.option("--run-timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds for one pytest run in gates 3 and 4.")
@click.option("--temperature", type=click.FloatRange(0, 2),
              help="Sampling temperature sent to the model (default: the provider's).")
@click.option("--show-prompt", is_flag=True, help="Print what would be sent and send nothing.")
@click.option("--context", "context_mode", type=click.Choice(["signature", "full"]),
              help="What the prompt shows of the code under test (default: signature and "
                   "docstring only; `full` sends its body too).")
@click.option("--no-cache", is_flag=True, help="Ask the model again even for a cached prompt.")
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="Use this testlint.toml or pyproject.toml instead of searching for one.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif"]),
              default="text", show_default=True,
              help="stdout: diffs and possible bugs (text), the run record (json), or possible "
                   "bugs and accepted rewrites as SARIF results.")
def rewrite(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    api_key_env: str | None,
    trust_project_endpoint: bool,
    write: bool,
    allow_unrun: bool,
    run_tests: bool,
    max_attempts: int | None,
    request_timeout: float | None,
    max_retries: int | None,
    runs: int | None,
    run_timeout: float | None,
    temperature: float | None,
    show_prompt: bool,
    context_mode: str | None,
    no_cache: bool,
    config_file: Path | None,
    output_format: str,
) -> None:
    """Propose fixed tests for findings with a model; keep only those that pass the gates.

    Needs the `llm` extra (from a clone: `pip install '.[llm]'`). Prints a unified diff per
    accepted rewrite and a funnel summary; exit 0 when every finding was rewritten, 1 when some
    remain, 2 on errors.
    """
    from testlint.config import ConfigError, load_config, validate_selection
    from testlint.discovery import Discovery, MissingPathError, default_paths
    from testlint.pytest_config import find_pytest_config
    from testlint.registry import UnknownRuleError, load_registry
    from testlint.rewrite.endpoint import resolve
    from testlint.rewrite.providers import MissingExtra
    from testlint.rewrite.runner import RewriteError, make_job
    from testlint.rewrite.settings import SettingsError

    registry = load_registry()
    if write and not run_tests and not show_prompt and not allow_unrun:
        fail("--write without --run would write tests nobody has run: add --run, or "
             "--allow-unrun to write them anyway")
    for path in paths:
        if not path.exists():
            fail(f"{path}: no such file or directory")
    start = list(paths) or [Path.cwd()]
    pytest_config = find_pytest_config(start)
    targets = list(paths) or default_paths(pytest_config)
    try:
        codes = _codes(select)
        validate_selection(registry, codes, "--select")
        config = load_config(start[0], registry, explicit=config_file)
        where = str(config.path) if config.path else "configuration"
        flags = {"provider": provider, "model": model, "base_url": base_url,
                 "api_key_env": api_key_env, "max_attempts": max_attempts,
                 "context": context_mode, "timeout": request_timeout,
                 "max_retries": max_retries, "runs": runs, "run_timeout": run_timeout,
                 "temperature": temperature}
        settings, endpoint = resolve(config.extra.get("rewrite", {}), where, flags,
                                     trust_project=trust_project_endpoint)
        files = Discovery(config=config, pytest=pytest_config).files(targets)
        job = make_job(files, targets, config, codes, pytest_config, registry, settings,
                       endpoint=endpoint, run=run_tests, write=write, show_prompt=show_prompt,
                       use_cache=not no_cache, format=output_format,
                       out=lambda text: click.echo(text, nl=False),
                       err=lambda text: click.echo(text, err=True))
        code = job.execute()
    except (ConfigError, UnknownRuleError, SettingsError, RewriteError, MissingPathError,
            MissingExtra) as exc:
        fail(str(exc))
    sys.exit(code)


@main.command("verify")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("-k", "keyword", help="Only tests matching this pytest -k expression.")
@click.option("--changed-since", metavar="REF",
              help="Only tests added or changed since this git ref (e.g. origin/main).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Child pytest processes [default: 1].")
@click.option("--shard", metavar="I/N", help="Verify the I-th of N stable shards of the tests.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Time budget per test run, in seconds.")
@click.option("--max-mutants", type=click.IntRange(min=0), default=25, show_default=True,
              help="Mutants per test, at most.")
@click.option("--no-mutants", is_flag=True, help="Skip TL703 (no mutation run).")
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "sarif", "github", "junit"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--tests-json", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every test's verdict (outcome, assertions, red, kill counts) here.")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path),
              help="Record this run's findings as a baseline file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Cache directory [default: .testlint_cache in the project root].")
def verify_command(**options: Any) -> None:
    """Run the tests under pytest and report those that cannot fail (TL7xx): no assertion ran,
    passes without the implementation, kills no mutant."""
    from testlint.verify.command import run_verify

    sys.exit(run_verify(**options))


@main.command("lsp")
def lsp_command() -> None:
    """Start the language server on stdin/stdout (for editors).

    Needs the `lsp` extra (from a clone: `pip install '.[lsp]'`). Editors start it themselves;
    see the integrations docs.
    """
    try:
        from testlint.integrations.lsp import serve
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in {"pygls", "lsprotocol"}:
            raise
        fail("the language server needs pygls: add the lsp extra to however testlint was installed "
             "(from a clone: pip install '.[lsp]')")
    sys.exit(serve())


def run(argv: Sequence[str] | None = None) -> Any:
    """Entry point for tests and `python -m testlint` with an explicit argv."""
    return main.main(args=list(argv) if argv is not None else None, prog_name="testlint")
