"""Discovery respects .gitignore, .git/info/exclude and .ignore files as ruff does, through the
CLI; and, on generated trees, agrees with git itself about which files are ignored."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from testlint.config import Config
from testlint.discovery import Discovery
from testlint.pytest_config import find_pytest_config
from tests.helpers import NO_ASSERTION, run_cli, write_files

EMPTY_TEST = "def test_nothing():\n    run()\n"
FIRST_LINE_NO_ASSERTION = f"1:5: {NO_ASSERTION}"
CHECK = ["check", "--select", "TL101", "--no-cache"]


def _report(*paths: str) -> str:
    return "".join(f"{path}:{FIRST_LINE_NO_ASSERTION}\n" for path in paths)


def _project(root: Path, files: dict[str, str], git: bool = True) -> Path:
    """A project of empty tests (names ending in .py) and ignore files; a git work tree unless
    `git` is false (a `.git` directory is all discovery looks for)."""
    write_files(root, {name: EMPTY_TEST if name.endswith(".py") else text
                       for name, text in files.items()})
    if git:
        (root / ".git").mkdir(exist_ok=True)
    return root


def test_an_ignored_directory_is_skipped_and_a_negated_file_kept(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        ".gitignore": "generated/\ntest_*_gen.py\n!test_keep_gen.py\n/test_top.py\n",
        "test_top.py": "",  # anchored: only the top-level one
        "tests/test_top.py": "",
        "tests/test_cart.py": "",
        "tests/generated/test_cart.py": "",
        "tests/test_orders_gen.py": "",
        "tests/test_keep_gen.py": "",
    })
    result = run_cli([*CHECK, "."], project)
    assert (result.exit_code, result.stdout) == (1, _report(
        "tests/test_cart.py", "tests/test_keep_gen.py", "tests/test_top.py"))


def test_a_deeper_gitignore_overrides_a_shallower_one(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        ".gitignore": "test_legacy_*.py\n",
        "tests/test_legacy_a.py": "",
        "tests/legacy/.gitignore": "!test_legacy_b.py\ntest_cart.py\n",
        "tests/legacy/test_legacy_b.py": "",
        "tests/legacy/test_legacy_c.py": "",
        "tests/legacy/test_cart.py": "",
        "tests/test_cart.py": "",
    })
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/legacy/test_legacy_b.py", "tests/test_cart.py")


def test_gitignore_files_above_the_walked_directory_count_up_to_the_work_tree(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, {".gitignore": "test_outside.py\n"})  # above the work tree
    project = _project(tmp_path / "repo", {
        ".gitignore": "**/fixtures/\n",
        "tests/test_outside.py": "",
        "tests/unit/test_cart.py": "",
        "tests/unit/fixtures/test_sample.py": "",
    })
    result = run_cli([*CHECK, "tests/unit"], project)
    assert result.stdout == _report("tests/unit/test_cart.py")
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_outside.py", "tests/unit/test_cart.py")


def test_git_info_exclude_applies_below_every_gitignore(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        ".git/info/exclude": "# local\nscratch/\ntest_mine_*.py\n",
        ".gitignore": "!test_mine_shared.py\n",
        "tests/scratch/test_try.py": "",
        "tests/test_mine_local.py": "",
        "tests/test_mine_shared.py": "",
    })
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_mine_shared.py")


def test_a_git_file_leads_to_the_git_directory_holding_info_exclude(tmp_path: Path) -> None:
    write_files(tmp_path, {"modules/repo/info/exclude": "test_local.py\n"})
    project = _project(tmp_path / "repo", {
        ".git": "gitdir: ../modules/repo\n",  # as in a submodule
        "tests/test_local.py": "",
        "tests/test_cart.py": "",
    }, git=False)
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_cart.py")


def test_gitignore_is_read_only_inside_a_git_work_tree_and_dot_ignore_everywhere(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path, {
        ".gitignore": "test_a.py\n",
        ".ignore": "test_b.py\n",
        "tests/test_a.py": "",
        "tests/test_b.py": "",
        "tests/test_c.py": "",
    }, git=False)
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_a.py", "tests/test_c.py")
    (project / ".git").mkdir()
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_c.py")


def test_a_dot_ignore_verdict_beats_a_gitignore_one(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        ".ignore": "!test_vendored_kept.py\n",
        "tests/.gitignore": "test_vendored_*.py\n",
        "tests/test_vendored_kept.py": "",
        "tests/test_vendored_other.py": "",
    })
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_vendored_kept.py")


def test_respect_gitignore_false_reads_no_ignore_file(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        "pyproject.toml": "[tool.testlint]\nrespect-gitignore = false\n",
        ".gitignore": "test_a.py\n",
        ".ignore": "test_b.py\n",
        ".git/info/exclude": "test_c.py\n",
        "tests/test_a.py": "",
        "tests/test_b.py": "",
        "tests/test_c.py": "",
    })
    result = run_cli([*CHECK, "tests"], project)
    assert result.stdout == _report("tests/test_a.py", "tests/test_b.py", "tests/test_c.py")


def test_respect_gitignore_must_be_a_boolean(tmp_path: Path) -> None:
    project = _project(tmp_path, {"pyproject.toml": '[tool.testlint]\nrespect-gitignore = "no"\n',
                                  "test_a.py": ""})
    result = run_cli([*CHECK, "test_a.py"], project)
    assert (result.exit_code, result.stderr) == (2, (
        f"testlint: error: {project / 'pyproject.toml'}: 'respect-gitignore' must be true or "
        "false\n"))


IGNORED_AND_EXCLUDED = {
    "pyproject.toml": '[tool.testlint]\nexclude = ["tests/legacy"]\n',
    ".gitignore": "build/\ntest_gen_*.py\n",
    "tests/test_gen_orders.py": "",
    "tests/legacy/test_old.py": "",
    "build/tests/test_copy.py": "",
    "tests/test_cart.py": "",
}


def test_files_named_explicitly_are_linted_even_when_ignored_or_excluded(tmp_path: Path) -> None:
    project = _project(tmp_path, IGNORED_AND_EXCLUDED)
    named = ["tests/test_gen_orders.py", "tests/legacy/test_old.py",
             "build/tests/test_copy.py", "tests/test_cart.py"]
    result = run_cli([*CHECK, *named], project)
    assert result.stdout == _report(*sorted(named))


def test_force_exclude_filters_files_named_explicitly(tmp_path: Path) -> None:
    project = _project(tmp_path, IGNORED_AND_EXCLUDED)
    named = ["tests/test_gen_orders.py", "tests/legacy/test_old.py",
             "build/tests/test_copy.py", "tests/test_cart.py"]
    result = run_cli([*CHECK, "--force-exclude", *named], project)
    assert (result.exit_code, result.stdout) == (1, _report("tests/test_cart.py"))
    result = run_cli([*CHECK, "--force-exclude", "tests/test_gen_orders.py"], project)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "testlint: no test files found under tests/test_gen_orders.py (pytest's "
        "python_files: test_*.py *_test.py)\n")


def test_a_directory_named_explicitly_is_walked_unless_force_exclude(tmp_path: Path) -> None:
    project = _project(tmp_path, IGNORED_AND_EXCLUDED)
    assert run_cli([*CHECK, "build/tests"], project).stdout == _report("build/tests/test_copy.py")
    assert run_cli([*CHECK, "--force-exclude", "build/tests"], project).stdout == ""
    # a walk from the top never enters it
    assert run_cli([*CHECK, "."], project).stdout == _report("tests/test_cart.py")


# ---- agreement with git ----------------------------------------------------------------------
# Small trees of test files with random .gitignore files (patterns from a vocabulary of git's
# constructs: negation, anchoring, directory-only, `**`, globs); discovery must keep exactly
# the test files `git ls-files --others --exclude-standard` lists.
DIRS = ["a", "b", "a/b", "b/a", "a/c", "c/a/b"]
FILES = ["test_x.py", "test_y.py", "test_xy.py"]
PATTERNS = [
    "test_x.py", "!test_x.py", "test_*.py", "!test_y.py", "test_x*.py", "/test_x.py", "a/",
    "!a/", "/a/", "a", "b/", "!b/", "a/b/", "**/b/", "a/**", "a/**/test_*.py", "!a/**",
    "b/test_x.py", "!b/test_x.py", "*/test_y.py", "c/", "!c/a/", "/c/a/b/", "*", "!*/",
    "!test_*.py", "**/a/test_y.py", "[ab]/", "test_?.py", "# a comment", "",
]
GIT_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git_not_ignored(root: Path) -> set[str]:
    subprocess.run(["git", "init", "-q"], cwd=root, env=GIT_ENV, check=True)
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "-z"],
        cwd=root, env=GIT_ENV, check=True, capture_output=True, text=True,
    ).stdout
    return {name for name in listed.split("\0") if name.endswith(".py")}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.sets(st.tuples(st.sampled_from(["", *DIRS]), st.sampled_from(FILES)),
                  min_size=1, max_size=10),
    ignores=st.dictionaries(
        st.sampled_from(["", *DIRS]),
        st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=4),
        min_size=1, max_size=3,
    ),
)
# pathspec's GitIgnoreSpec alone keeps this file; git does not re-include below an ignored dir
@example(files={("a", "test_x.py")}, ignores={"": ["a/", "!a/**"]})
def test_discovery_keeps_exactly_the_files_git_does_not_ignore(
    files: set[tuple[str, str]], ignores: dict[str, list[str]]
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        tree = {f"{d}/{name}".lstrip("/"): EMPTY_TEST for d, name in files}
        tree |= {f"{d}/.gitignore".lstrip("/"): "\n".join(lines) + "\n"
                 for d, lines in ignores.items()}
        write_files(root, tree)
        expected = _git_not_ignored(root)
        discovery = Discovery(Config(root=root), find_pytest_config([root]))
        found = {path.relative_to(root).as_posix() for path in discovery.files([root])}
        assert found == expected
