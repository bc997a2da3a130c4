"""The result cache: a file's findings, reused while nothing they depend on has changed.

Layout, under the project root (where the config or pytest's ini file lives):

    .testlint_cache/
        CACHEDIR.TAG           tells backup tools to skip the directory
        .gitignore             `*`: the cache ignores itself, nobody has to add it
        v1/<run key>/<shard>.json

The run key digests everything that changes findings for every file at once: testlint's
version and code, the enabled rules, the resolved configuration (Config.fingerprint()), what
pytest's configuration says about collection and markers, and, once an enabled rule needs
inference, a digest of the project's modules, and once a rule needs inference or the installed
environment (TL501: which plugins are installed), a digest of that environment. Within a run key,
an entry is keyed by the file's resolved path and holds the digest of its content, the digests
of the other files its findings depended on (conftests, test helpers, `__init__.py` files, its
stored snapshots, the test modules it imports; a missing file counts as "absent"), and the
findings. An entry is used only when all of those digests still match, so a second run over an
unchanged tree parses nothing.

Entries are JSON (a cache in a repository must never be able to run code), sharded by path so a
pre-commit run over three files reads three small shards, and every write is atomic (temporary
file + rename), re-reading the shard first so that concurrent runs lose nothing but work.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testlint import __version__
from testlint.finding import Edit, Finding, Fix

if TYPE_CHECKING:
    from testlint.engine import Engine

CACHE_DIR_NAME = ".testlint_cache"
FORMAT = "v1"
SHARDS = 16
KEEP_RUN_KEYS = 8  # older run keys (other configs, older versions) are removed
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by testlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

Entry = dict[str, Any]


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_fingerprint(module_files: Iterable[str]) -> list[tuple[str, int, int]]:
    """Size and mtime of testlint's own modules and the enabled rules' modules, so that an
    edited rule (an editable install, a rule pack) invalidates results even without a release."""
    package = Path(__file__).resolve().parent
    found: list[tuple[str, int, int]] = []
    for directory, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                stat = os.stat(path)
                found.append((os.path.relpath(path, package), stat.st_mtime_ns, stat.st_size))
    for file in sorted(set(module_files)):
        try:
            stat = os.stat(file)
        except OSError:
            continue
        found.append((file, stat.st_mtime_ns, stat.st_size))
    return found


def _listing_digest(directory: str) -> str:
    """A directory (snapshots): every file below it by name and content digest, so that an
    edit is seen however coarse the file system's modification times are."""
    rows: list[str] = []
    for base, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(base, name)
            try:
                digest = content_digest(Path(path).read_bytes())
            except OSError:
                continue
            rows.append(f"{os.path.relpath(path, directory)}\0{digest}")
    return "dir:" + content_digest("\n".join(rows).encode("utf-8", "surrogateescape"))


def run_key(parts: dict[str, Any], rule_modules: Sequence[str]) -> str:
    """The digest of everything that applies to every file of a run."""
    files = [
        getattr(sys.modules.get(name), "__file__", None) or "" for name in rule_modules
    ]
    data = {
        "format": FORMAT,
        "version": __version__,
        "python": sys.version_info[:2],
        "code": _code_fingerprint(f for f in files if f),
        **parts,
    }
    text = json.dumps(data, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _finding_to_json(finding: Finding, display: str) -> list[Any]:
    fix = None
    if finding.fix is not None:
        fix = {
            "description": finding.fix.description,
            "safe": finding.fix.safe,
            "edits": [list(asdict(edit).values()) for edit in finding.fix.edits],
        }
    return [
        finding.line,
        finding.col,
        finding.code,
        finding.name,
        finding.message,
        finding.end_line,
        finding.end_col,
        finding.test,
        finding.fingerprint,
        fix,
        None if finding.path == display else finding.path,
    ]


_EDIT_FIELDS = [f.name for f in fields(Edit)]


def _finding_from_json(row: list[Any], display: str) -> Finding:
    line, col, code, name, message, end_line, end_col, test, fingerprint, fix, path = row
    return Finding(
        path=path if path is not None else display,
        line=line,
        col=col,
        code=code,
        name=name,
        message=message,
        end_line=end_line,
        end_col=end_col,
        test=test,
        fingerprint=fingerprint,
        fix=None
        if fix is None
        else Fix(
            description=fix["description"],
            safe=fix["safe"],
            edits=tuple(Edit(**dict(zip(_EDIT_FIELDS, e, strict=True))) for e in fix["edits"]),
        ),
    )


def _shard_of(key: str) -> str:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=2).hexdigest()
    return f"{int(digest, 16) % SHARDS:02d}"


def _write_atomic(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _read_json(path: Path) -> dict[str, Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return {}  # unreadable, not JSON, or nested too deep for the parser: start afresh
    return data if isinstance(data, dict) else {}


class ResultCache:
    """Findings per file for one run key. Never raises on a broken or unwritable cache: a
    cache is an optimisation, so any problem with it means linting the file again."""

    def __init__(self, root: Path, key: str) -> None:
        self.root = root  # the .testlint_cache directory
        self.key = key
        self.directory = root / FORMAT / key
        self._shards: dict[str, dict[str, Entry]] = {}
        self._dirty: dict[str, dict[str, Entry]] = {}
        self._digests: dict[str, str | None] = {}
        self.hits = 0
        self.misses = 0

    def _shard(self, name: str) -> dict[str, Entry]:
        shard = self._shards.get(name)
        if shard is None:
            shard = _read_json(self.directory / f"{name}.json")
            self._shards[name] = shard
        return shard

    def dependency_digest(self, path: str) -> str | None:
        """The content digest of a file the findings depend on, or None if it does not exist."""
        if path not in self._digests:
            try:
                self._digests[path] = content_digest(Path(path).read_bytes())
            except IsADirectoryError:
                self._digests[path] = _listing_digest(path)
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    @staticmethod
    def entry_key(path: Path) -> str:
        return os.path.abspath(path)

    def lookup(self, path: Path, digest: str, display: str) -> list[Finding] | None:
        key = self.entry_key(path)
        entry = self._shard(_shard_of(key)).get(key)
        try:  # an entry of another shape (an older format, an edit by hand) is a miss
            if (
                not isinstance(entry, dict)
                or entry.get("h") != digest
                or any(self.dependency_digest(str(dep)) != dep_digest
                       for dep, dep_digest in entry["d"])
            ):
                self.misses += 1
                return None
            found = [_finding_from_json(row, display) for row in entry["f"]]
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def store(
        self,
        path: Path,
        digest: str,
        display: str,
        findings: Sequence[Finding],
        reads: Iterable[Path],
    ) -> None:
        key = self.entry_key(path)
        deps = [[str(dep), self.dependency_digest(str(dep))] for dep in reads]
        entry = {"h": digest, "d": deps, "f": [_finding_to_json(f, display) for f in findings]}
        name = _shard_of(key)
        self._shard(name)[key] = entry
        self._dirty.setdefault(name, {})[key] = entry

    def save(self) -> None:
        """Write the shards that changed; merge with what another run wrote meanwhile."""
        if not self._dirty:
            return
        try:
            self._prepare()
            for name, entries in self._dirty.items():
                path = self.directory / f"{name}.json"
                merged = _read_json(path)
                merged.update(entries)
                _write_atomic(path, json.dumps(merged, separators=(",", ":")))
            self._dirty.clear()
        except OSError:
            return  # read-only checkout, full disk: the next run lints again
        self._prune()

    def _prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            _write_atomic(tag, CACHEDIR_TAG)
        ignore = self.root / ".gitignore"
        if not ignore.exists():
            _write_atomic(ignore, "# created by testlint: the cache ignores itself\n*\n")
        self.directory.mkdir(parents=True, exist_ok=True)
        os.utime(self.directory)

    def _prune(self) -> None:
        try:
            keys = sorted(
                (d for d in (self.root / FORMAT).iterdir() if d.is_dir()),
                key=lambda d: d.stat().st_mtime_ns,
                reverse=True,
            )
            for old in keys[KEEP_RUN_KEYS:]:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            return


def cache_root(config_path: Path | None, inifile: Path | None) -> Path:
    """Where `.testlint_cache` goes: beside the testlint config, else pytest's ini file, else
    the current directory (as ruff does with its project root)."""
    for anchor in (config_path, inifile):
        if anchor is not None:
            return anchor.parent / CACHE_DIR_NAME
    return Path.cwd() / CACHE_DIR_NAME


def engine_run_key(engine: Engine) -> str:
    """The run key for an engine: its rules, configuration, pytest's view, and inference."""
    project = engine.project
    pytest = project.pytest
    parts: dict[str, Any] = {
        "rules": [rule.code for rule in engine.rules],
        "config": project.config.fingerprint(),
        "suppress": engine.suppress,
        "pytest": {
            "rootdir": str(pytest.rootdir),
            "inifile": str(pytest.inifile),
            "python_classes": pytest.python_classes,
            "python_functions": pytest.python_functions,
            "markers": sorted(pytest.markers),
            "addopts": pytest.addopts,
            "pythonpath": pytest.pythonpath,
            "ini_keys": pytest.ini_keys,
            "required_plugins": pytest.required_plugins,
        },
    }
    if any("inference" in rule.needs for rule in engine.rules):
        # rules that read the code under test: their findings depend on every module the
        # project's roots hold, and on the installed packages (test modules a file imports are
        # noted per file instead; see inference.source_roots_digest)
        from testlint import inference

        parts["sources"] = inference.source_roots_digest(project)
    if any(need in rule.needs for rule in engine.rules for need in ("inference", "environment")):
        # installed plugins decide which markers are known (TL501), installed modules what
        # inference reads
        from testlint.dependencies.installed import environment_digest

        parts["environment"] = environment_digest()
    return run_key(parts, [rule.module for rule in engine.rules])


def open_cache(engine: Engine, directory: Path) -> ResultCache:
    return ResultCache(directory, engine_run_key(engine))
