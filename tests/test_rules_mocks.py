"""TL2 rules through the engine: exact message, position and test for one case each."""

from __future__ import annotations

import textwrap

from testlint.engine import lint_text


def findings(source: str, code: str, options: dict[str, object] | None = None) -> list[tuple]:
    text = textwrap.dedent(source).lstrip("\n")
    return [
        (f.line, f.col, f.end_line, f.end_col, f.code, f.test, f.message)
        for f in lint_text(text, select=[code], options=options)
    ]


TL201_MESSAGE = (
    "only mocks are asserted and the value `UserService(cache=cache).get_user(...)` returns is "
    "never checked: a broken payload passes as long as the mock was called (how a serializer "
    "behind a mocked cache stayed broken with CI green); assert on the returned value too"
)


def test_tl201_points_at_the_call_whose_value_is_dropped() -> None:
    source = """
        from unittest.mock import MagicMock

        from users.service import UserService


        def test_get_user_uses_cache():
            cache = MagicMock()
            user = UserService(cache=cache).get_user(42)
            cache.get.assert_called_once_with("user:42")
        """
    assert findings(source, "TL201") == [
        (8, 12, 8, 49, "TL201", "test_get_user_uses_cache", TL201_MESSAGE)
    ]


def test_tl201_is_silent_once_the_value_is_asserted() -> None:
    source = """
        from unittest.mock import MagicMock

        from users.service import UserService


        def test_get_user_uses_cache():
            cache = MagicMock()
            user = UserService(cache=cache).get_user(42)
            cache.get.assert_called_once_with("user:42")
            assert user.id == 42
        """
    assert findings(source, "TL201") == []


def test_tl201_value_prefixes_option_decides_what_a_discarded_call_returns() -> None:
    source = """
        from unittest.mock import MagicMock


        def test_sync():
            remote = MagicMock()
            Mirror(remote).sync_all()
            remote.pull.assert_called_once()
        """
    assert findings(source, "TL201") == []
    [finding] = findings(source, "TL201", {"value-prefixes": ["sync"]})
    assert finding[:6] == (6, 5, 6, 30, "TL201", "test_sync")


def test_tl202_reports_the_asserted_call_to_the_patched_function() -> None:
    source = """
        from unittest.mock import patch

        import billing


        @patch("billing.discount", return_value=90)
        def test_discount(mock_discount):
            assert billing.discount(100, 10) == 90
        """
    assert findings(source, "TL202") == [
        (8, 12, 8, 37, "TL202", "test_discount",
         "`billing.discount` is patched by this test and then asserted on, so the assertion "
         "checks the mock's return value, not the code; call the real function and patch only "
         "its collaborators"),
    ]


def test_tl202_names_the_patched_target_when_reached_through_an_instance() -> None:
    source = """
        from shop.cart import Cart


        def test_total(mocker):
            mocker.patch.object(Cart, "total", return_value=5)
            assert Cart().total() == 5
        """
    [finding] = findings(source, "TL202")
    assert finding[:6] == (6, 12, 6, 26, "TL202", "test_total")
    assert finding[6].startswith("`Cart().total` (`shop.cart.Cart.total`) is patched by this test")


def test_tl202_sees_a_mocker_fixture_spelled_in_compatibility_characters() -> None:
    # Python reads `\uff4docker` (a full-width m) as `mocker` (NFKC), as pytest's lookup does
    source = """
        from shop.cart import Cart


        def test_total(\uff4docker):
            \uff4docker.patch.object(Cart, "total", return_value=5)
            assert Cart().total() == 5
        """
    [finding] = findings(source, "TL202")
    assert finding[:6] == (6, 12, 6, 26, "TL202", "test_total")


TL203_SOURCE = """
    from unittest.mock import Mock


    def test_five_mocks():
        assert run(Mock(), Mock(), Mock(), Mock(), Mock()) == 0
    """


def test_tl203_reports_more_mocks_than_max_patches_at_the_test_name() -> None:
    assert findings(TL203_SOURCE, "TL203", {"max-patches": 4}) == [
        (4, 5, 4, 20, "TL203", "test_five_mocks",
         "5 patches and mocks in one test (more than 4): it checks the script the mocks were "
         "given, not the code, and breaks on every refactor; keep mocks at the process boundary "
         "and use real collaborators or small fakes inside it"),
    ]


def test_tl203_is_silent_at_the_limit() -> None:
    assert findings(TL203_SOURCE, "TL203", {"max-patches": 5}) == []


def test_tl204_follows_a_conftest_fixture_to_the_stubbed_class(tmp_path) -> None:
    from tests.helpers import run_cli, write_files

    write_files(tmp_path, {
        "pyproject.toml": "[tool.pytest.ini_options]\ntestpaths = ['tests']\n",
        "src/shell/__init__.py": "",
        "src/shell/module.py": '''
            class ShellModule:
                def _encode(self, script):
                    return script.encode()

                def build(self, shebang, cmd):
                    if shebang:
                        return f"{shebang} {cmd}"
                    return self._encode(cmd)
            ''',
        "tests/conftest.py": '''
            import pytest

            from shell.module import ShellModule


            @pytest.fixture
            def shell():
                return ShellModule()
            ''',
        "tests/test_shell.py": '''
            from unittest.mock import patch

            from shell.module import ShellModule


            def test_build_without_shebang(shell):
                with patch.object(ShellModule, "_encode", return_value=b"encoded"):
                    assert shell.build(None, "run") == b"encoded"


            def test_build_with_shebang(shell):
                with patch.object(ShellModule, "_encode", return_value=b"encoded"):
                    assert shell.build("#!/bin/sh", "run") == "#!/bin/sh run"
            ''',
    })
    result = run_cli(["--select", "TL204"], tmp_path)
    assert (result.exit_code, result.stdout) == (1, (
        "tests/test_shell.py:8:16: TL204 `_encode` is stubbed to return b'encoded' and the "
        "result of `build` is compared with that same value: the assertion checks the stub, "
        "not the unit; expect a value the unit itself computes\n"
    ))
