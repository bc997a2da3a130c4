"""A finding's message, read as its parts: what is wrong, why it matters, and what to do.

Every rule writes one message in the same shape, `WHAT[: WHY][; HOW]`: the first top-level
"; " ends what and why and starts the advice, and the first top-level ": " before it ends what
(top-level: outside backticks, quotes, parentheses and brackets, so code quoted in a message is
never cut). The concise output format shows a short message made from these parts, the full
format shows each part on its own line; rules write one message and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SHORT_LIMIT = 99  # a concise message is shorter than 100 characters
ELLIPSIS = "…"
_OPEN = {"(": ")", "[": "]", "{": "}"}


def _top_level(text: str) -> list[bool]:
    """For each character, whether it lies outside quotes, backticks and brackets."""
    flags: list[bool] = []
    closers: list[str] = []
    quote = ""
    for i, char in enumerate(text):
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        flags.append(not closers and not quote)
        if quote:
            # an apostrophe inside a word ("float's") does not close a quote
            if char == quote and not (quote == "'" and after.isalnum()):
                quote = ""
        elif char == "`" or char == '"' or (char == "'" and not before.isalnum()):
            quote = char
        elif char in _OPEN:
            closers.append(_OPEN[char])
        elif closers and char == closers[-1]:
            closers.pop()
    return flags


def _cut(text: str, separator: str) -> tuple[str, str]:
    """`text` split at the first top-level `separator`; ("text", "") when there is none."""
    flags = _top_level(text)
    start = 0
    while True:
        found = text.find(separator, start)
        if found < 0:
            return text, ""
        if flags[found]:
            return text[:found], text[found + len(separator):]
        start = found + 1


def _drop_asides(text: str) -> str:
    """Remove top-level parenthesised asides, " (...)"."""
    flags = _top_level(text)
    out: list[str] = []
    depth = 0
    for i, char in enumerate(text):
        if depth == 0 and char == "(" and flags[i] and text[i - 1: i] == " ":
            depth = 1
            if out and out[-1] == " ":
                out.pop()
            continue
        if depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            continue
        out.append(char)
    return "".join(out)


_DOTTED = re.compile(r"\b(?:[A-Za-z_]\w*\.)+([A-Za-z_]\w*\.[A-Za-z_]\w*)\b")
_ARGUMENTS = re.compile(r"(?<=[\w\]])\((?!\.\.\.\))[^()]+\)")


def _short_names(text: str) -> str:
    """Qualified names cut to their last two parts (`pkg.mod.Class.method` to
    `Class.method`), call arguments to `(...)`."""
    return _ARGUMENTS.sub("(...)", _DOTTED.sub(r"\1", text))


@dataclass(frozen=True)
class MessageParts:
    what: str
    why: str  # "" when the message gives no reason
    how: str  # "" when the message gives no advice


def parts(message: str) -> MessageParts:
    head, how = _cut(message, "; ")
    what, why = _cut(head, ": ")
    return MessageParts(what=what.strip(), why=why.strip(), how=how.strip())


def short_message(message: str, limit: int = SHORT_LIMIT) -> str:
    """The message without its advice, shortened while it is longer than `limit`: without its
    reason, then without its ", so ..." consequence, then without its asides, then with short
    names, and as a last resort cut at a word with an ellipsis."""
    text = _cut(message, "; ")[0].strip()
    steps = (lambda t: _cut(t, ": ")[0], lambda t: _cut(t, ", so ")[0], _drop_asides,
             _short_names)
    for step in steps:
        if len(text) <= limit:
            return text
        text = step(text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    word = cut.rfind(" ")
    return (cut[:word] if word > limit // 2 else cut).rstrip(" ,;:") + ELLIPSIS
