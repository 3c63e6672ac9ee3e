"""A small OpenAI-compatible server on 127.0.0.1 for tests: chat completions and completions,
deterministic replies, scripted faults, and a log of every request it received.

    with FakeOpenAI() as server:
        server.plan["DOC-3"] = ["500", "429", "ok"]   # faults for requests whose prompt contains DOC-3
        ... base_url=server.url ...
        server.requests_for("DOC-3")  -> the requests it saw for that document

Faults: "ok", "500", "503", "429" (with Retry-After: `retry_after` seconds), "400", "401echo"
and "500echo" (errors whose body echoes the Authorization header, as a careless proxy might), "slow" (reply
after `slow_s`), "malformed" (invalid JSON with status 200), "deep" (valid JSON nested 50,000 deep), "drop" (close without replying), "drip"
(a valid reply sent one byte every `drip_s`, so no single read waits long), "badlogprobs" (a
reply whose logprobs block has the wrong shape).
`reply` makes the text from the prompt (default: the module's `reply_text`, as it is when a request comes); it may return (text, top_logprobs),
top_logprobs a list of {token: logprob} per output position, sent only when the request asks
for logprobs (chat: `logprobs: true, top_logprobs: k`; completions: `logprobs: k`), each
position's k likeliest, in OpenAI's chat or completions format.
`always` applies one fault to every request; `delay_s` slows every reply; `latency` (e.g.
`LogNormal(median_s=0.2, sigma=1.0)`) adds a delay drawn for each request from its prompt and
how many times that prompt came before: the first request for a document meets the same delay
in every run (two clients sending the same documents meet the same latencies), a repeat of it
(a retry, a hedged duplicate) a fresh, equally seeded draw.
`peak_in_flight` is the most requests it served at once; `abandoned` counts requests whose
client hung up before the reply (e.g. the loser of a hedged pair, cancelled).
"""

from __future__ import annotations

import hashlib
import json
import math
import queue
import random
import select
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    path: str
    prompt: str
    body: dict[str, Any]
    authorization: str | None
    fault: str
    at: float  # time.monotonic() when the request arrived
    abandoned: bool = False  # the client closed the connection before the reply was sent


@dataclass(frozen=True)
class LogNormal:
    """Long-tailed service times: exp(N(log(median), sigma)), drawn from a hash of the seed, the
    prompt and how many requests for that prompt came before (`repeat`)."""

    median_s: float = 0.2
    sigma: float = 1.0
    seed: int = 0

    def __call__(self, prompt: str, repeat: int = 0) -> float:
        tag = f"{self.seed}:{prompt}" + (f":{repeat}" if repeat else "")  # repeat 0: the draw older runs met
        digest = hashlib.sha256(tag.encode()).digest()
        return random.Random(digest).lognormvariate(math.log(self.median_s), self.sigma)


def reply_text(prompt: str) -> str:
    """Deterministic bullets that name the first words of the prompt."""
    words = prompt.split()[:4]
    return f"- first point about {' '.join(words)}\n- second point\n- third point"


def _logprobs_asked(body: dict[str, Any], chat: bool) -> int | None:
    """How many alternatives per position the request asked for; None: no logprobs asked."""
    if chat:
        return int(body.get("top_logprobs") or 0) if body.get("logprobs") is True else None
    k = body.get("logprobs")
    return k if isinstance(k, int) and not isinstance(k, bool) else None


def _logprobs_block(positions: list[dict[str, float]], k: int, chat: bool) -> dict[str, Any]:
    """OpenAI's logprobs block; each position's chosen token is its likeliest."""
    ranked = [sorted(p.items(), key=lambda item: -item[1]) for p in positions]
    chosen = [r[0] if r else ("", 0.0) for r in ranked]
    if chat:

        def entry(token: str, logprob: float) -> dict[str, Any]:
            return {"token": token, "logprob": logprob, "bytes": list(token.encode())}

        return {
            "content": [{**entry(*c), "top_logprobs": [entry(*alt) for alt in r[:k]]} for c, r in zip(chosen, ranked)]
        }
    return {
        "tokens": [c[0] for c in chosen],
        "token_logprobs": [c[1] for c in chosen],
        "top_logprobs": [dict(r[:k]) for r in ranked],
        "text_offset": [0] * len(chosen),
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # many clients connect at once (the default of 5 drops SYNs: 1 s stalls)
    threads = 0  # handler threads started up front (benches); 0: one new thread per connection

    def server_activate(self) -> None:
        super().server_activate()
        self._waiting: queue.SimpleQueue[Any] = queue.SimpleQueue()
        for _ in range(self.threads):
            threading.Thread(target=self._handle_waiting, daemon=True).start()

    def process_request(self, request: Any, client_address: Any) -> None:
        # A burst of connections otherwise waits on thread starts in the accept loop.
        if self.threads:
            self._waiting.put((request, client_address))
        else:
            super().process_request(request, client_address)

    def _handle_waiting(self) -> None:
        while True:
            request, client_address = self._waiting.get()
            self.process_request_thread(request, client_address)


class FakeOpenAI:
    def __init__(
        self,
        delay_s: float = 0.0,
        slow_s: float = 2.0,
        retry_after: float = 1.0,
        drip_s: float = 0.2,
        latency: LogNormal | Callable[[str], float] | None = None,  # a plain function: per prompt
        threads: int = 0,  # handler threads started up front; more connections at once than this queue
        reply: Callable[[str], str | tuple[str, list[dict[str, float]]]] | None = None,  # None: reply_text
    ):
        self.reply = reply
        self.plan: dict[str, list[str]] = {}
        self.always: str | None = None
        self.served: list[str] = ["fake-model"]  # what GET /models lists
        self.delay_s = delay_s
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.drip_s = drip_s
        self.latency = latency
        self.slept: list[float] = []  # each delay drawn from `latency`
        self.peak_in_flight = 0  # most requests being served at once
        self._in_flight = 0
        self.seen: list[Seen] = []
        self._repeats: dict[str, int] = {}  # requests per prompt so far
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class(), bind_and_activate=False)
        self._server.threads = threads
        self._server.server_bind()
        self._server.server_activate()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests_for(self, marker: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if marker in s.prompt]

    @property
    def abandoned(self) -> int:
        """Requests whose client hung up before the reply was sent."""
        with self._lock:
            return sum(s.abandoned for s in self.seen)

    @property
    def in_flight(self) -> int:
        """Requests being served now (received, no reply sent yet)."""
        with self._lock:
            return self._in_flight

    @property
    def answered(self) -> int:
        """Requests that got a successful reply."""
        with self._lock:
            return sum(s.fault == "ok" for s in self.seen)

    def _next_fault(self, prompt: str) -> str:
        with self._lock:
            if self.always:
                return self.always
            for marker, faults in self.plan.items():
                if marker in prompt and faults:
                    return faults.pop(0)
            return "ok"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # the model list (`model_id: auto`)
                self._in_flight = False  # not counted as a completion in flight
                if urllib.parse.urlsplit(self.path).path.endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in server.served]})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                with server._lock:
                    server._in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server._in_flight)
                self._in_flight = True
                try:
                    self._serve()
                finally:
                    self._replied()

            def _replied(self) -> None:
                # Counted out before the reply's first byte: a client that has read a reply may send
                # its next request before this thread ends, which is not one more in flight.
                with server._lock:
                    if self._in_flight:
                        server._in_flight -= 1
                        self._in_flight = False

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                data = self.rfile.read(length)
                if len(data) < length:  # the client died mid-send: no request came, none is recorded
                    self.close_connection = True
                    return
                body = json.loads(data or b"{}")
                route = urllib.parse.urlsplit(self.path).path  # a query (e.g. api-version) is not the route
                chat = route.endswith("/chat/completions")
                if chat:
                    prompt = "\n".join(m.get("content", "") for m in body.get("messages", []))
                elif route.endswith("/completions"):
                    prompt = body.get("prompt", "")
                else:
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                fault = server._next_fault(prompt)
                seen = Seen(self.path, prompt, body, self.headers.get("Authorization"), fault, time.monotonic())
                with server._lock:
                    server.seen.append(seen)
                    repeat = server._repeats.get(prompt, 0)
                    server._repeats[prompt] = repeat + 1
                if server.delay_s:
                    time.sleep(server.delay_s)
                if server.latency is not None:
                    wait = (
                        server.latency(prompt, repeat)
                        if isinstance(server.latency, LogNormal)
                        else server.latency(prompt)
                    )
                    with server._lock:
                        server.slept.append(wait)
                    time.sleep(wait)
                if fault == "slow":
                    time.sleep(server.slow_s)
                if self._client_gone():
                    seen.abandoned = True
                    self.close_connection = True
                    return
                if fault == "drop":
                    self.close_connection = True
                    return
                if fault in ("500", "503", "400"):
                    return self._send(int(fault), {"error": {"message": f"injected {fault}"}})
                if fault == "429":
                    return self._send(
                        429, {"error": {"message": "rate limited"}}, {"Retry-After": f"{server.retry_after:g}"}
                    )
                if fault in ("401echo", "500echo"):
                    return self._send(
                        int(fault[:3]), {"error": {"message": f"bad key {self.headers.get('Authorization')}"}}
                    )
                if fault == "malformed":
                    return self._send_raw(200, b'{"choices": [{"message": ')
                if fault == "deep":  # valid JSON nested deeper than a recursive parser can follow
                    return self._send_raw(200, b'{"choices": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
                made = (server.reply or reply_text)(prompt)  # looked up now: tests may patch reply_text
                text, positions = made if isinstance(made, tuple) else (made, None)
                choice: dict[str, Any] = {"index": 0, "finish_reason": "stop"}
                choice.update({"message": {"role": "assistant", "content": text}} if chat else {"text": text})
                asked = _logprobs_asked(body, chat)
                if fault == "badlogprobs":
                    choice["logprobs"] = {"content": {"token": "Yes"}} if chat else {"top_logprobs": 5}
                elif asked is not None:
                    choice["logprobs"] = _logprobs_block(positions, asked, chat) if positions is not None else None
                usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": len(text.split())}
                reply = {
                    "id": "x",
                    "object": "chat.completion",
                    "model": body.get("model"),
                    "choices": [choice],
                    "usage": usage,
                }
                if fault == "drip":
                    return self._send_raw(200, json.dumps(reply).encode(), drip_s=server.drip_s)
                self._send(200, reply)

            def _client_gone(self) -> bool:
                """The client closed its end while the reply was being prepared (nothing left to read
                but the end of the stream)."""
                ready, _, _ = select.select([self.connection], [], [], 0)
                if not ready:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._send_raw(status, json.dumps(payload).encode(), headers)

            def _send_raw(
                self, status: int, data: bytes, headers: dict[str, str] | None = None, drip_s: float = 0.0
            ) -> None:
                self._replied()
                try:
                    self.send_response(status)
                    for k, v in {
                        "Content-Type": "application/json",
                        "Content-Length": str(len(data)),
                        **(headers or {}),
                    }.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if not drip_s:
                        self.wfile.write(data)
                        return
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        time.sleep(drip_s)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler


def judge_config(server: FakeOpenAI, **more: Any) -> dict[str, Any]:
    """A judge config (judge/NAME.yaml's keys) asking `server`: greedy, never retried, failures
    counted rather than fatal; `more` adds or replaces keys."""
    return {
        "backend": "openai_chat",
        "model_id": "judge-1",
        "base_url": server.url,
        "max_retries": 0,
        "max_failures": 100,
        "generation": {"temperature": 0.0},
        **more,
    }
