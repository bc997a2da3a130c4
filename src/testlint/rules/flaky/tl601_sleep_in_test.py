"""A fixed sleep in a test: slow on every run, and still racy on a loaded CI machine.

## What it does

Flags `time.sleep(...)`, `asyncio.sleep(...)`, `trio.sleep(...)`, `anyio.sleep(...)` and
tornado's `gen.sleep(...)` called with a positive delay that is known statically (a number, a
constant expression, or a local name assigned one number), in a test's own body or in a function
the test defines and calls itself (a helper coroutine it awaits or gathers, a decorated helper it
calls): that sleep runs as part of the test.

Not flagged: `sleep(0)` (yields to other threads or the event loop, and waits for nothing); a
sleep inside a polling loop, that is a `while` loop with a real condition or a loop that can
`break`/`return` once the awaited condition holds (the right way to wait); a sleep inside a
function, lambda or class defined in the test that the test does not call itself (a thread
target, a fake slow server or a callback that simulates a slow dependency); a test that sets a
timeout or a wait on the code under test (`request_timeout=1`, `client.timeout = 0.1`,
`wait_for_close=...`), where crossing the limit in real time is the point; a sleep between two
calls of the same function (`a = stamp(); sleep(1); b = stamp()`), which lets the clock tick
between two observations such as a file's creation time; and a delay that is not a number
known to the linter (a parameter, an attribute).

## Why it matters

A test that sleeps "long enough" for a thread, a server or a timestamp to change waits the full
delay on every run, and on a loaded CI runner the delay is sometimes not long enough, so the test
fails at random. Generated tests add `time.sleep(1)` whenever something is asynchronous. Both
costs grow with the suite.

## Example

```python
import time


def test_worker_processes_job(queue, worker):
    queue.put("job-1")
    time.sleep(2)
    assert worker.processed == ["job-1"]
```

## Use instead

```python
import time


def test_worker_processes_job(queue, worker):
    queue.put("job-1")
    deadline = time.monotonic() + 5
    while worker.processed != ["job-1"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.processed == ["job-1"]
```

## Rewrite guidance

Wait for the condition itself, not for a guessed duration: join the thread, await the task or
event, or poll the observable condition with a short interval and a deadline, then assert. When
the code under test reads the clock, inject or freeze the clock (freezegun, time-machine, a fake
timer) instead of letting real time pass. For file timestamps, set them with `os.utime`.

## Options

None.
"""

from __future__ import annotations

import ast

from testlint.facts import TestFunction
from testlint.rules._body import (
    LOOPS,
    NESTED_SCOPES,
    call_name,
    nested_functions_run,
    number,
    own_nodes,
)
from testlint.rules.base import RuleContext

CODE = "TL601"
NAME = "sleep-in-test"
DEFAULT_ENABLED = True
FIX = "none"
LEVEL = "warning"

SLEEPS = frozenset(
    {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "tornado.gen.sleep"}
)

VALID = [
    """
import asyncio

async def test_setter_yields(event):
    async def setter():
        await asyncio.sleep(0)
        event.set()

    await asyncio.gather(event.wait(), setter())
    assert event.is_set()
""",
    """
import time

def test_waits_for_flag(worker):
    worker.start()
    while not worker.ready:
        time.sleep(0.01)
    assert worker.result == 3
""",
    """
import asyncio

async def test_yields_to_loop(server):
    await asyncio.sleep(0)
    assert server.connections == 1
""",
    """
import threading, time

def test_timeout(client):
    def slow_handler():
        time.sleep(2)
        return "late"
    client.handler = slow_handler
    assert client.fetch(timeout=0.1) is None
""",
    """
import time

def test_retries(service):
    for _ in range(50):
        if service.healthy():
            break
        time.sleep(0.1)
    assert service.healthy()
""",
]

INVALID = [
    """
import asyncio

async def test_event_set_later(event):
    async def setter():
        await asyncio.sleep(0.2)
        event.set()

    await asyncio.gather(event.wait(), setter())
    assert event.is_set()
""",
    """
from tornado import gen

async def test_acquire_times_out(semaphore):
    future = semaphore.acquire()
    await gen.sleep(1.1)
    assert future.done()
""",
    """
import time

def test_job(queue, worker):
    queue.put(1)
    time.sleep(2)
    assert worker.done
""",
    """
from time import sleep

def test_cache_expires(cache):
    cache.set("k", 1, ttl=0.5)
    sleep(0.6)
    assert cache.get("k") is None
""",
    """
import asyncio

async def test_background(task_runner):
    task_runner.start()
    await asyncio.sleep(1)
    assert task_runner.finished
""",
]


def _delay(call: ast.Call, constants: dict[str, float]) -> float | None:
    arg: ast.expr | None = call.args[0] if call.args else None
    if arg is None:
        for keyword in call.keywords:
            if keyword.arg in {"secs", "seconds", "delay"}:
                arg = keyword.value
    if arg is None:
        return None
    if isinstance(arg, ast.Name):
        return constants.get(arg.id)
    return number(arg)


def _local_constants(test: TestFunction) -> dict[str, float]:
    """Local names assigned exactly once, to a number."""
    values: dict[str, float | None] = {}
    for node in test.nodes:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(
            node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor | ast.comprehension
        ):
            targets, value = [node.target], None
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    seen = sub.id in values
                    values[sub.id] = None if seen or value is None else number(value)
    return {name: v for name, v in values.items() if v is not None}


def _is_polling(loop: ast.AST) -> bool:
    if isinstance(loop, ast.While) and not (
        isinstance(loop.test, ast.Constant) and loop.test.value
    ):
        return True  # `while not ready:` waits for a condition
    stack: list[ast.AST] = list(getattr(loop, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Break | ast.Return):
            return True
        if isinstance(node, (*NESTED_SCOPES, *LOOPS)):
            continue  # a break there leaves another loop
        stack.extend(ast.iter_child_nodes(node))
    return False


def _is_timeout_test(test: TestFunction) -> bool:
    """The test sets a timeout or a wait on the code under test (`request_timeout=1`,
    `client.timeout = 0.1`, `wait_to_close_event=...`): crossing it in real time is the point."""
    for node in own_nodes(test):
        names: list[str] = []
        if isinstance(node, ast.Call):
            names = [k.arg for k in node.keywords if k.arg]
        elif isinstance(node, ast.Assign):
            names = [t.attr for t in node.targets if isinstance(t, ast.Attribute)]
        if any("timeout" in n.lower() or n.lower().startswith("wait") for n in names):
            return True
    return False


def _callees(stmt: ast.stmt) -> set[str]:
    found = set()
    for sub in ast.walk(stmt):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name:
                found.add(name)
    return found


def _between_repeated_calls(test: TestFunction, call: ast.Call) -> bool:
    """`x = f(); sleep(1); y = f()`: the sleep lets the clock tick between two observations of
    the same thing (a file's mtime, a creation timestamp), not wait for background work."""
    stmt = next((a for a in test.ancestors(call) if isinstance(a, ast.stmt)), None)
    parent = test.ancestors(stmt)[0] if stmt is not None else None
    if stmt is None or parent is None:
        return False
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and stmt in block:
            i = block.index(stmt)
            if 0 < i < len(block) - 1:
                return bool(_callees(block[i - 1]) & _callees(block[i + 1]))
    return False


def _nodes_run(test: TestFunction) -> list[ast.AST]:
    """The test's own nodes, then those of the functions it defines and calls itself (a
    `setter()` coroutine it awaits, a decorated helper it calls): a sleep there is the test's."""
    run = nested_functions_run(test)
    if not run:
        return own_nodes(test)
    nodes = list(own_nodes(test))
    for _function, body in run:
        nodes.extend(body)
    return nodes


def check(ctx: RuleContext) -> None:
    if "sleep" not in ctx.source.text:
        return
    for test in ctx.module.tests:
        constants: dict[str, float] | None = None
        timeout_test: bool | None = None
        for node in _nodes_run(test):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            spelled = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if spelled != "sleep":
                continue
            name = call_name(ctx.module, node)
            if name not in SLEEPS:
                continue
            if constants is None:
                constants = _local_constants(test)
            delay = _delay(node, constants)
            if delay is None or delay <= 0:
                continue
            if any(isinstance(a, LOOPS) and _is_polling(a) for a in test.ancestors(node)):
                continue
            if _between_repeated_calls(test, node):
                continue
            if timeout_test is None:
                timeout_test = _is_timeout_test(test)
            if timeout_test:
                continue
            shown = f"{delay:g}"
            ctx.report(
                node,
                f"{name}({shown}) in a test waits a guessed time: slow on every run and flaky on "
                "a busy CI runner; wait for the condition (join, event, poll with a deadline) "
                "or fake the clock",
                test=test,
            )
