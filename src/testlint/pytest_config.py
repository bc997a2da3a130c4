"""What pytest itself would read: its rootdir, ini file, collection patterns and markers.

pytest (9) looks in the common ancestor of its arguments and upwards for, in each directory in
turn, pytest.toml, .pytest.toml ([pytest]), pytest.ini, .pytest.ini (always), pyproject.toml
([tool.pytest.ini_options] or [tool.pytest]), tox.ini ([pytest]) and setup.cfg ([tool:pytest]);
the first match is the config file and its directory the rootdir. When none matches, the first
pyproject.toml seen on the way up is the config file even without a pytest table; without one,
the first directory upwards with a setup.py is the rootdir; else the same search from each
argument; else the common ancestor of the invocation directory and the arguments
(`_pytest.config.findpaths.determine_setup`). Sections pytest ignores are reported so that a
user learns why a marker is "undeclared".
"""

from __future__ import annotations

import configparser
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.tomlcompat import TOMLDecodeError, load_toml

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")
DEFAULT_PYTHON_CLASSES = ("Test",)
DEFAULT_PYTHON_FUNCTIONS = ("test",)
DEFAULT_NORECURSEDIRS = (
    "*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"
)


@dataclass(frozen=True)
class ConfigFault:
    """A config file pytest would refuse to read (it stops with a usage error there)."""

    path: Path
    line: int
    reason: str


@dataclass
class PytestConfig:
    rootdir: Path
    inifile: Path | None = None
    section: str = ""  # the section of the ini file pytest reads ("pytest", "tool:pytest", ...)
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
    # markers declared only in such a section: name -> where ("pytest.ini [tool:pytest]")
    ignored_markers: dict[str, str] = field(default_factory=dict)
    # a config file pytest would fail to read: pytest stops there, and so does the search
    errors: list[ConfigFault] = field(default_factory=list)

    # `strict_markers = true` or `strict = true` in the ini file (pytest 9)
    strict_markers_ini: bool = False
    # every key the section pytest reads sets (plugins' own options among them: asyncio_mode)
    ini_keys: tuple[str, ...] = ()
    # `required_plugins`: distributions pytest refuses to run without
    required_plugins: tuple[str, ...] = ()

    @property
    def strict_markers(self) -> bool:
        return (
            "--strict-markers" in self.addopts
            or "--strict" in self.addopts
            or self.strict_markers_ini
        )


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


def _ini_sections(path: Path) -> configparser.RawConfigParser | ConfigFault:
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except configparser.MissingSectionHeaderError as exc:
        return ConfigFault(path, exc.lineno, "a line before the first [section]")
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else 1
        return ConfigFault(path, line, "cannot be parsed as an ini file")
    except configparser.Error as exc:
        return ConfigFault(path, getattr(exc, "lineno", None) or 1,
                           str(exc).splitlines()[0] if str(exc) else "cannot be parsed")
    except UnicodeDecodeError:
        return ConfigFault(path, 1, "not valid UTF-8")
    except OSError as exc:
        return ConfigFault(path, 1, f"cannot be read: {exc.strerror or exc}")
    return parser


def _toml_fault(path: Path, exc: Exception) -> ConfigFault:
    if isinstance(exc, UnicodeDecodeError):
        return ConfigFault(path, 1, "not valid UTF-8")
    if isinstance(exc, OSError):
        return ConfigFault(path, 1, f"cannot be read: {exc.strerror or exc}")
    text = str(exc)
    found = re.search(r"line (\d+)", text)
    return ConfigFault(path, int(found.group(1)) if found else 1,
                       f"not valid TOML: {text.split(' (at ', 1)[0]}")


def _from_ini_section(config: PytestConfig, section: Any) -> None:
    get = section.get
    config.ini_keys = tuple(str(key) for key in section.keys())  # noqa: SIM118
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
    if get("required_plugins") is not None:
        config.required_plugins = _as_list(get("required_plugins"))
    for key in ("strict", "strict_markers"):
        value = get(key)
        if value is not None:
            config.strict_markers_ini = value is True or str(value).strip().lower() in {
                "true", "1", "yes", "on"
            }


class _TomlSection:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def keys(self) -> list[str]:
        return list(self.data)

    def get(self, key: str) -> Any:
        value = self.data.get(key)
        if key == "markers" and isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value


def _ignore(config: PytestConfig, path: Path, section: str, note: str, markers: Any) -> None:
    config.ignored_sections.append(
        f"{path.name}: pytest ignores the [{section}] section here ({note})"
    )
    declared = _marker_entries(_as_list(markers, lines=True)) if markers is not None else {}
    for name in declared:
        config.ignored_markers.setdefault(name, f"{path.name} [{section}]")


def _toml_tables(path: Path) -> dict[str, dict[str, Any]] | ConfigFault:
    """pytest's tables in a pyproject.toml: {"tool.pytest.ini_options": ..., "tool.pytest": ...}."""
    try:
        data = load_toml(path)
    except (TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        return _toml_fault(path, exc)
    tool = data.get("tool", {}) if isinstance(data.get("tool"), dict) else {}
    pytest_table = tool.get("pytest")
    if not isinstance(pytest_table, dict):
        return {}
    tables: dict[str, dict[str, Any]] = {}
    ini_options = pytest_table.get("ini_options")
    native = {k: v for k, v in pytest_table.items() if k != "ini_options"}
    if native:
        tables["tool.pytest"] = native
    if isinstance(ini_options, dict):
        tables["tool.pytest.ini_options"] = ini_options
    return tables


def _candidate(directory: Path, config: PytestConfig) -> bool:
    """Fill `config` from the pytest config file in `directory`, if one matches.

    Sections pytest does not read (a [tool:pytest] in pytest.ini, or a pyproject.toml that a
    pytest.ini in the same directory shadows) are noted, with the markers they declare.
    """
    matched = False
    for name in ("pytest.toml", ".pytest.toml"):
        path = directory / name
        if path.is_file():
            config.inifile = path
            config.section = "pytest"
            matched = True
            try:
                data = load_toml(path)
            except (TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
                config.errors.append(_toml_fault(path, exc))
                return True
            table = data.get("pytest")
            if isinstance(table, dict):
                _from_ini_section(config, _TomlSection(table))
            break
    for name in ("pytest.ini", ".pytest.ini"):
        path = directory / name
        if not path.is_file():
            continue
        if matched:
            shadowed = _ini_sections(path)
            if not isinstance(shadowed, ConfigFault) and shadowed.has_section("pytest"):
                shadow = config.inifile.name if config.inifile else "pytest.toml"
                _ignore(config, path, "pytest", f"{shadow} takes precedence",
                        shadowed["pytest"].get("markers"))
            continue
        config.inifile = path
        matched = True
        parser = _ini_sections(path)
        if isinstance(parser, ConfigFault):
            config.errors.append(parser)
            return True
        config.section = "pytest"
        if parser.has_section("pytest"):
            _from_ini_section(config, parser["pytest"])
        for other in ("tool:pytest", "tool.pytest", "tool.pytest.ini_options"):
            if parser.has_section(other):
                _ignore(config, path, other, "it reads [pytest]", parser[other].get("markers"))
        break
    path = directory / "pyproject.toml"
    tables = _toml_tables(path) if path.is_file() else {}
    if isinstance(tables, ConfigFault):
        if matched:  # pytest stopped at the file before it and never reads this one
            tables = {}
        else:
            config.errors.append(tables)
            config.inifile = path
            return True
    for table_name, table in tables.items():
        if matched:
            shadow = config.inifile.name if config.inifile else "pytest.ini"
            _ignore(config, path, table_name, f"{shadow} takes precedence",
                    _TomlSection(table).get("markers"))
        else:
            config.inifile = path
            config.section = table_name
            _from_ini_section(config, _TomlSection(table))
    matched = matched or bool(tables)
    for name, section, wrong in (("tox.ini", "pytest", "tool:pytest"),
                                 ("setup.cfg", "tool:pytest", "pytest")):
        path = directory / name
        if not path.is_file():
            continue
        parser = _ini_sections(path)
        if isinstance(parser, ConfigFault):
            if matched:
                continue
            config.errors.append(parser)  # pytest parses it to look for its section, and fails
            config.inifile = path
            return True
        if parser.has_section(section):
            if matched:
                shadow = config.inifile.name if config.inifile else "pytest.ini"
                _ignore(config, path, section, f"{shadow} takes precedence",
                        parser[section].get("markers"))
            else:
                config.inifile = path
                config.section = section
                matched = True
                _from_ini_section(config, parser[section])
        if parser.has_section(wrong):
            _ignore(config, path, wrong, f"it reads [{section}]", parser[wrong].get("markers"))
    return matched


def common_ancestor(paths: list[Path]) -> Path:
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    dirs = [p if p.is_dir() else p.parent for p in resolved]
    common = dirs[0]
    for other in dirs[1:]:
        while common != other and common not in other.parents:
            common = common.parent
    return common


def _existing_dirs(paths: list[Path]) -> list[Path]:
    """pytest's get_dirs_from_args: each existing argument, as a directory."""
    found: list[Path] = []
    for path in paths:
        try:
            if not path.exists():
                continue
            resolved = path.resolve()
        except OSError:
            continue
        found.append(resolved if resolved.is_dir() else resolved.parent)
    return found


def _is_fs_root(path: Path) -> bool:
    return path.parent == path


def _locate(starts: list[Path], notes: PytestConfig) -> PytestConfig | None:
    """pytest's locate_config: the first directory (from each start upwards) with a config file
    that has pytest configuration, else the first pyproject.toml seen, else None."""
    ignored: list[str] = []
    ignored_markers: dict[str, str] = {}
    first_pyproject: Path | None = None
    searched: set[Path] = set()  # a directory searched in vain: so were all above it
    for start in starts:
        for directory in (start, *start.parents):
            if directory in searched:
                break
            searched.add(directory)
            config = PytestConfig(rootdir=directory)
            if first_pyproject is None and (directory / "pyproject.toml").is_file():
                first_pyproject = directory / "pyproject.toml"
            if _candidate(directory, config):
                config.ignored_sections[:0] = ignored
                config.ignored_markers = {**config.ignored_markers, **ignored_markers}
                return config
            ignored.extend(config.ignored_sections)
            for name, where in config.ignored_markers.items():
                ignored_markers.setdefault(name, where)
    if first_pyproject is not None:
        return PytestConfig(
            rootdir=first_pyproject.parent,
            inifile=first_pyproject,
            ignored_sections=ignored,
            ignored_markers=ignored_markers,
        )
    notes.ignored_sections[:] = ignored
    notes.ignored_markers = ignored_markers
    return None


def find_pytest_config(paths: list[Path], invocation_dir: Path | None = None) -> PytestConfig:
    """Locate pytest's config file and rootdir for these arguments, as pytest 9 would when
    run from `invocation_dir` (the current directory by default) with them."""
    invocation = (invocation_dir or Path.cwd()).resolve()
    dirs = _existing_dirs(paths)
    ancestor = common_ancestor(dirs) if dirs else invocation
    notes = PytestConfig(rootdir=ancestor)  # sections pytest ignores on the way up
    found = _locate([ancestor], notes)
    if found is not None:
        return found
    setup_dir = next((d for d in (ancestor, *ancestor.parents) if (d / "setup.py").is_file()), None)
    if setup_dir is not None:
        notes.rootdir = setup_dir
        return notes
    if dirs != [ancestor]:
        found = _locate(dirs, PytestConfig(rootdir=ancestor))
        if found is not None:
            return found
    rootdir = common_ancestor([invocation, ancestor])
    notes.rootdir = ancestor if _is_fs_root(rootdir) else rootdir
    return notes
