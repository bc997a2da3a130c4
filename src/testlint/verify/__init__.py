"""`testlint verify`: dynamic evidence that a test can fail (issue 16).

The selected tests run under the project's own pytest, in child processes, with a small plugin
(`testlint.verify._plugin`) that records, per test, the outcome, the project lines executed and
the checks that ran. From that record come the TL7 findings:

- TL701 (no assertion ran): checks are counted by line tracing, see `checks.py`;
- TL702 (passes without the implementation): the test is run again with every project function
  it executed stubbed to `raise NotImplementedError`, by an import hook that compiles the stubbed
  AST in memory (`functions.py`, `_plugin.py`);
- TL703 (kills no mutant): mutants of the covered lines only, from the shared mutation engine
  (`testlint.mutation`), each run against the tests that cover it.

Nothing under the project is ever written: the hook compiles in memory, bytecode writing is off
(PYTHONDONTWRITEBYTECODE) and pytest's cache provider is disabled in the children.
"""
