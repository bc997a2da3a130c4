from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# The slow property tests take their example counts from tests.helpers.examples, scaled by the
# profile: the everyday run keeps to a few examples each, so the whole suite stays fast;
# `python -m pytest --hypothesis-profile thorough` runs ten times as many, for a change to the
# parser, the facts or the fixer.
settings.register_profile("thorough", max_examples=1000)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def repo() -> Path:
    return REPO
