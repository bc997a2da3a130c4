"""TL501 on plugin markers: known only where the project has the plugin.

The projects here use pytest-tornado's `gen_test` marker, a plugin testlint's own environment
never installs (checked by `tornado_absent`), so what decides each verdict is what the project
declares, configures or loads; the one test about installed plugins puts a distribution on
sys.path itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from testlint.dependencies.declared import DeclaredReader
from testlint.dependencies.installed import installed_distributions
from testlint.dependencies.names import requirement_name
from tests.helpers import run_cli, write_files

ASYNC_TEST = """
    import pytest
    from tornado.locks import Event


    @pytest.mark.gen_test
    async def test_wait_returns_once_set():
        event = Event()
        event.set()
        assert await event.wait() is None
    """
INERT = (
    "tests/test_locks.py:5:14: TL501 marker 'gen_test' needs pytest-tornado (or "
    "pytest-tornasync, pytest-tornado5), which this project neither declares nor has "
    "installed: nothing runs this async test and its body never executes (pytest skips it, "
    "or fails it from 8.4 on); add pytest-tornado to the test dependencies\n"
)


@pytest.fixture(autouse=True)
def tornado_absent() -> None:
    installed_distributions.cache_clear()
    assert not {"pytest-tornado", "pytest-tornasync", "pytest-tornado5"} & set(
        installed_distributions()
    ), "these tests need an environment without pytest-tornado"


def _check(root: Path, files: dict[str, str], *args: str) -> tuple[int, str]:
    write_files(root, {"pytest.ini": "[pytest]\n", "tests/test_locks.py": ASYNC_TEST, **files})
    result = run_cli(["check", "--no-cache", "--select", "TL501", *args, "tests"], root)
    return result.exit_code, result.stdout


def test_an_async_test_whose_plugin_is_missing_never_runs(tmp_path: Path) -> None:
    assert _check(tmp_path, {}) == (1, INERT)


def test_a_class_marker_over_async_methods_says_so_too(tmp_path: Path) -> None:
    source = """
        import pytest


        @pytest.mark.gen_test
        class TestEvent:
            async def test_wait(self):
                assert await wait() is None
        """
    code, out = _check(tmp_path, {"tests/test_locks.py": source})
    assert (code, out.split(": TL501 ")[0]) == (1, "tests/test_locks.py:4:14")
    assert "nothing runs this async test" in out


def test_on_a_plain_function_the_marker_is_only_inert(tmp_path: Path) -> None:
    source = """
        import pytest


        @pytest.mark.gen_test
        def test_wait():
            assert wait() is None
        """
    files = {"tests/test_locks.py": source, "pytest.ini": "[pytest]\naddopts = --strict-markers\n"}
    assert _check(tmp_path, files) == (1, (
        "tests/test_locks.py:4:14: TL501 marker 'gen_test' needs pytest-tornado (or "
        "pytest-tornasync, pytest-tornado5), which this project neither declares nor has "
        "installed: collection fails under this project's --strict-markers; add pytest-tornado "
        "to the test dependencies, or remove the marker\n"
    ))


DECLARATIONS = {
    "pyproject-dependencies": {"pyproject.toml": """
        [project]
        name = "app"
        dependencies = ["tornado>=6", "pytest-tornado>=0.8 ; python_version >= '3.8'"]
        """},
    "pyproject-optional": {"pyproject.toml": """
        [project]
        name = "app"
        [project.optional-dependencies]
        test = ["pytest", "Pytest_Tornado[extra]==0.8.1"]
        """},
    "dependency-groups": {"pyproject.toml": """
        [dependency-groups]
        test = ["pytest", {include-group = "lint"}, "pytest-tornasync"]
        lint = ["ruff"]
        """},
    "poetry-group": {"pyproject.toml": """
        [tool.poetry.group.test.dependencies]
        pytest-tornado = "^0.8"
        """},
    "hatch-env": {"pyproject.toml": """
        [tool.hatch.envs.test]
        dependencies = ["pytest-tornado"]
        """},
    "pdm-dev": {"pyproject.toml": """
        [tool.pdm.dev-dependencies]
        test = ["pytest-tornado"]
        """},
    "requirements-include": {
        "requirements-dev.txt": "-r requirements/test.txt\nruff  # lint\n",
        "requirements/test.txt": "pytest==8.3.0 \\\n    --hash=sha256:abc\npytest-tornado==0.8.1\n",
    },
    "requirements-in-a-subdirectory": {"tools/test-requirements.txt": "pytest-tornado\n"},
    "setup-cfg": {"setup.cfg": """
        [options.extras_require]
        test =
            pytest
            pytest-tornado
        """},
    "setup-py": {"setup.py": """
        from setuptools import setup

        setup(name="app", tests_require=["pytest", "pytest-tornado>=0.8"])
        """},
    "tox-ini": {"tox.ini": """
        [testenv]
        deps =
            pytest
            py311: pytest-tornado
        commands = pytest
        """},
    "tox-toml": {"tox.toml": """
        [env_run_base]
        deps = ["pytest", "pytest-tornado"]
        """},
    "rye-lock": {"requirements-dev.lock": "pytest-tornado==0.8.1\n    # via app\n"},
    "pipfile": {"Pipfile": """
        [dev-packages]
        pytest-tornado = "*"
        """},
    "lock-file": {"poetry.lock": '[[package]]\nname = "pytest-tornado"\nversion = "0.8.1"\n'},
    "conda": {"environment.yml": """
        name: app
        dependencies:
          - python=3.12
          - pytest-tornado >=0.8
        """},
    "github-workflow": {".github/workflows/tests.yml": """
        jobs:
          test:
            steps:
              - run: |
                  python -m pip install pytest pytest-tornado
                  python -m pytest
        """},
    "noxfile": {"noxfile.py": """
        import nox


        @nox.session
        def tests(session):
            session.install("pytest", "pytest-tornado")
            session.run("pytest")
        """},
    "the-plugin-itself": {"pyproject.toml": '[project]\nname = "pytest_tornado"\n'},
}


@pytest.mark.parametrize("files", DECLARATIONS.values(), ids=list(DECLARATIONS))
def test_a_declared_plugin_makes_its_marker_known(files: dict[str, str], tmp_path: Path) -> None:
    assert _check(tmp_path, files) == (0, "")


KNOWN_OTHERWISE = {
    "registered-in-ini": {"pytest.ini": "[pytest]\nmarkers =\n    gen_test: tornado tests\n"},
    "registered-in-conftest": {"tests/conftest.py": """
        def pytest_configure(config):
            config.addinivalue_line("markers", "gen_test: tornado coroutine tests")
        """},
    "registered-by-an-imported-hook": {
        "tests/conftest.py": "from tests.support.plugin import pytest_configure\n",
        "tests/__init__.py": "",
        "tests/support/__init__.py": "",
        "tests/support/plugin.py": """
            def pytest_configure(config):
                for key, value in [
                    ("markers", "gen_test: tornado coroutine tests"),
                    ("filterwarnings", "error"),
                ]:
                    config.addinivalue_line(key, value)
            """,
    },
    "pytest-plugins-in-conftest": {"tests/conftest.py": 'pytest_plugins = ["pytest_tornado"]\n'},
    "required-plugins": {"pytest.ini": "[pytest]\nrequired_plugins = pytest-tornado>=0.8\n"},
    "the-project-ships-a-plugin": {
        "pyproject.toml": """
            [project]
            name = "tornado-testing"
            [project.entry-points.pytest11]
            tornado_testing = "tornado_testing.plugin"
            """,
        "src/tornado_testing/__init__.py": "",
        "src/tornado_testing/plugin.py": """
            def pytest_configure(config):
                config.addinivalue_line("markers", "gen_test: run a coroutine test")
            """,
    },
    "dash-p-in-addopts": {"pytest.ini": "[pytest]\naddopts = -p pytest_tornado.plugin\n"},
    "a-plugin-option-in-addopts": {"pytest.ini": "[pytest]\naddopts = --async-test-timeout=5\n"},
    "extra-markers": {"pyproject.toml": '[tool.testlint]\nextra-markers = ["gen_*"]\n'},
}


@pytest.mark.parametrize("files", KNOWN_OTHERWISE.values(), ids=list(KNOWN_OTHERWISE))
def test_registered_loaded_or_configured_plugins_count(
    files: dict[str, str], tmp_path: Path
) -> None:
    assert _check(tmp_path, files) == (0, "")


def test_with_a_plugin_that_runs_every_coroutine_the_marker_is_only_inert(tmp_path: Path) -> None:
    code, out = _check(tmp_path, {"requirements.txt": "pytest-sanic\n"})
    assert (code, out.split(": TL501 ")[0]) == (1, "tests/test_locks.py:5:14")
    assert "nothing acts on it" in out
    assert "never executes" not in out


def test_an_option_of_another_plugin_is_no_evidence(tmp_path: Path) -> None:
    """pytest-timeout's `timeout` says nothing about pytest-tornado."""
    assert _check(tmp_path, {"pytest.ini": "[pytest]\ntimeout = 5\n"}) == (1, INERT)


def test_asyncio_mode_auto_makes_the_asyncio_marker_known(tmp_path: Path) -> None:
    source = """
        import asyncio

        import pytest


        @pytest.mark.asyncio
        async def test_sleep():
            assert await asyncio.sleep(0) is None
        """
    files = {"tests/test_locks.py": source, "pytest.ini": "[pytest]\nasyncio_mode = auto\n"}
    assert _check(tmp_path, files) == (0, "")


def test_anyio_marker_with_anyio_declared_or_imported(tmp_path: Path) -> None:
    source = """
        import anyio
        import pytest

        pytestmark = pytest.mark.anyio


        async def test_sleep():
            assert await anyio.sleep(0) is None
        """
    files = {"tests/test_locks.py": source, "pyproject.toml": """
        [project]
        name = "app"
        dependencies = ["httpx"]
        """}
    assert _check(tmp_path, files) == (0, "")


def test_a_declaration_in_a_parent_directory_up_to_the_repository_root_counts(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    write_files(tmp_path, {"requirements-dev.txt": "pytest-tornado\n"})
    assert _check(tmp_path / "packages" / "app", {}) == (0, "")


def test_a_declaration_above_the_repository_root_does_not(tmp_path: Path) -> None:
    write_files(tmp_path, {"requirements-dev.txt": "pytest-tornado\n"})
    (tmp_path / "app" / ".git").mkdir(parents=True)
    assert _check(tmp_path / "app", {}) == (1, INERT)


def test_a_plugin_installed_where_testlint_runs_counts_undeclared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    write_files(site, {"pytest_tornado-0.8.1.dist-info/METADATA": """
        Metadata-Version: 2.1
        Name: pytest-tornado
        Version: 0.8.1
        """})
    monkeypatch.syspath_prepend(str(site))
    installed_distributions.cache_clear()
    try:
        assert _check(tmp_path / "project", {}) == (0, "")
    finally:
        monkeypatch.undo()
        installed_distributions.cache_clear()


def test_a_new_declaration_invalidates_the_cached_result(tmp_path: Path) -> None:
    write_files(tmp_path, {"pytest.ini": "[pytest]\n", "tests/test_locks.py": ASYNC_TEST})
    first = run_cli(["check", "--select", "TL501", "tests"], tmp_path)
    assert (first.exit_code, first.stdout) == (1, INERT)
    write_files(tmp_path, {"requirements-test.txt": "pytest-tornado\n"})
    second = run_cli(["check", "--select", "TL501", "tests"], tmp_path)
    assert (second.exit_code, second.stdout) == (0, "")


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        ("pytest-asyncio>=0.23", "pytest-asyncio"),
        ("Pytest_Asyncio[testing] ; python_version < '3.13'", "pytest-asyncio"),
        ("pytest.asyncio @ https://example.org/p.whl", "pytest-asyncio"),
        ("git+https://github.com/x/pytest-tornado.git#egg=pytest_tornado", "pytest-tornado"),
        ("'anyio'", "anyio"),
        ("-e .[test]", None),
        ("./vendor/plugin", None),
        ("https://example.org/p.tar.gz", None),
        ("", None),
    ],
)
def test_requirement_names_are_normalised(spec: str, name: str | None) -> None:
    assert requirement_name(spec) == name


def test_unreadable_dependency_files_declare_nothing_and_never_raise(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": "[project\nname = ",
        "setup.py": "setup(install_requires=[",
        "setup.cfg": "[options\ninstall_requires = x",
        "Pipfile.lock": "{not json",
        "tox.ini": "[testenv]\ndeps = -r{env:REQS}\n",
        "requirements.txt": "-r missing.txt\n-r requirements.txt\npytest-tornado\n",
    })
    (tmp_path / ".git").mkdir()
    declared = DeclaredReader().for_directory(tmp_path, lambda path: None)
    assert sorted(declared.names) == ["pytest-tornado"]
    assert declared.where("pytest_tornado") == tmp_path / "requirements.txt"
