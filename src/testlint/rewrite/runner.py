"""The rewrite loop: for each finding on a test, ask for a proposal, run it through the gates,
feed a rejection back as the next attempt's feedback, and count everything in a funnel.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from testlint.config import Config
from testlint.engine import Engine, make_engine
from testlint.facts import TestModule
from testlint.finding import Finding
from testlint.project import Project
from testlint.pytest_config import PytestConfig
from testlint.registry import Registry
from testlint.rewrite import gates
from testlint.rewrite.apply import (
    FileState,
    NotWritten,
    read_file,
    unified_diff,
    write_files,
)
from testlint.rewrite.context import (
    Definition,
    SourceIndex,
    build_context,
    callees_of,
    source_roots,
)
from testlint.rewrite.endpoint import Endpoint
from testlint.rewrite.prompt import Message, feedback, first_messages, render
from testlint.rewrite.providers import (
    BudgetExhausted,
    Client,
    FatalProviderError,
    ProviderError,
    Usage,
)
from testlint.rewrite.record import Attempt, FindingRecord, Mutants, PossibleBug, RunRecord
from testlint.rewrite.redact import Redactor, environment_secrets, find_secrets
from testlint.rewrite.sandbox import Sandbox
from testlint.rewrite.settings import Settings
from testlint.source import UnreadableSource, parse_text

Echo = Callable[[str], None]
# answers that were not proposals through the model's own doing, asked again while attempts
# remain: what stands for the answer in the conversation, and what the next request says
RETRIED_FAILURES = {"truncated": "(an answer cut off at the token limit)",
                    "empty": "(an empty answer)", "refused": "(a refusal)"}
RETRY_NOTE = {
    "truncated": "the answer was cut off at the token limit; answer with the test alone, shorter",
    "empty": "the answer was empty",
    "refused": "the answer was a refusal; the task is to rewrite a test of the user's own code",
}
# gate 2 applies these to every proposal, whatever the user selected: weak checks only, an
# unknown fixture, unseeded randomness, assertions that may not run
ALWAYS_ON_PROPOSALS = ("TL103", "TL504", "TL602", "TL605")


class RewriteError(Exception):
    """A problem that ends the run (exit 2): the message is one line."""


@dataclass
class Funnel:
    findings: int = 0
    not_a_test: int = 0  # findings not about one test function (nothing to rewrite)
    resolved_earlier: int = 0  # gone after an earlier rewrite of the same test
    blocked: int = 0  # prompts not sent because a secret was left in them
    no_code_under_test: int = 0  # --run: nothing to mutate, so nothing was asked
    failed: Counter[str] = field(default_factory=Counter)  # answers that were not proposals
    proposals: int = 0
    checked: Counter[str] = field(default_factory=Counter)  # proposals that reached each gate
    passed: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    possible_bugs: int = 0  # proposals that follow the spec and fail on the current code
    stopped: str | None = None  # why the run stopped early (a budget)

    def lines(self, run: bool, usage: Usage | None, written: int | None) -> list[str]:
        out = [f"rewrite: {self.findings} findings, {self.proposals} proposals, "
               f"{self.accepted} accepted"]
        if self.not_a_test:
            out.append(f"  not about one test (skipped): {self.not_a_test}")
        if self.resolved_earlier:
            out.append(f"  resolved by an earlier rewrite: {self.resolved_earlier}")
        if self.no_code_under_test:
            out.append(f"  no code under test resolved (skipped, nothing sent): "
                       f"{self.no_code_under_test}")
        if self.blocked:
            out.append(f"  prompts not sent (a secret was left in them): {self.blocked}")
        if self.failed:
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.failed.items()))
            out.append(f"  answers that were not proposals: {sum(self.failed.values())} ({kinds})")
        for gate in gates.GATES:
            title = gates.GATE_TITLES[gate]
            if gate in {"3", "4"} and not run:
                out.append(f"  gate {gate} {title}: not run (pass --run)")
                continue
            out.append(f"  gate {gate} {title}: {self.checked[gate]} checked, "
                       f"{self.passed[gate]} passed")
            if gate == "3" and self.possible_bugs:
                out.append(f"    possible bugs (the test follows the spec, the code does not): "
                           f"{self.possible_bugs}")
        if written is not None:
            out.append(f"  written: {written} file(s)")
        if self.stopped:
            out.append(f"  stopped early: {self.stopped}")
        if usage is not None:
            out.append(
                f"usage: {usage.requests} requests ({usage.retries} retried, {usage.cached} "
                f"answers from cache), {usage.input_tokens} input + {usage.output_tokens} "
                f"output tokens"
            )
        return out


@dataclass
class RewriteJob:
    engine: Engine  # selects the findings to rewrite
    gate_engine: Engine  # re-lints with every rule the project enables plus the selection
    registry: Registry
    settings: Settings
    files: list[Path]
    endpoint: Endpoint | None = None  # None: the provider's own API with its own key variable
    run: bool = False
    write: bool = False
    show_prompt: bool = False
    use_cache: bool = True
    format: str = "text"  # "json": the run record on stdout; "sarif": possible bugs, rewrites
    out: Echo = print
    err: Echo = print
    funnel: Funnel = field(default_factory=Funnel)
    _index: SourceIndex | None = None
    _facts: dict[Path, tuple[str, TestModule]] = field(default_factory=dict)
    records: list[FindingRecord] = field(default_factory=list)

    @property
    def project(self) -> Project:
        return self.engine.project

    def _client(self, known: list[str]) -> Client:
        settings = self.settings
        if not settings.model:
            raise RewriteError("no model: pass --model or set 'model' in [tool.testlint.rewrite]")
        endpoint = self.endpoint or Endpoint(
            settings.url, settings.key_env if settings.uses_default_endpoint else
            settings.api_key_env, "configuration")
        if endpoint.refused:
            raise RewriteError(endpoint.refused)
        api_key = (os.environ.get(endpoint.key_env) or None) if endpoint.key_env else None
        if api_key is None and endpoint.key_env is not None and settings.uses_default_endpoint:
            raise RewriteError(
                f"no API key: set the environment variable {endpoint.key_env} (or name another "
                "with api-key-env), or point --base-url at a local server"
            )
        for notice in endpoint.notices:
            self.err(notice)
        cache_dir = self.project.rootdir / ".testlint_cache" / "rewrite"
        use_cache = self.use_cache and settings.cache
        return Client(settings, api_key, cache_dir if use_cache else None, known_secrets=known,
                      no_key_hint=None if endpoint.key_env else endpoint.no_key_hint())

    def execute(self) -> int:
        findings = self.engine.lint_files(self.files)
        self.funnel.findings = len(findings)
        known = environment_secrets(names=[self.settings.key_env])
        client: Client | None = None
        sandbox: Sandbox | None = None
        states: dict[Path, FileState] = {}
        unresolved = 0
        try:
            if findings and not self.show_prompt:
                client = self._client(known)
            for finding in findings:
                path = Path(finding.path)
                if path not in states:
                    states[path] = read_file(path, finding.path)
                state = states[path]
                if self.funnel.stopped:
                    unresolved += 1
                    continue
                if self.run and sandbox is None and not self.show_prompt and finding.test:
                    try:
                        sandbox = Sandbox(self.project.rootdir, self.settings,
                                          source_roots(self.project))
                    except (OSError, shutil.Error) as exc:
                        raise RewriteError(f"cannot copy the project for --run: {exc}") from None
                    for note in sandbox.notes():
                        self.err(note)
                accepted = self._rewrite(finding, state, client, sandbox, known)
                if not accepted:
                    unresolved += 1
        except FatalProviderError as exc:
            self._finish(states, client)
            raise RewriteError(str(exc)) from None
        finally:
            if sandbox is not None:
                sandbox.close()
        if self.show_prompt:
            self.err(f"rewrite: {self.funnel.findings} findings; --show-prompt: nothing was sent")
            return 0
        self._finish(states, client)
        return 1 if unresolved else 0

    def _finish(self, states: dict[Path, FileState], client: Client | None) -> None:
        written = None
        refused: NotWritten | None = None
        if self.write:
            try:
                written = len(write_files(list(states.values())))
            except NotWritten as exc:  # e.g. edited while the run waited for the model
                written, refused = 0, exc
        if client is not None:
            client.close()
        lines = self.funnel.lines(self.run, client.usage if client else None, written)
        for line in lines:
            self.err(line)
        if self.format in {"json", "sarif"}:
            usage = client.usage if client else None
            record = RunRecord(self.settings.model, self.settings.provider, self.run,
                               self.records, lines,
                               {} if usage is None else {
                                   "requests": usage.requests, "retried": usage.retries,
                                   "cached": usage.cached, "input_tokens": usage.input_tokens,
                                   "output_tokens": usage.output_tokens})
            self.out(record.to_json() if self.format == "json" else record.to_sarif())
        if refused is not None:
            raise RewriteError(f"{refused}; nothing was written")

    # ---- one finding ------------------------------------------------------------------------

    def _module(self, state: FileState) -> TestModule | None:
        """The facts of the file's current text, built once per version of the text."""
        cached = self._facts.get(state.path)
        if cached is not None and cached[0] == state.current:
            return cached[1]
        try:
            source = parse_text(state.display, state.current)
        except UnreadableSource:
            return None
        module = self.engine.facts_for(source, state.path)
        self._facts[state.path] = (state.current, module)
        return module

    def _refresh(self, finding: Finding, state: FileState) -> Finding | None:
        """The finding as it stands in the current text (an earlier rewrite may have moved it)."""
        if not state.changed:
            return finding
        try:
            current = self.engine.lint_source(parse_text(state.display, state.current), state.path)
        except UnreadableSource:
            return None
        return next((f for f in current if f.code == finding.code and f.test == finding.test), None)

    def _rewrite(self, finding: Finding, state: FileState, client: Client | None,
                 sandbox: Sandbox | None, known: list[str]) -> bool:
        where = f"{finding.path}:{finding.line}:{finding.col}: {finding.code}"
        refreshed = self._refresh(finding, state)
        if refreshed is None:
            self.funnel.resolved_earlier += 1
            return True
        finding = refreshed
        module = self._module(state)
        if self._index is None:
            self._index = SourceIndex.for_project(self.project)
        ctx = None if module is None else build_context(finding, module, state.path,
                                                        self.project, self._index)
        if ctx is None:
            self.funnel.not_a_test += 1
            self.err(f"{where} skipped: the finding is not about one test function")
            return False
        rule = self.registry.get(finding.code)
        redactor = Redactor(known=list(known))
        messages = [Message(m.role, redactor.redact(m.content))
                    for m in first_messages(ctx, rule, self.settings.context)]
        if self.show_prompt:
            self.out(render(messages))
            left = find_secrets(render(messages), known)
            if left:
                self.out(f"(this prompt would not be sent: it still holds a secret: "
                         f"{', '.join(left)})\n")
            return False
        assert client is not None
        name = ctx.test.qualname
        record = FindingRecord(finding.path, finding.line, finding.col, finding.code,
                               finding.message, finding.test)
        self.records.append(record)
        if self.run and not ctx.callees:
            # gate 4 needs the code under test: without it every proposal would be rejected
            # there, each attempt spent on feedback the model cannot act on
            record.outcome = "skipped"
            self.funnel.no_code_under_test += 1
            self.err(f"{where} {name}: skipped: none of the calls of this test could be "
                     "resolved to the project's own code (through imports, fixtures or locals), "
                     "so gate 4 has nothing to mutate; nothing was sent")
            return False
        for attempt in range(1, self.settings.max_attempts + 1):
            started = time.monotonic()
            try:
                answer = client.complete(messages)
            except BudgetExhausted as exc:
                self.funnel.stopped = str(exc)
                record.outcome = "stopped"
                self.err(f"{where} {name}: stopped: {exc}")
                return False
            except ProviderError as exc:
                if exc.kind == "secret":
                    self.funnel.blocked += 1
                else:
                    self.funnel.failed[exc.kind] += 1
                record.attempts.append(Attempt(attempt, "failed", reason=str(exc),
                                               seconds=round(time.monotonic() - started, 3)))
                self.err(f"{where} {name}: answer {attempt} failed: {exc}")
                if exc.kind not in RETRIED_FAILURES:
                    return False
                # the model's own failure: ask again while attempts remain (the conversation
                # grows, so the answer cache cannot serve the same failure again)
                messages = [*messages, Message("assistant", RETRIED_FAILURES[exc.kind]),
                            Message("user", feedback("-", RETRY_NOTE[exc.kind], ctx.test.name))]
                continue
            self.funnel.proposals += 1
            verdict = Attempt(attempt, "accepted", input_tokens=answer.input_tokens,
                              output_tokens=answer.output_tokens)
            record.attempts.append(verdict)
            try:
                new_text, caught = self._gates(finding, state, ctx.test.qualname, answer.text,
                                               redactor, sandbox, ctx.callees)
            except gates.PossibleBug as bug:
                verdict.verdict, verdict.gate, verdict.reason = "possible-bug", "3", bug.failure
                verdict.seconds = round(time.monotonic() - started, 3)
                self.funnel.possible_bugs += 1
                record.outcome = "possible-bug"
                record.possible_bug = self._possible_bug(finding, ctx.callees, bug, answer.text,
                                                         redactor)
                self.err(f"{where} {name}: proposal {attempt} is a possible bug: it fails on the "
                         f"current code ({bug.failure}); reported, not retried")
                if self.format == "text":
                    self.out(record.possible_bug.text())
                return False
            except gates.Rejected as rejection:
                title = gates.GATE_TITLES[rejection.gate]
                first_line = rejection.reason.splitlines()[0]
                verdict.verdict, verdict.gate = "rejected", rejection.gate
                verdict.reason, verdict.feedback = rejection.reason, rejection.feedback
                verdict.mutants = _mutants(rejection.score)
                verdict.seconds = round(time.monotonic() - started, 3)
                self.err(f"{where} {name}: proposal {attempt} rejected at gate {rejection.gate} "
                         f"({title}): {first_line}")
                messages = [
                    *messages,
                    Message("assistant", answer.text),
                    Message("user", redactor.redact(feedback(rejection.gate, rejection.feedback,
                                                             ctx.test.name))),
                ]
                continue
            self.funnel.accepted += 1
            verdict.seconds = round(time.monotonic() - started, 3)
            verdict.mutants = _mutants(caught)
            verdict.reason = caught.text() if caught else ""
            note = f": {caught.text()}" if caught else ""
            self.err(f"{where} {name}: proposal {attempt} accepted{note}")
            diff = unified_diff(state.display, state.current, new_text)
            record.outcome, record.diff = "accepted", diff
            if self.format == "text":
                self.out(diff)
            state.current = new_text
            return True
        return False

    def _possible_bug(self, finding: Finding, callees: list[Definition], bug: gates.PossibleBug,
                      answer: str, redactor: Redactor) -> PossibleBug:
        """The report of a proposal that fails on the current code by its own assertion."""
        called = set(re.findall(r"([A-Za-z_]\w*)\(", bug.detail))
        spec_of = next((c for c in callees if c.name in called), callees[0] if callees else None)
        docstring = ""
        if spec_of is not None and isinstance(spec_of.node, ast.FunctionDef | ast.AsyncFunctionDef
                                              | ast.ClassDef):
            docstring = ast.get_docstring(spec_of.node) or ""
        code = gates.extract_code(answer, finding.test.rsplit(".", 1)[-1] if finding.test
                                  else None) or answer
        return PossibleBug(finding.path, finding.line, finding.test or "", finding.code,
                           spec_of.qualname if spec_of else None, docstring, bug.failure,
                           bug.detail, redactor.restore(code).rstrip() + "\n")

    def _gates(self, finding: Finding, state: FileState, qualname: str, answer: str,
               redactor: Redactor, sandbox: Sandbox | None,
               callees: list[Definition]
               ) -> tuple[str, gates.MutantScore | None]:
        funnel = self.funnel
        funnel.checked["1"] += 1
        new_text = gates.replace_test(state.current, qualname, answer, redactor.restore)
        funnel.passed["1"] += 1
        funnel.checked["2"] += 1
        gates.relint(self.gate_engine, state.path, state.display, state.current, new_text, finding)
        funnel.passed["2"] += 1
        if not self.run or sandbox is None:
            return new_text, None
        def entered(gate: str) -> None:
            if gate == "4":
                funnel.passed["3"] += 1
            funnel.checked[gate] += 1

        try:
            module = self._module(state)
            tests = module.tests if module is not None else []
            neighbours = [t.qualname for t in tests]
            old = next((t for t in tests if t.qualname == qualname), None)
            under_test = [*callees, *(d for d in self._callees_of_text(state, new_text, qualname)
                                      if all(d.qualname != c.qualname for c in callees))]
            caught = gates.run_gates(sandbox, state.path, qualname, new_text, under_test, entered,
                                     old_text=state.current, neighbours=neighbours,
                                     old_asserts=bool(old is not None and old.assertions),
                                     code=finding.code)
            funnel.passed["4"] += 1
        except gates.Rejected:
            sandbox.write(state.path, state.current)  # the copy keeps the accepted text only
            raise
        return new_text, caught


    def _callees_of_text(self, state: FileState, text: str, qualname: str) -> list[Definition]:
        """The code under test the new test calls (it may call more than the old one did)."""
        try:
            module = self.engine.facts_for(parse_text(state.display, text), state.path)
        except UnreadableSource:
            return []
        test = next((t for t in module.tests if t.qualname == qualname), None)
        if test is None or self._index is None:
            return []
        return callees_of(test, self.project, self._index, module)


def _mutants(score: gates.MutantScore | None) -> Mutants | None:
    if score is None:
        return None
    return Mutants(score.total, len(score.killed_new), len(score.killed_old),
                   [m.id for m in score.killed_new], [m.id for m in score.killed_old])


def make_job(
    files: list[Path],
    targets: list[Path],
    config: Config,
    select: tuple[str, ...],
    pytest_config: PytestConfig,
    registry: Registry,
    settings: Settings,
    **options: Any,
) -> RewriteJob:
    """The job for `testlint rewrite`: `select` picks the findings; gate 2 re-lints with every
    rule the configuration enables plus the selected ones and ALWAYS_ON_PROPOSALS."""
    selected = config.with_overrides(select=select or None)
    engine = make_engine(targets, config=selected, pytest_config=pytest_config, registry=registry)
    gate_config = config.with_overrides(extend_select=(*select, *ALWAYS_ON_PROPOSALS))
    # "always" means the project's ignores do not switch them off for proposals either
    gate_config = replace(
        gate_config,
        ignore=tuple(c for c in gate_config.ignore if c not in ALWAYS_ON_PROPOSALS),
        per_file_ignores={pattern: tuple(c for c in codes if c not in ALWAYS_ON_PROPOSALS)
                          for pattern, codes in gate_config.per_file_ignores.items()},
    )
    gate_engine = make_engine(targets, config=gate_config, pytest_config=pytest_config,
                              registry=registry)
    gate_engine.project = engine.project  # share the parsed conftests
    return RewriteJob(engine=engine, gate_engine=gate_engine, registry=registry,
                      settings=settings, files=files, **options)
