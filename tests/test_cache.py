"""The result cache: a second run over an unchanged tree parses nothing, and every change that
could change a finding (the file, a conftest, a test helper, the configuration) is seen."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import MIRRORING_FINDING, MIRRORING_PROJECT, NO_ASSERTION, run_cli, write_files

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
    assert before[1].count(": TL101 ") == 2
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
    assert first[1].count(": TL101 ") == 40
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


def test_a_stored_snapshot_edit_of_the_same_size_is_seen(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "testlint.toml": "",
        "tests/test_x.py": "def test_a(snapshot):\n    assert make() == snapshot\n",
        "tests/__snapshots__/test_x.ambr": _amber(40),
    })
    amber = tmp_path / "tests" / "__snapshots__" / "test_x.ambr"
    stat = amber.stat()
    assert lint(tmp_path)[0] == 1
    # three rows, padded to the same number of bytes, written within the same clock tick
    small = _amber(3)
    small = small.replace("'v2'", "'v2" + "x" * (len(_amber(40)) - len(small)) + "'")
    assert len(small) == stat.st_size
    amber.write_text(small, encoding="utf-8")
    os.utime(amber, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert lint(tmp_path) == (0, "")


PYTEST_SNAPSHOT_PROJECT = {
    "testlint.toml": "",
    "tests/test_x.py": '''
        def test_a(snapshot):
            snapshot.assert_match(render(), "report.txt")
        ''',
    "tests/test_y.py": '''
        def test_b(snapshot):
            snapshot.assert_match(render(), "report.txt")
        ''',
    "tests/snapshots/test_x/test_a/report.txt": "x\n",
    "tests/snapshots/test_y/test_b/report.txt": "y\n",
}


def _parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real_parse = ast.parse

    def recording_parse(source: str, filename: str = "<unknown>", *args: Any,
                        **kwargs: Any) -> ast.Module:
        parsed.append(filename)
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", recording_parse)
    return parsed


def test_a_pytest_snapshot_file_is_a_dependency_of_its_own_module_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, PYTEST_SNAPSHOT_PROJECT)
    assert lint(tmp_path) == (0, "")
    parsed = _parsed_files(monkeypatch)
    report = tmp_path / "tests" / "snapshots" / "test_x" / "test_a" / "report.txt"
    report.write_text("".join(f"line {n}\n" for n in range(40)), encoding="utf-8")
    assert lint(tmp_path) == (1, (
        "tests/snapshots/test_x/test_a/report.txt:1:1: TL304 snapshot 'test_a/report.txt' "
        "stores 40 lines (limit 25 lines / 50 items): a payload this size is re-recorded with "
        "--snapshot-update and rubber-stamped, not reviewed; assert the key fields and "
        "invariants instead, or snapshot a small projection\n"
    ))
    assert parsed == ["tests/test_x.py"]  # test_y's entry was still good


INFERENCE_PROJECT = MIRRORING_PROJECT
MIRRORING = MIRRORING_FINDING


def test_an_edit_of_the_code_under_test_is_seen_by_inference_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path, INFERENCE_PROJECT)
    first = lint(tmp_path, "--select", "TL301,TL302")
    assert first == (1, MIRRORING)
    with monkeypatch.context() as patched:
        patched.setattr(ast, "parse", cannot_parse)
        assert lint(tmp_path, "--select", "TL301,TL302") == first  # unchanged: from the cache
    write_files(tmp_path, {"src/shop/pricing.py": '''
        def discount(price, pct):
            return price - price * pct // 100
        '''})
    assert lint(tmp_path, "--select", "TL301,TL302") == (0, "")


def test_a_module_beside_the_tests_is_part_of_the_key(tmp_path: Path) -> None:
    write_files(tmp_path, {
        **INFERENCE_PROJECT,
        "pyproject.toml": '[tool.testlint]\nsrc = ["src"]\n',
        "factories.py": "def make_user():\n    return 1\n",
        "tests/test_users.py": '''
            from factories import make_usr


            def test_user():
                assert make_usr() == 1
            ''',
    })
    assert lint(tmp_path, "--select", "TL503") == (1, (
        "tests/test_users.py:1:23: TL503 `make_usr` is not defined in factories (did you mean "
        "`make_user`?): the test fails at import; use a name the module really defines\n"
    ))
    write_files(tmp_path, {"factories.py": "def make_usr():\n    return 1\n"})
    assert lint(tmp_path, "--select", "TL503") == (0, "")


def test_a_test_module_another_test_imports_is_its_dependency(tmp_path: Path) -> None:
    write_files(tmp_path, {
        **INFERENCE_PROJECT,
        "tests/__init__.py": "",
        "tests/test_users.py": '''
            from tests.test_base import make_user


            def test_user():
                assert make_user() == 1
            ''',
    })
    assert lint(tmp_path, "--select", "TL503") == (1, (
        "tests/test_users.py:1:1: TL503 tests has no module or name `test_base`: the test fails "
        "at import; import a module that exists\n"
    ))
    write_files(tmp_path, {"tests/test_base.py": "def make_usr():\n    return 1\n"})
    # the module appeared, without the name
    assert lint(tmp_path, "--select", "TL503") == (1, (
        "tests/test_users.py:1:29: TL503 `make_user` is not defined in tests.test_base (did you "
        "mean `make_usr`?): the test fails at import; use a name the module really defines\n"
    ))
    write_files(tmp_path, {"tests/test_base.py": "def make_user():\n    return 1\n"})
    assert lint(tmp_path, "--select", "TL503") == (0, "")


def test_an_upgraded_installed_package_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_packages = tmp_path / "env" / "site-packages"
    write_files(tmp_path, {
        **INFERENCE_PROJECT,
        "pyproject.toml": "[tool.testlint]\ninstalled-modules = true\n",
        "env/site-packages/shipping_rates.py": "def flat_rate():\n    return 5\n",
        "tests/test_shipping.py": '''
            from shipping_rates import zone_rate


            def test_rate():
                assert zone_rate(1) == 5
            ''',
    })
    monkeypatch.syspath_prepend(str(site_packages))
    assert lint(tmp_path, "--select", "TL503") == (1, (
        "tests/test_shipping.py:1:28: TL503 `zone_rate` is not defined in the installed "
        "shipping_rates: the test fails at import; use a name the module really defines\n"
    ))
    # an upgrade: the installer removes the old files and writes the new ones
    (site_packages / "shipping_rates.py").unlink()
    write_files(site_packages, {"shipping_rates.py": "def zone_rate(zone):\n    return 5\n"})
    assert lint(tmp_path, "--select", "TL503") == (0, "")
