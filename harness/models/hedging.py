"""Hedged requests: when a document's request is still unanswered after `hedge_after_s`, one
duplicate goes out; the first answer wins, the other request is cut off, and nothing is stored
or counted twice. Used by the OpenAI-compatible backends (openai_compat.py)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from harness.models.http_retry import Abort, call_later, cancel_call


@dataclass
class RequestStats:
    """What a backend sent, for the run's record (run.json `generation.requests`)."""

    requests: int = 0  # HTTP requests sent: first attempts, retries and duplicates
    retries: int = 0  # attempts after a document's first
    hedged: int = 0  # duplicates sent for slow requests (the extra requests hedging cost)
    hedges_won: int = 0  # documents whose stored answer came from the duplicate
    cancelled: int = 0  # requests cut off because the other of their pair answered first
    discarded: int = 0  # replies that arrived after the other of their pair had won: not stored
    discarded_input_tokens: int = 0  # tokens of those replies (cut-off requests report none)
    discarded_output_tokens: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def discard(self, usage: dict[str, Any]) -> None:
        """A reply that lost its race: counted with its tokens, never stored."""
        tokens = [usage.get(k) for k in ("prompt_tokens", "completion_tokens")]
        n_in, n_out = (t if isinstance(t, int) else 0 for t in tokens)
        self.add(discarded=1, discarded_input_tokens=n_in, discarded_output_tokens=n_out)

    def to_json(self) -> dict[str, int]:
        with self._lock:
            return dataclasses.asdict(self)


class Race:
    """One document's requests: the first (with its retries) and at most one duplicate. The
    first reply claimed wins; claiming cuts the other request off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.first = Abort()
        self.duplicate = Abort()
        self.winner: Any = None
        self.closed = False  # the first request is done: no duplicate may start now
        self.duplicate_started = False
        self.duplicate_done = threading.Event()

    def claim(self, reply: Any, duplicate: bool) -> bool:
        with self._lock:
            if self.winner is not None:
                return False
            self.winner = reply
        (self.first if duplicate else self.duplicate)()  # cut the loser off
        return True

    def start_duplicate(self, allowed: Callable[[], bool]) -> bool:
        with self._lock:
            if self.closed or self.winner is not None or not allowed():
                return False
            self.duplicate_started = True
            return True

    def close(self) -> bool:
        """The first request is done; True when a duplicate is (or was) in flight."""
        with self._lock:
            self.closed = True
            return self.duplicate_started


class Hedger:
    """Starts duplicates after `after_s` on their own threads (beyond `max_concurrency`), at
    most `max_extra` duplicates per document of the run: a server that is slow for every
    request gets a bounded share of extra load, not twice the requests.

    The budget is kept for the final drain, where a slow request holds the run's end and a
    duplicate saves the most: until the run's last document has started, duplicates may use
    only `max_extra` per document started beyond the first two windows (2 x `max_in_flight`);
    the rest of the budget is spent once no document waits. A zero-overhead simulation of the
    bench's latencies (bench/http_window.md) finishes sooner this way than when the budget
    grows with every document started."""

    def __init__(self, after_s: float, max_extra: float, max_in_flight: int, documents: int):
        self.after_s = after_s
        self.max_extra = max_extra
        self._pool = ThreadPoolExecutor(max_workers=max(1, max_in_flight), thread_name_prefix="openai-hedge")
        self._lock = threading.Lock()
        self._total = documents  # the run's documents: the budget is max_extra of them
        self._reserved = 2 * max_in_flight  # documents whose share waits for the drain
        self._documents = 0  # documents started so far
        self._sent = 0

    def schedule(self, send: Callable[[], None]) -> int:
        """A document's first request starts now: `send` runs after `after_s` (on a hedge thread)
        unless `cancel` comes first."""
        with self._lock:
            self._documents += 1
        return call_later(self.after_s, lambda: self._submit(send))

    def _submit(self, send: Callable[[], None]) -> None:
        try:
            self._pool.submit(send)
        except RuntimeError:  # the window closed as the timer fired: nothing left to hedge
            pass

    def cancel(self, ticket: int) -> None:
        cancel_call(ticket)

    def allowed(self) -> bool:
        with self._lock:
            draining = self._documents >= self._total  # no document waits: spend what is left
            counted = self._total if draining else self._documents - self._reserved
            if self._sent + 1 > self.max_extra * counted:
                return False
            self._sent += 1
            return True

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
