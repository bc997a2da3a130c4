"""`--fix` and `--diff`: exact output, files that keep their bytes, rollbacks, convergence."""

from __future__ import annotations

import ast
import codecs
import os
import types
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testlint.config import Config
from testlint.engine import Engine, lint_text, make_engine
from testlint.finding import Edit, Fix
from testlint.fix import EditError, apply_edits, fix_file, fix_source, unified_diff
from testlint.project import Project
from testlint.pytest_config import PytestConfig
from testlint.rules.base import RuleContext, rule_from_module
from testlint.source import parse_text
from tests.helpers import examples, run_cli

MISSPELLED = (
    "import pytest\n"
    "\n"
    "\n"
    '@pytest.mark.parametrise("n", [1, 2])\n'
    "def test_double(n):\n"
    "    assert n * 2 == n + n\n"
)
FIXED = MISSPELLED.replace("parametrise", "parametrize")
RENAMED = "test_a.py:4:14: TL502 fixed: rename marker 'parametrise' to 'parametrize'\n"


def _write(tmp_path: Path, data: bytes, name: str = "test_a.py") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_fix_renames_the_marker_and_keeps_crlf_endings(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.replace("\n", "\r\n").encode())
    result = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == RENAMED + "Fixed 1 finding in 1 file, 0 remaining.\n"
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_a_second_fix_changes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    run_cli(["check", "--fix", "test_a.py"], tmp_path)
    inode = path.stat().st_ino
    second = run_cli(["check", "--fix", "test_a.py"], tmp_path)
    assert (second.exit_code, second.stdout) == (0, "")
    assert second.stderr == "Fixed 0 findings in 0 files, 0 remaining.\n"
    assert (path.read_bytes(), path.stat().st_ino) == (FIXED.encode(), inode)


def test_diff_previews_and_writes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    result = run_cli(["check", "--diff", "test_a.py"], tmp_path)
    assert result.stdout == (
        "--- test_a.py\n"
        "+++ test_a.py\n"
        "@@ -1,6 +1,6 @@\n"
        " import pytest\n"
        " \n"
        " \n"
        '-@pytest.mark.parametrise("n", [1, 2])\n'
        '+@pytest.mark.parametrize("n", [1, 2])\n'
        " def test_double(n):\n"
        "     assert n * 2 == n + n\n"
    )
    assert (result.exit_code, result.stderr) == (1, "Would fix 1 finding in 1 file.\n")
    assert path.read_bytes() == MISSPELLED.encode()


def test_diff_with_nothing_to_fix_exits_0(tmp_path: Path) -> None:
    _write(tmp_path, FIXED.encode())
    result = run_cli(["check", "--diff", "test_a.py"], tmp_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "Would fix 0 findings in 0 files.\n",
    )


def test_a_file_with_a_syntax_error_is_never_touched(tmp_path: Path) -> None:
    broken = b"import pytest\n\n@pytest.mark.parametrise('n', [1])\ndef test_x(:\n    pass\n"
    path = _write(tmp_path, broken)
    result = run_cli(["check", "--fix", "test_a.py"], tmp_path)
    assert result.stdout == (
        "test_a.py:4:12: TL000 could not analyse: syntax error: invalid syntax\n"
    )
    assert (result.exit_code, path.read_bytes()) == (1, broken)


def test_fix_reports_what_is_left(tmp_path: Path) -> None:
    header = "import pytest\n\npytestmark = pytest.mark.slow\n"
    marked = MISSPELLED.replace("import pytest\n", header)
    path = _write(tmp_path, marked.encode())
    result = run_cli(["check", "--select", "TL5", "--fix", "test_a.py"], tmp_path)
    assert result.stdout.startswith("test_a.py:3:26: TL501 unregistered marker 'slow': ")
    assert result.stderr == (
        "test_a.py:6:14: TL502 fixed: rename marker 'parametrise' to 'parametrize'\n"
        "Fixed 1 finding in 1 file, 1 remaining.\n"
    )
    assert (result.exit_code, "parametrize" in path.read_text()) == (1, True)


def test_unsafe_fixes_only_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.replace("parametrise(\"n\", [1, 2])", "timout(3)").encode())
    safe_only = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], tmp_path)
    assert safe_only.stderr == (
        "Fixed 0 findings in 0 files, 1 remaining (1 more fix available with --unsafe-fixes).\n"
    )
    assert "timout" in path.read_text()
    unsafe = run_cli(["check", "--select", "TL502", "--fix", "--unsafe-fixes", "test_a.py"],
                     tmp_path)
    assert (unsafe.exit_code, "@pytest.mark.timeout(3)" in path.read_text()) == (0, True)


def test_encoding_bom_and_cookie_are_kept(tmp_path: Path) -> None:
    bom = _write(tmp_path, codecs.BOM_UTF8 + MISSPELLED.replace("n + n", "n + n  # café").encode())
    latin = _write(
        tmp_path,
        ("# -*- coding: latin-1 -*-\n" + MISSPELLED + "# café\n").encode("latin-1"),
        "test_b.py",
    )
    run_cli(["check", "--fix", "test_a.py", "test_b.py"], tmp_path)
    assert bom.read_bytes() == codecs.BOM_UTF8 + FIXED.replace("n + n", "n + n  # café").encode()
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n" + FIXED + "# café\n").encode(
        "latin-1"
    )


# ---- the machinery, with rules made up for the occasion ------------------------------------


def _engine(tmp_path: Path, check) -> Engine:  # type: ignore[no-untyped-def]
    module = types.ModuleType("fake_rule")
    module.__doc__ = "A rule for tests."
    module.CODE, module.NAME, module.DEFAULT_ENABLED, module.FIX = "TL999", "fake", False, "safe"
    module.check = check
    project = Project(config=Config(root=tmp_path), pytest=PytestConfig(rootdir=tmp_path))
    return Engine(project=project, rules=[rule_from_module(module)])


def _breaks_the_file(ctx: RuleContext) -> None:
    ctx.report_at(1, 1, "bad", fix=Fix("break", (Edit(1, 1, 1, 7, "imp ort"),)))


def _never_settles(ctx: RuleContext) -> None:
    line = ctx.module.source.line(1)
    end = len(line) + 1
    ctx.report_at(1, 1, "grow", fix=Fix("grow", (Edit(1, end, 1, end, "_x"),)))


def test_a_fix_that_breaks_the_file_is_rolled_back(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    result = fix_file(_engine(tmp_path, _breaks_the_file), path, "test_a.py")
    assert result.error == (
        "fixing TL999 would break the file (syntax error: invalid syntax at line 1); "
        "left unchanged"
    )
    assert (result.changed, result.written) == (False, False)
    assert path.read_bytes() == MISSPELLED.encode()


def test_fixes_that_never_settle_are_rolled_back(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    result = fix_file(_engine(tmp_path, _never_settles), path, "test_a.py")
    assert result.error == "fixes did not settle after 10 rounds; left unchanged"
    assert path.read_bytes() == MISSPELLED.encode()


def test_apply_edits_splices_exactly() -> None:
    text = "ab\r\ncd\r\nef"
    edits = [Edit(1, 2, 2, 2, "X\nY"), Edit(3, 3, 3, 3, "!"), Edit(3, 1, 3, 2, "E")]
    assert apply_edits(text, edits, "\r\n") == "aX\r\nYd\r\nEf!"
    with pytest.raises(EditError, match="overlap"):
        apply_edits(text, [Edit(1, 1, 1, 3, ""), Edit(1, 2, 1, 3, "")])
    with pytest.raises(EditError, match="column 9 is outside line 1"):
        apply_edits(text, [Edit(1, 9, 1, 9, "")])


def test_unified_diff_marks_a_missing_final_newline() -> None:
    assert unified_diff("a.py", "x = 1", "x = 2") == (
        "--- a.py\n+++ a.py\n@@ -1 +1 @@\n-x = 1\n\\ No newline at end of file\n"
        "+x = 2\n\\ No newline at end of file\n"
    )


# ---- properties: fixes converge, the result parses, and fixing is idempotent -----------------

MARKS = st.sampled_from([
    "parametrise", "parameterize", "skip_if", "skipIf", "xfial", "xfails", "usefixture",
    "filterwarning", "timout", "asynio", "parametrize", "skip", "slow", "Skip", "xfail",
])
PLACES = st.sampled_from(["decorator", "pytestmark", "param", "class"])


def _module(marks: list[tuple[str, str]], newline: str) -> str:
    lines = ["import pytest", "from pytest import mark as m", ""]
    for i, (name, place) in enumerate(marks):
        if place == "decorator":
            lines += [f"@pytest.mark.{name}", f"def test_{i}():", "    assert 1 + 1 == 2"]
        elif place == "pytestmark":
            lines += [f"pytestmark = [m.{name}, pytest.mark.{name}(1)]"]
        elif place == "param":
            lines += [f"CASES_{i} = [pytest.param(1, marks=pytest.mark.{name}), 2]"]
        else:
            lines += [f"@pytest.mark.{name}", f"class TestC{i}:",
                      f"    pytestmark = pytest.mark.{name}", "    def test_a(self):",
                      "        assert 1 + 1 == 2"]
        lines.append("")
    return newline.join(lines) + newline


def _snippet_engine(select: tuple[str, ...] = ("TL5",)) -> Engine:
    root = Path("/__testlint_snippet__")
    return make_engine([root], config=Config(root=root, select=select),
                       pytest_config=PytestConfig(rootdir=root))


@settings(max_examples=examples(40), deadline=None)
@given(marks=st.lists(st.tuples(MARKS, PLACES), min_size=1, max_size=6),
       newline=st.sampled_from(["\n", "\r\n"]), unsafe=st.booleans())
def test_fixes_converge_reparse_and_are_idempotent(
    marks: list[tuple[str, str]], newline: str, unsafe: bool
) -> None:
    engine = _snippet_engine()
    text = _module(marks, newline)
    first = fix_source(engine, parse_text("test_p.py", text), Path("test_p.py"), unsafe=unsafe)
    assert first.error is None
    ast.parse(first.after)
    assert first.after.count(newline) == text.count(newline)
    assert not [f for f in first.remaining if f.fix and (f.fix.safe or unsafe)]
    second = fix_source(engine, parse_text("test_p.py", first.after), Path("test_p.py"),
                        unsafe=unsafe)
    assert (second.after, second.fixed) == (first.after, [])


UNSAFE_RULES = ("TL107", "TL109", "TL403")
# statements of a test body: fixable ones, ones with no certain cure, and mixtures whose fixes
# meet on one line (TL109 renames the method while TL403 quotes its argument)
STATEMENTS = st.sampled_from([
    "x == 1", "(x ==\n        1)", "not x == 1  # why", "y = 1; y == 2", "if x: x == 1",
    "with ctx:\n        x < 2", "x == 1;", "m.send.assert_called_once",
    "assert m.send.assert_called", "m.send.assert_called_once_wiht(1)",
    "assert m.send.called_once_with(1)",
    "m.send.not_called()", "assert m.send.not_called", "m.send.assert_n_called()",
    "assert m.send.asert_called_with(1), 'why'", "assert (m.send.assert_called_once)",
    "assert Decimal(0.1) == Decimal(-1_000.10)", "v = Decimal(1e-2)", "v = Decimal(0.1 * 3)",
    "v = Decimal(- 0.1)", "Decimal(0.1) == Decimal(0.2)", "m.send.assert_caled(Decimal(0.1))",
    "assert m.send.called_once_with(Decimal(0.3))", "m.send.called_with(x == 1)",
    "if m.send.called: m.send.assert_called_once",
])


def _test_body(statements: list[str], newline: str) -> str:
    lines = ["from decimal import Decimal", "from unittest import mock", "", "",
             "def test_x(ctx):", "    m = mock.Mock()", "    x = 1"]
    lines += [f"    {statement}" for statement in statements]
    return newline.join(lines).replace("\n", newline) + newline


@settings(max_examples=examples(40), deadline=None)
@given(statements=st.lists(STATEMENTS, min_size=1, max_size=6),
       newline=st.sampled_from(["\n", "\r\n"]), unsafe=st.booleans())
def test_unsafe_fixes_converge_reparse_and_are_idempotent(
    statements: list[str], newline: str, unsafe: bool
) -> None:
    engine = _snippet_engine(UNSAFE_RULES)
    text = _test_body(statements, newline)
    first = fix_source(engine, parse_text("test_p.py", text), Path("test_p.py"), unsafe=unsafe)
    assert first.error is None
    compile(first.after, "test_p.py", "exec")
    assert first.after.count(newline) == text.count(newline)
    assert not [f for f in first.remaining if f.fix and (f.fix.safe or unsafe)]
    if not unsafe:  # every fix of these rules is unsafe
        assert (first.after, first.fixed) == (text, [])
    second = fix_source(engine, parse_text("test_p.py", first.after), Path("test_p.py"),
                        unsafe=unsafe)
    assert (second.after, second.fixed) == (first.after, [])


# hypothesmith compiles what it generates: its SyntaxWarnings are not ours
@pytest.mark.filterwarnings("ignore::SyntaxWarning")
@settings(max_examples=examples(20), deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_fixing_any_module_keeps_it_parseable(source: str) -> None:
    text = source + "\n\nimport pytest\n\n@pytest.mark.xfial\ndef test_zz():\n    assert 1\n"
    text += _test_body(["x == 1", "assert m.a.assert_called", "v = Decimal(0.1)"], "\n")
    try:
        parsed = parse_text("test_g.py", text)
    except Exception:  # the generated module and the appended test may not combine
        return
    engine = _snippet_engine(("TL5", *UNSAFE_RULES))
    result = fix_source(engine, parsed, Path("test_g.py"), unsafe=True)
    ast.parse(result.after)
    assert result.error is None


# ---- unsafe fixes: TL107 (add `assert`), TL109 (call / rename the mock assertion), TL403 ------

UNSAFE_CASES = {
    "TL107": (
        "def test_total(cart):\n"
        '    cart.add("apple", quantity=3)  # three apples\n'
        "    cart.total() == 150  # in cents\n"
        "    (cart.size ==\n"
        "        1)\n"
        "    not cart.is_empty() == False\n",
        "@@ -1,6 +1,6 @@\n"
        " def test_total(cart):\n"
        '     cart.add("apple", quantity=3)  # three apples\n'
        "-    cart.total() == 150  # in cents\n"
        "-    (cart.size ==\n"
        "+    assert cart.total() == 150  # in cents\n"
        "+    assert (cart.size ==\n"
        "         1)\n"
        "-    not cart.is_empty() == False\n"
        "+    assert not cart.is_empty() == False\n",
        3,
    ),
    "TL109": (
        "from unittest import mock\n"
        "\n"
        "\n"
        "def test_sends_receipt():\n"
        "    mailer = mock.Mock()\n"
        "    checkout(mailer)\n"
        '    mailer.send.assert_called_once_wiht("ada@example.com")\n'
        "    assert mailer.close.assert_called_once\n"
        '    mailer.log.called_with("sent")  # the audit line\n'
        "    assert mailer.quit.not_called\n",
        "@@ -4,7 +4,7 @@\n"
        " def test_sends_receipt():\n"
        "     mailer = mock.Mock()\n"
        "     checkout(mailer)\n"
        '-    mailer.send.assert_called_once_wiht("ada@example.com")\n'
        "-    assert mailer.close.assert_called_once\n"
        '-    mailer.log.called_with("sent")  # the audit line\n'
        "-    assert mailer.quit.not_called\n"
        '+    mailer.send.assert_called_once_with("ada@example.com")\n'
        "+    mailer.close.assert_called_once()\n"
        '+    mailer.log.assert_called_with("sent")  # the audit line\n'
        "+    mailer.quit.assert_not_called()\n",
        4,
    ),
    "TL403": (
        "from decimal import Decimal as D\n"
        "\n"
        "\n"
        "def test_discount():\n"
        "    assert apply_discount(D(19.99), percent=10) == D(-1_000.10) + D(1e-2)\n",
        "@@ -2,4 +2,4 @@\n"
        " \n"
        " \n"
        " def test_discount():\n"
        "-    assert apply_discount(D(19.99), percent=10) == D(-1_000.10) + D(1e-2)\n"
        '+    assert apply_discount(D("19.99"), percent=10) == D("-1_000.10") + D("1e-2")\n',
        3,
    ),
}


AFTER = {
    "TL107": UNSAFE_CASES["TL107"][0]
    .replace("    cart.total()", "    assert cart.total()")
    .replace("    (cart.size", "    assert (cart.size")
    .replace("    not cart", "    assert not cart"),
    "TL109": UNSAFE_CASES["TL109"][0]
    .replace("_wiht(", "_with(")
    .replace("assert mailer.close.assert_called_once", "mailer.close.assert_called_once()")
    .replace(".log.called_with", ".log.assert_called_with")
    .replace("assert mailer.quit.not_called", "mailer.quit.assert_not_called()"),
    "TL403": UNSAFE_CASES["TL403"][0]
    .replace("D(19.99)", 'D("19.99")')
    .replace("D(-1_000.10)", 'D("-1_000.10")')
    .replace("D(1e-2)", 'D("1e-2")'),
}


@pytest.mark.parametrize("code", sorted(UNSAFE_CASES))
def test_unsafe_diff_shows_exactly_the_fixes(tmp_path: Path, code: str) -> None:
    before, diff, count = UNSAFE_CASES[code]
    path = _write(tmp_path, before.encode())
    result = run_cli(["check", "--select", code, "--diff", "--unsafe-fixes", "test_a.py"],
                     tmp_path)
    assert result.stdout == "--- test_a.py\n+++ test_a.py\n" + diff
    assert (result.exit_code, result.stderr) == (1, f"Would fix {count} findings in 1 file.\n")
    assert path.read_bytes() == before.encode()


@pytest.mark.parametrize("code", sorted(UNSAFE_CASES))
def test_unsafe_fixes_are_held_back_and_counted_without_the_option(
    tmp_path: Path, code: str
) -> None:
    before, _, count = UNSAFE_CASES[code]
    path = _write(tmp_path, before.encode())
    result = run_cli(["check", "--select", code, "--fix", "test_a.py"], tmp_path)
    assert result.stderr == (
        f"Fixed 0 findings in 0 files, {count} remaining "
        f"({count} more fixes available with --unsafe-fixes).\n"
    )
    assert [line.split(" ")[1] for line in result.stdout.splitlines()] == [code] * count
    assert (result.exit_code, path.read_bytes()) == (1, before.encode())
    preview = run_cli(["check", "--select", code, "--diff", "test_a.py"], tmp_path)
    assert (preview.exit_code, preview.stdout, preview.stderr) == (
        0, "", f"Would fix 0 findings in 0 files ({count} more fixes available with "
               "--unsafe-fixes).\n",
    )


@pytest.mark.parametrize("code", sorted(UNSAFE_CASES))
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_unsafe_fixes_write_the_file_and_leave_nothing_to_report(
    tmp_path: Path, code: str, newline: str
) -> None:
    before, _, count = UNSAFE_CASES[code]
    path = _write(tmp_path, before.replace("\n", newline).encode())
    result = run_cli(["check", "--select", code, "--fix", "--unsafe-fixes", "test_a.py"],
                     tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.endswith(f"Fixed {count} findings in 1 file, 0 remaining.\n")
    assert path.read_bytes() == AFTER[code].replace("\n", newline).encode()
    again = run_cli(["check", "--select", code, "test_a.py"], tmp_path)
    assert (again.exit_code, again.stdout) == (0, "")


def test_unsafe_fix_notes_say_what_each_fix_did(tmp_path: Path) -> None:
    _write(tmp_path, UNSAFE_CASES["TL109"][0].encode())
    result = run_cli(["check", "--select", "TL109", "--fix", "--unsafe-fixes", "test_a.py"],
                     tmp_path)
    assert result.stderr == (
        "test_a.py:7:5: TL109 fixed: rename `.assert_called_once_wiht` to "
        "`.assert_called_once_with`\n"
        "test_a.py:8:5: TL109 fixed: drop `assert`, add `()`\n"
        "test_a.py:9:5: TL109 fixed: rename `.called_with` to `.assert_called_with`\n"
        "test_a.py:10:5: TL109 fixed: drop `assert`, rename `.not_called` to "
        "`.assert_not_called`, add `()`\n"
        "Fixed 4 findings in 1 file, 0 remaining.\n"
    )


NO_FIX_CASES = {
    # statements that share a line: `assert` cannot go in front of them alone
    "TL107": "def test_total(cart):\n    n = cart.size; n == 1\n    if n: cart.total() == 150\n",
    # no suggestion, two equally close ones, a message that would be lost, a bare `()` that
    # would drop the arguments the real method needs
    "TL109": (
        "from unittest import mock\n\n\ndef test_sends():\n    m = mock.Mock()\n    run(m)\n"
        "    m.send.assert_called_twice()\n"
        "    m.send.assert_n_called()\n"
        '    assert m.close.called_once_with(1), "closed once"\n'
        "    assert m.close.called_with\n"
    ),
    # a name, an expression, a literal written with spaces inside
    "TL403": (
        "from decimal import Decimal\n\nRATE = 0.1\n\n\ndef test_rate():\n"
        "    assert Decimal(RATE) != Decimal(0.1 * 3) != Decimal(- 0.1)\n"
    ),
}


NO_FIX_AT = {
    "TL107": [(2, 20), (3, 11)],
    "TL109": [(7, 5), (8, 5), (9, 12), (10, 5)],
    "TL403": [(7, 12), (7, 29), (7, 49)],
}


@pytest.mark.parametrize("code", sorted(NO_FIX_CASES))
def test_findings_without_a_certain_cure_get_no_fix(tmp_path: Path, code: str) -> None:
    source = NO_FIX_CASES[code]
    findings = lint_text(source, select=[code])
    assert [(f.line, f.col, f.fix) for f in findings] == [
        (line, col, None) for line, col in NO_FIX_AT[code]
    ]
    path = _write(tmp_path, source.encode())
    result = run_cli(["check", "--select", code, "--fix", "--unsafe-fixes", "test_a.py"],
                     tmp_path)
    assert result.stderr == f"Fixed 0 findings in 0 files, {len(findings)} remaining.\n"
    assert path.read_bytes() == source.encode()


def test_a_tie_names_both_methods_in_a_stable_order() -> None:
    source = NO_FIX_CASES["TL109"]
    messages = [f.message for f in lint_text(source, select=["TL109"])]
    assert messages[1] == (
        "`.assert_n_called` is a misspelt mock assertion (did you mean `.assert_called` or "
        "`.assert_not_called`?): it errors, or on some mocks silently checks nothing"
    )


def test_a_plain_check_says_how_many_findings_fix_would_settle(tmp_path: Path) -> None:
    _write(tmp_path, (
        MISSPELLED + "\n\ndef test_half():\n    2 / 2 == 1\n\n\ndef test_call():\n    round(2.5)\n"
    ).encode())
    shown = run_cli(["check", "--select", "TL502,TL107", "test_a.py"], tmp_path)
    assert (shown.exit_code, shown.stderr) == (
        1, "1 fixable with `--fix` (1 more with `--fix --unsafe-fixes`).\n"
    )
    only_unsafe = run_cli(["check", "--select", "TL107", "test_a.py"], tmp_path)
    assert only_unsafe.stderr == "1 fixable with `--fix --unsafe-fixes`.\n"
    # machine-readable output, and findings with no fix (TL101 on test_call), add nothing
    as_json = run_cli(["check", "--select", "TL502", "--format", "json", "test_a.py"], tmp_path)
    unfixable = run_cli(["check", "--select", "TL101", "test_a.py"], tmp_path)
    assert (as_json.stderr, unfixable.stderr, unfixable.exit_code) == ("", "", 1)


# ---- what a write must respect: mode, owner, hard links, edits made meanwhile ----------------

TL502_LINE = "test_a.py:4:14: TL502 "


def test_a_read_only_file_is_refused_and_keeps_its_findings(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    path.chmod(0o444)
    result = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], tmp_path)
    assert result.stderr == (
        "testlint: error: test_a.py: the file is read-only; left unchanged\n"
        "Fixed 0 findings in 0 files, 1 remaining.\n"
    )
    assert (result.exit_code, result.stdout.startswith(TL502_LINE)) == (1, True)
    assert (path.read_bytes(), oct(path.stat().st_mode & 0o777)) == (MISSPELLED.encode(), "0o444")


def test_fix_keeps_hard_links_and_the_mode(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    path.chmod(0o640)
    other = tmp_path / "linked.txt"
    other.hardlink_to(path)
    result = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], tmp_path)
    assert (result.exit_code, result.stderr) == (0, RENAMED + "Fixed 1 finding in 1 file, "
                                                 "0 remaining.\n")
    assert other.read_bytes() == FIXED.encode()  # one file under two names, still
    assert (path.samefile(other), path.stat().st_nlink) == (True, 2)
    assert oct(path.stat().st_mode & 0o777) == "0o640"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="only root can give a file to another user")
def test_fix_run_as_root_keeps_the_owner(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    os.chown(path, 65534, 65534)
    result = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], tmp_path)
    assert result.exit_code == 0
    info = path.stat()
    assert (path.read_bytes(), info.st_uid, info.st_gid) == (FIXED.encode(), 65534, 65534)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes in a read-only directory")
def test_a_file_in_a_read_only_directory_is_counted_as_remaining(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    _write(folder, MISSPELLED.encode())
    folder.chmod(0o555)
    try:
        result = run_cli(["check", "--select", "TL502", "--fix", "test_a.py"], folder)
    finally:
        folder.chmod(0o755)
    assert result.stderr == (
        "testlint: error: test_a.py: cannot write: Permission denied; left unchanged\n"
        "Fixed 0 findings in 0 files, 1 remaining.\n"
    )
    assert (result.exit_code, result.stdout.startswith(TL502_LINE)) == (1, True)


def _edits_the_file_meanwhile(ctx: RuleContext) -> None:
    """A rule that, like an editor saving while testlint works, changes the file it lints."""
    path = Path(ctx.module.path)
    if path.read_text(encoding="utf-8") == MISSPELLED:
        path.write_text(MISSPELLED + "# saved by the user\n", encoding="utf-8")
    if ctx.module.source.line(1) != "# fixed":
        ctx.report_at(1, 1, "mark", fix=Fix("mark", (Edit(1, 1, 1, 1, "# fixed\n"),)))


def test_an_edit_made_while_fixing_wins(tmp_path: Path) -> None:
    path = _write(tmp_path, MISSPELLED.encode())
    result = fix_file(_engine(tmp_path, _edits_the_file_meanwhile), path, str(path))
    assert result.error == "the file changed since it was read; left unchanged"
    assert (result.written, result.fixed, len(result.remaining)) == (False, [], 1)
    assert path.read_text(encoding="utf-8") == MISSPELLED + "# saved by the user\n"
