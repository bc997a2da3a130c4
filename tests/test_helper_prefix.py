"""Assertion helpers are recognised by a whole-word prefix, not by the first letters of a name."""

from __future__ import annotations

import pytest

from testlint.engine import lint_text


@pytest.mark.parametrize("name", ["checkout", "verifying", "expected_rows", "asserts"])
def test_a_call_that_only_starts_with_a_helper_prefix_is_not_an_assertion(name: str) -> None:
    source = f"from shop import {name}\n\n\ndef test_flow():\n    {name}([1])\n"
    assert [(f.line, f.code) for f in lint_text(source, select=["TL101"])] == [(4, "TL101")]


@pytest.mark.parametrize("name", ["check_total", "checkTotal", "verify", "assert_valid", "_check"])
def test_helper_prefix_as_a_whole_word_is_an_assertion(name: str) -> None:
    source = f"from shop.testing import {name}\n\n\ndef test_flow():\n    {name}([1])\n"
    assert lint_text(source, select=["TL101"]) == []
