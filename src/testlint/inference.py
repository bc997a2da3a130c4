"""Seeing into the code under test: the project's source roots, resolution, and one cache.

This is the only module that imports astroid, and it does so lazily: finding source roots and
module files is plain path arithmetic, so a run in which no enabled rule asks to resolve a name
into the project never imports astroid at all (and a run over tests whose code is not present
never builds an astroid module either).

What it answers, always "one result or None", never an exception into a rule:

- `resolve("billing.summary.discount")`: the one definition a qualified name reaches in the
  project, following re-exports (`from .summary import discount` in a package `__init__`),
  aliases (`total = _total`), star imports and base classes, never leaving the import roots;
- `resolve_call(module, test, call)`: the same for a call in a test, through the test's import
  map and its local variables (`cart = Cart(...); cart.total()`);
- `module_defines("billing.summary", "build_sumary")`: whether a project module defines a name
  (for hallucinated imports), with "unknown" whenever the module is dynamic;
- `returns_value(...)`: whether the code under test returns a value, from its body;
- `function_source(definition)`: the stdlib AST of a resolved function and its module, so that
  rules compare it with the test's own stdlib AST.

Nothing here imports or executes the user's code: astroid builds modules from their source files
(`apply_transforms=False`), and compiled modules are never loaded. Modules are built only when a
test reaches them, once per run (per Project; see for_project), and the cache is left for the
process exit to drop (the CLI ends with os._exit; nothing here registers a teardown).
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testlint.discovery import ALWAYS_SKIPPED_DIRS
from testlint.facts import (
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    TRY_NODES,
    FunctionNode,
    TestFunction,
    TestModule,
    dotted_name,
    statements_besides_constants,
)
from testlint.module_index import ModuleIndex

if TYPE_CHECKING:
    from testlint.project import Project

TEST_DIR_NAMES = frozenset({"test", "tests", "testing", "_testing"})
# the directories no code under test lives in: the same ones discovery never walks
SKIPPED_DIRS = ALWAYS_SKIPPED_DIRS
COMPILED_SUFFIXES = (".pyx", ".pxd", ".so", ".pyd")
# files at a project's top level that are tooling, not code under test
NOT_CODE_FILES = frozenset(
    {"__init__.py", "conftest.py", "setup.py", "noxfile.py", "tasks.py", "fabfile.py",
     "manage.py", "docs_conf.py", "conf.py"}
)
BUILTIN_NAMES = frozenset(dir(builtins))
PROPERTY_DECORATORS = frozenset(
    {"property", "functools.cached_property", "cached_property", "abc.abstractproperty"}
)
MAX_DEPTH = 12
# spellings of a module that adds names to itself at run time
DYNAMIC_MARKERS = (
    "globals()",
    "locals()",
    "vars()",
    "sys.modules[",
    "setattr(sys.modules",
    "__dict__.update",
    "_convert_(",
    "global_enum",
    "exec(",
    "lazy_import",
    "lazy_loader",
)


@dataclass(frozen=True)
class ModuleLocation:
    name: str
    path: Path  # the file (module, package __init__) or the directory of a namespace package
    kind: str  # "module" | "package" | "namespace" | "compiled" | "stub"
    root: Path
    # every directory of a namespace package (its portions, merged across the roots)
    portions: tuple[Path, ...] = ()
    # False when what this name imports depends on a sys.path testlint cannot know (a folder
    # at the rootdir without __init__.py, under a name an installed package may also have)
    certain: bool = True


@dataclass(frozen=True, eq=False)
class Definition:
    """What a name or call in a test resolves to in the project."""

    qualname: str  # canonical: where it is defined ("billing.summary.Summary.total")
    module: str  # the defining module ("billing.summary")
    path: Path
    line: int
    kind: str  # "function" | "method" | "property" | "class" | "module" | "value"
    name: str
    is_code_under_test: bool  # under a source root and outside the test tree
    node: Any = field(default=None, repr=False)  # the astroid node
    owner: Any = field(default=None, repr=False)  # the astroid ClassDef of a method

    @property
    def is_private(self) -> bool:
        """`_name`, not a dunder (the member name itself, not its module's)."""
        return self.name.startswith("_") and not (
            self.name.startswith("__") and self.name.endswith("__")
        )

    @property
    def is_callable_code(self) -> bool:
        return self.kind in {"function", "method", "property"}

    def where(self) -> str:
        """`summary.py:17` (the file name and line a message shows)."""
        return f"{self.path.name}:{self.line}"


@dataclass
class FunctionSource:
    """A resolved function's stdlib AST and what is needed to read its body."""

    definition: Definition
    node: FunctionNode  # parsed from the function's own lines: positions are the file's
    imports: dict[str, str]  # the defining module's alias -> qualified name
    module_names: frozenset[str]  # names bound at the module's top level
    memo: dict[str, Any] = field(default_factory=dict)  # analyses of the body, computed once


@dataclass
class Instance:
    """A test's local variable (or expression) known to hold an instance of a project class."""

    cls: Definition
    call: ast.Call | None  # the constructor call, when seen


class Inference:
    """Resolution into one project's sources; one instance per project per process."""

    def __init__(
        self,
        source_roots: tuple[Path, ...],
        rootdir: Path,
        test_dirs: tuple[Path, ...] = (),
        python_files: tuple[str, ...] = ("test_*.py", "*_test.py"),
        note: Callable[[Path], None] | None = None,
        namespace_roots: tuple[Path, ...] | None = None,
    ) -> None:
        self.source_roots = source_roots
        self.rootdir = rootdir
        # test helper modules are importable too (for hallucinated imports), after the sources
        self.import_roots = tuple(dict.fromkeys([*source_roots, rootdir]))
        # roots the project names for its code: a namespace portion there is meant as one
        self.namespace_roots = frozenset(
            namespace_roots
            if namespace_roots is not None
            else (r for r in source_roots if r != rootdir)
        )
        self._nested_roots: tuple[Path, ...] | None = None
        self._listings: dict[Path, frozenset[str]] = {}
        self.test_dirs = test_dirs
        self.python_files = python_files
        self._locations: dict[str, ModuleLocation | None] = {}
        # Test files (pytest's python_files) are left out of source_roots_digest, so the result
        # cache would not see them change; the ones a module name could be are noted instead
        # (the project's note_read), for each test file that asks, found or not.
        self._note = note
        self._test_file_candidates: dict[str, tuple[Path, ...]] = {}
        self._modules: dict[Path, Any] = {}
        self._module_maps: dict[str, tuple[dict[str, str], frozenset[str]]] = {}
        self._resolved: dict[str, Definition | None] = {}
        self._lookups: dict[tuple[str, str], Definition | None] = {}
        self._functions: dict[int, FunctionSource | None] = {}
        self.built: list[str] = []  # module names built, in order (for measurements and tests)
        self._test_dir_cache: dict[Path, bool] = {}
        self.has_sources = any(self._has_code(root) for root in source_roots)
        # can a call in a test reach code under test at all? (sources, or a snippet's stand-ins)
        # A snippet (lint_text without a project) has no code under test to resolve into; the
        # functions and classes it defines next to its tests stand in for it, so that a rule's
        # examples can show the implementation and the test side by side.
        self.snippet = not rootdir.exists()
        self._local_modules: dict[str, TestModule] = {}
        self.can_reach_code = self.has_sources or self.snippet
        self._installed: dict[str, ModuleLocation | None] = {}
        self._index = ModuleIndex()  # asked before astroid builds a module

    # ---- module files -------------------------------------------------------------------
    def locate(self, modname: str) -> ModuleLocation | None:
        """The file of a project module, found the way the import system would, or None."""
        if self._note is not None:
            for candidate in self._test_files_for(modname):
                self._note(candidate)
        if modname in self._locations:
            return self._locations[modname]
        found: ModuleLocation | None = None
        parts = modname.split(".")
        if all(p.isidentifier() for p in parts) and parts[0] not in STDLIB_MODULES:
            from testlint.reach import imports

            found = imports.find(
                modname,
                self.import_roots,
                self.nested_roots(),
                self.namespace_roots,
                lambda directory, name, full: _locate_in(directory, [name], full, self._listing),
                self._installed_regular,
            )
        self._locations[modname] = found
        return found

    def _listing(self, directory: Path) -> frozenset[str] | None:
        """The entry names of a directory, read once per run (empty when it is not one)."""
        found = self._listings.get(directory)
        if found is None:
            try:
                found = frozenset(os.listdir(directory))
            except OSError:
                found = frozenset()
            self._listings[directory] = found
        return found

    def nested_roots(self) -> tuple[Path, ...]:
        """Source roots of projects nested below the rootdir (uv workspaces, monorepos)."""
        if self._nested_roots is None:
            from testlint.reach.imports import nested_project_roots

            self._nested_roots = (
                () if self.snippet else nested_project_roots(self.rootdir, SKIPPED_DIRS)
            )
        return self._nested_roots

    def _installed_regular(self, top: str) -> bool:
        found = self.locate_installed(top)
        return found is not None and found.kind != "namespace"

    def _test_files_for(self, modname: str) -> tuple[Path, ...]:
        """The files `modname` would be in each import root when it names a test module
        (`tests.test_base`): those are not in source_roots_digest."""
        found = self._test_file_candidates.get(modname)
        if found is None:
            parts = modname.split(".")
            filename = f"{parts[-1]}.py"
            found = ()
            if all(p.isidentifier() for p in parts) and any(
                fnmatch.fnmatch(filename, pattern) for pattern in self.python_files
            ):
                found = tuple(
                    root.joinpath(*parts[:-1], filename) for root in self.import_roots
                )
            self._test_file_candidates[modname] = found
        return found

    def is_project_module(self, modname: str) -> bool:
        return self.locate(modname) is not None

    def locate_installed(self, modname: str) -> ModuleLocation | None:
        """An installed third-party module's file, found without importing it.

        The standard library is left out: it differs between the Python versions a project
        supports (`copy.replace` is 3.13+), and testlint runs on one of them.
        """
        if modname.split(".", 1)[0] in STDLIB_MODULES:
            return None
        if modname in self._installed:
            return self._installed[modname]
        found = _find_installed(modname)
        self._installed[modname] = found
        return found

    def locate_any(self, modname: str, installed: bool = True) -> ModuleLocation | None:
        """The project's module first (it shadows an installed copy), else an installed one."""
        found = self.locate(modname)
        if found is None and installed:
            found = self.locate_installed(modname)
        return found

    def is_code_under_test(self, path: Path) -> bool:
        try:
            resolved = path.resolve()
        except OSError:
            return False
        if fnmatch.fnmatch(resolved.name, "conftest.py") or any(
            fnmatch.fnmatch(resolved.name, p) for p in self.python_files
        ):
            return False
        for test_dir in self.test_dirs:
            if test_dir == resolved or test_dir in resolved.parents:
                return False
        for root in self.source_roots:
            try:
                relative = resolved.relative_to(root)
            except ValueError:
                continue
            if root.name in TEST_DIR_NAMES:
                return False
            directory = root
            for part in relative.parts[:-1]:
                directory = directory / part
                if self._is_test_dir(directory):
                    return False
            return True
        return False

    def _is_test_dir(self, directory: Path) -> bool:
        """A directory of the test tree: named so (tests, testing), or holding test files."""
        if directory in self._test_dir_cache:
            return self._test_dir_cache[directory]
        found = directory.name in TEST_DIR_NAMES
        if not found:
            try:
                with os.scandir(directory) as entries:
                    found = any(
                        entry.name.endswith(".py")
                        and any(fnmatch.fnmatch(entry.name, p) for p in self.python_files)
                        for entry in entries
                    )
            except OSError:
                found = False
        self._test_dir_cache[directory] = found
        return found

    def _has_code(self, root: Path) -> bool:
        """Whether a source root holds code that is not tests (checked at its top level)."""
        if root.name in TEST_DIR_NAMES:
            return False  # pytest's rootdir is the test directory itself
        try:
            entries = list(os.scandir(root))
        except OSError:
            return False
        for entry in entries:
            name = entry.name
            if entry.is_dir() and name not in SKIPPED_DIRS and not name.startswith("."):
                path = Path(entry.path)
                if self._is_test_dir(path):
                    continue
                if (path / "__init__.py").is_file() or any(path.glob("*/__init__.py")):
                    return True
            elif (
                name.endswith(".py")
                and name not in NOT_CODE_FILES
                and not any(fnmatch.fnmatch(name, p) for p in self.python_files)
            ):
                return True
        return False

    def module(self, modname: str, installed: bool = False) -> Any:
        """The astroid module of a project (or installed) module, built once, or None."""
        location = self.locate_any(modname, installed)
        if location is None or location.kind not in {"module", "package"}:
            return None
        path = location.path
        if path in self._modules:
            return self._modules[path]
        built = self._build(path, modname)
        self._modules[path] = built
        return built

    def _build(self, path: Path, modname: str) -> Any:
        builder = _static_builder()
        if builder is None:  # pragma: no cover - astroid is a dependency
            return None
        try:
            module = builder.file_build(str(path), modname)
        except Exception:  # astroid's build errors, RecursionError on deep code: unknown
            return None
        self.built.append(modname)
        return module

    # ---- resolution ---------------------------------------------------------------------
    def resolve(self, qualname: str) -> Definition | None:
        """The one definition `pkg.mod.name[.attr...]` reaches in the project, or None."""
        if self.snippet and qualname.partition(".")[0] in self._local_modules:
            try:
                return self._resolve(qualname, 0)
            except (RecursionError, Exception):
                return None
        if qualname in self._resolved:
            return self._resolved[qualname]
        self._resolved[qualname] = None  # guards cycles through re-exports
        try:
            result = self._resolve(qualname, 0)
        except (RecursionError, Exception):  # never into a rule
            result = None
        self._resolved[qualname] = result
        return result

    def _resolve(self, qualname: str, depth: int) -> Definition | None:
        if depth > MAX_DEPTH or not qualname or qualname.startswith("."):
            return None
        local_module, _, local_rest = qualname.partition(".")
        if local_module in self._local_modules and local_rest:
            return self._local_definition(self._local_modules[local_module], local_rest)
        parts = qualname.split(".")
        if parts[0] in STDLIB_MODULES or parts[0] in TEST_SUPPORT_ROOTS:
            return None
        for cut in range(len(parts), 0, -1):
            modname = ".".join(parts[:cut])
            location = self.locate(modname)
            if location is None:
                continue
            rest = parts[cut:]
            if not rest:
                return self._module_definition(location)
            current = self._lookup_in_module(modname, rest[0], depth + 1)
            for attr in rest[1:]:
                if current is None:
                    return None
                current = self._member(current, attr, depth + 1)
            return current
        return None

    def _module_definition(self, location: ModuleLocation) -> Definition:
        path = location.path
        return Definition(
            qualname=location.name,
            module=location.name,
            path=path,
            line=1,
            kind="module",
            name=location.name.rsplit(".", 1)[-1],
            is_code_under_test=self.is_code_under_test(path) if path.is_file() else False,
        )

    def _member(self, owner: Definition, attr: str, depth: int) -> Definition | None:
        if owner.kind == "module":
            return self._lookup_in_module(owner.module, attr, depth)
        if owner.kind == "class":
            return self._class_member(owner, attr, depth)
        return None

    def _lookup_in_module(self, modname: str, name: str, depth: int) -> Definition | None:
        """What `name` is in module `modname`: a def, a class, a re-export, or a submodule."""
        if depth > MAX_DEPTH:
            return None
        key = (modname, name)
        if key in self._lookups:
            return self._lookups[key]
        self._lookups[key] = None  # a cycle of re-exports reaches nothing
        found = self._lookup_uncached(modname, name, depth)
        self._lookups[key] = found
        return found

    def _lookup_uncached(self, modname: str, name: str, depth: int) -> Definition | None:
        module = self.module(modname)
        if module is None:
            submodule = self.locate(f"{modname}.{name}")
            return self._module_definition(submodule) if submodule is not None else None
        bindings = module.locals.get(name)
        if not bindings:
            submodule = self.locate(f"{modname}.{name}")
            if submodule is not None:
                return self._module_definition(submodule)
            for source in self._star_sources(module):
                found = self._lookup_in_module(source, name, depth + 1)
                if found is not None:
                    return found
            return None
        results: list[Definition] = []
        for binding in bindings:
            found = self._binding(module, modname, name, binding, depth)
            if found is None:
                return None  # one binding we cannot follow: not "one definition"
            results.append(found)
        first = results[0]
        if all((r.path, r.line, r.kind) == (first.path, first.line, first.kind) for r in results):
            return first
        return None

    def _binding(
        self, module: Any, modname: str, name: str, node: Any, depth: int
    ) -> Definition | None:
        from astroid import nodes

        if isinstance(node, nodes.FunctionDef | nodes.ClassDef):
            return self._definition(node, modname, owner=None)
        if isinstance(node, nodes.ImportFrom):
            source = _absolute_from(module, node)
            if source is None:
                return None
            real = _real_name(node, name)
            if real == "*":
                return self._lookup_in_module(source, name, depth + 1)
            found = self._resolve(f"{source}.{real}", depth + 1)
            return found
        if isinstance(node, nodes.Import):
            for real, alias in node.names:
                if (alias or real.split(".", 1)[0]) == name:
                    target = real if alias else real.split(".", 1)[0]
                    location = self.locate(target)
                    return self._module_definition(location) if location is not None else None
            return None
        if isinstance(node, nodes.AssignName):
            parent = node.parent
            if isinstance(parent, nodes.Assign) and len(parent.targets) == 1:
                value = parent.value
                spelled = _astroid_dotted(value)
                if spelled is not None and spelled != name:
                    head, _, rest = spelled.partition(".")
                    target = self._lookup_in_module(modname, head, depth + 1)
                    for attr in rest.split(".") if rest else []:
                        if target is None:
                            return None
                        target = self._member(target, attr, depth + 1)
                    return target
            return Definition(
                qualname=f"{modname}.{name}",
                module=modname,
                path=Path(module.file or ""),
                line=node.lineno or 1,
                kind="value",
                name=name,
                is_code_under_test=self.is_code_under_test(Path(module.file or "")),
                node=node,
            )
        return None

    def _definition(self, node: Any, modname: str, owner: Any) -> Definition:
        from astroid import nodes

        path = Path(node.root().file or "")
        if isinstance(node, nodes.ClassDef):
            kind = "class"
        elif owner is not None:
            kind = "property" if _is_property(node) else "method"
        else:
            kind = "function"
        prefix = f"{modname}.{owner.name}." if owner is not None else f"{modname}."
        return Definition(
            qualname=prefix + node.name,
            module=modname,
            path=path,
            line=_def_line(node),
            kind=kind,
            name=node.name,
            is_code_under_test=self.is_code_under_test(path),
            node=node,
            owner=owner,
        )

    def _class_member(
        self, cls: Definition, attr: str, depth: int, seen: frozenset[str] = frozenset()
    ) -> Definition | None:
        if isinstance(cls.node, ast.ClassDef):  # a snippet's stand-in
            return self.resolve(f"{cls.qualname}.{attr}")
        from astroid import nodes

        if depth > MAX_DEPTH or cls.qualname in seen:
            return None
        node = cls.node
        bindings = node.locals.get(attr)
        if bindings:
            binding = bindings[-1]
            if isinstance(binding, nodes.FunctionDef):
                return self._definition(binding, cls.module, owner=node)
            if isinstance(binding, nodes.ClassDef):
                return self._definition(binding, cls.module, owner=None)
            return None
        for base in node.bases:
            spelled = _astroid_dotted(base)
            if spelled is None:
                return None
            base_def = self._resolve_in_module(cls.module, spelled, depth + 1)
            if base_def is None or base_def.kind != "class":
                return None  # a base outside the project may define it: unknown
            found = self._class_member(base_def, attr, depth + 1, seen | {cls.qualname})
            if found is not None:
                return found
        return None

    def _resolve_in_module(self, modname: str, spelled: str, depth: int) -> Definition | None:
        head, _, rest = spelled.partition(".")
        target = self._lookup_in_module(modname, head, depth)
        for attr in rest.split(".") if rest else []:
            if target is None:
                return None
            target = self._member(target, attr, depth + 1)
        return target

    def _star_sources(self, module: Any) -> Iterator[str]:
        from astroid import nodes

        for node in module.body:
            for found in _walk_module_level(node):
                if isinstance(found, nodes.ImportFrom) and any(n == "*" for n, _ in found.names):
                    source = _absolute_from(module, found)
                    if source is not None:
                        yield source

    # ---- names in tests -----------------------------------------------------------------
    def resolve_name(self, module: TestModule, node: ast.AST) -> Definition | None:
        """A Name/Attribute chain of a test module, through its imports."""
        qualified = module.qualname(node)
        if qualified is None:
            if self.snippet:
                spelled = dotted_name(node)
                head = spelled.split(".", 1)[0] if spelled else None
                if spelled and head in module.defined and head not in module.imports:
                    key = self._register_local(module)
                    return self.resolve(f"{key}.{spelled}")
            return None
        return self.resolve(qualified)

    def _register_local(self, module: TestModule) -> str:
        key = Path(module.path).stem
        self._local_modules = {key: module}  # one snippet at a time; never cached
        return key

    def _local_definition(self, module: TestModule, dotted: str) -> Definition | None:
        """A function or class of a snippet, or a method of one of its classes (stdlib AST)."""
        key = Path(module.path).stem
        head, _, rest = dotted.partition(".")
        found: ast.AST | None = None
        for stmt in module.tree.body:
            if (
                isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and stmt.name == head
            ):
                found = stmt
        if found is None or any(t.node is found for t in module.tests):
            return None
        if head in module.fixtures:
            return None
        path = Path(module.path)
        if isinstance(found, ast.ClassDef):
            if not rest:
                return Definition(
                    qualname=f"{key}.{head}",
                    module=key,
                    path=path,
                    line=found.lineno,
                    kind="class",
                    name=head,
                    is_code_under_test=True,
                    node=found,
                )
            if "." in rest:
                return None
            for stmt in found.body:
                if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == rest:
                    is_prop = any(
                        _decorator_spelling(d) in PROPERTY_DECORATORS for d in stmt.decorator_list
                    )
                    return Definition(
                        qualname=f"{key}.{head}.{rest}",
                        module=key,
                        path=path,
                        line=stmt.lineno,
                        kind="property" if is_prop else "method",
                        name=rest,
                        is_code_under_test=True,
                        node=stmt,
                        owner=found,
                    )
            return None
        if rest or not isinstance(found, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        return Definition(
            qualname=f"{key}.{head}",
            module=key,
            path=path,
            line=found.lineno,
            kind="function",
            name=head,
            is_code_under_test=True,
            node=found,
        )

    def instance_of(
        self, module: TestModule, test: TestFunction | None, node: ast.AST, _depth: int = 0
    ) -> Instance | None:
        """The project class an expression of the test is an instance of, when static."""
        if _depth > 4:
            return None
        if isinstance(node, ast.Call):
            target = self.resolve_name(module, node.func)
            if target is not None and target.kind == "class":
                return Instance(cls=target, call=node)
            return None
        if isinstance(node, ast.Name) and test is not None:
            value = single_assignment(test, node.id)
            if value is not None:
                return self.instance_of(module, test, value, _depth + 1)
        return None

    def resolve_call(
        self, module: TestModule, test: TestFunction | None, call: ast.Call
    ) -> Definition | None:
        """The definition a call in a test reaches: a function, a class, or a method."""
        try:
            return self._resolve_call(module, test, call)
        except (RecursionError, Exception):
            return None

    def _resolve_call(
        self, module: TestModule, test: TestFunction | None, call: ast.Call
    ) -> Definition | None:
        func = call.func
        direct = self.resolve_name(module, func)
        if direct is not None:
            return direct
        if isinstance(func, ast.Attribute):
            return self.resolve_member(module, test, func)
        return None

    def resolve_member(
        self, module: TestModule, test: TestFunction | None, node: ast.Attribute
    ) -> Definition | None:
        """`obj.method` / `obj.prop` where `obj` is a known instance of a project class."""
        instance = self.instance_of(module, test, node.value)
        if instance is None:
            return None
        try:
            return self._class_member(instance.cls, node.attr, 0)
        except (RecursionError, Exception):
            return None

    def constant(self, qualname: str) -> tuple[bool, object]:
        """(True, value) when a project name is a module-level constant bound once to a literal."""
        definition = self.resolve(qualname)
        if definition is None or definition.kind != "value" or definition.node is None:
            return False, None
        try:
            from astroid import nodes

            parent = definition.node.parent
            if isinstance(parent, nodes.Assign) and isinstance(parent.value, nodes.Const):
                value = parent.value.value
                if isinstance(value, int | float | str | bytes | bool) or value is None:
                    return True, value
        except Exception:
            return False, None
        return False, None

    # ---- module contents (hallucinated imports) -----------------------------------------
    def module_defines(self, modname: str, name: str, installed: bool = False) -> bool | None:
        """True/False when a module surely does/does not define `name` (or has such a
        submodule); None when unknown: not found, compiled, or making names at run time.

        Project modules are always read; installed ones (stdlib, third party) when `installed`.
        """
        try:
            return self._module_defines(modname, name, installed, 0)
        except (RecursionError, Exception):
            return None

    def _module_defines(self, modname: str, name: str, installed: bool, depth: int) -> bool | None:
        if depth > MAX_DEPTH:
            return None
        location = self.locate_any(modname, installed)
        if location is None or not location.certain:
            return None
        if self.locate_any(f"{modname}.{name}", installed) is not None:
            return True  # a submodule
        if location.kind == "namespace":
            return False
        if location.kind not in {"module", "package"}:
            return None  # compiled or stub-only: cannot read it
        if self._index.binds(location.path, name):
            return True  # a plain top-level binding: no astroid module needed
        module = self.module(modname, installed)
        if module is None:
            return None
        if name in module.locals:
            return True
        if _is_dynamic(module):
            return None
        unknown = False
        for source in self._star_sources(module):
            verdict = self._module_defines(source, name, installed, depth + 1)
            if verdict:
                return True
            if verdict is None:
                unknown = True
        return None if unknown else False

    def module_names(self, modname: str, installed: bool = False) -> list[str]:
        """Names a module binds at its top level, and its submodules (for "did you mean")."""
        module = self.module(modname, installed)
        if module is None:
            return []
        names = list(module.locals)
        location = self.locate_any(modname, installed)
        if location is not None and location.kind == "package":
            try:
                for child in location.path.parent.iterdir():
                    if child.suffix == ".py" and child.stem != "__init__":
                        names.append(child.stem)
                    elif (child / "__init__.py").is_file():
                        names.append(child.name)
            except OSError:
                pass
        return names

    # ---- bodies ---------------------------------------------------------------------------
    def function_source(self, definition: Definition) -> FunctionSource | None:
        """The stdlib AST of a resolved function or method, with its module's import map."""
        if definition.kind not in {"function", "method", "property"}:
            return None
        if isinstance(definition.node, ast.AST):
            return self._function_source(definition)  # a snippet's stand-in: never cached
        key = id(definition.node)
        if key in self._functions:
            return self._functions[key]
        result = self._function_source(definition)
        self._functions[key] = result
        return result

    def _function_source(self, definition: Definition) -> FunctionSource | None:
        if isinstance(definition.node, ast.FunctionDef | ast.AsyncFunctionDef):
            local = self._local_modules.get(definition.module)
            if local is None:
                return None
            return FunctionSource(
                definition=definition,
                node=definition.node,
                imports=local.imports,
                module_names=frozenset(local.defined),
            )
        node = _function_ast(definition.node)
        if node is None or node.name != definition.name:
            return None
        module = definition.node.root()
        if definition.module not in self._module_maps:
            self._module_maps[definition.module] = (
                _astroid_imports(module),
                frozenset(module.locals),
            )
        imports, names = self._module_maps[definition.module]
        return FunctionSource(definition=definition, node=node, imports=imports, module_names=names)

    def returns_value(
        self,
        target: str | ast.Call | Definition,
        module: TestModule | None = None,
        test: TestFunction | None = None,
    ) -> bool | None:
        """Whether the code under test gives its caller a value, judged from its body.

        `target` is a qualified name ("billing.cart.Cart.total"), a call in `module`'s test, or a
        Definition. True: it returns something other than None on some path (or yields, or is a
        class, whose call returns an instance); False: every return is bare or `None` and it is
        not a generator (a procedure, fairly tested through its effects); None: unknown (not
        resolved, outside the project, abstract or a stub).
        """
        try:
            if isinstance(target, Definition):
                definition: Definition | None = target
            elif isinstance(target, str):
                definition = self.resolve(target)
            elif module is not None:
                definition = self.resolve_call(module, test, target)
            else:
                definition = None
            if definition is None:
                return None
            if definition.kind == "class":
                return True
            if definition.kind not in {"function", "method", "property"}:
                return None
            if isinstance(definition.node, ast.FunctionDef | ast.AsyncFunctionDef):
                return _returns_value_ast(definition.node)
            return _returns_value(definition.node)
        except (RecursionError, Exception):
            return None


def _function_ast(node: Any) -> FunctionNode | None:
    """The stdlib AST of an astroid function, parsed from its own lines of the file (a whole
    module is never parsed twice), with the file's line numbers."""
    try:
        first = node.fromlineno if not node.decorators else node.decorators.nodes[0].fromlineno
        last = node.tolineno
        lines = _file_lines(node.root().file or "")[first - 1 : last]
    except Exception:
        return None
    if not lines:
        return None
    indent = len(lines[0]) - len(lines[0].lstrip())
    body = "\n".join(line[indent:] if line[:indent].isspace() or not line[:indent] else line
                     for line in lines)
    try:
        tree = ast.parse(body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    ast.increment_lineno(tree, first - 1)
    return function


def _file_lines(path: str) -> list[str]:
    """The lines of a module file, cached by its size and modification time: a process that
    lints again after the file changed (the engine API, an editor) must not see old lines."""
    try:
        stat = os.stat(path)
    except OSError:
        return []
    return _file_lines_of(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _file_lines_of(path: str, size: int, mtime_ns: int) -> list[str]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    from testlint.source import UnreadableSource, decode_source, split_lines

    try:
        text, _ = decode_source(data)
    except UnreadableSource:
        return []
    return split_lines(text)


def _astroid_imports(module: Any) -> dict[str, str]:
    """A module's alias -> qualified name map (as facts.collect_imports), from astroid."""
    from astroid import nodes

    package = module.name if module.package else module.name.rpartition(".")[0]
    found: dict[str, str] = {}
    for statement in module.body:
        for node in _walk_module_level(statement):
            if isinstance(node, nodes.Import):
                for name, alias in node.names:
                    if alias:
                        found[alias] = name
                    else:
                        top = name.split(".", 1)[0]
                        found[top] = top
            elif isinstance(node, nodes.ImportFrom):
                source = node.modname or ""
                if node.level:
                    parts = package.split(".") if package else []
                    if node.level > 1:
                        parts = parts[: len(parts) - (node.level - 1)]
                    source = ".".join([*parts, source] if source else parts)
                for name, alias in node.names:
                    if name != "*":
                        found[alias or name] = f"{source}.{name}" if source else name
    return found


# ---- building ----------------------------------------------------------------------------
_BUILDER: list[Any] = []


def _static_builder() -> Any:
    """An astroid builder that only builds: no transforms, and none of the post-build steps
    that run inference or follow imports through astroid's own import system (instance
    attributes, star imports); star imports are followed here, within the import roots."""
    if _BUILDER:
        return _BUILDER[0]
    try:
        from astroid import MANAGER
        from astroid.builder import AstroidBuilder
    except ImportError:  # pragma: no cover - astroid is a dependency
        return None

    class StaticBuilder(AstroidBuilder):  # type: ignore[misc]
        def add_from_names_to_locals(self, node: Any, global_name: Any) -> None:
            module = node.root()
            for name, asname in node.names:
                if name == "*":
                    continue
                bound = asname or name
                owner = module if bound in global_name else node.parent
                owner.set_local(bound, node)
                owner.scope().locals[bound].sort(key=lambda n: n.fromlineno or 0)

        def delayed_assattr(self, node: Any) -> None:
            return None

    _BUILDER.append(StaticBuilder(MANAGER, apply_transforms=False))
    return _BUILDER[0]


# ---- helpers on astroid nodes ------------------------------------------------------------
def _def_line(node: Any) -> int:
    """The line of `def`/`class` itself (astroid's lineno is the first decorator's)."""
    position = getattr(node, "position", None)
    if position is not None:
        return int(position.lineno)
    return int(getattr(node, "fromlineno", None) or node.lineno or 1)


def _astroid_dotted(node: Any) -> str | None:
    from astroid import nodes

    parts: list[str] = []
    while isinstance(node, nodes.Attribute):
        parts.append(node.attrname)
        node = node.expr
    if isinstance(node, nodes.Name):
        parts.append(node.name)
        return ".".join(reversed(parts))
    return None


def _absolute_from(module: Any, node: Any) -> str | None:
    modname = node.modname or ""
    level = node.level or 0
    if not level:
        return modname or None
    package = module.name if module.package else module.name.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level > 1:
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
    joined = ".".join([*parts, modname] if modname else parts)
    return joined or None


def _real_name(node: Any, name: str) -> str:
    for real, alias in node.names:
        if (alias or real) == name:
            return str(real)
    return name


def _walk_module_level(node: Any) -> Iterator[Any]:
    """A module-level statement and the statements nested under if/try/with at module level."""
    from astroid import nodes

    yield node
    if isinstance(node, nodes.If | nodes.With):
        for child in [*node.body, *getattr(node, "orelse", [])]:
            yield from _walk_module_level(child)
    elif isinstance(node, nodes.Try | nodes.TryStar):
        children = [*node.body, *node.orelse, *node.finalbody]
        for handler in node.handlers:
            children.extend(handler.body)
        for child in children:
            yield from _walk_module_level(child)


def _is_dynamic(module: Any) -> bool:
    """A module that makes names at run time: `__getattr__`, `globals()`, `sys.modules` tricks."""
    if "__getattr__" in module.locals:
        return True
    text = _module_text(module)
    return any(marker in text for marker in DYNAMIC_MARKERS)


def _module_text(module: Any) -> str:
    data = getattr(module, "file_bytes", None)
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    if isinstance(data, str):
        return data
    path = module.file
    if path:
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    return ""


def _is_property(node: Any) -> bool:
    decorators = node.decorators.nodes if node.decorators else []
    for dec in decorators:
        spelled = _astroid_dotted(dec)
        if spelled and (spelled in PROPERTY_DECORATORS or spelled.endswith(".cached_property")):
            return True
    return False


def _returns_value(node: Any) -> bool | None:
    from astroid import nodes

    if node.is_generator():
        return True
    if _is_abstract_body(node):
        return None
    found_value = False
    for ret in node.nodes_of_class(
        nodes.Return, skip_klass=(nodes.FunctionDef, nodes.ClassDef, nodes.Lambda)
    ):
        value = ret.value
        if value is None or (isinstance(value, nodes.Const) and value.value is None):
            continue
        found_value = True
        break
    return found_value


def _decorator_spelling(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    return dotted_name(target) or ""


def _returns_value_ast(node: FunctionNode) -> bool | None:
    """`_returns_value` for a stdlib AST function (a snippet's stand-in)."""
    body = statements_besides_constants(node.body)
    if not body or (len(body) == 1 and isinstance(body[0], ast.Pass)):
        return None
    stack: list[ast.AST] = list(node.body)
    found = False
    while stack:
        current = stack.pop()
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(current, ast.Yield | ast.YieldFrom):
            return True
        if (
            isinstance(current, ast.Return)
            and current.value is not None
            and not (isinstance(current.value, ast.Constant) and current.value.value is None)
        ):
            found = True
        stack.extend(ast.iter_child_nodes(current))
    return found


def _is_abstract_body(node: Any) -> bool:
    from astroid import nodes

    body = [
        s for s in node.body if not (isinstance(s, nodes.Expr) and isinstance(s.value, nodes.Const))
    ]
    if not body:
        return True  # docstring or `...` only: a stub or protocol
    if len(body) == 1:
        only = body[0]
        if isinstance(only, nodes.Pass):
            return True
        if isinstance(only, nodes.Raise):
            exc = only.exc
            spelled = (
                _astroid_dotted(exc.func if isinstance(exc, nodes.Call) else exc)
                if exc is not None
                else None
            )
            return spelled is not None and spelled.endswith("NotImplementedError")
    decorators = node.decorators.nodes if node.decorators else []
    return any((_astroid_dotted(d) or "").endswith("abstractmethod") for d in decorators)


# ---- files and roots ---------------------------------------------------------------------
def _locate_in(
    root: Path,
    parts: list[str],
    modname: str,
    listing: Callable[[Path], frozenset[str] | None] | None = None,
) -> ModuleLocation | None:
    base = root.joinpath(*parts)
    parent = base.parent
    names = listing(parent) if listing is not None else None
    if names is not None:
        # one directory listing per directory: most probes end here, without a stat or a glob
        stem = base.name
        if stem not in names and not any(n.startswith(stem + ".") for n in names):
            return None
    elif not parent.is_dir():
        return None
    init = base / "__init__.py"
    if init.is_file():
        return ModuleLocation(modname, init, "package", root)
    module = base.with_name(base.name + ".py")
    if module.is_file():
        return ModuleLocation(modname, module, "module", root)
    for suffix in COMPILED_SUFFIXES:
        if any(parent.glob(f"{base.name}{suffix}")) or any(parent.glob(f"{base.name}.*{suffix}")):
            return ModuleLocation(modname, parent / base.name, "compiled", root)
    stub = base.with_name(base.name + ".pyi")
    if stub.is_file() or (base / "__init__.pyi").is_file():
        return ModuleLocation(modname, stub, "stub", root)
    # a namespace package, only when it holds Python somewhere (not any directory named so)
    if (
        base.is_dir()
        and base.name not in SKIPPED_DIRS
        and (any(base.glob("*.py")) or any(base.glob("*/__init__.py")))
    ):
        return ModuleLocation(modname, base, "namespace", root)
    return None


def _installed_search_path() -> list[str]:
    """sys.path without the entry `python -m testlint` / `python -c` put first for the current
    directory: the console script has no such entry, and a folder that happens to be where the
    user stands (a tests-only `pandas/` checkout) is not the installed package."""
    entries = list(sys.path)
    if entries and entries[0] in ("", os.getcwd()):
        entries = entries[1:]
    return entries


def _find_installed(modname: str) -> ModuleLocation | None:
    """Find an installed module with the path finder alone: nothing is imported or executed."""
    from importlib.machinery import PathFinder

    parts = modname.split(".")
    if not all(p.isidentifier() for p in parts) or parts[0] == "__future__":
        return None
    search: list[str] | None = _installed_search_path()
    spec = None
    for index in range(len(parts)):
        name = ".".join(parts[: index + 1])
        try:
            spec = PathFinder.find_spec(name, search)
        except (ImportError, ValueError, OSError):
            return None
        if spec is None:
            return None
        locations = spec.submodule_search_locations
        if index < len(parts) - 1:
            if locations is None:
                return None
            search = list(locations)
    assert spec is not None
    origin = spec.origin
    if spec.submodule_search_locations is not None and (origin is None or origin == "namespace"):
        paths = list(spec.submodule_search_locations)
        return ModuleLocation(modname, Path(paths[0]) if paths else Path(), "namespace", Path())
    if not origin:
        return None
    path = Path(origin)
    if path.suffix == ".py":
        kind = "package" if path.name == "__init__.py" else "module"
        return ModuleLocation(modname, path, kind, path.parent)
    return ModuleLocation(modname, path, "compiled", path.parent)


def single_assignment(test: TestFunction, name: str) -> ast.expr | None:
    """The value of a test local bound exactly once by `name = value` and never mutated after."""
    bindings = test_bindings(test)
    return bindings.get(name)


_BINDINGS_ATTR = "_testlint_bindings"


def test_bindings(test: TestFunction) -> dict[str, ast.expr]:
    """Locals of a test bound once by a simple assignment and not mutated afterwards."""
    cached: dict[str, ast.expr] | None = test.__dict__.get(_BINDINGS_ATTR)
    if cached is not None:
        return cached
    counts: dict[str, int] = {}
    values: dict[str, ast.expr] = {}
    mutated: set[str] = set()
    stack: list[ast.stmt] = list(reversed(test.node.body))
    while stack:  # statements only: bindings and mutations are statements
        node = stack.pop()
        if isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                values[name] = node.value
                counts[name] = counts.get(name, 0) + 1
            else:
                for target in node.targets:
                    _count_targets(target, counts, mutated)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name) and node.value is not None:
                values[node.target.id] = node.value
                counts[node.target.id] = counts.get(node.target.id, 0) + 1
            else:
                _count_targets(node.target, counts, mutated)
        elif isinstance(node, ast.AugAssign):
            _count_targets(node.target, counts, mutated, force=True)
        elif isinstance(node, ast.Expr):
            call = node.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
                receiver = call.func.value
                if isinstance(receiver, ast.Name):
                    mutated.add(receiver.id)  # `expected.append(...)`: the value changed later
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                _count_targets(target, counts, mutated, force=True)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            counts[node.name] = counts.get(node.name, 0) + 2
        else:
            if isinstance(node, ast.For | ast.AsyncFor):
                _count_targets(node.target, counts, mutated, force=True)
            elif isinstance(node, ast.With | ast.AsyncWith):
                for item in node.items:
                    if item.optional_vars is not None:
                        _count_targets(item.optional_vars, counts, mutated, force=True)
            elif isinstance(node, TRY_NODES):
                for handler in getattr(node, "handlers", []):
                    if handler.name:
                        counts[handler.name] = counts.get(handler.name, 0) + 2
                    stack.extend(reversed(handler.body))
            for name in ("body", "orelse", "finalbody"):
                children = getattr(node, name, None)
                if isinstance(children, list):
                    stack.extend(reversed(children))
            if isinstance(node, ast.Match):
                for case in node.cases:
                    stack.extend(reversed(case.body))
    for param in test.params:
        counts[param] = counts.get(param, 0) + 2
    result = {n: v for n, v in values.items() if counts.get(n) == 1 and n not in mutated}
    test.__dict__[_BINDINGS_ATTR] = result  # computed once per test, dropped with the facts
    return result


def _count_targets(
    target: ast.AST, counts: dict[str, int], mutated: set[str], force: bool = False
) -> None:
    if isinstance(target, ast.Name):
        counts[target.id] = counts.get(target.id, 0) + (2 if force else 1)
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            _count_targets(elt, counts, mutated, force=True)
    elif isinstance(target, ast.Starred):
        _count_targets(target.value, counts, mutated, force=True)
    elif isinstance(target, ast.Attribute | ast.Subscript):
        root = target.value
        while isinstance(root, ast.Attribute | ast.Subscript):
            root = root.value
        if isinstance(root, ast.Name):
            mutated.add(root.id)


# ---- the project's roots -----------------------------------------------------------------
def source_roots(project: Project) -> tuple[Path, ...]:
    """Where the code under test lives: `src` from config, else `src/`, else the rootdir (and,
    when the rootdir is a package, the directory its tests are imported from).

    pytest's `pythonpath` entries come first when set (pytest puts them on sys.path), so a
    project that configures them is read the way its tests import it.
    """
    config = project.config
    if config.src:
        roots = [(config.root / s) for s in config.src]
    else:
        rootdir = project.rootdir
        roots = [rootdir / p for p in project.pytest.pythonpath]
        if (rootdir / "src").is_dir():
            roots.append(rootdir / "src")
        roots.append(rootdir)
        # a rootdir inside packages: pytest (prepend import mode) puts the first directory up
        # without an __init__.py on sys.path, so the tests import the project from there
        base = rootdir
        while (base / "__init__.py").is_file() and base.parent != base:
            base = base.parent
        if base != rootdir:
            roots.append(base)
    out: list[Path] = []
    for root in roots:
        try:
            resolved = root.resolve()
        except OSError:
            continue
        if resolved not in out:
            out.append(resolved)
    return tuple(out)


def namespace_roots(project: Project) -> tuple[Path, ...]:
    """The roots the project names for its code (configured `src`, pytest's `pythonpath`,
    `src/`): a directory without __init__.py there is a namespace package by intent."""
    config = project.config
    if config.src:
        roots = [config.root / s for s in config.src]
    else:
        rootdir = project.rootdir
        roots = [rootdir / p for p in project.pytest.pythonpath]
        if (rootdir / "src").is_dir():
            roots.append(rootdir / "src")
    return tuple(_resolved(root) for root in roots)


def test_dirs(project: Project) -> tuple[Path, ...]:
    """The test tree: pytest's testpaths (resolved against the rootdir)."""
    rootdir = project.rootdir
    found: list[Path] = []
    for entry in project.pytest.testpaths:
        path = rootdir / entry
        try:
            found.append(path.resolve())
        except OSError:
            continue
    return tuple(found)


_SNIPPET_INSTANCES: dict[tuple[Any, ...], Inference] = {}
_PROJECT_ATTR = "_testlint_inference"


def for_project(project: Project) -> Inference:
    """The Inference of a project, built on first use and kept for the Project's lifetime.

    A Project is one run's view of the tree (make_engine builds a new one), so an engine built
    after the code under test changed never sees modules built before: a process that lints
    twice (the engine API, an editor integration, tests calling the CLI in-process) gets fresh
    answers. Snippets (lint_text without a project: the rootdir does not exist) have no code to
    go stale, so they share one instance per process. Never torn down (see the module doc).
    """
    found = project.__dict__.get(_PROJECT_ATTR)
    if isinstance(found, Inference):
        return found
    snippet = not project.rootdir.exists()
    key = (
        project.rootdir,
        project.config.root,
        project.config.src,
        project.pytest.pythonpath,
        project.pytest.testpaths,
        project.pytest.python_files,
    )
    found = _SNIPPET_INSTANCES.get(key) if snippet else None
    if found is None:
        found = Inference(
            source_roots=source_roots(project),
            rootdir=_resolved(project.rootdir),
            test_dirs=test_dirs(project),
            python_files=project.pytest.python_files,
            note=None if snippet else project.note_read,
            namespace_roots=namespace_roots(project),
        )
        if snippet:
            _SNIPPET_INSTANCES[key] = found
    project.__dict__[_PROJECT_ATTR] = found
    return found


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path


def digest_roots(project: Project) -> tuple[Path, ...]:
    """Every root inference reads project modules from: the source roots, then the rootdir
    (test helper modules are importable too; see Inference.import_roots)."""
    return tuple(dict.fromkeys([*source_roots(project), _resolved(project.rootdir)]))


def source_roots_digest(project: Project) -> str:
    """A digest of the Python files inference may read in the project (path, size, mtime), for
    the result cache.

    When a rule that needs inference is enabled, the run key must include this: an edit of the
    code under test changes what TL301/TL302/TL503 say about unchanged tests. It covers the
    source roots and the rootdir (a helper module beside the tests is importable too). Test
    files (pytest's `python_files`) are left out, or every edit of a test would invalidate
    every cached result: each is keyed by its own content, and the ones a test imports are
    noted as its dependencies when inference looks them up (Inference.locate).
    Stat-based: about 10 ms for a tree of a few hundred modules, no file is read.
    """
    digest = hashlib.sha256()
    python_files = project.pytest.python_files
    roots = digest_roots(project)
    for root in roots:
        digest.update(f"{root}\n".encode("utf-8", "surrogatepass"))
        nested = frozenset(other for other in roots if other != root)
        for path, size, mtime in _python_files(root, python_files, nested):
            digest.update(f"{path}\0{size}\0{mtime}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]




def _python_files(
    root: Path, python_files: tuple[str, ...], nested: frozenset[Path] = frozenset()
) -> list[tuple[str, int, int]]:
    """Path, size and mtime of the modules below `root`, skipping the directories discovery
    skips (virtual environments included) and `nested` roots, which are digested on their own.
    """
    found: list[tuple[str, int, int]] = []
    stack = [root]
    suffixes = (".py", ".pyi", *COMPILED_SUFFIXES)
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name in SKIPPED_DIRS or entry.name.startswith("."):
                        continue
                    path = Path(entry.path)
                    if path in nested or os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        continue
                    stack.append(path)
                elif entry.name.endswith(suffixes) and not any(
                    fnmatch.fnmatch(entry.name, p) for p in python_files
                ):
                    stat = entry.stat()
                    found.append((entry.path, stat.st_size, stat.st_mtime_ns))
            except OSError:
                continue
    found.sort()
    return found


def qualified_callee(module: TestModule, call: ast.Call) -> str | None:
    """The qualified name of a call's callee through the test's imports, or its spelling."""
    return module.qualname(call.func) or dotted_name(call.func)
