"""TL201 through the units a test reaches beyond its imports (testlint.reach.unit_calls): a method
of a fixture's object, of a local the test already called a method on, a special method a
builtin runs (`iter(obj)`), and a constructor whose own member the test stubbed. The near misses
stay silent: procedures, a value read back, a collaborator mock, an awaited awaitable, an object
of unknown class."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli, write_files

PROJECT = {
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
    "src/shop/__init__.py": "",
    "src/shop/visitor.py": """
        class Renamer:
            def __init__(self, names):
                self.names = names
                self._setup()

            def _setup(self):
                self.compiled = dict(self.names)

            def generic_visit(self, node):
                return node

            def visit(self, node):
                node = self.names.get(node, node)
                return self.generic_visit(node)

            def reset(self):
                self.names = {}

            def __iter__(self):
                return self.Iterator(self)

            class Iterator:
                def __init__(self, owner):
                    self.owner = owner

            def join(self, timeout=None):
                return self.waiter.wait(timeout)

            async def fetch(self):
                return await self.waiter.wait()
        """,
    "tests/conftest.py": """
        import pytest

        from shop.visitor import Renamer


        @pytest.fixture
        def renamer():
            renamer = Renamer({"a": "b"})
            return renamer
        """,
    "tests/test_visitor.py": """
        from unittest.mock import MagicMock, patch

        from shop.visitor import Renamer


        def test_visit_through_a_fixture(renamer, mocker):
            spy = mocker.patch.object(renamer, "generic_visit", wraps=renamer.generic_visit)
            renamer.visit("a")
            spy.assert_called_once_with("b")


        def test_visit_after_a_statement_call():
            renamer = Renamer({"a": "b"})
            renamer.reset()
            with patch.object(renamer, "generic_visit") as spy:
                renamer.visit("a")
            spy.assert_called_once_with("a")


        def test_iter_builds_the_iterator(renamer, mocker):
            iterator_class = mocker.patch.object(Renamer, "Iterator", autospec=True)
            iterator = iter(renamer)
            iterator_class.assert_called_once_with(renamer)


        def test_init_calls_setup():
            with patch.object(Renamer, "_setup") as setup:
                renamer = Renamer({"a": "b"})
                setup.assert_called_once()


        def test_reset_is_a_procedure(renamer, mocker):
            spy = mocker.patch.object(renamer, "generic_visit")
            renamer.reset()
            spy.assert_not_called()


        def test_iter_read_back(renamer, mocker):
            iterator_class = mocker.patch.object(Renamer, "Iterator", autospec=True)
            iterator = iter(renamer)
            iterator_class.assert_called_once_with(renamer)
            assert iterator is iterator_class.return_value


        def test_init_with_a_collaborator_mock():
            names = MagicMock()
            Renamer(names)
            names.__iter__.assert_called_once()


        async def test_join_is_awaited(renamer):
            renamer.waiter = MagicMock()
            await renamer.join(1)
            renamer.waiter.wait.assert_called_once_with(1)


        async def test_fetch_is_awaited(renamer):
            renamer.waiter = MagicMock()
            await renamer.fetch()
            renamer.waiter.wait.assert_called_once_with()


        def test_len_of_an_unknown_object(mocker):
            thing = mocker.MagicMock()
            size = len(thing)
            thing.__len__.assert_called_once()
        """,
}

VALUE = (
    "only mocks are asserted and the value `{}(...)` returns is never checked: a broken "
    "payload passes as long as the mock was called (how a serializer behind a mocked cache "
    "stayed broken with CI green); assert on the returned value too"
)
BUILT = (
    "only mocks are asserted: the test stubs part of `Renamer` and checks the stub was called, "
    "but never examines the object `Renamer(...)` builds; a broken constructor passes as long "
    "as it calls the stub; assert on the object's state"
)


def test_tl201_follows_fixtures_statement_calls_builtins_and_stubbed_constructors(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, PROJECT)
    run = run_cli(["check", "--no-cache", "--select", "TL201", "."], tmp_path)
    assert run.stdout.splitlines() == [
        "tests/test_visitor.py:8:5: TL201 " + VALUE.format("renamer.visit"),
        "tests/test_visitor.py:16:9: TL201 " + VALUE.format("renamer.visit"),
        "tests/test_visitor.py:22:16: TL201 " + VALUE.format("iter"),
        "tests/test_visitor.py:28:19: TL201 " + BUILT,
        "tests/test_visitor.py:59:11: TL201 " + VALUE.format("renamer.fetch"),
    ]
