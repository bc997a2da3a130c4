"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions and the Anthropic
messages wire formats and answers with scripted replies, recording every request it receives.

A script maps a test's name to its replies, in order (the last one repeats): a reply is the
text of an answer, or a `Reply` for the other cases (an HTTP error with retry-after, an answer cut
off at the token limit, a refusal). The prompt names its test as "Rewrite the test `NAME`".
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET = re.compile(r"Rewrite the test `([^`]+)`")


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200
    retry_after: str | None = None
    truncated: bool = False
    refused: bool = False
    oversize: int = 0  # > 0: an answer of this many bytes, written until the client hangs up
    drip: float = 0.0  # > 0: the answer one byte at a time, this many seconds apart
    raw: str | None = None  # this body verbatim (HTTP 200), in place of a well-formed answer


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def target(self) -> str | None:
        match = TARGET.search(self.body)
        return match.group(1) if match else None


@dataclass
class FakeLLM:
    script: dict[str, list[str | Reply]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    on_request: Callable[[Request], None] | None = None  # e.g. the user edits a file meanwhile
    written: list[int] = field(default_factory=list)  # bytes of each oversize or dripped answer
    slow_done: threading.Event = field(default_factory=threading.Event)  # one of those ended
    _served: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> str:
        return "\n".join(r.body for r in self.requests)

    def for_test(self, name: str) -> list[Request]:
        return [r for r in self.requests if r.target == name]

    def next_reply(self, request: Request) -> Reply:
        if self.on_request is not None:
            self.on_request(request)
        with self._lock:
            self.requests.append(request)
            name = request.target or ""
            replies = self.script.get(name) or ["no script for this test"]
            index = self._served.get(name, 0)
            self._served[name] = index + 1
            reply = replies[min(index, len(replies) - 1)]
        return reply if isinstance(reply, Reply) else Reply(text=reply)


def _openai(reply: Reply, model: str) -> dict[str, Any]:
    finish = "length" if reply.truncated else "stop"
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.refused:
        message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }


def _anthropic(reply: Reply, model: str) -> dict[str, Any]:
    stop = "max_tokens" if reply.truncated else "refusal" if reply.refused else "end_turn"
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": reply.text}] if reply.text else [],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 20},
    }


def _handler(llm: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode("utf-8")
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            if self.path not in {"/v1/chat/completions", "/v1/messages"}:
                self._send(404, {"error": {"message": f"no route {self.path}"}})
                return
            reply = llm.next_reply(request)
            if reply.status != 200:
                headers = {"retry-after": reply.retry_after} if reply.retry_after else {}
                self._send(reply.status, {"error": {"type": "rate_limit_error",
                                                    "message": "slow down"}}, headers)
                return
            if reply.raw is not None:
                self._send_raw(reply.raw.encode("utf-8"))
                return
            model = str(request.json.get("model"))
            if self.path == "/v1/messages":
                data = _anthropic(reply, model)
            else:
                data = _openai(reply, model)
            if reply.oversize or reply.drip:
                self._send_slowly(reply, json.dumps(data).encode())
            else:
                self._send(200, data)

        def _send_raw(self, payload: bytes) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _send_slowly(self, reply: Reply, payload: bytes) -> None:
            """Headers at once, then a body too large or too slow, until the client hangs up."""
            size = reply.oversize or len(payload)
            step = 1 if reply.drip else 64 * 1024
            body = payload if reply.drip else b" " * size
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(size))
            self.end_headers()
            written = 0
            try:
                while written < size:
                    self.wfile.write(body[written:written + step])
                    self.wfile.flush()
                    written += step
                    if reply.drip:
                        time.sleep(reply.drip)
            except OSError:  # the client hung up
                pass
            llm.written.append(min(written, size))
            llm.slow_done.set()

        def _send(self, status: int, data: dict[str, Any],
                  headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@contextmanager
def serve(script: dict[str, list[str | Reply]] | None = None) -> Iterator[FakeLLM]:
    llm = FakeLLM(script=dict(script or {}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(llm))
    llm.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield llm
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
