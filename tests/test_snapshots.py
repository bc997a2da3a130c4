"""TL303/TL304 end to end on a project whose tests keep expected values in snapshot files."""

from __future__ import annotations

import shutil
import tempfile
import types
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from testlint.config import Config
from testlint.engine import make_engine
from testlint.registry import build_registry
from testlint.rules.base import SnapshotContext
from tests.helpers import Run, run_cli, write_files

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "snapshots"
LIMITS = "(limit 25 lines / 50 items)"
STORED_CURE = (
    "a payload this size is re-recorded with --snapshot-update and rubber-stamped, not "
    "reviewed; assert the key fields and invariants instead, or snapshot a small projection"
)
INLINE_CURE = STORED_CURE.replace("--snapshot-update", "--inline-snapshot=fix")
LITERAL_CURE = (
    "a payload this size is pasted, not read, and review rubber-stamps it; assert the key "
    "fields and invariants instead"
)


def stored(where: str, name: str, size: str) -> str:
    return f"{where}: TL304 snapshot '{name}' stores {size} {LIMITS}: {STORED_CURE}"


AMBR = "tests/__snapshots__/test_orders.ambr"
ROWS = stored(f"{AMBR}:2:1", "TestExport.test_rows[csv]", "32 lines")
STALE = stored(f"{AMBR}:36:1", "test_removed_long_ago", "29 lines")
SUMMARY = stored(f"{AMBR}:74:1", "test_summary", "28 lines")
HISTORY = stored("tests/__snapshots__/test_orders/test_history.ambr:2:1", "test_history",
                 "29 lines")
JSON = stored("tests/__snapshots__/test_orders/test_payload.json:1:1", "test_payload.json",
              "1 line / 60 items")
API = stored("tests/snapshots/snap_test_api.py:10:1", "TestApi::test_me 1",
             "29 lines / 27 items")
PAGE = stored("tests/snapshots/test_render/test_page/page.html:1:1", "test_page/page.html",
              "32 lines")
TABLE = stored("tests/snapshots/test_render/test_table/wide/table.txt:1:1",
               "test_table/wide/table.txt", "28 lines")
INLINE = f"tests/test_inline.py:7:43: TL304 inline snapshot stores 4 lines / 60 items {LIMITS}: "
INLINE += INLINE_CURE
LITERAL = "tests/test_inline.py:14:16: TL303 expected literal spans 28 lines / 26 items "
LITERAL += f"{LIMITS}: {LITERAL_CURE}"
EVERY_FINDING = [ROWS, STALE, SUMMARY, HISTORY, JSON, API, PAGE, TABLE, INLINE, LITERAL]


def lint(project: Path, *args: str) -> Run:
    return run_cli(["check", "--select", "TL303,TL304", *args], project)


def copy_project(tmp_path: Path) -> Path:
    return Path(shutil.copytree(PROJECT, tmp_path / "project"))


def test_each_giant_snapshot_is_reported_once_at_its_own_line() -> None:
    result = lint(PROJECT, "tests")
    assert result.stdout.splitlines() == EVERY_FINDING
    assert result.exit_code == 1


def test_a_test_file_named_twice_reports_its_snapshots_once() -> None:
    result = lint(PROJECT, "tests", "tests/test_orders.py", "tests/test_render.py")
    assert result.stdout.splitlines() == EVERY_FINDING


def test_linting_one_test_file_reports_only_its_own_snapshots() -> None:
    assert lint(PROJECT, "tests/test_render.py").stdout.splitlines() == [PAGE, TABLE]


def test_ignore_turns_off_stored_and_inline_snapshots() -> None:
    assert lint(PROJECT, "--ignore", "TL304", "tests").stdout.splitlines() == [LITERAL]


def test_per_file_ignores_match_the_snapshot_or_its_test_file(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "testlint.toml").write_text(
        '[per-file-ignores]\n"tests/__snapshots__/*" = ["TL304"]\n'
        '"tests/test_render.py" = ["TL3"]\n',
        encoding="utf-8",
    )
    assert lint(project, "tests").stdout.splitlines() == [API, INLINE, LITERAL]


def test_noqa_on_the_owning_tests_def_line_suppresses_its_snapshot(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    test_file = project / "tests" / "test_orders.py"
    text = test_file.read_text(encoding="utf-8")
    test_file.write_text(text.replace("  # noqa: TL304 - the full export format is the contract",
                                      ""), encoding="utf-8")
    accepted = stored(f"{AMBR}:130:1", "test_summary_accepted", "42 lines")
    assert lint(project, "tests").stdout.splitlines() == [ROWS, STALE, SUMMARY, accepted,
                                                          *EVERY_FINDING[3:]]


def test_limits_come_from_the_configuration(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "testlint.toml").write_text("snapshot-max-lines = 30\nsnapshot-max-items = 59\n",
                                           encoding="utf-8")
    wider = "(limit 30 lines / 59 items)"
    expected = [line.replace(LIMITS, wider) for line in (ROWS, JSON, PAGE, INLINE)]
    assert lint(project, "tests").stdout.splitlines() == expected


def test_unreadable_or_foreign_snapshot_files_are_skipped(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "testlint.toml": "",
        "tests/test_x.py": """
            def test_a(snapshot):
                assert make() == snapshot
            """,
        "tests/snapshots/snap_test_x.py": "snapshots['test_a 1'] = {\n" * 40,
    })
    snapshots = tmp_path / "tests" / "__snapshots__"
    (snapshots / "test_x").mkdir(parents=True)
    (snapshots / "test_x.ambr").write_bytes(b"# name: test_a\n" + b"  \xff\xfe row\n" * 40)
    (snapshots / "test_x" / "test_a.png").write_bytes(b"\x89PNG\0" + b"\n" * 100)
    (tmp_path / "tests" / "snapshots" / "test_x" / "test_a").mkdir(parents=True)
    (tmp_path / "tests" / "snapshots" / "test_x" / "test_a" / "gone.txt").symlink_to(
        tmp_path / "missing.txt")
    result = lint(tmp_path, "tests")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "All checks passed (1 file).\n")


def _amber(sizes: list[int]) -> str:
    parts = ["# serializer version: 1\n"]
    for index, size in enumerate(sizes):
        body = "".join(f"    'v{row}',\n" for row in range(size))
        parts.append(f"# name: test_a.{index}\n  list([\n{body}  ])\n# ---\n")
    return "".join(parts)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=6), st.booleans())
def test_every_ambr_entry_is_measured_on_its_own(sizes: list[int], crlf: bool) -> None:
    text = _amber(sizes)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_files(root, {"testlint.toml": "",
                           "test_a.py": "def test_a(snapshot):\n    assert make() == snapshot\n"})
        (root / "__snapshots__").mkdir()
        data = text.replace("\n", "\r\n") if crlf else text
        (root / "__snapshots__" / "test_a.ambr").write_bytes(data.encode())
        found = [line.split(": TL304 ")[0] for line in lint(root, ".").stdout.splitlines()]
    starts, line = [], 2
    for size in sizes:
        if size + 2 > 25:
            starts.append(f"__snapshots__/test_a.ambr:{line}:1")
        line += size + 4
    assert found == starts


def _broken_snapshot_rule() -> types.ModuleType:
    module = types.ModuleType("broken_snapshot_rule")
    module.__doc__ = "A snapshot rule with a bug.\n\n## Options\n\nNone.\n"
    module.CODE, module.NAME, module.DEFAULT_ENABLED, module.FIX = "XYZ901", "buggy", True, "none"
    module.check = lambda ctx: None

    def check_snapshot(ctx: SnapshotContext) -> None:
        raise KeyError(ctx.snapshot.kind)

    module.check_snapshot = check_snapshot
    return module


def test_a_failing_snapshot_check_is_reported_at_the_snapshot_not_raised() -> None:
    registry = build_registry([_broken_snapshot_rule()])
    tests = PROJECT / "tests"
    engine = make_engine([tests], config=Config(root=PROJECT), registry=registry)
    findings = engine.lint_path(tests / "test_render.py", "tests/test_render.py")
    assert [(f.path, f.line, f.code, f.message) for f in findings] == [
        (f"tests/snapshots/test_render/test_{name}", 1, "TL000",
         "could not analyse: internal error in XYZ901 (KeyError: 'pytest-snapshot'); "
         "please report it")
        for name in ("page/page.html", "page/title.txt", "table/narrow/table.txt",
                     "table/wide/table.txt")
    ]


def test_a_stored_finding_spans_its_whole_entry() -> None:
    tests = PROJECT / "tests"
    engine = make_engine([tests], config=Config(root=PROJECT, select=("TL304",)))
    findings = engine.lint_path(tests / "test_api.py", "tests/test_api.py")
    findings += engine.lint_path(tests / "test_orders.py", "tests/test_orders.py")
    assert [(f.path.rsplit("/", 1)[1], f.line, f.end_line, f.test) for f in findings] == [
        ("snap_test_api.py", 10, 38, "TestApi.test_me"),
        ("test_orders.ambr", 2, 34, "TestExport.test_rows"),
        ("test_orders.ambr", 36, 65, None),
        ("test_orders.ambr", 74, 102, "test_summary"),
        ("test_history.ambr", 2, 31, "test_history"),
        ("test_payload.json", 1, 1, "test_payload"),
    ]
