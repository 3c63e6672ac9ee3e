"""Every config group's schema, in one place: which keys a path of a run's config takes.

- run settings (the root keys) and `shard`: `RunSettings` (and the dataclasses of its fields);
- `dataset`, `prompt`, `tracking`: their dataclasses;
- `model`: the `Options` dataclass of the backend the model file names (`backend:`), and the
  backend's `generation:` settings;
- `judge`: a model config plus the judge's own keys (harness/config/judge.py `JudgeSettings`);
- `metrics.<name>`: the `Options` dataclass of the metric class the entry names (`metric:`,
  default: the entry's name).

Backends and metrics are looked up in the registry by name, so a class added there (a plugin)
is covered like a shipped one. The up-front override check, `parse` (through the same
dataclasses), Hydra's schema nodes, `harness list` and the configuration reference (docs/reference.md) all read from here.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Any

from harness.config.schema import DatasetConfig, PromptConfig, RunSettings, TrackingConfig
from harness.errors import ConfigError

MODEL_KEYS = ("backend", "_target_", "label", "price")  # read by the harness, not by the backend's options
METRIC_KEYS = ("metric", "_target_")  # the entry's metric class: a registry key or a class path


def group_schemas() -> dict[str, type]:
    """Groups with one schema for all their configs."""
    return {"dataset": DatasetConfig, "prompt": PromptConfig, "tracking": TrackingConfig}


def field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def backend_options(backend: str) -> type:
    """The options dataclass of a registered backend (ConfigError naming the known ones)."""
    from harness.registry import BACKENDS

    return BACKENDS.get(backend).Options


def metric_options(metric: str) -> type:
    from harness.registry import METRICS

    return METRICS.get(metric).Options


@dataclass
class Keys:
    """The keys a config node takes, and how a message names the node."""

    where: str
    known: list[str]


def keys_at(path: list[str], config: dict[str, Any], groups: list[str], model_name: str = "model") -> Keys | None:
    """The schema's keys under `path` of a composed (unresolved) run config, or None when no
    schema says (an open mapping, a backend or metric that is not registered)."""
    if not path:
        return Keys("config", field_names(RunSettings) + list(groups))
    head, rest = path[0], path[1:]
    node = config.get(head)
    try:
        if head == "model" and isinstance(node, dict):
            return model_keys(rest, node, model_name)
        if head == "judge" and isinstance(node, dict):
            if rest == ["prompts"]:
                from harness.config.judge import PROMPT_TASKS

                return Keys("judge prompts", list(PROMPT_TASKS))
            if rest[:1] in (["price"], ["prompts"]):
                return None  # checked when the judge is built (harness/config/judge.py)
            return model_keys(rest, node, "judge", where="judge", extra=MODEL_KEYS + judge_keys())
        if head == "metrics" and isinstance(node, dict):
            if not rest:
                return Keys("metrics", sorted(node))
            entry = node.get(rest[0])
            if not isinstance(entry, dict):
                return None
            options = metric_options(str(entry.get("_target_") or entry.get("metric", rest[0])))
            return nested_keys(options, rest[1:], f"metrics.{rest[0]}", extra=METRIC_KEYS)
    except ConfigError:
        return None  # unknown backend or metric: the full check names it
    if head in group_schemas():
        return nested_keys(group_schemas()[head], rest, head)
    return nested_keys(RunSettings, path, "config")


def judge_keys() -> tuple[str, ...]:
    """The keys a judge config adds to a model config (harness/config/judge.py)."""
    from harness.config.judge import JUDGE_KEYS

    return tuple(k for k in JUDGE_KEYS if k not in MODEL_KEYS)


def model_keys(
    path: list[str], model: dict[str, Any], model_name: str, where: str = "", extra: tuple[str, ...] = MODEL_KEYS
) -> Keys | None:
    """Keys of a model config (or a judge config: a model config with `extra` keys)."""
    backend = model.get("backend") or model.get("_target_")
    if not isinstance(backend, str):
        return None
    where = where or f"model '{model_name}'"
    if path[:1] == ["price"]:
        from harness.config.price import Price

        return nested_keys(Price, path[1:], f"{where} price")
    if path[:1] == ["generation"]:
        from harness.config.generation_keys import known_settings

        settings = known_settings(backend)
        return Keys(f"{where} generation", sorted(settings[1])) if settings and len(path) == 1 else None
    return nested_keys(backend_options(backend), path, where, extra=extra)


def nested_keys(cls: type, path: list[str], where: str, extra: tuple[str, ...] = ()) -> Keys | None:
    """Follow `path` through dataclass-typed fields (`shard` in the run settings)."""
    if not path:
        return Keys(where, field_names(cls) + list(extra))
    hint = typing.get_type_hints(cls).get(path[0])
    if hint is not None and dataclasses.is_dataclass(hint):
        return nested_keys(hint, path[1:], path[0] if where == "config" else f"{where}.{path[0]}")  # type: ignore[arg-type]
    return None


# ---- Hydra's schema nodes -----------------------------------------------------------------


def schema_node(cls: type) -> dict[str, Any]:
    """Every field of a dataclass with its default (None when it has none), as a plain node.

    A config that starts from this node takes an override of any field (`dataset.limit=N` on
    a dataset file that does not mention `limit`), while Hydra's struct mode still refuses keys
    the schema lacks. Types and ranges stay with `parse`, whose messages name the setting."""
    node: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            value = None
        node[f.name] = schema_node(type(value)) if dataclasses.is_dataclass(value) else value
    return node


SCHEMA_NODE = "_schema"  # dataset/_schema, prompt/_schema: in the root defaults list


def register_schemas() -> None:
    """Schema nodes on Hydra's search path (ConfigStore): `dataset/_schema`, `prompt/_schema`,
    and `_run_settings` for the root config. Call before Hydra composes a config."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    for group in ("dataset", "prompt"):
        store.store(group=group, name=SCHEMA_NODE, node=schema_node(group_schemas()[group]))
    store.store(name="_run_settings", node=schema_node(RunSettings))
