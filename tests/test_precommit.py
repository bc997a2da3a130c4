"""The pre-commit hooks through real pre-commit: `pre-commit try-repo` installs testlint from a
copy of this tree into its own environment (its dependencies from PyPI, once per test session)
and runs the hook on a temporary git repository; so does README's `.pre-commit-config.yaml`,
pointed at that copy and one of its commits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.helpers import NO_ASSERTION, write_files

HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")
GIT_IDENTITY = ["-c", "user.name=testlint tests", "-c", "user.email=tests@testlint.invalid",
                "-c", "commit.gpgsign=false"]


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env["PRE_COMMIT_COLOR"] = "never"
    return env


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


def _commit_all(repo: Path) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "snapshot")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (committed or not) as a git repository pre-commit can install from."""
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in HOOK_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, repo / name)
    _commit_all(repo)
    return repo


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # one store for the module: the hook environment is built once and reused
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    command = [executable] if executable else [sys.executable, "-m", "pre_commit"]
    return subprocess.run([*command, *args], cwd=cwd, env=_clean_env(home),
                          capture_output=True, text=True, timeout=600)


def try_repo(project: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    return pre_commit("try-repo", str(hook_repo), "testlint", "--all-files", "--color", "never",
                      cwd=project, home=home)


def _hook_report(output: str) -> str:
    """pre-commit's report for the hook: from its status line to the end."""
    start = output.index("testlint....")
    return output[start:]


def test_manifest_is_valid_for_pre_commit(tmp_path: Path) -> None:
    result = pre_commit("validate-manifest", str(REPO / ".pre-commit-hooks.yaml"),
                        cwd=REPO, home=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def _documented_config(page: Path) -> str:
    """The first ```yaml block under a page's "## pre-commit" heading."""
    section = page.read_text("utf-8").split("## pre-commit\n", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


README_CONFIG = _documented_config(REPO / "README.md")
CLONE_PLACEHOLDER = "<path or URL of your testlint clone>"
COMMIT_PLACEHOLDER = "<a commit sha of it (git rev-parse HEAD)>"


def test_the_readme_and_the_integrations_page_give_one_pre_commit_config() -> None:
    assert _documented_config(REPO / "docs" / "integrations.md") == README_CONFIG
    assert [line.strip() for line in README_CONFIG.splitlines()[1:3]] == [
        f"- repo: {CLONE_PLACEHOLDER}", f"rev: {COMMIT_PLACEHOLDER}"
    ]


def test_hook_fails_on_a_bad_test_and_the_readme_config_passes_a_clean_repo(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    bad = write_files(tmp_path / "bad", {
        "tests/test_cart.py": '''
            from shop import total


            def test_total():
                total([1, 2])
            ''',
        # every changed Python file reaches the hook; only what pytest collects is linted
        "tests/conftest.py": "def test_like_helper():\n    pass\n",
        "src/shop.py": "def total(values):\n    return sum(values)\n\n\n"
                       "def test_connection():\n    connect()\n",
        # generated tests, ignored but committed all the same: --force-exclude skips them
        ".gitignore": "generated/\n",
        "tests/generated/test_gen.py": "def test_gen():\n    gen()\n",
    })
    _commit_all(bad)
    _git(bad, "add", "-f", "tests/generated/test_gen.py")
    _git(bad, "commit", "-q", "-m", "generated")
    failed = try_repo(bad, hook_repo, pre_commit_home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert _hook_report(failed.stdout) == (
        "testlint" + "." * 65 + "Failed\n"
        "- hook id: testlint\n"
        "- exit code: 1\n"
        "\n"
        f"tests/test_cart.py:4:5: {NO_ASSERTION}\n"
        "\n"
    )

    clean = write_files(tmp_path / "clean", {
        "tests/test_cart.py": '''
            from shop import total


            def test_total():
                assert total([1, 2]) == 3
            ''',
    })
    # installed as README says, at a commit (try-repo above used the same repository and commit,
    # so the hook's environment is built once)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True,
                            text=True, check=True).stdout.strip()
    config = README_CONFIG.replace(CLONE_PLACEHOLDER, str(hook_repo))
    (clean / ".pre-commit-config.yaml").write_text(config.replace(COMMIT_PLACEHOLDER, commit))
    _commit_all(clean)
    passed = pre_commit("run", "--all-files", "--color", "never", cwd=clean,
                        home=pre_commit_home)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert _hook_report(passed.stdout) == "testlint" + "." * 65 + "Passed\n"
    # the result cache stays out of the user's way: ignored by git, nothing for pre-commit to see
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clean, capture_output=True,
                            text=True, check=True)
    assert status.stdout == ""
