"""`openai_chat` and `openai_completions`: any OpenAI-compatible server (vLLM, TGI, llama.cpp,
Ollama, hosted APIs) over plain HTTP, many requests in flight, failed documents recorded.

The API key is read from the environment variable named by `api_key_env` when a request is
sent; it is never stored on the backend, so no options dump, log line or error can carry it.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.config.env_names import unset_message
from harness.errors import ConfigError, HarnessError
from harness.models.base import Backend, Generation, Request
from harness.models.http_retry import (
    RequestFailed,
    RetryPolicy,
    check_reachable,
    post_json,
    public_url,
    redact,
    with_retries,
)

log = logging.getLogger(__name__)


class TooManyFailures(HarnessError):
    """More documents failed for good than `max_failures` allows: the endpoint looks broken."""


class ServerUnreachable(HarnessError):
    """Nothing answers at base_url: the run stops before sending a batch, not after retrying every document."""


PROBE_TIMEOUT_S = 10.0  # at most this long to open one TCP connection before a batch


@dataclass
class OpenAIOptions:
    model_id: str  # the server's model name ("gpt-4o-mini", "meta-llama/Llama-3.1-8B-Instruct")
    base_url: str = "https://api.openai.com/v1"
    api_key_env: str | None = None  # NAME of the environment variable holding the key; None: no key
    generation: dict[str, Any] = field(default_factory=dict)  # request fields: max_tokens, temperature, seed, stop...
    max_concurrency: int = 8  # requests in flight
    timeout_s: float = 120.0  # per attempt, whole: from connecting to the reply's last byte
    max_retries: int = 5  # on 429, 5xx, timeouts, connection errors, malformed replies
    backoff_base_s: float = 1.0  # first wait between attempts; doubles, with jitter
    backoff_max_s: float = 60.0  # cap for one wait, Retry-After included
    max_failures: int = 10  # abort the run once more documents than this have failed for good

    def __post_init__(self) -> None:
        for name in ("max_concurrency", "timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"model.{name}: must be positive, got {getattr(self, name)}.")
        for name in ("max_retries", "max_failures", "backoff_base_s", "backoff_max_s"):
            if getattr(self, name) < 0:
                raise ConfigError(f"model.{name}: must not be negative, got {getattr(self, name)}.")
        parts = urllib.parse.urlsplit(self.base_url)
        shown = public_url(self.base_url) if "@" in self.base_url else repr(self.base_url)
        try:
            _ = parts.port  # urlsplit checks the port only when asked
        except ValueError:
            raise ConfigError(f"model.base_url: not a valid port in {shown}.") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"model.base_url: expected http://host[:port]/path or https://..., got {shown}.")


class OpenAICompatible(Backend):
    """Shared by the chat and completions flavours: they differ in the path, the request body
    and where the reply's text sits."""

    Options = OpenAIOptions
    # How requests are sent, not what they ask. base_url stays in the cache key: two servers may
    # serve different models under one name.
    runtime_fields = frozenset(
        {
            "api_key_env",
            "max_concurrency",
            "timeout_s",
            "max_retries",
            "backoff_base_s",
            "backoff_max_s",
            "max_failures",
        }
    )
    path: ClassVar[str]
    where = "model"  # the config path named in messages (a judge metric sets its own)

    def __init__(self, options: Any = None):
        super().__init__(options)
        o = self.options
        self.policy = RetryPolicy(o.max_retries, o.backoff_base_s, o.backoff_max_s)
        self.failures = 0  # documents failed for good, over the backend's life
        self._lock = threading.Lock()
        self._rng = random.Random()  # jitter only; never affects outputs

    @property
    def batch_size(self) -> int:
        return self.options.max_concurrency  # for callers that send batches: a batch fills every slot once

    # -- flavour hooks --------------------------------------------------------------------
    def body(self, request: Request) -> dict[str, Any]:
        raise NotImplementedError

    def reply_text(self, choice: dict[str, Any]) -> str | None:
        raise NotImplementedError

    # -- shared machinery -----------------------------------------------------------------
    def _api_key(self) -> str | None:
        name = self.options.api_key_env
        if not name:
            return None
        key = os.environ.get(name)
        if not key:
            raise ConfigError(unset_message(f"{self.where}.api_key_env", name))
        return key

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        generations: list[Generation | None] = [None] * len(requests)
        for i, generation in self.completions(requests):
            generations[i] = generation
        return generations  # type: ignore[return-value]  # completions yields every index or raises

    def completions(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        """A continuous window: `max_concurrency` requests in flight, and the moment one
        finishes the next is sent, so one slow reply never idles the other slots. Generations
        come out in the order they finish. When too many documents fail, or the server stops
        answering, nothing more is sent; the requests in flight finish and are handed over,
        then the run stops with the reason."""
        if not requests:
            return
        self._api_key()  # a missing key fails the run before any request
        self._check_server()
        stop = _Stop()
        # The pool's queue is the window: each worker takes the next request as soon as its
        # own is done, in the order given.
        pool = ThreadPoolExecutor(
            max_workers=min(self.options.max_concurrency, len(requests)), thread_name_prefix="openai"
        )
        futures = {pool.submit(self._one, request, stop): i for i, request in enumerate(requests)}
        try:
            for future in as_completed(futures):
                generation = None if future.cancelled() else future.result()
                if generation is not None:  # None: not sent, the run was stopping
                    yield futures[future], generation
        finally:  # also when the caller stops early: send nothing more, let the requests in flight end
            stop.event.set()
            pool.shutdown(wait=True, cancel_futures=True)
        if stop.reason is not None:
            raise stop.reason

    def _check_server(self, sent: str = "no request was sent") -> None:
        """One TCP connection: a server that is down stops the run in seconds, instead of every
        document retrying until it fails."""
        url = self.options.base_url
        try:
            check_reachable(url, min(self.options.timeout_s, PROBE_TIMEOUT_S))
        except RequestFailed as e:
            raise ServerUnreachable(
                f"{self.where}.base_url: cannot reach {public_url(url)}: {e}. Start the server or fix base_url; "
                f"{sent}. Finished generations are kept: run the same command to resume."
            ) from None

    def _one(self, request: Request, stop: _Stop) -> Generation | None:
        """One document, retried as configured; None when the run stopped before it was done."""
        if stop.event.is_set():
            return None
        url = self.options.base_url.rstrip("/") + self.path
        started = time.perf_counter()
        key = self._api_key()
        headers = {"Authorization": f"Bearer {key}"} if key else {}

        def attempt() -> tuple[str, str | None, dict[str, Any]]:
            if stop.event.is_set():  # between retries: no new attempt once the run is stopping
                raise _Stopped
            return post_json(url, self.body(request), headers, self.options.timeout_s, read=self._parse)

        try:
            reply, _attempts = with_retries(
                attempt, self.policy, self._rng, what=f"doc {request.doc_id}", sleep=stop.event.wait
            )
        except _Stopped:
            return None
        except RequestFailed as e:
            error = redact(str(e), key)  # post_json already scrubs; cheap insurance
            log.warning("doc %s failed: %s", request.doc_id, error)
            self._failed(error, stop)
            return Generation(text=None, error=error, latency_s=round(time.perf_counter() - started, 4))
        text, finish_reason, usage = reply
        return Generation(
            text=text,
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            finish_reason=finish_reason,
            latency_s=round(time.perf_counter() - started, 4),
        )

    def _failed(self, error: str, stop: _Stop) -> None:
        """A document failed for good: stop the run when the server is gone or failures pass
        `max_failures`. Decided in the worker, before it takes the next request."""
        with self._lock:
            self.failures += 1
            if self.failures > self.options.max_failures:
                stop.set(
                    TooManyFailures(
                        f"{self.failures} documents failed (max_failures: {self.options.max_failures}); stopping the run. "
                        f"Last error: {error}. Finished generations are kept: fix the endpoint and run the same command to resume."
                    )
                )
                return
        if not stop.event.is_set():
            try:
                self._check_server(sent="no further request was sent")
            except ServerUnreachable as e:
                stop.set(e)

    def _parse(self, reply: dict[str, Any]) -> tuple[str, str | None, dict[str, Any]]:
        """(text, finish_reason, usage) from a reply; a reply without text is a failed attempt."""
        choices = reply.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            error = reply.get("error")
            if error:  # some servers report errors with status 200
                raise RequestFailed(f"server error: {str(error)[:300]}", retryable=False)
            raise RequestFailed(f"reply has no choices: {str(reply)[:120]}", retryable=True)
        text = self.reply_text(choices[0])
        if not isinstance(text, str):
            raise RequestFailed(f"reply has no text: {str(choices[0])[:120]}", retryable=False)
        usage = reply.get("usage")
        if not isinstance(usage, dict):
            usage = {}
        return text, choices[0].get("finish_reason"), usage


class _Stopped(Exception):
    """Raised inside a request's retry loop once the run is stopping."""


class _Stop:
    """Why the run stops (the first reason wins), and the event every worker checks."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: HarnessError | None = None
        self._lock = threading.Lock()

    def set(self, reason: HarnessError) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            self.event.set()


class OpenAIChat(OpenAICompatible):
    """POST {base_url}/chat/completions with a system message (when the prompt has one) and a user message."""

    path = "/chat/completions"

    def body(self, request: Request) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages.append({"role": "user", "content": request.prompt})
        return {**self.options.generation, "model": self.options.model_id, "messages": messages}

    def reply_text(self, choice: dict[str, Any]) -> str | None:
        message = choice.get("message")
        return message.get("content") if isinstance(message, dict) else None


class OpenAICompletions(OpenAICompatible):
    """POST {base_url}/completions for servers without a chat endpoint: the system text and the
    prompt as one plain prompt."""

    path = "/completions"

    def body(self, request: Request) -> dict[str, Any]:
        prompt = f"{request.system}\n\n{request.prompt}" if request.system else request.prompt
        return {**self.options.generation, "model": self.options.model_id, "prompt": prompt}

    def reply_text(self, choice: dict[str, Any]) -> str | None:
        return choice.get("text")
