"""The distributions a project declares, read from the files that install its test environment.

A project declares a distribution when any of these name it, in the test file's directory or
any directory above it up to the repository root (the first directory with `.git` or `.hg`;
without one, up to the outermost directory holding a project file such as pyproject.toml):

- pyproject.toml: `[project]` dependencies and optional-dependencies, `[dependency-groups]`, and
  the dependency tables of tools (poetry, pdm, hatch environments, uv, tox, pixi); also the
  project's own name, so a plugin's own suite declares the plugin;
- requirements files (`*requirements*.txt` / `.in`, `requirements/`, `constraints*.txt`),
  following `-r` and `-c` includes;
- setup.cfg (`install_requires`, `extras_require`, `tests_require`, tox sections) and the
  requirement lists of setup.py;
- tox.ini and tox.toml `deps` (with `-r` includes), Pipfile, lock files (poetry, pdm, uv, rye,
  Pipfile.lock: every package they pin, transitive ones included), conda environment files;
- install commands (`pip install ...`, `uv add ...`, nox's `session.install(...)`) in CI
  configurations (GitHub workflows, GitLab, Travis, Azure, CircleCI, `ci/`), noxfile.py,
  Makefile and justfile.

Reading more than a file strictly means is the safe direction: a declared name only ever
silences a finding. Nothing is imported or executed; an unreadable file declares nothing.
"""

from __future__ import annotations

import ast
import configparser
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.dependencies.names import normalise, requirement_name
from testlint.tomlcompat import TOMLDecodeError, load_toml

MAX_BYTES = 8_000_000
REPOSITORY_MARKERS = (".git", ".hg")
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "tox.ini", "pytest.ini")
# files read in every directory of the chain (absent ones are noted too: adding one changes
# what is declared)
FIXED_FILES = (
    "pyproject.toml", "setup.cfg", "setup.py", "tox.ini", "Pipfile", "Pipfile.lock",
    "poetry.lock", "pdm.lock", "uv.lock", "pixi.toml", "hatch.toml", "tox.toml", "noxfile.py",
    "Makefile", "justfile", "environment.yml", "environment.yaml", ".gitlab-ci.yml",
    ".travis.yml", "azure-pipelines.yml", ".circleci/config.yml",
    # the usual requirements files, also found by the globs below: named here so that adding
    # one is seen by the result cache (a glob's matches are noted only once they exist)
    "requirements.txt", "requirements-dev.txt", "requirements-test.txt", "requirements_dev.txt",
    "requirements_test.txt", "dev-requirements.txt", "test-requirements.txt",
)
# glob patterns under each directory of the chain
GLOBS = (
    "*requirements*.txt", "*requirements*.in", "requirements*.lock", "constraints*.txt",
    "environment*.y*ml",
    "*/*requirements*.txt", "*/*requirements*.in",  # tests/requirements.txt, tools/...
    "requirements*/**/*.txt", "requirements*/**/*.in",
    ".github/workflows/*.y*ml", "ci/**/*.y*ml", "ci/**/*.txt",
)
# keys whose values (lists of requirement strings, or tables keyed by distribution) declare
_DEPENDENCY_KEYS = frozenset({
    "dependencies", "optional-dependencies", "dev-dependencies", "extra-dependencies",
    "dependency-groups", "deps", "packages", "dev-packages", "requires", "test-dependencies",
    "pypi-dependencies", "requirements",
})
_STRICT_SPEC = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*(?:[<>=!~][^;]*)?(?:;.*)?$"
)
_LOCK_NAME = re.compile(r'^name\s*=\s*"([^"]+)"', re.MULTILINE)
_INSTALL_COMMAND = re.compile(
    r"\b(?:pip3?|uv|poetry|pdm|pipx|conda|mamba|micromamba)\b[^\n]*?\b(?:install|add|inject)\b"
    r"(.*)"
)
MAX_LINE = 4_000  # longer lines (minified, generated) are not commands anyone wrote
_NOX_INSTALL = re.compile(r"\.(?:install|conda_install)\(([^)]*)\)", re.DOTALL)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")
_YAML_ITEM = re.compile(
    r"""^\s*-\s+["']?([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:[<>=!~]|["']?\s*$|\s+[<>=!~])""",
    re.MULTILINE,
)
_TOX_FACTOR = re.compile(r"^[A-Za-z0-9_,!.{}-]+:\s+")
_REQUIREMENT_OPTION = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=?\s*)(\S+)")


@dataclass(frozen=True)
class Declared:
    """The distributions declared for one directory: normalised name -> the file naming it."""

    names: dict[str, Path] = field(default_factory=dict)

    def declares(self, distribution: str) -> bool:
        return normalise(distribution) in self.names

    def where(self, distribution: str) -> Path | None:
        return self.names.get(normalise(distribution))


def directory_chain(directory: Path) -> list[Path]:
    """The directories whose files declare for a test file in `directory`, innermost first."""
    start = directory.resolve()
    chain: list[Path] = []
    for current in (start, *start.parents):
        chain.append(current)
        if any(_exists(current / marker) for marker in REPOSITORY_MARKERS):
            return chain
    outermost = max((i for i, d in enumerate(chain) if _holds_project_files(d)), default=0)
    return chain[: outermost + 1]


def _holds_project_files(directory: Path) -> bool:
    if any(_is_file(directory / name) for name in (*PROJECT_FILES, *FIXED_FILES)):
        return True
    try:
        return any(directory.glob("*requirements*.txt"))
    except OSError:
        return False


class DeclaredReader:
    """Reads what each directory declares, once per directory; `note` hears every file whose
    content (or absence) the answer depends on."""

    def __init__(self) -> None:
        self._own: dict[Path, tuple[dict[str, Path], tuple[Path, ...]]] = {}
        self._chains: dict[Path, list[Path]] = {}

    def for_directory(self, directory: Path, note: Callable[[Path], None]) -> Declared:
        chain = self._chains.get(directory)
        if chain is None:
            chain = self._chains[directory] = directory_chain(directory)
        names: dict[str, Path] = {}
        for current in reversed(chain):  # the innermost file naming a distribution wins
            own, reads = self._directory(current)
            for path in reads:
                note(path)
            names.update(own)
        return Declared(names)

    def _directory(self, directory: Path) -> tuple[dict[str, Path], tuple[Path, ...]]:
        memo = self._own.get(directory)
        if memo is None:
            found: dict[str, Path] = {}
            reads: list[Path] = []
            for path in _candidate_files(directory, reads):
                for name in _read_file(path, set()):
                    found.setdefault(name, path)
            memo = self._own[directory] = (found, tuple(reads))
        return memo


def _candidate_files(directory: Path, reads: list[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    for name in FIXED_FILES:
        path = directory / name
        reads.append(path)
        if _is_file(path):
            seen.add(path)
            yield path
    for pattern in GLOBS:
        try:
            matches = sorted(directory.glob(pattern))
        except OSError:
            continue
        for path in matches[:200]:
            if _is_file(path) and path not in seen:
                seen.add(path)
                reads.append(path)
                yield path


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # permission denied, a name too long: nothing declared there
        return False


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:
        return False


def _read_text(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _read_file(path: Path, seen: set[Path]) -> set[str]:
    """Every distribution one file declares (following requirement-file includes)."""
    try:
        key = path.resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return set()
    if key in seen:
        return set()
    seen.add(key)
    text = _read_text(path)
    if text is None:
        return set()
    name = path.name
    try:
        if name in {"pyproject.toml", "pixi.toml", "hatch.toml", "tox.toml", "Pipfile"}:
            return _from_toml(path, seen)
        if name.endswith(".lock") and name != "Pipfile.lock" and "requirements" not in name:
            return {normalise(n) for n in _LOCK_NAME.findall(text)}
        if name == "Pipfile.lock":
            return _from_pipfile_lock(text)
        if name == "setup.cfg":
            return _from_ini(text, path, seen, setup_cfg=True)
        if name == "tox.ini":
            return _from_ini(text, path, seen, setup_cfg=False)
        if name == "setup.py":
            return _from_python_lists(text)
        if name == "noxfile.py":
            return _from_install_commands(text, path, seen) | _from_nox(text)
        if name.endswith((".yml", ".yaml")):
            found = _from_install_commands(text, path, seen)
            if name.startswith("environment") or "ci" in path.parts:
                found |= {normalise(n) for n in _YAML_ITEM.findall(text)}
            return found
        if name in {"Makefile", "justfile"}:
            return _from_install_commands(text, path, seen)
        return _from_requirements(text, path, seen)
    except (ValueError, TypeError, SyntaxError, RecursionError, configparser.Error,
            TOMLDecodeError, UnicodeDecodeError, OSError):
        return set()


def _from_requirements(text: str, path: Path, seen: set[Path]) -> set[str]:
    found: set[str] = set()
    for raw in text.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*", "", raw).strip()
        if not line:
            continue
        include = _REQUIREMENT_OPTION.match(line)
        if include:
            found |= _include(include.group(1), path.parent, seen)
            continue
        if line.startswith(("-e ", "--editable")):
            line = line.split(None, 1)[-1] if " " in line else ""
            if "egg=" not in line:
                continue
        if line.startswith("-"):
            continue
        name = requirement_name(line)
        if name:
            found.add(name)
    return found


def _include(target: str, base: Path, seen: set[Path]) -> set[str]:
    target = target.strip().strip("'\"")
    target = target.replace("{toxinidir}", str(base)).replace("${{ github.workspace }}", ".")
    if not target or "{" in target or "$" in target:
        return set()
    path = (base / target) if not Path(target).is_absolute() else Path(target)
    if not _is_file(path):
        return set()
    return _read_file(path, seen)


def _from_toml(path: Path, seen: set[Path]) -> set[str]:
    data = load_toml(path)
    found: set[str] = set()
    project = data.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str):
        found.add(normalise(project["name"]))
    tool = data.get("tool")
    if isinstance(tool, dict):
        poetry = tool.get("poetry")
        if isinstance(poetry, dict) and isinstance(poetry.get("name"), str):
            found.add(normalise(poetry["name"]))
        tox = tool.get("tox")
        if isinstance(tox, dict) and isinstance(tox.get("legacy_tox_ini"), str):
            found |= _from_ini(tox["legacy_tox_ini"], path, seen, setup_cfg=False)
    _walk(data, False, found)
    return found


def _walk(value: Any, declaring: bool, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if declaring and isinstance(key, str):
                name = requirement_name(key)
                if name:  # poetry/pixi/Pipfile: a table keyed by distribution
                    found.add(name)
            _walk(item, declaring or key in _DEPENDENCY_KEYS, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, declaring, found)
    elif isinstance(value, str) and declaring:
        name = requirement_name(value)
        if name:
            found.add(name)


def _from_pipfile_lock(text: str) -> set[str]:
    data = json.loads(text)
    found: set[str] = set()
    if isinstance(data, dict):
        for section in ("default", "develop"):
            packages = data.get(section)
            if isinstance(packages, dict):
                found |= {normalise(k) for k in packages if isinstance(k, str)}
    return found


def _from_ini(text: str, path: Path, seen: set[Path], *, setup_cfg: bool) -> set[str]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(text)
    values: list[str] = []
    for section in parser.sections():
        options = parser[section]
        if setup_cfg and section == "options":
            values += [options.get(k, "") for k in
                       ("install_requires", "tests_require", "setup_requires")]
        elif setup_cfg and section == "options.extras_require":
            values += [v for v in options.values() if v]
        elif section.startswith(("testenv", "tox:testenv")) and options.get("deps"):
            values.append(options.get("deps", ""))
        elif section in {"tox", "tox:tox"} and options.get("requires"):
            values.append(options.get("requires", ""))
    found: set[str] = set()
    for value in values:
        for raw in value.splitlines():
            line = _TOX_FACTOR.sub("", raw.split(" #", 1)[0].strip())
            include = _REQUIREMENT_OPTION.match(line)
            if include:
                found |= _include(include.group(1), path.parent, seen)
                continue
            name = requirement_name(line)
            if name:
                found.add(name)
    return found


def _from_python_lists(text: str) -> set[str]:
    """Requirement strings inside list, tuple, set and dict displays of a setup.py."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            items: list[ast.expr | None] = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.values)
        else:
            continue
        for item in items:
            if (isinstance(item, ast.Constant) and isinstance(item.value, str)
                    and _STRICT_SPEC.match(item.value.strip())):
                name = requirement_name(item.value)
                if name:
                    found.add(name)
    return found


def _from_nox(text: str) -> set[str]:
    found: set[str] = set()
    for arguments in _NOX_INSTALL.findall(text):
        for spec in _QUOTED.findall(arguments):
            if _STRICT_SPEC.match(spec.strip()):
                name = requirement_name(spec)
                if name:
                    found.add(name)
    return found


def _from_install_commands(text: str, path: Path, seen: set[Path]) -> set[str]:
    """Distributions named by `pip install ...`-like commands (a CI step, a make target)."""
    found: set[str] = set()
    lines = text.replace("\\\n", " ").splitlines()
    tails = [m.group(1) for line in lines if len(line) <= MAX_LINE
             for m in [_INSTALL_COMMAND.search(line)] if m]
    for tail in tails:
        tokens = tail.split()
        follow = False
        for token in tokens:
            if token in {"&&", "||", ";", "|", ")"} or token.startswith("#"):
                break
            token = token.strip("'\"")
            if follow:
                found |= _include(token, _repository_dir(path), seen)
                follow = False
                continue
            if token in {"-r", "--requirement", "-c", "--constraint"}:
                follow = True
                continue
            if not token or token.startswith("-"):
                continue
            name = requirement_name(token)
            if name:
                found.add(name)
    return found


def _repository_dir(path: Path) -> Path:
    """Where a CI file's relative paths start: the directory above `.github`, `ci`, ..."""
    for parent in path.parents:
        if parent.name in {".github", ".circleci", "ci"}:
            return parent.parent
    return path.parent


def pytest11_modules(directory: Path) -> tuple[str, ...]:
    """The modules a project in `directory` registers as pytest plugins (its `pytest11` entry
    points in pyproject.toml or setup.cfg): installed with the project, pytest loads them."""
    found: list[str] = []
    pyproject = directory / "pyproject.toml"
    if _is_file(pyproject):
        try:
            data = load_toml(pyproject)
        except (TOMLDecodeError, OSError, UnicodeDecodeError):
            data = {}
        project = data.get("project")
        entry_points = project.get("entry-points") if isinstance(project, dict) else None
        group = entry_points.get("pytest11") if isinstance(entry_points, dict) else None
        if isinstance(group, dict):
            found += [v for v in group.values() if isinstance(v, str)]
    setup_cfg = directory / "setup.cfg"
    text = _read_text(setup_cfg) if _is_file(setup_cfg) else None
    if text:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text)
            value = parser.get("options.entry_points", "pytest11", fallback="")
        except configparser.Error:
            value = ""
        found += [line.partition("=")[2] for line in value.splitlines() if "=" in line]
    modules = (entry.split(":", 1)[0].strip() for entry in found)
    return tuple(dict.fromkeys(m for m in modules if m))
