"""`print(...)` in a test: debugging output where an assertion should be.

## What it does

Flags `print(...)`, `pprint.pprint(...)` and `pprint.pp(...)` called in a test's own body.

Not flagged: a test that captures output on purpose (it takes `capsys`, `capfd`,
`capsysbinary` or `capfdbinary`, or calls `readouterr()`, or prints inside
`contextlib.redirect_stdout`/`redirect_stderr`),
`print(..., file=stream)` to a stream other than `sys.stdout`/`sys.stderr` (writing test input to
a buffer), and prints in functions defined inside the test (a command or callback under test
that prints).

## Why it matters

pytest captures a passing test's output and throws it away, so a `print` shows nothing unless
the test fails, and it checks nothing. In generated tests a `print(result)` often stands where
the assertion on `result` should be: the author looked at the value once, and the test then
keeps "passing" whatever the value becomes.

## Example

```python
def test_invoice_total(invoice):
    total = invoice.total()
    print("total:", total)
    assert total is not None
```

## Use instead

```python
def test_invoice_total(invoice):
    assert invoice.total() == 1999
```

## Rewrite guidance

Replace the print with an assertion on the value it shows, with the expected value taken from
the specification. If the output is needed to diagnose failures, put it in the assertion message
(`assert total == 1999, invoice.lines`), which pytest shows exactly when it matters.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import TestFunction
from testlint.rules._body import call_name, own_nodes
from testlint.rules.base import RuleContext

CODE = "TL606"
NAME = "print-in-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"

PRINTS = frozenset({"print", "pprint.pprint", "pprint.pp"})
CAPTURE_FIXTURES = frozenset({"capsys", "capfd", "capsysbinary", "capfdbinary"})
REDIRECTS = frozenset({"contextlib.redirect_stdout", "contextlib.redirect_stderr",
                       "redirect_stdout", "redirect_stderr"})
STANDARD_STREAMS = frozenset({"sys.stdout", "sys.stderr"})

VALID = [
    """
def test_total(invoice):
    assert invoice.total() == 1999
""",
    """
def test_prints_greeting(capsys):
    print("hello")
    greet("ada")
    assert capsys.readouterr().out == "hello\\nhello ada\\n"
""",
    """
import io

def test_reads_lines():
    buffer = io.StringIO()
    print("a", file=buffer)
    assert read_lines(buffer.getvalue()) == ["a"]
""",
    """
def test_command(runner):
    def hello():
        print("hi")
    result = runner.invoke(command(hello))
    assert result.output == "hi\\n"
""",
]

INVALID = [
    """
def test_total(invoice):
    total = invoice.total()
    print(total)
    assert total
""",
    """
from pprint import pprint

def test_payload(client):
    payload = client.get("/").json()
    pprint(payload)
    assert payload["ok"] is True
""",
]


def _captures(test: TestFunction) -> bool:
    """The test reads captured output: a capture fixture, or `readouterr()` on one it got by
    `request.getfixturevalue(...)`."""
    if CAPTURE_FIXTURES.intersection(test.params):
        return True
    return any(
        isinstance(node, ast.Attribute) and node.attr == "readouterr" for node in test.nodes
    )


def _to_other_stream(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "file":
            target = ast.unparse(keyword.value)
            return target not in STANDARD_STREAMS
    return False


def check(ctx: RuleContext) -> None:
    if "print" not in ctx.source.text and "pp(" not in ctx.source.text:
        return
    for test in ctx.module.tests:
        if _captures(test):
            continue
        for node in own_nodes(test):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            spelled = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if spelled not in {"print", "pprint", "pp"}:
                continue
            name = call_name(ctx.module, node)
            if name not in PRINTS or _to_other_stream(node):
                continue
            if any(
                isinstance(a, ast.With | ast.AsyncWith)
                and any(
                    isinstance(item.context_expr, ast.Call)
                    and call_name(ctx.module, item.context_expr) in REDIRECTS
                    for item in a.items
                )
                for a in test.ancestors(node)
            ):
                continue
            ctx.report(
                node,
                f"{name}() in a test shows a value but checks nothing (pytest hides it when the "
                "test passes); assert on the value instead, or put it in the assertion message",
                test=test,
            )
