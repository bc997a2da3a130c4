"""A `pytest.mark.X` that pytest does not know, so it warns and the mark selects nothing you meant.

## What it does

Flags every use of `@pytest.mark.X` (as a decorator, in `pytestmark`, single or in a list, on a
class, or in `pytest.param(..., marks=...)`) where `X` is not one of pytest's own marks, is not
declared by the project, and is not registered by a common plugin. Declared means: listed under
`markers` in the ini file pytest reads (pytest.ini or .pytest.ini `[pytest]`, pyproject.toml
`[tool.pytest.ini_options]` or `[tool.pytest]`, tox.ini `[pytest]`, setup.cfg `[tool:pytest]`),
or registered with `config.addinivalue_line("markers", "X: ...")` in a conftest.py on the test
file's path. A marker declared only in a section pytest ignores (a `[tool:pytest]` section inside
pytest.ini, or a pyproject.toml that a pytest.ini beside it overrides) is not declared, and the
message says so. A misspelling of a known marker is TL502's finding instead.

## Why it matters

pytest accepts any `pytest.mark.X`. An undeclared one only produces a PytestUnknownMarkWarning
that scrolls by, or fails collection when the project runs with `--strict-markers`. A model that
invents `@pytest.mark.slow` or `@pytest.mark.integration` leaves a mark that nothing uses: no
`-m "not slow"` selection was ever set up for it, no plugin acts on it, and reviewers believe the
test is handled specially when it is not.

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
`--strict-markers` so the next undeclared marker fails at once.

## Options

- `extra-markers` (list of str, default: none): markers your own or uncommon plugins register,
  which testlint cannot see; names or glob patterns such as `db_*`. They count as declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from testlint.rules.base import RuleContext
from testlint.rules.wiring._markers import (
    Known,
    classify,
    declare_hint,
    known_markers,
    name_span,
    section_for,
)

CODE = "TL501"
NAME = "undeclared-marker"
DEFAULT_ENABLED = True
FIX = "none"


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
import pytest

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(5)]

async def test_fetch(client):
    assert (await client.get("/")).status_code == 200
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


def check(ctx: RuleContext) -> None:
    if not ctx.module.markers:
        return
    known = known_markers(ctx)
    for use in ctx.module.markers:
        if classify(use, known).kind != "undeclared":
            continue
        span = name_span(ctx, use)
        text = message(use.name, known)
        if span is None:
            ctx.report(use.node, text, test=use.test)
        else:
            line, start, end = span
            ctx.report_at(line, start, text, end_col=end, test=use.test)
