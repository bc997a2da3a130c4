"""Where gates 3 and 4 run code a model wrote: a temporary copy of the project, a minimal
environment, a process tree that dies whole, and (where the platform allows) no network.

- The copy: the project without virtualenvs, caches and VCS data. A symbolic link that points
  inside the project is re-made to point inside the copy; one that leaves the project (or
  dangles) is left out, so nothing written through the copy reaches the real tree by a link.
- The environment is built from an allow-list (PATH, locale, a few PYTHON*/PYTEST* switches, the
  names in `pass-env`), never from a deny-list, and a name that reads like a secret or grants
  access is dropped even then: no tokens, no DATABASE_URL, no AWS_*, no provider keys. HOME,
  TMPDIR and PWD point into the sandbox, so `$PWD/x` and `~/x` land in the copy's directory.
- The driver runs in a session of its own (a new process group), and on Linux inside
  `unshare --user --map-root-user --net --pid --fork --kill-child` when that works for the
  current user: a network namespace with no interface up, and a pid namespace whose processes
  the kernel kills when the driver ends, however they detached. The group is killed at the
  timeout and again after a normal end, so a left-over child dies with the run either way.
  Where unshare is missing or refused, the run says so once and goes on without those two.

This is damage control, not a jail: the code runs as the user and can read and write what the
user can by absolute path.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import site
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.rewrite.settings import DEFAULT_KEY_ENV, Settings

RESULTS_MARK = "@@testlint-results@@"

_SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".ruff_cache", ".testlint_cache", ".hypothesis", ".eggs",
    "build", "dist",
})
# passed through from the user's environment, by exact name or prefix
_PASS_NAMES = frozenset({
    "PATH", "LANG", "LANGUAGE", "TZ", "TERM", "NO_COLOR", "FORCE_COLOR", "CI",
    "PYTHONHASHSEED", "PYTHONUTF8", "PYTHONIOENCODING", "PYTHONWARNINGS", "PYTHONFAULTHANDLER",
    "PYTHONDEVMODE", "PYTHONNOUSERSITE",
    # what Windows needs to start a process at all
    "SYSTEMROOT", "SYSTEMDRIVE", "COMSPEC", "PATHEXT", "WINDIR",
})
_PASS_PREFIXES = ("LC_", "PYTEST_")
# even an allowed or `pass-env` name is dropped when it reads like a secret or grants access
_SECRET_NAME = re.compile(
    r"(?i)(key|secret|token|passw|credential|private|auth|dsn|session|cookie)"
    r"|^(AWS|AZURE|GCP|GOOGLE|GH|GITHUB|GITLAB|VAULT|DOCKER|NPM|PYPI|TWINE)_|_UR[LI]$")

UNSHARE = ("unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child")


@dataclass(frozen=True)
class Isolation:
    prefix: tuple[str, ...]  # put before the driver's command line
    missing: str | None  # why there is no network or pid isolation (None: there is)


_isolation: Isolation | None = None


def isolation() -> Isolation:
    """unshare's namespaces if they work here for this user (probed once per process)."""
    global _isolation
    if _isolation is None:
        _isolation = _probe()
    return _isolation


def _probe() -> Isolation:
    if not sys.platform.startswith("linux"):
        return Isolation((), f"no network or pid namespaces on {sys.platform}")
    unshare = shutil.which("unshare")
    if unshare is None:
        return Isolation((), "`unshare` is not installed")
    prefix = (unshare, *UNSHARE[1:])
    check = ("import socket\n"
             "try:\n"
             "    socket.create_connection(('127.0.0.1', 9), 1)\n"
             "except OSError as exc:\n"
             "    raise SystemExit(0 if exc.errno == 101 else 3)\n"  # ENETUNREACH: no interface
             "raise SystemExit(3)\n")
    try:
        done = subprocess.run([*prefix, sys.executable, "-c", check], capture_output=True,
                              text=True, timeout=20, stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return Isolation((), f"`unshare` cannot run: {exc}")
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        return Isolation((), f"`unshare --user --net --pid` is not allowed here: {why}")
    return Isolation(prefix, None)


def _ignore(directory: str, names: list[str]) -> set[str]:
    ignored = set()
    for name in names:
        full = os.path.join(directory, name)
        skipped = name in _SKIP_DIRS or name.endswith((".egg-info", ".pyc"))
        if skipped or os.path.isfile(os.path.join(full, "pyvenv.cfg")) or _special(full):
            ignored.add(name)  # and any virtualenv, FIFO, socket or device
    return ignored


def _special(path: str) -> bool:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return True
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode) or stat.S_ISLNK(mode))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def copy_project(original: Path, copy: Path) -> list[str]:
    """Copy the project; keep the links that stay inside it (re-made to point inside the copy)
    and leave out the ones that leave it. Returns the links left out, as `path -> target`."""
    shutil.copytree(original, copy, ignore=_ignore, symlinks=True)
    root = os.path.realpath(original)
    left_out: list[str] = []
    for directory, dirs, files in os.walk(copy):
        for name in [*dirs, *files]:
            link = os.path.join(directory, name)
            if not os.path.islink(link):
                continue
            relative = os.path.relpath(link, copy)
            target = os.path.realpath(os.path.join(root, relative))
            os.unlink(link)
            if _inside(target, root) and os.path.lexists(target):
                inside = os.path.join(copy, os.path.relpath(target, root))
                os.symlink(os.path.relpath(inside, directory), link)
            else:
                left_out.append(f"{relative} -> {os.readlink(os.path.join(root, relative))}")
    return sorted(left_out)


def sandbox_environment(settings: Settings, python_paths: list[Path], home: Path, tmp: Path,
                        cwd: Path, base: dict[str, str] | None = None,
                        map_path: Callable[[Path], Path | None] | None = None) -> dict[str, str]:
    """The environment of the pytest runs, from an allow-list: no keys, tokens or secrets."""
    source = dict(os.environ if base is None else base)
    provider_keys = {settings.key_env, *DEFAULT_KEY_ENV.values()}
    env = {
        name: value for name, value in source.items()
        if (name in _PASS_NAMES or name.startswith(_PASS_PREFIXES) or name in settings.pass_env)
        and name not in provider_keys and not _SECRET_NAME.search(name)
    }
    env.update({
        "HOME": str(home), "USERPROFILE": str(home), "TMPDIR": str(tmp), "TEMP": str(tmp),
        "TMP": str(tmp), "PWD": str(cwd), "PYTHONDONTWRITEBYTECODE": "1",
        # packages installed with `pip install --user` stay importable under the new HOME
        "PYTHONUSERBASE": source.get("PYTHONUSERBASE") or site.getuserbase(),
    })
    env.setdefault("PATH", os.defpath)
    paths = [str(p) for p in python_paths]
    for entry in (source.get("PYTHONPATH") or "").split(os.pathsep):
        if entry:
            mapped = map_path(Path(entry)) if map_path is not None else None
            paths.append(str(mapped) if mapped is not None else entry)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


@dataclass
class RunResult:
    returncode: int | None  # None: timed out
    output: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0

    def summary(self, limit: int = 20) -> str:
        lines = self.output.splitlines()
        wanted = [ln for ln in lines if ln.startswith(("E ", "FAILED", "ERROR"))]
        chosen = wanted[:limit] if wanted else lines[-limit:]
        return "\n".join(chosen).strip()


@dataclass
class Variant:
    """One run: files swapped in for it, and (optionally) its own pytest arguments and extra
    environment (a PYTHONHASHSEED of its own makes it a fresh process)."""

    files: dict[Path, str] = field(default_factory=dict)
    args: list[str] | None = None
    env: dict[str, str] | None = None

    def job(self) -> dict[str, Any]:
        out: dict[str, Any] = {"files": {str(p): t for p, t in self.files.items()}}
        if self.args is not None:
            out["args"] = self.args
        if self.env is not None:
            out["env"] = self.env
        return out


class OutsideCopy(Exception):
    """A path that is not part of the project copied for the run."""


class Sandbox:
    """A temporary copy of the project where model-written tests run.

    Runs go through `_driver.py`, copied beside the project copy: it imports pytest once and
    forks a fresh process per run, so gate 3's repeated runs and gate 4's mutants stay cheap.
    """

    def __init__(self, root: Path, settings: Settings, source_roots: list[Path]) -> None:
        self.original = root.resolve()
        self.settings = settings
        self._tmp = Path(tempfile.mkdtemp(prefix="testlint-rewrite-"))
        self.root = self._tmp / "project" / (self.original.name or "project")
        self.root.parent.mkdir()
        try:
            self.left_out = copy_project(self.original, self.root)
        except BaseException:
            self.close()
            raise
        self.driver = self._tmp / "driver" / "_testlint_driver.py"
        self.driver.parent.mkdir()
        self.driver.write_text(Path(__file__).with_name("_driver.py").read_text("utf-8"), "utf-8")
        for name in ("home", "tmp"):
            (self._tmp / name).mkdir()
        self._jobs = 0
        # the old test's results against the mutants, by (file text, node id, mutants): the same
        # for every proposal for one finding, so gate 4 runs them once per finding, not per attempt
        self.old_mutant_results: dict[tuple[str, str, tuple[str, ...]], dict[str, str]] = {}
        self.isolation = isolation()
        inside = [self.map(p) for p in source_roots]
        self.env = sandbox_environment(settings, [p for p in inside if p is not None],
                                       home=self._tmp / "home", tmp=self._tmp / "tmp",
                                       cwd=self.root, map_path=self.map)

    def notes(self) -> list[str]:
        """What the run should tell the user once about this sandbox."""
        out = []
        if self.left_out:
            more = f" (and {len(self.left_out) - 1} more)" if len(self.left_out) > 1 else ""
            out.append("rewrite --run: symbolic links that leave the project are not copied: "
                       f"{self.left_out[0]}{more}")
        if self.isolation.missing:
            out.append(f"rewrite --run: proposals run with network access and a child that "
                       f"leaves its process group can outlive the run ({self.isolation.missing})")
        return out

    def map(self, path: Path) -> Path | None:
        """The copy of a path of the project, or None if it lies outside it."""
        try:
            relative = path.resolve().relative_to(self.original)
        except ValueError:
            return None
        return self.root / relative

    def write(self, path: Path, text: str) -> None:
        target = self.map(path)
        if target is None:
            raise OutsideCopy(f"{path} is outside the project copied for the run")
        target.write_bytes(text.encode("utf-8"))

    def base_args(self) -> list[str]:
        return ["-q", "--no-header", "-p", "no:cacheprovider", *self.settings.pytest_args]

    def run(self, nodeid: str, phases: list[tuple[list[dict[Path, str]] | list[Variant], str]],
            required: Sequence[int] = (), stop_on_timeout: Sequence[int] = ()
            ) -> list[list[RunResult]]:
        """Run the node once per variant (files to swap in) of each phase, in one driver process.

        A phase is (variants, until): "failure" stops at the first failing run and skips the later
        phases, "killed" stops at the first run that fails or times out.
        """
        self._jobs += 1
        job = self.driver.with_name(f"job-{self._jobs}.json")
        args = ["-q", "--no-header", "-p", "no:cacheprovider", "-x", *self.settings.pytest_args,
                nodeid]
        job.write_text(json.dumps({
            "args": args,
            "timeout": self.settings.run_timeout,
            "phases": [
                {"until": until, "required": number in required,
                 "stop_on_timeout": number in stop_on_timeout,
                 "variants": [(v if isinstance(v, Variant) else Variant(dict(v))).job()
                              for v in variants]}
                for number, (variants, until) in enumerate(phases)
            ],
        }), "utf-8")
        count = sum(len(variants) for variants, _ in phases)
        limit = self.settings.run_timeout * count + 60
        command = [*self.isolation.prefix, sys.executable, str(self.driver), str(job)]
        stdout, stderr, finished = _run_group(command, self.root, self.env, limit)
        if not finished:
            return [[RunResult(None, "")]]
        marker = stdout.rfind(RESULTS_MARK)
        if marker < 0:
            tail = (stdout + stderr).strip().splitlines()[-10:]
            return [[RunResult(4, "the test runner failed:\n" + "\n".join(tail))]]
        data = json.loads(stdout[marker + len(RESULTS_MARK):])
        return [[RunResult(r["returncode"], r["output"]) for r in phase] for phase in data]

    def python(self) -> str:
        """The interpreter for the mutation engine's runs: wrapped in the same namespaces as the
        driver's runs where they work here."""
        if not self.isolation.prefix:
            return sys.executable
        wrapper = self.driver.with_name("python")
        if not wrapper.exists():
            import shlex

            wrapper.write_text("#!/bin/sh\nexec " + shlex.join([*self.isolation.prefix,
                                                                 sys.executable]) + ' "$@"\n',
                               encoding="utf-8")
            wrapper.chmod(0o755)
        return str(wrapper)

    def nodeid(self, path: Path, qualname: str) -> str:
        target = self.map(path)
        if target is None:
            raise OutsideCopy(f"{path} is outside the project copied for the run")
        return "::".join([target.relative_to(self.root).as_posix(), *qualname.split(".")])

    def close(self) -> None:
        shutil.rmtree(self._tmp, ignore_errors=True)


def _run_group(command: list[str], cwd: Path, env: dict[str, str], limit: float
               ) -> tuple[str, str, bool]:
    """Run a command in a new session; kill its whole process group at the time limit and
    again when it ends (a child it left behind dies too). (stdout, stderr, finished)."""
    posix = os.name == "posix"
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=posix,
    )
    finished = True
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        finished = False
        _kill_group(process, posix)
        stdout, stderr = process.communicate()
    finally:
        _kill_group(process, posix)
    return stdout or "", stderr or "", finished


def _kill_group(process: subprocess.Popen[str], posix: bool) -> None:
    if posix:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    elif process.poll() is None:
        process.kill()
