"""The per-file model: aliases resolve to qualified names; assertions are classified."""

from __future__ import annotations

import textwrap

import pytest

from testlint.facts import Kind, build_facts
from testlint.source import parse_text


def facts(source: str):
    return build_facts(parse_text("test_x.py", textwrap.dedent(source)))


@pytest.mark.parametrize(
    "imports",
    [
        "import pytest as pt\nRAISES = pt.raises",
        "from pytest import raises as RAISES",
        "import _pytest.python_api\nRAISES = _pytest.python_api.raises",
    ],
)
def test_pytest_raises_is_recognised_through_any_alias(imports: str) -> None:
    spelled = "RAISES" if "as RAISES" in imports else imports.splitlines()[-1].split(" = ")[1]
    module = facts(f"""
        {imports.splitlines()[0]}

        def test_x():
            with {spelled}(KeyError):
                run()
        """)
    [test] = module.tests
    assert [(a.kind, a.api) for a in test.assertions] == [(Kind.RAISES, "pytest.raises")]


def test_assertion_kinds() -> None:
    module = facts("""
        import unittest
        from unittest import mock
        import numpy.testing as npt

        def test_kinds():
            m = mock.MagicMock()
            result = run(m)
            assert result == 3
            assert result is not None
            assert m.call_count == 1
            m.save.assert_called_once_with(3)
            npt.assert_array_equal(result, [3])

        class TestLegacy(unittest.TestCase):
            def test_weak(self):
                self.assertIsNotNone(run())
        """)
    kinds = [[(a.kind, a.api) for a in t.assertions] for t in module.tests]
    assert kinds == [
        [
            (Kind.VALUE, "assert"),
            (Kind.WEAK, "assert"),
            (Kind.MOCK, "assert"),
            (Kind.MOCK, "mock.assert_called_once_with"),
            (Kind.VALUE, "numpy.testing.assert_array_equal"),
        ],
        [(Kind.WEAK, "unittest.assertIsNotNone")],
    ]


def test_mock_names_from_every_source() -> None:
    module = facts("""
        from unittest.mock import MagicMock, patch

        @patch("shop.mail.send")
        @patch("shop.cache.get")
        def test_mocks(cache_get, mail_send, mocker):
            client = MagicMock()
            spy = mocker.spy(shop, "total")
            with patch("shop.db.load") as load:
                method = client.fetch
                run(client, spy, load, method)
            assert cache_get.called
        """)
    [test] = module.tests
    assert test.mock_names == {"cache_get", "mail_send", "client", "spy", "load", "method"}
    assert [(p.api, p.target, p.injected) for p in test.patches] == [
        ("patch", "shop.cache.get", "cache_get"),
        ("patch", "shop.mail.send", "mail_send"),
        ("patch", "shop.db.load", None),
    ]


def test_call_sites_know_how_their_result_is_used() -> None:
    module = facts("""
        from shop import build, save

        def test_calls():
            unused = build()
            used = build()
            save(used)
            assert build() == 1
        """)
    [test] = module.tests
    sites = [(c.dotted, c.origin, c.usage, c.result_read) for c in test.calls]
    assert sites == [
        ("build", "import", "assigned", False),
        ("build", "import", "assigned", True),
        ("save", "import", "discarded", False),
        ("build", "import", "asserted", False),
    ]


def test_marker_uses_in_every_place() -> None:
    module = facts("""
        import pytest
        from pytest import mark

        pytestmark = [pytest.mark.slow, mark.db]

        @pytest.mark.flaky(reruns=2)
        class TestA:
            pytestmark = pytest.mark.network

            @pytest.mark.parametrize("x", [1, pytest.param(2, marks=pytest.mark.xfail)])
            def test_a(self, x):
                assert x
        """)
    assert [(m.name, m.where, m.test) for m in module.markers] == [
        ("slow", "pytestmark", None),
        ("db", "pytestmark", None),
        ("flaky", "class", None),
        ("network", "pytestmark", None),
        ("parametrize", "decorator", "TestA.test_a"),
        ("xfail", "param", "TestA.test_a"),
    ]


def test_fixtures_and_helpers_that_assert() -> None:
    module = facts("""
        import pytest

        @pytest.fixture(name="cart")
        def make_cart():
            cart = Cart()
            yield cart
            assert cart.ok()

        def _check(value):
            assert value

        def verify(value):
            _check(value)

        def test_uses(cart):
            verify(cart)
        """)
    assert module.fixtures["cart"].asserts
    assert module.helper_asserts == {"make_cart": False, "_check": True, "verify": True} or (
        module.helper_asserts == {"_check": True, "verify": True}
    )
    [test] = module.tests
    assert sorted(a.api for a in test.assertions) == ["fixture:cart", "helper:verify"]


def test_a_module_of_codspeed_benchmarks_is_timed_not_checked() -> None:
    # attrs' bench/test_benchmarks.py: `pytestmark = pytest.mark.benchmark()`, loops that run
    # code for its cost and assert nothing
    from testlint.engine import lint_text

    source = textwrap.dedent('''
        import pytest

        pytestmark = pytest.mark.benchmark()


        def test_eq_equal():
            c1, c2 = C(), C()
            for _ in range(1_000):
                c1 == c2
    ''')
    module = build_facts(parse_text("test_bench.py", source))
    assert [t.benchmark for t in module.tests] == [True]
    assert lint_text(source, select=["TL101", "TL107"]) == []
    unmarked = source.replace("pytestmark = pytest.mark.benchmark()\n", "")
    # one mistake, one finding: the comparison that lacks its `assert` explains the missing check
    assert [f.code for f in lint_text(unmarked, select=["TL101", "TL107"])] == ["TL107"]
