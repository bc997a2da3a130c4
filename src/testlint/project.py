"""The project around a test file: its config, pytest's config, conftest fixtures, test helpers.

Conftest files and test-helper modules are parsed lazily, once per process, and only when a
test file's facts ask about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

from testlint.config import Config
from testlint.dependencies.declared import Declared, DeclaredReader, pytest11_modules
from testlint.facts import (
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    CollectionRules,
    FixtureDef,
    TestModule,
    build_facts,
)
from testlint.pytest_config import PytestConfig
from testlint.snapshots import SnapshotFile, SnapshotFinder
from testlint.source import UnreadableSource, read_source

T = TypeVar("T")

TEST_DIR_NAMES = frozenset({"test", "tests", "testing", "_testing"})
PROJECT_ROOT_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg", "tox.ini")


@dataclass
class Project:
    config: Config
    pytest: PytestConfig
    _conftests: dict[Path, TestModule | None] = field(default_factory=dict)
    _unreadable: dict[Path, UnreadableSource] = field(default_factory=dict)  # conftests, helpers
    _helper_modules: dict[Path, TestModule | None] = field(default_factory=dict)
    _parse_reads: dict[Path, tuple[Path, ...]] = field(default_factory=dict)
    _packages: dict[Path, tuple[str | None, tuple[Path, ...]]] = field(default_factory=dict)
    _above_rootdir: list[Path] | None = None
    _conftests_by_dir: dict[Path, tuple[list[TestModule], tuple[Path, ...]]] = field(
        default_factory=dict
    )
    _helper_lookups: dict[
        tuple[str, Path], tuple[tuple[TestModule, str] | None, tuple[Path, ...]]
    ] = field(default_factory=dict)
    _snapshot_finder: SnapshotFinder = field(default_factory=SnapshotFinder)
    _snapshot_files: dict[Path, list[SnapshotFile]] = field(default_factory=dict)
    _declared: DeclaredReader = field(default_factory=DeclaredReader)
    _own_plugins: tuple[str, ...] | None = None
    # Files besides the linted one whose content (or absence) its findings depend on: the
    # engine starts a fresh record per file, the result cache keys the file's entry on them.
    # Anything that reads another project file for a test file's sake must call note_read.
    reads: dict[Path, None] | None = None

    def note_read(self, path: Path) -> None:
        if self.reads is not None:
            self.reads[path] = None

    @property
    def rootdir(self) -> Path:
        return self.pytest.rootdir

    @property
    def collection_rules(self) -> CollectionRules:
        return CollectionRules(
            python_classes=self.pytest.python_classes,
            python_functions=self.pytest.python_functions,
            helper_prefixes=self.config.assertion_helper_prefixes,
        )

    def package_of(self, path: Path) -> str | None:
        """The dotted package a file belongs to (by __init__.py files), or None if it has none.

        Memoised per directory, with the files read, noted again for each file that asks."""
        directory = path.resolve().parent
        memo = self._packages.get(directory)
        if memo is None:
            memo = self._packages[directory] = self._recording(
                lambda: self._package_in(directory))
        self._replay(memo[1])
        return memo[0]

    def _package_in(self, directory: Path) -> str | None:
        parts: list[str] = []
        self.note_read(directory / "__init__.py")
        while (directory / "__init__.py").is_file():
            parts.append(directory.name)
            if directory.parent == directory:
                break
            directory = directory.parent
            self.note_read(directory / "__init__.py")
        return ".".join(reversed(parts)) if parts else None

    def _ancestors(self, path: Path) -> list[Path]:
        """Directories from the rootdir down to the file's own directory."""
        directory = path.resolve().parent
        root = self.rootdir.resolve()
        chain = [directory]
        for parent in directory.parents:
            if root != parent and root not in parent.parents:
                break
            chain.append(parent)
        return list(reversed(chain))

    def _recording(self, compute: Callable[[], T]) -> tuple[T, tuple[Path, ...]]:
        """`compute()`, and the files it read, kept apart from the reads of the file being
        linted: a memoised answer is replayed (`_replay`) for every later file that asks."""
        outer, self.reads = self.reads, {}
        try:
            return compute(), tuple(self.reads)
        finally:
            self.reads = outer

    def _replay(self, reads: tuple[Path, ...]) -> None:
        for read in reads:
            self.note_read(read)

    def conftests_for(self, path: Path) -> list[TestModule]:
        """Conftest facts that apply to a test file, outermost first.

        Memoised per directory (with the files read, noted again for each file that asks),
        except for a conftest itself, which does not see its own fixtures."""
        key = path.parent
        memo = None if path.name == "conftest.py" else self._conftests_by_dir.get(key)
        if memo is None:
            memo = self._recording(lambda: self._find_conftests(path))
            if path.name != "conftest.py":
                self._conftests_by_dir[key] = memo
        self._replay(memo[1])
        return memo[0]

    def _find_conftests(self, path: Path) -> list[TestModule]:
        found = []
        resolved = path.resolve()
        for directory in self._ancestors(path):
            conftest = directory / "conftest.py"
            if conftest.resolve() == resolved:
                continue
            self.note_read(conftest)
            module = self._parsed(conftest, self._conftests)
            if module is not None:
                found.append(module)
        return found

    def _parsed(self, path: Path, store: dict[Path, TestModule | None]) -> TestModule | None:
        """Facts of a conftest or helper module, parsed once; the files its facts read (its
        package's `__init__.py` files) are noted for every test file that uses it."""
        if path not in store:
            store[path], self._parse_reads[path] = self._recording(
                lambda: self._parse_file(path, is_conftest=True))
        self._replay(self._parse_reads.get(path, ()))
        return store[path]

    def conftest_faults(self, path: Path) -> list[tuple[Path, UnreadableSource]]:
        """The conftests on the way to this test file that cannot be analysed (pytest cannot
        import them), outermost first."""
        self.conftests_for(path)
        if not any(unreadable.name == "conftest.py" for unreadable in self._unreadable):
            return []  # the usual project: no directory walk per test file to say so
        return [(conftest, self._unreadable[conftest])
                for directory in self._ancestors(path)
                if (conftest := directory / "conftest.py") in self._unreadable
                and conftest.resolve() != path.resolve()]

    def _parse_file(self, path: Path, is_conftest: bool) -> TestModule | None:
        if not path.is_file():
            return None
        try:
            source = read_source(path)
        except UnreadableSource as error:
            self._unreadable[path] = error
            return None
        try:
            return build_facts(
                source,
                self.collection_rules,
                is_conftest=is_conftest,
                package=self.package_of(path),
            )
        except RecursionError:
            return None

    def conftests_above_rootdir(self) -> list[TestModule]:
        """With no ini file, pytest's rootdir is just the common ancestor of its arguments, and a
        run from higher up (the usual `pytest` at the project root) also loads the conftests
        above it: those up to the project's root (a directory with .git, pyproject.toml,
        setup.py, ...), outermost first. Used where reading too little means false alarms."""
        if self.pytest.inifile is not None:
            return []
        if self._above_rootdir is None:  # the same for every file: looked up once
            above: list[Path] = []
            directory = self.rootdir.resolve()
            while directory.parent != directory and not any(
                (directory / marker).exists() for marker in PROJECT_ROOT_MARKERS
            ):
                directory = directory.parent
                above.append(directory / "conftest.py")
            self._above_rootdir = above
        found: list[TestModule] = []
        for conftest in self._above_rootdir:
            self.note_read(conftest)
            module = self._parsed(conftest, self._conftests)
            if module is not None:
                found.append(module)
        return list(reversed(found))

    def plugin_module(self, dotted: str, near: Path) -> TestModule | None:
        """A plugin module of the project itself (`pytest_plugins = ["tests.plugin"]`, `-p`),
        parsed like a conftest; None for an installed plugin or a name that does not resolve."""
        parts = [p for p in dotted.split(".") if p]
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        roots = [*self._ancestors(near), *(self.config.root / s for s in self.config.src),
                 self.rootdir / "src"]
        rootdir = self.rootdir.resolve()
        for root in dict.fromkeys(roots):
            for file in (root.joinpath(*parts).with_suffix(".py"),
                         root.joinpath(*parts, "__init__.py")):
                resolved = file.resolve()
                if rootdir != resolved and rootdir not in resolved.parents:
                    continue
                module = self._parsed(file, self._helper_modules)
                if module is not None:
                    return module
        return None

    def own_plugins(self) -> tuple[str, ...]:
        """The modules the project itself registers as pytest plugins (`pytest11` entry points
        in the pyproject.toml or setup.cfg beside pytest's ini file or the testlint config)."""
        directories = tuple(dict.fromkeys((self.rootdir, self.config.root)))
        for directory in directories:
            self.note_read(directory / "pyproject.toml")
            self.note_read(directory / "setup.cfg")
        if self._own_plugins is None:
            self._own_plugins = tuple(
                dict.fromkeys(m for d in directories for m in pytest11_modules(d))
            )
        return self._own_plugins

    def snapshot_files(self, path: Path, module: TestModule) -> list[SnapshotFile]:
        """The stored snapshots of the test module at `path` (syrupy, pytest-snapshot,
        snapshottest), read on first request and cached; never raises on unreadable files."""
        if self.reads is not None:  # recording for the result cache
            for source in SnapshotFinder.sources(path):
                self.note_read(source)  # a directory: the cache digests every file below it
        found = self._snapshot_files.get(path)
        if found is None:
            tests = [test.qualname for test in module.tests]
            found = self._snapshot_finder.for_module(path, module.path, tests)
            self._snapshot_files[path] = found
        return found

    def declared_dependencies(self, path: Path) -> Declared:
        """The distributions the project declares for the test file at `path` (its dependency
        files from the file's directory up to the repository root; see dependencies.declared).
        Read once per directory; every file consulted is noted for the result cache."""
        return self._declared.for_directory(path.parent, self.note_read)

    def lookup_for(self, path: Path) -> ProjectFileLookup:
        return ProjectFileLookup(self, path)

    def helper_module(self, qualname: str, near: Path) -> tuple[TestModule, str] | None:
        """Resolve `pkg.helpers.func` (or `.helpers.func`) to a parsed test-helper module.

        The answer depends only on the directory of `near`, so it is memoised per directory
        (resolving candidate paths dominated facts on large suites), together with the files
        the lookup read, which are noted again for every file that asks."""
        if not may_name_test_helper(qualname):
            return None  # the code under test, a library: nothing to read, nothing to memoise
        key = (qualname, near.parent)
        memo = self._helper_lookups.get(key)
        if memo is None:
            memo = self._helper_lookups[key] = self._recording(
                lambda: self._find_helper_module(qualname, near))
        self._replay(memo[1])
        return memo[0]

    def _find_helper_module(self, qualname: str, near: Path) -> tuple[TestModule, str] | None:
        if qualname.startswith("."):
            level = len(qualname) - len(qualname.lstrip("."))
            base = near.resolve().parent
            for _ in range(level - 1):
                base = base.parent
            module, _, func = qualname.lstrip(".").rpartition(".")
            candidates = [base / Path(*module.split("."))] if module else []
            return self._load_helper(candidates, func)
        module, _, func = qualname.rpartition(".")
        parts = module.split(".")
        roots = [*self._ancestors(near), *(self.config.root / s for s in self.config.src)]
        candidates = [root / Path(*parts) for root in dict.fromkeys(roots)]
        return self._load_helper(candidates, func)

    def _load_helper(self, candidates: list[Path], func: str) -> tuple[TestModule, str] | None:
        rootdir = self.rootdir.resolve()
        for stem in candidates:
            for file in (stem.with_suffix(".py"), stem / "__init__.py"):
                resolved = file.resolve()
                if rootdir != resolved and rootdir not in resolved.parents:
                    continue
                self.note_read(file)
                module = self._parsed(file, self._helper_modules)
                if module is not None:
                    return module, func
        return None


def may_name_test_helper(qualname: str) -> bool:
    """Whether `pkg.helpers.func` (or a relative `.helpers.func`) may name a function of a
    test-support module, which `Project.helper_module` reads: its module path names tests
    (`tests`, `testing`, `test_utils`...) and is not the standard library's or pytest's. The
    code under test is never read."""
    if qualname.startswith("."):
        return True
    module = qualname.rpartition(".")[0]
    if not module:
        return False
    top = module.split(".", 1)[0]
    if top in STDLIB_MODULES or top in TEST_SUPPORT_ROOTS:
        return False
    return any(part in TEST_DIR_NAMES or "test" in part for part in module.split("."))


@dataclass
class ProjectFileLookup:
    """The project as seen from one test file (the facts' ProjectLookup)."""

    project: Project
    path: Path
    _conftests: list[TestModule] | None = None
    _asserts: dict[str, bool | None] = field(default_factory=dict)

    @property
    def conftests(self) -> list[TestModule]:
        if self._conftests is None:
            self._conftests = self.project.conftests_for(self.path)
        return self._conftests

    def fixture(self, name: str) -> FixtureDef | None:
        for module in reversed(self.conftests):  # the nearest conftest wins
            fixture = module.fixtures.get(name)
            if fixture is not None:
                return fixture
        return None

    def autouse_fixtures(self) -> list[FixtureDef]:
        return [f for module in self.conftests for f in module.fixtures.values() if f.autouse]

    def conftest_modules(self) -> list[TestModule]:
        """The conftests on this file's path, each followed by the project's own plugin modules
        it loads (`pytest_plugins`) or takes its `pytest_configure` hook from, the plugins `-p`
        in addopts names, and the project's own plugins (its `pytest11` entry points)."""
        modules: list[TestModule] = []
        for conftest in [*self.project.conftests_above_rootdir(), *self.conftests]:
            modules.append(conftest)
            # plugins it loads, and a project module whose `pytest_configure` it imports
            # (`from pkg.testing.conftest import pytest_configure`: that hook registers markers)
            configure = conftest.imports.get("pytest_configure", "")
            hook_module = configure.rpartition(".")[0] if configure.endswith(
                ".pytest_configure") else ""
            for name in [*conftest.pytest_plugins, *([hook_module] if hook_module else [])]:
                plugin = self.project.plugin_module(name, Path(conftest.path))
                if plugin is not None:
                    modules.append(plugin)
        for flag, value in pairwise(self.project.pytest.addopts):
            if flag == "-p" and not value.startswith("no:"):
                plugin = self.project.plugin_module(value, self.path)
                if plugin is not None:
                    modules.append(plugin)
        for name in self.project.own_plugins():
            plugin = self.project.plugin_module(name, self.path)
            if plugin is not None:
                modules.append(plugin)
        return modules

    def declared_dependencies(self) -> Declared:
        return self.project.declared_dependencies(self.path)

    def function_asserts(self, qualname: str) -> bool | None:
        if qualname in self._asserts:  # the file's reads were noted on the first ask
            return self._asserts[qualname]
        resolved = self.project.helper_module(qualname, self.path)
        verdict = None if resolved is None else resolved[0].helper_asserts.get(resolved[1])
        self._asserts[qualname] = verdict
        return verdict
