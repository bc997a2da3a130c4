"""The result cache: a second run over an unchanged tree parses nothing, and every change that
could change a finding (the file, a conftest, a test helper, the configuration) is seen."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_files

NO_ASSERTION = (
    "TL101 test has no assertion: it only proves the code does not raise; "
    "assert on the result or the changed state"
)
PROJECT = {
    "pytest.ini": "[pytest]\n",
    "tests/__init__.py": "",
    "tests/conftest.py": '''
        import pytest


        @pytest.fixture
        def checked():
            yield
            assert True
        ''',
    "tests/support.py": '''
        def ensure_total(value):
            assert value == 3
        ''',
    "tests/test_fixture.py": '''
        def test_uses_fixture(checked):
            run()
        ''',
    "tests/test_helper.py": '''
        from tests.support import ensure_total


        def test_uses_helper():
            ensure_total(run())
        ''',
    "tests/test_plain.py": '''
        def test_plain():
            run()
        ''',
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path, PROJECT)


def lint(project: Path, *args: str) -> tuple[int, str]:
    result = run_cli(["check", *args, "tests"], project)
    return result.exit_code, result.stdout


def cannot_parse(*args: object, **kwargs: object) -> ast.Module:
    raise AssertionError("parsed a file although the cache had its findings")


def test_second_run_over_an_unchanged_tree_parses_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = lint(project)
    assert first == (1, f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")
    monkeypatch.setattr(ast, "parse", cannot_parse)
    assert lint(project) == first


def test_cache_directory_is_tagged_and_ignores_itself(project: Path) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    lint(project)
    cache = project / ".testlint_cache"
    assert (cache / "CACHEDIR.TAG").read_text().startswith(
        "Signature: 8a477f597d28d172789f06886806bc55\n"
    )
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=project, capture_output=True, text=True, check=True).stdout
    assert ".testlint_cache" not in status
    assert "tests/test_plain.py" in status


def test_no_cache_neither_reads_nor_writes(project: Path) -> None:
    assert lint(project, "--no-cache")[0] == 1
    assert not (project / ".testlint_cache").exists()


def test_cache_dir_option(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cache")
    lint(project, "--cache-dir", str(elsewhere))
    assert (elsewhere / "CACHEDIR.TAG").is_file()
    assert not (project / ".testlint_cache").exists()


def test_an_edited_file_is_linted_again(project: Path) -> None:
    lint(project)
    (project / "tests" / "test_plain.py").write_text("def test_plain():\n    assert run()\n")
    assert lint(project) == (0, "")


def test_a_changed_conftest_is_seen(project: Path) -> None:
    lint(project)
    write_files(project, {"tests/conftest.py": PROJECT["tests/conftest.py"].replace(
        "            assert True\n", "")})
    assert lint(project) == (1, f"tests/test_fixture.py:1:5: {NO_ASSERTION}\n"
                                f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")


def test_a_new_conftest_is_seen(project: Path) -> None:
    (project / "tests" / "conftest.py").unlink()
    before = lint(project)
    assert before[1].count("TL101") == 2
    write_files(project, {"tests/conftest.py": PROJECT["tests/conftest.py"]})
    assert lint(project) == (1, f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")


def test_a_changed_test_helper_is_seen(project: Path) -> None:
    lint(project)
    write_files(project, {"tests/support.py": "def ensure_total(value):\n    return value\n"})
    assert lint(project) == (1, f"tests/test_helper.py:4:5: {NO_ASSERTION}\n"
                                f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")


def test_configuration_and_selection_are_part_of_the_key(project: Path) -> None:
    lint(project)
    assert lint(project, "--select", "TL104") == (0, "")
    write_files(project, {"pyproject.toml": '[tool.testlint]\nignore = ["TL101"]\n'})
    assert lint(project) == (0, "")


def test_a_corrupt_cache_is_ignored_and_rewritten(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = lint(project)
    shards = list((project / ".testlint_cache").glob("v1/*/*.json"))
    assert shards
    for shard in shards:
        shard.write_text("{not json", encoding="utf-8")
    assert lint(project) == first
    monkeypatch.setattr(ast, "parse", cannot_parse)
    assert lint(project) == first  # rewritten: no parsing needed again


def test_an_unwritable_cache_does_not_fail_the_run(project: Path) -> None:
    (project / ".testlint_cache").write_text("a file where the directory should be")
    assert lint(project) == (1, f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")


def test_parallel_runs_fill_and_use_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"tests/test_m{i:02d}.py": f"def test_{i}():\n    run()\n" for i in range(40)}
    write_files(tmp_path, files)
    first = lint(tmp_path, "--jobs", "2")
    assert first[1].count("TL101") == 40
    monkeypatch.setattr(ast, "parse", cannot_parse)
    assert lint(tmp_path, "--jobs", "2") == first


def test_a_copied_project_does_not_reuse_entries_of_the_original(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lint(project)
    moved = tmp_path_factory.mktemp("moved") / "project"
    shutil.copytree(project, moved)
    (moved / "tests" / "test_plain.py").write_text("def test_plain():\n    assert run()\n")
    assert lint(moved) == (0, "")
    assert lint(project) == (1, f"tests/test_plain.py:1:5: {NO_ASSERTION}\n")


def _amber(rows: int) -> str:
    body = "".join(f"    'v{row}',\n" for row in range(rows))
    return f"# serializer version: 1\n# name: test_a\n  list([\n{body}  ])\n# ---\n"


def test_a_changed_or_new_stored_snapshot_is_seen(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "testlint.toml": "",
        "tests/test_x.py": "def test_a(snapshot):\n    assert make() == snapshot\n",
    })
    assert lint(tmp_path) == (0, "")
    snapshots = tmp_path / "tests" / "__snapshots__"
    snapshots.mkdir()
    (snapshots / "test_x.ambr").write_text(_amber(40), encoding="utf-8")
    code, out = lint(tmp_path)  # a snapshot directory that appeared
    assert (code, [line.split(": ")[0] for line in out.splitlines()]) == (
        1, ["tests/__snapshots__/test_x.ambr:2:1"])
    (snapshots / "test_x.ambr").write_text(_amber(3), encoding="utf-8")
    assert lint(tmp_path) == (0, "")  # a snapshot that shrank
