"""Loading Hugging Face models, shared by the generation backends and the model-based metrics:
one device rule and one actionable error when weights cannot be found (this is often an
offline machine, where a hub id cannot be fetched)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from harness.errors import HarnessError, MetricUnavailable


def resolve_device(name: str) -> str:
    """ "auto": CUDA when present, then Apple MPS, else CPU; any other name is used as given."""
    if name != "auto":
        return name
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def load_model(
    auto_class: Any,
    source: str,
    where: str,
    error: type[HarnessError],
    device: str,
    what: str = "model",
    **kwargs: Any,
) -> tuple[Any, Any]:
    """(model, tokenizer) from a hub id or a local folder, on `device`, in eval mode.

    `where` names the config key holding `source` (e.g. "model.pretrained"); failures raise
    `error` (ConfigError for a backend, MetricUnavailable for a metric) saying what to set.
    """
    from transformers import AutoTokenizer

    hub_unreachable = not os.path.isdir(source) and _hub_unreachable(source, kwargs.get("revision"))
    if hub_unreachable:
        # Each file would otherwise be retried with back-off for about a minute in all.
        kwargs["local_files_only"] = True
    tokenizer_kwargs = {k: v for k, v in kwargs.items() if k in ("revision", "trust_remote_code", "local_files_only")}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **tokenizer_kwargs)
        model = auto_class.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as e:
        if os.path.isdir(source):
            raise error(f"{where}: cannot load the {what} in folder '{source}': {e}") from e
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        hub = (
            " (HF_HUB_OFFLINE is set)" if offline else " (the hub is unreachable from here)" if hub_unreachable else ""
        )
        raise error(
            f"{where}: cannot load {what} '{source}': it is not a local folder and could not be loaded from "
            f"the Hugging Face hub or its local cache{hub}. "
            f"Without network access, set {where} to a local folder holding the {what} "
            f"(the output of save_pretrained or a downloaded snapshot). Cause: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        ) from e
    model.to(device)
    model.eval()
    return model, tokenizer


@dataclass
class MetricModel:
    """What a model-based metric holds: torch, the model and tokenizer, the device they are on,
    and the input limit in tokens it truncates to."""

    torch: Any
    model: Any
    tokenizer: Any
    device: str
    max_length: int


def load_metric_model(
    auto_class: str, source: str, where: str, device: str, what: str, max_length: int | None
) -> MetricModel:
    """A metric's model, loaded by `transformers.<auto_class>`: a metric that cannot have torch
    and transformers, or its weights, is unavailable (MetricUnavailable naming `where`), never
    silently off. The input limit is `max_length`, else the model's, else 512."""
    try:
        import torch
        import transformers
    except ImportError as e:
        raise MetricUnavailable(f"{where}: needs torch and transformers ({e})") from e
    resolved = resolve_device(device)
    model, tokenizer = load_model(
        getattr(transformers, auto_class), source, f"{where}.model", MetricUnavailable, resolved, what=what
    )
    limit = max_length or model_input_limit(model, tokenizer) or 512
    return MetricModel(torch, model, tokenizer, resolved, limit)


def _hub_unreachable(repo_id: str, revision: str | None) -> bool:
    """True when one quick request shows the hub cannot be reached (no network, DNS, proxy).
    Any answer from the hub, even "not found" or "gated", means it is reachable."""
    from huggingface_hub import HfApi, constants

    if constants.HF_HUB_OFFLINE:
        return False  # the libraries already stay off the network
    try:
        HfApi().model_info(repo_id, revision=revision, timeout=5)
    except Exception as e:  # the client's transport errors vary by version (httpx, requests)
        return _is_connection_error(e)
    return False


def _is_connection_error(error: BaseException) -> bool:
    names = {cls.__name__ for cls in type(error).__mro__}
    connection = {
        "ConnectError",
        "ConnectTimeout",
        "TransportError",
        "TimeoutException",
        "ConnectionError",
        "Timeout",
        "ProxyError",
    }
    return bool(names & connection) or isinstance(error, (ConnectionError, TimeoutError))


def model_input_limit(model: Any, tokenizer: Any) -> int | None:
    """The longest input the model takes, from the tokenizer and the model config (tokenizers
    report a huge number such as 1e30 when they do not know)."""
    limits = [getattr(tokenizer, "model_max_length", None), getattr(model.config, "max_position_embeddings", None)]
    usable = [x for x in limits if isinstance(x, int) and 0 < x < 1_000_000]
    return min(usable) if usable else None
