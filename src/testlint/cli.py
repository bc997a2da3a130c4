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

    def lint(self, jobs: int | None, no_cache: bool, cache_dir: Path | None,
             fingerprints: bool = True) -> list[Finding]:
        """`fingerprints`: the report reads them (the cache always stores them)."""
        from testlint.cache import cache_root, open_cache
        from testlint.progress import make_progress

        cache = None
        if not no_cache:
            config = self.engine.config
            directory = cache_dir or cache_root(config.path, self.engine.project.pytest.inifile)
            cache = open_cache(self.engine, directory)
        self.engine.fingerprints = fingerprints or cache is not None
        return self.engine.lint_files(
            self.files, jobs=_jobs(jobs), cache=cache, progress=make_progress(len(self.files))
        )


def _prepare(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    extend_select: tuple[str, ...],
    config_file: Path | None,
    only_test_files: bool,
    force_exclude: bool,
) -> Prepared:
    """Configuration, rules and files for a run; exits 2 with one line on any problem."""
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
    pytest_config = find_pytest_config(start)
    targets = list(paths) or default_paths(pytest_config)
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
    for note in pytest_config.ignored_sections:
        warn(note)
    discovery = Discovery(config=config, pytest=pytest_config, only_test_files=only_test_files,
                          force_exclude=force_exclude)
    try:
        files = discovery.files(targets)
    except MissingPathError as exc:
        fail(str(exc))
    if not files and all(p.is_dir() for p in targets):
        # a run that lints nothing must not look like a clean run; named directories that hold
        # no test file are a mistake (exit 2), the default paths merely say so
        named = ", ".join(os.fspath(p) for p in targets)
        message = (f"no test files found in {named} (pytest's python_files: "
                   f"{' '.join(pytest_config.python_files)})")
        if paths:
            fail(message)
        warn(message)
    return Prepared(engine=engine, files=files)


@main.command()
@_run_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif", "github", "junit"]),
    default="text",
    show_default=True,
    help="Output format.",
)
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
    output_format: str,
    output_file: str | None,
    statistics: bool,
    exit_zero: bool,
    show_source: bool,
    baseline_file: Path | None,
    fix: bool,
    diff: bool,
    unsafe_fixes: bool,
) -> None:
    """Lint the test files under PATHS (default: pytest's testpaths, else the current directory)."""
    from testlint.report import ReportContext, renderer

    baseline = None
    if baseline_file is not None:
        from testlint.baseline import Baseline, BaselineError

        try:
            baseline = Baseline.load(baseline_file)
        except BaselineError as exc:
            fail(str(exc))
    prepared = _prepare(paths, select, ignore, extend_select, config_file, only_test_files,
                        force_exclude)
    unwritten = False  # --fix could not write a file it meant to fix
    if fix or diff:
        from testlint.fix import run_fixes

        fixes = run_fixes(prepared.engine, prepared.files, unsafe=unsafe_fixes, write=not diff)
        for note in fixes.notes(preview=diff):
            click.echo(note, err=True)
        if diff:
            _emit(fixes.diff(), output_file)
            sys.exit(EXIT_FINDINGS if (fixes.changed or fixes.errors) and not exit_zero
                     else EXIT_CLEAN)
        findings = fixes.remaining
        unwritten = bool(fixes.errors)
    else:
        findings = prepared.lint(jobs, no_cache, cache_dir,
                                 fingerprints=output_format == "sarif" or baseline is not None)
    if baseline is not None:
        codes = {rule.code for rule in prepared.engine.rules} | {"TL000"}
        findings, stale = baseline.apply(findings, prepared.files, codes)
        if stale:
            entries = "entry no longer matches" if stale == 1 else "entries no longer match"
            warn(
                f"{stale} baseline {entries} a finding (fixed, or the test changed); "
                f"run `testlint baseline -o {baseline_file}` with the same paths to update it"
            )

    sources: dict[str, list[str]] = {}
    if show_source:
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
        color=_use_color(output_file) and output_format == "text",
    )
    text = renderer(output_format)(findings, context)
    _emit(text, output_file)
    if output_format == "text" and not (fix or diff):
        hint = _fixable_hint(findings)
        if hint:
            click.echo(hint, err=True)
    _report_complete()
    sys.exit(EXIT_FINDINGS if (findings or unwritten) and not exit_zero else EXIT_CLEAN)


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
    from testlint.registry import load_registry

    registry = load_registry()
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
    from testlint.registry import UnknownRuleError, load_registry

    try:
        rule = load_registry().get(code)
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
@click.option("--write", is_flag=True, help="Apply the accepted rewrites (atomically).")
@click.option("--run", "run_tests", is_flag=True,
              help="Run each proposal under pytest and against mutants (executes model-written "
                   "code in a temporary copy of the project).")
@click.option("--max-attempts", type=click.IntRange(min=1),
              help="Proposals per finding; a rejection is fed back to the model.")
@click.option("--show-prompt", is_flag=True, help="Print what would be sent and send nothing.")
@click.option("--context", "context_mode", type=click.Choice(["signature", "full"]),
              help="What the prompt shows of the code under test (default: signature and "
                   "docstring only; `full` sends its body too).")
@click.option("--no-cache", is_flag=True, help="Ask the model again even for a cached prompt.")
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="Use this testlint.toml or pyproject.toml instead of searching for one.")
def rewrite(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    api_key_env: str | None,
    trust_project_endpoint: bool,
    write: bool,
    run_tests: bool,
    max_attempts: int | None,
    show_prompt: bool,
    context_mode: str | None,
    no_cache: bool,
    config_file: Path | None,
) -> None:
    """Propose fixed tests for findings with a model; keep only those that pass the gates.

    Needs `pip install 'testlint[llm]'`. Prints a unified diff per accepted rewrite and a
    funnel summary; exit 0 when every finding was rewritten, 1 when some remain, 2 on errors.
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
                 "context": context_mode}
        settings, endpoint = resolve(config.extra.get("rewrite", {}), where, flags,
                                     trust_project=trust_project_endpoint)
        files = Discovery(config=config, pytest=pytest_config).files(targets)
        job = make_job(files, targets, config, codes, pytest_config, registry, settings,
                       endpoint=endpoint, run=run_tests, write=write, show_prompt=show_prompt,
                       use_cache=not no_cache, out=lambda text: click.echo(text, nl=False),
                       err=lambda text: click.echo(text, err=True))
        code = job.execute()
    except (ConfigError, UnknownRuleError, SettingsError, RewriteError, MissingPathError,
            MissingExtra) as exc:
        fail(str(exc))
    sys.exit(code)


@main.command("lsp")
def lsp_command() -> None:
    """Start the language server on stdin/stdout (for editors).

    Needs `pip install 'testlint[lsp]'`. Editors start it themselves; see the integrations docs.
    """
    try:
        from testlint.integrations.lsp import serve
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in {"pygls", "lsprotocol"}:
            raise
        fail("the language server needs pygls: pip install 'testlint[lsp]'")
    sys.exit(serve())


def run(argv: Sequence[str] | None = None) -> Any:
    """Entry point for tests and `python -m testlint` with an explicit argv."""
    return main.main(args=list(argv) if argv is not None else None, prog_name="testlint")
