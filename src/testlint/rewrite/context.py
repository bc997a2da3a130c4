"""What a prompt may show about a finding: the test, the fixtures it uses, and the code under test.

The code under test is shown by its signature and docstring only, never its body: a model that
reads the implementation writes its logic again as the expected value, and the test then agrees
with every bug (the mirrored formula). `--context full` is the explicit opt-in to send the body.

Callables are resolved statically with the stdlib `ast` over the project's source roots (the
`src` setting, else `src/`, else the pytest rootdir), following `from x import y` re-exports a few
levels. `resolve_definition` is the one seam: when the astroid-based inference layer is
available it can answer instead, with the same Definition record.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.facts import (
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    FixtureDef,
    FunctionNode,
    TestFunction,
    TestModule,
)
from testlint.finding import Finding
from testlint.project import TEST_DIR_NAMES, Project
from testlint.source import SourceFile, UnreadableSource, definition_start, read_source

MAX_FIXTURES = 8
MAX_CALLEES = 4
MAX_REEXPORT_DEPTH = 4
MAX_CLASS_MEMBERS = 30  # fields and public methods shown for a class
# Calls the prompt never needs to describe: the language and test machinery.
_SKIPPED_ROOTS = STDLIB_MODULES | TEST_SUPPORT_ROOTS | {"numpy", "pandas"}


@dataclass
class Definition:
    """A function or class of the code under test, as found in its source file."""

    qualname: str  # "shop.pricing.discount" or "shop.cart.Cart"
    path: Path
    kind: str  # "function" | "class"
    node: FunctionNode | ast.ClassDef
    scope: tuple[str, ...]  # enclosing class names inside the module ("Cart",) for methods
    source: SourceFile

    @property
    def name(self) -> str:
        return self.node.name

    def signature(self) -> str:
        """Decorators, header and docstring (and for a class, its fields and public methods')."""
        if isinstance(self.node, ast.ClassDef):
            return _class_signature(self.node)
        return _function_signature(self.node)

    def full_source(self) -> str:
        return _dedent_segment(self.source, self.node)

    def body_lines(self) -> list[str]:
        """The implementation's non-blank body lines (what the signature context withholds)."""
        nodes: list[FunctionNode] = []
        if isinstance(self.node, ast.ClassDef):
            nodes = [n for n in self.node.body
                     if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        else:
            nodes = [self.node]
        lines: list[str] = []
        for func in nodes:
            body = func.body[1:] if ast.get_docstring(func) is not None else func.body
            for stmt in body:
                end = stmt.end_lineno or stmt.lineno
                for number in range(stmt.lineno, end + 1):
                    text = self.source.line(number).strip()
                    if text:
                        lines.append(text)
        return lines


@dataclass
class FixtureSource:
    name: str
    path: str
    text: str


@dataclass
class TestContext:
    finding: Finding
    path: Path  # the test file
    module: TestModule
    test: TestFunction
    test_source: str  # the test function, decorators included, dedented
    imports: list[str]  # the test file's module-level import statements
    fixtures: list[FixtureSource] = field(default_factory=list)
    callees: list[Definition] = field(default_factory=list)
    shown_path: str = ""  # the test file relative to the rootdir, as the prompt names it

    @property
    def test_name(self) -> str:
        return self.test.name


def _dedent_segment(source: SourceFile, node: ast.stmt) -> str:
    import textwrap

    start = definition_start(node)
    end = node.end_lineno or node.lineno
    text = "\n".join(source.line(n) for n in range(start, end + 1))
    return textwrap.dedent(text)


def _function_signature(node: FunctionNode, indent: str = "") -> str:
    lines = [f"{indent}@{ast.unparse(d)}" for d in node.decorator_list]
    prefix = "async def" if isinstance(node, ast.AsyncFunctionDef) else "def"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    lines.append(f"{indent}{prefix} {node.name}({ast.unparse(node.args)}){returns}:")
    lines.extend(_docstring_lines(node, indent + "    "))
    lines.append(f"{indent}    ...")
    return "\n".join(lines)


def _docstring_lines(node: FunctionNode | ast.ClassDef, indent: str) -> list[str]:
    doc = ast.get_docstring(node)
    if doc is None:
        return []
    doc_lines = doc.replace('"""', '\\"\\"\\"').splitlines()
    if len(doc_lines) == 1:
        return [f'{indent}"""{doc_lines[0]}"""']
    body = [f"{indent}{line}" if line else "" for line in doc_lines[1:]]
    return [f'{indent}"""{doc_lines[0]}', *body, f'{indent}"""']


def _class_signature(node: ast.ClassDef) -> str:
    lines = [f"@{ast.unparse(d)}" for d in node.decorator_list]
    bases = [ast.unparse(b) for b in node.bases] + [ast.unparse(k) for k in node.keywords]
    lines.append(f"class {node.name}({', '.join(bases)}):" if bases else f"class {node.name}:")
    lines.extend(_docstring_lines(node, "    "))
    members = 0
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            # dataclass / attrs / pydantic fields are part of the contract
            lines.append(f"    {ast.unparse(stmt)}")
            members += 1
        elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and _public(stmt.name):
            if members >= MAX_CLASS_MEMBERS:
                lines += ["", "    # ... more methods not shown"]
                break
            lines.append("")
            lines.append(_function_signature(stmt, indent="    "))
            members += 1
    if not members and ast.get_docstring(node) is None:
        lines.append("    ...")
    return "\n".join(lines)


def _public(name: str) -> bool:
    return not name.startswith("_") or name in {"__init__", "__call__", "__eq__", "__iter__",
                                                "__len__", "__getitem__", "__contains__",
                                                "__enter__", "__exit__", "__post_init__"}


# ---- resolution ---------------------------------------------------------------------------------


def source_roots(project: Project) -> list[Path]:
    """Where the code under test lives: `src = [...]`, else `src/`, else the rootdir."""
    config = project.config
    if config.src:
        return [(config.root / entry).resolve() for entry in config.src]
    root = project.rootdir.resolve()
    if (root / "src").is_dir():
        return [root / "src", root]
    return [root]


def _is_test_path(path: Path, roots: list[Path]) -> bool:
    for root in roots:
        try:
            parts = path.resolve().relative_to(root).parts
        except ValueError:
            continue
        if any(p in TEST_DIR_NAMES for p in parts[:-1]):
            return True
    name = path.name
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


class SourceIndex:
    """Parsed modules of the code under test, each read once per run."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self._parsed: dict[Path, SourceFile | None] = {}
        self._resolved: dict[str, Definition | None] = {}

    @classmethod
    def for_project(cls, project: Project) -> SourceIndex:
        return cls(source_roots(project))

    def module_file(self, dotted: str) -> Path | None:
        parts = dotted.split(".")
        if not all(parts):
            return None
        for root in self.roots:
            stem = root.joinpath(*parts)
            for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
                if candidate.is_file() and not _is_test_path(candidate, self.roots):
                    return candidate
        return None

    def parse(self, path: Path) -> SourceFile | None:
        if path not in self._parsed:
            try:
                self._parsed[path] = read_source(path)
            except UnreadableSource:
                self._parsed[path] = None
        return self._parsed[path]

    def resolve(self, qualname: str) -> Definition | None:
        if qualname not in self._resolved:
            self._resolved[qualname] = None  # a cycle of re-exports ends here
            self._resolved[qualname] = _resolve(qualname, self, depth=0)
        return self._resolved[qualname]


def resolve_definition(qualname: str, project: Project, index: SourceIndex | None = None
                       ) -> Definition | None:
    """The function or class `qualname` names in the project's own sources, or None.

    This is the seam for the inference layer: it answers "one result or None" and never raises.
    """
    top = qualname.lstrip(".").split(".", 1)[0]
    if not top or top in _SKIPPED_ROOTS:
        return None
    try:
        return (index or SourceIndex.for_project(project)).resolve(qualname)
    except (OSError, RecursionError, ValueError):
        return None


def _resolve(qualname: str, index: SourceIndex, depth: int) -> Definition | None:
    if depth > MAX_REEXPORT_DEPTH:
        return None
    parts = qualname.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        path = index.module_file(module_name)
        if path is None:
            continue
        source = index.parse(path)
        if source is None:
            return None
        return _lookup(source, path, module_name, parts[split:], index, depth)
    return None


def _lookup(
    source: SourceFile,
    path: Path,
    module_name: str,
    attrs: list[str],
    index: SourceIndex,
    depth: int,
) -> Definition | None:
    body: list[ast.stmt] = source.tree.body
    scope: list[str] = []
    node: FunctionNode | ast.ClassDef | None = None
    for position, attr in enumerate(attrs):
        found = _find_def(body, attr)
        if found is None:
            if position == 0:
                rest = attrs[1:]
                for target in _elsewhere(source.tree, attr, module_name, path):
                    definition = _resolve(".".join([target, *rest]), index, depth + 1)
                    if definition is not None:
                        return definition
            # a method we cannot see (inherited, dynamic): describe the class instead
            break
        node = found
        if isinstance(found, ast.ClassDef) and position + 1 < len(attrs):
            scope.append(found.name)
            body = found.body
        else:
            break
    if node is None:
        return None
    if isinstance(node, ast.ClassDef):
        scope = scope[:-1] if scope and scope[-1] == node.name else scope
    qualname = ".".join([module_name, *scope, node.name])
    kind = "class" if isinstance(node, ast.ClassDef) else "function"
    return Definition(qualname, path, kind, node, tuple(scope), source)


def _find_def(body: list[ast.stmt], name: str) -> FunctionNode | ast.ClassDef | None:
    found: FunctionNode | ast.ClassDef | None = None
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            stmt.name == name
        ):
            found = stmt  # the last definition wins, as at run time
    return found


def _elsewhere(tree: ast.Module, name: str, module_name: str, path: Path) -> list[str]:
    """Where else `name` may come from: `from x import name`, `name = other`, `from x import *`."""
    package = module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]
    explicit: list[str] = []
    stars: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            base = _absolute(stmt, package)
            for alias in stmt.names:
                if alias.name == "*":
                    stars.append(f"{base}.{name}")
                elif (alias.asname or alias.name) == name:
                    explicit.append(f"{base}.{alias.name}" if base else alias.name)
        elif (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            and isinstance(stmt.value, ast.Name | ast.Attribute)
        ):
            value = ast.unparse(stmt.value)  # `ib = attrib`: the same module, or an import
            head = value.split(".", 1)[0]
            imported = _import_target(tree, head, package)
            explicit.append(f"{imported}{value[len(head):]}" if imported
                            else f"{module_name}.{value}")
    return explicit + stars


def _absolute(stmt: ast.ImportFrom, package: str) -> str:
    base = stmt.module or ""
    if not stmt.level:
        return base
    parts = package.split(".") if package else []
    if stmt.level > 1:
        parts = parts[: len(parts) - (stmt.level - 1)]
    return ".".join([*parts, base] if base else parts)


def _import_target(tree: ast.Module, name: str, package: str) -> str | None:
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if alias.name != "*" and (alias.asname or alias.name) == name:
                    base = _absolute(stmt, package)
                    return f"{base}.{alias.name}" if base else alias.name
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname == name:
                    return alias.name
                if alias.asname is None and alias.name.split(".", 1)[0] == name:
                    return name
    return None


# ---- the context of one finding -----------------------------------------------------------------


def _fixture_sources(test: TestFunction, module: TestModule, project: Project, path: Path
                     ) -> list[FixtureSource]:
    lookup = project.lookup_for(path)
    found: list[FixtureSource] = []
    seen: set[str] = set()
    queue = list(test.params)
    while queue and len(found) < MAX_FIXTURES:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        fixture: FixtureDef | None = module.fixtures.get(name) or lookup.fixture(name)
        if fixture is None:
            continue  # a builtin or plugin fixture (tmp_path, monkeypatch): the model knows it
        text = _fixture_text(fixture, module)
        if text is None:
            continue
        found.append(FixtureSource(name, _shown(Path(fixture.path), project), text))
        queue.extend(fixture.params)
    return found


def _shown(path: Path, project: Project) -> str:
    """A path as the prompt shows it: relative to the rootdir (no home directory is sent)."""
    try:
        return path.resolve().relative_to(project.rootdir.resolve()).as_posix()
    except (ValueError, OSError):
        return path.name


def _fixture_text(fixture: FixtureDef, module: TestModule) -> str | None:
    if fixture.path == module.path:
        return _dedent_segment(module.source, fixture.node)
    try:
        source = read_source(Path(fixture.path))
    except UnreadableSource:
        return None
    return _dedent_segment(source, fixture.node)


def _segment(source: SourceFile, node: ast.stmt) -> str:
    """A statement's text from the file's lines (ast.get_source_segment re-splits the file)."""
    first, last = node.lineno, node.end_lineno or node.lineno
    start = source.char_col(first, node.col_offset)
    lines = [source.line(n) for n in range(first, last + 1)]
    end_byte = node.end_col_offset
    if end_byte is not None:
        lines[-1] = lines[-1][: source.char_col(last, end_byte)]
    lines[0] = lines[0][start:]
    return "\n".join(lines)


def _import_lines(module: TestModule) -> list[str]:
    return [
        _segment(module.source, stmt)
        for stmt in module.tree.body
        if isinstance(stmt, ast.Import | ast.ImportFrom)
    ]


def _linked(call: Any, test: TestFunction, module: TestModule | None, project: Project
            ) -> str | None:
    """The qualname of what a call on a fixture-built (or otherwise linked) object reaches in
    the project: the reach links, the same a reader makes (`cart.total()` with `cart` from a
    fixture that returns `Cart()`)."""
    if module is None or call.origin == "mock":
        return None
    from testlint.inference import for_project
    from testlint.reach.links import resolve_call

    found = resolve_call(for_project(project), module, test, call.node)
    if found is None or not found.is_code_under_test:
        return None
    return str(found.qualname)


def callees_of(test: TestFunction, project: Project, index: SourceIndex | None = None,
               module: TestModule | None = None) -> list[Definition]:
    """The code under test this test calls, as Definitions, first call first: imported names,
    and (given the test's module) methods of objects that fixtures, locals or `self.x` build."""
    index = index or SourceIndex.for_project(project)
    found: list[Definition] = []
    seen: set[str] = set()
    for call in test.calls:
        qualname = call.qualname if call.origin == "import" else _linked(call, test, module,
                                                                         project)
        if qualname is None or qualname in seen:
            continue
        seen.add(qualname)
        definition = resolve_definition(qualname, project, index)
        if definition is not None and all(d.qualname != definition.qualname for d in found):
            found.append(definition)
        if len(found) >= MAX_CALLEES:
            break
    return found


def build_context(finding: Finding, module: TestModule, path: Path, project: Project,
                  index: SourceIndex | None = None) -> TestContext | None:
    """The context of a finding on a test, or None when the finding is not about one test."""
    if finding.test is None:
        return None
    test = next((t for t in module.tests if t.qualname == finding.test), None)
    if test is None:
        return None
    return TestContext(
        finding=finding,
        path=path,
        module=module,
        test=test,
        test_source=_dedent_segment(module.source, test.node),
        imports=_import_lines(module),
        fixtures=_fixture_sources(test, module, project, path),
        callees=callees_of(test, project, index, module),
        shown_path=_shown(path, project),
    )
