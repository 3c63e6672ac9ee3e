"""A judge config (`conf/judge/<name>.yaml`): a model config, as in conf/model/ (any backend,
with its `backend` key), plus the keys below, which the harness reads and the backend never sees.

    judge=gpt-4o-mini                          # a shipped judge
    judge=openai-compatible judge.base_url=http://127.0.0.1:8000/v1 judge.model_id=my-model
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from harness.config.schema import parse
from harness.errors import ConfigError


@dataclass
class Price:
    """What the judge's provider charges; with it, run.json and the tables show the judge's cost."""

    input_per_million: float = 0.0  # per million input (prompt) tokens
    output_per_million: float = 0.0  # per million output (completion) tokens
    currency: str = "USD"

    def __post_init__(self) -> None:
        for name in ("input_per_million", "output_per_million"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ConfigError(f"judge.price.{name}: must be a finite number >= 0, got {value}.")

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6


@dataclass
class JudgeSettings:
    label: str | None = None  # how tables name the judge (default: its model_id or backend)
    price: Price | None = None  # null: cost not shown (tokens still are)
    prompts: dict[str, str] = field(default_factory=dict)  # task -> a prompt file replacing the shipped one
    logprobs: bool = False  # ask for the first token's top logprobs: P(supported) instead of a parsed verdict
    top_logprobs: int = 20  # alternatives per token asked for (OpenAI allows up to 20)
    chunk_tokens: int = 2000  # source chunk budget (approximate tokens) for P(supported): max over chunks

    def __post_init__(self) -> None:
        if not 1 <= self.top_logprobs <= 20:
            raise ConfigError(f"judge.top_logprobs: must be between 1 and 20, got {self.top_logprobs}.")
        if not 64 <= self.chunk_tokens <= 1_000_000:
            raise ConfigError(f"judge.chunk_tokens: must be between 64 and 1,000,000, got {self.chunk_tokens}.")


JUDGE_KEYS = tuple(JudgeSettings.__dataclass_fields__)


def split_judge_config(config: dict[str, Any], where: str = "judge") -> tuple[JudgeSettings, dict[str, Any]]:
    """(the judge's own settings, the model config left for the backend)."""
    model = dict(config)
    own = {k: model.pop(k) for k in JUDGE_KEYS if k in model}
    return parse(JudgeSettings, own, where), model


def compose_judge(
    name: str | None, overrides: list[str], config_dirs: list[str], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A judge config for a command outside `harness run`: `conf/judge/<name>.yaml` composed by
    Hydra's own loader (a user's `--config-dir` too) with `judge.KEY=VALUE` overrides, as
    `harness run judge=NAME judge.KEY=VALUE` would compose it; without a name, `base` (e.g. the
    judge a run recorded) with the overrides applied."""
    from omegaconf import OmegaConf

    from harness.config.listing import search_argv
    from harness.config.search import HydraConfigs, hydra_errors
    from harness.registry import suggest

    for override in overrides:
        if not override.lstrip("+~").startswith("judge."):
            raise ConfigError(f"{override}: only judge.KEY=VALUE overrides are taken here")
    if name is None:
        if base is None:
            raise ConfigError("no judge: choose one with --judge NAME (`harness list judges`)")
        with hydra_errors():
            node = OmegaConf.merge(
                OmegaConf.create({"judge": base}), OmegaConf.from_dotlist([o.lstrip("+") for o in overrides])
            )
            return dict(OmegaConf.to_container(node.judge, resolve=True))  # type: ignore[arg-type]
    with HydraConfigs.of(search_argv(config_dirs)) as configs:
        known = configs.choices("judge")
        if name not in known:
            raise ConfigError(f"--judge {name}: no such judge.{suggest(name, known)} Judges: {', '.join(known)}")
        cfg = configs.compose([*configs.searchpath(), f"judge={name}", *overrides])
        with hydra_errors():
            return dict(OmegaConf.to_container(cfg.judge, resolve=True))  # type: ignore[arg-type]
