"""TL104 (ruff's PT011) and TL111 (ruff's PT012) stay quiet where the project's ruff
configuration turns that check off, as attrs and marshmallow do on purpose and in writing."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_files

TEST_FILE = '''
    import pytest


    def test_broad(parse):
        with pytest.raises(ValueError):
            parse("x")


    def test_setup_inside(parse):
        with pytest.raises(KeyError):
            data = parse("x")
            data["missing"]
    '''
BROAD = (
    "tests/test_parse.py:5:10: TL104 pytest.raises(ValueError) without match= passes for any "
    'ValueError, even one from another bug; add match="..." for the expected message\n'
)
SETUP = (
    "tests/test_parse.py:10:10: TL111 pytest.raises block has 2 statements: the error may come "
    "from setup; keep only the call that should raise inside it\n"
)


def _lint(tmp_path: Path, files: dict[str, str]) -> str:
    write_files(tmp_path, {"tests/test_parse.py": TEST_FILE, **files})
    result = run_cli(["check", "--no-cache", "--select", "TL104,TL111", "tests"], tmp_path)
    return "".join(line + "\n" for line in result.stdout.splitlines() if ": TL" in line)


def test_without_ruff_configuration_both_halves_fire(tmp_path: Path) -> None:
    assert _lint(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n"}) == BROAD + SETUP


def test_per_file_ignores_turn_each_half_off(tmp_path: Path) -> None:
    # attrs' pyproject.toml: "**/test_*" = ["PT011", "PT012"], each with a reason
    pyproject = """
        [tool.ruff.lint]
        select = ["ALL"]

        [tool.ruff.lint.per-file-ignores]
        "**/test_*" = [
          "PT011",   # broad is fine
        ]
        """
    assert _lint(tmp_path, {"pyproject.toml": pyproject}) == SETUP


def test_global_ignore_of_a_prefix_in_ruff_toml(tmp_path: Path) -> None:
    # marshmallow ignores PT011; `PT01` covers PT011 and PT012, and a ruff.toml wins over a
    # pyproject.toml farther up
    files = {
        "pyproject.toml": "[tool.ruff.lint]\nignore = []\n",
        "tests/ruff.toml": '[lint]\nignore = ["PT01"]\n',
    }
    assert _lint(tmp_path, files) == ""


def test_a_more_specific_select_turns_the_check_back_on(tmp_path: Path) -> None:
    pyproject = '[tool.ruff.lint]\nselect = ["PT011"]\nignore = ["PT"]\n'
    assert _lint(tmp_path, {"pyproject.toml": pyproject}) == BROAD


def test_extend_follows_the_base_configuration(tmp_path: Path) -> None:
    files = {
        "base.toml": '[lint]\nextend-ignore = ["PT012"]\n',
        "pyproject.toml": '[tool.ruff]\nextend = "base.toml"\n',
    }
    assert _lint(tmp_path, files) == BROAD


def test_a_file_ruff_excludes_is_not_turned_off(tmp_path: Path) -> None:
    # ruff does not lint an excluded file at all, so nothing was turned off there on purpose
    pyproject = '[tool.ruff]\nextend-exclude = ["tests"]\n[tool.ruff.lint]\nignore = ["PT"]\n'
    assert _lint(tmp_path, {"pyproject.toml": pyproject}) == BROAD + SETUP


def test_an_unreadable_configuration_turns_nothing_off(tmp_path: Path) -> None:
    assert _lint(tmp_path, {"ruff.toml": "[lint\nignore = "}) == BROAD + SETUP
