"""Where the rewrite step's requests go, and which of the user's keys goes with them.

Settings come in layers: the user's own config file (`~/.config/testlint/config.toml`, table
`[rewrite]`), the project's (`[tool.testlint.rewrite]` in pyproject.toml or testlint.toml), and
the command line, each overriding the one before. For every setting but two that is all.

The two that decide where a key goes, `base-url` and `api-key-env`, are the endpoint, and the
endpoint is taken whole from ONE layer: the most trusted that sets either of them (command line,
then the user's file, then the project's). A project file is written by whoever wrote the
repository, so its endpoint is not trusted with the user's keys:

- a project's `api-key-env` is refused (it would choose which secret leaves the machine);
- a project's `base-url` is refused unless it is on this machine (localhost, 127.0.0.0/8, ::1,
  a local Ollama or vLLM), and then no key is sent with the requests;
- `--trust-project-endpoint` accepts both, for a team that keeps its endpoint in the project.

What a run may spend (`max-requests`, `max-total-tokens`) a project file may lower but not raise
above the user's own value or the default: the run says so and uses the limit.

A key goes to a URL only as a pair one layer configured: the provider's own API with the
provider's variable (or the variable that layer names), or the layer's `base-url` with the
variable the same layer names. A `base-url` without `api-key-env` gets no key at all.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from testlint.rewrite.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_KEY_ENV,
    Settings,
    SettingsError,
    parse_settings,
)

ENDPOINT_KEYS = ("base-url", "api-key-env")
# what a run may spend: a project file may lower these, not raise them above the user's own
# value (or the default)
SPENDING_KEYS = ("max-requests", "max-total-tokens")
_DEFAULTS = {key: getattr(Settings(), key.replace("-", "_")) for key in SPENDING_KEYS}
TRUST_FLAG = "--trust-project-endpoint"


def user_config_path(environ: dict[str, str] | None = None) -> Path:
    """The user's own config file: `%APPDATA%\\testlint\\config.toml` on Windows, else
    `$XDG_CONFIG_HOME/testlint/config.toml` (by default `~/.config/testlint/config.toml`)."""
    env = dict(os.environ) if environ is None else environ
    if sys.platform == "win32" and env.get("APPDATA"):
        base = Path(env["APPDATA"])
    elif env.get("XDG_CONFIG_HOME"):
        base = Path(env["XDG_CONFIG_HOME"])
    else:
        base = Path(env.get("HOME") or Path.home()) / ".config"
    return base / "testlint" / "config.toml"


def load_user_table(path: Path) -> dict[str, Any]:
    """The `[rewrite]` table of the user's config file (empty when there is no file)."""
    from testlint.tomlcompat import TOMLDecodeError, load_toml

    try:
        data = load_toml(path)
    except FileNotFoundError:
        return {}
    except TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot be read: {exc}") from None
    unknown = sorted(set(data) - {"rewrite"})
    if unknown:
        raise SettingsError(f"{path}: unknown table '{unknown[0]}' (the user config holds "
                            "only [rewrite])")
    table = data.get("rewrite", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: 'rewrite' must be a table")
    return table


def is_loopback(url: str) -> bool:
    """True when the URL's host is this machine, by its literal name or address only."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    url: str
    key_env: str | None  # the variable whose value is sent; None: the requests carry no key
    origin: str  # the layer the endpoint came from, for messages
    refused: str | None = None  # why nothing may be sent (an untrusted project endpoint)
    notices: tuple[str, ...] = ()  # said once on stderr when the run starts

    def no_key_hint(self) -> str:
        return (f"no key was sent to {self.url}: name the variable that holds its key with "
                f"--api-key-env or in {user_config_path()}")


@dataclass(frozen=True)
class _Layer:
    table: dict[str, Any]
    where: str
    trusted: bool


def resolve(project: dict[str, Any], project_where: str, flags: dict[str, Any],
            trust_project: bool = False, user_path: Path | None = None
            ) -> tuple[Settings, Endpoint]:
    """The run's settings and its endpoint, from the user's file, the project's and the flags.

    `flags` maps Settings attributes to command-line values (None: not given).
    """
    user_path = user_config_path() if user_path is None else user_path
    user = load_user_table(user_path)
    given = {k.replace("_", "-"): v for k, v in flags.items() if v is not None}
    layers = [
        _Layer(user, str(user_path), True),
        _Layer(project, project_where, trust_project),
        _Layer(given, "command line", True),
    ]
    merged: dict[str, Any] = {}
    for layer in layers:
        parse_settings(layer.table, layer.where)  # each layer is validated on its own
        merged.update({k: v for k, v in layer.table.items() if k not in ENDPOINT_KEYS})
    by_trust = [layers[2], layers[0], layers[1]]  # command line, the user's file, the project's
    owner = next((layer for layer in by_trust if any(k in layer.table for k in ENDPOINT_KEYS)),
                 None)
    if owner is not None:
        merged.update({k: owner.table[k] for k in ENDPOINT_KEYS if k in owner.table})
    notices: list[str] = []
    if not trust_project:
        for key in SPENDING_KEYS:
            cap = user.get(key, _DEFAULTS[key])
            value = project.get(key)
            if key not in given and isinstance(value, int | float) and value > cap:
                merged[key] = cap
                notices.append(f"rewrite: the project's {key} = {value} is above your limit; "
                               f"using {cap} (raise it in [rewrite] of {user_path})")
    settings = parse_settings(merged, "configuration")
    if owner is None:
        from_env = _environment_endpoint(settings)
        if from_env is not None:
            settings, endpoint = from_env
            return settings, replace(endpoint, notices=(*notices, *endpoint.notices))
    endpoint = _endpoint(settings, owner, layers[1], user_path)
    return settings, replace(endpoint, notices=(*notices, *endpoint.notices))


BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}


def _environment_endpoint(settings: Settings) -> tuple[Settings, Endpoint] | None:
    """`OPENAI_BASE_URL` (`ANTHROPIC_BASE_URL`) from the user's own environment, as the
    providers' SDKs read it, when no configuration layer names an endpoint: the user set it
    beside the provider's key, so the key goes with it, and the run says so."""
    name = BASE_URL_ENV[settings.provider]
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise SettingsError(f"${name}: must start with http:// or https://")
    settings = replace(settings, base_url=value)
    key_env = DEFAULT_KEY_ENV[settings.provider]
    return settings, Endpoint(settings.url, key_env, f"${name}", notices=(
        f"rewrite: using ${name} = {settings.url} (with ${key_env})",))


def _endpoint(settings: Settings, owner: _Layer | None, project: _Layer,
              user_path: Path) -> Endpoint:
    default_url = DEFAULT_BASE_URL[settings.provider]
    default_key = DEFAULT_KEY_ENV[settings.provider]
    if owner is None:
        return Endpoint(default_url, default_key, "the provider's default")
    url = settings.url
    named = settings.api_key_env
    if url == default_url.rstrip("/"):
        key_env: str | None = named or default_key
    else:
        key_env = named  # a URL of the layer's own choice gets only the key that layer names
    if owner is project and not owner.trusted:
        ways = (f"pass --base-url and --api-key-env, set them in [rewrite] of {user_path}, or "
                f"pass {TRUST_FLAG} to accept the project's choice")
        if named is not None:
            return Endpoint(url, None, owner.where, refused=(
                f"{owner.where}: the project's configuration names api-key-env = \"{named}\"; "
                f"a project file cannot choose which of your keys is sent, or where: {ways}"))
        if settings.base_url is not None and not is_loopback(url):
            return Endpoint(url, None, owner.where, refused=(
                f"{owner.where}: the project's configuration sets base-url = "
                f"\"{settings.base_url}\"; a "
                f"project file cannot choose where your prompts and keys go: {ways}"))
        return Endpoint(url, None, owner.where)  # a server on this machine, and no key
    if owner is project and key_env is not None:
        return Endpoint(url, key_env, owner.where, notices=(
            f"rewrite: sending ${key_env} to {url} as the project's configuration asks "
            f"({TRUST_FLAG})",))
    return Endpoint(url, key_env, owner.where)
