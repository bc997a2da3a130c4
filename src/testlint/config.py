"""`[tool.testlint]` in the nearest pyproject.toml, or a testlint.toml: read, validate, merge.

Every problem is a ConfigError whose message is the one line the CLI prints before exiting 2:
an unknown key, an unknown rule code, or a value of the wrong type, each named with its file.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from testlint.registry import Registry, UnknownRuleError
from testlint.tomlcompat import TOMLDecodeError, load_toml

CONFIG_FILES = (".testlint.toml", "testlint.toml", "pyproject.toml")
ENGINE_CODES = ("TL000",)  # findings the engine itself makes, not rules
DEFAULT_HELPER_PREFIXES = ("assert", "check", "verify", "expect")


class ConfigError(Exception):
    """A configuration problem; the message names the file, key and what is wrong."""


@dataclass(frozen=True)
class Config:
    path: Path | None = None  # the file read, if any
    root: Path = field(default_factory=Path.cwd)  # paths in the config are relative to this
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    src: tuple[str, ...] = ()
    assertion_helper_prefixes: tuple[str, ...] = DEFAULT_HELPER_PREFIXES
    respect_gitignore: bool = True  # skip what .gitignore, .git/info/exclude, .ignore ignore
    output_format: str = "text"  # `check`'s output format when --format is not given
    options: dict[str, Any] = field(default_factory=dict)  # rule options by key, validated
    extra: dict[str, Any] = field(default_factory=dict)  # sub-tables owned by extensions

    def with_overrides(
        self,
        select: tuple[str, ...] | None = None,
        ignore: tuple[str, ...] = (),
        extend_select: tuple[str, ...] = (),
    ) -> Config:
        """Apply command-line selection as ruff does: a --select starts the selection afresh
        (the config's ignore and extend-select no longer apply); --ignore/--extend-select add."""
        if select is not None:
            return replace(self, select=select, ignore=ignore, extend_select=extend_select)
        return replace(
            self,
            ignore=self.ignore + ignore,
            extend_select=self.extend_select + extend_select,
        )

    def fingerprint(self) -> str:
        """A digest of everything that changes findings (for the result cache)."""
        data = {
            "select": self.select,
            "ignore": self.ignore,
            "extend_select": self.extend_select,
            "per_file_ignores": self.per_file_ignores,
            "src": self.src,
            "helpers": self.assertion_helper_prefixes,
            "options": self.options,
        }
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# key -> (attribute, expected type name)
_CORE_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", "list[str]"),
    "ignore": ("ignore", "list[str]"),
    "extend-select": ("extend_select", "list[str]"),
    "per-file-ignores": ("per_file_ignores", "dict[str, list[str]]"),
    "exclude": ("exclude", "list[str]"),
    "extend-exclude": ("exclude", "list[str]"),
    "src": ("src", "list[str]"),
    "assertion-helper-prefixes": ("assertion_helper_prefixes", "list[str]"),
    "respect-gitignore": ("respect_gitignore", "bool"),
    "output-format": ("output_format", "str"),
}
# what each core key means: the configuration reference in docs/ is generated from this and
# from _CORE_KEYS and Config's defaults (a test fails if a key has no entry here)
CORE_KEY_HELP: dict[str, str] = {
    "select": "Rule codes or prefixes to enable (`TL1`, `TL104`, `ALL`). Unset: every rule "
    "that is enabled by default.",
    "ignore": "Rule codes or prefixes to turn off. The most specific selector wins: "
    "`select = [\"TL1\"]` with `ignore = [\"TL101\"]` turns off TL101 only.",
    "extend-select": "Rule codes or prefixes to enable in addition to `select` (or to the "
    "default rules): the way to turn on opt-in rules.",
    "per-file-ignores": "Glob pattern (relative to the configuration file) to rule codes or "
    "prefixes ignored in the matching files.",
    "exclude": "Glob patterns of files and directories not to lint, relative to the "
    "configuration file. A file named on the command line is linted all the same, unless "
    "`--force-exclude` is given (as the pre-commit hook does).",
    "extend-exclude": "More patterns to exclude, added to `exclude`.",
    "src": "The project's source roots (the code under test), for rules that look into it. "
    "Unset: `src/` if present, else the project root minus the test paths.",
    "assertion-helper-prefixes": "A call to a function whose name starts with one of these "
    "counts as an assertion (a project's own `check_frame(...)` helpers).",
    "respect-gitignore": "Skip files and directories that ignore files ignore when walking a "
    "directory: `.gitignore` files and `.git/info/exclude` inside a git work tree, `.ignore` "
    "files anywhere, with git's rules (as ruff does). A path named on the command line is "
    "linted all the same, unless `--force-exclude` is given. `false` reads none of them.",
    "output-format": "The output format of `testlint check` when `--output-format` is not "
    "given: `text` (one line per finding, the whole message), `concise`, `full`, `json`, "
    "`json-lines`, `sarif`, `github`, `gitlab` or `junit`.",
}
# sub-tables that extensions (the rewrite step) validate themselves
EXTENSION_TABLES = frozenset({"rewrite", "lsp"})


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest testlint.toml, or pyproject.toml with a [tool.testlint] table, upwards."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            path = directory / name
            if not path.is_file():
                continue
            data = _read_toml(path)
            if name == "pyproject.toml":
                tool = data.get("tool")
                table = tool.get("testlint") if isinstance(tool, dict) else None
                if table is None:
                    continue
                if not isinstance(table, dict):
                    raise ConfigError(f"{path}: [tool.testlint] must be a table")
                return path, table
            return path, data
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return load_toml(path)
    except TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None


def load_config(start: Path, registry: Registry, explicit: Path | None = None) -> Config:
    """Find and validate the configuration that applies to paths under `start`."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: config file not found")
        data = _read_toml(explicit)
        if explicit.name == "pyproject.toml":
            tool = data.get("tool", {})
            data = tool.get("testlint", {}) if isinstance(tool, dict) else {}
        return parse_config(data, registry, explicit.resolve(), explicit.resolve().parent)
    found = find_config_file(start)
    if found is None:
        return Config(root=start.resolve() if start.is_dir() else start.resolve().parent)
    path, table = found
    return parse_config(table, registry, path, path.parent)


def _type_ok(value: Any, type_name: str) -> bool:
    if type_name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name == "bool":
        return isinstance(value, bool)
    if type_name == "str":
        return isinstance(value, str)
    if type_name == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if type_name == "dict[str, list[str]]":
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(c, str) for c in v)
            for k, v in value.items()
        )
    return True


_TYPE_WORDS = {
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "str": "a string",
    "list[str]": "a list of strings",
    "dict[str, list[str]]": "a table of lists of rule codes",
}


def _check_codes(codes: list[str], registry: Registry, where: str) -> None:
    for code in codes:
        if code.strip().upper() in ENGINE_CODES:
            continue
        if not registry.is_selector(code):
            raise ConfigError(f"{where}: unknown rule code or prefix '{code}'")


def parse_config(
    table: dict[str, Any], registry: Registry, path: Path | None, root: Path
) -> Config:
    where = str(path) if path else "configuration"
    option_specs = registry.options()
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in table.items():
        if key in EXTENSION_TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: '{key}' must be a table")
            extra[key] = value
            continue
        if key in _CORE_KEYS:
            attr, type_name = _CORE_KEYS[key]
            if not _type_ok(value, type_name):
                raise ConfigError(f"{where}: '{key}' must be {_TYPE_WORDS[type_name]}")
            if key in {"select", "ignore", "extend-select"}:
                _check_codes(value, registry, f"{where}: {key}")
            if key == "output-format":
                from testlint.report import FORMATS

                if value not in FORMATS:
                    raise ConfigError(f"{where}: 'output-format' must be one of "
                                      f"{', '.join(FORMATS)}, not '{value}'")
            if key == "per-file-ignores":
                for pattern, codes in value.items():
                    _check_codes(codes, registry, f"{where}: per-file-ignores '{pattern}'")
                value = {pattern: tuple(codes) for pattern, codes in value.items()}
            elif isinstance(value, list):
                value = tuple(value)
            if attr == "exclude" and "exclude" in values:
                value = values["exclude"] + value
            values[attr] = value
            continue
        spec = option_specs.get(key)
        if spec is None:
            hint = _closest(key, [*_CORE_KEYS, *option_specs])
            suffix = f" (did you mean '{hint}'?)" if hint else ""
            raise ConfigError(f"{where}: unknown key '{key}' in [tool.testlint]{suffix}")
        if not _type_ok(value, spec.type_name):
            raise ConfigError(f"{where}: '{key}' must be {_TYPE_WORDS[spec.type_name]}")
        if spec.type_name in {"int", "float"} and not 0 <= value < math.inf:
            # every numeric option is a size, a count or a threshold: nan, inf and negatives
            # would turn a rule silently off (or on for everything)
            raise ConfigError(f"{where}: '{key}' must be a finite number >= 0, not {value}")
        options[key] = tuple(value) if isinstance(value, list) else value
    return Config(path=path, root=root, options=options, extra=extra, **values)


def _closest(key: str, candidates: list[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    return matches[0] if matches else None


def validate_selection(registry: Registry, codes: tuple[str, ...], flag: str) -> None:
    """Check command-line codes; raise ConfigError naming the first unknown one."""
    try:
        for code in codes:
            if code.strip().upper() not in ENGINE_CODES:
                registry._checked(code)
    except UnknownRuleError as exc:
        raise ConfigError(f"{flag}: {exc}") from None
