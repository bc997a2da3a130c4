"""The inference layer and the rules that look into the code under test, on real projects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import run_cli, write_files

from testlint.config import Config
from testlint.engine import lint_text, make_engine
from testlint.inference import Inference, for_project, source_roots, source_roots_digest
from testlint.project import Project
from testlint.pytest_config import find_pytest_config
from testlint.source import read_source

REPO = Path(__file__).resolve().parent.parent
PROJECTS = REPO / "fixtures" / "projects"
BILLING = PROJECTS / "billing"
MEMBERS = PROJECTS / "members"
INFERENCE_RULES = ("TL103", "TL105", "TL301", "TL302", "TL503", "TL504")
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>TL\d{3}(?:\s*,\s*TL\d{3})*)")
SRC = str(REPO / "src")


def _engine(root: Path, select: tuple[str, ...] = INFERENCE_RULES):
    # run as from the project's root: from another directory with no config file, pytest's
    # rootdir is the common ancestor of that directory and the project (/tmp for a clone
    # under /tmp), and the digest would walk every other test's temporary files
    pytest_config = find_pytest_config([root], invocation_dir=root)
    config = Config(root=root, select=select)
    return make_engine([root], config=config, pytest_config=pytest_config)


def _project_tests(project: Path) -> list[Path]:
    return sorted(project.rglob("test_*.py"))


def _expected(path: Path) -> set[tuple[int, str]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for code in re.split(r"\s*,\s*", match.group("codes")):
                found.add((number, code))
    return found


MIRRORING = PROJECTS / "mirroring"


@pytest.mark.parametrize(
    "path",
    [*_project_tests(BILLING), *_project_tests(MIRRORING)],
    ids=lambda p: str(p.relative_to(PROJECTS)),
)
def test_project_fixture_expectations(path: Path) -> None:
    """Lines marked `# expect:` fire exactly these rules, all other lines stay silent."""
    engine = _engine(MIRRORING if MIRRORING in path.parents else BILLING)
    actual = {(f.line, f.code) for f in engine.lint_path(path) if f.code != "TL000"}
    assert actual == _expected(path)


@pytest.mark.parametrize(
    "path", _project_tests(MEMBERS), ids=lambda p: str(p.relative_to(PROJECTS))
)
def test_members_project_expectations(path: Path) -> None:
    """Members, enum members and keywords of project classes: each `# expect:` line fires,
    every near miss (dynamic classes, mocks, fixtures shadowed, attributes set) stays silent."""
    engine = _engine(MEMBERS, ("TL503", "TL504"))
    actual = {(f.line, f.code) for f in engine.lint_path(path) if f.code != "TL000"}
    assert actual == _expected(path)


def test_member_messages_name_the_class_and_the_close_name(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pytest.ini": "[pytest]\n",
        "shop/__init__.py": "",
        "shop/retry.py": """
            from enum import Enum


            class Kind(Enum):
                RETRYABLE = 1


            class RetryHandler:
                def __init__(self, max_retries=3):
                    self.max_retries = max_retries

                def execute_with_retry(self, func):
                    return func()
            """,
        "tests/test_retry.py": """
            from shop.retry import Kind, RetryHandler


            def test_retry():
                handler = RetryHandler(max_retry=2)
                assert handler.with_retry(print) is None
                assert Kind.RETRYABLES
            """,
    })
    result = run_cli(["check", "--no-cache", "--select", "TL503", "tests"], tmp_path)
    assert result.stdout.splitlines() == [
        "tests/test_retry.py:5:28: TL503 `RetryHandler()` takes no keyword argument "
        "`max_retry` (did you mean `max_retries`?) (retry.py:8): the test fails with TypeError; "
        "pass a parameter it really accepts",
        "tests/test_retry.py:6:12: TL503 `RetryHandler` instance has no attribute `with_retry` "
        "(did you mean `execute_with_retry`?) (retry.py:8): the test fails with AttributeError; "
        "use a name the class really defines",
        "tests/test_retry.py:7:12: TL503 `Kind` has no member `RETRYABLES` (did you mean "
        "`RETRYABLE`?) (retry.py:4): the test fails with AttributeError; use a name the class "
        "really defines",
    ]


def test_billing_messages_name_the_function_and_place() -> None:
    result = run_cli(
        ["check", "--select", "TL301,TL302", "--exit-zero", "tests/test_mirroring.py",
         "tests/test_self_derived.py"],
        BILLING,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "tests/test_mirroring.py:17:33: TL301 expected value re-computes "
        "billing.summary.discount (summary.py:27), so it agrees with every bug there; use an "
        "independent oracle: a literal from the spec, a table of worked examples, or a property"
    )
    assert (
        "tests/test_mirroring.py:60:35: TL301 expected value re-computes "
        "billing.summary.build_summary (summary.py:31)"
    ) in result.stdout
    assert (
        "tests/test_self_derived.py:23:16: TL302 expected value comes from "
        "billing.summary._apply_rate, a private helper of the code under test (summary.py:21): "
        "when it is wrong both sides agree; write the expected value independently (a literal, "
        "a worked example)"
    ) in lines


def test_operation_messages_name_what_is_repeated_and_where() -> None:
    result = run_cli(
        ["check", "--select", "TL301,TL302", "--exit-zero", "tests/test_operations.py"],
        MIRRORING,
    )
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "tests/test_operations.py:31:16: TL301 expected value repeats the json.dumps(..., "
        "indent=, sort_keys=) that reports.core.to_json uses (core.py:18), so it agrees with "
        "every bug there; use an independent oracle: a literal from the spec, a table of worked "
        "examples, or a property"
    )
    assert (
        "tests/test_operations.py:58:31: TL301 expected value repeats the comprehension that "
        "reports.core.Parser.__init__ uses for `.sections` (core.py:83)"
    ) in result.stdout
    assert (
        "tests/test_operations.py:77:16: TL302 expected value comes from "
        "reports.core.parse_options (core.py:53), which reports.core.Parser.configure itself "
        "calls to compute its answer: when it is wrong both sides agree; write the expected "
        "value independently (a literal, a worked example)"
    ) in lines


def test_hallucinated_import_messages_suggest_the_real_name() -> None:
    result = run_cli(
        ["check", "--select", "TL503", "--exit-zero", "tests/test_imports.py"], BILLING
    )
    assert result.stdout.splitlines() == [
        "tests/test_imports.py:6:8: TL503 billing has no module or name `nosuchmodule`: the "
        "test fails at import; import a module that exists",
        "tests/test_imports.py:12:29: TL503 `build_sumary` is not defined in billing.summary "
        "(did you mean `build_summary`?): the test fails at import; use a name the module "
        "really defines",
        "tests/test_imports.py:14:1: TL503 billing has no module or name `sumary` (did you mean "
        "`summary`?): the test fails at import; import a module that exists",
        "tests/test_imports.py:24:12: TL503 `format_cent` is not defined in billing.money (did "
        "you mean `format_cents`?): the test fails with AttributeError; use a name the module "
        "really defines",
        "tests/test_imports.py:32:36: TL503 `Trolley` is not defined in billing.cart: the test "
        "fails at import; use a name the module really defines",
    ]


# ---- resolution ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def billing() -> Inference:
    return for_project(_engine(BILLING).project)


def test_source_roots_from_pythonpath_then_src_then_rootdir() -> None:
    roots = source_roots(_engine(BILLING).project)
    assert roots == ((BILLING / "src").resolve(), BILLING.resolve())


def test_configured_src_replaces_the_defaults(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "pyproject.toml": '[tool.testlint]\nsrc = ["lib"]\n',
        "lib/shop/__init__.py": "def price():\n    return 1\n",
        "src/decoy/__init__.py": "",
    })
    from testlint.config import load_config
    from testlint.registry import load_registry

    config = load_config(tmp_path, load_registry())
    engine = make_engine([tmp_path], config=config, pytest_config=find_pytest_config([tmp_path]))
    inference = for_project(engine.project)
    assert inference.source_roots == ((tmp_path / "lib").resolve(),)
    assert inference.resolve("shop.price").line == 1
    assert inference.resolve("decoy") is None


def test_a_rootdir_inside_packages_reads_the_code_its_tests_import(tmp_path: Path) -> None:
    """No pytest config, the tests in a package: pytest's rootdir is the test folder, and the
    first folder up without an __init__.py is on sys.path (prepend import mode)."""
    write_files(tmp_path, {
        "shop/__init__.py": "",
        "shop/prices.py": "import json\n\n\ndef dump(d):\n    return json.dumps(d, indent=2)\n",
        "tests/__init__.py": "",
        "tests/unit/__init__.py": "",
        "tests/unit/test_prices.py": (
            "import json\n\nfrom shop.prices import dump\n\n\n"
            "def test_dump():\n    assert dump({}) == json.dumps({}, indent=2)\n"
        ),
    })
    result = run_cli(["check", "--select", "TL301", "test_prices.py"], tmp_path / "tests" / "unit")
    assert result.stdout == (
        "test_prices.py:7:24: TL301 expected value repeats the json.dumps(..., indent=) that "
        "shop.prices.dump uses (prices.py:4), so it agrees with every bug there; use an "
        "independent oracle: a literal from the spec, a table of worked examples, or a property\n"
    )


def test_resolves_re_exports_to_the_defining_module(billing: Inference) -> None:
    found = billing.resolve("billing.discount")
    assert (found.qualname, found.kind, found.path.name, found.line) == (
        "billing.summary.discount", "function", "summary.py", 25
    )
    assert found.is_code_under_test


def test_resolves_methods_properties_and_submodules(billing: Inference) -> None:
    assert billing.resolve("billing.Cart.total").kind == "method"
    assert billing.resolve("billing.cart.Cart.count").kind == "property"
    assert billing.resolve("billing.plugins.vouchers.redeem").qualname == (
        "billing.plugins.vouchers.redeem"
    )
    assert billing.resolve("billing.compat.format_cents").qualname == "billing.money.format_cents"


def test_conditional_definitions_are_not_one_definition(billing: Inference) -> None:
    assert billing.resolve("billing.compat.new_api") is None
    assert billing.module_defines("billing.compat", "new_api") is True


def test_test_tree_is_not_code_under_test(billing: Inference) -> None:
    assert billing.is_code_under_test(BILLING / "src" / "billing" / "cart.py")
    assert not billing.is_code_under_test(BILLING / "tests" / "conftest.py")
    assert not billing.is_code_under_test(BILLING / "tests" / "test_imports.py")


def test_module_defines(billing: Inference) -> None:
    assert billing.module_defines("billing.summary", "build_summary") is True
    assert billing.module_defines("billing.summary", "build_sumary") is False
    assert billing.module_defines("billing", "plugins") is True  # a submodule
    assert billing.module_defines("billing.lazy", "anything") is None  # module __getattr__
    assert billing.module_defines("billing.compat", "split_evenly") is True  # star import
    assert billing.module_defines("pytest", "approx", installed=True) is True
    assert billing.module_defines("pytest", "approximately", installed=True) is False
    assert billing.module_defines("pytest", "approx") is None  # installed modules on request
    assert billing.module_defines("json", "loads", installed=True) is None  # stdlib: versions


def test_returns_value_for_assert_called_only(billing: Inference) -> None:
    """The API TL201 uses: does the code under test give its caller a value?"""
    assert billing.returns_value("billing.summary.discount") is True
    assert billing.returns_value("billing.cart.Cart.add") is False
    assert billing.returns_value("billing.Cart") is True
    assert billing.returns_value("billing.nothing_here") is None


def test_returns_value_of_a_call_in_a_test(billing: Inference) -> None:
    engine = _engine(BILLING)
    path = BILLING / "tests" / "test_mirroring.py"
    module = engine.facts_for(read_source(path), path)
    test = next(t for t in module.tests if t.name == "test_cart_total_literal")
    calls = {site.dotted: site.node for site in test.calls}
    assert billing.returns_value(calls["cart.total"], module, test) is True
    assert billing.returns_value(calls["Cart"], module, test) is True


def _digested(project: Project) -> list[tuple[str, int, int]]:
    from testlint.inference import _python_files, digest_roots

    roots = digest_roots(project)
    return [(str(root), 0, 0) for root in roots] + [
        entry for root in roots for entry in _python_files(root, project.pytest.python_files)]


def test_source_roots_digest_follows_source_edits_only(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "src/shop/__init__.py": "def price():\n    return 1\n",
        "tests/test_shop.py": "def test_price():\n    assert True\n",
    })
    project = _engine(tmp_path).project
    before = source_roots_digest(project)
    listed = _digested(project)
    (tmp_path / "tests" / "test_shop.py").write_text("def test_other():\n    assert 1\n")
    assert _digested(project) == listed  # what the digest reads, shown if it ever differs
    assert source_roots_digest(project) == before
    source = tmp_path / "src" / "shop" / "__init__.py"
    source.write_text("def price():\n    return 2  # changed\n")
    os.utime(source, ns=(1, 1))
    assert source_roots_digest(project) != before


# ---- laziness ------------------------------------------------------------------------------
_PROBE = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from testlint.config import Config
    from testlint.engine import make_engine
    from testlint.pytest_config import find_pytest_config

    root = Path(sys.argv[1])
    select = tuple(sys.argv[2].split(",")) if sys.argv[2] != "default" else None
    engine = make_engine([root], config=Config(root=root, select=select),
                         pytest_config=find_pytest_config([root]))
    count = sum(len(engine.lint_path(p)) for p in sorted(root.rglob("test_*.py")))
    print(count, "astroid" in sys.modules)
    """
)


def _probe(root: Path, select: str) -> tuple[int, bool]:
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(root), select],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.split()
    return int(out[0]), out[1] == "True"


def test_no_inference_rule_enabled_never_imports_astroid() -> None:
    # TL101, TL102 and TL103 read the code under test for a few candidates (a `check*` call
    # into the project, `assert Imported is not None`, a helper's body): inference rules now
    findings, imported = _probe(BILLING, "TL104,TL106,TL601,TL604")
    assert not imported
    assert findings > 0  # the rules ran and found something


def test_inference_rules_import_astroid_when_a_test_reaches_the_project() -> None:
    assert _probe(BILLING, "TL301") == (10, True)


def test_snippets_without_a_project_never_import_astroid() -> None:
    code = (
        "import sys; from testlint.engine import lint_text; "
        "f = lint_text('def f(x):\\n    return x * 2\\n\\ndef test_f():\\n"
        "    assert f(3) == 3 * 2\\n', select=['TL301']); "
        "print(len(f), 'astroid' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["1", "False"]


def test_rule_examples_show_the_implementation_beside_the_test() -> None:
    source = (
        "def area(width, height):\n    return width * height\n\n\n"
        "def test_area():\n    assert area(3, 4) == 3 * 4\n"
    )
    [finding] = lint_text(source, select=["TL301"])
    assert (finding.line, finding.col, finding.message.split(",")[0]) == (
        6, 26, "expected value re-computes test_example.area (test_example.py:2)"
    )


def test_the_folder_python_m_runs_from_is_not_an_installed_package(tmp_path: Path) -> None:
    # `python -m testlint` puts the current directory first on sys.path; a tests-only folder
    # there (pandas' tests unpacked from its wheel) must not pass for the installed package
    write_files(tmp_path, {
        "tablekit/tests/test_frame.py": (
            "from tablekit import Frame\n\n\ndef test_frame():\n    assert Frame().rows == 0\n"
        ),
    })
    env = {**os.environ, "PYTHONPATH": SRC, "CI": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "testlint", "check", "--no-cache", "--select", "TL503",
         "tablekit/tests"],
        cwd=tmp_path, capture_output=True, text=True, env=env, check=False,
    )
    assert (result.returncode, result.stdout) == (0, "")
