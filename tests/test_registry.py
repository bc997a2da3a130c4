"""The rule registry: built-in rules, third-party packs through entry points, duplicates refused."""

from __future__ import annotations

import sys
import textwrap
import types
from pathlib import Path

import pytest

from testlint.registry import (
    ENTRY_POINT_GROUP,
    _builtin_modules,
    _plugin_modules,
    build_registry,
)
from testlint.rules.base import RuleDefinitionError

PACK_RULE = '''
"""Tests must not be called test_it.

## What it does

Flags tests named `test_it`.

## Why it matters

The name says nothing.

## Example

```python
def test_it():
    assert run() == 1
```

## Use instead

```python
def test_run_returns_one():
    assert run() == 1
```

## Rewrite guidance

Name the behaviour.

## Options

None.
"""

CODE = "XYZ101"
NAME = "vague-test-name"
DEFAULT_ENABLED = True
FIX = "none"
VALID = ["def test_run():\\n    assert run() == 1\\n"]
INVALID = ["def test_it():\\n    assert run() == 1\\n"]


def check(ctx):
    for test in ctx.module.tests:
        if test.name == "test_it":
            ctx.report_name(test.node, "vague test name; name the behaviour", test=test)
'''


def _module(name: str, source: str) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(textwrap.dedent(source), name, "exec"), module.__dict__)
    return module


def test_duplicate_codes_are_refused() -> None:
    first = _module("pack_a", PACK_RULE)
    second = _module("pack_b", PACK_RULE)
    with pytest.raises(RuleDefinitionError, match="duplicate rule code XYZ101: pack_a and pack_b"):
        build_registry([first, second])


def test_a_module_missing_the_contract_is_refused() -> None:
    with pytest.raises(RuleDefinitionError, match="missing CODE, NAME"):
        build_registry([_module("broken", "def check(ctx):\n    pass\n")])


def test_entry_point_pack_is_discovered_and_runs(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "xyz_rules.py").write_text(PACK_RULE)
    dist = tmp_path / "xyz_rules-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: xyz-rules\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nxyz = xyz_rules\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "xyz_rules", raising=False)
    registry = build_registry([*_builtin_modules(), *_plugin_modules()])
    rule = registry.get("XYZ101")
    assert (rule.name, rule.module) == ("vague-test-name", "xyz_rules")
    assert [r.code for r in registry.resolve(["XYZ"])] == ["XYZ101"]
    from testlint.config import Config
    from testlint.engine import make_engine

    (tmp_path / "test_vague.py").write_text("def test_it():\n    assert run() == 1\n")
    engine = make_engine([tmp_path], config=Config(root=tmp_path, select=("XYZ",)),
                         registry=registry)
    findings = engine.lint_path(tmp_path / "test_vague.py", "test_vague.py")
    assert [(f.line, f.col, f.code, f.message) for f in findings] == [
        (1, 5, "XYZ101", "vague test name; name the behaviour")
    ]


def test_a_summary_that_wraps_is_read_whole() -> None:
    wrapped = PACK_RULE.replace(
        '"""Tests must not be called test_it.',
        '"""Tests must not be called test_it: the name says nothing about what\n'
        "   the test checks, so a failure says nothing either.",
    )
    rule = build_registry([_module("pack_wrapped", wrapped)]).get("XYZ101")
    assert rule.summary == (
        "Tests must not be called test_it: the name says nothing about what the test checks, "
        "so a failure says nothing either."
    )
    assert next(iter(rule.sections)) == "What it does"
