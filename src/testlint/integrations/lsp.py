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
"""

from __future__ import annotations

import ast
import logging
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from testlint import __version__
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


class Session:
    """The part of the server that knows testlint: configuration, engines, findings, edits.
    Free of pygls's server object so that it stays easy to follow (and to test)."""

    def __init__(self) -> None:
        self._registry: Registry | None = None
        self._engines: dict[tuple[str, str], tuple[Engine, Discovery]] = {}
        self.shown: set[str] = set()  # configuration problems already told to the user
        self.linted: dict[str, Linted] = {}

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
             encoding: str) -> Linted:
        """Lint the editor's text of the file at `path`; no entries if it is not a test file.
        Raises ConfigError (or UnknownRuleError) when the configuration is broken."""
        from testlint.engine import TL000, unreadable_finding
        from testlint.source import MAX_FILE_BYTES, UnreadableSource, parse_text

        lines = Lines(text, encoding)
        linted = Linted(uri=uri, version=version, path=path, lines=lines, entries=[])
        self.linted[uri] = linted
        engine, discovery = self.engine_for(path)
        if not is_collected(path, discovery):
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
        return linted


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
    from testlint.engine import TL000

    line, col, end_line, end_col = where or (finding.line, finding.col, finding.end_line,
                                             finding.end_col)
    return types.Diagnostic(
        range=lines.edit_range(line, col, end_line, end_col),
        message=message or finding.message,
        severity=types.DiagnosticSeverity.Error if finding.code == TL000
        else types.DiagnosticSeverity.Warning,
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
    from testlint.engine import NOQA, noqa_codes

    codes = noqa_codes(line_text)
    if codes is not None and (not codes or any(code.startswith(c) for c in codes)):
        return None
    match = NOQA.search(line_text) if codes is not None else None
    if match is not None and match.group("codes"):
        at, insert = match.end("codes"), f", {code}"
    else:
        stripped = line_text.rstrip()
        at, insert = len(stripped), f"  # noqa: {code}"
    position = lines.position(lineno, at)
    return types.TextEdit(range=types.Range(start=position, end=position), new_text=insert)


def _comment_fits(source: SourceFile | None, lineno: int, line_text: str) -> bool:
    """Whether a comment can go at the end of this line: not inside a multi-line string, not
    after a backslash continuation."""
    if source is None or line_text.rstrip().endswith("\\"):
        return False
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Constant | ast.JoinedStr):
            end = node.end_lineno or node.lineno
            if node.lineno <= lineno < end:
                return False
    return True


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


def make_server() -> tuple[LanguageServer, Session]:
    from testlint.config import ConfigError
    from testlint.registry import UnknownRuleError

    server = LanguageServer(SOURCE, __version__,
                            text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
    state = Session()

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

    def lint_and_publish(uri: str) -> None:
        document = server.workspace.get_text_document(uri)
        if not uri.startswith("file:") or not document.path.endswith(".py"):
            return
        try:
            linted = state.lint(uri, Path(document.path), document.source, document.version,
                                encoding())
        except (ConfigError, UnknownRuleError) as exc:
            state.linted.pop(uri, None)
            tell(f"testlint: {exc}", types.MessageType.Error)
            publish(uri, [], document.version)
            return
        except Exception as exc:  # never take the editor's server down over one file
            logger.exception("testlint failed on %s", uri)
            tell(f"testlint: internal error on {document.path} ({type(exc).__name__}: {exc}); "
                 "please report it", types.MessageType.Error)
            return
        publish(uri, [entry.diagnostic for entry in linted.entries], document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        lint_and_publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        lint_and_publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        # a saved conftest, helper, config or module under test can change every open
        # test file's findings: start from fresh engines and lint them all again
        state.forget_engines()
        for document in list(server.workspace.text_documents.values()):
            lint_and_publish(document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        state.linted.pop(params.text_document.uri, None)
        publish(params.text_document.uri, [], None)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix,
                                                   FIX_ALL_KIND]),
    )
    def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        linted = state.linted.get(uri)
        document = server.workspace.text_documents.get(uri)
        if document is None:
            return None
        if linted is None or linted.version != document.version:
            lint_and_publish(uri)
            linted = state.linted.get(uri)
        if linted is None:
            return None
        capabilities = server.client_capabilities.workspace
        edit_caps = capabilities.workspace_edit if capabilities else None
        versioned = bool(edit_caps and edit_caps.document_changes)
        try:
            return code_actions(linted, params, versioned) or None
        except Exception:
            logger.exception("testlint code actions failed on %s", uri)
            return None

    return server, state


def serve() -> int:
    """Run the server over stdin/stdout until the client says exit; the LSP exit code."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    # stdout carries the protocol: anything printed by accident goes to stderr instead
    sys.stdout = sys.stderr
    server, _ = make_server()
    shut_down: list[bool] = []

    @server.feature(types.SHUTDOWN)
    def on_shutdown(params: None) -> None:
        shut_down.append(True)

    server.start_io(stdin, stdout)
    return 0 if shut_down else 1
