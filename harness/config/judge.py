"""A judge config (`conf/judge/<name>.yaml`): a model config, as in conf/model/ (any backend,
with its `backend` key), plus the keys below, which the harness reads and the backend never sees.

    judge=gpt-4o-mini                          # a shipped judge
    judge=openai-compatible judge.base_url=http://127.0.0.1:8000/v1 judge.model_id=my-model
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from harness.config.price import Price
from harness.config.schema import FieldError, parse
from harness.errors import ConfigError
from harness.registry import suggest

# The prompt tasks a judge config may replace (`prompts: {task: FILE}`); their placeholders and
# shipped files are in harness/judge/prompts.py, which holds to this list.
PROMPT_TASKS = ("factcheck", "claim", "keyfacts", "align", "pairwise")


@dataclass
class JudgeSettings:
    label: str | None = None  # how tables name the judge (default: its model_id or backend)
    price: Price | None = None  # null: cost not shown (tokens still are)
    prompts: dict[str, str | None] = field(
        default_factory=dict
    )  # task -> a prompt file replacing the shipped one (None: shipped)
    logprobs: bool = False  # ask for the first token's top logprobs: P(supported) instead of a parsed verdict
    top_logprobs: int = 20  # alternatives per token asked for (OpenAI allows up to 20)
    chunk_tokens: int = 2000  # source chunk budget (approximate tokens) for P(supported): max over chunks

    def __post_init__(self) -> None:
        unknown = sorted(set(self.prompts) - set(PROMPT_TASKS))
        if unknown:
            raise FieldError(
                f"prompts.{unknown[0]}",
                f"unknown prompt task; tasks: {', '.join(PROMPT_TASKS)}." + suggest(unknown[0], list(PROMPT_TASKS)),
            )
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


def judge_names(config_dirs: Sequence[str | Path] = ()) -> list[str]:
    names = {
        Path(str(f)).stem for f in (resources.files("harness.conf") / "judge").iterdir() if str(f).endswith(".yaml")
    }
    for folder in config_dirs:
        names |= {p.stem for p in (Path(folder) / "judge").glob("*.yaml")}
    return sorted(names)


def load_judge_config(name: str, config_dirs: Sequence[str | Path] = ()) -> dict[str, Any]:
    """`judge/<name>.yaml` outside Hydra (meta-eval, pairwise): the user's folders first, as on
    Hydra's search path, then the shipped one."""
    from omegaconf import OmegaConf

    from harness.config.yaml_files import check_yaml_file

    for folder in config_dirs:
        path = Path(folder) / "judge" / f"{name}.yaml"
        if path.is_file():
            check_yaml_file(str(path))
            text, origin = path.read_text(encoding="utf-8"), str(path)
            break
    else:
        shipped = resources.files("harness.conf") / "judge" / f"{name}.yaml"
        if not shipped.is_file():
            known = judge_names(config_dirs)
            raise ConfigError(f"unknown judge '{name}'. Available: {', '.join(known)}." + suggest(name, known))
        text, origin = shipped.read_text(encoding="utf-8"), f"judge/{name}.yaml"
    try:
        node = OmegaConf.to_container(OmegaConf.create(text), resolve=True)
    except Exception as e:
        raise ConfigError(f"{origin}: cannot read this judge config: {e}") from None
    if not isinstance(node, dict):
        raise ConfigError(f"{origin}: a judge config is a mapping (backend, model_id, ...).")
    return {str(k): v for k, v in node.items()}
