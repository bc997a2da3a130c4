"""The static build check of a proposal (part of gate 2): every name the new test reads must be
bound somewhere it can see - its own parameters and locals, an enclosing function, the module
(imports, definitions, assignments) or the builtins. A name that is none of these is a NameError
waiting for `--run`, and without `--run` nobody would notice.

Unknown fixtures are TL504's business; gate 2 always applies it (with TL103, TL602 and TL605)
to proposals, whatever the user selected.
"""

from __future__ import annotations

import builtins
import symtable

# names every module has without binding them
MODULE_NAMES = frozenset({"__name__", "__file__", "__doc__", "__spec__", "__loader__",
                          "__package__", "__builtins__", "__path__", "__annotations__",
                          "__dict__", "__cached__"})
BUILTINS = frozenset(dir(builtins))


def _table(top: symtable.SymbolTable, qualname: str) -> symtable.SymbolTable | None:
    table = top
    for part in qualname.split("."):
        found = [c for c in table.get_children() if c.get_name() == part]
        if not found:
            return None
        table = found[-1]
    return table


def _module_names(top: symtable.SymbolTable) -> set[str]:
    return {s.get_name() for s in top.get_symbols()
            if s.is_assigned() or s.is_imported() or s.is_namespace()}


def _free_reads(table: symtable.SymbolTable) -> list[str]:
    """Names read in this scope or a nested one that resolve to the module (global) scope."""
    out: list[str] = []
    for symbol in table.get_symbols():
        if symbol.is_referenced() and symbol.is_global():
            out.append(symbol.get_name())
    for child in table.get_children():
        out.extend(_free_reads(child))
    return out


def undefined_names(text: str, qualname: str) -> list[str]:
    """The names the test `qualname` reads that nothing binds, in order, once each ([] when
    the module has a star import: then nothing can be said)."""
    if "import *" in text:
        return []
    try:
        top = symtable.symtable(text, "<proposal>", "exec")
    except SyntaxError:
        return []
    table = _table(top, qualname)
    if table is None:
        return []
    known = _module_names(top) | BUILTINS | MODULE_NAMES
    missing: list[str] = []
    for name in _free_reads(table):
        if name not in known and name not in missing:
            missing.append(name)
    return missing
