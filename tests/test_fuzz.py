"""Fuzz: real test files, mutated the way an editor or a half-finished generation leaves them,
never crash the engine, with every rule on and the code under test in reach of inference.

Bounded: a fixed number of examples (a few seconds; ten times as many under
`--hypothesis-profile thorough`; hypothesmith's generated modules are in test_properties.py), no
deadline per example.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testlint.config import Config
from testlint.engine import make_engine
from testlint.pytest_config import find_pytest_config
from tests.helpers import examples

ROOT = Path(__file__).resolve().parent.parent
PROJECTS = ROOT / "fixtures" / "projects"
REAL_TESTS = sorted(
    [*PROJECTS.rglob("test_*.py"), *(ROOT / "fixtures" / "rules").glob("TL*.py"),
     *(ROOT / "tests").glob("test_*.py")],
    key=lambda p: p.as_posix(),
)
# What a cut, a paste or a model that stopped mid-token leaves behind.
DEBRIS = ["(", ")", "[", "]", "{", "}", ":", ",", "\\", "'", '"', '"""', "#", "@", "*", "**",
          "=", "==", " is ", " not ", "assert ", "await ", "async ", "lambda", "yield", "return",
          "pytest.mark.", "mock.", ".assert_called_once_with(", "self.", "\t", "    ", "\n",
          "\r", "\x0c", "\ufeff", "é", "def test_", "class Test", "with pytest.raises(", "...",
          "0.1", "Decimal(", "1e400", "-" * 50, "(" * 40, "x." * 60]


@st.composite
def mutated_test_file(draw: st.DrawFn) -> tuple[Path, bytes]:
    path = draw(st.sampled_from(REAL_TESTS))
    lines = path.read_bytes().splitlines(keepends=True) or [b"\n"]
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(lines)))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "debris", "dedent",
                                       "truncate"]))
        if action == "drop" and lines:
            del lines[min(where, len(lines) - 1)]
        elif action == "duplicate" and lines:
            lines.insert(where, lines[min(where, len(lines) - 1)])
        elif action == "swap" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            here = min(where, len(lines) - 1)
            lines[here], lines[other] = lines[other], lines[here]
        elif action == "debris":
            line = lines[where] if where < len(lines) else b""
            cut = draw(st.integers(0, len(line)))
            piece = draw(st.sampled_from(DEBRIS)).encode("utf-8")
            if where < len(lines):
                lines[where] = line[:cut] + piece + line[cut:]
            else:
                lines.append(piece)
        elif action == "dedent" and where < len(lines):
            lines[where] = lines[where].lstrip(b" ")
        elif action == "truncate":
            data = b"".join(lines)
            lines = [data[: draw(st.integers(0, len(data)))]]
    return path, b"".join(lines)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_test_file())
def test_mutated_real_test_files_never_crash_the_engine(
    tmp_path_factory: pytest.TempPathFactory, mutated: tuple[Path, bytes]
) -> None:
    original, data = mutated
    # lint it in a copy of its own project, so that conftests, configs and the code under test
    # are read as they would be, and nothing is written next to the fixtures
    project = None
    if original.is_relative_to(PROJECTS):
        project = PROJECTS / original.relative_to(PROJECTS).parts[0]
    work = tmp_path_factory.mktemp("fuzz")
    if project is not None:
        shutil.copytree(project, work / project.name)
        target = work / project.name / original.relative_to(project)
    else:
        target = work / original.name
    target.write_bytes(data)
    config_start = target.parent
    pytest_config = find_pytest_config([config_start])
    config = Config(root=pytest_config.rootdir, select=("ALL",))
    engine = make_engine([config_start], config=config, pytest_config=pytest_config)
    findings = engine.lint_bytes(data, target)
    crashes = [f for f in findings if f.code == "TL000" and "internal error" in f.message]
    assert crashes == []
