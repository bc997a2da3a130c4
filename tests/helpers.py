"""Shared test helpers: run the CLI in-process in a directory, write small projects."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import settings

from testlint.cli import main


def examples(count: int) -> int:
    """`max_examples` for a slow property test: `count` in the everyday run (which keeps the whole
    suite fast), ten times as many under `--hypothesis-profile thorough` (see conftest.py)."""
    return max(1, count * settings().max_examples // 100)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(args: list[str], cwd: Path) -> Run:
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(previous)
    return Run(result.exit_code, result.stdout, result.stderr)


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


# A small src-layout project whose test re-computes the expected value with the code's own
# formula (TL301): shared by the cache and start-up tests, which both need inference to run.
MIRRORING_PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "src/shop/__init__.py": "",
    "src/shop/pricing.py": '''
        def discount(price, pct):
            return round(price * (1 - pct / 100), 2)
        ''',
    "tests/test_pricing.py": '''
        from shop.pricing import discount


        def test_discount():
            assert discount(200, 10) == round(200 * (1 - 10 / 100), 2)
        ''',
}
MIRRORING_FINDING = (
    "tests/test_pricing.py:5:33: TL301 expected value re-computes shop.pricing.discount "
    "(pricing.py:2), so it agrees with every bug there; use an independent oracle: a literal "
    "from the spec, a table of worked examples, or a property\n"
)
