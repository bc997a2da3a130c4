"""Fixtures that pytest and its installed plugins provide, read statically.

pytest's own fixtures are read from the `_pytest` package's source files, and a plugin's from the
module its `pytest11` entry point names (and the modules that module imports fixtures from), by
parsing them with `ast`: nothing is imported or executed. Read once per process, and only when a
rule asks (TL504).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from testlint.source import may_spell

# pytest's builtin fixtures, for when its sources cannot be read (a zipapp, a stripped install)
PYTEST_BUILTINS = frozenset(
    {
        "cache",
        "capfd",
        "capfdbinary",
        "caplog",
        "capsys",
        "capsysbinary",
        "capteesys",
        "doctest_namespace",
        "monkeypatch",
        "pytestconfig",
        "record_property",
        "record_testsuite_property",
        "record_xml_attribute",
        "recwarn",
        "request",
        "subtests",
        "testdir",
        "pytester",
        "tmp_path",
        "tmp_path_factory",
        "tmpdir",
        "tmpdir_factory",
        "linecomp",
        "LineMatcher",
    }
)
# Fixtures of popular plugins: a project that uses them may be linted where they are not
# installed (an isolated pre-commit environment); such a name is a missing dependency, not an
# invented fixture.
KNOWN_PLUGIN_FIXTURES = frozenset(
    {
        # pytest-mock
        "mocker",
        "module_mocker",
        "class_mocker",
        "package_mocker",
        "session_mocker",
        # pytest-asyncio, anyio, pytest-trio, pytest-aiohttp
        "event_loop",
        "event_loop_policy",
        "unused_tcp_port",
        "unused_tcp_port_factory",
        "unused_udp_port",
        "unused_udp_port_factory",
        "anyio_backend",
        "anyio_backend_name",
        "anyio_backend_options",
        "nursery",
        "autojump_clock",
        "mock_clock",
        "aiohttp_client",
        "aiohttp_server",
        "aiohttp_raw_server",
        "aiohttp_unused_port",
        "loop",
        # pytest-xdist, pytest-benchmark, pytest-cov, pytest-timeout, pytest-randomly
        "worker_id",
        "testrun_uid",
        "benchmark",
        "benchmark_weave",
        "cov",
        "no_cover",
        # HTTP: pytest-httpx, pytest-httpbin, requests-mock, respx, pytest-httpserver,
        # pytest-localserver, pytest-responses
        "httpx_mock",
        "httpbin",
        "httpbin_secure",
        "httpbin_both",
        "httpbin_ca_bundle",
        "class_based_httpbin",
        "class_based_httpbin_secure",
        "requests_mock",
        "respx_mock",
        "httpserver",
        "httpsserver",
        "smtpserver",
        "httpserver_ipv4",
        "httpserver_ipv6",
        "httpserver_listen_address",
        "make_httpserver",
        "responses",
        # pytest-django
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "django_db_blocker",
        "client",
        "async_client",
        "admin_client",
        "admin_user",
        "django_user_model",
        "django_username_field",
        "rf",
        "async_rf",
        "settings",
        "live_server",
        "mailoutbox",
        "django_mail_patch_dns",
        "django_mail_dnsname",
        "django_assert_num_queries",
        "django_assert_max_num_queries",
        "django_capture_on_commit_callbacks",
        # pytest-flask
        "app",
        "config",
        "request_ctx",
        "accept_json",
        "accept_jsonp",
        "accept_any",
        "accept_mimetype",
        "client_class",
        # snapshots and data: syrupy, pytest-snapshot, pytest-regressions, pytest-datadir
        "snapshot",
        "data_regression",
        "file_regression",
        "num_regression",
        "ndarrays_regression",
        "dataframe_regression",
        "image_regression",
        "datadir",
        "shared_datadir",
        "original_datadir",
        "original_shared_datadir",
        # time: pytest-freezegun, pytest-freezer, time-machine
        "freezer",
        "time_machine",
        # others: pytest-qt, pytest-socket, pytest-subtests, pytest-playwright, pytest-lazyfixture
        "qtbot",
        "qapp",
        "qtlog",
        "qtmodeltester",
        "socket_disabled",
        "socket_enabled",
        "page",
        "browser",
        "context",
        "browser_context_args",
        "browser_type",
        "browser_name",
        "launch_browser",
        "is_chromium",
        "is_firefox",
        "is_webkit",
        "base_url",
        "extra",
        "metadata",
        "include_metadata_in_junit_xml",
        "caplog_handler",
        "xprocess",
        "tmp_dir_factory",
    }
)
FIXTURE_DECORATOR_NAMES = frozenset({"fixture", "yield_fixture", "trio_fixture"})
MAX_PLUGIN_MODULES = 60


def fixtures_in_tree(tree: ast.Module) -> set[str]:
    """Names of the fixtures a module defines (`@pytest.fixture`, `@fixture(name=...)`)."""
    found: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:  # definitions at module level, in classes, under if/try: not in expressions
        node = stack.pop()
        if isinstance(node, ast.ClassDef | ast.If | ast.With):
            stack.extend(node.body)
            stack.extend(getattr(node, "orelse", []))
            continue
        if isinstance(node, ast.Try):
            stack.extend([*node.body, *node.orelse, *node.finalbody])
            for handler in node.handlers:
                stack.extend(handler.body)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = fixture_name(node)
            if name is not None:
                found.add(name)
    return found


def fixture_name(func: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name a fixture is requested by (`@fixture(name=...)`, else the function's), or None
    when no decorator of the function is a fixture decorator."""
    for dec in func.decorator_list:
        target = dec.func if isinstance(dec, ast.Call) else dec
        last = (
            target.attr
            if isinstance(target, ast.Attribute)
            else (target.id if isinstance(target, ast.Name) else "")
        )
        if last not in FIXTURE_DECORATOR_NAMES:
            continue
        if isinstance(dec, ast.Call):
            for keyword in dec.keywords:
                value = keyword.value
                if (
                    keyword.arg == "name"
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, str)
                ):
                    return value.value
        return func.name
    return None


def _parse(path: Path, data: bytes | None = None) -> ast.Module | None:
    try:
        return ast.parse(path.read_bytes() if data is None else data, filename=str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@dataclass(frozen=True)
class _Outline:
    """What `fixtures_of_module` reads of a module: the fixtures it defines, and its module-level
    `from ... import` and `pytest_plugins = ...` statements, in order."""

    fixtures: frozenset[str]
    statements: tuple[ast.stmt, ...]


def _outline(path: Path, memo: dict[Path, _Outline | None]) -> _Outline | None:
    """The module's outline, parsed once per `memo`: the plugins of one run import many of the
    same modules (typing, inspect, collections, pytest's own), each read once, not per plugin."""
    if path in memo:
        return memo[path]
    tree = _parse(path)
    outline = None
    if tree is not None:
        outline = _Outline(
            frozenset(fixtures_in_tree(tree)),
            tuple(
                node for node in tree.body
                if isinstance(node, ast.ImportFrom) or (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "pytest_plugins"
                            for t in node.targets)
                )
            ),
        )
    memo[path] = outline
    return outline


def _find(modname: str) -> Path | None:
    from testlint.inference import _find_installed

    location = _find_installed(modname)
    if location is None or location.kind not in {"module", "package"}:
        return None
    return location.path


def fixtures_of_module(
    modname: str,
    seen: set[str] | None = None,
    find: Callable[[str], Path | None] | None = None,
    outlines: dict[Path, _Outline | None] | None = None,
) -> set[str] | None:
    """Fixtures a module provides to pytest, and those it imports or names in `pytest_plugins`;
    None when it cannot be read. `find` locates a module's file (default: installed ones);
    `outlines` keeps the modules read, for several calls in a row."""
    seen = seen if seen is not None else set()
    if modname in seen or len(seen) > MAX_PLUGIN_MODULES:
        return set()
    seen.add(modname)
    find = find or _find
    path = find(modname)
    if path is None:
        return None
    if outlines is None:
        outlines = {}  # shared by the modules this one leads to
    outline = _outline(path, outlines)
    if outline is None:
        return None
    found = set(outline.fixtures)
    package = modname if path.name == "__init__.py" else modname.rpartition(".")[0]
    for node in outline.statements:
        if isinstance(node, ast.ImportFrom):
            source = _absolute(node, package)
            if source is None:
                continue
            imported = fixtures_of_module(source, seen, find, outlines)
            if not imported:
                continue
            if any(alias.name == "*" for alias in node.names):
                found |= imported
            for alias in node.names:
                if alias.name in imported:
                    found.add(alias.asname or alias.name)
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets
        ):
            for name in plugin_names(node.value) or []:
                found |= fixtures_of_module(name, seen, find, outlines) or set()
    return found


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    if not node.level:
        return node.module
    parts = package.split(".") if package else []
    if node.level > 1:
        parts = parts[: len(parts) - (node.level - 1)]
    joined = ".".join([*parts, node.module] if node.module else parts)
    return joined or None


def plugin_names(value: ast.expr) -> list[str] | None:
    """`pytest_plugins = "a"` / `["a", "b"]`; None when not a literal."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if isinstance(value, ast.List | ast.Tuple):
        names = []
        for elt in value.elts:
            if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                return None
            names.append(elt.value)
        return names
    return None


@lru_cache(maxsize=1)
def pytest_builtin_fixtures() -> frozenset[str]:
    """pytest's own fixtures, read from the installed `_pytest` sources (plus a fixed list)."""
    found = set(PYTEST_BUILTINS)
    path = _find("_pytest")
    if path is not None:
        for file in sorted(path.parent.rglob("*.py")):
            try:
                data = file.read_bytes()
            except OSError:
                continue
            if not may_spell(data, b"fixture"):
                continue  # every fixture decorator's name has "fixture" in it
            tree = _parse(file, data)
            if tree is not None:
                found |= fixtures_in_tree(tree)
    return frozenset(found)


@lru_cache(maxsize=1)
def installed_plugin_fixtures() -> frozenset[str]:
    """Fixtures of the plugins installed through the `pytest11` entry point group."""
    from testlint.entry_points import entry_points  # not importlib.metadata: start-up cost

    found: set[str] = set()
    try:
        plugins = list(entry_points(group="pytest11"))
    except Exception:
        return frozenset()
    outlines: dict[Path, _Outline | None] = {}
    for entry in plugins:
        modname = entry.value.split(":", 1)[0].strip()
        found |= fixtures_of_module(modname, outlines=outlines) or set()
    return frozenset(found)
