"""Keep secrets out of everything sent to a model.

`Redactor.redact` replaces API keys, tokens, private keys, URL credentials, secret-looking
assignments and the values of the environment's secret variables with numbered placeholders
(`[REDACTED-1]`), the same secret always with the same placeholder; `restore` puts the values back
into the model's answer, so a rewritten test keeps its fixture data without the data ever
leaving the machine.

`find_secrets` is the independent last check run on the exact request body before it is sent:
it also flags fragments the redactor cannot remove whole (a private-key header whose end is not
in the text), and a request it flags is not sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"\[REDACTED-(\d+)\]")

# (kind, pattern, group holding the secret: 0 for the whole match)
_PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    ("private key", re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?-----END [A-Z0-9 ]*PRIVATE KEY"
        r"(?: BLOCK)?-----", re.S), 0),
    ("URL credentials", re.compile(
        r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://([^\s/:@'\"<>\[\]]+:[^\s/@'\"<>\[\]]+)@"), 1),
    ("Anthropic key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{16,}"), 0),
    ("OpenAI key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"), 0),
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0),
    ("GitHub token",
     re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"), 0),
    ("GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"), 0),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"), 0),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), 0),
    ("Stripe key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"), 0),
    ("JSON web token", re.compile(
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), 0),
    ("bearer token", re.compile(r"\b[Bb]earer\s+([A-Za-z0-9._~+/=\-]{16,})"), 1),
    # `Authorization: Basic dXNlcjpwYXNz`, `{"Authorization": "Token abc"}`, any length
    ("authorization header", re.compile(
        r"""(?i)authorization['"]?\s*[:=,]\s*[bfru]{0,2}['"]?(?:basic|bearer|token|digest)\s+"""
        r"""([^\s'"{}\\]+)"""), 1),
    # a string that is exactly `"Basic <base64>"` (a header value built apart from its name)
    ("basic credentials", re.compile(
        r"""(['"])Basic\s+((?:[A-Za-z0-9+/]{4})+"""
        r"""(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)\1"""), 2),
    ("Slack webhook", re.compile(
        r"\bhooks\.slack\.com/((?:services|workflows|triggers)/[A-Za-z0-9_/\-]+)"), 1),
    ("Discord webhook", re.compile(
        r"\bdiscord(?:app)?\.com/api/webhooks/(\d+/[A-Za-z0-9_\-]+)"), 1),
    # `?token=...`, `&api_key=...`, `&sig=...` in a URL
    ("URL query secret", re.compile(
        r"""(?i)[?&][\w.\-]*(?:key|token|secret|signature|sig|passw(?:or)?d|pwd)"""
        r"""=([^&\s'"#\\]+)"""), 1),
]
# What a name says is secret. A value assigned to such a name is redacted whatever its shape
# (`password = "hunter2"`, `db_password = "correct horse battery"`), because a short password
# or a passphrase has no shape to recognise.
_SECRET_NAME_PART = (
    r"passw(?:or)?d|passphrase|pwd|secret|token|credential|dsn|webhook"
    r"|(?:api|secret|private|access|signing|encryption|auth|master|client)[_\-]?key"
)
# `name = "..."`, `name: str = "..."`, `"name": "..."`, `name="..."`, `name == "..."`: the value
# (one line, any length)
_ASSIGNED = re.compile(
    rf"""(?ix)
    \b[\w\-]*(?:{_SECRET_NAME_PART})[\w\-]*
    ['"]?\s*(?::\s*[\w\[\]., |]+?\s*)?(?:[:=]|[=!]=)\s*[bru]{{0,2}}(['"])
    (?P<value>(?:(?!\1)[^\\\n]|\\[^\n])+)\1
    """
)
# `auth=("user", "hunter2")`: the second item of a (user, password) pair
_AUTH_PAIR = re.compile(
    r"""\bauth\s*=\s*[(\[]\s*[bru]{0,2}(['"])[^'"\n]*\1\s*,\s*[bru]{0,2}(['"])"""
    r"""(?P<value>[^'"\n]+)\2"""
)
# fragments that must never be sent, even when they cannot be redacted whole
_LEFTOVERS: list[tuple[str, re.Pattern[str]]] = [
    ("private key", re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY")),
]
_SECRET_ENV_NAME = re.compile(r"(?i)(key|token|secret|passw|credential|dsn|database_url|webhook)")
MIN_ENV_SECRET = 8


def environment_secrets(environ: Mapping[str, str] | None = None,
                        names: Iterable[str] = ()) -> list[str]:
    """Values of variables that hold secrets (by name), plus the named ones (the provider key)."""
    environ = os.environ if environ is None else environ
    wanted = set(names)
    values = {
        value
        for name, value in environ.items()
        if (name in wanted or _SECRET_ENV_NAME.search(name)) and len(value) >= MIN_ENV_SECRET
    }
    return sorted(values, key=len, reverse=True)


@dataclass
class Redactor:
    known: list[str] = field(default_factory=list)  # exact values to redact (environment keys)
    secrets: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _by_value: dict[str, str] = field(default_factory=dict)

    def _placeholder(self, value: str) -> str:
        if value not in self._by_value:
            placeholder = f"[REDACTED-{len(self._by_value) + 1}]"
            self._by_value[value] = placeholder
            self.secrets[placeholder] = value
        return self._by_value[value]

    def redact(self, text: str) -> str:
        for value in self.known:
            if value in text:
                text = text.replace(value, self._placeholder(value))
        for _kind, pattern, group in _PATTERNS:
            text = self._sub(pattern, group, text)
        text = self._sub(_ASSIGNED, "value", text)
        return self._sub(_AUTH_PAIR, "value", text)

    def _sub(self, pattern: re.Pattern[str], group: int | str, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            value = match.group(group)
            if PLACEHOLDER.fullmatch(value):
                return match.group(0)
            start, end = match.span(group)
            whole_start = match.start(0)
            return (match.group(0)[: start - whole_start] + self._placeholder(value)
                    + match.group(0)[end - whole_start :])

        return pattern.sub(replace, text)

    def restore(self, text: str) -> str:
        """Put the redacted values back into text that came back from the model."""
        return PLACEHOLDER.sub(lambda m: self.secrets.get(m.group(0), m.group(0)), text)

    @property
    def count(self) -> int:
        return len(self.secrets)


def find_secrets(text: str, known: Iterable[str] = ()) -> list[str]:
    """The kinds of secret still present in `text` (empty when it is safe to send)."""
    kinds: list[str] = []
    for value in known:
        if value and value in text:
            kinds.append("a value of a secret environment variable")
            break
    for kind, pattern, _group in _PATTERNS:
        for match in pattern.finditer(text):
            if not PLACEHOLDER.fullmatch(match.group(_group)):
                kinds.append(kind)
                break
    for kind, pattern in _LEFTOVERS:
        if pattern.search(text) and kind not in kinds:
            kinds.append(kind)
    return kinds
