"""Which collected tests a run verifies: `--shard i/n` and `--changed-since REF`."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
from pathlib import Path


class SelectionError(Exception):
    pass


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, _, total = text.partition("/")
        i, n = int(index), int(total)
    except ValueError:
        raise SelectionError(f"--shard {text!r}: expected i/n, e.g. 1/4") from None
    if n < 1 or not 1 <= i <= n:
        raise SelectionError(f"--shard {text!r}: i must be between 1 and n")
    return i, n


def shard_of(nodeid: str, total: int) -> int:
    """The 1-based shard a test belongs to: a hash of its id without parameters, so one
    function's parametrized cases stay together and the assignment never depends on the
    machine, the order of collection or the other tests."""
    base = nodeid.split("[", 1)[0]
    digest = hashlib.blake2b(base.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % total + 1


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise SelectionError(f"--changed-since needs git: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()
        raise SelectionError(f"--changed-since: git {' '.join(args)}: "
                             f"{message[-1] if message else 'failed'}")
    return done.stdout


def _tests_by_qualname(source: str) -> dict[str, str]:
    """Each function's normalised AST (no positions), by dotted qualname."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return {}
    out: dict[str, str] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                out[name] = ast.dump(child, annotate_fields=False, include_attributes=False)
                walk(child, name + ".")

    walk(tree, "")
    return out


def changed_tests(cwd: Path, ref: str) -> dict[str, set[str] | None]:
    """Test files changed since `ref` (committed or not), each with the qualnames of the
    functions added or changed in it; None for a file that is new (every test in it)."""
    top = Path(_git(cwd, "rev-parse", "--show-toplevel").strip())
    base = _git(cwd, "merge-base", ref, "HEAD").strip() or ref
    names = _git(cwd, "diff", "--name-only", "--diff-filter=AMR", base, "--").splitlines()
    names += _git(cwd, "ls-files", "--others", "--exclude-standard").splitlines()
    out: dict[str, set[str] | None] = {}
    for name in names:
        path = top / name
        if not name.endswith(".py") or not path.is_file():
            continue
        real = os.path.realpath(path)
        try:
            old = subprocess.run(["git", "show", f"{base}:{name}"], cwd=top, capture_output=True,
                                 text=True, check=False, stdin=subprocess.DEVNULL)
        except OSError:
            out[real] = None
            continue
        if old.returncode != 0:
            out[real] = None
            continue
        before = _tests_by_qualname(old.stdout)
        after = _tests_by_qualname(path.read_text(encoding="utf-8", errors="replace"))
        out[real] = {q for q, dump in after.items() if before.get(q) != dump}
    return out


def is_changed(path: str, qualname: str, changed: dict[str, set[str] | None]) -> bool:
    if path not in changed:
        return False
    names = changed[path]
    if names is None:
        return True
    return qualname in names
