"""A baseline: the findings a suite had when it adopted testlint, so that CI fails only on new ones.

An entry is keyed by the file (relative to the baseline file, so the baseline works from any
working directory and in any clone), the rule, and the finding's fingerprint (the rule, the
test's name and its normalised code, and the flagged text; no line numbers, so findings survive
edits above them). Identical findings in one test are counted. The message is kept for people
reading the file; it is not part of the key.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from testlint import __version__
from testlint.finding import Finding

FORMAT_KEY = "testlint-baseline"
FORMAT_VERSION = 1

Key = tuple[str, str, str]  # (path relative to the baseline's directory, code, fingerprint)


class BaselineError(Exception):
    """An unreadable or malformed baseline file; the message names the file and the problem."""


def _relative(path: str, base: Path) -> str:
    return Path(os.path.relpath(os.path.abspath(path), base)).as_posix()


def _key(finding: Finding, base: Path) -> Key:
    return (_relative(finding.path, base), finding.code, finding.fingerprint or finding.message)


def render_baseline(findings: Iterable[Finding], file: Path) -> str:
    """The baseline file's text for these findings (sorted, no timestamps: stable diffs)."""
    base = file.resolve().parent
    counts: Counter[Key] = Counter()
    about: dict[Key, Finding] = {}
    for finding in findings:
        key = _key(finding, base)
        counts[key] += 1
        about.setdefault(key, finding)
    entries = [
        {
            "path": key[0],
            "code": key[1],
            "test": about[key].test,
            "fingerprint": key[2],
            "count": counts[key],
            "message": about[key].message,
        }
        for key in sorted(counts, key=lambda k: (k[0], k[1], about[k].test or "", k[2]))
    ]
    data = {FORMAT_KEY: FORMAT_VERSION, "generated-by": f"testlint {__version__}",
            "findings": entries}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass
class Baseline:
    file: Path
    counts: Counter[Key]

    @classmethod
    def load(cls, file: Path) -> Baseline:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{file}: baseline file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{file}: cannot read baseline: {exc}") from None
        except ValueError as exc:
            raise BaselineError(f"{file}: baseline is not valid JSON: {exc}") from None
        except RecursionError:
            raise BaselineError(f"{file}: baseline is nested too deeply to read") from None
        if not isinstance(data, dict) or data.get(FORMAT_KEY) != FORMAT_VERSION:
            raise BaselineError(
                f"{file}: not a testlint baseline (version {FORMAT_VERSION}); "
                "write one with `testlint baseline PATH... -o FILE`"
            )
        entries = data.get("findings", [])
        if not isinstance(entries, list):
            raise BaselineError(f"{file}: \"findings\" must be a list of entries")
        counts: Counter[Key] = Counter()
        for number, entry in enumerate(entries, start=1):
            try:
                key = (str(entry["path"]), str(entry["code"]), str(entry["fingerprint"]))
                count = entry.get("count", 1)
                if isinstance(count, bool) or not isinstance(count, int):
                    raise ValueError(count)  # 1e400, "3", true: not a count
            except (KeyError, TypeError, ValueError, AttributeError):
                raise BaselineError(
                    f"{file}: entry {number} lacks path, code or fingerprint, or its count "
                    "is not a whole number"
                ) from None
            counts[key] += max(count, 1)
        return cls(file=file, counts=counts)

    def apply(
        self,
        findings: Sequence[Finding],
        checked: Iterable[Path],
        codes: Collection[str],
    ) -> tuple[list[Finding], int]:
        """The findings the baseline does not account for, and how many of its entries no
        longer match a finding (counting only files that were checked, for enabled rules)."""
        base = self.file.resolve().parent
        left = Counter(self.counts)
        new: list[Finding] = []
        for finding in findings:
            key = _key(finding, base)
            if left[key] > 0:
                left[key] -= 1
            else:
                new.append(finding)
        checked_paths = {_relative(str(path), base) for path in checked}
        stale = sum(
            count
            for (path, code, _), count in left.items()
            if count > 0 and path in checked_paths and code in codes
        )
        return new, stale
