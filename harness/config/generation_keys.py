"""The `generation:` settings each backend understands, checked at start-up.

A typo (`num_beam: 2`) would otherwise load the model and fail inside transformers, or be sent
to a paid API that ignores it. Hugging Face backends accept the attributes of the installed
transformers' `GenerationConfig`; HTTP backends accept OpenAI's request parameters plus the
sampling extras that vLLM, TGI and llama.cpp servers accept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from harness.config.schema import check_finite, check_range
from harness.errors import ConfigError
from harness.registry import suggest

_OPENAI_COMMON = frozenset(
    {
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "max_tokens",
        "n",
        "presence_penalty",
        "seed",
        "stop",
        "temperature",
        "top_p",
        "user",
        "service_tier",
        "metadata",
        "store",
        # extras of OpenAI-compatible servers (vLLM, TGI, llama.cpp)
        "top_k",
        "min_p",
        "repetition_penalty",
        "length_penalty",
        "min_tokens",
        "ignore_eos",
        "stop_token_ids",
        "skip_special_tokens",
        "spaces_between_special_tokens",
        "include_stop_str_in_output",
        "best_of",
        "use_beam_search",
        "guided_json",
        "guided_regex",
        "guided_choice",
        "guided_grammar",
        "typical_p",
        "mirostat",
        "mirostat_tau",
        "mirostat_eta",
        "repeat_penalty",
        "repeat_last_n",
        "chat_template_kwargs",
    }
)
OPENAI_CHAT = _OPENAI_COMMON | {
    "max_completion_tokens",
    "top_logprobs",
    "response_format",
    "reasoning_effort",
    "modalities",
    "prediction",
    "parallel_tool_calls",
    "tools",
    "tool_choice",
    "verbosity",
    "add_generation_prompt",
    "continue_final_message",
}
OPENAI_COMPLETIONS = _OPENAI_COMMON | {"echo", "suffix"}


@functools.lru_cache(maxsize=1)
def transformers_keys() -> frozenset[str]:
    """Attributes of the installed transformers' GenerationConfig (what `generate()` reads).

    Read from the source of `GenerationConfig.__init__` (its `kwargs.pop("name", ...)` calls),
    which takes milliseconds where importing transformers takes seconds; the import is the
    fallback when the source does not have that shape.
    """
    keys = _keys_from_source()
    if not keys:
        from transformers import GenerationConfig

        keys = set(vars(GenerationConfig()))
    return frozenset(k for k in keys if not k.startswith("_") and k != "transformers_version")


def _keys_from_source() -> set[str]:
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.origin:
        return set()
    source = Path(spec.origin).parent / "generation" / "configuration_utils.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    keys: set[str] = set()
    for cls in tree.body:
        if isinstance(cls, ast.ClassDef) and cls.name == "GenerationConfig":
            init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
            for node in ast.walk(init) if init else ():
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "pop"
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "kwargs"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    keys.add(node.args[0].value)
    return keys if len(keys) >= 20 else set()  # too few: not the shape we know


KNOWN: dict[str, tuple[str, Callable[[], frozenset[str]]]] = {
    "hf_seq2seq": ("transformers.GenerationConfig", transformers_keys),
    "hf_causal": ("transformers.GenerationConfig", transformers_keys),
    "openai_chat": ("the chat completions API", lambda: OPENAI_CHAT),
    "openai_completions": ("the completions API", lambda: OPENAI_COMPLETIONS),
}

# (lowest, highest, lowest excluded) for numeric settings that share a meaning across backends.
# Token limits and counts of sequences bound the work of one document: the highest values stop a
# typo (an extra zero) from asking for a reply that would never end.
RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    "temperature": (0, None, False),
    "top_p": (0, 1, True),
    "top_k": (0, None, False),
    "min_p": (0, 1, False),
    "num_beams": (1, 256, False),
    "num_return_sequences": (1, 256, False),
    "max_new_tokens": (1, 1_000_000, False),
    "max_tokens": (1, 1_000_000, False),
    "max_completion_tokens": (1, 1_000_000, False),
    "max_length": (1, 1_000_000, False),
    "min_length": (0, 1_000_000, False),
    "min_new_tokens": (0, 1_000_000, False),
    "min_tokens": (0, 1_000_000, False),
    "repetition_penalty": (0, None, True),
    "no_repeat_ngram_size": (0, None, False),
    "n": (1, 128, False),
}
# OpenAI's API documents temperature in [0, 2]; Hugging Face sampling has no upper bound.
OPENAI_RANGES = {**RANGES, "temperature": (0, 2, False)}


def known_settings(backend_key: str) -> tuple[str, frozenset[str]] | None:
    """(what the settings are, their names) for a backend, or None when they are open.

    Shipped backends are listed above; any other registered backend class (a plugin) may say
    with a `generation_settings` classmethod returning the same pair."""
    if backend_key in KNOWN:
        what, keys = KNOWN[backend_key]
        return what, keys()
    from harness.registry import BACKENDS

    try:
        declared = getattr(BACKENDS.get(backend_key), "generation_settings", None)
    except ConfigError:
        return None  # an unknown backend is named by the check that loads it
    if declared is None:
        return None
    what, names = declared()
    return str(what), frozenset(names)


def check_generation(backend_key: str, generation: Any, where: str) -> None:
    """Unknown keys (with "did you mean") and out-of-range numbers raise ConfigError."""
    if not isinstance(generation, dict):
        raise ConfigError(
            f"{where}.generation: expected a mapping of generation settings, got {type(generation).__name__}."
        )
    settings = known_settings(backend_key)
    if settings is not None:
        what, known = settings
        for key in generation:
            if key not in known:
                raise ConfigError(
                    f"{where}.generation: unknown setting '{key}' for backend {backend_key} (not a setting of {what})."
                    + suggest(str(key), sorted(known))
                )
    ranges = OPENAI_RANGES if backend_key.startswith("openai_") else RANGES
    for key, value in generation.items():
        check_finite(f"{where}.generation.{key}", value)
        if key in ranges and value is not None:
            check_range(f"{where}.generation.{key}", value, *ranges[key])
