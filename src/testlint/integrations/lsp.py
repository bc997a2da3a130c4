"""The language server: `testlint lsp` shows findings in any editor that speaks LSP (stdio).

Every open Python file that pytest would collect as a test (the CLI's discovery: `python_files`,
`exclude`, the directories pytest does not recurse into) is linted from the editor's text as it
is typed, with the configuration the CLI would use for that file (`[tool.testlint]` and pytest's
ini file, found upwards from the file's directory). A broken configuration is shown once as a
message, never a crash; a file that does not parse shows the TL000 finding the CLI reports.

Code actions: "Fix TLxxx: ..." for a finding with a safe fix, "Disable TLxxx for this line"
(adds or extends a `# noqa: TLxxx` comment), and `source.fixAll.testlint` (every safe fix, as
`testlint check --fix` would apply them). The server never writes a file: edits go to the
editor, which applies them to its buffer.

Positions: findings carry 1-based lines and 1-based code point columns; LSP wants 0-based lines
and columns in the negotiated position encoding (UTF-16 unless the client offers UTF-8 or
UTF-32), so columns are converted on each line's text.

Engines (with their conftest and code-under-test caches) are kept per configuration and
rebuilt after any file is saved, so edits to conftests, helpers and the code under test are
seen at the next save. Only this module imports pygls (the `lsp` extra).

Scheduling: every lint and code action runs on one worker thread (engines are not shared
between threads), so the event loop always reads the next message. A change is linted after
DEBOUNCE seconds without another: first quickly, only the test being edited when every change
since the last full lint is inside one test (lsp_incremental; the rest of the findings are
moved from that full lint), then fully after FULL_DELAY more seconds without a change (at once
when there is no quick answer). A lint whose text is no longer the document's is stopped at the
engine's next checkpoint (between rules) and its result dropped; each lint has a time budget
(LINT_BUDGET, or `lintTimeBudget` in initializationOptions). Code actions always come from a
full lint. Messages are read by
lsp_frames, not by pygls' reader, which cannot recover from a malformed frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from testlint import __version__
from testlint.engine import LintStopped
from testlint.finding import Edit, Finding

if TYPE_CHECKING:
    from testlint.discovery import Discovery
    from testlint.engine import Engine
    from testlint.registry import Registry
    from testlint.source import SourceFile

SOURCE = "testlint"
FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
logger = logging.getLogger(__name__)


# ---- positions ------------------------------------------------------------------------------


def code_units(text: str, encoding: str) -> int:
    """The length of `text` in the code units of an LSP position encoding."""
    if encoding == types.PositionEncodingKind.Utf8.value:
        return len(text.encode("utf-8", errors="surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32.value:
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


@dataclass(frozen=True)
class Lines:
    """A document's lines as LSP numbers them (split on CR LF, CR and LF only)."""

    text: str
    encoding: str
    lines: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(_LINE_BREAK.split(self.text)))

    def line(self, lineno: int) -> str:
        """The 1-based line `lineno`, or "" past the end."""
        return self.lines[lineno - 1] if 1 <= lineno <= len(self.lines) else ""

    def position(self, lineno: int, char: int) -> types.Position:
        """The LSP position of the 0-based code point offset `char` on the 1-based line."""
        if lineno > len(self.lines):
            last = len(self.lines) - 1
            return types.Position(line=last, character=code_units(self.lines[last], self.encoding))
        index = max(lineno, 1) - 1
        text = self.lines[index]
        return types.Position(line=index,
                              character=code_units(text[: max(char, 0)], self.encoding))

    def edit_range(self, line: int, col: int, end_line: int, end_col: int) -> types.Range:
        """The range of 1-based (line, column) positions, end exclusive, as findings and
        edits carry them."""
        start = self.position(line, col - 1)
        end = self.position(end_line, end_col - 1)
        if (end.line, end.character) < (start.line, start.character):
            end = start
        return types.Range(start=start, end=end)

    def offset_position(self, offset: int) -> types.Position:
        """The LSP position of a code point offset into the text."""
        before = self.text[:offset]
        breaks = list(_LINE_BREAK.finditer(before))
        line_start = breaks[-1].end() if breaks else 0
        return types.Position(line=len(breaks),
                              character=code_units(before[line_start:], self.encoding))


# ---- linting one document -------------------------------------------------------------------


@dataclass
class Entry:
    """One finding as shown: its diagnostic, and the line a `# noqa` for it goes on."""

    finding: Finding
    diagnostic: types.Diagnostic
    noqa_line: int


@dataclass
class Linted:
    """The last lint of an open document."""

    uri: str
    version: int | None
    path: Path
    lines: Lines
    entries: list[Entry]
    engine: Engine | None = None
    source: SourceFile | None = None  # None when the text did not parse
    provisional: bool = False  # a quick lint of the edited test only (lsp_incremental)


class Session:
    """The part of the server that knows testlint: configuration, engines, findings, edits.
    Free of pygls's server object so that it stays easy to follow (and to test)."""

    def __init__(self) -> None:
        self._registry: Registry | None = None
        self._engines: dict[tuple[str, str], tuple[Engine, Discovery]] = {}
        self.shown: set[str] = set()  # configuration problems already told to the user
        self.linted: dict[str, Linted] = {}  # what is shown: the last full or quick lint
        self.full: dict[str, Linted] = {}  # the last full lint: what quick lints start from

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            from testlint.registry import load_registry

            self._registry = load_registry()
        return self._registry

    def forget_engines(self) -> None:
        """Drop cached engines: conftests, helpers or the code under test may have changed."""
        self._engines.clear()

    def engine_for(self, path: Path) -> tuple[Engine, Discovery]:
        """The engine and discovery the CLI would use for this file; raises ConfigError."""
        from testlint.config import load_config
        from testlint.discovery import Discovery
        from testlint.engine import make_engine
        from testlint.pytest_config import find_pytest_config

        pytest_config = find_pytest_config([path.parent])
        config = load_config(path.parent, self.registry)
        key = (repr(config), repr(pytest_config))
        cached = self._engines.get(key)
        if cached is None:
            engine = make_engine([path.parent], config=config, pytest_config=pytest_config,
                                 registry=self.registry)
            cached = (engine, Discovery(config=config, pytest=pytest_config,
                                        only_test_files=True))
            self._engines[key] = cached
        return cached

    def lint(self, uri: str, path: Path, text: str, version: int | None,
             encoding: str, checkpoint: Callable[[], None] | None = None) -> Linted:
        """Lint the editor's text of the file at `path`; no entries if it is not a test file.
        Raises ConfigError (or UnknownRuleError) when the configuration is broken, and what
        `checkpoint` raises (called between rules) to stop the lint."""
        from testlint.engine import TL000, unreadable_finding
        from testlint.source import MAX_FILE_BYTES, UnreadableSource, parse_text

        lines = Lines(text, encoding)
        linted = Linted(uri=uri, version=version, path=path, lines=lines, entries=[])
        engine, discovery = self.engine_for(path)
        if not is_collected(path, discovery):
            self.linted[uri] = linted
            return linted
        linted.engine = engine
        display = _display(path, engine)
        try:
            if len(text) > MAX_FILE_BYTES:
                raise UnreadableSource(f"file is too large ({len(text):,} characters; "
                                       f"limit {MAX_FILE_BYTES:,})")
            source = parse_text(display, text)
        except UnreadableSource as error:
            findings = [] if engine.ignored_at(TL000, path) else [
                unreadable_finding(display, error)]
        else:
            linted.source = source
            with checkpointed(engine, checkpoint):
                findings = engine.lint_source(source, path)
        def_lines: dict[str, tuple[int, int]] | None = None
        for finding in findings:
            if finding.path == display:
                entry = Entry(finding, _diagnostic(finding, lines, self.registry), finding.line)
            else:  # a stored snapshot's entry: shown (and suppressed) on its test's `def` line
                if def_lines is None:
                    from testlint.integrations.flake8 import _test_def_lines

                    def_lines = ({} if linted.source is None
                                 else _test_def_lines(linted.source.tree))
                where = def_lines.get(finding.test or "", (1, 0) if finding.code == TL000
                                      else None)
                if where is None:
                    continue
                line, col = where
                message = f"in {finding.path}:{finding.line}: {finding.message}"
                diagnostic = _diagnostic(finding, lines, self.registry, message=message,
                                         where=(line, col + 1, line, len(lines.line(line)) + 1))
                entry = Entry(finding, diagnostic, line)
            linted.entries.append(entry)
        self.linted[uri] = linted  # only a lint that ran to its end is kept
        self.full[uri] = linted
        return linted

    def quick_lint(self, uri: str, path: Path, text: str, version: int | None,
                   encoding: str, checkpoint: Callable[[], None] | None = None) -> Linted | None:
        """The findings of the new text when every change since the last full lint is inside
        one test: that test linted alone, the rest moved from the last full lint (see
        lsp_incremental). None when there is no such quick answer."""
        from testlint.integrations.lsp_incremental import find_edit, reduced_text
        from testlint.source import UnreadableSource, parse_text

        base = self.full.get(uri)
        if (base is None or base.engine is None or base.source is None or base.path != path
                or base.lines.encoding != encoding):
            return None
        engine = base.engine
        lines = Lines(text, encoding)
        rules = engine.project.collection_rules
        old, new = list(base.lines.lines), list(lines.lines)
        edit = find_edit(old, base.source.tree, new, rules)
        if edit is None:
            return None
        display = _display(path, engine)
        try:
            source = parse_text(display, reduced_text(new, base.source.tree, edit, rules))
        except UnreadableSource:
            return None  # the edited test does not parse (yet): the full lint says so
        with checkpointed(engine, checkpoint):
            findings = engine.lint_source(source, path)
        linted = Linted(uri=uri, version=version, path=path, lines=lines, entries=[],
                        engine=engine, provisional=True)
        for entry in base.entries:
            if entry.finding.path != display:  # a snapshot's, on its test's unchanged `def`
                line = entry.noqa_line if entry.noqa_line < edit.first_changed else (
                    edit.moved(entry.noqa_line))
                if line is not None:
                    linted.entries.append(_moved_entry(entry, line - entry.noqa_line))
                continue
            start = edit.moved(entry.finding.line)
            end = edit.moved(entry.finding.end_line)
            if start is not None and end is not None:
                linted.entries.append(_moved_entry(entry, start - entry.finding.line))
        for finding in findings:
            if finding.path == display and edit.new_start <= finding.line <= edit.new_end:
                linted.entries.append(
                    Entry(finding, _diagnostic(finding, lines, self.registry), finding.line))
        linted.entries.sort(key=lambda e: (e.diagnostic.range.start.line,
                                           e.diagnostic.range.start.character,
                                           str(e.diagnostic.code)))
        self.linted[uri] = linted
        return linted


def _moved_entry(entry: Entry, delta: int) -> Entry:
    """An entry of the last full lint, `delta` lines down (its fix left out: positions of a
    fix are not moved, and a provisional result offers no code actions)."""
    if delta == 0:
        return entry
    from dataclasses import replace

    old = entry.diagnostic.range
    moved = types.Range(
        start=types.Position(line=old.start.line + delta, character=old.start.character),
        end=types.Position(line=old.end.line + delta, character=old.end.character))
    diagnostic = types.Diagnostic(
        range=moved, message=entry.diagnostic.message, severity=entry.diagnostic.severity,
        code=entry.diagnostic.code, code_description=entry.diagnostic.code_description,
        source=entry.diagnostic.source)
    finding = replace(entry.finding, line=entry.finding.line + delta,
                      end_line=entry.finding.end_line + delta, fix=None)
    return Entry(finding, diagnostic, entry.noqa_line + delta)


@contextlib.contextmanager
def checkpointed(engine: Engine, checkpoint: Callable[[], None] | None) -> Iterator[None]:
    """Run the engine with `checkpoint` called between its rules."""
    engine.checkpoint = checkpoint
    try:
        yield
    finally:
        engine.checkpoint = None


def is_collected(path: Path, discovery: Discovery) -> bool:
    """Whether the CLI would lint this file walking its project: a test file by pytest's
    `python_files`, not excluded, not ignored by an ignore file (.gitignore, .ignore), in no
    directory pytest or testlint skips."""
    if not discovery.is_test_file(path) or discovery.is_excluded(path):
        return False
    resolved = path.resolve()
    if discovery.config.respect_gitignore:
        from testlint.ignore_files import IgnoreFiles

        # read afresh each time: an edited .gitignore counts at once
        if IgnoreFiles().is_ignored(str(resolved), is_dir=False):
            return False
    root = discovery.pytest.rootdir.resolve()
    if root not in resolved.parents:
        root = discovery.config.root.resolve()
    for directory in resolved.parents:
        if directory == root or root not in directory.parents:
            break
        if discovery.skip_dir(directory):
            return False
    return True


def _display(path: Path, engine: Engine) -> str:
    """The path as findings name it: relative to pytest's rootdir when below it."""
    try:
        return path.resolve().relative_to(engine.project.rootdir.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _help_uri(code: str, registry: Registry) -> str:
    from testlint.catalogue import help_uri
    from testlint.report.sarif import INFORMATION_URI

    rule = registry.rules.get(code)
    return INFORMATION_URI if rule is None else help_uri(rule)


def _diagnostic(finding: Finding, lines: Lines, registry: Registry, *, message: str | None = None,
                where: tuple[int, int, int, int] | None = None) -> types.Diagnostic:
    from testlint.report import level_of

    line, col, end_line, end_col = where or (finding.line, finding.col, finding.end_line,
                                             finding.end_col)
    return types.Diagnostic(
        range=lines.edit_range(line, col, end_line, end_col),
        message=message or finding.message,
        severity=types.DiagnosticSeverity.Error
        if level_of(finding.code, registry) == "error" else types.DiagnosticSeverity.Warning,
        code=finding.code,
        code_description=types.CodeDescription(href=_help_uri(finding.code, registry)),
        source=SOURCE,
    )


# ---- code actions ---------------------------------------------------------------------------


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _same(a: types.Diagnostic, b: types.Diagnostic) -> bool:
    return a.code == b.code and a.range == b.range and a.source == b.source


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a code action kind is asked for (`only` lists kinds or their prefixes)."""
    if only is None:
        return True
    return any(kind == prefix or kind.startswith(prefix + ".") for prefix in only)


def noqa_edit(line_text: str, lineno: int, code: str, lines: Lines) -> types.TextEdit | None:
    """The edit that makes line `lineno` suppress `code`: extend its `# noqa: ...` list, or
    append `  # noqa: CODE`. None when the line already suppresses it."""
    from testlint.noqa import noqa_insertion

    insertion = noqa_insertion(line_text, code)
    if insertion is None:
        return None
    at, insert = insertion
    position = lines.position(lineno, at)
    return types.TextEdit(range=types.Range(start=position, end=position), new_text=insert)


def _comment_fits(source: SourceFile | None, lineno: int, line_text: str) -> bool:
    """Whether a comment can go at the end of this line (see testlint.noqa.comment_fits)."""
    from testlint.noqa import comment_fits

    return source is not None and comment_fits(source, lineno)


def _fix_edits(fix_edits: Sequence[Edit], lines: Lines) -> list[types.TextEdit]:
    from testlint.fix import newline_of

    newline = newline_of(lines.text)
    return [
        types.TextEdit(
            range=lines.edit_range(e.line, e.col, e.end_line, e.end_col),
            new_text=e.replacement.replace("\n", newline) if newline != "\n" else e.replacement,
        )
        for e in fix_edits
    ]


def _fix_all_edits(linted: Linted) -> list[types.TextEdit]:
    """What applying every safe fix (to a fixed point, as `check --fix` does) changes: one
    edit per changed block of lines."""
    import difflib

    from testlint.fix import fix_source

    if linted.engine is None or linted.source is None:
        return []
    result = fix_source(linted.engine, linted.source, linted.path)
    if result.error or not result.changed:
        return []
    old = _PHYSICAL_LINE.findall(result.before)
    new = _PHYSICAL_LINE.findall(result.after)
    starts = [0]
    for line in old:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(types.TextEdit(
            range=types.Range(start=linted.lines.offset_position(starts[i1]),
                              end=linted.lines.offset_position(starts[i2])),
            new_text="".join(new[j1:j2]),
        ))
    return edits


def code_actions(linted: Linted, params: types.CodeActionParams,
                 versioned: bool) -> list[types.CodeAction]:
    only = params.context.only
    only_kinds = None if only is None else [str(getattr(k, "value", k)) for k in only]
    asked = params.context.diagnostics

    def workspace_edit(edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        if versioned:
            document = types.OptionalVersionedTextDocumentIdentifier(uri=linted.uri,
                                                                     version=linted.version)
            return types.WorkspaceEdit(document_changes=[
                types.TextDocumentEdit(text_document=document, edits=list(edits))])
        return types.WorkspaceEdit(changes={linted.uri: edits})

    actions: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix.value, only_kinds):
        entries = [e for e in linted.entries
                   if _overlaps(e.diagnostic.range, params.range)
                   or any(_same(e.diagnostic, d) for d in asked)]
        fixes: list[types.CodeAction] = []
        silencers: list[types.CodeAction] = []
        silenced: set[tuple[int, str]] = set()
        for entry in entries:
            finding = entry.finding
            fix = finding.fix
            if fix is not None and fix.safe and fix.edits and entry.noqa_line == finding.line:
                fixes.append(types.CodeAction(
                    title=f"Fix {finding.code}: {fix.description}",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[entry.diagnostic],
                    edit=workspace_edit(_fix_edits(fix.edits, linted.lines)),
                    is_preferred=True,
                ))
            key = (entry.noqa_line, finding.code)
            if key in silenced:
                continue
            silenced.add(key)
            line_text = linted.lines.line(entry.noqa_line)
            if not _comment_fits(linted.source, entry.noqa_line, line_text):
                continue
            edit = noqa_edit(line_text, entry.noqa_line, finding.code, linted.lines)
            if edit is not None:
                silencers.append(types.CodeAction(
                    title=f"Disable {finding.code} for this line",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[entry.diagnostic],
                    edit=workspace_edit([edit]),
                ))
        actions.extend(fixes + silencers)
    has_fix = any(e.finding.fix is not None and e.finding.fix.safe and e.finding.fix.edits
                  for e in linted.entries)
    if has_fix and _wanted(FIX_ALL_KIND, only_kinds):
        all_edits = _fix_all_edits(linted)
        if all_edits:
            actions.append(types.CodeAction(
                title="Fix all testlint findings with safe fixes",
                kind=FIX_ALL_KIND,
                edit=workspace_edit(all_edits),
            ))
    return actions


# ---- the server -----------------------------------------------------------------------------

DEBOUNCE = 0.075  # seconds without a change before a changed document is linted
FULL_DELAY = 0.75  # after a quick lint of the edited test, seconds more before the full lint
LINT_BUDGET = 10.0  # seconds one lint or code action may take (initializationOptions:
# {"lintTimeBudget": seconds}); checked between rules


class Stopped(LintStopped):
    """A lint stopped at a checkpoint: superseded by a newer text, or over its time budget."""

    def __init__(self, over_budget: bool) -> None:
        super().__init__("over its time budget" if over_budget else "superseded")
        self.over_budget = over_budget


class Job:
    """One lint's cancellation and deadline; `checkpoint` raises Stopped when either is hit."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.deadline = time.monotonic() + budget
        self.cancelled = threading.Event()

    def checkpoint(self) -> None:
        if self.cancelled.is_set():
            raise Stopped(over_budget=False)
        if time.monotonic() >= self.deadline:
            raise Stopped(over_budget=True)


class Worker:
    """One daemon thread that runs every lint and code action in the order submitted: the
    session's engines are used from this thread only, and the event loop stays free to read
    messages (a newer change, a cancellation, `exit`) while a lint runs."""

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = (
            queue.SimpleQueue())
        self._thread: threading.Thread | None = None

    def submit(self, work: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._tasks.put((work, future))
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="testlint-lint", daemon=True)
            self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            work, future = self._tasks.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except Exception as exc:  # handed to whoever awaits the result
                future.set_exception(exc)


def make_server() -> tuple[LanguageServer, Session]:
    from testlint.config import ConfigError
    from testlint.registry import UnknownRuleError

    server = LanguageServer(SOURCE, __version__,
                            text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
    state = Session()
    worker = Worker()
    budget = [LINT_BUDGET]
    timers: dict[str, asyncio.TimerHandle] = {}  # debounced lints not started yet
    # by uri: (version, job, task, whether it is a full lint rather than a quick one)
    inflight: dict[str, tuple[int | None, Job, asyncio.Task[None], bool]] = {}

    def encoding() -> str:
        kind = server.workspace.position_encoding
        return str(getattr(kind, "value", kind or types.PositionEncodingKind.Utf16.value))

    def publish(uri: str, diagnostics: list[types.Diagnostic], version: int | None) -> None:
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version))

    def tell(message: str, kind: types.MessageType) -> None:
        if message in state.shown:
            return
        state.shown.add(message)
        server.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def is_current(uri: str, version: int | None) -> bool:
        document = server.workspace.text_documents.get(uri)
        return document is not None and document.version == version

    async def lint_job(uri: str, path: Path, text: str, version: int | None,
                       job: Job) -> None:
        """Lint one version of a document on the worker; publish unless it went stale."""
        position_encoding = encoding()
        try:
            linted = await asyncio.wrap_future(worker.submit(
                lambda: state.lint(uri, path, text, version, position_encoding,
                                   job.checkpoint)))
        except Stopped as stop:
            if stop.over_budget and is_current(uri, version):
                tell(f"testlint: stopped linting {path} after {job.budget:g} s, the time "
                     "budget of one lint; its findings are not shown", types.MessageType.Warning)
                publish(uri, [], version)
            return
        except (ConfigError, UnknownRuleError) as exc:
            state.linted.pop(uri, None)
            state.full.pop(uri, None)
            tell(f"testlint: {exc}", types.MessageType.Error)
            publish(uri, [], version)
            return
        except Exception as exc:  # never take the editor's server down over one file
            logger.error("testlint failed on %s", uri, exc_info=exc)
            tell(f"testlint: internal error on {path} ({type(exc).__name__}: {exc}); "
                 "please report it", types.MessageType.Error)
            return
        finally:
            if uri in inflight and inflight[uri][1] is job:
                del inflight[uri]
        if is_current(uri, version):  # else a newer text is on its way: this lint is stale
            publish(uri, [entry.diagnostic for entry in linted.entries], version)

    def lint_now(uri: str) -> asyncio.Task[None] | None:
        """Start linting the document's current text, unless that is already under way;
        a lint of an older text is stopped at its next checkpoint."""
        timer = timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        document = server.workspace.text_documents.get(uri)
        if document is None or not uri.startswith("file:") or not document.path.endswith(".py"):
            return None
        running = inflight.get(uri)
        if running is not None:
            version, job, task, full = running
            if version == document.version and full and not job.cancelled.is_set():
                return task
            job.cancelled.set()
        job = Job(budget[0])
        task = asyncio.ensure_future(lint_job(uri, Path(document.path), document.source,
                                              document.version, job))
        inflight[uri] = (document.version, job, task, True)
        return task

    async def quick_job(uri: str, path: Path, text: str, version: int | None,
                        job: Job) -> None:
        """Lint only the edited test (Session.quick_lint) and publish that at once; the full
        lint follows after FULL_DELAY more without a change, or now when there is no quick
        answer."""
        position_encoding = encoding()
        try:
            linted = await asyncio.wrap_future(worker.submit(
                lambda: state.quick_lint(uri, path, text, version, position_encoding,
                                         job.checkpoint)))
        except Stopped:
            return
        except Exception as exc:  # the full lint will say what is wrong, if anything
            logger.info("testlint: no quick lint of %s", uri, exc_info=exc)
            linted = None
        finally:
            if uri in inflight and inflight[uri][1] is job:
                del inflight[uri]
        if not is_current(uri, version):
            return  # a newer text is on its way
        if linted is None:
            lint_now(uri)
            return
        publish(uri, [entry.diagnostic for entry in linted.entries], version)
        timers[uri] = asyncio.get_running_loop().call_later(FULL_DELAY, lint_now, uri)

    def quick_now(uri: str) -> None:
        """The typing paused: a quick lint of the edited test when a full lint of an earlier
        text is there to start from, else the full lint."""
        timers.pop(uri, None)
        document = server.workspace.text_documents.get(uri)
        if (document is None or uri not in state.full or not uri.startswith("file:")
                or not document.path.endswith(".py")):
            lint_now(uri)
            return
        running = inflight.pop(uri, None)
        if running is not None:
            running[1].cancelled.set()
        job = Job(budget[0])
        task = asyncio.ensure_future(quick_job(uri, Path(document.path), document.source,
                                               document.version, job))
        inflight[uri] = (document.version, job, task, False)

    def lint_soon(uri: str) -> None:
        """Lint once the typing pauses: every change restarts the wait, and a lint of an
        older text is stopped (what it would show is already out of date)."""
        timer = timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        running = inflight.get(uri)
        if running is not None:
            running[1].cancelled.set()
        timers[uri] = asyncio.get_running_loop().call_later(DEBOUNCE, quick_now, uri)

    @server.feature(types.INITIALIZE)
    def on_initialize(params: types.InitializeParams) -> None:
        options = params.initialization_options
        value = options.get("lintTimeBudget") if isinstance(options, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            budget[0] = float(value)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        lint_now(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        lint_soon(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        # a saved conftest, helper, config or module under test can change every open
        # test file's findings: start from fresh engines (on the worker, before the lints
        # submitted after it) and lint them all again
        worker.submit(state.forget_engines)
        for uri, (_, job, _, _) in list(inflight.items()):
            job.cancelled.set()
            del inflight[uri]
        for document in list(server.workspace.text_documents.values()):
            lint_now(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        timer = timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        running = inflight.pop(uri, None)
        if running is not None:
            running[1].cancelled.set()
        state.linted.pop(uri, None)
        state.full.pop(uri, None)
        publish(uri, [], None)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                   FIX_ALL_KIND]),
    )
    async def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        document = server.workspace.text_documents.get(uri)
        if document is None:
            return None
        version = document.version
        linted = state.linted.get(uri)
        if linted is None or linted.version != version or linted.provisional:
            task = lint_now(uri)  # code actions are computed from a full lint only
            if task is not None:
                await asyncio.shield(task)
            linted = state.linted.get(uri)
        if (linted is None or linted.version != version or linted.provisional
                or not is_current(uri, version)):
            return None
        capabilities = server.client_capabilities.workspace
        edit_caps = capabilities.workspace_edit if capabilities else None
        versioned = bool(edit_caps and edit_caps.document_changes)
        job = Job(budget[0])
        shown = linted

        def work() -> list[types.CodeAction]:
            if shown.engine is None:
                return code_actions(shown, params, versioned)
            with checkpointed(shown.engine, job.checkpoint):
                return code_actions(shown, params, versioned)

        try:
            return await asyncio.wrap_future(worker.submit(work)) or None
        except asyncio.CancelledError:  # the client cancelled the request
            job.cancelled.set()
            raise
        except Stopped:
            return None
        except Exception as exc:
            logger.error("testlint code actions failed on %s", uri, exc_info=exc)
            return None

    return server, state


# ---- the transport --------------------------------------------------------------------------


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


async def _serve_stream(server: LanguageServer, stdin: int, stdout: IO[bytes]) -> None:
    """Read framed messages on a thread and handle each on the event loop, in order, until
    the input ends (or `exit` raises SystemExit). pygls' own reader is not used: see
    lsp_frames for what it does with a malformed frame."""
    from pygls.exceptions import JsonRpcException
    from pygls.io_ import StdoutWriter

    from testlint.integrations.lsp_frames import FdStream, FrameReader

    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()
    writer = StdoutWriter(stdout)  # type: ignore[arg-type]
    server.protocol.set_writer(writer)
    protocol = server.protocol

    def error(msg_id: Any, code: int, message: str) -> None:
        if not isinstance(msg_id, int | str) or isinstance(msg_id, bool):
            msg_id = None
        writer.write(_frame({"jsonrpc": "2.0", "id": msg_id,
                             "error": {"code": code, "message": message}}))

    def fault(what: str) -> None:
        logger.warning("testlint lsp: bad framing from the client: %s", what)

    def dispatch(body: bytes) -> None:
        try:
            raw = json.loads(body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            error(None, -32700, "Parse error: the message body is not JSON")
            return
        if not isinstance(raw, dict):
            error(None, -32600, "Invalid Request: a message is a JSON object")
            return
        try:
            message = protocol.structure_message(raw)
        except JsonRpcException as exc:
            if "id" in raw and "method" in raw:  # a request: it gets an answer
                cause = f": {exc.__cause__}".splitlines()[0] if exc.__cause__ else ""
                error(raw["id"], exc.code, f"{exc.message}{cause}")
            return
        except RecursionError:
            error(raw.get("id"), -32600, "Invalid Request: too deeply nested")
            return
        try:
            protocol.handle_message(message)
        except Exception as exc:
            logger.error("testlint lsp: could not handle a message", exc_info=exc)

    def finish() -> None:
        if not ended.done():
            ended.set_result(None)

    def read() -> None:
        def report(what: str) -> None:
            loop.call_soon_threadsafe(fault, what)

        reader = FrameReader(FdStream(stdin), report)
        try:
            while (body := reader.next_body()) is not None:
                loop.call_soon_threadsafe(dispatch, body)
        except (OSError, ValueError):
            pass  # the input was closed under us: the end of the session
        finally:
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                loop.call_soon_threadsafe(finish)

    threading.Thread(target=read, name="testlint-lsp-reader", daemon=True).start()
    await ended


def serve() -> int:
    """Run the server over stdin/stdout until the client says exit; the LSP exit code (0
    after `shutdown` then `exit`, 1 when the input ends or `exit` comes without `shutdown`)."""
    stdin, stdout = sys.stdin.fileno(), sys.stdout.buffer
    # stdout carries the protocol: anything printed by accident goes to stderr instead
    sys.stdout = sys.stderr
    server, _ = make_server()
    shut_down: list[bool] = []

    @server.feature(types.SHUTDOWN)
    def on_shutdown(params: None) -> None:
        shut_down.append(True)

    try:
        asyncio.run(_serve_stream(server, stdin, stdout))
    except SystemExit as exc:  # `exit`: pygls raises it with the code LSP asks for
        return exc.code if isinstance(exc.code, int) else 1
    except BrokenPipeError:
        return 1
    return 0 if shut_down else 1
