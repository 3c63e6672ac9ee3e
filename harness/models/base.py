"""The backend interface: a batch of requests in, one generation per request out, in order;
or, for backends that serve requests one by one (HTTP), each generation as soon as it finishes."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from harness.config.schema import NoOptions, parse
from harness.errors import ConfigError, PluginError


@dataclass(frozen=True)
class Request:
    """What a backend is asked: the source document and the prompt rendered from it."""

    doc_id: str
    source: str
    prompt: str  # user message / plain prompt (template applied)
    system: str = ""  # system message for chat models ("" for none)
    n_bullets: int = 3
    # Settings for this request alone, merged over the backend's `generation:` (these win): a
    # judge asking for one token with logprobs, or a stricter retry. None or {}: the backend's own.
    generation: Mapping[str, Any] | None = None


@dataclass
class Generation:
    """One output. `text` is None when generation failed; then `error` says why."""

    text: str | None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    truncated: bool = False
    finish_reason: str | None = None
    latency_s: float | None = None
    # For the first output tokens (at most TOP_LOGPROB_POSITIONS), each position's alternatives
    # token -> natural-log probability, as the server returned them; None when it gave none.
    top_logprobs: list[dict[str, float]] | None = None

    def to_json(self) -> dict[str, Any]:
        # Plain values (top_logprobs: plain dicts never changed once built): no deep copy needed
        # (asdict's cost every reply).
        return {name: getattr(self, name) for name in _GENERATION_FIELDS}


_GENERATION_FIELDS = tuple(f.name for f in dataclasses.fields(Generation))
TOP_LOGPROB_POSITIONS = 5  # a judge reads the first token or two; more would bloat every cache line
LOGPROB_SLACK = 1e-4  # a server's rounding of log(1) may come out a hair above 0: read as 0


def top_logprobs_from(positions: Iterable[Iterable[tuple[Any, Any]]]) -> list[dict[str, float]] | None:
    """`Generation.top_logprobs` from each position's (token, logprob) pairs: the first
    TOP_LOGPROB_POSITIONS positions, non-finite logprobs dropped; None when nothing is left.
    A token that is not a string, a logprob that is not a number, or one above 0 (a probability
    above 1: not a log-probability at all) raises ValueError; a token met twice in one position
    keeps its first logprob."""
    out: list[dict[str, float]] = []
    for position in itertools.islice(positions, TOP_LOGPROB_POSITIONS):
        alternatives: dict[str, float] = {}
        for token, logprob in position:
            if not isinstance(token, str) or not isinstance(logprob, (int, float)) or isinstance(logprob, bool):
                raise ValueError(f"not a token and its logprob: {token!r}, {logprob!r}")
            if logprob > LOGPROB_SLACK:
                raise ValueError(f"not a log-probability: {token!r} has {logprob!r} > 0")
            if math.isfinite(logprob):
                alternatives.setdefault(token, min(float(logprob), 0.0))  # two ids spelled alike: the likelier
        out.append(alternatives)
    return out if any(out) else None


class Backend:
    """Base class. Subclasses set an `Options` dataclass and implement `generate` (or
    `completions`). `check_backend_class` holds every backend class to this when it is loaded.

    `runtime_fields` lists option names that do not change outputs (batch size, device,
    concurrency, timeouts, ...); all other options go into the cache key, so changing a
    decoding setting never reuses an old generation.
    """

    Options: ClassVar[type] = NoOptions
    runtime_fields: ClassVar[frozenset[str]] = frozenset()
    cacheable: ClassVar[bool] = True  # False for cheap deterministic backends (no cache entries)
    free: ClassVar[bool] = False  # True: costs nothing per document (no model; a baseline): priced 0 without a price

    def __init__(self, options: Any = None):
        self.options = options if options is not None else self.Options()

    @classmethod
    def from_config(cls, config: dict[str, Any] | None, where: str = "model") -> Backend:
        return cls(parse(cls.Options, config, where))

    @property
    def batch_size(self) -> int:
        size = getattr(self.options, "batch_size", 16)
        return size if isinstance(size, int) else 16

    def identity(self) -> dict[str, Any]:
        """The options that affect outputs (part of the generation cache key).

        With sampling, a batch's padding changes the random draws, so the batch size joins the
        identity; greedy decoding keeps it out (and existing caches stay valid)."""
        opts = (
            dataclasses.asdict(self.options)
            if dataclasses.is_dataclass(self.options) and not isinstance(self.options, type)
            else {}
        )
        identity = {k: v for k, v in opts.items() if k not in self.runtime_fields}
        if "batch_size" in opts and samples(opts.get("generation")):
            identity["batch_size"] = opts["batch_size"]
        return identity

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        raise NotImplementedError

    def completions(self, requests: Sequence[Request]) -> Iterator[tuple[int, Generation]]:
        """Every request's generation as (index into `requests`, generation), each as soon as it
        is done, so the caller can store it at once. Here: batches of `batch_size` through
        `generate`, in order. A backend that can start the next request while others are still
        running (HTTP) yields in the order requests finish."""
        size = max(1, self.batch_size)
        for start in range(0, len(requests), size):
            batch = requests[start : start + size]
            outputs = self.generate(batch)
            if len(outputs) != len(batch):
                raise PluginError(
                    f"backend {type(self).__module__}.{type(self).__qualname__} returned {len(outputs)} outputs "
                    f"for {len(batch)} requests; generate() must return one Generation per request"
                )
            yield from enumerate(outputs, start)

    def completion_batches(self, requests: Sequence[Request]) -> Iterator[list[tuple[int, Generation]]]:
        """`completions` in groups: the generations that are done by the time the caller asks
        again, so it stores each group with one write (HTTP: the replies that came in while the
        previous group was written). Here: each of `completions` alone."""
        for item in self.completions(requests):
            yield [item]

    def unrequested(self, requested: set[str]) -> dict[str, Any] | None:
        """Outputs the backend holds for documents the run did not ask for (e.g. a precomputed
        file with ids not in the dataset): reported and counted, None when there are none."""
        return None

    def request_stats(self) -> dict[str, Any] | None:
        """Counts of what the backend sent (HTTP requests, retries, hedged duplicates) for the
        run's record; None when it sends nothing."""
        return None

    def close(self) -> None:
        """Release models, sessions or threads."""


def pop_backend_key(model: dict[str, Any], where: str) -> str:
    """Take the backend out of a model config: `backend:` (a registered name, an installed
    plugin's entry point or a class path) or `_target_:` (a class path, as Hydra spells it)."""
    key, target = model.pop("backend", None), model.pop("_target_", None)
    if key is not None and target is not None:
        raise ConfigError(f"{where}: give 'backend' (a registered name) or '_target_' (a class path), not both")
    if key is None and target is None:
        from harness.registry import BACKENDS

        raise ConfigError(
            f"{where}: the config needs a 'backend' key (or '_target_: mypkg.module.Class'). "
            f"Known backends: {', '.join(BACKENDS.names())}"
        )
    return str(key if key is not None else target)


def check_backend_class(cls: Any, where: str) -> None:
    """The backend contract, checked when a class is loaded (built-in or plugin): ConfigError
    naming each thing the class lacks."""
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise ConfigError(f"{where}: {cls!r} is not a subclass of harness.models.base.Backend")
    problems = []
    if not dataclasses.is_dataclass(cls.Options):
        problems.append("an `Options` dataclass (@dataclass class Options: ...) for its config options")
    elif unknown := sorted(set(cls.runtime_fields) - {f.name for f in dataclasses.fields(cls.Options)}):
        problems.append(f"`runtime_fields` naming its options only (not options: {', '.join(unknown)})")
    if cls.generate is Backend.generate and cls.completions is Backend.completions:
        problems.append("a `generate(self, requests)` method returning one Generation per request")
    if problems:
        raise ConfigError(
            f"{where}: {cls.__module__}.{cls.__qualname__} breaks the backend contract; it needs " + "; ".join(problems)
        )


def samples(generation: Any) -> bool:
    """Whether decoding settings sample: `do_sample: true`, or a temperature above 0 when
    `do_sample` is not given."""
    if not isinstance(generation, dict):
        return False
    if "do_sample" in generation:
        return bool(generation["do_sample"])
    temperature = generation.get("temperature")
    return isinstance(temperature, (int, float)) and not isinstance(temperature, bool) and temperature > 0
