"""A misspelled marker (`parametrise`, `skip_if`, `xfial`): pytest ignores it and the test runs
the wrong way.

## What it does

Flags `pytest.mark.X` where `X` is unknown to pytest and the project but is a near miss of a
marker that is known: one of pytest's own marks, one the project declares, or one a common plugin
registers. Near means a difference only in case, underscores or dashes (`skip_if`, `skipIf`,
`use_fixtures`), one edit or swapped pair of letters (`xfial`, `usefixture`, `filterwarning`,
`xfails`), two edits in a long name, or a known variant such as `parametrise`, `parameterize` or
`paramaterize`. A name the project itself declares is never a misspelling.

## Why it matters

pytest treats an unknown mark as a label, not an instruction. `@pytest.mark.skip_if(...)` never
skips, `@pytest.mark.xfial` lets a known failure break the build or hides that it was expected,
`@pytest.mark.usefixture("db")` never sets up the database, and a misspelled `parametrize` leaves
the test without its cases. The only trace is a warning in a long log.

## Example

```python
import pytest


@pytest.mark.parametrise("amount_cents, expected", [(100, "1.00"), (5, "0.05")])
def test_format_cents(amount_cents, expected):
    assert format_cents(amount_cents) == expected
```

## Use instead

```python
import pytest


@pytest.mark.parametrize("amount_cents, expected", [(100, "1.00"), (5, "0.05")])
def test_format_cents(amount_cents, expected):
    assert format_cents(amount_cents) == expected
```

## Rewrite guidance

Rename the marker to the one that was meant; `testlint check --fix` does it. The rename is a safe
fix when the intended marker is pytest's own or declared by the project, and offered only with
`--unsafe-fixes` when it belongs to a plugin the project may not have installed. When two markers
are equally close, pick the one that was meant by hand.

## Options

- `extra-markers` (list of str, default: none): markers your own or uncommon plugins register,
  which testlint cannot see; names or glob patterns such as `db_*`. They are never reported as
  misspellings, and plain names are offered as corrections.
"""

from __future__ import annotations

from dataclasses import dataclass

from testlint.finding import Edit, Fix
from testlint.rules.base import RuleContext
from testlint.rules.wiring._markers import (
    CONSEQUENCES,
    PLUGIN_MARKERS,
    classify,
    known_markers,
    name_span,
)

CODE = "TL502"
NAME = "misspelled-marker"
DEFAULT_ENABLED = True
FIX = "safe"
LEVEL = "warning"

# pytest itself fails collection on these spellings ("did you mean 'parametrize'?")
PYTEST_REFUSES = frozenset({"parameterize", "parametrise", "parameterise"})


@dataclass(frozen=True)
class Options:
    extra_markers: tuple[str, ...] = ()


VALID = [
    """
import pytest

@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.skipif(sys.platform == "win32", reason="posix paths")
def test_double(n):
    assert double(n) == 2 * n
""",
    """
import pytest

@pytest.mark.xfail(raises=ZeroDivisionError, strict=True)
@pytest.mark.usefixtures("db")
def test_ratio():
    assert ratio(1, 0) == 0
""",
]

INVALID = [
    """
import pytest

@pytest.mark.skip_if(sys.platform == "win32", reason="posix paths")
def test_paths():
    assert normalise("a/b") == "a/b"
""",
    """
import pytest

@pytest.mark.xfial(reason="rounding bug #12")
def test_rounding():
    assert round_half_even(2.5) == 2
""",
    """
import pytest

@pytest.mark.usefixture("db")
def test_saves(repo):
    assert repo.save(Item()) == 1
""",
]


def message(name: str, targets: tuple[str, ...], kind: str) -> str:
    if len(targets) > 1:
        options = " or ".join(f"'{t}'" for t in targets)
        return (
            f"unknown marker '{name}' looks like a misspelling of {options}: pytest ignores it; "
            "rename it to the one you meant"
        )
    target = targets[0]
    if name in PYTEST_REFUSES:
        consequence = "pytest refuses to collect the module"
    elif target in CONSEQUENCES:
        consequence = f"pytest ignores it, so {CONSEQUENCES[target]}"
    elif kind == "plugin":
        consequence = f"pytest ignores it, so {PLUGIN_MARKERS[target].name} never acts on the test"
    else:
        consequence = f"pytest ignores it, so `-m {target}` does not select the test"
    return (
        f"unknown marker '{name}' is a misspelling of '{target}': {consequence}; "
        f"rename it to '{target}'"
    )


def check(ctx: RuleContext) -> None:
    if not ctx.module.markers:
        return
    known = known_markers(ctx)
    for use in ctx.module.markers:
        verdict = classify(use, known)
        if verdict.kind != "misspelled":
            continue
        text = message(use.name, verdict.targets, verdict.target_kind)
        span = name_span(ctx, use)
        if span is None:
            ctx.report(use.node, text, test=use.test)
            continue
        line, start, end = span
        fix = None
        if len(verdict.targets) == 1:
            target = verdict.targets[0]
            fix = Fix(
                description=f"rename marker '{use.name}' to '{target}'",
                edits=(Edit(line, start, line, end, target),),
                safe=verdict.target_kind != "plugin",
            )
        ctx.report_at(line, start, text, end_col=end, test=use.test, fix=fix)
