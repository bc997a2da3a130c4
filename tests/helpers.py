"""Shared test helpers: run the CLI in-process in a directory, write small projects."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner
from hypothesis import settings

from testlint.cli import main

# the messages of the two findings most tests expect, as every output format prints them
NO_ASSERTION_MESSAGE = (
    "test has no assertion: it only proves the code does not raise; assert on the result or "
    "the changed state (if not raising is the point, say so: a `_does_not_raise` name, a "
    "docstring, or `# noqa: TL101`)"
)
NO_ASSERTION = f"TL101 {NO_ASSERTION_MESSAGE}"
BROAD_RAISES_MESSAGE = (
    'pytest.raises(ValueError) without match= passes for any ValueError, even one from '
    'another bug; add match="..." for the expected message'
)
BROAD_RAISES = f"TL104 {BROAD_RAISES_MESSAGE}"


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


def entry_point_env(shim_dir: Path, src: str, group: str, name: str, value: str,
                    drop: tuple[str, ...]) -> dict[str, str]:
    """An environment where a child process finds testlint's entry point `name = value` of
    `group` the way an installed testlint declares it.

    Where testlint is installed from this tree (CI), its metadata already declares it. Where it
    is not (an editable install of another checkout), a minimal dist-info declaring it as
    pyproject.toml does goes first on the path (in `shim_dir`), beside this tree's sources `src`.
    Variables starting with one of `drop` are left out."""
    import importlib.metadata

    import testlint

    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    installed = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=group)}
    paths = [src]
    if installed.get(name) != value:
        info = shim_dir / f"testlint-{testlint.__version__}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: testlint\nVersion: {testlint.__version__}\n"
        )
        (info / "entry_points.txt").write_text(f"[{group}]\n{name} = {value}\n")
        paths.insert(0, str(shim_dir))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env
