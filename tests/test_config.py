"""[tool.testlint] and pytest's own configuration, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_files

EMPTY_TEST = "def test_nothing():\n    run()\n"


def _codes(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines()]


def _paths(stdout: str) -> list[str]:
    return [line.split(":")[0] for line in stdout.splitlines()]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('colour = "red"', "unknown key 'colour' in [tool.testlint]"),
        ('selct = ["TL1"]', "unknown key 'selct' in [tool.testlint] (did you mean 'select'?)"),
        ('select = ["TL999"]', "select: unknown rule code or prefix 'TL999'"),
        ('select = "TL1"', "'select' must be a list of strings"),
        ("broad-exceptions = 3", "'broad-exceptions' must be a list of strings"),
        ('per-file-ignores = { "x.py" = ["XX1"] }',
         "per-file-ignores 'x.py': unknown rule code or prefix 'XX1'"),
    ],
)
def test_config_errors_name_the_key_and_exit_2(tmp_path: Path, table: str, message: str) -> None:
    write_files(tmp_path, {"pyproject.toml": f"[tool.testlint]\n{table}\n",
                           "test_a.py": EMPTY_TEST})
    result = run_cli(["test_a.py"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr == f"testlint: error: {tmp_path / 'pyproject.toml'}: {message}\n"


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    write_files(tmp_path, {"testlint.toml": "select = [\n", "test_a.py": EMPTY_TEST})
    result = run_cli(["test_a.py"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"testlint: error: {tmp_path / 'testlint.toml'}: invalid TOML")
    assert result.stderr.count("\n") == 1


def test_select_and_ignore_from_config(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.testlint]\nselect = ["TL1"]\nignore = ["TL101"]\n',
        "test_a.py": "import pytest\n\ndef test_a():\n    run()\n\n"
                     "def test_b():\n    with pytest.raises(Exception):\n        run()\n",
    })
    assert _codes(run_cli(["test_a.py"], tmp_path).stdout) == ["TL104"]
    # the command line's --select replaces the config's
    assert _codes(run_cli(["--select", "TL101", "test_a.py"], tmp_path).stdout) == ["TL101"]


def test_rule_option_from_config(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.testlint]\nbroad-exceptions = ["KeyError"]\n',
        "test_a.py": "import pytest\n\ndef test_a():\n    with pytest.raises(KeyError):\n"
                     "        run()\n\ndef test_b():\n    with pytest.raises(ValueError):\n"
                     "        run()\n",
    })
    result = run_cli(["test_a.py"], tmp_path)
    assert result.stdout.splitlines()[0].startswith("test_a.py:4:10: TL104 pytest.raises(KeyError)")
    assert len(result.stdout.splitlines()) == 1


def test_per_file_ignores_and_exclude(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "testlint.toml": 'exclude = ["tests/data"]\n'
                         '[per-file-ignores]\n"tests/legacy/*" = ["TL101"]\n',
        "tests/legacy/test_old.py": EMPTY_TEST,
        "tests/data/test_sample.py": EMPTY_TEST,
        "tests/test_new.py": EMPTY_TEST,
    })
    assert _paths(run_cli(["tests"], tmp_path).stdout) == ["tests/test_new.py"]


def test_nearest_config_wins(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.testlint]\nignore = ["TL101"]\n',
        "sub/pyproject.toml": '[project]\nname = "sub"\n',  # no [tool.testlint]: skipped
        "sub/test_a.py": EMPTY_TEST,
    })
    assert run_cli(["sub"], tmp_path).stdout == ""


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pytest.ini", "[pytest]\npython_files = check_*.py\npython_functions = should_\n"),
        ("pyproject.toml",
         '[tool.pytest.ini_options]\npython_files = ["check_*.py"]\n'
         'python_functions = ["should_"]\n'),
        ("tox.ini", "[pytest]\npython_files = check_*.py\npython_functions = should_\n"),
        ("setup.cfg", "[tool:pytest]\npython_files = check_*.py\npython_functions = should_\n"),
    ],
)
def test_pytest_collection_settings_are_read_from_each_config_file(
    tmp_path: Path, name: str, text: str
) -> None:
    write_files(tmp_path, {
        name: text,
        "tests/check_cart.py": "def should_total():\n    run()\n\ndef test_ignored():\n    run()\n",
        "tests/test_cart.py": EMPTY_TEST,
    })
    result = run_cli(["tests"], tmp_path)
    assert result.stdout.splitlines() == [
        "tests/check_cart.py:1:5: TL101 test has no assertion: it only proves the code does not "
        "raise; assert on the result or the changed state (if not raising is the point, say so: "
        "a `_does_not_raise` name, a docstring, or `# noqa: TL101`)"
    ]


def test_python_classes_and_unittest_cases(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\npython_classes = Describe\n",
        "test_a.py": """
            import unittest

            class DescribeCart:
                def test_a(self):
                    run()

            class TestIgnored:
                def test_b(self):
                    run()

            class Legacy(unittest.TestCase):
                def test_c(self):
                    run()

            class DescribeWithInit:
                def __init__(self):
                    pass

                def test_d(self):
                    run()
            """,
    })
    result = run_cli(["--format", "json", "--select", "TL101", "test_a.py"], tmp_path)
    import json

    tests = [f["test"] for f in json.loads(result.stdout)]
    assert tests == ["DescribeCart.test_a", "Legacy.test_c"]
    # TL506 explains why DescribeWithInit's test is missing
    also = run_cli(["--select", "TL506", "test_a.py"], tmp_path)
    assert also.stdout == (
        "test_a.py:15:7: TL506 pytest does not collect `DescribeWithInit` because it has "
        "`__init__`: its 1 test(s) never run; build state in fixtures or setup_method instead\n"
    )


def test_ignored_pytest_section_is_reported(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[tool:pytest]\nmarkers = slow\n", "test_a.py": EMPTY_TEST,
    })
    result = run_cli(["--exit-zero", "test_a.py"], tmp_path)
    assert result.stderr == (
        "testlint: warning: pytest.ini: pytest ignores the [tool:pytest] section here "
        "(it reads [pytest])\n"
    )


def test_discovery_skips_vcs_venvs_build_and_norecursedirs(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\nnorecursedirs = fixtures\n",
        "tests/test_real.py": EMPTY_TEST,
        "tests/fixtures/test_sample.py": EMPTY_TEST,
        ".git/test_git.py": EMPTY_TEST,
        "env/pyvenv.cfg": "home = /usr\n",
        "env/lib/test_site.py": EMPTY_TEST,
        "build/test_built.py": EMPTY_TEST,
        "node_modules/test_js.py": EMPTY_TEST,
        "tests/helpers.py": EMPTY_TEST,
    })
    assert _paths(run_cli(["."], tmp_path).stdout) == ["tests/test_real.py"]


def test_explicit_file_is_linted_unless_only_test_files(tmp_path: Path) -> None:
    write_files(tmp_path, {"helpers.py": EMPTY_TEST})
    assert _paths(run_cli(["helpers.py"], tmp_path).stdout) == ["helpers.py"]
    assert run_cli(["--only-test-files", "helpers.py"], tmp_path).stdout == ""
