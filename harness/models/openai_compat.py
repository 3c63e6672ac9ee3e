"""`openai_chat` and `openai_completions`: any OpenAI-compatible server (vLLM, TGI, llama.cpp,
Ollama, hosted APIs) over plain HTTP, many requests in flight, failed documents recorded.

The API key is read from the environment variable named by `api_key_env` when a request is
sent; it is never stored on the backend, so no options dump, log line or error can carry it.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.config.env_names import unset_message
from harness.errors import ConfigError, HarnessError
from harness.models.base import Backend, Generation, Request, top_logprobs_from
from harness.models.hedging import Hedger, Race, RequestStats
from harness.models.http_retry import (
    Abort,
    RequestFailed,
    RetryPolicy,
    check_reachable,
    endpoint_url,
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


# A parsed reply: (text, finish_reason, usage, top_logprobs); usage stays third (RequestStats.discard).
_Reply = tuple[str, str | None, dict[str, Any], list[dict[str, float]] | None]

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
    # Hedged requests, off by default: a document still unanswered after `hedge_after_s` seconds
    # gets one duplicate request, sent beside the `max_concurrency` window; the first answer is
    # stored, the other request is cut off, and neither is stored or counted twice. Pick about
    # the 90th percentile of the server's latency: a long tail then stops holding the run's last
    # slots (bench/http_window.md). At most `hedge_max_extra` duplicates per document of the run
    # (0.1: 10% more requests, whatever the server does), most of them kept for the final drain,
    # where a duplicate saves the most (hedging.py Hedger); a threshold so low that more than
    # that share of requests outlive it sends no duplicate to most slow requests mid-run.
    # run.json `generation.requests` records what was sent.
    hedge_after_s: float | None = None  # send one duplicate of a request unanswered this long; null: no hedging
    hedge_max_extra: float = 0.1  # at most this many duplicates per document of the run (0.1: 10% more requests)

    def __post_init__(self) -> None:
        for name in ("max_concurrency", "timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"model.{name}: must be positive, got {getattr(self, name)}.")
        if self.hedge_after_s is not None and self.hedge_after_s <= 0:
            raise ConfigError(f"model.hedge_after_s: must be positive (or null: no hedging), got {self.hedge_after_s}.")
        for name in ("max_retries", "max_failures", "backoff_base_s", "backoff_max_s", "hedge_max_extra"):
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
        if parts.fragment or self.base_url.rstrip().endswith("#"):
            # Never sent to a server, and the endpoint path would be appended inside it; what
            # follows the # (a key pasted there) is not shown.
            raise ConfigError(
                f"model.base_url: has a #fragment, which is never sent to the server; remove it "
                f"({public_url(self.base_url)}#...)."
            )


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
            "hedge_after_s",
            "hedge_max_extra",
        }
    )
    path: ClassVar[str]
    where = "model"  # the config path named in messages (a judge metric sets its own)

    def __init__(self, options: Any = None):
        super().__init__(options)
        o = self.options
        self.policy = RetryPolicy(o.max_retries, o.backoff_base_s, o.backoff_max_s)
        self.failures = 0  # documents failed for good, over the backend's life
        self.stats = RequestStats()  # what was sent, over the backend's life
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

    def reply_logprobs(self, logprobs: Any) -> Any:
        """Each position's (token, logprob) pairs from a choice's `logprobs` block; may raise
        on a block of the wrong shape (then the reply counts as having none)."""
        raise NotImplementedError

    def settings(self, request: Request) -> dict[str, Any]:
        """The request body's generation fields: the backend's, then the request's own over them."""
        return {**self.options.generation, **(request.generation or {})}

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

    def request_stats(self) -> dict[str, Any] | None:
        return self.stats.to_json()

    def completions(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        for group in self.completion_batches(requests):
            yield from group

    def completion_batches(self, requests: Sequence[Request]) -> Iterator[list[tuple[int, Generation]]]:
        """A continuous window: `max_concurrency` requests in flight, and the moment one
        finishes the next is sent, so one slow reply never idles the other slots. Generations
        come out in the order they finish, grouped: each group holds every reply that finished
        since the caller last asked (one cache write for all of them). When too many documents
        fail, or the server stops answering, nothing more is sent; the requests in flight finish
        and are handed over, then the run stops with the reason. A signal (or the caller leaving)
        cuts the requests in flight off: the run ends at once, not when their replies come."""
        if not requests:
            return
        self._api_key()  # a missing key fails the run before any request
        self._check_server()
        stop = _Stop()
        o = self.options
        hedger = (
            None
            if o.hedge_after_s is None
            else Hedger(o.hedge_after_s, o.hedge_max_extra, o.max_concurrency, len(requests))
        )
        # The window: one thread per slot, each taking the next document the moment its own is
        # done. The slots start together behind a gate, so the first requests do not queue
        # behind thread starts fighting the running ones for the interpreter.
        finished: queue.SimpleQueue[tuple[int, Generation | BaseException | None]] = queue.SimpleQueue()
        order = iter(range(len(requests)))
        take = threading.Lock()
        gate = threading.Event()

        def slot() -> None:
            gate.wait()
            try:
                while not stop.event.is_set():
                    with take:
                        i = next(order, None)
                    if i is None:
                        break
                    try:
                        finished.put((i, self._one(requests[i], stop, hedger)))
                    except BaseException as e:  # a bug: raised in the caller
                        stop.event.set()
                        finished.put((i, e))
            finally:
                finished.put((_SLOT_DONE, None))

        slots = [threading.Thread(target=slot, name=f"openai-{k}", daemon=True) for k in range(min(o.max_concurrency, len(requests)))]  # fmt: skip
        for thread in slots:
            thread.start()
        gate.set()
        try:
            running = len(slots)
            while running:
                ready = [finished.get()]
                while not finished.empty():
                    ready.append(finished.get())
                group = []
                for i, out in ready:
                    if i == _SLOT_DONE:
                        running -= 1
                    elif isinstance(out, BaseException):
                        raise out
                    elif out is not None:  # None: not sent, the run was stopping
                        group.append((i, out))
                if group:
                    yield group
        except BaseException:  # a signal, a bug, or the caller gone: nobody takes the replies in flight now
            stop.cancel()
            raise
        finally:  # whatever the exit: send nothing more, wait for the slots (cut off or done) to end
            stop.event.set()
            gate.set()
            for thread in slots:
                thread.join()
            if hedger is not None:
                hedger.close()
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

    def _one(self, request: Request, stop: _Stop, hedger: Hedger | None = None) -> Generation | None:
        """One document, retried as configured (and hedged, when on); None when the run stopped
        before it was done."""
        if stop.event.is_set():
            return None
        url = endpoint_url(self.options.base_url, self.path)
        started = time.perf_counter()
        key = self._api_key()
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        body = json.dumps(self.body(request)).encode()  # once for every attempt and the duplicate
        race = Race()
        ticket = (
            None
            if hedger is None
            else hedger.schedule(lambda: self._duplicate(url, body, headers, race, hedger, stop.cancel))
        )
        tries = 0

        def attempt() -> _Reply:
            nonlocal tries
            if stop.event.is_set():  # between retries: no new attempt once the run is stopping
                raise _Stopped
            if race.winner is not None:  # the duplicate answered during the backoff
                raise _Lost
            tries += 1
            self.stats.add(requests=1, retries=int(tries > 1))
            try:
                reply = post_json(
                    url, body, headers, self.options.timeout_s, read=self._parse, abort=race.first, cancel=stop.cancel
                )
            except RequestFailed:
                if race.winner is not None:
                    self.stats.add(cancelled=1)
                    raise _Lost from None
                if stop.cancel.fired:
                    raise _Stopped from None
                raise
            if not race.claim(reply, duplicate=False):
                self.stats.discard(reply[2])
                raise _Lost
            return reply

        try:
            try:
                reply, _attempts = with_retries(
                    attempt, self.policy, self._rng, what=f"doc {request.doc_id}", sleep=stop.event.wait
                )
            except _Lost:
                reply = race.winner
            except _Stopped:
                return None
            except RequestFailed as e:
                if race.close():  # a duplicate is in flight: its answer may still come
                    race.duplicate_done.wait()
                if race.winner is None:
                    error = redact(str(e), key)  # post_json already scrubs; cheap insurance
                    log.warning("doc %s failed: %s", request.doc_id, error)
                    self._failed(error, stop)
                    return Generation(text=None, error=error, latency_s=round(time.perf_counter() - started, 4))
                reply = race.winner
        finally:
            if hedger is not None and ticket is not None:
                hedger.cancel(ticket)
            race.close()  # no duplicate starts now; one still in flight is cut off
            race.duplicate()
        text, finish_reason, usage, top_logprobs = reply
        return Generation(
            text=text,
            input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            finish_reason=finish_reason,
            latency_s=round(time.perf_counter() - started, 4),
            top_logprobs=top_logprobs,
        )

    def _duplicate(
        self, url: str, body: bytes, headers: dict[str, str], race: Race, hedger: Hedger, cancel: Abort
    ) -> None:
        """The hedged duplicate of a slow request: one attempt; its reply counts only if it comes first."""
        try:
            if not race.start_duplicate(hedger.allowed):
                return
            self.stats.add(requests=1, hedged=1)
            try:
                reply = post_json(
                    url, body, headers, self.options.timeout_s, read=self._parse, abort=race.duplicate, cancel=cancel
                )
            except RequestFailed:
                if race.winner is not None:
                    self.stats.add(cancelled=1)
                return  # the first request goes on as if no duplicate had been sent
            if race.claim(reply, duplicate=True):
                self.stats.add(hedges_won=1)
            else:
                self.stats.discard(reply[2])
        finally:
            race.duplicate_done.set()

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

    def _parse(self, reply: dict[str, Any]) -> _Reply:
        """(text, finish_reason, usage, top_logprobs) from a reply; a reply without text is a
        failed attempt. Logprobs are extra: a block that cannot be read is left out, not an error."""
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
        return text, choices[0].get("finish_reason"), usage, self._top_logprobs(choices[0].get("logprobs"))

    def _top_logprobs(self, block: Any) -> list[dict[str, float]] | None:
        if block is None:
            return None
        try:
            return top_logprobs_from(self.reply_logprobs(block))
        except (TypeError, ValueError, AttributeError, KeyError):  # not the documented shape
            return None


class _Stopped(Exception):
    """Raised inside a request's retry loop once the run is stopping."""


_SLOT_DONE = -1  # a slot's last word: it takes no more documents


class _Lost(Exception):
    """Raised inside a request's retry loop once the hedged duplicate has answered."""


class _Stop:
    """Why the run stops (the first reason wins), and the event every worker checks."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.cancel = Abort()  # fired when the window is left early (a signal): cuts off the requests in flight
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
        return {**self.settings(request), "model": self.options.model_id, "messages": messages}

    def reply_text(self, choice: dict[str, Any]) -> str | None:
        message = choice.get("message")
        return message.get("content") if isinstance(message, dict) else None

    def reply_logprobs(self, logprobs: Any) -> Any:
        # {"content": [{"token", "logprob", "bytes", "top_logprobs": [{"token", "logprob", "bytes"}]}]}
        return (
            [(alt["token"], alt["logprob"]) for alt in position["top_logprobs"]] for position in logprobs["content"]
        )


class OpenAICompletions(OpenAICompatible):
    """POST {base_url}/completions for servers without a chat endpoint: the system text and the
    prompt as one plain prompt."""

    path = "/completions"

    def body(self, request: Request) -> dict[str, Any]:
        prompt = f"{request.system}\n\n{request.prompt}" if request.system else request.prompt
        return {**self.settings(request), "model": self.options.model_id, "prompt": prompt}

    def reply_text(self, choice: dict[str, Any]) -> str | None:
        return choice.get("text")

    def reply_logprobs(self, logprobs: Any) -> Any:
        # {"tokens": [...], "token_logprobs": [...], "top_logprobs": [{token: logprob}, ...]}
        return (position.items() for position in logprobs["top_logprobs"])
