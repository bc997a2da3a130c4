"""`[tool.testlint.rewrite]` and the `testlint rewrite` flags, validated into one Settings.

The API key itself never appears in configuration: `api-key-env` names the environment variable
that holds it. Every problem is a SettingsError whose message is the one line the CLI prints
before exiting 2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

PROVIDERS = ("openai", "anthropic")
CONTEXTS = ("signature", "full")
DEFAULT_BASE_URL = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SettingsError(Exception):
    """A bad `[tool.testlint.rewrite]` key or value, or a bad flag; the message is one line."""


@dataclass(frozen=True)
class Settings:
    provider: str = "openai"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None  # the NAME of the variable holding the key, never the key
    timeout: float = 120.0  # seconds for one HTTP request, from connecting to the answer's end
    max_answer_bytes: int = 1_000_000  # a larger answer is not read further
    connect_timeout: float = 10.0
    max_retries: int = 4  # per request, on 429, 5xx and transport errors
    max_backoff: float = 30.0  # seconds; also caps a server's retry-after
    max_attempts: int = 3  # proposals per finding (a rejection is fed back as feedback)
    max_requests: int = 100  # HTTP requests per run, retries included
    max_output_tokens: int = 2048  # per answer (sent as max_tokens)
    max_total_tokens: int = 500_000  # input + output tokens per run
    run_timeout: float = 60.0  # seconds for one pytest run in gates 3 and 4
    runs: int = 5  # gate 3: runs of the whole file (each its own hash seed and test order)
    pytest_args: tuple[str, ...] = ()  # extra arguments for the pytest runs
    pass_env: tuple[str, ...] = ()  # more variables for the pytest runs (never secret-looking)
    context: str = "signature"  # or "full": the implementation's body goes into the prompt
    temperature: float | None = None  # sent only when set (the provider's default otherwise)
    cache: bool = True

    @property
    def key_env(self) -> str:
        return self.api_key_env or DEFAULT_KEY_ENV[self.provider]

    @property
    def url(self) -> str:
        return (self.base_url or DEFAULT_BASE_URL[self.provider]).rstrip("/")

    @property
    def uses_default_endpoint(self) -> bool:
        return self.base_url is None or self.url == DEFAULT_BASE_URL[self.provider]


# key -> (attribute, type name)
_KEYS: dict[str, tuple[str, str]] = {
    f.name.replace("_", "-"): (f.name, str(f.type).replace("'", "")) for f in fields(Settings)
}
_TYPE_WORDS = {
    "str": "a string",
    "str | None": "a string",
    "float": "a number",
    "float | None": "a number",
    "int": "an integer",
    "bool": "true or false",
    "tuple[str, ...]": "a list of strings",
}


def _coerce(key: str, type_name: str, value: Any, where: str) -> Any:
    ok: bool
    if type_name in {"str", "str | None"}:
        ok = isinstance(value, str)
    elif type_name in {"float", "float | None"}:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        value = float(value) if ok else value
    elif type_name == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif type_name == "bool":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        value = tuple(value) if ok else value
    if not ok:
        raise SettingsError(f"{where}: '{key}' must be {_TYPE_WORDS[type_name]}")
    return value


def _closest(key: str) -> str:
    import difflib

    matches = difflib.get_close_matches(key, list(_KEYS), n=1, cutoff=0.7)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def parse_settings(table: dict[str, Any], where: str = "[tool.testlint.rewrite]") -> Settings:
    """Validate the `rewrite` sub-table; unknown keys and wrong types are errors."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in {"api-key", "key", "token"}:
            raise SettingsError(
                f"{where}: '{key}' is not accepted: keys stay out of configuration; set "
                "'api-key-env' to the NAME of the environment variable that holds the key"
            )
        if key not in _KEYS:
            raise SettingsError(
                f"{where}: unknown key '{key}' in [tool.testlint.rewrite]{_closest(key)}")
        attr, type_name = _KEYS[key]
        values[attr] = _coerce(key, type_name, value, where)
    return check(Settings(**values), where)


def check(settings: Settings, where: str) -> Settings:
    """Cross-field and range checks shared by the config file and the flags."""
    if settings.provider not in PROVIDERS:
        raise SettingsError(f"{where}: provider must be one of {', '.join(PROVIDERS)}, "
                            f"not '{settings.provider}'")
    if settings.context not in CONTEXTS:
        raise SettingsError(f"{where}: context must be one of {', '.join(CONTEXTS)}, "
                            f"not '{settings.context}'")
    env = settings.api_key_env
    if env is not None and not ENV_NAME.match(env):
        raise SettingsError(
            f"{where}: api-key-env must be the NAME of an environment variable (like "
            f"{DEFAULT_KEY_ENV[settings.provider]}), not a key"
        )
    if settings.base_url is not None and not re.match(r"^https?://", settings.base_url):
        raise SettingsError(f"{where}: base-url must start with http:// or https://")
    for name in ("max_attempts", "max_requests", "max_output_tokens", "max_total_tokens", "runs",
                 "max_answer_bytes"):
        if getattr(settings, name) < 1:
            raise SettingsError(f"{where}: '{name.replace('_', '-')}' must be at least 1")
    if settings.max_retries < 0:
        raise SettingsError(f"{where}: 'max-retries' must not be negative")
    if settings.temperature is not None and not 0 <= settings.temperature <= 2:
        raise SettingsError(f"{where}: 'temperature' must be between 0 and 2")
    for name in ("timeout", "connect_timeout", "run_timeout"):
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{where}: '{name.replace('_', '-')}' must be positive")
    return settings
