"""JSON over HTTP with retries, using only the standard library.

One place decides what is worth retrying (429, 408, 5xx, timeouts, dropped or refused
connections, unreadable bodies) and what is not (other 4xx: the request itself is wrong), how
long to wait (exponential backoff with jitter, or the server's Retry-After), and how secrets are
kept out of error messages.
"""

from __future__ import annotations

import email.utils
import heapq
import http.client
import itertools
import json
import logging
import os
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
_BODY_EXCERPT = 300


class RequestFailed(Exception):
    """One attempt failed. `retryable` says whether another attempt may succeed."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5  # attempts after the first
    backoff_base_s: float = 1.0  # first wait; doubles each retry
    backoff_max_s: float = 60.0  # cap for one wait, Retry-After included

    def wait_s(self, retry: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds before retry number `retry` (0-based): the server's Retry-After when given,
        else equal-jitter exponential backoff (half fixed, half random) so that concurrent
        clients that failed together do not come back together."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max_s)
        cap = min(self.backoff_max_s, self.backoff_base_s * 2**retry)
        return cap / 2 + rng.uniform(0, cap / 2)


def with_retries(
    attempt: Callable[[], T],
    policy: RetryPolicy,
    rng: random.Random,
    what: str = "request",
    sleep: Callable[[float], object] = time.sleep,
) -> tuple[T, int]:
    """Run `attempt` until it succeeds, fails for good, or retries run out; returns (result,
    attempts). Raises the last RequestFailed, its message saying how many attempts were made."""
    for retry in range(policy.max_retries + 1):
        try:
            return attempt(), retry + 1
        except RequestFailed as e:
            if not e.retryable or retry == policy.max_retries:
                raise RequestFailed(f"{e} (after {retry + 1} attempt{'s' * (retry > 0)})", e.retryable) from None
            wait = policy.wait_s(retry, e.retry_after, rng)
            log.info("%s: %s; retry %d/%d in %.1fs", what, e, retry + 1, policy.max_retries, wait)
            sleep(wait)
    raise AssertionError("unreachable")


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def redact(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


def post_json(
    url: str,
    payload: dict[str, Any] | bytes,
    headers: dict[str, str],
    timeout_s: float,
    read: Callable[[dict[str, Any]], T] = lambda reply: reply,  # type: ignore[assignment,return-value]
    abort: Abort | None = None,
    cancel: Abort | None = None,
) -> T:
    """One POST attempt on a fresh connection (no stale keep-alive sockets to trip over);
    returns `read(reply)`. `payload` is a JSON object, or one already encoded (a document's body
    is encoded once for all its attempts). `timeout_s` bounds the whole attempt, from connecting
    to the reply's last byte; `abort()` from another thread ends it early (RequestFailed, not
    retryable), and so does `cancel()` (the run is stopping: a signal). Raises RequestFailed
    (also from `read`), with any credential from `headers` blanked out of its message."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestFailed(f"not an http(s) URL: {url!r}", retryable=False)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout_s)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        return read(_post(conn, path, body, headers, timeout_s, abort, cancel))
    except RequestFailed as e:  # a server may echo credentials back: scrub them at the source
        message = str(e)
        for secret in _secrets(headers):
            message = redact(message, secret)
        raise RequestFailed(message, e.retryable, e.retry_after) from None
    finally:
        conn.close()


def get_json(url: str, headers: dict[str, str], timeout_s: float) -> Any:
    """One GET of a JSON document (a server's model list); RequestFailed saying why, with any
    credential from `headers` blanked out."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestFailed(f"not an http(s) URL: {public_url(url)!r}", retryable=False)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout_s)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers)
        reply = conn.getresponse()
        data = reply.read(MAX_LISTING_BYTES + 1)
        if reply.status != 200:
            raise RequestFailed(f"HTTP {reply.status} from {public_url(url)}: {_error_text(data)}", retryable=False)
        if len(data) > MAX_LISTING_BYTES:
            raise RequestFailed(
                f"the reply of {public_url(url)} is larger than {MAX_LISTING_BYTES} bytes", retryable=False
            )
        return json.loads(data)
    except (OSError, http.client.HTTPException, ValueError, RecursionError) as e:
        message = f"GET {public_url(url)} failed: {e}"
        for secret in _secrets(headers):
            message = redact(message, secret)
        raise RequestFailed(message, retryable=False) from None
    finally:
        conn.close()


MAX_LISTING_BYTES = 4_000_000


def _secrets(headers: dict[str, str]) -> list[str]:
    values = [v for k, v in headers.items() if k.lower() in ("authorization", "api-key", "x-api-key")]
    return [part for v in values for part in (v, v.split(" ", 1)[-1]) if len(part) >= 8]


class Abort:
    """Ends an attempt's blocking socket I/O from another thread: its deadline passing, or the
    other request of a hedged pair answering first. Sockets opened after it fired are shut at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.fired = False

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)  # kept: the connection forgets its socket once a reply says close
            fired = self.fired
        if fired:
            _shut(sock)

    def __call__(self) -> bool:
        """Fire; True when a connection was open (a request really was cut off)."""
        with self._lock:
            self.fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)
        return bool(sockets)


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Deadlines:
    """One thread runs every request's deadline action: starting a Timer thread per request
    costs about a millisecond, which adds up with hundreds of requests a second."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Callable[[], object]]] = []
        self._cancelled: set[int] = set()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def call_later(self, delay_s: float, action: Callable[[], object]) -> int:
        with self._cond:
            ticket = next(self._ids)
            heapq.heappush(self._heap, (time.monotonic() + delay_s, ticket, action))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="http-deadlines", daemon=True)
                self._thread.start()
            self._cond.notify()
            return ticket

    def cancel(self, ticket: int) -> None:
        with self._cond:
            self._cancelled.add(ticket)

    def _next_due(self) -> Callable[[], object]:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] in self._cancelled:
                    self._cancelled.discard(heapq.heappop(self._heap)[1])
                wait = self._heap[0][0] - time.monotonic() if self._heap else None
                if wait is not None and wait <= 0:
                    return heapq.heappop(self._heap)[2]
                self._cond.wait(wait)

    def _run(self) -> None:
        while True:
            action = self._next_due()
            try:
                action()
            except Exception:  # one failing action must not stop every later deadline
                log.exception("deadline action failed")


_deadlines = _Deadlines()
os.register_at_fork(
    after_in_child=lambda: globals().update(_deadlines=_Deadlines())
)  # the thread does not survive a fork


def call_later(delay_s: float, action: Callable[[], object]) -> int:
    """Run `action` on the shared deadline thread after `delay_s` (it must return quickly);
    returns a ticket for `cancel_call`."""
    return _deadlines.call_later(delay_s, action)


def cancel_call(ticket: int) -> None:
    _deadlines.cancel(ticket)


def _post(
    conn: http.client.HTTPConnection,
    path: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    abort: Abort | None = None,
    cancel: Abort | None = None,
) -> dict[str, Any]:
    # The socket timeout bounds each read; the deadline bounds the whole request, so a server
    # that sends a byte now and then cannot hold an attempt longer than timeout_s.
    expired = Abort()
    deadline = _deadlines.call_later(timeout_s, expired)
    try:
        conn.connect()
        expired.watch(conn.sock)
        for cutter in (abort, cancel):
            if cutter is not None:
                cutter.watch(conn.sock)
        conn.request("POST", path, body, {"Content-Type": "application/json", "Accept": "application/json", **headers})
        response = conn.getresponse()
        data = response.read()
        status, retry_after = response.status, parse_retry_after(response.getheader("Retry-After"))
    except (OSError, http.client.HTTPException) as e:
        _cut_short(expired, abort, cancel, timeout_s)
        if isinstance(e, TimeoutError):
            raise _too_slow(timeout_s) from None
        raise RequestFailed(f"connection error: {type(e).__name__}: {e}", retryable=True) from None
    finally:
        _deadlines.cancel(deadline)
    _cut_short(expired, abort, cancel, timeout_s)  # the body may have been cut short without an error
    if not 200 <= status < 300:
        raise RequestFailed(
            f"HTTP {status}: {_error_text(data)}", retryable=status in RETRY_STATUSES, retry_after=retry_after
        )
    try:
        reply = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        # A cut-off or garbled body is usually a proxy or connection hiccup: worth another try.
        # Nesting deeper than the parser follows is no reply either.
        raise RequestFailed(f"malformed JSON in response: {data[:80]!r}", retryable=True) from None
    if not isinstance(reply, dict):
        raise RequestFailed(f"unexpected JSON in response: {str(reply)[:80]}", retryable=True)
    return reply


def _too_slow(timeout_s: float) -> RequestFailed:
    return RequestFailed(f"no complete response within {timeout_s:g}s (timeout_s)", retryable=True)


def _cut_short(expired: Abort, abort: Abort | None, cancel: Abort | None, timeout_s: float) -> None:
    """Raise why the attempt was cut off, if it was."""
    if cancel is not None and cancel.fired:
        raise RequestFailed("cancelled: the run is stopping", retryable=False)
    if abort is not None and abort.fired:
        raise RequestFailed("cancelled: the other request for this document answered first", retryable=False)
    if expired.fired:
        raise _too_slow(timeout_s)


def _error_text(data: bytes) -> str:
    """The server's error message when it sent the usual {"error": {"message": ...}}, else the body's start."""
    text = data.decode("utf-8", "replace")
    try:
        error = json.loads(text).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return str(message)[:_BODY_EXCERPT]
    except (json.JSONDecodeError, AttributeError, RecursionError):
        pass
    return text[:_BODY_EXCERPT] or "(empty body)"


def endpoint_url(base_url: str, path: str) -> str:
    """`path` appended to the base URL's path, its query kept after it (Azure OpenAI's
    `?api-version=...`): http://h/v1?q=1 + /chat/completions -> http://h/v1/chat/completions?q=1."""
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + path, fragment=""))


def public_url(url: str) -> str:
    """A URL without user:password@ or query string, fit for a message."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    try:
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:
        pass
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def check_reachable(url: str, timeout_s: float) -> None:
    """Open (and close) one TCP connection to the URL's host and port; raises RequestFailed
    (not retryable) saying why when nothing answers there."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RequestFailed(f"not a valid port in {public_url(url)!r}", retryable=False) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RequestFailed(f"not an http(s) URL: {public_url(url)!r}", retryable=False)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout_s):
            pass
    except ConnectionRefusedError:
        raise RequestFailed(
            f"connection refused at {parts.hostname}:{port} (is the server running?)", retryable=False
        ) from None
    except socket.gaierror as e:
        raise RequestFailed(f"host name {parts.hostname!r} not found ({e.strerror})", retryable=False) from None
    except TimeoutError:
        raise RequestFailed(
            f"no TCP connection to {parts.hostname}:{port} within {timeout_s:g}s", retryable=False
        ) from None
    except OSError as e:
        raise RequestFailed(f"cannot connect to {parts.hostname}:{port} ({e.strerror or e})", retryable=False) from None
