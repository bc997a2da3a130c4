"""The prompt sent for one finding: a versioned template, filled from a TestContext.

The prompt states which context it carries. By default the code under test appears as its
signature and docstring only; with `--context full` its body is included and the prompt says so.
Bump TEMPLATE_VERSION whenever the wording changes: it is part of the response cache key.
"""

from __future__ import annotations

from dataclasses import dataclass

from testlint.rewrite.context import TestContext
from testlint.rules.base import Rule

TEMPLATE_VERSION = "2"

SYSTEM = """\
You rewrite one pytest test that a linter flagged, so that it checks real behaviour.
Rules:
- Keep the test's name, its purpose and the fixtures it uses.
- Derive expected values from the specification (the docstring, the names, worked examples you
  can check by hand), never by repeating the implementation's computation.
- A good test fails when the code under test is broken: a flipped condition, a wrong constant,
  a missing branch, or a function that returns None.
- Use the names the test file already imports, the fixtures shown, and pytest's builtins. If
  the test needs one more import (pytest, Decimal, ...), put that import line above the function.
- Answer with exactly one ```python code block holding the complete rewritten test function
  (with its decorators) and the imports it needs. Nothing else goes in the block: no other
  functions, no classes, no other statements.
"""

CONTEXT_NOTE = {
    "signature": (
        "Context: signature-and-docstring. The code under test is shown by its signature and "
        "docstring only; its body is withheld on purpose, so write the test from the contract."
    ),
    "full": (
        "Context: full. The code under test's body is included because the user asked for it "
        "(--context full). Do not copy its computation into expected values."
    ),
}


@dataclass(frozen=True)
class Message:
    role: str  # "system" | "user" | "assistant"
    content: str


def _block(code: str) -> str:
    return f"```python\n{code.rstrip()}\n```"


def user_prompt(ctx: TestContext, rule: Rule, context: str) -> str:
    finding = ctx.finding
    parts = [
        f"testlint rewrite prompt v{TEMPLATE_VERSION}",
        CONTEXT_NOTE[context],
        f"Rewrite the test `{ctx.test.qualname}` in {ctx.shown_path}.",
        "## Finding",
        f"{ctx.shown_path}:{finding.line}:{finding.col}: {finding.code} {finding.message}",
        f"## What {finding.code} ({rule.name}) asks for",
        rule.sections.get("Rewrite guidance", rule.summary).strip(),
        "## The test",
        _block(ctx.test_source),
    ]
    if ctx.test.cls is not None:
        parts.append(f"It is a method of class `{ctx.test.cls.name}`; answer with the method.")
    if ctx.imports:
        parts += ["## Imports of the test file", _block("\n".join(ctx.imports))]
    if ctx.fixtures:
        parts.append("## Fixtures it uses")
        for fixture in ctx.fixtures:
            parts.append(f"From {fixture.path}:")
            parts.append(_block(fixture.text))
    if ctx.callees:
        title = ("## Code under test (signature and docstring only)" if context == "signature"
                 else "## Code under test (full source)")
        parts.append(title)
        for callee in ctx.callees:
            parts.append(f"`{callee.qualname}`:")
            parts.append(_block(callee.signature() if context == "signature"
                                else callee.full_source()))
    else:
        parts += ["## Code under test", "Not found in the project's sources."]
    parts += [
        "## Answer",
        f"One ```python block with the complete rewritten `{ctx.test.name}`, nothing else.",
    ]
    return "\n\n".join(parts) + "\n"


def first_messages(ctx: TestContext, rule: Rule, context: str) -> list[Message]:
    return [Message("system", SYSTEM), Message("user", user_prompt(ctx, rule, context))]


def feedback(gate: str, reason: str, name: str) -> str:
    where = f" at gate {gate}" if gate != "-" else ""
    return (
        f"testlint rejected that proposal{where}: {reason}\n\n"
        f"Answer again with one ```python block holding only the rewritten `{name}`."
    )


def render(messages: list[Message]) -> str:
    """What --show-prompt prints: every message, as it would be sent."""
    out = []
    for message in messages:
        out.append(f"----- {message.role} -----\n{message.content.rstrip()}\n")
    return "\n".join(out)
