"""A snapshot too big for anyone to review.

## What it does

Flags stored snapshots bigger than `snapshot-max-lines` lines or `snapshot-max-items` leaf items,
each measured on its own and reported at its own line:

- syrupy: each entry of `__snapshots__/<test file>.ambr` beside the test file (an entry starts at
  its `# name: test_x` line), and each file of syrupy's single-file extensions under
  `__snapshots__/<test file>/` (JSON, raw text; a single-file `.ambr` entry by entry);
- pytest-snapshot: each file under `snapshots/<test file>/<test name>/`;
- snapshottest: each `snapshots['test_x 1'] = ...` value in `snapshots/snap_<test file>.py`;
- inline-snapshot: the literal inside `snapshot(...)` (`from inline_snapshot import snapshot`,
  under any alias) in a test.

`testlint PATH` finds these files while it lints the test file they belong to, so each snapshot is
reported once, under the snapshot file's path. Items are counted where the format allows it
(JSON files, snapshottest values, inline literals); text formats are measured in lines.

This rule owns every snapshot a tool writes, inline ones included; TL303 (giant-snapshot-literal)
covers expected values written by hand and never reports a literal inside `snapshot(...)`.

Snapshot files have no comments of their own, so to accept one big snapshot put
`# noqa: TL304` on the `def` line of the test that owns it; `per-file-ignores` patterns match the
snapshot file's path as well as the test file's.

## Why it matters

Snapshot tools make it free to record a 300-line payload, and just as free to re-record it with
`--snapshot-update` when it changes. Nobody reads a diff that size: review becomes a rubber stamp,
a wrong value is recorded as faithfully as a right one, and the test fails on every harmless
change (ordering, formatting, a new field) while proving none of the behaviour on purpose.

## Example

```python
from inline_snapshot import snapshot


def test_order_summary():
    summary = build_summary(order_id=42)
    assert summary == snapshot(
        {
            "id": 42,
            "status": "paid",
            "currency": "EUR",
            "customer": {
                "id": 7,
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "tier": "gold",
            },
            "lines": [
                {"sku": "A-1", "qty": 2, "unit_cents": 1999, "total_cents": 3998},
                {"sku": "B-2", "qty": 1, "unit_cents": 500, "total_cents": 500},
                {"sku": "C-3", "qty": 3, "unit_cents": 250, "total_cents": 750},
            ],
            "subtotal_cents": 5248,
            "discount_cents": 0,
            "tax_cents": 997,
            "shipping_cents": 490,
            "total_cents": 6735,
            "created_at": "2024-05-01T10:00:00Z",
            "updated_at": "2024-05-01T10:05:00Z",
            "notes": None,
            "tags": ["web", "first-order"],
            "channel": "web",
            "warehouse": "BER-1",
        }
    )
```

## Use instead

```python
from inline_snapshot import snapshot


def test_order_summary():
    summary = build_summary(order_id=42)
    assert summary["status"] == "paid"
    assert summary["total_cents"] == 6735
    assert [line["sku"] for line in summary["lines"]] == snapshot(["A-1", "B-2", "C-3"])
```

## Rewrite guidance

Keep the call under test. Replace the whole-payload snapshot with assertions on the fields the
test is about and on invariants that hold whatever the data (totals add up, ids are unique,
every line has a SKU). If a snapshot is still wanted, snapshot a small projection of the
payload (the keys, the list of SKUs) rather than all of it, and delete the stale stored entry.

## Options

- `snapshot-max-lines` (int, default 25): a snapshot longer than this many lines is reported.
- `snapshot-max-items` (int, default 50): a snapshot with more leaf items than this is reported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from testlint.rules.base import RuleContext, SnapshotContext
from testlint.snapshots import is_literal, limits, literal_size

CODE = "TL304"
NAME = "giant-snapshot-file"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"

INLINE_SNAPSHOT = "inline_snapshot.snapshot"


@dataclass(frozen=True)
class Options:
    snapshot_max_lines: int = 25
    snapshot_max_items: int = 50


VALID = [
    """
from inline_snapshot import snapshot

def test_skus():
    assert skus(order()) == snapshot(["A-1", "B-2", "C-3"])
""",
    # syrupy's fixture is not an inline snapshot, and the stored file is checked on its own
    """
def test_summary(snapshot):
    assert build_summary(42) == snapshot
""",
    # a literal handed to the code under test is input, whatever its size
    "from inline_snapshot import snapshot\n\ndef test_total():\n    assert total(["
    + ", ".join(str(i) for i in range(80)) + "]) == snapshot(3160)\n",
]

INVALID = [
    "from inline_snapshot import snapshot\n\ndef test_primes():\n    assert primes(300) == "
    "snapshot([" + ", ".join(str(i) for i in range(62)) + "])\n",
    "import inline_snapshot as ils\n\ndef test_report():\n    assert render() == ils.snapshot("
    '"""\\\n' + "row\n" * 30 + '""")\n',
]


def _message(what: str, size_text: str, max_lines: int, max_items: int, update: str) -> str:
    return (
        f"{what} stores {size_text} ({limits(max_lines, max_items)}): a payload this size is "
        f"re-recorded with {update} and rubber-stamped, not reviewed; assert the key fields and "
        "invariants instead, or snapshot a small projection"
    )


def check(ctx: RuleContext) -> None:
    """Inline snapshots: `snapshot(<literal>)` in a test."""
    if not any(q.split(".", 1)[0] == "inline_snapshot" for q in ctx.module.imports.values()):
        return
    max_lines = ctx.options.snapshot_max_lines
    max_items = ctx.options.snapshot_max_items
    for test in ctx.module.tests:
        for node in test.nodes:
            if not (isinstance(node, ast.Call) and node.args and is_literal(node.args[0])):
                continue
            if ctx.module.qualname(node.func) != INLINE_SNAPSHOT:
                continue
            if isinstance(node.func, ast.Name) and node.func.id in test.params:
                continue  # a fixture parameter (syrupy's `snapshot`) shadows the import
            literal = node.args[0]
            size = literal_size(literal)
            if size.exceeds(max_lines, max_items):
                ctx.report(
                    literal,
                    _message("inline snapshot", size.describe(), max_lines, max_items,
                             "--inline-snapshot=fix"),
                    test=test,
                )


def check_snapshot(ctx: SnapshotContext) -> None:
    """Stored snapshots: each entry of a snapshot file of the linted test module."""
    max_lines = ctx.options.snapshot_max_lines
    max_items = ctx.options.snapshot_max_items
    for entry in ctx.snapshot.entries:
        if entry.size.exceeds(max_lines, max_items):
            ctx.report_entry(
                entry,
                _message(f"snapshot '{entry.name}'", entry.size.describe(), max_lines, max_items,
                         "--snapshot-update"),
            )
