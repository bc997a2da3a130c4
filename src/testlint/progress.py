"""A progress bar for long runs, on a terminal only: never in pipes, pre-commit or CI logs.

It is drawn on stderr (stdout stays the report) and erased when the run ends, so what is left on
screen is exactly what a pipe would have received.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

MIN_FILES = 100  # shorter runs finish before a bar would help
WIDTH = 28
REDRAW_SECONDS = 0.08


class Progress:
    """Does nothing: the progress of a run nobody watches."""

    def advance(self, count: int = 1) -> None:
        return None

    def close(self) -> None:
        return None


class Bar(Progress):
    def __init__(self, total: int, stream: TextIO, color: bool) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.color = color
        self._last = 0.0
        self._drawn = False

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= REDRAW_SECONDS or self.done >= self.total:
            self._last = now
            self._draw()

    def _draw(self) -> None:
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (WIDTH - filled)
        if self.color:
            bar = f"\033[32m{'#' * filled}\033[2m{'-' * (WIDTH - filled)}\033[0m"
        self.stream.write(f"\rtestlint [{bar}] {self.done}/{self.total} files")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


def interactive(stream: TextIO) -> bool:
    if os.environ.get("TERM") == "dumb" or os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def make_progress(total: int, stream: TextIO | None = None) -> Progress:
    stream = stream if stream is not None else sys.stderr
    if total < MIN_FILES or not interactive(stream):
        return Progress()
    return Bar(total, stream, color="NO_COLOR" not in os.environ)
