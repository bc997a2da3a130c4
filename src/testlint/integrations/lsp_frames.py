"""LSP base-protocol framing read from a byte stream, robust to a client that gets it wrong.

Each message is a block of `Name: value` header lines ended by an empty line, then exactly
`Content-Length` bytes of JSON. pygls' own reader trusts every frame: after one malformed
`Content-Length` it never finds the start of a message again (so it answers nothing more, not
even `exit`), and `Content-Length: 1000000000000` makes it try to read a terabyte. Here:

- a header block without a valid `Content-Length` (missing, not a number, over `MAX_BODY`), and
  lines that are no header at all, are reported through `on_fault` and skipped;
- reading resumes at the next `Content-Length:` header, even when it follows the bytes of the
  skipped body on the same line (a body ends without a newline);
- header lines are read with a bounded length, so a stream without newlines cannot exhaust
  memory either.

Only what the stream holds is trusted; nothing here knows JSON-RPC (see lsp.py for that).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import IO, Protocol

MAX_BODY = 64 * 1024 * 1024  # bytes: far above any source file an editor sends (TL000 > 10 MB)
MAX_HEADER_LINE = 4096
_HEADER = b"content-length:"


class Stream(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class FdStream:
    """Buffered reads straight from a file descriptor. Unlike `sys.stdin.buffer` it holds no
    lock while it waits, so a reader thread still blocked in it cannot stop the interpreter
    from exiting (a BufferedReader's lock makes that a fatal error at shutdown)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._buffer = b""
        self._eof = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True

    def readline(self, size: int = -1, /) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0 and (size < 0 or end < size):
                return self._take(end + 1)
            if 0 <= size <= len(self._buffer):
                return self._take(size)
            if not self._fill():
                return self._take(len(self._buffer))

    def read(self, size: int = -1, /) -> bytes:
        if size < 0:
            while self._fill():
                pass
            return self._take(len(self._buffer))
        parts = [self._take(min(size, len(self._buffer)))]
        left = size - len(parts[0])
        while left > 0 and not self._eof:
            chunk = os.read(self._fd, min(max(left, 65536), 1 << 20))
            if not chunk:
                self._eof = True
                break
            parts.append(chunk[:left])
            self._buffer = chunk[left:]
            left -= len(parts[-1])
        return b"".join(parts)

    def _take(self, count: int) -> bytes:
        taken, self._buffer = self._buffer[:count], self._buffer[count:]
        return taken


class FrameReader:
    """The bodies of the messages on `stream`, in order; framing faults are skipped."""

    def __init__(self, stream: IO[bytes] | Stream, on_fault: Callable[[str], None]) -> None:
        self._stream = stream
        self._on_fault = on_fault

    def next_body(self) -> bytes | None:
        """The next message's body, or None at the end of the stream."""
        length: int | None = None
        fault: str | None = None  # what is wrong with the header block being read
        seen = False  # the block being read has a line
        skipping = False  # a fault was reported: what follows until a header is its debris
        while True:
            line = self._line()
            if line is None:
                return None
            at = line.lower().rfind(_HEADER)
            if at > 0:  # a header after the unread body of a skipped message
                if not skipping:
                    self._fault(fault or "bytes outside any message")
                line, length, fault, skipping = line[at:], None, None, False
            if not line.strip():
                if length is not None:
                    return self._body(length)
                if seen and not skipping:
                    self._fault(fault or "a header block without Content-Length")
                    skipping = True
                fault, seen = None, False
                continue
            seen = True
            name, colon, value = line.partition(b":")
            if not colon:
                fault = fault or "a line that is not a header"
            elif name.strip().lower() == b"content-length":
                if fault is not None and not skipping:
                    self._fault(fault)
                skipping = False
                length, fault = _length(value.strip())

    def _fault(self, what: str) -> None:
        self._on_fault(f"{what}; skipped to the next message")

    def _line(self) -> bytes | None:
        """One line, or None at the end; an over-long line is skipped to its end (keeping a
        header that ends it)."""
        line = self._stream.readline(MAX_HEADER_LINE)
        if not line:
            return None
        if len(line) < MAX_HEADER_LINE or line.endswith(b"\n"):
            return line
        while line and not line.endswith(b"\n"):
            line = self._stream.readline(MAX_HEADER_LINE)
        at = line.lower().rfind(_HEADER)
        return b"(an over-long line) " + (line[at:] if at >= 0 else b"\n")

    def _body(self, length: int) -> bytes | None:
        chunks: list[bytes] = []
        left = length
        while left > 0:
            chunk = self._stream.read(left)
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


def _length(value: bytes) -> tuple[int | None, str | None]:
    """The Content-Length value, or why it is not one."""
    shown = value[:40].decode("ascii", errors="replace")
    if not value.isdigit() or len(value) > 20:
        return None, f"malformed Content-Length {shown!r}"
    length = int(value)
    if length > MAX_BODY:
        return None, f"Content-Length {length} is over the limit of {MAX_BODY} bytes"
    return length, None
