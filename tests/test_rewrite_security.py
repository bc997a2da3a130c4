"""A hostile repository against the rewrite step, through the real surface: `testlint rewrite`
against a real HTTP server on 127.0.0.1 that logs every request's headers and body, and model
code run by `--run` in real subprocesses.

What is checked: a project file cannot choose where the user's keys go (nor which); secrets in
the project's code never reach the server, whatever their shape; an answer cannot be larger or
slower than its bounds; model code cannot write into the real project, outlive its run, read the
user's secrets from its environment or reach the network; the answer cache ignores itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.helpers import run_cli, write_files
from tests.llm_server import FakeLLM, Reply, serve

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "rewrite-shop"
PROVIDER_KEY = "sk-test-provider-key-0123456789abcdef"
GH_PAT = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
MY_LLM_KEY = "local-llm-key-0123456789"


def answer(code: str) -> str:
    return f"```python\n{code}```\n"


QUARTER_OFF = answer("def test_quarter_off():\n    assert discount(2000, 25) == 1500\n")


@pytest.fixture(autouse=True)
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys in the environment, and a user config directory of the test's own."""
    monkeypatch.setenv("OPENAI_API_KEY", PROVIDER_KEY)
    monkeypatch.setenv("GH_PAT", GH_PAT)
    monkeypatch.setenv("MY_LLM_KEY", MY_LLM_KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    return tmp_path / "user-config" / "testlint" / "config.toml"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    target = tmp_path / "rewrite-shop"
    shutil.copytree(SHOP, target)
    return target


def project_rewrite(shop: Path, lines: str) -> None:
    """Add lines to the project's [tool.testlint.rewrite] table."""
    pyproject = shop / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8") + lines, encoding="utf-8")


def sent_headers(llm: FakeLLM) -> list[str]:
    return [value for request in llm.requests for value in request.headers.values()]


# ---- 1. where the keys go -----------------------------------------------------------------------


def test_a_project_file_cannot_name_the_key_that_is_sent(shop: Path, environment: Path) -> None:
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        project_rewrite(shop, f'base-url = "{llm.url}/v1"\napi-key-env = "GH_PAT"\n')
        result = run_cli(["rewrite", "tests/test_mirror.py"], shop)
    assert llm.requests == []
    assert result.stderr == (
        f"testlint: error: {shop / 'pyproject.toml'}: the project's configuration names "
        'api-key-env = "GH_PAT"; a project file cannot choose which of your keys is sent, or '
        f"where: pass --base-url and --api-key-env, set them in [rewrite] of {environment}, or "
        "pass --trust-project-endpoint to accept the project's choice\n")
    assert result.exit_code == 2


def test_a_project_file_cannot_send_the_provider_key_to_another_host(shop: Path) -> None:
    project_rewrite(shop, 'base-url = "http://attacker.invalid/v1"\n')
    result = run_cli(["rewrite", "tests/test_mirror.py"], shop)
    assert result.stderr.startswith(
        f"testlint: error: {shop / 'pyproject.toml'}: the project's configuration sets base-url "
        '= "http://attacker.invalid/v1"; a project file cannot choose where your prompts and keys '
        "go: pass --base-url and --api-key-env")
    assert result.exit_code == 2
    # --show-prompt sends nothing, so it needs no endpoint
    shown = run_cli(["rewrite", "--show-prompt", "tests/test_mirror.py"], shop)
    assert shown.exit_code == 0


@pytest.mark.parametrize("url", [
    "http://127.0.0.1.attacker.invalid/v1",  # a name that starts like a loopback address
    "http://localhost@attacker.invalid/v1",  # user info, then the real host
    "http://attacker.invalid/v1?x=http://localhost/",
    "https://api.openai.com.attacker.invalid/v1",
])
def test_a_project_url_that_only_looks_local_is_refused(shop: Path, url: str) -> None:
    project_rewrite(shop, f'base-url = "{url}"\n')
    result = run_cli(["rewrite", "tests/test_mirror.py"], shop)
    assert result.stderr.startswith(
        f"testlint: error: {shop / 'pyproject.toml'}: the project's configuration sets base-url "
        f'= "{url}"; a project file cannot choose where your prompts and keys go')
    assert result.exit_code == 2


def test_a_project_endpoint_on_this_machine_is_used_without_a_key(shop: Path) -> None:
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        project_rewrite(shop, f'base-url = "{llm.url}/v1"\n')
        result = run_cli(["rewrite", "tests/test_mirror.py"], shop)
    assert len(llm.requests) == 1
    assert "authorization" not in llm.requests[0].headers
    assert PROVIDER_KEY not in sent_headers(llm)
    assert result.exit_code == 0


def test_the_users_own_config_pairs_a_url_with_a_key_and_outranks_the_project(
    shop: Path, environment: Path,
) -> None:
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        write_files(environment.parent, {"config.toml": f'''
            [rewrite]
            base-url = "{llm.url}/v1"
            api-key-env = "MY_LLM_KEY"
            '''})
        project_rewrite(shop, 'base-url = "http://attacker.invalid/v1"\napi-key-env = "GH_PAT"\n')
        result = run_cli(["rewrite", "tests/test_mirror.py"], shop)
    assert [r.headers["authorization"] for r in llm.requests] == [f"Bearer {MY_LLM_KEY}"]
    assert result.exit_code == 0


def test_flags_pair_a_url_with_a_key_and_a_url_alone_gets_none(shop: Path) -> None:
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        project_rewrite(shop, 'api-key-env = "GH_PAT"\n')
        paired = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--api-key-env",
                          "MY_LLM_KEY", "--no-cache", "tests/test_mirror.py"], shop)
        alone = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--no-cache",
                         "tests/test_mirror.py"], shop)
    assert llm.requests[0].headers["authorization"] == f"Bearer {MY_LLM_KEY}"
    assert "authorization" not in llm.requests[1].headers
    assert GH_PAT not in sent_headers(llm)
    assert PROVIDER_KEY not in sent_headers(llm)
    assert (paired.exit_code, alone.exit_code) == (0, 0)


def test_an_unauthorised_answer_says_that_no_key_was_sent(shop: Path, environment: Path) -> None:
    with serve({"test_quarter_off": [Reply(status=401)]}) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "tests/test_mirror.py"],
                         shop)
    assert result.stderr.splitlines()[-1] == (
        f"testlint: error: {llm.url}/v1/chat/completions answered HTTP 401: slow down (no key "
        f"was sent to {llm.url}/v1: name the variable that holds its key with --api-key-env or "
        f"in {environment})")
    assert result.exit_code == 2


def test_trust_project_endpoint_accepts_the_projects_pair_and_says_so(shop: Path) -> None:
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        project_rewrite(shop, f'base-url = "{llm.url}/v1"\napi-key-env = "MY_LLM_KEY"\n')
        result = run_cli(["rewrite", "--trust-project-endpoint", "tests/test_mirror.py"], shop)
    assert [r.headers["authorization"] for r in llm.requests] == [f"Bearer {MY_LLM_KEY}"]
    assert result.stderr.splitlines()[0] == (
        f"rewrite: sending $MY_LLM_KEY to {llm.url}/v1 as the project's configuration asks "
        "(--trust-project-endpoint)")
    assert result.exit_code == 0


def test_a_project_file_cannot_raise_what_a_run_may_spend(shop: Path, environment: Path) -> None:
    write_files(environment.parent, {"config.toml": "[rewrite]\nmax-requests = 2\n"})
    project_rewrite(shop, "max-requests = 100000\nmax-total-tokens = 400000\n")
    with serve() as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "tests/test_pricing.py"],
                         shop)
    assert len(llm.requests) == 2
    assert result.stderr.splitlines()[0] == (
        "rewrite: the project's max-requests = 100000 is above your limit; using 2 (raise it in "
        f"[rewrite] of {environment})")
    assert "  stopped early: request budget spent (max-requests = 2)" in result.stderr
    assert result.exit_code == 1


def test_a_broken_user_config_is_one_line(shop: Path, environment: Path) -> None:
    write_files(environment.parent, {"config.toml": "[rewrite]\napi-key = 'sk-abc'\n"})
    result = run_cli(["rewrite", "--show-prompt", "tests/test_mirror.py"], shop)
    assert result.stderr == (
        f"testlint: error: {environment}: 'api-key' is not accepted: keys stay out of "
        "configuration; set 'api-key-env' to the NAME of the environment variable that holds "
        "the key\n")
    assert result.exit_code == 2


# ---- 3. secrets by name and by shape ------------------------------------------------------------

SECRETS = {
    "short password": "hunter2",
    "passphrase": "correct horse battery staple",
    "Slack webhook": "services/T0001ABCD/B0001ABCD/XXXXXXXXXXXXXXXXXXXXXXXX",
    "basic credentials": "YWRhOmh1bnRlcjI=",
}


def test_secrets_of_every_shape_stay_on_the_machine_and_come_back_in_the_answer(
    tmp_path: Path,
) -> None:
    project = write_files(tmp_path / "project", {
        "pyproject.toml": "[tool.pytest.ini_options]\npythonpath = ['src']\n",
        "src/notify.py": '''
            def post(url: str, headers: dict, user: str, password: str) -> int:
                """Post to the webhook; return the HTTP status."""
                return 200
            ''',
        "tests/test_notify.py": '''
            from notify import post


            def test_post():
                hook = "https://hooks.slack.com/services/T0001ABCD/B0001ABCD/XXXXXXXXXXXXXXXXXXXXXXXX"
                password = "hunter2"
                smtp_password = "correct horse battery staple"
                headers = {"Authorization": "Basic YWRhOmh1bnRlcjI="}
                post(hook, headers, "ada", password + smtp_password)
            ''',
    })
    reply = answer(
        "def test_post():\n"
        '    hook = "https://hooks.slack.com/[REDACTED-2]"\n'
        '    password = "[REDACTED-3]"\n'
        '    smtp_password = "[REDACTED-4]"\n'
        '    headers = {"Authorization": "Basic [REDACTED-1]"}\n'
        '    assert post(hook, headers, "ada", password + smtp_password) == 200\n')
    with serve({"test_post": [reply]}) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--model", "m", "--write",
                          "--allow-unrun", "tests"], project)
    assert result.exit_code == 0
    for value in SECRETS.values():
        assert value not in llm.bodies()
    written = (project / "tests" / "test_notify.py").read_text(encoding="utf-8")
    assert '    hook = "https://hooks.slack.com/services/T0001ABCD/B0001ABCD/XXXX' in written
    assert '    password = "hunter2"\n' in written
    assert '    smtp_password = "correct horse battery staple"\n' in written
    assert '{"Authorization": "Basic YWRhOmh1bnRlcjI="}' in written


# ---- 13. the answer cache ignores itself --------------------------------------------------------


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_answer_cache_ignores_itself(shop: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=shop, check=True)
    with serve({"test_quarter_off": [QUARTER_OFF]}) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "tests/test_mirror.py"],
                         shop)
    assert result.exit_code == 0
    assert len(list((shop / ".testlint_cache" / "rewrite").glob("*.json"))) == 1
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=shop,
                            capture_output=True, text=True, check=True).stdout
    assert ".testlint_cache" not in status
    assert "pyproject.toml" in status  # git does see the project's own files


# ---- 4. answers within bounds -------------------------------------------------------------------


def test_an_answer_larger_than_the_cap_is_not_read_further(shop: Path) -> None:
    project_rewrite(shop, "max-answer-bytes = 100000\nmax-retries = 0\n")
    size = 200_000_000
    with serve({"test_quarter_off": [Reply(text="x", oversize=size)]}) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "tests/test_mirror.py"],
                         shop)
        assert llm.slow_done.wait(10)
    assert result.stderr.splitlines()[:3] == [
        "tests/test_mirror.py:4:5: TL101 test_quarter_off: answer 1 failed: the answer is larger "
        "than max-answer-bytes (100000 bytes); it was not read further",
        "rewrite: 1 findings, 0 proposals, 0 accepted",
        "  answers that were not proposals: 1 (too-large 1)",
    ]
    assert llm.written[0] < size // 10  # the client hung up long before the end
    assert result.exit_code == 1


def test_a_trickling_answer_is_cut_at_the_total_deadline(shop: Path) -> None:
    # one byte every 20 ms: each read is quick, the whole answer would take about ten seconds
    project_rewrite(shop, "timeout = 0.5\nmax-retries = 0\n")
    with serve({"test_quarter_off": [Reply(text=QUARTER_OFF, drip=0.02)]}) as llm:
        started = time.monotonic()
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "tests/test_mirror.py"],
                         shop)
        elapsed = time.monotonic() - started
    # the server was reached: a timeout is not "cannot reach"
    assert result.stderr.splitlines()[-1] == (
        f"testlint: error: {llm.url}/v1/chat/completions accepted the request but gave no "
        "complete answer within 0.5s: raise --timeout (a local model may need minutes)")
    assert result.exit_code == 2
    assert elapsed < 5


# ---- 2. model code under --run stays in its sandbox ---------------------------------------------

SECRET_ENVIRONMENT = {
    "GH_PAT": GH_PAT,
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_PROFILE": "production",
    "DATABASE_URL": "postgres://app:pw@db.internal/shop",
    "SENTRY_DSN": "https://abc123@o1.ingest.sentry.io/42",
    "STRIPE_LIVE_KEY": "rk_live_0123456789abcdefABCD",
    "OPENAI_API_KEY": PROVIDER_KEY,
}
ESCAPE_PROJECT = {
    "pyproject.toml": '''
        [tool.pytest.ini_options]
        pythonpath = ["src"]

        [tool.testlint.rewrite]
        model = "m"
        runs = 1
        run-timeout = 20
        pass-env = ["APP_MODE", "GH_PAT", "DATABASE_URL", "AWS_PROFILE"]
        ''',
    "src/calc.py": '''
        def double(x: int) -> int:
            """Twice x."""
            return x * 2
        ''',
    "data/README": "the project's data\n",
    "tests/test_calc.py": '''
        import os
        import socket
        import subprocess

        from calc import double


        def test_double():
            double(2)
        ''',
}


def marker() -> str:
    """A `sleep` duration of 30 s that no other process has on its command line."""
    return f"30.{uuid.uuid4().int % 10**12:012d}"


def running(marker: str) -> bool:
    """Whether a process whose command line holds `marker` is alive."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                return True
        except OSError:
            continue
    return False


def still_running(marker: str) -> bool:
    """`running`, allowing the kernel a moment to finish a kill already sent."""
    deadline = time.monotonic() + 3
    while running(marker):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def escape_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = write_files(tmp_path / "project", ESCAPE_PROJECT)
    outside = tmp_path / "outside"
    outside.mkdir()
    (project / "link_out").symlink_to(outside)  # an absolute link that leaves the project
    (project / "link_in").symlink_to(project / "data")  # an absolute link inside it
    for name, value in SECRET_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PWD", str(project))  # as a shell in the project sets it
    monkeypatch.setenv("APP_MODE", "ci")
    return project


class Listener:
    """A TCP port on 127.0.0.1; the connections made to it wait in its backlog to be counted."""

    def __init__(self) -> None:
        import socket

        self.sock = socket.create_server(("127.0.0.1", 0), backlog=16)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        """How many connections were made (each handshake completed before connect returned)."""
        self.sock.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self) -> None:
        self.sock.close()


def kill_running(marker: str) -> None:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if marker.encode() in cmdline.read_bytes():
                os.kill(int(cmdline.parent.name), signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
@pytest.mark.parametrize("namespaces", [True, False], ids=["namespaces", "no-unshare"])
def test_model_code_cannot_reach_the_real_tree_the_secrets_the_network_or_outlive_its_run(
    escape_project: Path, tmp_path: Path, namespaces: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if namespaces:
        from testlint.rewrite.sandbox import isolation

        if isolation().missing:
            pytest.skip(isolation().missing)
    else:  # as on a platform where unshare is missing or refused
        from testlint.rewrite import sandbox

        monkeypatch.setattr(sandbox, "_isolation", sandbox.Isolation((), "no unshare here"))
    listener = Listener()
    stays, leaves, late = (marker() for _ in range(3))
    proposal = answer(
        "def test_double():\n"
        '    with open(os.path.join(os.environ.get("PWD", "."), "through_pwd.txt"), "w") as f:\n'
        '        f.write("escaped")\n'
        '    for link in ("link_in", "link_out"):\n'
        "        if os.path.isdir(link):\n"
        '            with open(os.path.join(link, "through_link.txt"), "w") as f:\n'
        '                f.write("escaped")\n'
        f'    subprocess.Popen(["sleep", "{stays}"])\n'
        f'    subprocess.Popen(["sleep", "{leaves}"], start_new_session=True)\n'
        f'    subprocess.Popen(["sh", "-c", "sleep {late}; echo late > \\"$PWD/late.txt\\""])\n'
        "    try:\n"
        f'        socket.create_connection(("127.0.0.1", {listener.port}), 1).close()\n'
        "    except OSError:\n"
        "        pass\n"
        f"    leaked = sorted(set(os.environ).intersection({sorted(SECRET_ENVIRONMENT)!r}))\n"
        "    assert leaked == []\n"
        '    assert os.environ["APP_MODE"] == "ci"  # pass-env, for what is not a secret\n'
        f'    assert os.environ["PWD"] != {str(escape_project)!r}\n'
        "    assert double(2) == 4\n")
    try:
        with serve({"test_double": [proposal]}) as llm:
            result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--run", "tests"],
                             escape_project)
        connections = listener.connections()
    finally:
        listener.close()
    outcome = [line for line in result.stderr.splitlines() if "test_double: proposal" in line]
    assert outcome == ["tests/test_calc.py:8:5: TL101 test_double: proposal 1 accepted: kills 4 "
                       "of 4 mutants (old test: 0)"]
    notes = [line for line in result.stderr.splitlines() if line.startswith("rewrite --run:")]
    assert notes == [
        "rewrite --run: symbolic links that leave the project are not copied: link_out -> "
        f"{tmp_path / 'outside'}",
        *([] if namespaces else [
            "rewrite --run: proposals run with network access and a child that leaves its "
            "process group can outlive the run (no unshare here)"]),
    ]
    # nothing was written into the real tree, by $PWD or by a link
    assert not (escape_project / "through_pwd.txt").exists()
    assert not (escape_project / "late.txt").exists()
    assert not (escape_project / "data" / "through_link.txt").exists()
    assert list((tmp_path / "outside").iterdir()) == []
    # the children it left behind died with the run
    assert not still_running(stays)
    assert not still_running(late)
    if namespaces:
        assert not still_running(leaves)  # even one that left its process group
        assert connections == 0  # no network
    else:  # what the note says: the network was reached, the session leaver lives on
        # gate 3's run alone and with its file, and gate 4's runs of the new test on 4 mutants
        assert connections == 6
        assert running(leaves)
        kill_running(leaves)
    assert result.exit_code == 0


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_a_run_killed_at_its_timeout_takes_its_children_with_it(escape_project: Path) -> None:
    pyproject = escape_project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("run-timeout = 20", "run-timeout = 1"))
    hangs = marker()
    proposal = answer(
        "def test_double():\n"
        f'    subprocess.Popen(["sleep", "{hangs}"]).wait()  # hangs past the run\'s timeout\n'
        "    assert double(2) == 4\n")
    with serve({"test_double": [proposal]}) as llm:
        result = run_cli(["rewrite", "--base-url", f"{llm.url}/v1", "--run", "--max-attempts",
                          "1", "tests"], escape_project)
    assert ("tests/test_calc.py:8:5: TL101 test_double: proposal 1 rejected at gate 3 (passes "
            "under pytest): the new test did not finish within 1s") in result.stderr
    assert not still_running(hangs)
    assert result.exit_code == 1
