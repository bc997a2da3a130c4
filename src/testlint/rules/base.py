"""What a rule is: a module with docs, metadata, examples and a check; and what a check sees.

A rule module defines, in order: a docstring with the fixed headings (see SECTIONS), `CODE`,
`NAME`, `DEFAULT_ENABLED`, `FIX` ("none" | "safe" | "unsafe"), `LEVEL` ("error": the test
checks nothing or cannot run; "warning": a risk or a style problem; every output format and the
editor show this one level; a third-party rule without it is a "warning"), optionally an
`Options` dataclass (each field is a config key, in kebab-case, under `[tool.testlint]`), `VALID`
and `INVALID` example sources, and `check(ctx)`. Optional: `NEEDS` (a set such as {"inference"}) and
`check_snapshot(ctx)` for rules over stored snapshot files: the engine calls it with a
`SnapshotContext` once for each snapshot file that belongs to the linted test module (see
testlint.snapshots), and the rule reports with `ctx.report_entry(entry, message)`.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from testlint.finding import Finding, Fix

if TYPE_CHECKING:
    from testlint.facts import TestFunction, TestModule
    from testlint.project import Project
    from testlint.snapshots import SnapshotEntry, SnapshotFile

SECTIONS = (
    "What it does",
    "Why it matters",
    "Example",
    "Use instead",
    "Rewrite guidance",
    "Options",
)
FIX_KINDS = ("none", "safe", "unsafe")
LEVELS = ("error", "warning")
RULE_KINDS = ("static", "dynamic")
CODE_PATTERN = re.compile(r"^[A-Z]{1,4}[0-9]{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class RuleDefinitionError(Exception):
    """A rule module that does not follow the rule contract."""


@dataclass(frozen=True)
class OptionSpec:
    key: str  # kebab-case config key
    attr: str  # dataclass field name
    default: Any
    type_name: str  # "int", "bool", "str", "list[str]"
    help: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    default_enabled: bool
    fix: str
    doc: str
    sections: dict[str, str]
    valid: tuple[str, ...]
    invalid: tuple[str, ...]
    check: Callable[[RuleContext], None]
    options_type: type | None
    options: tuple[OptionSpec, ...]
    module: str
    needs: frozenset[str] = frozenset()
    check_snapshot: Callable[[Any], None] | None = None
    level: str = "warning"
    # "static": a query over a file's facts, run by `check`; "dynamic": evidence from running
    # the tests, reported by `testlint verify` only (see testlint.verify)
    kind: str = "static"

    @property
    def family(self) -> str:
        return self.code[:3]

    def make_options(self, values: dict[str, Any]) -> Any:
        if self.options_type is None:
            return None
        kwargs = {spec.attr: values[spec.key] for spec in self.options if spec.key in values}
        return self.options_type(**kwargs)

    def code_examples(self, section: str) -> list[str]:
        """The ```python blocks of a doc section, dedented."""
        return [m.group(1) for m in _CODE_BLOCK.finditer(self.sections.get(section, ""))]


_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)
_TYPE_NAMES = {int: "int", bool: "bool", str: "str", float: "float"}


def parse_sections(doc: str) -> tuple[str, dict[str, str]]:
    """Split a rule docstring into its summary and `## Heading` sections.

    The summary is the whole first paragraph (up to the first blank line or heading), its
    wrapped lines joined into one: a summary that wraps is not cut at the line end."""
    text = doc.strip("\n")
    summary = " ".join(_first_paragraph(text))
    sections: dict[str, str] = {}
    matches = list(_HEADING.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[match.group(1)] = text[match.end() : end].strip("\n")
    return summary, sections


def _first_paragraph(text: str) -> list[str]:
    lines = []
    for line in text.strip().splitlines():
        if not line.strip() or _HEADING.match(line):
            break
        lines.append(line.strip())
    return lines


def _option_specs(options_type: type | None, doc_options: str) -> tuple[OptionSpec, ...]:
    if options_type is None:
        return ()
    if not dataclasses.is_dataclass(options_type):
        raise RuleDefinitionError(f"{options_type!r} must be a dataclass")
    specs = []
    hints = {f.name: f for f in dataclasses.fields(options_type)}
    for name, fld in hints.items():
        if fld.default is not dataclasses.MISSING:
            default = fld.default
        elif fld.default_factory is not dataclasses.MISSING:
            default = fld.default_factory()
        else:
            raise RuleDefinitionError(f"option {name} needs a default")
        key = name.replace("_", "-")
        specs.append(
            OptionSpec(
                key=key,
                attr=name,
                default=default,
                type_name=_type_name(fld.type, default),
                help=_option_help(doc_options, key),
            )
        )
    return tuple(specs)


def _type_name(annotation: Any, default: Any) -> str:
    if isinstance(default, bool):
        return "bool"
    if isinstance(default, int):
        return "int"
    if isinstance(default, float):
        return "float"
    if isinstance(default, str):
        return "str"
    if isinstance(default, tuple | list | frozenset):
        return "list[str]"
    return str(annotation)


def _option_help(doc_options: str, key: str) -> str:
    """The whole bullet (with its indented continuation lines) that names `key`."""
    lines = doc_options.splitlines()
    for i, line in enumerate(lines):
        if f"`{key}`" not in line:
            continue
        parts = [line.strip().lstrip("-* ").strip()]
        for more in lines[i + 1 :]:
            if not more.strip() or not more[:1].isspace():
                break
            parts.append(more.strip())
        return " ".join(parts)
    return ""


def rule_from_module(module: ModuleType) -> Rule:
    """Read and validate one rule module."""
    where = module.__name__
    kind = getattr(module, "KIND", "static")
    if kind not in RULE_KINDS:
        raise RuleDefinitionError(f"{where}: KIND must be one of {RULE_KINDS}")
    required: tuple[str, ...] = ("CODE", "NAME", "DEFAULT_ENABLED", "FIX")
    if kind == "static":
        required += ("check",)
    missing = [a for a in required if not hasattr(module, a)]
    if missing:
        raise RuleDefinitionError(f"{where}: missing {', '.join(missing)}")
    code = module.CODE
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise RuleDefinitionError(f"{where}: CODE {code!r} is not like TL101")
    if not NAME_PATTERN.match(module.NAME):
        raise RuleDefinitionError(f"{where}: NAME {module.NAME!r} is not kebab-case")
    if module.FIX not in FIX_KINDS:
        raise RuleDefinitionError(f"{where}: FIX must be one of {FIX_KINDS}")
    level = getattr(module, "LEVEL", "warning")
    if level not in LEVELS:
        raise RuleDefinitionError(f"{where}: LEVEL must be one of {LEVELS}")
    doc = module.__doc__ or ""
    summary, sections = parse_sections(doc)
    options_type = getattr(module, "Options", None)
    return Rule(
        code=code,
        name=module.NAME,
        summary=summary,
        default_enabled=bool(module.DEFAULT_ENABLED),
        fix=module.FIX,
        doc=doc,
        sections=sections,
        valid=tuple(getattr(module, "VALID", ())),
        invalid=tuple(getattr(module, "INVALID", ())),
        check=getattr(module, "check", _no_static_check),
        options_type=options_type,
        options=_option_specs(options_type, sections.get("Options", "")),
        module=where,
        needs=frozenset(getattr(module, "NEEDS", ())),
        check_snapshot=getattr(module, "check_snapshot", None),
        level=level,
        kind=kind,
    )


def _no_static_check(ctx: RuleContext) -> None:
    """A dynamic rule has nothing to say about a file's text."""


@dataclass
class RuleContext:
    """What a rule's check sees: the file's facts, its options, the project, and `report`."""

    rule: Rule
    module: TestModule
    options: Any
    project: Project
    findings: list[Finding] = field(default_factory=list)
    # the linted file on disk (its path as reported is `module.path`); None outside the engine
    file: Path | None = None

    @property
    def source(self) -> Any:
        return self.module.source

    def report(
        self,
        node: ast.AST,
        message: str,
        *,
        test: TestFunction | str | None = None,
        fix: Fix | None = None,
        end: ast.AST | None = None,
    ) -> None:
        source = self.module.source
        line = getattr(node, "lineno", 1)
        col = source.char_col(line, getattr(node, "col_offset", 0))
        last = end if end is not None else node
        end_line = getattr(last, "end_lineno", None) or line
        end_byte = getattr(last, "end_col_offset", None)
        end_col = source.char_col(end_line, end_byte) if end_byte is not None else col
        if test is None:
            found = self.module.test_at(node)
            test_name = found.qualname if found else None
        else:
            test_name = test if isinstance(test, str) else test.qualname
        self.findings.append(
            Finding(
                path=source.path,
                line=line,
                col=col + 1,
                code=self.rule.code,
                name=self.rule.name,
                message=message,
                end_line=end_line,
                end_col=end_col + 1,
                test=test_name,
                fix=fix,
            )
        )

    def report_name(self, node: ast.AST, message: str, *, test: TestFunction | str | None = None,
                    fix: Fix | None = None) -> None:
        """Report at the name of a def/class (where ruff and flake8 point), not its decorators."""
        name = getattr(node, "name", None)
        line = getattr(node, "lineno", 1)
        if not isinstance(name, str):
            self.report(node, message, test=test, fix=fix)
            return
        source = self.module.source
        text = source.line(line)
        start = source.char_col(line, getattr(node, "col_offset", 0))
        keyword = text.find("def " if not isinstance(node, ast.ClassDef) else "class ", start)
        col = text.find(name, keyword if keyword >= 0 else start)
        if col < 0:
            col = start
        if test is None:
            found = self.module.test_at(node)
            test = found.qualname if found else None
        self.report_at(line, col + 1, message, end_col=col + 1 + len(name),
                       test=test if isinstance(test, str) or test is None else test.qualname,
                       fix=fix)

    def report_at(
        self,
        line: int,
        col: int,
        message: str,
        *,
        end_line: int | None = None,
        end_col: int | None = None,
        path: str | None = None,
        test: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        """Report at an explicit 1-based line and character column (e.g. in a snapshot file)."""
        self.findings.append(
            Finding(
                path=path or self.module.source.path,
                line=line,
                col=col,
                code=self.rule.code,
                name=self.rule.name,
                message=message,
                end_line=end_line or line,
                end_col=end_col or col,
                test=test,
                fix=fix,
            )
        )


@dataclass(kw_only=True)
class SnapshotContext(RuleContext):
    """What a rule's `check_snapshot` sees: one stored snapshot file of the linted test module,
    besides everything a `check` sees (the test module's facts, options, project)."""

    snapshot: SnapshotFile

    def report_entry(self, entry: SnapshotEntry, message: str) -> None:
        """Report at a snapshot entry, in the snapshot file, tied to the test that owns it."""
        self.report_at(entry.line, entry.col, message, path=self.snapshot.display,
                       end_line=entry.end_line or entry.line, test=entry.test)
