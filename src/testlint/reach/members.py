"""What a project class surely has, surely lacks, and which keywords its callables accept.

`lacks(inference, cls, name)` is True only when every class of the MRO is read and none of
them can give an instance (or the class) that attribute: not a method, property, nested class,
class-level assignment or annotation (dataclass/attrs/pydantic/NamedTuple fields), `__slots__`
entry, nor an attribute assigned anywhere in the class's module (`self.x = ...` in any method,
`cls.x = ...`, `Model.x = ...` after the class). It is None ("unknown") when the class or a
base

- defines `__getattr__`/`__getattribute__`, or calls `setattr`, touches `__dict__` or `vars()`;
- has a base outside the project other than `object`, a builtin type (exceptions included),
  an `enum` class, `abc.ABC` or `typing.Generic[...]` (whose attributes are read from the
  running interpreter), or a base that does not resolve to one class;
- has a metaclass (other than `ABCMeta`), a class decorator other than the dataclass, attrs,
  `enum.unique`, `total_ordering` and `final` ones, or a `__slots__` that is not a literal.

`accepts_keyword(inference, definition, name)` is False only when a project function, method
or class constructor surely rejects `name=`: it has no `**kwargs`, no decorator that may
change its signature, and (for a class) its `__init__` is found in the project with no
`__new__`, metaclass or field-generating decorator anywhere in the MRO.
"""

from __future__ import annotations

import builtins
import contextlib
import enum
import fnmatch
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testlint.inference import Definition, Inference, _astroid_dotted, _module_text

CLASS_DECORATORS = frozenset(
    {
        "dataclass", "dataclasses.dataclass", "unique", "enum.unique", "total_ordering",
        "functools.total_ordering", "final", "typing.final", "attr.s", "attr.attrs",
        "attrs.define", "attr.define", "attrs.frozen", "attr.frozen", "attrs.mutable",
        "attr.mutable", "define", "frozen", "mutable",
    }
)
# decorators that generate an __init__ from the fields: keyword checks stay silent
FIELD_DECORATORS = CLASS_DECORATORS - {"unique", "enum.unique", "total_ordering",
                                       "functools.total_ordering", "final", "typing.final"}
FUNCTION_DECORATORS = frozenset({"staticmethod", "classmethod"})
STDLIB_BASES: dict[str, type] = {
    "enum.Enum": enum.Enum,
    "enum.IntEnum": enum.IntEnum,
    "enum.Flag": enum.Flag,
    "enum.IntFlag": enum.IntFlag,
    "abc.ABC": object,
    "typing.Generic": object,
}
if hasattr(enum, "StrEnum"):
    STDLIB_BASES["enum.StrEnum"] = enum.StrEnum
DYNAMIC_SPELLINGS = ("setattr(", "__dict__", "vars(", "locals()", "exec(")


@dataclass
class ClassFacts:
    """Everything read about a class and its bases, or `known=False`."""

    known: bool
    names: frozenset[str] = frozenset()  # what an instance (or the class) may have
    classes: tuple[Any, ...] = ()  # the project's astroid ClassDefs of the MRO, own first
    external: tuple[type, ...] = ()  # the runtime bases outside the project
    is_enum: bool = False
    fields: bool = False  # a decorator or base that makes an __init__ from fields
    has_new: bool = False
    metaclass: bool = False


_FACTS_ATTR = "_testlint_class_facts"


def class_facts(inference: Inference, cls: Definition) -> ClassFacts:
    memo: dict[str, ClassFacts] = inference.__dict__.setdefault(_FACTS_ATTR, {})
    found = memo.get(cls.qualname)
    if found is None:
        memo[cls.qualname] = ClassFacts(known=False)  # a cycle of bases: unknown
        try:
            found = _read(inference, cls, 0)
        except (RecursionError, Exception):
            found = ClassFacts(known=False)
        memo[cls.qualname] = found
    return found


def lacks(inference: Inference, cls: Definition, name: str) -> bool:
    """True when neither the class nor its instances can have attribute `name`."""
    if name.startswith("__") and name.endswith("__"):
        return False
    facts = class_facts(inference, cls)
    if not facts.known or facts.has_new:
        return False  # unknown, or `Cls()` may not even give an instance of Cls
    if facts.is_enum and name.startswith("_"):
        return False  # _missing_, _value2member_map_, ... and the enum's own machinery
    if name in facts.names or name in project_index(inference).assigned:
        return False
    return not any(hasattr(base, name) for base in facts.external)


def candidates(inference: Inference, cls: Definition) -> list[str]:
    """Public names of the class (for "did you mean")."""
    facts = class_facts(inference, cls)
    names = set(facts.names)
    for base in facts.external:
        if base is not object:
            names.update(n for n in dir(base) if not n.startswith("_"))
    return sorted(n for n in names if not n.startswith("__"))


def _read(inference: Inference, cls: Definition, depth: int) -> ClassFacts:
    from astroid import nodes

    node = cls.node
    if node is None or not isinstance(node, nodes.ClassDef) or depth > 10:
        return ClassFacts(known=False)
    module = node.root()
    text = _module_text(module)
    names: set[str] = set(node.locals)
    fields = False
    if "__getattr__" in names or "__getattribute__" in names:
        return ClassFacts(known=False)
    if _class_source_is_dynamic(node, text) or f"setattr({node.name}" in text:
        return ClassFacts(known=False)
    for decorator in node.decorators.nodes if node.decorators else []:
        target = decorator.func if isinstance(decorator, nodes.Call) else decorator
        spelled = _astroid_dotted(target)
        if spelled not in CLASS_DECORATORS:
            return ClassFacts(known=False)
        if spelled in FIELD_DECORATORS:
            fields = True
    metaclass = False
    for keyword in node.keywords or []:
        if keyword.arg == "metaclass":
            if (_astroid_dotted(keyword.value) or "").rsplit(".", 1)[-1] != "ABCMeta":
                return ClassFacts(known=False)
        else:
            return ClassFacts(known=False)  # class arguments for __init_subclass__ magic
    slots = node.locals.get("__slots__")
    if slots:
        literal = _slots(slots)
        if literal is None:
            return ClassFacts(known=False)
        names.update(literal)
    names.update(_assigned_attributes(module))
    imports = _imports_of(module)
    classes: list[Any] = [node]
    external: list[type] = []
    is_enum = False
    has_new = "__new__" in node.locals
    for base in node.bases:
        spelled = _astroid_dotted(base.value if isinstance(base, nodes.Subscript) else base)
        if spelled is None:
            return ClassFacts(known=False)
        runtime = _external_base(spelled, imports, node)
        if runtime is not None:
            if isinstance(base, nodes.Subscript) and runtime is not object:
                return ClassFacts(known=False)
            external.append(runtime)
            if isinstance(runtime, type) and issubclass(runtime, enum.Enum):
                is_enum = True
            continue
        if isinstance(base, nodes.Subscript):
            return ClassFacts(known=False)
        base_def = inference._resolve_in_module(cls.module, spelled, 1)
        if base_def is None or base_def.kind != "class":
            return ClassFacts(known=False)
        inner = class_facts(inference, base_def)
        if not inner.known:
            return ClassFacts(known=False)
        names.update(inner.names)
        classes.extend(inner.classes)
        external.extend(inner.external)
        is_enum = is_enum or inner.is_enum
        fields = fields or inner.fields
        has_new = has_new or inner.has_new
        metaclass = metaclass or inner.metaclass
    return ClassFacts(
        known=True,
        names=frozenset(names),
        classes=tuple(classes),
        external=tuple(dict.fromkeys(external)),
        is_enum=is_enum,
        fields=fields,
        has_new=has_new,
        metaclass=metaclass,
    )


def _external_base(spelled: str, imports: dict[str, str], node: Any) -> type | None:
    """The runtime class of a base outside the project that we know: a builtin type (not
    shadowed in the module), an enum class, ABC, Generic."""
    head, _, rest = spelled.partition(".")
    module = node.root()
    if head in imports:
        qualified = imports[head] + (f".{rest}" if rest else "")
        if qualified in STDLIB_BASES:
            return STDLIB_BASES[qualified]
        return None
    if not rest and head not in module.locals:
        value = getattr(builtins, head, None)
        if isinstance(value, type):
            return value
    return None


def _imports_of(module: Any) -> dict[str, str]:
    from testlint.inference import _astroid_imports

    return _astroid_imports(module)


def _class_source_is_dynamic(node: Any, text: str) -> bool:
    lines = text.splitlines()
    first = (node.fromlineno or 1) - 1
    last = node.tolineno or len(lines)
    body = "\n".join(lines[first:last])
    return any(spelling in body for spelling in DYNAMIC_SPELLINGS)


def _slots(bindings: list[Any]) -> set[str] | None:
    from astroid import nodes

    found: set[str] = set()
    for binding in bindings:
        parent = binding.parent
        value = getattr(parent, "value", None)
        if isinstance(value, nodes.Const) and isinstance(value.value, str):
            found.add(value.value)
        elif isinstance(value, nodes.Tuple | nodes.List | nodes.Set):
            for element in value.elts:
                if not (isinstance(element, nodes.Const) and isinstance(element.value, str)):
                    return None
                found.add(element.value)
        else:
            return None
    return found


def _assigned_attributes(module: Any) -> set[str]:
    """Every attribute name assigned (or deleted) anywhere in a module, on any object."""
    from astroid import nodes

    cached = getattr(module, "_testlint_assigned_attributes", None)
    if cached is not None:
        return set(cached)
    found = {n.attrname for n in module.nodes_of_class((nodes.AssignAttr, nodes.DelAttr))}
    with contextlib.suppress(Exception):  # astroid nodes accept attributes
        module._testlint_assigned_attributes = frozenset(found)
    return found


# ---- what an instance holds ----------------------------------------------------------------
def enter_returns_self(inference: Inference, cls: Definition, method: str = "__enter__") -> bool:
    """`with Cls(...) as x:` binds the instance: the project's `__enter__` returns `self`."""
    from astroid import nodes

    facts = class_facts(inference, cls)
    if not facts.known:
        return False
    for klass in facts.classes:
        found = klass.locals.get(method)
        if not found:
            continue
        function = found[0]
        if len(found) != 1 or not isinstance(function, nodes.FunctionDef):
            return False
        returns = list(
            function.nodes_of_class(nodes.Return, skip_klass=(nodes.FunctionDef, nodes.Lambda))
        )
        first = function.args.args[0].name if function.args.args else None
        return bool(returns) and all(
            isinstance(r.value, nodes.Name) and r.value.name == first for r in returns
        )
    return False


def constructed_attribute(inference: Inference, cls: Definition, attr: str) -> Definition | None:
    """The project class of `obj.attr` when the only assignment of `attr` anywhere in the
    project is `self.attr = Other(...)` in `__init__` of the class (or a base), and the class
    has no member of that name (a property, a class attribute)."""
    from astroid import nodes

    facts = class_facts(inference, cls)
    if not facts.known or attr.startswith("__"):
        return None
    if attr in project_index(inference).assigned_more_than_once:
        return None
    if any(attr in klass.locals for klass in facts.classes):
        return None
    for klass in facts.classes:
        init = klass.locals.get("__init__")
        if not init or not isinstance(init[0], nodes.FunctionDef):
            continue
        function = init[0]
        receiver = function.args.args[0].name if function.args.args else None
        for node in function.nodes_of_class(nodes.AssignAttr):
            if node.attrname != attr:
                continue
            parent = node.parent
            if not (
                isinstance(node.expr, nodes.Name)
                and node.expr.name == receiver
                and isinstance(parent, nodes.Assign)
                and len(parent.targets) == 1
                and isinstance(parent.value, nodes.Call)
            ):
                return None
            spelled = _astroid_dotted(parent.value.func)
            module = klass.root()
            if spelled is None:
                return None
            found = inference._resolve_in_module(module.name, spelled, 1)
            if found is None or found.kind != "class" or found.node is None:
                return None
            return found
    return None


# ---- keywords ----------------------------------------------------------------------------
def accepts_keyword(inference: Inference, definition: Definition, name: str) -> bool | None:
    """False when the callable surely rejects `name=`; True when it takes it; None unknown."""
    try:
        return _accepts(inference, definition, name)
    except (RecursionError, Exception):
        return None


def _accepts(inference: Inference, definition: Definition, name: str) -> bool | None:
    from astroid import nodes

    node = definition.node
    if definition.kind == "class":
        facts = class_facts(inference, definition)
        if not facts.known or facts.fields or facts.has_new or facts.metaclass or facts.is_enum:
            return None
        for cls in facts.classes:
            init = cls.locals.get("__init__")
            if init:
                if len(init) != 1 or not isinstance(init[0], nodes.FunctionDef):
                    return None
                return _function_accepts(init[0], name)
            if "__init__" in _assigned_attributes(cls.root()):
                return None
        if any(base not in (object,) for base in facts.external):
            return None  # the constructor of a builtin or stdlib base
        return False  # object.__init__ takes no arguments
    if definition.kind in {"function", "method"} and isinstance(node, nodes.FunctionDef):
        if definition.owner is not None:
            if not _defined_once_plainly(definition.owner, definition.name):
                return None  # `if sys.version_info >= (3, 12): def exists(self, *, follow...)`
            owner_facts = class_facts(
                inference,
                Definition(
                    qualname=definition.qualname.rsplit(".", 1)[0],
                    module=definition.module,
                    path=definition.path,
                    line=0,
                    kind="class",
                    name=definition.owner.name,
                    is_code_under_test=definition.is_code_under_test,
                    node=definition.owner,
                ),
            )
            if not owner_facts.known:
                return None
            if definition.name in _assigned_attributes(definition.owner.root()):
                return None  # rebound on instances (`self.save = wrapped(self.save)`)
        return _function_accepts(node, name)
    return None


def _defined_once_plainly(owner: Any, name: str) -> bool:
    """One binding of `name` in the class body, directly (not under `if`/`try`)."""
    bindings = owner.locals.get(name, [])
    return len(bindings) == 1 and bindings[0].parent is owner


def _function_accepts(node: Any, name: str) -> bool | None:
    for decorator in node.decorators.nodes if node.decorators else []:
        if _astroid_dotted(decorator) not in FUNCTION_DECORATORS:
            return None
    args = node.args
    if args is None or args.kwarg:
        return None  # **kwargs, or a function astroid could not read
    positional_only = {a.name for a in args.posonlyargs or []}
    accepted = {a.name for a in [*(args.args or []), *(args.kwonlyargs or [])]}
    if name in accepted:
        return True
    if name in positional_only:
        return None  # a TypeError too, but said differently: leave it
    return False


# ---- the project's text, read once -------------------------------------------------------
@dataclass(frozen=True)
class ProjectIndex:
    """What a plain read of every project module shows: the names used as bases of a class,
    and every attribute name assigned on any object (`x.name = ...`, `setattr(x, "name", ...)`),
    wherever it happens. A false "yes" in either only makes a rule more careful."""

    bases: frozenset[str]
    assigned: frozenset[str]
    assigned_more_than_once: frozenset[str]  # in the code, outside the test tree


_INDEX_ATTR = "_testlint_project_index"
_CLASS_LINE = re.compile(r"^\s*class\s+\w+\s*\((?P<bases>[^)]*)\)", re.MULTILINE)
_ATTRIBUTE_STORE = re.compile(
    r"\.\s*([A-Za-z_]\w*)\s*(?::[^=\n]*)?(?:[-+*/|&%^@]|//|>>|<<|\*\*)?=(?!=)"
)
_SETATTR = re.compile(r"setattr\(\s*[^,]+,\s*[rbuf]?[\"']([A-Za-z_]\w*)")


def project_index(inference: Inference) -> ProjectIndex:
    index = inference.__dict__.get(_INDEX_ATTR)
    if index is None:
        index = _read_index(inference)
        inference.__dict__[_INDEX_ATTR] = index
    return index


def has_project_subclass(inference: Inference, cls: Definition) -> bool:
    """Whether some class in the project's source roots names `cls` among its bases."""
    return cls.name in project_index(inference).bases


def _in_test_tree(path: Path, root: Path) -> bool:
    """A test module, a conftest, or a file under a tests/ folder (the code under test's
    attributes are what `assigned_more_than_once` is about; each test's own assignments are
    seen by the rule in its module and conftests)."""
    name = path.name
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        return False
    return any(part in {"test", "tests", "testing"} for part in parts)


def _read_index(inference: Inference) -> ProjectIndex:
    from testlint.inference import SKIPPED_DIRS

    bases: set[str] = set()
    assigned: set[str] = set()
    again: set[str] = set()
    code_assigned: set[str] = set()
    roots = inference.import_roots
    outermost = [r for r in roots if not any(o != r and o in r.parents for o in roots)]
    for root in outermost:
        for directory, dirs, files in os.walk(root):
            dirs[:] = [
                d for d in dirs
                if d not in SKIPPED_DIRS and not d.startswith(".")
                and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg"))
            ]
            for file in files:
                if not file.endswith(".py") or any(
                    fnmatch.fnmatch(file, pattern) for pattern in inference.python_files
                ):
                    continue  # test modules: their own assignments are seen by the rule, and
                    # the result cache (source_roots_digest) does not watch them
                try:
                    text = Path(directory, file).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                for match in _CLASS_LINE.finditer(text):
                    bases.update(re.findall(r"[A-Za-z_]\w*", match.group("bases")))
                in_tests = _in_test_tree(Path(directory, file), root)
                seen_here: set[str] = set()
                for name in [*_ATTRIBUTE_STORE.findall(text), *_SETATTR.findall(text)]:
                    if not in_tests and (name in code_assigned or name in seen_here):
                        again.add(name)
                    assigned.add(name)
                    if not in_tests:
                        seen_here.add(name)
                code_assigned.update(seen_here)
    return ProjectIndex(
        bases=frozenset(bases),
        assigned=frozenset(assigned),
        assigned_more_than_once=frozenset(again),
    )
