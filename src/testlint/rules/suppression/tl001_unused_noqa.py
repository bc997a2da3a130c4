"""A `# noqa: TLxxx` comment that suppresses nothing, or names a code no rule has.

## What it does

Flags a `# noqa` comment that lists a testlint code which suppresses no finding on its line, or
a `TL` code that no installed rule has (a typo, a removed rule). ruff's RUF100 for testlint's
codes. A code is judged only when every rule it names ran: a comment for an opt-in rule, for
a rule that `per-file-ignores` turns off in that file, or for a rule whose findings depend on
the installed environment (TL501 reads which pytest plugins are installed, and a pre-commit
environment has none of them) is left alone. A bare `# noqa` and other
tools' codes (`E501`, `PT011`, ...) are never reported, nor is a comment that also lists
`TL001` (the editor's "disable TL001 for this line" writes that).

The engine reports this rule itself, after the other rules: only it knows which comments
suppressed a finding.

## Why it matters

A `# noqa` outlives the finding it silenced: the test gets fixed, the comment stays, and the
next real problem on that line is hidden without anyone deciding so. A misspelt code
(`# noqa: TL1011`) silences nothing while looking like it does. Either way the comment lies
about the test.

## Example

```python
def test_total(cart):  # noqa: TL999
    assert cart.total() == 0
```

## Use instead

```python
def test_total(cart):
    assert cart.total() == 0
```

## Rewrite guidance

Remove the codes that suppress nothing (the safe fix does; `--fix` applies it). If the finding
the comment was meant for still matters, correct the code instead.

## Options

None.
"""

from __future__ import annotations

from testlint.rules.base import RuleContext

CODE = "TL001"
NAME = "unused-noqa"
DEFAULT_ENABLED = True
FIX = "safe"
LEVEL = "warning"

VALID = [
    """
def test_total(cart):  # noqa
    assert cart.total() == 0
""",
    """
def test_total(cart):  # noqa: E501, PT011
    assert cart.total() == 0
""",
    """
def test_total(cart):
    text = "# noqa: TL999"
    assert cart.total() == 0
""",
]

INVALID = [
    """
def test_total(cart):  # noqa: TL999
    assert cart.total() == 0
""",
    """
def test_total(cart):  # noqa: E501, TL1011
    assert cart.total() == 0
""",
]


def check(ctx: RuleContext) -> None:
    """Nothing here: the engine reports TL001 once the other rules' findings are filtered
    (testlint.noqa.unused_noqa)."""

