"""What the Hugging Face backends share: options, device and dtype, loading, prompt fitting,
length-sorted batching with `batch_size: auto`, and reading token counts off `generate()`.

A subclass says which Auto class to load, how a request becomes model input text, and where the
new tokens start in `generate()`'s output; everything else lives here once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from harness.config.generation_keys import transformers_keys
from harness.errors import ConfigError
from harness.hf import load_model, model_input_limit, resolve_device
from harness.models.base import TOP_LOGPROB_POSITIONS, Backend, Generation, Request, top_logprobs_from
from harness.models.cache import stable_hash

log = logging.getLogger(__name__)

# Where `batch_size: auto` starts; on CUDA out-of-memory it halves. CPUs gain little past 8.
AUTO_BATCH_START = {"cuda": 32, "cpu": 8}
# Used when the config sets no length limit at all (transformers' own default is 20 tokens).
DEFAULT_MAX_NEW_TOKENS = 256
_LENGTH_KEYS = ("max_new_tokens", "max_length")


@dataclass
class HFOptions:
    pretrained: str  # hub id ("facebook/bart-large-cnn") or a local folder written by save_pretrained
    revision: str | None = None  # hub branch, tag or commit
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = "auto"  # auto: float32 on CPU, checkpoint dtype on GPU
    device: str = "auto"  # auto: CUDA when present, else CPU; or "cpu", "cuda", "cuda:1", "mps"
    batch_size: int | Literal["auto"] = 8  # auto: start large, halve on CUDA out-of-memory
    max_input_tokens: int | None = None  # None: the model's limit; longer documents are truncated (recorded)
    trust_remote_code: bool = False  # run code shipped with a hub model: only when asked
    seed: int = 0  # for sampling decoders
    generation: dict[str, Any] = field(default_factory=dict)  # passed to model.generate()

    def __post_init__(self) -> None:
        if isinstance(self.batch_size, int) and self.batch_size < 1:
            raise ConfigError(f"model.batch_size: must be at least 1 or 'auto', got {self.batch_size}.")
        if self.max_input_tokens is not None and self.max_input_tokens < 1:
            raise ConfigError(f"model.max_input_tokens: must be at least 1, got {self.max_input_tokens}.")


def resolve_dtype(name: str, device: str) -> Any:
    """'auto' keeps the checkpoint's dtype on a GPU; on CPU half precision is slow or unsupported."""
    import torch

    if name == "auto":
        return "auto" if device.startswith("cuda") else torch.float32
    return getattr(torch, name)


def load_pretrained(auto_class: Any, options: HFOptions, device: str) -> tuple[Any, Any]:
    kwargs: dict[str, Any] = {"revision": options.revision, "trust_remote_code": options.trust_remote_code}
    return load_model(
        auto_class,
        options.pretrained,
        "model.pretrained",
        ConfigError,
        device,
        dtype=resolve_dtype(options.dtype, device),
        **kwargs,
    )


def fit_to_limit(
    render: Callable[[str], str],
    body: str,
    encode: Callable[[str], list[int]],
    decode: Callable[[list[int]], str],
    count: Callable[[str], int],
    limit: int | None,
) -> tuple[str, int, bool]:
    """`render(body)` if it fits in `limit` tokens, else `render` of the longest head of `body`
    that fits. Cutting the body (the document), not the rendered text, keeps an instruction after
    the document and the chat template's closing tokens intact. Returns (text, tokens, truncated)."""
    text = render(body)
    n = count(text)
    if limit is None or n <= limit:
        return text, n, False
    ids = encode(body)
    keep = len(ids) - (n - limit)
    while keep > 0:
        text = render(decode(ids[:keep]))
        n = count(text)
        if n <= limit:
            return text, n, True
        keep -= n - limit  # token merges at the cut can shift the count a little: shrink and retry
    text = render("")
    return text, count(text), True


def run_in_batches(n: int, size: int, auto: bool, run_batch: Callable[[list[int]], None], order: Sequence[int]) -> int:
    """Call `run_batch` on consecutive slices of `order`. With `auto`, a CUDA out-of-memory error
    halves the size and retries the same slice; the smaller size is kept. Returns the final size."""
    import torch

    start = 0
    while start < n:
        chunk = list(order[start : start + size])
        try:
            run_batch(chunk)
        except torch.OutOfMemoryError:
            if not auto or size == 1:
                raise
            torch.cuda.empty_cache()
            size = max(1, size // 2)
            log.warning("out of memory: batch_size lowered to %d", size)
            continue
        start += len(chunk)
    return size


@dataclass(frozen=True)
class RequestSettings:
    kwargs: dict[str, Any]  # for generate()
    top_logprobs: int  # alternatives per position to report; 0: none


# OpenAI-style names a request may use, as generate() spells them; the rest must be
# GenerationConfig attributes.
_REQUEST_ALIASES = {"max_tokens": "max_new_tokens", "max_completion_tokens": "max_new_tokens"}
_SAMPLING_KEYS = ("temperature", "top_p", "top_k", "min_p", "typical_p")


def request_settings(base: dict[str, Any], overrides: Mapping[str, Any] | None) -> RequestSettings:
    """generate() kwargs for a request: the backend's `base` with the request's own settings
    over them. `max_tokens` sets `max_new_tokens`; `temperature: 0` means greedy decoding (as
    for an OpenAI server); `logprobs: true` with `top_logprobs: k` (default 1) asks for the k
    likeliest tokens at the first positions. A setting generate() does not know is a ConfigError."""
    kwargs = dict(base)
    overrides = dict(overrides or {})
    want_logprobs = bool(overrides.pop("logprobs", False))
    top_k = overrides.pop("top_logprobs", None)
    if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 0):
        raise ConfigError(f"request generation setting top_logprobs: expected a whole number >= 0, got {top_k!r}")
    unknown = sorted(k for k in overrides if k not in _REQUEST_ALIASES and k not in transformers_keys())
    if unknown:
        raise ConfigError(
            f"request generation settings {', '.join(unknown)}: not understood by a Hugging Face backend "
            f"(it takes max_tokens, logprobs, top_logprobs and transformers' GenerationConfig attributes)"
        )
    for key, value in overrides.items():
        key = _REQUEST_ALIASES.get(key, key)
        if key in _LENGTH_KEYS:
            for other in _LENGTH_KEYS:
                kwargs.pop(other, None)  # the request's length replaces the backend's, whichever key
        kwargs[key] = value
    if "temperature" in overrides and "do_sample" not in overrides:
        kwargs["do_sample"] = bool(overrides["temperature"])
    if not kwargs.get("do_sample"):
        for key in _SAMPLING_KEYS:
            kwargs.pop(key, None)  # greedy: no warning about unused sampling settings
    return RequestSettings(kwargs, (1 if top_k is None else top_k) if want_logprobs else 0)


def count_new_tokens(row: list[int], eos_ids: set[int]) -> tuple[int, str]:
    """Generated tokens up to and including the first end-of-sequence, and why generation stopped."""
    for i, token in enumerate(row):
        if token in eos_ids:
            return i + 1, "stop"
    return len(row), "length"


class HFBackend(Backend):
    """Loads lazily (a fully cached run never loads weights), fits each request to the input
    limit, generates length-sorted batches, and returns generations in request order."""

    Options: ClassVar[type] = HFOptions
    # Batch size and device change speed, not the text (up to float rounding): not in the cache key.
    runtime_fields = frozenset({"batch_size", "device"})
    auto_class_name: ClassVar[str]
    padding_side: ClassVar[str] = "right"

    def __init__(self, options: Any = None):
        super().__init__(options)
        self.model: Any = None
        self.tokenizer: Any = None
        self.device = resolve_device(self.options.device)
        size = self.options.batch_size
        self._size = AUTO_BATCH_START["cuda" if self.device.startswith("cuda") else "cpu"] if size == "auto" else size

    @property
    def batch_size(self) -> int:
        """One model batch per call (the pipeline hands requests over sorted by length); each
        call's outputs are saved before the next, so a killed run loses at most one batch."""
        return self._size

    # -- hooks for subclasses -------------------------------------------------------------
    def user_text(self, request: Request) -> str:
        """What the model is asked, before any template: the rendered prompt by default."""
        return request.prompt

    def model_input(self, request: Request, user_text: str) -> str:
        """The text fed to the tokenizer for `request` whose user prompt is `user_text`."""
        raise NotImplementedError

    add_special_tokens: ClassVar[bool] = True

    def new_tokens(self, sequences: Any, input_width: int) -> Any:
        """The generated part of `generate()`'s output rows."""
        raise NotImplementedError

    def prepare_tokenizer(self) -> None:
        self.tokenizer.padding_side = self.padding_side

    def clean(self, text: str) -> str:
        """Model-specific tidying of a decoded output."""
        return text.strip()

    # -- shared machinery -----------------------------------------------------------------
    def load(self) -> None:
        if self.model is not None:
            return
        import transformers

        auto_class = getattr(transformers, self.auto_class_name)
        self.model, self.tokenizer = load_pretrained(auto_class, self.options, self.device)
        self.prepare_tokenizer()

    def input_limit(self, kwargs: dict[str, Any] | None = None) -> int | None:
        """The prompt's token limit when generating with `kwargs` (default: the backend's own)."""
        if self.options.max_input_tokens is not None:
            return self.options.max_input_tokens
        return model_input_limit(self.model, self.tokenizer)

    def generation_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.options.generation)
        if not any(k in kwargs for k in _LENGTH_KEYS):
            kwargs["max_new_tokens"] = DEFAULT_MAX_NEW_TOKENS
        if self.model.generation_config.pad_token_id is None and "pad_token_id" not in kwargs:
            kwargs["pad_token_id"] = self.tokenizer.pad_token_id  # silences a warning per batch
        return kwargs

    def eos_ids(self, kwargs: dict[str, Any]) -> set[int]:
        eos = kwargs.get("eos_token_id", self.model.generation_config.eos_token_id)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        return set(eos) if isinstance(eos, (list, tuple)) else {eos} if eos is not None else set()

    def fit(self, request: Request, limit: int | None) -> tuple[str, int, bool]:
        tok = self.tokenizer
        prompt = self.user_text(request)
        # Truncate the document inside the prompt when it is there; else the prompt itself.
        if request.source and request.source in prompt:
            body, render = request.source, lambda s: self.model_input(request, prompt.replace(request.source, s, 1))
        else:
            body, render = prompt, lambda s: self.model_input(request, s)
        return fit_to_limit(
            render,
            body,
            encode=lambda s: tok.encode(s, add_special_tokens=False, verbose=False),
            decode=lambda ids: tok.decode(ids, skip_special_tokens=False),
            count=lambda s: len(
                tok.encode(s, add_special_tokens=self.add_special_tokens, verbose=False)
            ),  # counted before truncating: no warning
            limit=limit,
        )

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        if not requests:
            return []
        self.load()
        # Requests with the same per-request settings share batches; the usual case is one group.
        groups: dict[str, list[int]] = {}
        for i, request in enumerate(requests):
            groups.setdefault(stable_hash(dict(request.generation or {})), []).append(i)
        results: list[Generation | None] = [None] * len(requests)
        for indices in groups.values():
            settings = request_settings(self.generation_kwargs(), requests[indices[0]].generation)
            for i, generation in zip(indices, self._generate_group([requests[i] for i in indices], settings)):
                results[i] = generation
        return results  # type: ignore[return-value]  # every index belongs to one group

    def _generate_group(self, requests: Sequence[Request], settings: RequestSettings) -> list[Generation]:
        import torch

        kwargs, top_k = settings.kwargs, settings.top_logprobs
        limit = self.input_limit(kwargs)
        fitted = [self.fit(r, limit) for r in requests]
        texts = [text for text, _, _ in fitted]
        lengths = [n for _, n, _ in fitted]
        # Longest first: similar lengths share a batch (less padding), and an out-of-memory
        # error with batch_size auto shows up on the first batch.
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        eos_ids = self.eos_ids(kwargs)
        # Logprobs from the raw logits (the model's distribution, before temperature or other
        # processors), as OpenAI-compatible servers report them.
        extra = {"return_dict_in_generate": True, "output_logits": True} if top_k else {}
        results: list[Generation | None] = [None] * len(texts)

        def run_batch(indices: list[int]) -> None:
            started = time.perf_counter()
            enc = self.tokenizer(
                [texts[i] for i in indices],
                return_tensors="pt",
                padding=True,
                add_special_tokens=self.add_special_tokens,
            ).to(self.device)
            if kwargs.get("do_sample"):
                torch.manual_seed(self.options.seed)
            with torch.inference_mode():
                output = self.model.generate(**enc, **kwargs, **extra)
            sequences = output.sequences if top_k else output
            new = self.new_tokens(sequences, enc["input_ids"].shape[1]).tolist()
            elapsed = time.perf_counter() - started  # the wait for every document of the batch
            n_inputs = enc["attention_mask"].sum(dim=1).tolist()
            for row_index, (row, i, n_in) in enumerate(zip(new, indices, n_inputs)):
                n_out, reason = count_new_tokens(row, eos_ids)
                results[i] = Generation(
                    text=self.clean(self.tokenizer.decode(row[:n_out], skip_special_tokens=True)),
                    input_tokens=int(n_in),
                    output_tokens=n_out,
                    truncated=fitted[i][2],
                    finish_reason=reason,
                    latency_s=round(elapsed, 4),
                    top_logprobs=self._top_logprobs(output.logits, row_index, n_out, top_k) if top_k else None,
                )

        self._size = run_in_batches(len(texts), self._size, self.options.batch_size == "auto", run_batch, order)
        assert all(g is not None for g in results)
        return results  # type: ignore[return-value]

    def _top_logprobs(self, logits: Any, row: int, n_out: int, k: int) -> list[dict[str, float]] | None:
        """The `k` likeliest tokens at each of the row's first generated positions."""
        import torch

        if not logits or logits[0].shape[0] <= row:  # beam search: one row per beam, not per request
            return None
        positions = []
        for step in logits[: min(n_out, TOP_LOGPROB_POSITIONS)]:
            values, ids = torch.log_softmax(step[row].float(), dim=-1).topk(min(k, step.shape[-1]))
            positions.append([(self.tokenizer.decode([t]), v) for t, v in zip(ids.tolist(), values.tolist())])
        return top_logprobs_from(positions)

    def close(self) -> None:
        self.model = None
        self.tokenizer = None
