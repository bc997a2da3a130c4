"""The mutation engine (testlint.mutation): mutants read from a module's text, run in memory
against real pytest child processes on small projects in tmp dirs."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from testlint.mutation import generate, mutated_source, record_coverage, run_mutants
from tests.helpers import write_files


@pytest.fixture(autouse=True)
def no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """These projects need no pytest plugin; loading every installed one (hypothesis, xdist)
    costs each child pytest about a second."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

AGES = '''\
"""Ages."""

ADULT = 18


def is_adult(age):
    """Whether `age` is of age."""
    return age >= 18


def label(age):
    if is_adult(age):
        return "adult"
    return "minor"
'''

PROJECT = {
    "pytest.ini": "[pytest]\npythonpath = src\n",
    "src/ages.py": AGES,
    "tests/test_ages.py": """
        import time

        from ages import is_adult, label


        def test_boundary():
            assert is_adult(18) is True
            assert is_adult(17) is False


        def test_not_none():
            assert is_adult(30) is not None


        def test_label():
            assert label(40) == "adult"


        def test_counts_adults():
            assert is_adult(20) + is_adult(30) == 2


        def test_sleeps():
            time.sleep(30)
    """,
    "src/shapes.py": """
        class Box:
            def __init__(self, side):
                self.side = side

            @property
            def area(self):
                return self.side * self.side


        def make_scaler(factor):
            def scale(x):
                return x * factor

            return scale
    """,
    "tests/test_shapes.py": """
        from shapes import make_scaler


        def test_area():
            from shapes import Box

            assert Box(3).area == 9


        def test_scale():
            assert make_scaler(3)(2) == 6
    """,
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_files(tmp_path / "project", PROJECT)


def tree(root: Path) -> list[tuple[str, float]]:
    return sorted((str(path.relative_to(root)), path.stat().st_mtime)
                  for path in root.rglob("*"))


def test_each_operator_of_a_comparison_function():
    mutants = generate(AGES, Path("/p/ages.py"), functions=["is_adult"])
    assert [(m.id, m.line, m.location_text) for m in mutants] == [
        ("ages.py:is_adult:return-value:0", 8,
         "`is_adult`: `age >= 18` becomes `None` at ages.py:8"),
        ("ages.py:is_adult:comparison-boundary:0", 8,
         "`is_adult`: `age >= 18` becomes `age > 18` at ages.py:8"),
        ("ages.py:is_adult:comparison-negate:0", 8,
         "`is_adult`: `age >= 18` becomes `age < 18` at ages.py:8"),
        ("ages.py:is_adult:constant-number:0", 8,
         "`is_adult`: `18` becomes `19` at ages.py:8"),
    ]


def test_ids_are_the_same_whatever_the_filters():
    path = Path("/p/ages.py")
    every = {m.id: m for m in generate(AGES, path)}
    by_line = generate(AGES, path, lines=[14])
    by_function = generate(AGES, path, functions=["label"])
    assert [m.id for m in by_line] == ["ages.py:label:return-value:1",
                                       "ages.py:label:constant-string:1"]
    assert all(every[m.id] == m for m in by_line + by_function)
    assert [m.id for m in generate(AGES, path)] == list(every)


def test_docstrings_and_module_constants_are_not_mutated():
    mutants = generate(AGES, Path("/p/ages.py"))
    assert {m.line for m in mutants} == {8, 12, 13, 14}


def test_mutated_source_changes_one_span_and_keeps_every_line_number():
    source = textwrap.dedent("""\
        def total(prices, rate):
            amount = sum(
                prices
            ) * rate
            amount += 1
            return (f"{amount} "
                    "cents")
    """)
    mutants = generate(source, Path("/p/cart.py"))
    texts = {m.id: mutated_source(source, m) for m in mutants}
    assert texts["cart.py:total:arithmetic:1"].splitlines()[4] == "    amount -= 1"
    assert texts["cart.py:total:arithmetic:0"].splitlines()[1:4] == [
        "    amount = (sum(prices) / rate", "", ")"]
    assert texts["cart.py:total:constant-string:0"].splitlines()[5:7] == [
        "    return (('XX' + f\"{amount} \"", '            "cents"))']
    assert all(text.count("\n") == source.count("\n") for text in texts.values())


def test_no_mutant_that_cannot_change_the_result():
    source = "def scale(x):\n    return x * 1 + 0\n"
    operators = [m.operator for m in generate(source, Path("/p/s.py"))]
    assert "arithmetic" not in operators


def test_behaviour_text_says_nothing_of_the_body_but_the_arguments_it_concerns():
    source = textwrap.dedent("""\
        import math

        def price(cents, rate):
            if cents <= 0 or not rate:
                return {"total": 0, "label": "free"}
            for step in range(3):
                cents += step
            log_call(cents)
            return math.ceil(cents * rate / 100) - cents // 7 + int(cents[2:5])
    """)
    mutants = generate(source, Path("/p/prices.py"))
    assert len({m.operator for m in mutants}) >= 10
    concerns = set()
    for mutant in mutants:
        text, _, arguments = mutant.behaviour_text.partition(" (this concerns the argument")
        concerns.add(arguments)
        assert text.startswith("`price` ")
        assert not re.search(r"\d|[<>=+*/%]|\b(?:ceil|range|rate|cents|total|free|log_call|step)\b",
                             text)
        assert "-" not in text.replace("yes/no", "")
    assert concerns == {"", " `cents`)", " `rate`)", "s `cents` and `rate`)"}


def test_a_good_test_kills_the_boundary_mutant_and_a_weak_one_only_return_none(project):
    before = tree(project)
    path = project / "src" / "ages.py"
    mutants = generate(path.read_text(), path, functions=["is_adult"])
    good = run_mutants(project, mutants, ["tests/test_ages.py::test_boundary"], jobs=2)
    weak = run_mutants(project, mutants, ["tests/test_ages.py::test_not_none"], jobs=2)
    assert [(r.mutant.operator, r.status, r.killed_by) for r in good] == [
        (m.operator, "killed", ("tests/test_ages.py::test_boundary",)) for m in mutants]
    assert [(r.mutant.operator, r.status) for r in weak] == [
        ("return-value", "killed"), ("comparison-boundary", "survived"),
        ("comparison-negate", "survived"), ("constant-number", "survived")]
    assert tree(project) == before  # nothing written under the root, not even __pycache__
    assert path.read_text() == AGES


@pytest.mark.parametrize("fresh_process", [False, True])
def test_properties_nested_functions_and_lazy_imports_are_mutated(project, fresh_process):
    path = project / "src" / "shapes.py"
    mutants = [m for m in generate(path.read_text(), path)  # one in each function
               if m.operator in {"attribute-field", "arithmetic"} or m.qualname == "make_scaler"]
    results = run_mutants(project, mutants, ["tests/test_shapes.py"],
                          fresh_process=fresh_process)
    assert [(r.mutant.id, r.status, r.killed_by) for r in results] == [
        ("shapes.py:Box.__init__:attribute-field:0", "killed",
         ("tests/test_shapes.py::test_area",)),
        ("shapes.py:Box.area:arithmetic:0", "killed", ("tests/test_shapes.py::test_area",)),
        ("shapes.py:make_scaler:return-value:0", "killed",
         ("tests/test_shapes.py::test_scale",)),
        ("shapes.py:make_scaler.scale:arithmetic:0", "killed",
         ("tests/test_shapes.py::test_scale",)),
    ]


def test_every_killing_test_and_which_of_them_failed_on_a_check(project):
    path = project / "src" / "ages.py"
    none = generate(path.read_text(), path, functions=["is_adult"])[0]
    tests = ["tests/test_ages.py::test_boundary", "tests/test_ages.py::test_counts_adults"]
    [first] = run_mutants(project, [none], tests)
    [every] = run_mutants(project, [none], tests, all_tests=True)
    assert (first.status, first.killed_by, first.killed_by_check) == (
        "killed", ("tests/test_ages.py::test_boundary",), ("tests/test_ages.py::test_boundary",))
    assert (every.killed_by, every.killed_by_check) == (
        tuple(tests), ("tests/test_ages.py::test_boundary",))  # None + None: a TypeError


def test_xdist_in_the_project_addopts_does_not_take_the_tests_away(tmp_path, monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")  # the project's addopts need xdist
    project = write_files(tmp_path / "project", {**PROJECT, "pytest.ini": (
        "[pytest]\npythonpath = src\naddopts = -n 2\n")})
    path = project / "src" / "ages.py"
    mutants = generate(path.read_text(), path, functions=["is_adult"])[:2]
    results = run_mutants(project, mutants, ["tests/test_ages.py::test_not_none"])
    covered = record_coverage(project, ["tests/test_ages.py::test_not_none"])
    assert [r.status for r in results] == ["killed", "survived"]
    assert covered == {"tests/test_ages.py::test_not_none": {path.resolve(): frozenset({8})}}


def test_a_test_past_its_budget_is_a_timeout(project):
    path = project / "src" / "ages.py"
    mutant = generate(path.read_text(), path, functions=["is_adult"])[0]
    tests = {mutant.id: ["tests/test_ages.py::test_sleeps"]}
    [result] = run_mutants(project, [mutant], lambda m: tests[m.id], timeout=0.5)
    assert (result.status, result.killed_by) == ("timeout", ("tests/test_ages.py::test_sleeps",))


def test_a_test_that_does_not_exist_is_an_error_and_no_test_survives(project):
    path = project / "src" / "ages.py"
    none, boundary = generate(path.read_text(), path, functions=["is_adult"])[:2]
    tests = {none.id: ["tests/test_ages.py::test_nothing"],
             boundary.id: ["tests/test_ages.py::test_boundary"]}
    missing, killed = run_mutants(project, [none, boundary], lambda m: tests[m.id])
    [uncovered] = run_mutants(project, [none], [])
    assert (missing.status, missing.detail) == (
        "error", "not collected: tests/test_ages.py::test_nothing")
    assert killed.status == "killed"
    assert (uncovered.status, uncovered.detail) == ("survived", "no test covers it")


def test_coverage_of_each_test_in_project_files_only(project):
    covered = record_coverage(project, ["tests/test_ages.py::test_boundary",
                                        "tests/test_ages.py::test_label",
                                        "tests/test_ages.py::test_nothing"])
    ages = (project / "src" / "ages.py").resolve()
    assert covered == {
        "tests/test_ages.py::test_boundary": {ages: frozenset({8})},
        "tests/test_ages.py::test_label": {ages: frozenset({8, 12, 13})},
    }
