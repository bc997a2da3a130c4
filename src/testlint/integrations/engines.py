"""The engine a plugin (flake8, pytest) uses for a file: the one `testlint check` would use.

Configuration (`[tool.testlint]`, found upwards from the file) and pytest's ini file decide the
rules, their options and per-file-ignores, so every door reports the same findings. Plugins check
many files per process: one engine is kept per (configuration file, pytest ini file), with its
conftest and code-under-test caches.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from testlint.discovery import Discovery
    from testlint.engine import Engine

_engines: dict[tuple[Path | None, Path | None, bool], tuple[Engine, Discovery]] = {}


def engine_and_discovery(path: Path, *, noqa: bool = True) -> tuple[Engine, Discovery]:
    """The engine and test-file discovery for `path`; raises ConfigError on a broken
    configuration. `noqa=False` leaves `# noqa` comments to the host tool (flake8)."""
    from testlint.config import load_config
    from testlint.discovery import Discovery
    from testlint.engine import make_engine
    from testlint.pytest_config import find_pytest_config
    from testlint.registry import load_registry

    pytest_config = find_pytest_config([path])
    registry = load_registry()
    config = load_config(path, registry)
    key = (config.path, pytest_config.inifile, noqa)
    cached = _engines.get(key)
    if cached is None:
        engine = make_engine([path], config=config, pytest_config=pytest_config, registry=registry)
        engine.suppress = noqa
        cached = (engine, Discovery(config=config, pytest=pytest_config, only_test_files=True))
        _engines[key] = cached
    return cached
