"""TL501/TL502: where markers are declared, what the messages say, and the facts behind them."""

from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest

from testlint.engine import lint_text
from testlint.facts import build_facts, marker_registrations
from testlint.pytest_config import find_pytest_config
from testlint.source import parse_text
from tests.helpers import run_cli, write_files

PROJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "projects"

INTEGRATION = (
    "tests/test_marks.py:9:14: TL501 unregistered marker 'integration': pytest only warns "
    "(PytestUnknownMarkWarning) and nothing acts on it; declare it under `markers` in {where}, "
    "or remove it"
)
SLWO = (
    "tests/test_marks.py:14:14: TL502 unknown marker 'slwo' is a misspelling of 'slow': pytest "
    "ignores it, so `-m slow` does not select the test; rename it to 'slow'"
)


def _copy(name: str, tmp_path: Path) -> Path:
    """A fixture project in a temporary directory, away from this repository's own config."""
    target = tmp_path / name
    shutil.copytree(PROJECTS / name, target)
    return target


@pytest.mark.parametrize(
    ("project", "where"),
    [
        ("markers-pytest-ini", "pytest.ini [pytest]"),
        ("markers-pyproject-ini-options", "pyproject.toml [tool.pytest.ini_options]"),
        ("markers-pyproject-native", "pyproject.toml [tool.pytest]"),
        ("markers-tox-ini", "tox.ini [pytest]"),
        ("markers-setup-cfg", "setup.cfg [tool:pytest]"),
        ("markers-conftest", "pytest.ini [pytest]"),
        ("markers-plugin", "pytest.ini [pytest]"),
    ],
)
def test_each_declaration_place_counts(project: str, where: str, tmp_path: Path) -> None:
    result = run_cli(["check", "--select", "TL5", "tests"], _copy(project, tmp_path))
    assert result.stdout == INTEGRATION.format(where=where) + "\n" + SLWO + "\n"
    # the misspelt marker has a safe fix, and a plain check says so, as ruff does
    assert (result.exit_code, result.stderr) == (1, "1 fixable with `--fix`.\n")


def test_a_section_pytest_ignores_declares_nothing_and_the_user_is_told(tmp_path: Path) -> None:
    project = _copy("markers-ignored-section", tmp_path)
    result = run_cli(["check", "--select", "TL5", "tests"], project)
    undeclared = (
        "pytest only warns (PytestUnknownMarkWarning) and nothing acts on it; declare it under "
        "`markers` in pytest.ini [pytest], or remove it"
    )
    assert result.stdout.splitlines() == [
        "tests/test_marks.py:4:14: TL501 marker 'slow' is declared only in pytest.ini "
        "[tool:pytest], a section pytest ignores; move its `markers` entry to pytest.ini [pytest]",
        f"tests/test_marks.py:9:14: TL501 unregistered marker 'integration': {undeclared}",
        f"tests/test_marks.py:14:14: TL501 unregistered marker 'slwo': {undeclared}",
    ]
    assert result.stderr == (
        "testlint: warning: pytest.ini: pytest ignores the [tool:pytest] section here "
        "(it reads [pytest])\n"
    )


def test_without_any_pytest_config_every_custom_marker_is_undeclared(tmp_path: Path) -> None:
    result = run_cli(["check", "--select", "TL5", "tests"], _copy("markers-no-config", tmp_path))
    hint = (
        "pytest only warns (PytestUnknownMarkWarning) and the project has no pytest config; "
        "declare it under `markers` in pyproject.toml [tool.pytest.ini_options] or pytest.ini "
        "[pytest], or remove it"
    )
    assert result.stdout.splitlines() == [
        f"tests/test_marks.py:4:14: TL501 unregistered marker 'slow': {hint}",
        f"tests/test_marks.py:9:14: TL501 unregistered marker 'integration': {hint}",
        f"tests/test_marks.py:14:14: TL501 unregistered marker 'slwo': {hint}",
    ]


def test_a_pyproject_shadowed_by_pytest_ini_declares_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\naddopts = --strict-markers\n",
        "pyproject.toml": '[tool.pytest.ini_options]\nmarkers = ["slow: takes a while"]\n',
        "test_a.py": """
            import pytest

            @pytest.mark.slow
            def test_a():
                assert 1 + 1 == 2
            """,
    })
    result = run_cli(["check", "--select", "TL501", "test_a.py"], tmp_path)
    assert result.stdout == (
        "test_a.py:3:14: TL501 marker 'slow' is declared only in pyproject.toml "
        "[tool.pytest.ini_options], a section pytest ignores; move its `markers` entry to "
        "pytest.ini [pytest]\n"
    )
    assert result.stderr == (
        "testlint: warning: pyproject.toml: pytest ignores the [tool.pytest.ini_options] "
        "section here (pytest.ini takes precedence)\n"
    )


@pytest.mark.parametrize(
    "setting", ["addopts = -ra --strict-markers", "strict_markers = true", "strict = 1"],
)
def test_strict_markers_changes_the_message(setting: str, tmp_path: Path) -> None:
    write_files(tmp_path, {
        "setup.cfg": f"[tool:pytest]\n{setting}\n",
        "test_a.py": """
            import pytest

            pytestmark = [pytest.mark.api]

            def test_a():
                assert 1 + 1 == 2
            """,
    })
    result = run_cli(["check", "--select", "TL501", "test_a.py"], tmp_path)
    assert result.stdout == (
        "test_a.py:3:27: TL501 unregistered marker 'api': collection fails under this project's "
        "--strict-markers; declare it under `markers` in setup.cfg [tool:pytest], or remove it\n"
    )


def test_conftest_markers_apply_only_below_it(tmp_path: Path) -> None:
    marked = """
        import pytest

        @pytest.mark.gpu
        def test_a():
            assert 1 + 1 == 2
        """
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\n",
        "tests/cuda/conftest.py": """
            def pytest_configure(config):
                config.addinivalue_line("markers", "gpu: needs a GPU")
            """,
        "tests/cuda/test_kernels.py": marked,
        "tests/cpu/test_loops.py": marked,
    })
    result = run_cli(["check", "--select", "TL501", "tests"], tmp_path)
    assert [line.split(": TL501")[0] for line in result.stdout.splitlines()] == [
        "tests/cpu/test_loops.py:3:14",
    ]


def test_a_conftest_that_registers_unreadable_names_silences_tl501_not_builtin_typos(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\n",
        "conftest.py": """
            from myproject.testing import MARKERS

            def pytest_configure(config):
                for line in MARKERS:
                    config.addinivalue_line("markers", line)
            """,
        "test_a.py": """
            import pytest

            @pytest.mark.gpu
            @pytest.mark.skip_if(True, reason="no gpu")
            def test_a():
                assert 1 + 1 == 2
            """,
    })
    result = run_cli(["check", "--select", "TL5", "test_a.py"], tmp_path)
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == ["TL502"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["TL501", "TL501"]),
        ({"extra-markers": ["gpu"]}, ["TL501"]),
        ({"extra-markers": ["gpu", "db_*"]}, []),
    ],
)
def test_extra_markers_count_as_declared(
    options: dict[str, list[str]], expected: list[str]
) -> None:
    source = textwrap.dedent("""
        import pytest

        @pytest.mark.gpu
        @pytest.mark.db_postgres
        def test_a():
            assert 1 + 1 == 2
        """)
    assert [f.code for f in lint_text(source, select=["TL5"], options=options)] == expected


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("parametrise", "parametrize"),
        ("parameterize", "parametrize"),
        ("parameterise", "parametrize"),
        ("paramaterize", "parametrize"),
        ("paramterize", "parametrize"),
        ("parametrized", "parametrize"),
        ("Parametrize", "parametrize"),
        ("skip_if", "skipif"),
        ("skipIf", "skipif"),
        ("skipped", "skip"),
        ("xfial", "xfail"),
        ("xfails", "xfail"),
        ("expectedFailure", "xfail"),
        ("usefixture", "usefixtures"),
        ("use_fixtures", "usefixtures"),
        ("filterwarning", "filterwarnings"),
        ("filter_warnings", "filterwarnings"),
        ("asynio", "asyncio"),
        ("djangodb", "django_db"),
        ("timout", "timeout"),
    ],
)
def test_misspellings_name_the_marker_meant(name: str, meant: str) -> None:
    source = f"import pytest\n\n@pytest.mark.{name}\ndef test_a():\n    assert 1 + 1 == 2\n"
    [finding] = lint_text(source, select=["TL5"])
    assert (finding.code, finding.fix.edits[0].replacement if finding.fix else None) == (
        "TL502", meant,
    )


@pytest.mark.parametrize(
    "name", ["slow", "ship", "border", "usefixtures_db", "runs", "unit", "e2e", "skipper"],
)
def test_other_words_are_undeclared_not_misspelled(name: str) -> None:
    source = f"import pytest\n\n@pytest.mark.{name}\ndef test_a():\n    assert 1 + 1 == 2\n"
    assert [f.code for f in lint_text(source, select=["TL5"])] == ["TL501"]


def test_a_tie_between_two_markers_offers_no_fix() -> None:
    source = textwrap.dedent("""
        import pytest

        @pytest.mark.smoke_a
        def test_a():
            assert 1 + 1 == 2
        """)
    extra = {"extra-markers": ["smoke_b", "smoke_c"]}
    [finding] = lint_text(source, select=["TL502"], options=extra)
    assert (finding.message, finding.fix) == (
        "unknown marker 'smoke_a' looks like a misspelling of 'smoke_b' or 'smoke_c': pytest "
        "ignores it; rename it to the one you meant",
        None,
    )


def test_plugin_corrections_are_unsafe_builtin_ones_safe() -> None:
    source = textwrap.dedent("""
        import pytest

        @pytest.mark.timout(3)
        @pytest.mark.xfial
        def test_a():
            assert 1 + 1 == 2
        """)
    findings = lint_text(source, select=["TL502"])
    fixes = {f.message.split("'")[1]: f.fix.safe for f in findings if f.fix}
    assert fixes == {"timout": False, "xfial": True}


def test_reported_at_the_marker_name_with_noqa_honoured() -> None:
    source = textwrap.dedent("""
        import pytest

        @pytest.mark.xfial  # noqa: TL502
        def test_a():
            assert 1 + 1 == 2

        @pytest.mark.xfial
        def test_b():
            assert 1 + 1 == 2
        """)
    [finding] = lint_text(source, select=["TL502"])
    assert (finding.line, finding.col, finding.end_col, finding.test) == (8, 14, 19, "test_b")


def facts(source: str, is_conftest: bool = False):
    return build_facts(parse_text("conftest.py" if is_conftest else "test_x.py",
                                  textwrap.dedent(source)), is_conftest=is_conftest)


def test_marks_only_read_are_introspected_and_helper_bodies_are_seen() -> None:
    module = facts("""
        import pytest

        def helper():
            return pytest.mark.network

        def test_a():
            assert pytest.mark.skip.mark.name == "skip"
            assert pytest.mark.xfail.kwargs == {}
        """)
    assert [(m.name, m.where, m.introspected) for m in module.markers] == [
        ("network", "other", False),
        ("skip", "body", True),
        ("xfail", "body", True),
    ]


@pytest.mark.parametrize(
    ("source", "declared", "dynamic"),
    [
        ('config.addinivalue_line("markers", "slow: takes a while")', ["slow"], False),
        ('config.addinivalue_line("markers", "slow(seconds): takes a while")', ["slow"], False),
        ('config.addinivalue_line(name="markers", line="slow")', ["slow"], False),
        ('config.addinivalue_line("filterwarnings", "error")', [], False),
        ('for m in ["a: x", "b"]:\n    config.addinivalue_line("markers", m)', ["a", "b"], False),
        ('for m in MARKS:\n    config.addinivalue_line("markers", m)', ["c", "d"], False),
        ('for k, v in TABLE.items():\n    config.addinivalue_line("markers", f"{k}: {v}")',
         ["e", "f"], False),
        ('for line in TEXT.splitlines():\n    config.addinivalue_line("markers", line)',
         ["g", "h"], False),
        ('config.addinivalue_line("markers", "%s: x" % NAME)', ["i"], False),
        ('config.addinivalue_line("markers", "{}: x".format(NAME))', ["i"], False),
        ('config.addinivalue_line("markers", f"httpx_mock({SIG}): x")', ["httpx_mock"], False),
        ('config.addinivalue_line("markers", "order: " + DOCS)', ["order"], False),
        ('config.addinivalue_line("markers", load())', [], True),
        ('for m in load():\n    config.addinivalue_line("markers", m)', [], True),
        # matplotlib: rows of (ini key, value), read row by row so keys and values stay paired
        ('for key, value in [("markers", "j: x"), ("filterwarnings", "error")]:\n'
         '    config.addinivalue_line(key, value)', ["j"], False),
        ('for key, value in [("markers", "j: x"), ("markers", load())]:\n'
         '    config.addinivalue_line(key, value)', [], True),
        ('config.addinivalue_line(KEY, "k: x")', [], True),
    ],
)
def test_conftest_marker_registrations(source: str, declared: list[str], dynamic: bool) -> None:
    module_text = (
        'MARKS = ("c: one", "d: two")\nTABLE = {"e": "one", "f": "two"}\nTEXT = """g: one\n'
        'h: two\n"""\nNAME = "i"\n\ndef pytest_configure(config):\n'
        + textwrap.indent(source, "    ") + "\n"
    )
    assert marker_registrations(ast.parse(module_text)) == (
        {name: 9 + (0 if source.startswith("config") else 1) for name in declared},
        dynamic,
    )


def test_registrations_are_read_from_conftests_only() -> None:
    source = """
        pytest_plugins = ["tests.plugin", "pytester"]

        def pytest_configure(config):
            config.addinivalue_line("markers", "slow: takes a while")
        """
    conftest, test_module = facts(source, is_conftest=True), facts(source)
    assert (conftest.declared_markers, conftest.pytest_plugins) == (
        {"slow": 5}, ("tests.plugin", "pytester"),
    )
    assert (test_module.declared_markers, test_module.pytest_plugins) == ({}, ())


def test_pytest_config_records_markers_of_ignored_sections(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "tox.ini": "[tool:pytest]\nmarkers =\n    slow: x\n",
        "setup.cfg": "[tool:pytest]\nmarkers =\n    fast: y\n",
    })
    config = find_pytest_config([tmp_path])
    assert (config.inifile, config.section, config.markers, config.ignored_markers) == (
        tmp_path / "setup.cfg", "tool:pytest", {"fast": "y"}, {"slow": "tox.ini [tool:pytest]"},
    )


def test_without_an_ini_file_conftests_up_to_the_project_root_count(tmp_path: Path) -> None:
    marked = """
        import pytest

        @pytest.mark.gpu
        def test_a():
            assert 1 + 1 == 2
        """
    registers = """
        def pytest_configure(config):
            config.addinivalue_line("markers", "gpu: needs a GPU")
        """
    write_files(tmp_path, {
        "outside/conftest.py": registers,
        "outside/project/pyproject.toml": "[project]\nname = 'shop'\n",
        "outside/project/pkg/conftest.py": registers.replace("gpu", "tpu"),
        "outside/project/pkg/tests/test_a.py": marked,
        "outside/project/pkg/tests/test_b.py": marked.replace("gpu", "tpu"),
    })
    result = run_cli(["check", "--select", "TL501", "pkg/tests"], tmp_path / "outside/project")
    # with no ini file pytest's rootdir is pkg/tests, but a run from the project root loads
    # pkg/conftest.py too; the conftest outside the project (above pyproject.toml) never counts
    assert [line.split(": TL501")[0] for line in result.stdout.splitlines()] == [
        "pkg/tests/test_a.py:3:14",
    ]
    narrow = run_cli(["check", "--select", "TL501", "tests"], tmp_path / "outside/project/pkg")
    assert narrow.stdout == result.stdout.replace("pkg/tests/", "tests/")


def test_a_project_plugin_named_with_dash_p_in_addopts_counts(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\naddopts = -p support.markers -p no:cacheprovider\n",
        "support/__init__.py": "",
        "support/markers.py": """
            def pytest_configure(config):
                config.addinivalue_line("markers", "gpu: needs a GPU")
            """,
        "test_a.py": """
            import pytest

            @pytest.mark.gpu
            @pytest.mark.tpu
            def test_a():
                assert 1 + 1 == 2
            """,
    })
    result = run_cli(["check", "--select", "TL501", "test_a.py"], tmp_path)
    assert [line.split(": TL501")[0] for line in result.stdout.splitlines()] == ["test_a.py:4:14"]
