"""Well-known pytest plugins: the markers they register, and the evidence that a project has one.

A plugin's marker means something only where the plugin is loaded. A project has a plugin when
any of these holds:

- it declares, or testlint's environment has installed, one of the plugin's distributions or a
  distribution that depends on it (`carriers`: httpx brings anyio, pytest-aiohttp brings
  pytest-asyncio);
- its pytest configuration sets an option only that plugin reads (`asyncio_mode`,
  `DJANGO_SETTINGS_MODULE`, `--timeout=...`) or loads it with `-p`;
- a conftest names the plugin's module in `pytest_plugins` or imports it, or the test module
  imports it (an import that fails stops collection loudly; it never lets a test pass unseen).

Marker names are read from each plugin's `pytest_configure` (`config.addinivalue_line("markers",
...)`). Generic words that projects usually declare themselves (slow, network, integration) are
left out on purpose: a plugin that happens to register one must not hide an undeclared marker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from testlint.dependencies.names import normalise


@dataclass(frozen=True)
class Plugin:
    distributions: tuple[str, ...]  # any one of them registers the markers; the first is named
    modules: tuple[str, ...] = ()  # top-level modules of those distributions
    options: tuple[str, ...] = ()  # ini keys and command-line flags only this plugin reads
    carriers: tuple[str, ...] = ()  # distributions that depend on it and so install it
    runs_coroutines: bool = False  # the plugin is what runs an `async def` test it marks

    @property
    def name(self) -> str:
        return self.distributions[0]


ASYNCIO = Plugin(
    ("pytest-asyncio",), ("pytest_asyncio",),
    ("asyncio_mode", "asyncio_default_fixture_loop_scope", "asyncio_default_test_loop_scope",
     "--asyncio-mode"),
    carriers=("pytest-aiohttp",), runs_coroutines=True,
)
ANYIO = Plugin(
    ("anyio",), ("anyio",),
    carriers=("httpx", "httpcore", "starlette", "fastapi", "jupyter-server", "openai",
              "anthropic", "sse-starlette", "mcp", "asyncer", "trio-websocket"),
    runs_coroutines=True,
)
TRIO = Plugin(("pytest-trio",), ("pytest_trio",), ("trio_mode", "trio_run"),
              runs_coroutines=True)
TORNADO = Plugin(("pytest-tornado", "pytest-tornasync", "pytest-tornado5"),
                 ("pytest_tornado", "pytest_tornasync"), ("--async-test-timeout",),
                 runs_coroutines=True)
DJANGO = Plugin(("pytest-django",), ("pytest_django",),
                ("DJANGO_SETTINGS_MODULE", "django_find_project", "--ds", "--reuse-db"))
TIMEOUT = Plugin(("pytest-timeout",), ("pytest_timeout",),
                 ("timeout", "timeout_method", "timeout_func_only", "--timeout"))
FLAKY = Plugin(("pytest-rerunfailures", "flaky"), ("pytest_rerunfailures", "flaky"),
               ("reruns", "--reruns", "--force-flaky"))
XDIST = Plugin(("pytest-xdist",), ("xdist",), ("-n", "--numprocesses", "--dist"))
FORKED = Plugin(("pytest-forked",), ("pytest_forked",), ("--forked",), carriers=("pytest-xdist",))
BENCHMARK = Plugin(("pytest-benchmark", "pytest-codspeed"), ("pytest_benchmark", "pytest_codspeed"),
                   ("--benchmark-skip", "--benchmark-only", "--codspeed"))
FREEZER = Plugin(("pytest-freezer", "pytest-freezegun"),
                 ("pytest_freezer", "pytest_freezegun"))
RECORDING = Plugin(("pytest-recording",), ("pytest_recording",),
                   ("--record-mode", "--block-network"))
SOCKET = Plugin(("pytest-socket",), ("pytest_socket",), ("--disable-socket", "--allow-hosts"))
MEMRAY = Plugin(("pytest-memray",), ("pytest_memray",), ("--memray",))
RUN_PARALLEL = Plugin(("pytest-run-parallel",), ("pytest_run_parallel",), ("--parallel-threads",))
QT = Plugin(("pytest-qt",), ("pytestqt",), ("qt_api", "qt_log_level_fail"))
REMOTEDATA = Plugin(("pytest-remotedata",), ("pytest_remotedata",), ("--remote-data",),
                    carriers=("pytest-astropy",))
PLAYWRIGHT = Plugin(("pytest-playwright",), ("pytest_playwright",), ("--browser",))
# plugins that run every `async def` test, marked or not: with one of them a missing marker
# plugin leaves an inert marker, not a body that never runs
RUNS_EVERY_COROUTINE = Plugin(("pytest-sanic", "pytest-tornasync"),
                              ("pytest_sanic", "pytest_tornasync"), ("trio_mode",))


def _simple(distribution: str, module: str, *options: str) -> Plugin:
    return Plugin((distribution,), (module,), tuple(options))


MARKER_PLUGINS: dict[str, Plugin] = {
    "asyncio": ASYNCIO,
    "anyio": ANYIO,
    "trio": TRIO,
    "curio": _simple("pytest-curio", "pytest_curio"),
    "gen_test": TORNADO,
    "django_db": DJANGO,
    "urls": DJANGO,
    "ignore_template_errors": DJANGO,
    "timeout": TIMEOUT,
    "flaky": FLAKY,
    "repeat": _simple("pytest-repeat", "pytest_repeat", "--count"),
    "order": _simple("pytest-order", "pytest_order"),
    "run": _simple("pytest-ordering", "pytest_ordering"),
    "dependency": _simple("pytest-dependency", "pytest_dependency", "automark_dependency"),
    "xdist_group": XDIST,
    "forked": FORKED,
    "benchmark": BENCHMARK,
    "codspeed_benchmark": _simple("pytest-codspeed", "pytest_codspeed", "--codspeed"),
    "freeze_time": FREEZER,
    "time_machine": _simple("time-machine", "time_machine"),
    "vcr": Plugin(("pytest-recording", "pytest-vcr"), ("pytest_recording", "pytest_vcr"),
                  ("--record-mode", "--vcr-record")),
    "block_network": RECORDING,
    "default_cassette": RECORDING,
    "allowed_hosts": RECORDING,
    "httpx_mock": _simple("pytest-httpx", "pytest_httpx"),
    "respx": _simple("respx", "respx"),
    "disable_socket": SOCKET,
    "enable_socket": SOCKET,
    "allow_hosts": SOCKET,
    "hypothesis": _simple("hypothesis", "hypothesis", "--hypothesis-profile"),
    "no_cover": _simple("pytest-cov", "pytest_cov", "--cov"),
    "limit_memory": MEMRAY,
    "limit_leaks": MEMRAY,
    "parallel_threads": RUN_PARALLEL,
    "parallel_threads_limit": RUN_PARALLEL,
    "thread_unsafe": RUN_PARALLEL,
    "iterations": RUN_PARALLEL,
    "mpl_image_compare": _simple("pytest-mpl", "pytest_mpl", "--mpl"),
    "qt_no_exception_capture": QT,
    "qt_log_level_fail": QT,
    "qt_log_ignore": QT,
    "remote_data": REMOTEDATA,
    "internet_off": REMOTEDATA,
    "celery": Plugin(("pytest-celery", "celery"), ("pytest_celery", "celery")),
    "browser_context_args": PLAYWRIGHT,
    "skip_browser": PLAYWRIGHT,
    "only_browser": PLAYWRIGHT,
    "no_xvfb": _simple("pytest-xvfb", "pytest_xvfb", "--no-xvfb"),
}


@dataclass(frozen=True)
class PluginEvidence:
    """What one test file's surroundings say about the plugins in play."""

    distributions: frozenset[str] = frozenset()  # declared or installed, normalised
    modules: frozenset[str] = frozenset()  # top-level modules loaded or imported
    options: frozenset[str] = frozenset()  # ini keys set, flags in addopts (lower case)

    def has(self, plugin: Plugin) -> bool:
        return (
            any(normalise(d) in self.distributions
                for d in (*plugin.distributions, *plugin.carriers))
            or any(m in self.modules for m in plugin.modules)
            or any(o.lower() in self.options for o in plugin.options)
        )


def addopts_evidence(addopts: Iterable[str]) -> tuple[set[str], set[str]]:
    """(modules loaded with `-p`, option flags) of an addopts list."""
    modules: set[str] = set()
    flags: set[str] = set()
    tokens = list(addopts)
    for i, token in enumerate(tokens):
        if token == "-p" and i + 1 < len(tokens):
            modules.add(tokens[i + 1].split(".", 1)[0])
        elif token.startswith("-p") and len(token) > 2 and not token.startswith("-p no:"):
            modules.add(token[2:].split(".", 1)[0])
        elif token.startswith("-"):
            flag = token.split("=", 1)[0]
            flags.add(flag)
            if flag.startswith("-n") and not flag.startswith("--"):
                flags.add("-n")
    return modules, flags
