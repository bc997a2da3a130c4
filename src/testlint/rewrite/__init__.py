"""The optional LLM rewrite step: propose a fixed test for a finding, and let through only the
proposals that pass hard gates.

Nothing in the core imports this package; `testlint rewrite` imports it on demand. Only the
provider module needs the `llm` extra (httpx), and only when a request is really sent.

- `settings`: `[tool.testlint.rewrite]` and the command line, validated.
- `endpoint`: the user's config file, the project's and the flags in layers; where the key goes
  (never where a project file alone says).
- `context`: the test, its fixtures, and the code under test's signature and docstring.
- `redact`: secrets out of everything sent, and a last check that none is left.
- `prompt`: the versioned prompt template.
- `providers`: OpenAI-compatible and Anthropic wire formats over httpx, retries, budgets, cache.
- `gates`: parse and replace only the target test, re-lint, run under pytest, verify-red.
- `sandbox`: where gates 3 and 4 run model code: a copy, an allow-listed environment, a process
  tree killed whole, no network where the platform allows.
- `apply`: unified diffs, atomic writes.
- `runner`: the loop over findings, retries with feedback, the funnel summary.
"""
