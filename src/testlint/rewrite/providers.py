"""Model providers over httpx: the OpenAI chat-completions wire format (OpenAI, Ollama, vLLM,
llama.cpp server, LM Studio through `base-url`) and the Anthropic messages format.

A request is retried with capped exponential backoff on 429, 408 and 5xx and on transport
errors, honouring `retry-after`. An answer cut off at the token limit or refused by the model is a
failure, not a proposal. Token usage is summed over the run. Answers are cached on disk by a
hash of provider, model, template version and the messages, so a re-run costs nothing.
Every request body is checked for secrets just before it is sent; one that holds any is not sent.
An answer is read within bounds: `timeout` seconds for the whole request (not per read) and at
most `max-answer-bytes`; which key goes to which URL is decided before (`endpoint`).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testlint.rewrite.prompt import TEMPLATE_VERSION, Message
from testlint.rewrite.redact import find_secrets
from testlint.rewrite.settings import Settings

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
ANTHROPIC_VERSION = "2023-06-01"
SELF_IGNORING = "# created by testlint: the cache ignores itself\n*\n"


class MissingExtra(Exception):
    """httpx is not installed."""


class ProviderError(Exception):
    """This answer cannot be a proposal (cut off, refused, empty, a secret in the request)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # truncated | refused | empty | secret | bad-response | too-large


class FatalProviderError(Exception):
    """The provider cannot be used at all (unreachable, unauthorised, unknown model)."""


class DeadlineExceeded(Exception):
    """A request did not finish within its total deadline (`timeout`); retried like a timeout."""


class BudgetExhausted(Exception):
    """The run's request or token budget is spent; no more requests are made."""


@dataclass
class Answer:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached: bool = False


@dataclass
class Usage:
    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    cached: int = 0  # answers served from the cache
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def import_httpx() -> Any:
    try:
        import httpx
    except ImportError:
        raise MissingExtra(
            "the rewrite step needs httpx: add the llm extra to however testlint was installed "
            "(from a clone: pip install '.[llm]')"
        ) from None
    return httpx


def cache_key(settings: Settings, messages: list[Message]) -> str:
    data = {
        "provider": settings.provider,
        "model": settings.model,
        "template": TEMPLATE_VERSION,
        "messages": [[m.role, m.content] for m in messages],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


# ---- wire formats -------------------------------------------------------------------------------


def _transport_message(url: str, exc: BaseException, settings: Settings) -> str:
    """A connection that never came up is "cannot reach"; one that came up and then sent no
    (complete) answer in time is a timeout, with the setting that bounds it."""
    httpx = import_httpx()
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, DeadlineExceeded | httpx.ReadTimeout | httpx.WriteTimeout):
        return (f"{url} accepted the request but gave no complete answer within "
                f"{settings.timeout:g}s: raise --timeout (a local model may need minutes)")
    if isinstance(exc, httpx.ConnectTimeout):
        return (f"cannot reach {url}: no connection within {settings.connect_timeout:g}s "
                "(connect-timeout)")
    return f"cannot reach {url}: {detail}"


def _not_found_hint(settings: Settings) -> str:
    """A 404 from a base URL with a missing or an extra `/v1`."""
    path = settings.url.rstrip("/")
    if settings.provider == "openai" and not path.endswith("/v1"):
        return (f" (OpenAI-compatible servers answer under /v1: try --base-url {path}/v1)")
    if settings.provider == "anthropic" and path.endswith("/v1"):
        return (f" (the anthropic format adds /v1 itself: try --base-url "
                f"{path[:-len('/v1')]})")
    if path.endswith("/v1/v1"):
        return f" (the base URL holds /v1 twice: try --base-url {path[:-len('/v1')]})"
    return ""


def openai_request(settings: Settings, messages: list[Message]) -> tuple[str, dict[str, Any]]:
    # OpenAI's own endpoint wants max_completion_tokens; compatible servers know max_tokens
    limit_key = "max_completion_tokens" if settings.uses_default_endpoint else "max_tokens"
    body: dict[str, Any] = {
        "model": settings.model,
        "messages": [{"role": m.role, "content": m.content} for m in messages],
        limit_key: settings.max_output_tokens,
    }
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    return f"{settings.url}/chat/completions", body


def _mapping(value: Any) -> dict[str, Any]:
    """A JSON object of the answer, or {} for anything else a server may send in its place."""
    return value if isinstance(value, dict) else {}


def tokens(usage: Any, key: str) -> int:
    """A token count from the answer's usage, or 0 when it is missing, not a number, negative
    or not finite (a server's odd answer must not end the run)."""
    value = _mapping(usage).get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value) if 0 <= value < float("inf") else 0


def openai_answer(data: dict[str, Any]) -> Answer:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ProviderError("bad-response", "the answer has no choices")
    choice = choices[0]
    message = _mapping(choice.get("message"))
    reason = choice.get("finish_reason")
    usage = data.get("usage")
    if message.get("refusal"):
        raise ProviderError("refused", f"the model refused: {str(message['refusal'])[:200]}")
    if reason == "content_filter":
        raise ProviderError("refused", "the answer was stopped by the provider's content filter")
    if reason == "length":
        raise ProviderError("truncated", "the answer was cut off at max-output-tokens "
                                         "(finish_reason: length)")
    text = message.get("content")
    if not isinstance(text, str) or not text.strip():
        raise ProviderError("empty", "the answer is empty")
    return Answer(text, tokens(usage, "prompt_tokens"), tokens(usage, "completion_tokens"))


def anthropic_request(settings: Settings, messages: list[Message]) -> tuple[str, dict[str, Any]]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    body: dict[str, Any] = {
        "model": settings.model,
        "max_tokens": settings.max_output_tokens,
        "messages": [{"role": m.role, "content": m.content} for m in messages
                     if m.role != "system"],
    }
    if system:
        body["system"] = system
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    return f"{settings.url}/v1/messages", body


def anthropic_answer(data: dict[str, Any]) -> Answer:
    reason = data.get("stop_reason")
    usage = data.get("usage")
    if reason == "refusal":
        raise ProviderError("refused", "the model refused (stop_reason: refusal)")
    if reason == "max_tokens":
        raise ProviderError("truncated", "the answer was cut off at max-output-tokens "
                                         "(stop_reason: max_tokens)")
    blocks = data.get("content")
    text = "".join(str(b.get("text", "")) for b in (blocks if isinstance(blocks, list) else [])
                   if isinstance(b, dict) and b.get("type") == "text")
    if not text.strip():
        raise ProviderError("empty", "the answer is empty")
    return Answer(text, tokens(usage, "input_tokens"), tokens(usage, "output_tokens"))


def _headers(settings: Settings, api_key: str | None) -> dict[str, str]:
    # identity: a compressed answer could expand far past the size cap within one read
    headers = {"content-type": "application/json", "user-agent": "testlint-rewrite",
               "accept-encoding": "identity"}
    if settings.provider == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
        if api_key:
            headers["x-api-key"] = api_key
    elif api_key:
        headers["authorization"] = f"Bearer {api_key}"
    return headers


def retry_delay(headers: Any, attempt: int, cap: float) -> float:
    """Seconds to wait before retry number `attempt` (0-based): the server's word, else backoff."""
    value: str | None = headers.get("retry-after-ms")
    if value is not None:
        try:
            return min(cap, max(0.0, float(value) / 1000))
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is not None:
        try:
            return min(cap, max(0.0, float(value)))
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                parsed = None
            if parsed is not None:
                return min(cap, max(0.0, parsed.timestamp() - time.time()))
    return backoff(attempt, cap)


def backoff(attempt: int, cap: float) -> float:
    """Exponential backoff: 0.5 s, 1 s, 2 s, ... capped."""
    return min(cap, 0.5 * 2.0**attempt)


def _error_message(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except ValueError:
        return text[:200].strip()
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or "")[:200]
    return str(error or data)[:200]


@dataclass
class Client:
    settings: Settings
    api_key: str | None
    cache_dir: Path | None = None
    known_secrets: list[str] = field(default_factory=list)
    no_key_hint: str | None = None  # added to an authorisation error when no key was sent
    sleep: Callable[[float], None] = time.sleep
    usage: Usage = field(default_factory=Usage)
    _http: Any = None

    def __post_init__(self) -> None:
        httpx = import_httpx()
        timeout = httpx.Timeout(self.settings.timeout,
                                connect=min(self.settings.connect_timeout, self.settings.timeout))
        # a proxy from the environment is for the outside world: a server on this machine
        # (Ollama, vLLM) is asked directly, as `NO_PROXY=localhost` would
        from testlint.rewrite.endpoint import is_loopback

        self._http = httpx.Client(timeout=timeout, follow_redirects=False,
                                  trust_env=not is_loopback(self.settings.url))

    def close(self) -> None:
        self._http.close()

    def _cached(self, key: str) -> Answer | None:
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{key}.json").read_text(encoding="utf-8"))
            return Answer(str(data["text"]), cached=True)
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None

    def _store(self, key: str, answer: Answer) -> None:
        if self.cache_dir is None:
            return
        from testlint.cache import CACHEDIR_TAG
        from testlint.catalogue import write_atomic

        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # like the result cache, the directory ignores itself: nobody has to add it
            for name, text in ((".gitignore", SELF_IGNORING), ("CACHEDIR.TAG", CACHEDIR_TAG)):
                if not (self.cache_dir / name).exists():
                    write_atomic(self.cache_dir / name, text)
            write_atomic(self.cache_dir / f"{key}.json", json.dumps({"text": answer.text}))
        except OSError:
            pass  # a cache that cannot be written only costs a request next time

    def complete(self, messages: list[Message]) -> Answer:
        settings = self.settings
        if settings.provider == "anthropic":
            url, body = anthropic_request(settings, messages)
        else:
            url, body = openai_request(settings, messages)
        payload = json.dumps(body)
        left = find_secrets(payload, self.known_secrets)
        if left:
            raise ProviderError(
                "secret", f"not sent: the prompt still holds a secret ({', '.join(left)})")
        key = cache_key(settings, messages)
        cached = self._cached(key)
        if cached is not None:
            self.usage.cached += 1
            return cached
        data = self._post(url, payload)
        answer = anthropic_answer(data) if settings.provider == "anthropic" else openai_answer(data)
        self._store(key, answer)
        return answer

    def _send(self, url: str, payload: bytes, headers: dict[str, str]
              ) -> tuple[int, Any, bytes]:
        """POST and read the whole answer, within `timeout` seconds in all and at most
        `max-answer-bytes`: the status, the headers and the body.

        httpx's timeouts bound each read, so a server that sends a byte now and then would hold
        the request for ever; the request runs in a worker thread that the caller waits for only
        until the deadline, and the worker stops reading at the deadline or at the size cap.
        """
        settings = self.settings
        deadline = time.monotonic() + settings.timeout
        stop = threading.Event()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._http.stream("POST", url, content=payload, headers=headers) as response:
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > settings.max_answer_bytes:
                            outcome["error"] = ProviderError(
                                "too-large", "the answer is larger than max-answer-bytes "
                                f"({settings.max_answer_bytes} bytes); it was not read further")
                            return
                        if stop.is_set():
                            return
                        chunks.append(chunk)
                    outcome["answer"] = (response.status_code, response.headers, b"".join(chunks))
            except BaseException as exc:  # handed to the caller's thread
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="testlint-rewrite-request", daemon=True)
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if worker.is_alive():
            stop.set()
            raise DeadlineExceeded(f"no complete answer within {settings.timeout:g}s (timeout)")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]  # type: ignore[no-any-return]

    def _post(self, url: str, payload: str) -> dict[str, Any]:
        httpx = import_httpx()
        settings = self.settings
        headers = _headers(settings, self.api_key)
        attempt = 0
        while True:
            if self.usage.requests >= settings.max_requests:
                raise BudgetExhausted(
                    f"request budget spent (max-requests = {settings.max_requests})")
            if self.usage.total_tokens >= settings.max_total_tokens:
                raise BudgetExhausted(
                    f"token budget spent (max-total-tokens = {settings.max_total_tokens})")
            self.usage.requests += 1
            try:
                status, response_headers, body = self._send(url, payload.encode(), headers)
            except (httpx.TransportError, DeadlineExceeded) as exc:
                if attempt >= settings.max_retries:
                    raise FatalProviderError(_transport_message(url, exc, settings)) from None
                self.sleep(backoff(attempt, settings.max_backoff))
                attempt += 1
                self.usage.retries += 1
                continue
            if status in RETRY_STATUSES and attempt < settings.max_retries:
                self.sleep(retry_delay(response_headers, attempt, settings.max_backoff))
                attempt += 1
                self.usage.retries += 1
                continue
            if status != 200:
                hint = ""
                if status in {401, 403} and self.no_key_hint:
                    hint = f" ({self.no_key_hint})"
                elif status == 404:
                    hint = _not_found_hint(settings)
                raise FatalProviderError(
                    f"{url} answered HTTP {status}: {_error_message(body)}{hint}")
            try:
                data = json.loads(body.decode("utf-8"))
            except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested past the parser
                raise ProviderError("bad-response", "the answer is not JSON") from None
            if not isinstance(data, dict):
                raise ProviderError("bad-response", "the answer is not a JSON object")
            usage = data.get("usage")
            if settings.provider == "anthropic":
                self.usage.input_tokens += tokens(usage, "input_tokens")
                self.usage.output_tokens += tokens(usage, "output_tokens")
            else:
                self.usage.input_tokens += tokens(usage, "prompt_tokens")
                self.usage.output_tokens += tokens(usage, "completion_tokens")
            return data
