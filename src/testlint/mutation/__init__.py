"""The mutation engine shared by the rewrite gates and `testlint verify`.

    from testlint.mutation import Mutant, generate, mutated_source, run_mutants, record_coverage

`generate` reads the mutants of a module's functions from its text (stdlib `ast`, deterministic
ids); `run_mutants` runs the tests that cover each mutant in a child pytest with the mutant
applied in memory (an import hook; nothing is written under the project); `record_coverage`
records which project lines each test executes. See docs/mutation.md.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from testlint.mutation import operators
from testlint.mutation.model import Mutant, MutantResult
from testlint.mutation.runner import record_coverage, run_mutants

__all__ = ["Mutant", "MutantResult", "generate", "mutated_source", "record_coverage",
           "run_mutants"]


def generate(source: str, path: Path, *, functions: Collection[str] | None = None,
             lines: Collection[int] | None = None) -> list[Mutant]:
    """The mutants of `source` (the text of the module file `path`), in source order.

    `functions`: only in these qualnames ("Cart.total"; a class name takes its methods);
    `lines`: only mutants whose code touches one of these lines. The ids do not depend on the
    filters. A text that does not parse has no mutants."""
    try:
        return [mutant for mutant, _site in operators.sites(source, path, functions=functions,
                                                            lines=lines)]
    except (SyntaxError, ValueError):
        return []


def mutated_source(source: str, mutant: Mutant) -> str:
    """`source` with `mutant` applied, for inspection (line numbers are those of `source`).
    Raises LookupError when `mutant` is not a mutant of this text."""
    qualname = operators.qualname_of(mutant.id)
    functions = None if qualname is None else [qualname]
    for candidate, site in operators.sites(source, mutant.path, functions=functions):
        if candidate.id == mutant.id:
            return operators.apply(source, site)
    raise LookupError(f"{mutant.id} is not a mutant of this source")
