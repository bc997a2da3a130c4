"""The language server (`testlint lsp`) driven as an editor drives it: a subprocess speaking
JSON-RPC over stdio with Content-Length framing, through a small client written here."""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

import testlint
from tests.helpers import write_files

SRC = str(Path(testlint.__file__).resolve().parents[1])
TIMEOUT = 30.0
HREF = "https://testlint.readthedocs.io/en/latest/rules/"


class LspClient:
    """Just enough of an LSP client: framed messages, requests matched to responses by id,
    notifications kept in arrival order; every read has a timeout."""

    def __init__(self, cwd: Path, log: Path) -> None:
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "testlint", "lsp"],
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": SRC},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._next_id = 0
        self.notifications: list[dict[str, Any]] = []
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        try:
            while True:
                headers: dict[str, str] = {}
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = stream.read(int(headers["content-length"]))
                self._messages.put(json.loads(body.decode("utf-8")))
        finally:
            self._messages.put(None)

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(frame(message))

    def send_bytes(self, data: bytes) -> None:
        """Bytes as they are, framed or not (a client that gets the framing wrong)."""
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def _next(self) -> dict[str, Any]:
        message = self._messages.get(timeout=TIMEOUT)
        if message is None:
            raise AssertionError("the server closed its output")
        return message

    def request(self, method: str, params: Any) -> Any:
        answer = self.answer(method, params)
        assert "error" not in answer, answer
        return answer["result"]

    def answer(self, method: str, params: Any) -> dict[str, Any]:
        """The whole response to a request: its result or its error."""
        self._next_id += 1
        wanted = self._next_id
        self.send({"id": wanted, "method": method, "params": params})
        while True:
            message = self._next()
            if message.get("id") == wanted and "method" not in message:
                return message
            self._keep(message)

    def _keep(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:  # a request from the server
            self.send({"id": message["id"], "result": None})
        else:
            self.notifications.append(message)

    def next_notification(self, method: str) -> dict[str, Any]:
        """The first notification of `method` not yet taken (waiting for it if need be)."""
        while True:
            for message in self.notifications:
                if message["method"] == method:
                    self.notifications.remove(message)
                    return message["params"]  # type: ignore[no-any-return]
            self._keep(self._next())

    def diagnostics(self) -> list[dict[str, Any]]:
        return self.next_notification("textDocument/publishDiagnostics")["diagnostics"]  # type: ignore[no-any-return]

    def initialize(self, root: Path, capabilities: dict[str, Any] | None = None,
                   options: dict[str, Any] | None = None) -> Any:
        result = self.request("initialize", {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": capabilities if capabilities is not None else {
                "workspace": {"workspaceEdit": {"documentChanges": True}},
            },
            **({"initializationOptions": options} if options is not None else {}),
        })
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": path.as_uri(), "languageId": "python", "version": 1, "text": text}})

    def change(self, path: Path, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": path.as_uri(), "version": version},
            "contentChanges": [{"text": text}]})

    def code_actions(self, path: Path, range_: dict[str, Any],
                     diagnostics: list[dict[str, Any]], only: list[str] | None = None) -> Any:
        context: dict[str, Any] = {"diagnostics": diagnostics}
        if only is not None:
            context["only"] = only
        return self.request("textDocument/codeAction", {
            "textDocument": {"uri": path.as_uri()}, "range": range_, "context": context})

    def shutdown(self) -> int:
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        return self.process.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._log.close()


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    return f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body


@pytest.fixture
def lsp(tmp_path: Path) -> Iterator[LspClient]:
    (tmp_path / "project").mkdir()
    client = LspClient(tmp_path / "project", tmp_path / "server-stderr.log")
    try:
        yield client
    finally:
        client.kill()


def project(tmp_path: Path, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "project"
    write_files(root, {"pytest.ini": "[pytest]\ntestpaths = tests\n", **(files or {})})
    return root


def rng(line: int, start: int, end_line: int, end: int) -> dict[str, Any]:
    return {"start": {"line": line, "character": start},
            "end": {"line": end_line, "character": end}}


def diagnostic(range_: dict[str, Any], code: str, message: str,
               severity: int = 2) -> dict[str, Any]:
    href = "https://testlint.readthedocs.io/" if code == "TL000" else f"{HREF}{code}/"
    return {"range": range_, "message": message, "severity": severity, "code": code,
            "codeDescription": {"href": href}, "source": "testlint"}


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP text edits (ASCII text: characters are code units) as an editor would."""
    lines = text.splitlines(keepends=True)

    def offset(position: dict[str, int]) -> int:
        return sum(len(line) for line in lines[: position["line"]]) + position["character"]

    for edit in sorted(edits, key=lambda e: offset(e["range"]["start"]), reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


RAISES = """\
import pytest


def test_negative_total_is_rejected():
    with pytest.raises(ValueError):
        total(-1)


def test_label_of_an_emoji_file():
    with open("😀.txt") as f, pytest.raises(ValueError):
        label(f)
"""
RAISES_MESSAGE = ("pytest.raises(ValueError) without match= passes for any ValueError, even one "
                  'from another bug; add match="..." for the expected message')


@pytest.mark.parametrize(
    ("encodings", "emoji_start", "emoji_end"),
    [
        (None, 30, 55),  # UTF-16, the default: 😀 is two code units
        (["utf-32"], 29, 54),  # code points
        (["utf-8"], 32, 57),  # bytes: 😀 is four
    ],
)
def test_a_bad_test_gets_diagnostics_in_the_negotiated_encoding_until_it_is_fixed(
    lsp: LspClient, tmp_path: Path, encodings: list[str] | None, emoji_start: int,
    emoji_end: int,
) -> None:
    root = project(tmp_path)
    capabilities = {} if encodings is None else {"general": {"positionEncodings": encodings}}
    result = lsp.initialize(root, capabilities)
    assert result["capabilities"]["positionEncoding"] == (encodings or ["utf-16"])[0]
    assert result["serverInfo"] == {"name": "testlint", "version": testlint.__version__}
    path = root / "tests" / "test_cart.py"

    lsp.open(path, RAISES)

    assert lsp.diagnostics() == [
        diagnostic(rng(4, 9, 4, 34), "TL104", RAISES_MESSAGE),
        diagnostic(rng(9, emoji_start, 9, emoji_end), "TL104", RAISES_MESSAGE),
    ]
    fixed = RAISES.replace("(ValueError)", '(ValueError, match="negative")')
    lsp.change(path, fixed, version=2)
    assert lsp.diagnostics() == []
    assert lsp.shutdown() == 0


MARKERS = """\
import pytest


@pytest.mark.parametrise("n", [1, 2])
def test_double(n):
    assert double(n) == 2 * n


@pytest.mark.xfial  # noqa: E501
def test_half():
    assert half(4) == 2
"""
PARAMETRISE = ("unknown marker 'parametrise' is a misspelling of 'parametrize': pytest refuses "
               "to collect the module; rename it to 'parametrize'")
XFIAL = ("unknown marker 'xfial' is a misspelling of 'xfail': pytest ignores it, so the test "
         "is not treated as an expected failure; rename it to 'xfail'")


def test_code_actions_fix_a_finding_or_silence_it_on_its_line(
    lsp: LspClient, tmp_path: Path
) -> None:
    root = project(tmp_path)
    lsp.initialize(root)
    path = root / "tests" / "test_markers.py"
    uri = path.as_uri()
    lsp.open(path, MARKERS)
    first, second = lsp.diagnostics()
    assert first == diagnostic(rng(3, 13, 3, 24), "TL502", PARAMETRISE)
    assert second == diagnostic(rng(8, 13, 8, 18), "TL502", XFIAL)

    def edit(*edits: dict[str, Any], version: int = 1) -> dict[str, Any]:
        return {"documentChanges": [{"textDocument": {"uri": uri, "version": version},
                                     "edits": list(edits)}]}

    # a cursor inside the first finding, with the client's diagnostics at the cursor
    actions = lsp.code_actions(path, rng(3, 15, 3, 15), [first], only=["quickfix"])
    assert actions == [
        {"title": "Fix TL502: rename marker 'parametrise' to 'parametrize'", "kind": "quickfix",
         "diagnostics": [first], "isPreferred": True,
         "edit": edit({"range": rng(3, 13, 3, 24), "newText": "parametrize"})},
        {"title": "Disable TL502 for this line", "kind": "quickfix", "diagnostics": [first],
         "edit": edit({"range": rng(3, 37, 3, 37), "newText": "  # noqa: TL502"})},
    ]
    # an existing noqa list is extended, not doubled
    actions = lsp.code_actions(path, second["range"], [second], only=["quickfix"])
    assert [a["title"] for a in actions] == ["Fix TL502: rename marker 'xfial' to 'xfail'",
                                             "Disable TL502 for this line"]
    noqa = actions[1]["edit"]["documentChanges"][0]["edits"]
    assert noqa == [{"range": rng(8, 32, 8, 32), "newText": ", TL502"}]
    silenced = apply(MARKERS, noqa)
    assert silenced.splitlines()[8] == "@pytest.mark.xfial  # noqa: E501, TL502"
    lsp.change(path, silenced, version=2)
    assert lsp.diagnostics() == [first]

    # fix all: every safe fix of what is shown (a silenced finding is left alone), one edit
    # per changed block of lines
    actions = lsp.code_actions(path, rng(0, 0, 0, 0), [], only=["source.fixAll"])
    assert actions == [{
        "title": "Fix all testlint findings with safe fixes",
        "kind": "source.fixAll.testlint",
        "edit": edit({"range": rng(3, 0, 4, 0),
                      "newText": '@pytest.mark.parametrize("n", [1, 2])\n'}, version=2),
    }]
    lsp.change(path, apply(silenced, actions[0]["edit"]["documentChanges"][0]["edits"]), 3)
    assert lsp.diagnostics() == []
    assert lsp.code_actions(path, rng(3, 15, 3, 15), []) is None
    assert lsp.shutdown() == 0


def test_without_versioned_edits_the_client_gets_plain_changes(
    lsp: LspClient, tmp_path: Path
) -> None:
    root = project(tmp_path)
    lsp.initialize(root, capabilities={})
    path = root / "tests" / "test_markers.py"
    lsp.open(path, MARKERS)
    first, _ = lsp.diagnostics()
    actions = lsp.code_actions(path, first["range"], [first])
    assert actions[0]["edit"] == {
        "changes": {path.as_uri(): [{"range": rng(3, 13, 3, 24), "newText": "parametrize"}]}
    }
    assert lsp.shutdown() == 0


def test_bad_input_and_files_pytest_would_not_collect(lsp: LspClient, tmp_path: Path) -> None:
    root = project(tmp_path, {"src/shop/cart.py": "def test_connection():\n    connect()\n"})
    lsp.initialize(root)
    broken = root / "tests" / "test_broken.py"
    lsp.open(broken, "def test_total(:\n    pass\n")
    assert lsp.diagnostics() == [
        diagnostic(rng(0, 15, 0, 15), "TL000", "could not analyse: syntax error: invalid syntax",
                   severity=1)
    ]
    # a test function in application code is not a test: nothing to show
    lsp.open(root / "src" / "shop" / "cart.py", "def test_connection():\n    connect()\n")
    assert lsp.diagnostics() == []
    # a new, still empty test file: nothing to show while it is being written
    lsp.open(root / "tests" / "test_new.py", "")
    assert lsp.diagnostics() == []
    lsp.notify("textDocument/didClose", {"textDocument": {"uri": broken.as_uri()}})
    assert lsp.next_notification("textDocument/publishDiagnostics") == {
        "uri": broken.as_uri(), "diagnostics": []}
    assert lsp.shutdown() == 0


def test_a_broken_configuration_is_told_once_not_a_crash(lsp: LspClient, tmp_path: Path) -> None:
    root = project(tmp_path, {"pyproject.toml": "[tool.testlint]\nselekt = ['TL1']\n"})
    lsp.initialize(root)
    lsp.open(root / "tests" / "test_one.py", "def test_one():\n    run()\n")
    lsp.open(root / "tests" / "test_two.py", "def test_two():\n    run()\n")
    assert lsp.diagnostics() == []
    assert lsp.diagnostics() == []
    config = root / "pyproject.toml"
    assert lsp.next_notification("window/showMessage") == {
        "type": 1,
        "message": f"testlint: {config}: unknown key 'selekt' in [tool.testlint] "
                   "(did you mean 'select'?)",
    }
    # fixed and saved: the open files are linted again with the new configuration
    config.write_text("[tool.testlint]\nselect = ['TL1']\n", encoding="utf-8")
    lsp.notify("textDocument/didSave", {"textDocument": {"uri": config.as_uri()}})
    assert [d["code"] for d in lsp.diagnostics()] == ["TL101"]
    assert [d["code"] for d in lsp.diagnostics()] == ["TL101"]
    assert lsp.notifications == []  # the problem was told once, not once per file
    assert lsp.shutdown() == 0


BLOCK_PYGLS = """
import runpy, sys
sys.modules["pygls"] = None
sys.argv = ["testlint", "lsp"]
runpy.run_module("testlint", run_name="__main__", alter_sys=True)
"""


def test_without_pygls_the_command_says_what_to_install(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_PYGLS], cwd=tmp_path, env={**os.environ, "PYTHONPATH": SRC},
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", "testlint: error: the language server needs pygls: add the lsp extra to however "
        "testlint was installed (from a clone: pip install '.[lsp]')\n"
    )


def test_a_gitignored_test_file_gets_no_diagnostics(lsp: LspClient, tmp_path: Path) -> None:
    # as `testlint check tests/` would skip it: generated tests the project does not keep
    root = project(tmp_path, {".gitignore": "tests/generated/\n"})
    (root / ".git").mkdir()
    lsp.initialize(root)
    lsp.open(root / "tests" / "generated" / "test_gen.py", "def test_gen():\n    run()\n")
    assert lsp.diagnostics() == []
    lsp.open(root / "tests" / "test_kept.py", "def test_kept():\n    run()\n")
    assert [d["code"] for d in lsp.diagnostics()] == ["TL101"]
    assert lsp.shutdown() == 0


# ---- a client that gets things wrong, a typist, a file too big to lint ----------------------

INITIALIZED = {"method": "initialized", "params": {}}


def test_a_malformed_frame_is_skipped_and_exit_still_ends_the_server(
    lsp: LspClient, tmp_path: Path
) -> None:
    root = project(tmp_path)
    body = json.dumps({"jsonrpc": "2.0", **INITIALIZED}).encode()
    lsp.send_bytes(b"Content-Length: ten\r\n\r\n" + body)  # the next frame follows its body
    lsp.initialize(root)
    path = root / "tests" / "test_cart.py"
    lsp.open(path, RAISES)
    assert [d["code"] for d in lsp.diagnostics()] == ["TL104", "TL104"]
    assert lsp.request("shutdown", None) is None
    lsp.send_bytes(b"Content-Type: application/json\r\n\r\n" + body)  # no Content-Length
    lsp.notify("exit", None)
    assert lsp.process.wait(timeout=TIMEOUT) == 0


def test_an_absurd_content_length_is_refused_not_read(lsp: LspClient, tmp_path: Path) -> None:
    root = project(tmp_path)
    lsp.send_bytes(b"Content-Length: 1000000000000\r\n\r\n")
    lsp.initialize(root)
    lsp.open(root / "tests" / "test_cart.py", RAISES)
    assert [d["code"] for d in lsp.diagnostics()] == ["TL104", "TL104"]
    assert lsp.shutdown() == 0


def test_a_request_with_invalid_params_gets_an_error_answer(
    lsp: LspClient, tmp_path: Path
) -> None:
    root = project(tmp_path)
    lsp.initialize(root)
    path = root / "tests" / "test_cart.py"
    lsp.open(path, RAISES)
    shown = lsp.diagnostics()
    answer = lsp.answer("textDocument/codeAction", {
        "textDocument": {"uri": path.as_uri()}, "range": rng(-1, 0, -1, 5),
        "context": {"diagnostics": []}})
    assert answer["error"]["code"] == -32602  # invalid params
    assert "result" not in answer
    # and the server goes on answering
    actions = lsp.code_actions(path, shown[0]["range"], [shown[0]], only=["quickfix"])
    assert [a["title"] for a in actions] == ["Disable TL104 for this line"]
    assert lsp.shutdown() == 0


def test_a_burst_of_changes_is_linted_once_it_settles(lsp: LspClient, tmp_path: Path) -> None:
    root = project(tmp_path)
    lsp.initialize(root)
    path = root / "tests" / "test_cart.py"
    lsp.open(path, RAISES)
    assert len(lsp.diagnostics()) == 2
    fixed = RAISES.replace("(ValueError)", '(ValueError, match="negative")')
    changes = 40
    burst = b"".join(
        frame({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": path.as_uri(), "version": version},
            "contentChanges": [{"text": RAISES if version % 2 else fixed}]}})
        for version in range(2, changes + 2)
    )
    lsp.send_bytes(burst)  # typed faster than anything can be linted
    published = [lsp.next_notification("textDocument/publishDiagnostics")]
    while published[-1]["version"] != changes + 1:
        published.append(lsp.next_notification("textDocument/publishDiagnostics"))
    versions = [p["version"] for p in published]
    assert versions == sorted(versions)
    assert len(published) < changes // 4  # each change was not linted in turn
    assert len(published[-1]["diagnostics"]) == 2  # the last text's findings
    assert lsp.shutdown() == 0


def test_a_lint_over_its_time_budget_is_stopped_and_said(lsp: LspClient, tmp_path: Path) -> None:
    root = project(tmp_path)
    lsp.initialize(root, options={"lintTimeBudget": 0})
    path = root / "tests" / "test_cart.py"
    lsp.open(path, RAISES)
    assert lsp.next_notification("window/showMessage") == {
        "type": 2,
        "message": f"testlint: stopped linting {path} after 0 s, the time budget of one lint; "
                   "its findings are not shown",
    }
    assert lsp.diagnostics() == []
    assert lsp.code_actions(path, rng(4, 9, 4, 9), []) is None
    assert lsp.shutdown() == 0


def test_a_stopped_lint_ends_at_the_next_rule_and_leaves_no_half_result(tmp_path: Path) -> None:
    from testlint.integrations.lsp import Job, Session, Stopped

    root = project(tmp_path)
    path = root / "tests" / "test_cart.py"
    session = Session()
    checked: list[int] = []
    job = Job(budget=60)

    def checkpoint() -> None:  # a newer text arrives while the first rule runs
        checked.append(1)
        if len(checked) == 2:
            job.cancelled.set()
        job.checkpoint()

    with pytest.raises(Stopped, match="superseded"):
        session.lint(path.as_uri(), path, RAISES, 1, "utf-16", checkpoint)
    assert (len(checked), session.linted) == (2, {})  # the second rule never started
    linted = session.lint(path.as_uri(), path, RAISES, 2, "utf-16")
    assert [e.finding.code for e in linted.entries] == ["TL104", "TL104"]
    assert session.linted == {path.as_uri(): linted}


def _framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(
    ("garbage", "fault"),
    [
        (b"Content-Length: ten\r\n\r\n{}", "malformed Content-Length 'ten'"),
        (b"Content-Length: -5\r\n\r\n{}", "malformed Content-Length '-5'"),
        (b"Content-Length: 1000000000000\r\n\r\n",
         "Content-Length 1000000000000 is over the limit of 67108864 bytes"),
        (b"Content-Type: application/json\r\n\r\n{}", "a header block without Content-Length"),
        (b"{}", "bytes outside any message"),
        (b"x" * 10_000 + b"\r\n\r\n", "a line that is not a header"),
        (b'{"jsonrpc": "2.0"}\r\n\r\n', "a header block without Content-Length"),
        (b"Content-Type: x\r\nContent-Length: 2\r\nContent-Type: y\r\n\r\n{}", None),
    ],
)
def test_the_frame_reader_skips_a_bad_frame_and_finds_the_next(garbage: bytes,
                                                                fault: str | None) -> None:
    from testlint.integrations.lsp_frames import FrameReader

    faults: list[str] = []
    stream = io.BytesIO(_framed(b'{"a": 1}') + garbage + _framed(b'{"b": 2}'))
    reader = FrameReader(stream, faults.append)
    bodies = [reader.next_body() for _ in range(3 if fault else 4)]
    assert bodies == [b'{"a": 1}', *([] if fault else [b"{}"]), b'{"b": 2}', None]
    assert faults == ([f"{fault}; skipped to the next message"] if fault else [])


# ---- a quick lint of the edited test while typing -------------------------------------------
THREE = '''import pytest


@pytest.fixture
def cart():
    return []


def check(value):
    assert value


def test_first(cart):
    run(cart)


def test_second(cart):
    total = run(cart)
    print(total)


class TestThird:
    def test_raises(self):
        with pytest.raises(ValueError):
            run()

    def test_checked(self):
        check(run())
'''
NO_ASSERTION_MESSAGE = ("test has no assertion: it only proves the code does not raise; assert "
                        "on the result or the changed state")


def _shown(diagnostics: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"])
            for d in diagnostics]


def test_typing_in_one_test_gets_its_findings_quickly_then_the_full_lint(
    lsp: LspClient, tmp_path: Path
) -> None:
    root = project(tmp_path)
    lsp.initialize(root)
    path = root / "tests" / "test_cart.py"
    lsp.open(path, THREE)
    assert _shown(lsp.diagnostics()) == [
        ("TL101", 12, 4), ("TL101", 16, 4), ("TL606", 18, 4), ("TL104", 23, 13)]
    # keystrokes in test_second: two new lines, the second an assertion
    typed = ["", "    a", "    assert total == 3"]
    burst = []
    for version, line in enumerate(typed, start=2):
        burst.append(frame({"method": "textDocument/didChange", "params": {
            "textDocument": {"uri": path.as_uri(), "version": version},
            "contentChanges": [{"range": rng(18, 16, 18, 16) if version == 2 else
                                rng(19, 0, 19, len(typed[version - 3])),
                                "text": "\n" + line if version == 2 else line}]}}))
    lsp.send_bytes(b"".join(burst))
    final = len(typed) + 1
    quick = lsp.next_notification("textDocument/publishDiagnostics")
    full = lsp.next_notification("textDocument/publishDiagnostics")
    assert (quick["version"], full["version"]) == (final, final)  # only the last text's
    # test_second now asserts; test_raises' finding moved down a line
    assert _shown(quick["diagnostics"]) == [
        ("TL101", 12, 4), ("TL606", 18, 4), ("TL104", 24, 13)]
    assert quick["diagnostics"] == full["diagnostics"]
    # code actions come from the full lint, at the moved line
    [silence] = [action for action in lsp.code_actions(
        path, rng(24, 13, 24, 13), full["diagnostics"][2:])
        if action["title"].startswith("Disable")]
    [change] = silence["edit"]["documentChanges"]
    assert change["edits"][0]["range"]["start"]["line"] == 24
    assert lsp.shutdown() == 0


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        ("a test's def line", "def test_second(cart):", "def test_second(cart, tmp_path):"),
        ("module level", "import pytest\n", "import pytest\nimport os\n"),
        ("a fixture", "    return []", "    return [1]"),
        ("a helper", "    assert value", "    assert value is not None"),
        ("a new top-level statement", "    print(total)\n", "    print(total)\nx = 1\n"),
        ("a test that does not parse", "    print(total)", "    print(total"),
    ],
)
def test_no_quick_lint_unless_the_change_is_inside_one_test(
    tmp_path: Path, where: str, old: str, new: str
) -> None:
    from testlint.integrations.lsp import Session

    path = project(tmp_path) / "tests" / "test_cart.py"
    session = Session()
    session.lint(path.as_uri(), path, THREE, 1, "utf-16")
    assert THREE.count(old) == 1
    changed = THREE.replace(old, new)
    assert session.quick_lint(path.as_uri(), path, changed, 2, "utf-16") is None, where


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("    print(total)", "    assert total"),  # a finding goes
        ("    check(run())", "    run()"),  # one comes: a helper's assertion no longer counts
        ("    run(cart)\n", "    run(cart)\n    run(cart)\n    run(cart)\n"),  # lines added
        ("        with pytest.raises(ValueError):\n            run()\n",
         "        pass\n"),  # lines removed above another finding... of the same class
    ],
)
def test_a_quick_lint_shows_what_the_full_lint_shows(tmp_path: Path, old: str, new: str) -> None:
    from testlint.integrations.lsp import Session

    path = project(tmp_path) / "tests" / "test_cart.py"
    session = Session()
    session.lint(path.as_uri(), path, THREE, 1, "utf-16")
    changed = THREE.replace(old, new)
    quick = session.quick_lint(path.as_uri(), path, changed, 2, "utf-16")
    assert quick is not None
    assert quick.provisional
    full = Session().lint(path.as_uri(), path, changed, 2, "utf-16")
    assert [(e.diagnostic.code, e.diagnostic.range, e.diagnostic.message)
            for e in quick.entries] == [
        (e.diagnostic.code, e.diagnostic.range, e.diagnostic.message) for e in full.entries]


def test_diagnostics_carry_the_rules_level(lsp: LspClient, tmp_path: Path) -> None:
    """An error rule (TL101: the test checks nothing) is an error in the editor, as in SARIF;
    a warning rule (TL104) a warning."""
    root = project(tmp_path)
    lsp.initialize(root, {})
    path = root / "tests" / "test_cart.py"
    lsp.open(path, RAISES + "\n\ndef test_nothing():\n    total(1)\n")
    assert [(d["code"], d["severity"]) for d in lsp.diagnostics()] == [
        ("TL104", 2), ("TL104", 2), ("TL101", 1)]
    assert lsp.shutdown() == 0
