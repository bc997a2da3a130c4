"""What pytest itself would read: its rootdir, ini file, collection patterns and markers.

pytest looks in the common ancestor of its arguments and upwards for, in each directory in turn,
pytest.ini, .pytest.ini, pyproject.toml ([tool.pytest.ini_options] or [tool.pytest]), tox.ini
([pytest]) and setup.cfg ([tool:pytest]); the first match is the ini file and its directory the
rootdir. Sections pytest ignores are reported so that a user learns why a marker is "undeclared".
"""

from __future__ import annotations

import configparser
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.tomlcompat import TOMLDecodeError, load_toml

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")
DEFAULT_PYTHON_CLASSES = ("Test",)
DEFAULT_PYTHON_FUNCTIONS = ("test",)
DEFAULT_NORECURSEDIRS = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")


@dataclass
class PytestConfig:
    rootdir: Path
    inifile: Path | None = None
    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
    python_classes: tuple[str, ...] = DEFAULT_PYTHON_CLASSES
    python_functions: tuple[str, ...] = DEFAULT_PYTHON_FUNCTIONS
    testpaths: tuple[str, ...] = ()
    norecursedirs: tuple[str, ...] = DEFAULT_NORECURSEDIRS
    markers: dict[str, str] = field(default_factory=dict)  # name -> description
    addopts: tuple[str, ...] = ()
    pythonpath: tuple[str, ...] = ()
    # sections that look like pytest configuration but that pytest does not read
    ignored_sections: list[str] = field(default_factory=list)
    # a config file pytest would fail to read
    errors: list[str] = field(default_factory=list)

    @property
    def strict_markers(self) -> bool:
        return "--strict-markers" in self.addopts or "--strict" in self.addopts


def _split_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _split_args(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


def _as_list(value: Any, *, lines: bool = False) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(_split_lines(value) if lines else _split_args(value))
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def _marker_entries(values: tuple[str, ...]) -> dict[str, str]:
    markers: dict[str, str] = {}
    for entry in values:
        name, _, description = entry.partition(":")
        name = name.strip()
        if "(" in name:  # "slow(reason): description"
            name = name.split("(", 1)[0].strip()
        if name:
            markers[name] = description.strip()
    return markers


def _ini_sections(path: Path) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    return parser


def _from_ini_section(config: PytestConfig, section: Any) -> None:
    get = section.get
    if get("python_files") is not None:
        config.python_files = _as_list(get("python_files"))
    if get("python_classes") is not None:
        config.python_classes = _as_list(get("python_classes"))
    if get("python_functions") is not None:
        config.python_functions = _as_list(get("python_functions"))
    if get("testpaths") is not None:
        config.testpaths = _as_list(get("testpaths"))
    if get("norecursedirs") is not None:
        config.norecursedirs = _as_list(get("norecursedirs"))
    if get("markers") is not None:
        config.markers = _marker_entries(_as_list(get("markers"), lines=True))
    if get("addopts") is not None:
        config.addopts = _as_list(get("addopts"))
    if get("pythonpath") is not None:
        config.pythonpath = _as_list(get("pythonpath"))


class _TomlSection:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def get(self, key: str) -> Any:
        value = self.data.get(key)
        if key == "markers" and isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value


def _candidate(directory: Path, config: PytestConfig) -> bool:
    """Fill `config` from the pytest config file in `directory`, if one matches."""
    for name in ("pytest.ini", ".pytest.ini"):
        path = directory / name
        if path.is_file():
            config.inifile = path
            parser = _ini_sections(path)
            if parser is None:
                config.errors.append(f"{path}: cannot be parsed")
                return True
            if parser.has_section("pytest"):
                _from_ini_section(config, parser["pytest"])
            for other in ("tool:pytest", "tool.pytest", "tool.pytest.ini_options"):
                if parser.has_section(other):
                    config.ignored_sections.append(
                        f"{path.name}: pytest ignores the [{other}] section here (it reads [pytest])"
                    )
            return True
    path = directory / "pyproject.toml"
    if path.is_file():
        try:
            data = load_toml(path)
        except (TOMLDecodeError, OSError, UnicodeDecodeError):
            data = {}
        tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
        pytest_table = tool.get("pytest")
        if isinstance(pytest_table, dict):
            ini_options = pytest_table.get("ini_options")
            native = {k: v for k, v in pytest_table.items() if k != "ini_options"}
            if isinstance(ini_options, dict) or native:
                config.inifile = path
                if native:
                    _from_ini_section(config, _TomlSection(native))
                if isinstance(ini_options, dict):
                    _from_ini_section(config, _TomlSection(ini_options))
                return True
    path = directory / "tox.ini"
    if path.is_file():
        parser = _ini_sections(path)
        if parser is not None and parser.has_section("pytest"):
            config.inifile = path
            _from_ini_section(config, parser["pytest"])
            return True
        if parser is not None and parser.has_section("tool:pytest"):
            config.ignored_sections.append(
                "tox.ini: pytest ignores the [tool:pytest] section here (it reads [pytest])"
            )
    path = directory / "setup.cfg"
    if path.is_file():
        parser = _ini_sections(path)
        if parser is not None and parser.has_section("tool:pytest"):
            config.inifile = path
            _from_ini_section(config, parser["tool:pytest"])
            return True
        if parser is not None and parser.has_section("pytest"):
            config.ignored_sections.append(
                "setup.cfg: pytest ignores the [pytest] section here (it reads [tool:pytest])"
            )
    return False


def common_ancestor(paths: list[Path]) -> Path:
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    common = dirs[0]
    for other in dirs[1:]:
        while common != other and common not in other.parents:
            common = common.parent
    return common


def find_pytest_config(paths: list[Path]) -> PytestConfig:
    """Locate pytest's ini file and rootdir for these arguments, as pytest would."""
    start = common_ancestor(paths)
    ignored: list[str] = []
    for directory in (start, *start.parents):
        config = PytestConfig(rootdir=directory)
        if _candidate(directory, config):
            config.ignored_sections[:0] = ignored
            return config
        ignored.extend(config.ignored_sections)
    # No ini file: pytest uses the first directory upwards with setup.py, else the ancestor.
    rootdir = next((d for d in (start, *start.parents) if (d / "setup.py").is_file()), start)
    return PytestConfig(rootdir=rootdir, ignored_sections=ignored)
