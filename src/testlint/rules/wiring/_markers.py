"""What pytest knows about markers, shared by TL501 (undeclared) and TL502 (misspelled).

A marker is known when pytest itself defines it, when the project declares it (its ini file,
or `config.addinivalue_line("markers", ...)` in a conftest on the file's path), when a
well-known plugin registers it and the project has that plugin (declared, installed, configured
or loaded: see dependencies.plugins), or when the `extra-markers` option names it. A plugin's
marker whose plugin the project does not have is "unprovided". Both rules classify every use
with `classify`, so that one use never gets both findings.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from testlint.dependencies.installed import installed_distributions
from testlint.dependencies.names import requirement_name
from testlint.dependencies.plugins import (
    MARKER_PLUGINS,
    RUNS_EVERY_COROUTINE,
    Plugin,
    PluginEvidence,
    addopts_evidence,
)
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

# Markers of well-known plugins, with the distributions that register them (dependencies.plugins).
PLUGIN_MARKERS: dict[str, Plugin] = MARKER_PLUGINS

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
    # plugin markers used in the file whose plugin the project does not have: name -> plugin
    unprovided: dict[str, Plugin] = field(default_factory=dict)
    # the project has a plugin that runs every coroutine test, marked or not (pytest-sanic)
    runs_every_coroutine: bool = False

    def knows(self, name: str) -> bool:
        return (
            name in BUILTIN_MARKERS
            or (name in PLUGIN_MARKERS and name not in self.unprovided)
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
    used = {use.name for use in ctx.module.markers if use.name in PLUGIN_MARKERS}
    unprovided: dict[str, Plugin] = {}
    runs_every_coroutine = False
    if used - registered.keys():
        evidence = plugin_evidence(ctx)
        unprovided = {
            name: PLUGIN_MARKERS[name] for name in sorted(used - registered.keys())
            if not evidence.has(PLUGIN_MARKERS[name])
        }
        runs_every_coroutine = evidence.has(RUNS_EVERY_COROUTINE)
    return Known(
        registered=registered,
        extra=tuple(ctx.options.extra_markers),
        dynamic=dynamic,
        ignored={k: v for k, v in pytest_config.ignored_markers.items() if k not in registered},
        inifile=pytest_config.inifile,
        section=pytest_config.section,
        strict=pytest_config.strict_markers,
        unprovided=unprovided,
        runs_every_coroutine=runs_every_coroutine,
    )


def plugin_evidence(ctx: RuleContext) -> PluginEvidence:
    """What says which plugins are in play for this file: the distributions the project
    declares, pytest's `required_plugins` names, or testlint's environment has installed, the
    options and `-p` plugins of pytest's
    configuration, and the modules the conftests load (`pytest_plugins`) or import and the test
    module imports."""
    pytest_config = ctx.project.pytest
    modules, flags = addopts_evidence(pytest_config.addopts)
    for module in [*ctx.module.lookup.conftest_modules(), ctx.module]:
        modules.update(name.split(".", 1)[0] for name in module.pytest_plugins)
        modules.update(q.split(".", 1)[0] for q in module.imports.values())
    declared = ctx.module.lookup.declared_dependencies()
    required = {n for n in map(requirement_name, pytest_config.required_plugins) if n}
    return PluginEvidence(
        distributions=frozenset(declared.names) | installed_distributions() | required,
        modules=frozenset(modules),
        options=frozenset({key.lower() for key in pytest_config.ini_keys} | flags),
    )


@dataclass(frozen=True)
class Verdict:
    kind: str  # "known" | "undeclared" | "misspelled" | "unprovided" (its plugin is missing)
    targets: tuple[str, ...] = ()  # for "misspelled": the marker(s) meant, best first
    target_kind: str = ""  # builtin | registered | plugin


def classify(use: MarkerUse, known: Known) -> Verdict:
    """What one `pytest.mark.<name>` use is: known, undeclared, or a misspelling."""
    name = use.name
    if use.introspected or name.startswith("_") or known.knows(name):
        return Verdict("known")
    if name in known.unprovided:
        # a conftest that registers markers by names it computes may register this one too
        return Verdict("known" if known.dynamic else "unprovided")
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
