"""What pytest knows about markers, shared by TL501 (undeclared) and TL502 (misspelled).

A marker is known when pytest itself defines it, when the project declares it (its ini file,
or `config.addinivalue_line("markers", ...)` in a conftest on the file's path), when a common
plugin registers it, or when the `extra-markers` option names it. Both rules classify every use
with `classify`, so that one use never gets both findings.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from testlint.facts import MarkerUse
from testlint.rules.base import RuleContext

# `pytest --markers` on a bare pytest 9 (tryfirst/trylast are deprecated hook marks that pytest
# still registers; pytester_example_path comes with pytest's own pytester plugin).
BUILTIN_MARKERS = frozenset(
    {
        "filterwarnings",
        "parametrize",
        "skip",
        "skipif",
        "usefixtures",
        "xfail",
        "tryfirst",
        "trylast",
        "pytester_example_path",
    }
)

# Markers that common plugins register in their pytest_configure, read from each plugin's source.
# Generic words that projects usually declare themselves (slow, network, integration) are left
# out on purpose: a plugin that happens to register one must not hide an undeclared marker.
PLUGIN_MARKERS: dict[str, str] = {
    "asyncio": "pytest-asyncio",
    "anyio": "anyio",
    "trio": "pytest-trio",
    "curio": "pytest-curio",
    "gen_test": "pytest-tornado",
    "django_db": "pytest-django",
    "urls": "pytest-django",
    "ignore_template_errors": "pytest-django",
    "timeout": "pytest-timeout",
    "flaky": "flaky / pytest-rerunfailures",
    "repeat": "pytest-repeat",
    "order": "pytest-order",
    "run": "pytest-ordering",
    "dependency": "pytest-dependency",
    "xdist_group": "pytest-xdist",
    "forked": "pytest-forked",
    "benchmark": "pytest-benchmark / pytest-codspeed",
    "codspeed_benchmark": "pytest-codspeed",
    "freeze_time": "pytest-freezer / pytest-freezegun",
    "time_machine": "time-machine",
    "vcr": "pytest-recording / pytest-vcr",
    "block_network": "pytest-recording",
    "default_cassette": "pytest-recording",
    "allowed_hosts": "pytest-recording",
    "httpx_mock": "pytest-httpx",
    "respx": "respx",
    "disable_socket": "pytest-socket",
    "enable_socket": "pytest-socket",
    "allow_hosts": "pytest-socket",
    "hypothesis": "hypothesis",
    "no_cover": "pytest-cov",
    "limit_memory": "pytest-memray",
    "limit_leaks": "pytest-memray",
    "parallel_threads": "pytest-run-parallel",
    "parallel_threads_limit": "pytest-run-parallel",
    "thread_unsafe": "pytest-run-parallel",
    "iterations": "pytest-run-parallel",
    "mpl_image_compare": "pytest-mpl",
    "qt_no_exception_capture": "pytest-qt",
    "qt_log_level_fail": "pytest-qt",
    "qt_log_ignore": "pytest-qt",
    "remote_data": "pytest-remotedata",
    "internet_off": "pytest-remotedata",
    "celery": "pytest-celery",
    "browser_context_args": "pytest-playwright",
    "skip_browser": "pytest-playwright",
    "only_browser": "pytest-playwright",
    "no_xvfb": "pytest-xvfb",
}

# What a misspelling costs, by the marker that was meant.
CONSEQUENCES = {
    "parametrize": "the test is not parametrized",
    "skip": "the test is not skipped",
    "skipif": "the test is never skipped",
    "xfail": "the test is not treated as an expected failure",
    "usefixtures": "the fixtures are never set up",
    "filterwarnings": "the warning filter is not applied",
}

# Spellings of "parametrize" (after lower-casing and dropping `_`): parametrise, parameterize,
# paramaterize, paramterize, parametrized, ...
_PARAMETRIZE_FAMILY = re.compile(r"^para?m[ae]?t[ae]?r[ae]?[iy][sz]e[ds]?$")
# Words that mean a builtin mark but are too far from it for an edit distance.
_EXPLICIT = {
    "skipped": "skip",
    "skiptest": "skip",
    "xfailed": "xfail",
    "expectedfailure": "xfail",
    "expectfail": "xfail",
    "filterwarning": "filterwarnings",
    "filterwarns": "filterwarnings",
}
_PRIORITY = {"builtin": 0, "registered": 1, "plugin": 2}


@dataclass(frozen=True)
class Known:
    """Every marker name known where one test file is linted."""

    registered: dict[str, str]  # declared by the project: name -> where ("pyproject.toml")
    extra: tuple[str, ...]  # names or glob patterns from `extra-markers`
    dynamic: bool  # a conftest registers markers whose names cannot be read statically
    ignored: dict[str, str]  # declared only in a section pytest ignores: name -> where
    inifile: Path | None
    section: str  # the section of the ini file pytest reads
    strict: bool

    def knows(self, name: str) -> bool:
        return (
            name in BUILTIN_MARKERS
            or name in PLUGIN_MARKERS
            or name in self.registered
            or any(fnmatch.fnmatchcase(name, pattern) for pattern in self.extra)
        )

    def targets(self) -> dict[str, str]:
        """Names a misspelling may have meant, with their kind (builtin, registered, plugin)."""
        found = {name: "plugin" for name in PLUGIN_MARKERS}
        found.update({name: "registered" for name in self.registered})
        found.update({name: "registered" for name in self.extra if _is_plain(name)})
        found.update({name: "builtin" for name in BUILTIN_MARKERS})
        return found


def known_markers(ctx: RuleContext) -> Known:
    pytest_config = ctx.project.pytest
    registered = {name: _ini_where(pytest_config.inifile) for name in pytest_config.markers}
    dynamic = False
    for conftest in ctx.module.lookup.conftest_modules():
        for name in conftest.declared_markers:
            registered.setdefault(name, Path(conftest.path).name)
        dynamic = dynamic or conftest.dynamic_markers
    return Known(
        registered=registered,
        extra=tuple(ctx.options.extra_markers),
        dynamic=dynamic,
        ignored={k: v for k, v in pytest_config.ignored_markers.items() if k not in registered},
        inifile=pytest_config.inifile,
        section=pytest_config.section,
        strict=pytest_config.strict_markers,
    )


@dataclass(frozen=True)
class Verdict:
    kind: str  # "known" | "undeclared" | "misspelled"
    targets: tuple[str, ...] = ()  # for "misspelled": the marker(s) meant, best first
    target_kind: str = ""  # builtin | registered | plugin


def classify(use: MarkerUse, known: Known) -> Verdict:
    """What one `pytest.mark.<name>` use is: known, undeclared, or a misspelling."""
    name = use.name
    if use.introspected or name.startswith("_") or known.knows(name):
        return Verdict("known")
    if name in known.ignored:
        return Verdict("undeclared")  # meant as the project's own marker, declared in vain
    scored: list[tuple[int, int, str, str]] = []
    for target, kind in known.targets().items():
        distance = near(name, target, kind)
        if distance is not None:
            scored.append((distance, _PRIORITY[kind], target, kind))
    if known.dynamic:
        # the name may be one the conftest registers: only a builtin mark's misspelling is sure
        scored = [s for s in scored if s[3] == "builtin"]
    if scored:
        scored.sort()
        best = scored[0]
        tied = tuple(s[2] for s in scored if s[:2] == best[:2])
        return Verdict("misspelled", targets=tied, target_kind=best[3])
    if known.dynamic:
        return Verdict("known")  # cannot tell: stay silent
    return Verdict("undeclared")


def _squash(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def _is_plain(name: str) -> bool:
    return not any(ch in name for ch in "*?[")


def near(name: str, target: str, kind: str = "builtin") -> int | None:
    """How far `name` is from `target` if it looks like a misspelling of it, else None."""
    a, b = _squash(name), _squash(target)
    if a == b:
        return 0  # case, underscores or dashes: skip_if, skipIf, use_fixtures
    if target == "parametrize" and _PARAMETRIZE_FAMILY.match(a):
        return 1
    if _EXPLICIT.get(a) == target:
        return 1
    shortest = min(len(a), len(b))
    if shortest < 4 or a[0] != b[0]:
        return None
    distance = osa_distance(a, b, limit=2)
    if distance == 1:
        if kind == "plugin" and shortest < 5:
            return None
        if shortest >= 5 or len(a) != len(b) or sorted(a) == sorted(b):
            return 1  # short names: an extra/missing letter or a swap, not a different word
    if distance == 2 and shortest >= 9 and kind != "plugin" and not (
        a.startswith(b) or b.startswith(a)
    ):
        return 2  # two slips in a long name; a suffix (`usefixtures_db`) is a name of its own
    return None


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (edits and adjacent swaps), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _ini_where(inifile: Path | None) -> str:
    return inifile.name if inifile is not None else "pytest config"


def declare_hint(inifile: Path | None, section: str = "") -> str:
    """Where the user should declare a marker, naming the section pytest reads."""
    if inifile is None:
        return "pyproject.toml [tool.pytest.ini_options] or pytest.ini [pytest]"
    if section:
        return f"{inifile.name} [{section}]"
    return f"{inifile.name} {section_for(inifile.name)}"


def section_for(filename: str) -> str:
    return {
        "pyproject.toml": "[tool.pytest.ini_options]",
        "setup.cfg": "[tool:pytest]",
    }.get(filename, "[pytest]")


def name_span(ctx: RuleContext, use: MarkerUse) -> tuple[int, int, int] | None:
    """(line, start, end) of the marker's name, 1-based character columns, end exclusive; None
    when the source text there is not exactly the name (so no edit may touch it)."""
    node = use.node
    line = node.end_lineno or node.lineno
    if node.end_col_offset is None:
        return None
    source = ctx.module.source
    end = source.char_col(line, node.end_col_offset)
    start = end - len(use.name)
    if start < 0 or source.line(line)[start:end] != use.name:
        return None
    return line, start + 1, end + 1
