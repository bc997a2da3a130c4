"""A `pytest.mark.X` that pytest does not know, so it warns and the mark selects nothing you meant.

## What it does

Flags every use of `@pytest.mark.X` (as a decorator, in `pytestmark`, single or in a list, on a
class, or in `pytest.param(..., marks=...)`) where `X` is not one of pytest's own marks, is not
declared by the project, and is not registered by a plugin the project has. Declared means:
listed under `markers` in the ini file pytest reads (pytest.ini or .pytest.ini `[pytest]`,
pyproject.toml `[tool.pytest.ini_options]` or `[tool.pytest]`, tox.ini `[pytest]`, setup.cfg
`[tool:pytest]`), or registered with `config.addinivalue_line("markers", "X: ...")` in a
conftest.py on the test file's path. A marker declared only in a section pytest ignores (a
`[tool:pytest]` section inside pytest.ini, or a pyproject.toml that a pytest.ini beside it
overrides) is not declared, and the message says so. A misspelling of a known marker is TL502's
finding instead.

A marker that a well-known plugin registers (`asyncio`, `anyio`, `gen_test`, `django_db`,
`timeout`, `flaky`, ...) counts only when the project has that plugin: it declares the plugin's
distribution (pyproject dependencies, optional groups and dependency groups, requirements files,
setup.cfg/setup.py, tox.ini, Pipfile, lock files, conda environments, install commands in CI
or nox), the plugin is installed where testlint runs, pytest's configuration sets one of its
options (`asyncio_mode`) or loads it (`-p`, `pytest_plugins`), or a conftest or the test module
imports it. Otherwise the finding names the plugin; on an `async def` test whose marker is the
one that should run it, it says the body never executes.

## Why it matters

pytest accepts any `pytest.mark.X`. An undeclared one only produces a PytestUnknownMarkWarning
that scrolls by, or fails collection when the project runs with `--strict-markers`. A model that
invents `@pytest.mark.slow` or `@pytest.mark.integration` leaves a mark that nothing uses: no
`-m "not slow"` selection was ever set up for it, no plugin acts on it, and reviewers believe the
test is handled specially when it is not. A plugin's marker without its plugin is worse for an
async test: `@pytest.mark.asyncio` or `@pytest.mark.gen_test` is what makes the coroutine run,
so without pytest-asyncio or pytest-tornado the body never executes, and older pytest reports
the test as skipped with a warning that generated suites routinely ignore.

## Example

```python
import pytest


@pytest.mark.slow
def test_full_export(tmp_path):
    assert export_all(tmp_path) == 120
```

## Use instead

Declare the marker where pytest reads it, and select on it in CI:

```toml
[tool.pytest.ini_options]
markers = ["slow: takes more than a second; deselect with -m 'not slow'"]
```

Or, if the mark was only meant to keep the test out of ordinary runs, say so with a mark pytest
acts on:

```python
import os

import pytest


@pytest.mark.skipif(not os.environ.get("RUN_SLOW"), reason="set RUN_SLOW=1 to run")
def test_full_export(tmp_path):
    assert export_all(tmp_path) == 120
```

## Rewrite guidance

If the marker carries meaning for the project (it is selected with `-m` somewhere, or a conftest
reads it), declare it under `markers` in the file pytest reads, with a one-line description. If
nothing uses it, remove it. If it was meant to change how the test runs (skip it, expect it to
fail, give it fixtures), use the builtin mark that does that. Run pytest with
`--strict-markers` so the next undeclared marker fails at once. If the marker belongs to a
plugin the project does not have, add the plugin to the test dependencies; for an async test,
check afterwards that its body really runs (its assertions can fail).

## Options

- `extra-markers` (list of str, default: none): markers your own or uncommon plugins register,
  which testlint cannot see; names or glob patterns such as `db_*`. They count as declared.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.dependencies.plugins import Plugin
from testlint.facts import MarkerUse
from testlint.rules.base import RuleContext
from testlint.rules.wiring._markers import (
    Known,
    classify,
    declare_hint,
    known_markers,
    name_span,
    section_for,
)
from testlint.source import definition_start

CODE = "TL501"
NAME = "undeclared-marker"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"
# which plugins are installed where testlint runs decides whether their markers are known
NEEDS = {"environment"}


@dataclass(frozen=True)
class Options:
    extra_markers: tuple[str, ...] = ()


VALID = [
    """
import pytest

@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_double(n):
    assert double(n) == 2 * n
""",
    """
import anyio
import pytest

pytestmark = pytest.mark.anyio

async def test_sleep_returns_none():
    assert await anyio.sleep(0) is None
""",
    """
import pytest

def test_marks_are_data():
    assert pytest.mark.skip.mark.name == "skip"
""",
]

INVALID = [
    """
import pytest

@pytest.mark.integration
def test_checkout(client):
    assert client.post("/checkout").status_code == 201
""",
    """
import pytest

pytestmark = pytest.mark.smoke

def test_home(client):
    assert client.get("/").status_code == 200
""",
    """
import pytest

@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.flaky_on_ci)])
def test_double(n):
    assert double(n) == 2 * n
""",
]


def message(name: str, known: Known) -> str:
    where = known.ignored.get(name)
    if where is not None:
        filename = where.split(" ", 1)[0]
        target = (declare_hint(known.inifile, known.section) if known.inifile
                  else f"{filename} {section_for(filename)}")
        return (
            f"marker '{name}' is declared only in {where}, a section pytest ignores; "
            f"move its `markers` entry to {target}"
        )
    if known.strict:
        effect = "collection fails under this project's --strict-markers"
    elif known.inifile is None:
        effect = "pytest only warns (PytestUnknownMarkWarning) and the project has no pytest config"
    else:
        effect = "pytest only warns (PytestUnknownMarkWarning) and nothing acts on it"
    return (
        f"unregistered marker '{name}': {effect}; declare it under `markers` in "
        f"{declare_hint(known.inifile, known.section)}, or remove it"
    )


def unprovided_message(name: str, plugin: Plugin, known: Known, coroutine: bool) -> str:
    first, *others = plugin.distributions
    provider = f"{first} (or {', '.join(others)})" if others else first
    where = (
        f"marker '{name}' needs {provider}, which this project neither declares nor has installed"
    )
    if coroutine and plugin.runs_coroutines and not known.runs_every_coroutine:
        return (
            f"{where}: nothing runs this async test and its body never executes (pytest skips "
            f"it, or fails it from 8.4 on); add {first} to the test dependencies"
        )
    if known.strict:
        effect = "collection fails under this project's --strict-markers"
    else:
        effect = "pytest only warns (PytestUnknownMarkWarning) and nothing acts on it"
    return f"{where}: {effect}; add {first} to the test dependencies, or remove the marker"


def _marks_a_coroutine(ctx: RuleContext, use: MarkerUse) -> bool:
    """Whether a test the marker applies to is an `async def` (a class or module mark: any test
    of that class or module)."""
    if use.test is not None:
        tests = [t for t in ctx.module.tests if t.qualname == use.test]
    else:
        tests = [t for t in ctx.module.tests if t.cls is not None and _within(t.cls, use.node)]
        if not tests and use.where == "pytestmark":
            tests = list(ctx.module.tests)
    return any(isinstance(t.node, ast.AsyncFunctionDef) for t in tests)


def _within(cls: ast.ClassDef, node: ast.AST) -> bool:
    start = definition_start(cls)
    line = getattr(node, "lineno", 0)
    return start <= line <= (cls.end_lineno or cls.lineno)


def check(ctx: RuleContext) -> None:
    if not ctx.module.markers or ctx.project.pytest.errors:
        return  # pytest cannot read its config (TL000 says so): what it declares is unknown
    known = known_markers(ctx)
    for use in ctx.module.markers:
        kind = classify(use, known).kind
        if kind == "unprovided":
            text = unprovided_message(
                use.name, known.unprovided[use.name], known, _marks_a_coroutine(ctx, use)
            )
        elif kind == "undeclared":
            text = message(use.name, known)
        else:
            continue
        span = name_span(ctx, use)
        if span is None:
            ctx.report(use.node, text, test=use.test)
        else:
            line, start, end = span
            ctx.report_at(line, start, text, end_col=end, test=use.test)
