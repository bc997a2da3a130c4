"""A pytest plugin `testlint verify` adds to the mutation engine's child runs (`-p`): for each
failing test, whether it failed on a check (an AssertionError, `pytest.fail`, a `pytest.raises`
that saw nothing) or on an error the mutant raised. A kill of the second kind only proves that
the test calls the code; any test that does is "killing" it.

Appends JSON lines {"spec": digest of the mutated module texts, "nodeid", "kind"} to the file
named by TESTLINT_VERIFY_KILLS; the digest tells the parent which mutant the run was for.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest


def spec_digest(modules: dict[str, str]) -> str:
    text = "\0".join(modules[key] for key in sorted(modules))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _digest() -> str:
    try:
        with open(os.environ["TESTLINT_MUTATION_SPEC"], encoding="utf-8") as handle:
            return spec_digest(json.load(handle).get("modules") or {})
    except (KeyError, OSError, ValueError, AttributeError):
        return ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    target = os.environ.get("TESTLINT_VERIFY_KILLS")
    if not report.failed or call.excinfo is None or not target:
        return
    checked = call.excinfo.errisinstance((AssertionError, pytest.fail.Exception))
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps({"spec": _digest(), "nodeid": item.nodeid,
                              "kind": "assertion" if checked else "error"}) + "\n")
