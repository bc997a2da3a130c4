"""A pytest plugin `testlint verify` adds to the mutation engine's child runs (`-p`): for each
failing test, whether it failed on a check (an AssertionError, `pytest.fail`, a `pytest.raises`
that saw nothing) or on an error the mutant raised. A kill of the second kind only proves that
the test calls the code; any test that does is "killing" it.

Appends JSON lines {"mutant": id, "spec": digest, "nodeid", "kind"} to the file named by
TESTLINT_VERIFY_KILLS. Which mutant the run is for: in the engine's fork server, the job whose
events file the engine's plugin writes to (its id); in a process of its own, the digest of the
mutated module texts of its spec (the parent computes the same digest from `mutated_source`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def spec_digest(modules: dict[str, str]) -> str:
    text = "\0".join(modules[key] for key in sorted(modules))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _mutant() -> dict[str, str]:
    try:
        with open(os.environ["TESTLINT_MUTATION_SPEC"], encoding="utf-8") as handle:
            spec = json.load(handle)
    except (KeyError, OSError, ValueError):
        return {}
    if not isinstance(spec, dict):
        return {}
    if spec.get("mode") == "server":
        engine = sys.modules.get("_testlint_mutation_child")
        events = getattr(getattr(engine, "_events", None), "name", None)
        for job in spec.get("mutants") or ():
            if isinstance(job, dict) and events and job.get("events") == events:
                return {"mutant": str(job.get("id", ""))}
        return {}
    modules = spec.get("modules")
    return {"spec": spec_digest(modules)} if isinstance(modules, dict) else {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    target = os.environ.get("TESTLINT_VERIFY_KILLS")
    if not report.failed or call.excinfo is None or not target:
        return
    checked = call.excinfo.errisinstance((AssertionError, pytest.fail.Exception))
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps({**_mutant(), "nodeid": item.nodeid,
                              "kind": "assertion" if checked else "error"}) + "\n")
