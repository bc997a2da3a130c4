"""Running the engine over many files: the result cache, the process pool, the progress bar.

The output never depends on how the work was split: every file is linted by the same code in
the same way, and the engine sorts the findings at the end.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from testlint.cache import ResultCache, content_digest
from testlint.finding import Finding
from testlint.progress import Progress

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from testlint.engine import Engine

# Below this many files to lint, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 32
MAX_CHUNK = 16

# (path, content digest or None if unread, findings, files the findings depend on)
Result = tuple[Path, str | None, list[Finding], list[Path]]


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# Young-generation threshold while linting. Parsing allocates AST nodes by the hundred thousand
# and a file's facts are freed by refcount (they hold no reference cycles), so the default (700)
# only makes the collector rescan live trees over and over: about a third of parse time on
# pandas' tests, measured.
GC_THRESHOLD = (50_000, 20, 20)


@contextmanager
def tuned_gc() -> Iterator[None]:
    """Freeze what is alive before the run (imported modules, the registry: never garbage) and
    collect less often while it lasts; the previous settings come back afterwards."""
    previous = gc.get_threshold()
    _tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()


def _tune_gc() -> None:
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def lint_one(engine: Engine, path: Path, data: bytes | None = None, record: bool = True) -> Result:
    """One file's findings; with `record`, also its content digest and the other files its
    findings depend on (what the result cache keys its entry on)."""
    if not record:
        if data is None:
            return path, None, engine.lint_path(path), []
        return path, None, engine.lint_bytes(data, path), []
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            return path, None, engine.lint_path(path), []
    findings, reads = engine.lint_recorded(data, path)
    return path, content_digest(data), findings, reads


@dataclass
class RunStats:
    """How a run went: files given, answered from the cache, linted, and worker processes."""

    files: int = 0
    cached: int = 0
    linted: int = 0
    workers: int = 0


def run_files(
    engine: Engine,
    files: Sequence[Path],
    *,
    jobs: int = 1,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
) -> tuple[list[Finding], RunStats]:
    progress = progress or Progress()
    stats = RunStats(files=len(files))
    findings: list[Finding] = []
    todo: list[tuple[Path, bytes | None]] = []
    for path in files:
        if cache is None:
            todo.append((path, None))
            continue
        try:
            data = path.read_bytes()
        except OSError:
            todo.append((path, None))  # the engine reports why
            continue
        cached = cache.lookup(path, content_digest(data), path.as_posix())
        if cached is None:
            todo.append((path, data))
        else:
            findings.extend(cached)
            progress.advance()
    stats.cached = len(files) - len(todo)
    with tuned_gc():
        if jobs > 1 and len(todo) >= PARALLEL_MIN_FILES:
            results: Iterator[Result] = _in_pool(engine, [path for path, _ in todo], jobs,
                                                 progress, stats)
        else:
            results = _serially(engine, todo, progress, record=cache is not None)
        for path, digest, found, reads in results:
            stats.linted += 1
            findings.extend(found)
            if cache is not None and digest is not None:
                cache.store(path, digest, path.as_posix(), found, reads)
    if cache is not None:
        cache.save()
    progress.close()
    return findings, stats


def _serially(
    engine: Engine, todo: Sequence[tuple[Path, bytes | None]], progress: Progress,
    record: bool = True,
) -> Iterator[Result]:
    for path, data in todo:
        yield lint_one(engine, path, data, record)
        progress.advance()


# --- the pool -----------------------------------------------------------------------------

_worker_engine: Engine | None = None


@dataclass(frozen=True)
class _EngineSpec:
    """What a spawned (not forked) worker needs to build the same engine."""

    config: object
    pytest: object
    codes: tuple[str, ...]
    suppress: bool
    fingerprints: bool = True


def _init_worker(engine: Engine | _EngineSpec) -> None:
    global _worker_engine
    _tune_gc()  # a worker only lints: tuned for it for its whole life (see tuned_gc)
    if isinstance(engine, _EngineSpec):
        from testlint.config import Config
        from testlint.engine import Engine as EngineType
        from testlint.project import Project
        from testlint.pytest_config import PytestConfig
        from testlint.registry import load_registry

        assert isinstance(engine.config, Config)
        assert isinstance(engine.pytest, PytestConfig)
        registry = load_registry()
        engine = EngineType(
            project=Project(config=engine.config, pytest=engine.pytest),
            rules=[registry.rules[code] for code in engine.codes],
            registry=registry,
            suppress=engine.suppress,
            fingerprints=engine.fingerprints,
        )
    _worker_engine = engine


def _lint_chunk(paths: list[Path]) -> list[Result]:
    assert _worker_engine is not None
    return [lint_one(_worker_engine, path) for path in paths]


def _chunks(paths: Sequence[Path], jobs: int) -> list[list[Path]]:
    size = max(1, min(MAX_CHUNK, len(paths) // (jobs * 8) or 1))
    return [list(paths[i : i + size]) for i in range(0, len(paths), size)]


def _in_pool(
    engine: Engine, paths: Sequence[Path], jobs: int, progress: Progress, stats: RunStats
) -> Iterator[Result]:
    # imported here: a pre-commit run over a few files never starts a pool
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    context: BaseContext
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        # forked workers inherit the engine, the imported rules and the registry as they are
        context = multiprocessing.get_context("fork")
        init: Engine | _EngineSpec = engine
    else:
        context = multiprocessing.get_context("spawn")
        codes = tuple(rule.code for rule in engine.rules)
        if any(engine.registry.rules.get(rule.code) is not rule for rule in engine.rules):
            # rules a spawned worker could not find by code (built by hand, not registered)
            yield from _serially(engine, [(p, None) for p in paths], progress)
            return
        init = _EngineSpec(engine.project.config, engine.project.pytest, codes, engine.suppress,
                           engine.fingerprints)
    chunks = _chunks(paths, jobs)
    remaining = {id(chunk): chunk for chunk in chunks}
    stats.workers = min(jobs, len(chunks))
    try:
        with ProcessPoolExecutor(
            max_workers=stats.workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(init,),
        ) as pool:
            futures = {pool.submit(_lint_chunk, chunk): chunk for chunk in chunks}
            for future in as_completed(futures):
                chunk = futures[future]
                results = future.result()
                del remaining[id(chunk)]
                yield from results
                progress.advance(len(chunk))
    except (BrokenProcessPool, OSError):
        # a worker died (out of memory, killed) or no process could start: finish here
        stats.workers = 0
        left = [path for chunk in remaining.values() for path in chunk]
        yield from _serially(engine, [(p, None) for p in left], progress)
