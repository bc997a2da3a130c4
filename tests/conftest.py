from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from testlint.runner import default_jobs

# The slow property tests take their example counts from tests.helpers.examples, scaled by the
# profile: the everyday run keeps to a few examples each, so the whole suite stays fast;
# `python -m pytest --hypothesis-profile thorough` runs ten times as many, for a change to the
# parser, the facts or the fixer.
settings.register_profile("thorough", max_examples=1000)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: one worker more than the cores. A third of the suite's time goes to waiting on
    child processes (pytest, pre-commit, the language server, the fake model server), when a
    core would otherwise idle; on 2 cores three workers take the run from about 74 s to 62 s.
    PYTEST_XDIST_AUTO_NUM_WORKERS still decides when it is set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return default_jobs() + 1


@pytest.fixture
def repo() -> Path:
    return REPO
