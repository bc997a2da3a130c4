"""source.may_spell, the text gate rules ask before walking a tree for a name: it may say yes
when the name is absent (a gate), never no when Python would read the name there."""

from __future__ import annotations

import ast

import pytest

from testlint.source import may_spell


@pytest.mark.parametrize(
    "text",
    [
        "def test_x(mocker):\n    mocker.patch('a.b')\n",
        # full-width letters: Python reads the identifier as `mocker` (NFKC)
        "def test_x(\uff4docker):\n    \uff4docker.patch('a.b')\n",
        "def test_x(\U0001d5c6ocker):\n    pass\n",  # mathematical sans-serif m
    ],
)
def test_a_text_where_python_reads_the_name_may_spell_it(text: str) -> None:
    names = {node.arg for node in ast.walk(ast.parse(text)) if isinstance(node, ast.arg)}
    assert names == {"mocker"}  # what the gate must not miss
    assert may_spell(text, "mocker")


def test_non_ascii_text_without_the_name_in_any_form_does_not() -> None:
    assert not may_spell("def test_repr():\n    assert repr('caf\u00e9') == \"'caf\u00e9'\"\n",
                         "mocker")


def test_undecoded_bytes_that_are_not_ascii_may_spell_anything() -> None:
    assert may_spell("caf\u00e9".encode(), b"fixture")
    assert not may_spell(b"plain ascii", b"fixture")
