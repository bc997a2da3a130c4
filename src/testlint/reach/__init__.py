"""What a test reaches in the code under test, beyond direct calls of imported names.

- `receivers`: which project class an expression in a test holds (`svc` from a fixture, a
  local bound to a constructor call, `self.client` set in `setup_method`), one class or None;
- `members`: what a project class surely has or surely lacks (attributes, enum members, the
  keyword arguments its callables accept), with "unknown" whenever the class is dynamic.

Both sit on top of `testlint.inference` (astroid, lazy) and answer "one result or None".
"""
