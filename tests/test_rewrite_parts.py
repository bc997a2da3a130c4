"""The rewrite step's parts: redaction, gate 1's splice, mutants, context, sandbox, retry delays."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from testlint.config import Config
from testlint.project import Project
from testlint.pytest_config import find_pytest_config
from testlint.rewrite.context import resolve_definition
from testlint.rewrite.gates import Rejected, Sandbox, extract_code, replace_test
from testlint.rewrite.providers import retry_delay
from testlint.rewrite.redact import Redactor, environment_secrets, find_secrets
from testlint.rewrite.settings import Settings
from tests.helpers import write_files

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "rewrite-shop"

# ---- redaction ----------------------------------------------------------------------------------

SECRETS = [
    "sk-proj-AbCdEf0123456789AbCdEf0123456789",
    "sk-ant-api03-AbCdEf0123456789AbCdEf0123",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
    "glpat-AbCdEf0123456789xyzw",
    "xoxb-123456789012-abcdefABCDEF",
    "AIzaSyA0123456789abcdefghijklmnopqrstuv",
    "sk_live_0123456789abcdefABCD",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_known_key_formats_are_redacted_and_restored(secret: str) -> None:
    text = f'client = make_client("{secret}")\n'
    redactor = Redactor()
    redacted = redactor.redact(text)
    assert redacted == 'client = make_client("[REDACTED-1]")\n'
    assert find_secrets(redacted) == []
    assert redactor.restore(redacted) == text


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ('DB = "postgresql://app:s3cr3t-pw@db.internal:5432/shop"',
         'DB = "postgresql://[REDACTED-1]@db.internal:5432/shop"'),
        ('headers = {"Authorization": "Bearer abcdefghijklmnop0123"}',
         'headers = {"Authorization": "Bearer [REDACTED-1]"}'),
        ('config = {"password": "hunter2hunter2", "user": "ada"}',
         'config = {"password": "[REDACTED-1]", "user": "ada"}'),
        ("client_secret='0a1b2c3d4e5f'", "client_secret='[REDACTED-1]'"),
        # by the name of what is assigned, whatever the value's shape: short, or a passphrase
        ('password = "hunter2"', 'password = "[REDACTED-1]"'),
        ('db_password: str = "correct horse battery staple"',
         'db_password: str = "[REDACTED-1]"'),
        ('login(user="ada", passwd="pw")', 'login(user="ada", passwd="[REDACTED-1]")'),
        ('assert settings.SECRET_KEY == "dev"', 'assert settings.SECRET_KEY == "[REDACTED-1]"'),
        ('requests.get(url, auth=("ada", "hunter2"))',
         'requests.get(url, auth=("ada", "[REDACTED-1]"))'),
        # by the shape of the value
        ('HOOK = "https://hooks.slack.com/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX"',
         'HOOK = "https://hooks.slack.com/[REDACTED-1]"'),
        ('headers = {"Authorization": "Basic dXNlcjpwYXNz"}',
         'headers = {"Authorization": "Basic [REDACTED-1]"}'),
        ('raw = b"GET / HTTP/1.1\\r\\nAuthorization: Basic YTpi\\r\\n"',
         'raw = b"GET / HTTP/1.1\\r\\nAuthorization: Basic [REDACTED-1]\\r\\n"'),
        ('basic = "Basic dXNlcjpwYXNz"', 'basic = "Basic [REDACTED-1]"'),
        ('url = "https://api.example.com/items?api_key=abc123&page=2"',
         'url = "https://api.example.com/items?api_key=[REDACTED-1]&page=2"'),
        ('KEY = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----\\n"',
         'KEY = "[REDACTED-1]\\n"'),
    ],
)
def test_credentials_in_code_are_redacted(text: str, redacted: str) -> None:
    redactor = Redactor()
    assert redactor.redact(text) == redacted
    assert redactor.restore(redacted) == text


@pytest.mark.parametrize(
    "text",
    [
        "token_count = 3",
        'password_length = 8',
        'assert form.errors == {"password": ["required"]}',
        'x = "Basic usage"',
        'url = "https://example.com/users/1"',
        'url = "ssh://git@github.com/org/repo.git"',
        'assert sk_items == ["sk-1", "sk-2"]',
        'assert check_password(user, typed) is True',
    ],
)
def test_ordinary_test_code_is_left_alone(text: str) -> None:
    assert Redactor().redact(text) == text
    assert find_secrets(text) == []


def test_the_values_of_secret_environment_variables_are_redacted() -> None:
    environ = {"MY_SERVICE_TOKEN": "tok-41d2c9e8a", "HOME": "/home/ada", "PROVIDER": "x" * 12}
    known = environment_secrets(environ, names=["PROVIDER"])
    assert known == ["tok-41d2c9e8a", "xxxxxxxxxxxx"]  # longest first
    redactor = Redactor(known=known)
    assert redactor.redact("call(tok-41d2c9e8a, '/home/ada')") == "call([REDACTED-1], '/home/ada')"
    assert find_secrets("call(tok-41d2c9e8a)", known) == [
        "a value of a secret environment variable"]


def test_a_private_key_header_alone_is_caught_by_the_last_check() -> None:
    text = 'load("-----BEGIN OPENSSH PRIVATE KEY-----")'
    assert Redactor().redact(text) == text  # cannot be removed whole...
    assert find_secrets(text) == ["private key"]  # ...so the prompt is not sent


@given(
    before=st.text(alphabet=st.characters(exclude_characters="[]"), max_size=40),
    after=st.text(alphabet=st.characters(exclude_characters="[]"), max_size=40),
    secret=st.sampled_from(SECRETS),
)
def test_a_secret_anywhere_never_survives_and_the_text_round_trips(before: str, after: str,
                                                                    secret: str) -> None:
    text = f"{before} {secret} {after}"
    redactor = Redactor()
    redacted = redactor.redact(text)
    assert secret not in redacted
    assert redactor.restore(redacted) == text


# ---- gate 1: replacing only the target test -----------------------------------------------------


def fenced(code: str) -> str:
    return f"```python\n{textwrap.dedent(code).lstrip()}```"


CLASS_FILE = '''\
import pytest


class TestCart:
    # adding
    def test_add(self, cart):
        cart.add("apple")
        # TODO: check the quantity

    def test_remove(self, cart):
        cart.remove("apple")
        assert "apple" not in cart
'''


def test_a_method_is_replaced_at_its_class_indentation_and_the_rest_is_kept() -> None:
    new = replace_test(CLASS_FILE, "TestCart.test_add", fenced('''
        def test_add(self, cart):
            cart.add("apple", quantity=2)
            assert cart.quantity("apple") == 2
        '''))
    assert new == '''\
import pytest


class TestCart:
    # adding
    def test_add(self, cart):
        cart.add("apple", quantity=2)
        assert cart.quantity("apple") == 2

    def test_remove(self, cart):
        cart.remove("apple")
        assert "apple" not in cart
'''


def test_crlf_line_endings_and_two_space_answers_fit_the_file() -> None:
    original = "def test_a():\r\n    f()\r\n\r\n\r\ndef test_b():\r\n    assert g() == 1\r\n"
    new = replace_test(original, "test_a", fenced("def test_a():\n  assert f() == 2\n"))
    assert new == ("def test_a():\r\n    assert f() == 2\r\n\r\n\r\n"
                   "def test_b():\r\n    assert g() == 1\r\n")


def test_decorators_and_async_tests_are_replaced_whole() -> None:
    original = ("import pytest\n\n\n@pytest.mark.anyio\nasync def test_fetch(client):\n"
                "    await client.get('/')\n")
    new = replace_test(original, "test_fetch", fenced('''
        @pytest.mark.anyio
        async def test_fetch(client):
            response = await client.get("/")
            assert response.status_code == 200
        '''))
    assert new == ("import pytest\n\n\n@pytest.mark.anyio\nasync def test_fetch(client):\n"
                   '    response = await client.get("/")\n'
                   "    assert response.status_code == 200\n")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("Sorry, I cannot see the code.", "the answer holds no ```python code block"),
        (fenced("import os\n\ndef test_add(self, cart):\n    assert cart\n"),
         "the answer imports `os`, which the test does not use; add only the imports the test "
         "needs"),
        (fenced("LIMIT = 3\n\ndef test_add(self, cart):\n    assert cart\n"),
         "the answer holds more than the test function: `LIMIT = 3`; it may only replace "
         "`test_add`"),
        (fenced("def test_add(self, cart):\n    assert cart  # noqa: TL103\n"),
         "the answer adds a `# noqa` comment: a rewrite must fix the finding, not silence it"),
        (fenced("from os.path import *\n\ndef test_add(self, cart):\n    assert cart\n"),
         "the answer's `from os.path import *` is not allowed: add only the plain imports the "
         "test needs"),
        (fenced("from decimal import Decimal as TestCart\n\ndef test_add(self, cart):\n"
                "    assert cart.total() == TestCart(0)\n"),
         "the answer's `from decimal import Decimal as TestCart` rebinds `TestCart`, which the "
         "file already defines otherwise"),
        (fenced("def test_added(self, cart):\n    assert cart.total() == 1\n"),
         "the answer defines `test_added`; it may replace only the target test `test_add` and "
         "must not edit any other function"),
        (fenced("class TestCart:\n    def test_add(self):\n        assert 1\n"),
         "the answer holds more than the test function: class `TestCart`; it may only replace "
         "`test_add`"),
        (fenced('def test_add(self, cart):\n    assert cart.token == "[REDACTED-7]"\n'),
         "the answer holds a redaction placeholder that testlint cannot restore; keep the "
         "placeholders exactly as given"),
        (fenced("def test_add(self, cart):\n    return\n    yield\n    await x\n"),
         "the file does not compile with the new test: 'await' outside async function (line 9)"),
    ],
)
def test_gate_1_rejections_say_why(answer: str, reason: str) -> None:
    with pytest.raises(Rejected) as caught:
        replace_test(CLASS_FILE, "TestCart.test_add", answer)
    assert (caught.value.gate, caught.value.reason) == ("1", reason)


PLAIN_FILE = ('"""Tests of the prices."""\n\nimport pytest\nfrom decimal import Decimal\n\n'
              "from shop import price\n\n\ndef test_a():\n    price(1)\n\n\n"
              "def test_b():\n    assert price(2) == Decimal(2)\n")


def test_a_proposal_may_add_the_imports_it_needs_merged_once_after_the_file_s_own() -> None:
    answer = fenced("import math\nimport pytest\nfrom decimal import Decimal\n"
                    "from fractions import Fraction\n\n"
                    "def test_a():\n    assert price(1) == Decimal(math.floor(Fraction(3, 2)))\n")
    new = replace_test(PLAIN_FILE, "test_a", answer)
    assert new == ('"""Tests of the prices."""\n\nimport pytest\nfrom decimal import Decimal\n'
                   "\nfrom shop import price\nimport math\nfrom fractions import Fraction\n\n\n"
                   "def test_a():\n    assert price(1) == Decimal(math.floor(Fraction(3, 2)))\n"
                   "\n\ndef test_b():\n    assert price(2) == Decimal(2)\n")
    # a file without imports gets them after its docstring
    bare = '"""Prices."""\n\n\ndef test_a():\n    f()\n'
    new = replace_test(bare, "test_a", fenced("import pytest\n\n@pytest.mark.slow\n"
                                              "def test_a():\n    assert f() == 1\n"))
    assert new == ('"""Prices."""\n\nimport pytest\n\n\n'
                   "@pytest.mark.slow\ndef test_a():\n    assert f() == 1\n")


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        # the old test quoted first, the rewrite second: the last block defining the test
        ("The old test:\n```python\ndef test_a():\n    f()\n```\nThe fix:\n```python\n"
         "def test_a():\n    assert f() == 1\n```\nRun it with:\n```bash\npytest\n```\n",
         "def test_a():\n    assert f() == 1\n"),
        ("~~~py\ndef test_a():\n    assert f() == 1\n~~~\n",
         "def test_a():\n    assert f() == 1\n"),
        ("````python title=tests/test_a.py\ndef test_a():\n    assert f() == 1\n````",
         "def test_a():\n    assert f() == 1\n"),
        ("Here:\n```python\ndef test_a():\n    assert f() == 1\n",  # never closed
         "def test_a():\n    assert f() == 1\n"),
        ("```\nimport pytest\n\ndef test_a():\n    assert f() == 1\n```",
         "import pytest\n\ndef test_a():\n    assert f() == 1\n"),
        ("def test_a():\n    assert f() == 1", "def test_a():\n    assert f() == 1\n"),
        ("I cannot help with that.", None),
    ],
    ids=["quoted-old-test-first", "tildes", "titled", "unclosed", "bare-fence", "no-fence",
         "prose"],
)
def test_the_block_that_defines_the_target_test_is_the_proposal(answer: str,
                                                                 code: str | None) -> None:
    assert extract_code(answer, "test_a") == code


def test_the_answer_gets_the_redacted_values_back() -> None:
    redactor = Redactor()
    prompt = redactor.redact('def test_a():\n    login(password="hunter2hunter2")\n')
    assert "hunter2hunter2" not in prompt
    answer = fenced('def test_a():\n    assert login(password="[REDACTED-1]") is True\n')
    new = replace_test("def test_a():\n    login(password=\"hunter2hunter2\")\n", "test_a",
                       answer, redactor.restore)
    assert new == 'def test_a():\n    assert login(password="hunter2hunter2") is True\n'


# ---- context: the code under test, resolved statically ------------------------------------------

PACKAGE = {
    "pyproject.toml": "[tool.pytest.ini_options]\n",
    "src/shop/__init__.py": "from .cart import Cart as Cart\n",
    "src/shop/cart.py": '''
        from dataclasses import dataclass, field


        @dataclass
        class Cart:
            """A shopping cart."""

            owner: str
            items: dict[str, int] = field(default_factory=dict)

            def add(self, name: str, quantity: int = 1) -> None:
                """Add `quantity` of `name`."""
                self.items[name] = self.items.get(name, 0) + quantity

            def _recount(self) -> int:
                return sum(self.items.values())

            def total_items(self) -> int:
                return self._recount()
        ''',
}


def test_a_class_is_described_by_its_fields_and_public_method_signatures(tmp_path: Path) -> None:
    root = write_files(tmp_path, PACKAGE)
    project = Project(config=Config(root=root), pytest=find_pytest_config([root]))
    definition = resolve_definition("shop.Cart", project)  # through the package's re-export
    assert definition is not None
    assert (definition.qualname, definition.kind) == ("shop.cart.Cart", "class")
    assert definition.signature() == '''\
@dataclass
class Cart:
    """A shopping cart."""
    owner: str
    items: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, quantity: int=1) -> None:
        """Add `quantity` of `name`."""
        ...

    def total_items(self) -> int:
        ...'''
    method = resolve_definition("shop.cart.Cart.add", project)
    assert method is not None
    assert (method.qualname, method.scope) == ("shop.cart.Cart.add", ("Cart",))
    assert method.body_lines() == ["self.items[name] = self.items.get(name, 0) + quantity"]


def test_names_outside_the_project_do_not_resolve(tmp_path: Path) -> None:
    root = write_files(tmp_path, PACKAGE)
    project = Project(config=Config(root=root), pytest=find_pytest_config([root]))
    assert resolve_definition("json.dumps", project) is None
    assert resolve_definition("shop.cart.Basket", project) is None
    assert resolve_definition("elsewhere.thing", project) is None


def test_star_imports_and_aliases_are_followed(tmp_path: Path) -> None:
    root = write_files(tmp_path, {
        "pyproject.toml": "[tool.pytest.ini_options]\n",
        "web/__init__.py": "from ._api import *\nfrom ._client import *\n",
        "web/_api.py": "__all__ = ['get']\n\ndef get(url: str) -> str:\n    return url\n",
        "web/_client.py": (
            "from ._make import make_client\n\nClient = make_client\n"
        ),
        "web/_make.py": 'def make_client(base: str = "/") -> object:\n    """A client."""\n',
    })
    project = Project(config=Config(root=root), pytest=find_pytest_config([root]))
    get = resolve_definition("web.get", project)
    client = resolve_definition("web.Client", project)
    assert get is not None
    assert client is not None
    assert (get.qualname, client.qualname) == ("web._api.get", "web._make.make_client")
    assert client.signature() == (
        'def make_client(base: str=\'/\') -> object:\n    """A client."""\n    ...')


# ---- gates 3 and 4 run without the provider's keys ----------------------------------------------


def test_the_pytest_runs_see_no_provider_key_or_secret(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghij")
    monkeypatch.setenv("MY_PROVIDER_KEY", "local-key-0123")
    monkeypatch.setenv("DEPLOY_TOKEN", "tok-0123456789")
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    root = write_files(tmp_path / "project", {
        "pyproject.toml": "[tool.pytest.ini_options]\n",
        "tests/test_env.py": '''
            import os


            def test_no_keys():
                leaked = {"OPENAI_API_KEY", "MY_PROVIDER_KEY", "DEPLOY_TOKEN"} & set(os.environ)
                assert leaked == set()
                assert os.environ["PYTHONDONTWRITEBYTECODE"] == "1"
            ''',
    })
    sandbox = Sandbox(root, Settings(api_key_env="MY_PROVIDER_KEY"), [root])
    try:
        [[result]] = sandbox.run("tests/test_env.py::test_no_keys", [([{}], "failure")])
    finally:
        sandbox.close()
    assert result.returncode == 0, result.output
    assert "1 passed" in result.output
    assert not sandbox.root.exists()


# ---- retry delays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "attempt", "delay"),
    [
        ({"retry-after": "7"}, 0, 7.0),
        ({"retry-after": "120"}, 0, 30.0),  # capped
        ({"retry-after-ms": "250"}, 0, 0.25),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0, 0.0),  # a date in the past
        ({}, 0, 0.5),
        ({}, 3, 4.0),
        ({}, 10, 30.0),
        ({"retry-after": "soon"}, 1, 1.0),
    ],
)
def test_retry_delay_honours_the_server_and_is_capped(headers: dict[str, str], attempt: int,
                                                      delay: float) -> None:
    assert retry_delay(headers, attempt, cap=30.0) == delay
