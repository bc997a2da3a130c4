"""`testlint verify` end to end: real child pytest runs on copies of small projects."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from testlint.verify.select import shard_of
from tests.helpers import Run, run_cli, write_files


@pytest.fixture(autouse=True, scope="module")
def no_plugin_autoload() -> Iterator[None]:
    """These projects need no pytest plugin; loading every installed one (hypothesis, xdist)
    costs each child pytest about a second."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        yield

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "verify-shop"
GIT = ["git", "-c", "user.name=testlint tests", "-c", "user.email=tests@testlint.invalid",
       "-c", "commit.gpgsign=false"]


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_file() else "dir"
        for path in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def shop_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run, dict, dict, dict]:
    root = tmp_path_factory.mktemp("verify") / "shop"
    shutil.copytree(SHOP, root)
    before = _tree(root)
    report = root.parent / "tests.json"
    result = run_cli(["verify", "--no-cache", "--jobs", "2", "--tests-json", str(report)], root)
    after = _tree(root)
    return root, result, before, after, json.loads(report.read_text(encoding="utf-8"))


def test_verdicts_on_the_fixture_project(shop_run) -> None:
    _root, result, _before, _after, _tests = shop_run
    assert result.stdout.splitlines() == [
        # the async body a plain TestCase never awaits
        "tests/test_shop.py:8:15: TL701 passed while executing no assertion (no `assert`, "
        "`pytest.raises`/`warns` or `assert*` call ran); make the check unconditional",
        # the assertion behind an `if` that is false
        "tests/test_shop.py:12:5: TL701 passed while executing no assertion (no `assert`, "
        "`pytest.raises`/`warns` or `assert*` call ran); make the check unconditional",
        # TL201: only the mock is asserted, the value price_with_tax returns never is
        "tests/test_shop.py:18:5: TL703 kills none of the 7 mutants of the code it covers: "
        "passes with `price_with_tax`: `round(cents * (1 + rate))` becomes `None` at "
        "pricing.py:19 (and 6 more); TL201 confirmed by 7 surviving mutants",
        # the weak `is not None` test kills only what makes the code return None
        "tests/test_shop.py:34:5: TL703 kills only the mutants that make the code return "
        "None (1 of 3): it checks that a result exists, not its value; passes with "
        "`total_cents`: `total += price` becomes `total -= price` at pricing.py:7 (and 1 more); "
        "TL103 confirmed by 2 surviving mutants",
        # the test that swallows the error its stubbed code raises
        "tests/test_shop.py:38:5: TL702 passes with the 1 project function it runs "
        "(`apply_discount`) replaced by `raise NotImplementedError`: it checks nothing of them",
        # the mirroring test (TL301, a static finding) kills mutants: no dynamic verdict;
        # the good tests neither
    ]
    assert result.exit_code == 1


def test_verify_writes_no_file_of_the_project(shop_run) -> None:
    _root, _result, before, after, _tests = shop_run
    assert after == before


def test_tests_json_has_a_verdict_per_test(shop_run) -> None:
    *_, tests = shop_run
    verdicts = {t["nodeid"].rsplit("::", 1)[-1]: t for t in tests["tests"]}
    summary = {name: (t["outcome"], t["assertions"] > 0, t["red"]) for name, t in verdicts.items()}
    assert summary == {
        "test_fetch_total": ("passed", False, None),
        "test_discount_in_false_branch": ("passed", False, None),
        "test_tax_is_looked_up": ("passed", True, True),
        "test_discount_mirrors_the_code": ("passed", True, True),
        "test_total": ("passed", True, True),
        "test_total_is_not_none": ("passed", True, True),
        "test_discount_swallows_errors": ("passed", True, False),
        "test_discount": ("passed", True, True),
    }
    assert [r.rsplit("/", 1)[-1] for r in verdicts["test_total"]["reached"]] == [
        "pricing.py::total_cents"
    ]
    kills = {name: (t["mutants"], t["killed"], t["value_kills"]) for name, t in verdicts.items()}
    assert kills == {
        "test_fetch_total": (0, 0, 0),
        "test_discount_in_false_branch": (0, 0, 0),
        "test_tax_is_looked_up": (7, 0, 0),
        "test_discount_mirrors_the_code": (9, 6, 5),
        "test_total": (3, 3, 2),
        "test_total_is_not_none": (3, 1, 0),  # the "returns None" mutant only
        "test_discount_swallows_errors": (0, 0, 0),  # TL702 already: no mutation run
        "test_discount": (9, 7, 6),
    }


def test_check_never_runs_the_dynamic_rules(shop_run) -> None:
    root, *_ = shop_run
    everything = run_cli(["check", "--select", "ALL", "--no-cache", "tests"], root)
    assert "TL70" not in everything.stdout
    assert everything.exit_code == 1  # the static findings (TL103, TL201, TL301, TL605)
    asked = run_cli(["check", "--select", "TL701", "--no-cache", "tests"], root)
    assert asked.exit_code == 2
    assert asked.stderr == "testlint: error: --select: unknown rule code or prefix: TL701\n"


BAD = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "app.py": """
        def double(x):
            return 2 * x
        """,
    "tests/test_good.py": """
        import time

        from app import double


        def test_double():
            assert double(2) == 4


        def test_fails():
            assert double(2) == 5


        def test_hangs():
            while True:
                time.sleep(0.05)


        def test_uses_a_plugin(mocker):  # pytest-mock is not installed
            assert mocker
        """,
    "tests/test_broken.py": """
        from app import triple


        def test_triple():
            assert triple(1) == 3
        """,
}


def test_tests_that_cannot_run_are_named_and_the_rest_verified(tmp_path: Path) -> None:
    write_files(tmp_path, BAD)
    result = run_cli(["verify", "--no-cache", "--no-mutants", "--timeout", "1"], tmp_path)
    assert result.stdout == ""
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert ("testlint: warning: tests/test_broken.py: collection error, its tests were not "
            "verified: E   ImportError: cannot import name 'triple' from 'app' "
            f"({tmp_path}/app.py)") in lines
    assert ("testlint: warning: tests/test_good.py::test_fails: not verified, fails under plain "
            "pytest: assert 4 == 5") in lines
    assert ("testlint: warning: tests/test_good.py::test_hangs: not verified, over its time "
            "budget: stopped after 1 s") in lines
    assert ("testlint: warning: tests/test_good.py::test_uses_a_plugin: not verified, error in "
            "setup or teardown: fixture 'mocker' not found") in lines
    assert lines[-1] == ("testlint verify: 4 test(s) selected, 1 passed and judged (0 from "
                         "cache), 0 finding(s)")


def test_a_suite_whose_pytest_fails_before_any_test_is_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\n",
        "conftest.py": "raise RuntimeError('the database is not configured')\n",
        "test_x.py": "def test_x():\n    assert True\n",
    })
    result = run_cli(["verify", "--no-cache", "--no-mutants"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("testlint: error: the project's pytest failed before "
                                    "collecting any test: ")
    assert "the database is not configured" in result.stderr


MANY = {
    "pytest.ini": "[pytest]\n",
    "app.py": "def inc(x):\n    return x + 1\n",
    **{f"test_m{i}.py": "".join(
        f"from app import inc\n\n\ndef test_{i}_{j}():\n    assert inc({j}) == {j + 1}\n\n\n"
        for j in range(3)) for i in range(3)},
}


def _ids(root: Path, *args: str) -> list[str]:
    report = root.parent / "shard.json"
    result = run_cli(["verify", "--no-cache", "--no-mutants", "--tests-json", str(report),
                      *args], root)
    assert result.exit_code == 0, result.stderr
    return [t["nodeid"] for t in json.loads(report.read_text(encoding="utf-8"))["tests"]]


def test_shards_cover_every_test_exactly_once(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", MANY)
    everything = _ids(root)
    first, second = _ids(root, "--shard", "1/2"), _ids(root, "--shard", "2/2")
    assert sorted(first + second) == sorted(everything)
    assert len(everything) == 9
    assert first
    assert second
    assert all(shard_of(n, 2) == 1 for n in first)


def test_keyword_selects_as_pytest_does(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", MANY)
    assert sorted(_ids(root, "-k", "test_1_ or test_2_0")) == [
        "test_m1.py::test_1_0", "test_m1.py::test_1_1", "test_m1.py::test_1_2",
        "test_m2.py::test_2_0"]


def test_shard_assignment_is_stable_and_keeps_parameters_together() -> None:
    assert shard_of("tests/test_a.py::test_x[1]", 7) == shard_of("tests/test_a.py::test_x[2]", 7)
    assert [shard_of(f"t.py::test_{i}", 3) for i in range(6)] == [
        shard_of(f"t.py::test_{i}", 3) for i in range(6)]


def _git(root: Path, *args: str) -> None:
    subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def test_changed_since_verifies_only_added_and_changed_tests(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", MANY)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    test_file = root / "test_m1.py"
    text = test_file.read_text(encoding="utf-8")
    text = text.replace("assert inc(2) == 3", "assert inc(2) > 0")
    test_file.write_text(text + "def test_new():\n    assert inc(0) == 1\n", encoding="utf-8")
    (root / "test_added.py").write_text("from app import inc\n\n\ndef test_added():\n"
                                        "    assert inc(1) == 2\n", encoding="utf-8")
    _git(root, "add", "test_m1.py")
    _git(root, "commit", "-q", "-m", "change")  # test_added.py stays uncommitted: still selected
    assert sorted(_ids(root, "--changed-since", "main")) == [
        "test_added.py::test_added", "test_m1.py::test_1_2", "test_m1.py::test_new"]


def test_changed_since_an_unknown_ref_is_a_usage_error(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", MANY)
    _git(root, "init", "-q")
    result = run_cli(["verify", "--no-cache", "--changed-since", "nope"], root)
    assert result.exit_code == 2
    assert result.stderr.startswith("testlint: error: --changed-since: git merge-base nope HEAD:")


def test_cached_verdicts_are_reused_until_the_code_changes(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", {k: v for k, v in MANY.items()
                                         if k in {"pytest.ini", "app.py", "test_m0.py"}})
    first = run_cli(["verify", "--no-mutants"], root)
    assert first.stderr.splitlines()[-1].endswith("3 passed and judged (0 from cache), "
                                                  "0 finding(s)")
    again = run_cli(["verify", "--no-mutants"], root)
    assert again.stderr.splitlines()[-1].endswith("3 passed and judged (3 from cache), "
                                                  "0 finding(s)")
    (root / "app.py").write_text("def inc(x):\n    return x + 1  # edited\n", encoding="utf-8")
    changed = run_cli(["verify", "--no-mutants"], root)
    assert changed.stderr.splitlines()[-1].endswith("(0 from cache), 0 finding(s)")


def test_findings_take_check_s_baseline_and_sarif(tmp_path: Path) -> None:
    root = write_files(tmp_path / "p", {
        "pytest.ini": "[pytest]\n",
        "app.py": "def inc(x):\n    return x + 1\n",
        "test_app.py": """
            from app import inc


            def test_inc_when_large():
                result = inc(1)
                if result > 10:
                    assert result == 11
            """,
    })
    baseline = tmp_path / "verify-baseline.json"
    first = run_cli(["verify", "--no-mutants", "--write-baseline", str(baseline)], root)
    assert first.stdout == ("test_app.py:4:5: TL701 passed while executing no assertion (no "
                            "`assert`, `pytest.raises`/`warns` or `assert*` call ran); make the "
                            "check unconditional\n")
    entries = json.loads(baseline.read_text(encoding="utf-8"))["findings"]
    assert [(e["path"], e["code"], e["test"]) for e in entries] == [
        ("p/test_app.py", "TL701", "test_inc_when_large")]
    known = run_cli(["verify", "--no-mutants", "--baseline", str(baseline)], root)
    assert (known.stdout, known.exit_code) == ("", 0)
    sarif = json.loads(run_cli(["verify", "--no-mutants", "--format", "sarif"], root).stdout)
    run = sarif["runs"][0]
    assert [r["ruleId"] for r in run["results"]] == ["TL701"]
    assert "TL701" in {rule["id"] for rule in run["tool"]["driver"]["rules"]}


@pytest.mark.parametrize(("args", "message"), [
    (["nope"], "testlint: error: nope: no such file or directory\n"),
    (["--shard", "3/2"], "testlint: error: --shard '3/2': i must be between 1 and n\n"),
    (["--shard", "half"], "testlint: error: --shard 'half': expected i/n, e.g. 1/4\n"),
])
def test_usage_errors_exit_2_before_running_anything(tmp_path: Path, args: list[str],
                                                      message: str) -> None:
    result = run_cli(["verify", *args], tmp_path)
    assert (result.exit_code, result.stderr) == (2, message)


def test_dynamic_rules_keep_the_rule_contract_of_their_docs() -> None:
    """The TL7 rules are not in `check`'s registry (test_rule_contract), but they are documented
    like every rule: the fixed headings in order, examples that parse."""
    import ast

    from testlint.registry import dynamic_rules, load_full_registry, load_registry
    from testlint.rules.base import SECTIONS

    dynamic = dynamic_rules(load_full_registry()).rules
    assert sorted(dynamic) == ["TL701", "TL702", "TL703"]
    assert not set(dynamic) & set(load_registry().rules)
    for rule in dynamic.values():
        assert list(rule.sections) == list(SECTIONS)
        for source in [*rule.valid, *rule.invalid, *rule.code_examples("Example"),
                       *rule.code_examples("Use instead")]:
            ast.parse(source)
