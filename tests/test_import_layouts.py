"""Project layouts where a module name is not simply a folder at the rootdir: namespace
portions, regular packages further down the path, nested projects. Each runs through the CLI;
what exists must never be reported missing, and what could resolve in more than one place is
left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write_files

NO_TABLE = "[project]\nname = 'workspace'\n"

LAYOUTS: dict[str, dict[str, str]] = {
    # the tests of a package unpacked from its wheel under a root pyproject.toml: `tablekit/`
    # has no __init__.py, and what `tablekit` is comes from an install testlint cannot see
    "tests-unpacked-without-the-package": {
        "pyproject.toml": NO_TABLE,
        "tablekit/tests/__init__.py": "",
        "tablekit/tests/frame/__init__.py": "",
        "tablekit/tests/frame/common.py": "def make():\n    return 1\n",
        "tablekit/tests/frame/test_api.py": """
            import tablekit as tk
            import tablekit._testing as tm
            from tablekit import DataFrame
            from tablekit.core.frame import DataFrame as Frame
            from tablekit.tests.frame.common import make


            def test_frame():
                assert tk.DataFrame() == DataFrame() == Frame()
                assert tm.assert_frame_equal(make(), 1) is None
            """,
    },
    # a regular package in a later root wins over a namespace portion in an earlier one
    "regular-package-beats-an-earlier-portion": {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["lib"]\n',
        "lib/shop/extras.py": "def gift():\n    return 1\n",
        "src/shop/__init__.py": "from shop.core import price\n",
        "src/shop/core.py": "def price():\n    return 2\n",
        "tests/test_shop.py": """
            import shop.core
            from shop import price


            def test_price():
                assert price() == shop.core.price() == 2
            """,
    },
    # portions of one namespace package in two roots merge
    "portions-merge": {
        "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["lib", "src"]\n',
        "lib/acme/shipping.py": "def ship():\n    return 1\n",
        "src/acme/billing.py": "def bill():\n    return 2\n",
        "tests/test_acme.py": """
            import acme.shipping
            from acme.billing import bill


            def test_acme():
                assert acme.shipping.ship() + bill() == 3
            """,
    },
    # a uv workspace: the member project sits in a folder named like its package, with its
    # own pyproject.toml and src/ layout, and a conftest.py beside them
    "nested-project-named-like-its-package": {
        "pyproject.toml": NO_TABLE + "\n[tool.uv.workspace]\nmembers = ['mylib']\n",
        "mylib/pyproject.toml": "[project]\nname = 'mylib'\n",
        "mylib/conftest.py": "",
        "mylib/src/mylib/__init__.py": "",
        "mylib/src/mylib/core.py": "def double(x):\n    return 2 * x\n",
        "mylib/tests/test_core.py": """
            from mylib.core import double


            def test_double():
                assert double(2) == 4
            """,
        "tests/test_integration.py": """
            import mylib.core


            def test_double():
                assert mylib.core.double(3) == 6
            """,
    },
    # the same package name in two member projects: which one a test imports depends
    "two-members-one-name": {
        "pyproject.toml": NO_TABLE,
        "one/pyproject.toml": "[project]\nname = 'one'\n",
        "one/src/common/__init__.py": "def a():\n    return 1\n",
        "two/pyproject.toml": "[project]\nname = 'two'\n",
        "two/src/common/__init__.py": "def b():\n    return 2\n",
        "two/tests/test_common.py": """
            from common import b


            def test_b():
                assert b() == 2
            """,
    },
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_layout_gives_no_finding(tmp_path: Path, name: str) -> None:
    write_files(tmp_path, LAYOUTS[name])
    result = run_cli(["check", "--no-cache", "--select", "ALL", "."], tmp_path)
    assert (result.exit_code, result.stdout) == (0, "")


def test_a_member_projects_modules_are_read(tmp_path: Path) -> None:
    """With no other place the name could come from, a nested project's src/ is a root."""
    write_files(tmp_path, {
        "pyproject.toml": NO_TABLE,
        "packages/mylib/pyproject.toml": "[project]\nname = 'mylib'\n",
        "packages/mylib/src/mylib/__init__.py": "",
        "packages/mylib/src/mylib/core.py": "def double(x):\n    return 2 * x\n",
        "packages/mylib/tests/test_core.py": """
            from mylib.core import triple


            def test_triple():
                assert triple(2) == 6
            """,
    })
    result = run_cli(["check", "--no-cache", "--select", "TL503", "."], tmp_path)
    assert result.stdout.splitlines() == [
        "packages/mylib/tests/test_core.py:1:24: TL503 `triple` is not defined in mylib.core: "
        "the test fails at import; use a name the module really defines",
    ]
