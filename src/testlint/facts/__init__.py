"""The per-file test model every rule reads, built once from the stdlib AST.

A rule asks questions such as "which tests have no assertion?" or "which names in this test are
mocks?"; the answers are computed here, once per file, with import aliases resolved to qualified
names (`import pytest as pt; pt.raises` is `pytest.raises`). Rules never walk the tree themselves.

Each node of the module is visited once: test bodies by their test, fixture and helper bodies by
their definition, and everything else (module statements, decorators, class bodies) by one pass
over the rest, which is where marker uses outside tests are found.

The package, by concern (each module imports only those before it):

- `vocabulary`: the names of the pytest, unittest and mock APIs recognised;
- `names`: dotted and qualified names, imports resolved;
- `traversal`: walking a tree the facts' way (`walk`, `walk_body`, `parent_map`);
- `bindings`: what a function binds (`single_bindings`, fixture values);
- `model`: what rules read (`TestModule`, `TestFunction`, `Assertion`, ...);
- `call_sites`: a test's calls and how their results are used, built on first use;
- `markers`: a conftest's marker registrations;
- `builder`: `build_facts`, which fills the model for one file.

`from testlint.facts import X` keeps working for every public name.
"""

from __future__ import annotations

from testlint.facts.bindings import (
    bound_name_nodes,
    given_values,
    is_autouse_fixture,
    single_bindings,
)
from testlint.facts.builder import (
    FactsBuilder,
    build_facts,
)
from testlint.facts.markers import (
    marker_name,
    marker_registrations,
)
from testlint.facts.model import (
    Assertion,
    CallSite,
    CollectionRules,
    Comparison,
    FixtureDef,
    Kind,
    MarkerUse,
    ModuleCall,
    Patch,
    ProjectLookup,
    RaisesUse,
    TestFunction,
    TestModule,
    _NoProject,
    has_helper_prefix,
)
from testlint.facts.names import (
    collect_imports,
    dotted_name,
    import_aliases,
    qualify,
    root_name,
)
from testlint.facts.traversal import (
    parent_map,
    statements_besides_constants,
    walk,
    walk_body,
)
from testlint.facts.vocabulary import (
    BENCHMARK_FIXTURES,
    BENCHMARK_MARK,
    BUILTIN_NAMES,
    DEFAULT_HELPER_PREFIXES,
    FAIL_CALLS,
    FIXTURE_DECORATORS,
    INTROSPECTION_ATTRS,
    MOCK_ASSERT_METHODS,
    MOCK_FACTORIES,
    MOCK_ONLY_ATTRS,
    MOCK_STATE_ATTRS,
    MOCKER_FACTORY_ATTRS,
    MOCKER_FIXTURES,
    MOCKER_PATCHES,
    NOT_ASSERTION_HELPERS,
    PATCH_CALLS,
    RAISES_CALLS,
    SKIP_CALLS,
    STDLIB_MODULES,
    TEST_SUPPORT_ROOTS,
    TESTING_MODULE_PREFIXES,
    TRY_NODES,
    UNITTEST_BASES,
    UNITTEST_EQUALITY,
    UNITTEST_RAISES,
    UNITTEST_WEAK,
    FunctionNode,
    NodeT,
    OtherT,
    names_an_assertion,
)

__all__ = [
    "BENCHMARK_FIXTURES",
    "BENCHMARK_MARK",
    "BUILTIN_NAMES",
    "DEFAULT_HELPER_PREFIXES",
    "FAIL_CALLS",
    "FIXTURE_DECORATORS",
    "INTROSPECTION_ATTRS",
    "MOCKER_FACTORY_ATTRS",
    "MOCKER_FIXTURES",
    "MOCKER_PATCHES",
    "MOCK_ASSERT_METHODS",
    "MOCK_FACTORIES",
    "MOCK_ONLY_ATTRS",
    "MOCK_STATE_ATTRS",
    "NOT_ASSERTION_HELPERS",
    "PATCH_CALLS",
    "RAISES_CALLS",
    "SKIP_CALLS",
    "STDLIB_MODULES",
    "TESTING_MODULE_PREFIXES",
    "TEST_SUPPORT_ROOTS",
    "TRY_NODES",
    "UNITTEST_BASES",
    "UNITTEST_EQUALITY",
    "UNITTEST_RAISES",
    "UNITTEST_WEAK",
    "Assertion",
    "CallSite",
    "CollectionRules",
    "Comparison",
    "FactsBuilder",
    "FixtureDef",
    "FunctionNode",
    "Kind",
    "MarkerUse",
    "ModuleCall",
    "NodeT",
    "OtherT",
    "Patch",
    "ProjectLookup",
    "RaisesUse",
    "TestFunction",
    "TestModule",
    "_NoProject",
    "bound_name_nodes",
    "build_facts",
    "collect_imports",
    "dotted_name",
    "given_values",
    "has_helper_prefix",
    "import_aliases",
    "is_autouse_fixture",
    "marker_name",
    "marker_registrations",
    "names_an_assertion",
    "parent_map",
    "qualify",
    "root_name",
    "single_bindings",
    "statements_besides_constants",
    "walk",
    "walk_body",
]
