"""Check `harness run` overrides before Hydra starts, so a typo fails at once with the known
names and a close match, and nothing (not even Hydra's own config dump) is written first."""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from harness.config import DatasetConfig, PromptConfig, RunSettings
from harness.errors import ConfigError
from harness.registry import BACKENDS, METRICS, suggest

CONFIG_PACKAGE = "harness.conf"
GROUPS = ("model", "dataset", "prompt", "experiment", "metrics")
SCHEMAS = {"dataset": DatasetConfig, "prompt": PromptConfig}


def config_dirs(argv: list[str]) -> list[str]:
    dirs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--config-dir", "-cd")]
    return dirs + [a.split("=", 1)[1] for a in argv if a.startswith("--config-dir=")]


def available_choices(group: str, extra_dirs: list[str]) -> list[str]:
    names = {p.name[:-5] for p in (resources.files(CONFIG_PACKAGE) / group).iterdir() if p.name.endswith(".yaml")}
    for d in extra_dirs:
        folder = Path(d) / group
        if folder.is_dir():
            names |= {p.stem for p in folder.glob("*.yaml")}
    return sorted(names)


def group_file(group: str, name: str, extra_dirs: list[str]) -> dict[str, Any] | None:
    """A group entry's YAML as a plain mapping (unresolved), or None when it is not found."""
    for d in reversed(extra_dirs):  # user folders win, as on Hydra's search path
        path = Path(d) / group / f"{name}.yaml"
        if path.is_file():
            return OmegaConf.to_container(OmegaConf.load(path), resolve=False)  # type: ignore[return-value]
    packaged = resources.files(CONFIG_PACKAGE) / group / f"{name}.yaml"
    if packaged.is_file():
        return OmegaConf.to_container(OmegaConf.create(packaged.read_text()), resolve=False)  # type: ignore[return-value]
    return None


def names_in(value: str) -> list[str]:
    """'a,b' or '[a,b]' -> ['a', 'b']."""
    return [v.strip() for v in value.strip().strip("[]").split(",") if v.strip()]


def check_overrides(argv: list[str]) -> None:
    extra_dirs = config_dirs(argv)
    overrides = [a for a in argv if "=" in a and not a.startswith("-")]
    choices = {g: names_in(v) for a in overrides for g, v in [a.lstrip("+~").split("=", 1)] if g in GROUPS}
    for group, names in choices.items():
        known = available_choices(group, extra_dirs)
        for name in names:
            if name != "null" and name not in known:
                raise ConfigError(f"unknown {group} '{name}'. Available: {', '.join(known)}." + suggest(name, known))
    for arg in overrides:
        key = arg.lstrip("+~").split("=", 1)[0]
        arg = key
        parts = key.split(".")
        if parts[0] in GROUPS and len(parts) == 1 or parts[0] == "hydra":
            continue
        if len(parts) == 1:
            # Config groups (model=..., metrics=[...]) are top-level keys too.
            known = [f.name for f in dataclasses.fields(RunSettings)] + list(GROUPS)
            check_key(parts[0], known, "config", arg)
        elif parts[0] in SCHEMAS:
            check_key(parts[1], [f.name for f in dataclasses.fields(SCHEMAS[parts[0]])], parts[0], arg)
        elif parts[0] == "model":
            for model in choices.get("model") or default_models(choices, extra_dirs):
                check_key(parts[1], model_keys(model, extra_dirs), f"model '{model}'", arg)
        elif parts[0] == "metrics" and len(parts) > 2:
            check_key(parts[2], metric_keys(parts[1]), f"metrics.{parts[1]}", arg)


def check_key(key: str, known: list[str] | None, where: str, override: str) -> None:
    # The message names the override's key, never its value (which may be a secret).
    if known is not None and key not in known:
        raise ConfigError(f"{override}: {where} has no key '{key}'. Known keys: {', '.join(sorted(known))}." + suggest(key, known))


def default_models(choices: dict[str, list[str]], extra_dirs: list[str]) -> list[str]:
    """The models a run without `model=` uses: the experiment's sweep, else the root default."""
    for experiment in choices.get("experiment", []):
        params = ((group_file("experiment", experiment, extra_dirs) or {}).get("hydra") or {}).get("sweeper", {}).get("params", {})
        if "model" in params:
            return names_in(str(params["model"]))
    return ["lead"]


def model_keys(model: str, extra_dirs: list[str]) -> list[str] | None:
    node = group_file("model", model, extra_dirs)
    if node is None or "backend" not in node:
        return None  # found elsewhere on Hydra's search path: validated when the run starts
    try:
        options = BACKENDS.get(str(node["backend"])).Options
    except ConfigError:
        return None
    return [f.name for f in dataclasses.fields(options)] + ["backend", "label"]


def metric_keys(name: str) -> list[str] | None:
    try:
        options = METRICS.get(name).Options
    except ConfigError:
        return None
    return [f.name for f in dataclasses.fields(options)] + ["metric"]
