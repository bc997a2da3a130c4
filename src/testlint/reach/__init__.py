"""What a test reaches in the code under test, beyond direct calls of imported names.

- `receivers`: which project class an expression in a test holds (`svc` from a fixture, a
  local bound to a constructor call, `self.client` set in `setup_method`), one class or None;
  used by TL503 and TL204;
- `members`: what a project class surely has or surely lacks (attributes, enum members, the
  keyword arguments its callables accept), with "unknown" whenever the class is dynamic;
- `imports`: where a dotted module name resolves under Python's import semantics (regular
  packages, namespace portions, nested projects), or "ambiguous";
- `links`: the same reader's link for the expectation rules (TL201, TL301, TL302): fixtures,
  `self.x`, local imports, and the methods a test called on an object before reading its state;
- `unit_calls`: the unit a builtin runs (`iter(obj)` is `__iter__`);
- `helper_calls`: whether a `check*`/`verify*` call into the code under test asserts anything;
- `received`: what a collaborator the test replaced received from the unit.

All sit on top of `testlint.inference` (astroid, lazy) and answer "one result or None".
`receivers` and `links` overlap (both follow fixtures and `self.x`); merging them is open work.
"""
