"""Check `harness run` arguments before Hydra starts, so a mistake fails at once with the known
names and a close match, and nothing (not even Hydra's own config dump) is written first.

Everything comes from Hydra's own loader (`HydraConfigs`: the same search path, experiment
overlays and sweeps as the run) and from the group schemas (`harness.config.groups`):
1. values given where an environment-variable NAME is expected (never echoed: it may be a key);
2. group choices against the configs Hydra finds, with "did you mean";
3. for every job the command would run: each override key against the schema of the config
   Hydra composes without the key overrides (so a typo gets "did you mean" instead of Hydra's
   "not in struct"), then the job composed with all overrides and checked like the run checks
   it (`pipeline.check`), without loading a model or reading data.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

from harness import redaction
from harness.config.env_names import (
    ENV_NAME,
    credential_variables,
    env_settings,
    is_env_name_key,
    is_secret_key,
    secret_value_error,
    unset_message,
    variable,
)
from harness.config.groups import keys_at
from harness.config.schema import unknown_key
from harness.config.search import HydraConfigs, command_line, plain
from harness.errors import ConfigError
from harness.registry import suggest
from harness.run.resolvers import plain_config

MAX_CHECKED_JOBS = 32  # a larger sweep has its remaining jobs checked when each starts


def check_overrides(argv: list[str]) -> None:
    check_env_name_overrides(command_line(argv).overrides)  # first: nothing below may echo such a value
    held = credential_variables().values()  # a credential copied onto the command line: never echoed below
    redaction.add(value for value in held if any(value.strip() in arg for arg in argv))
    with HydraConfigs.of(argv) as configs:
        parsed = parse(configs.overrides)
        check_group_choices(configs, parsed)
        for model_name, config in composed_jobs(configs, parsed):
            check_env_names(config)
            from harness.run.pipeline import check

            check(config, model_name)
            check_env_set(config)


def parse(overrides: list[str]) -> list[Any]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from harness.config.search import hydra_errors

    with hydra_errors():
        return OverridesParser.create().parse_overrides(overrides)


def is_hydra_key(key: str) -> bool:
    """Hydra's own settings and groups (hydra.run.dir=..., hydra/launcher=...): Hydra checks them."""
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def check_group_choices(configs: HydraConfigs, parsed: list[Any]) -> None:
    groups = configs.groups()
    for override in parsed:
        group = override.key_or_group
        if group not in groups or override.is_delete():
            continue
        known = configs.choices(group)
        for value in override.sweep_string_iterator() if override.is_sweep_override() else [override.value()]:
            for name in value if isinstance(value, list) else [value]:
                if name is not None and str(name) != "null" and str(name) not in known:
                    raise ConfigError(
                        f"unknown {group} '{name}'. Available: {', '.join(known)}."
                        + suggest(str(name), known)
                        + registered_hint(group, str(name))
                    )


def registered_hint(group: str, name: str) -> str:
    """A metric or backend that is registered (an installed plugin) but has no config file yet."""
    from harness.registry import BACKENDS, METRICS

    registry, key, folder = {"metrics": (METRICS, "metric", "metrics"), "model": (BACKENDS, "backend", "model")}.get(
        group, (None, "", "")
    )
    if registry is None or name not in registry.names():
        return ""
    return (
        f" '{name}' is a registered {registry.kind} (an installed plugin or built-in): a run names it through a config "
        f"file, e.g. {folder}/{name}.yaml in your --config-dir holding "
        + (f"'{name}: {{{key}: {name}}}'" if group == "metrics" else f"'{key}: {name}'")
        + "."
    )


# ---- environment-variable names -------------------------------------------------------------


def env_name_error(where: str) -> ConfigError:
    # The value is never part of the message: a pasted API key must not reach a log or a file.
    return ConfigError(
        f"{where}: expects the NAME of an environment variable (letters, digits and '_', not starting "
        "with a digit), e.g. OPENAI_API_KEY. The value given is not a valid name and is not shown, in "
        "case it is the key itself: put the key in an environment variable and give that variable's name."
    )


def check_env_name_overrides(overrides: list[str]) -> None:
    for arg in overrides:
        key, _, value = arg.lstrip("+~").partition("=")
        value = value.strip().strip("'\"")
        if is_env_name_key(key) and value not in ("", "null") and not ENV_NAME.fullmatch(value):
            raise env_name_error(key)
        if is_secret_key(key.rsplit(".", 1)[-1]) and value not in ("", "null"):
            raise ConfigError(secret_value_error(key))  # before Hydra, whose messages quote values


def check_env_names(config: dict[str, Any]) -> None:
    """Every `*_env` key of a composed config (model files, metric files, overlays) holds a
    valid name."""
    for path, value in env_settings(config):
        if not ENV_NAME.fullmatch(value):
            raise env_name_error(path)


def check_env_set(config: dict[str, Any]) -> None:
    """The variables named by `*_env` keys are set now, not discovered missing after a run
    folder exists (a key pasted in place of a name is, in practice, never a set variable)."""
    for path, value in env_settings(config):
        held = os.environ.get(value)
        if not held:
            raise ConfigError(unset_message(path, value))
        if held != held.strip() or any(ch.isspace() or not ch.isprintable() for ch in held):
            raise ConfigError(
                f"{path}: {variable(path, value)} holds spaces, a line ending or a control character "
                "(a copy-paste leftover?); the value is not shown. A key is one word: set the variable "
                "again without them."
            )


# ---- override keys against the schemas -----------------------------------------------------


def check_keys(key_overrides: list[str], skeleton: dict[str, Any], groups: list[str], model_name: str) -> None:
    """Each override key exists in the schema of the node it names (`dataset.limt` -> 'limit')."""
    for line in key_overrides:
        key = line.lstrip("+~").split("=", 1)[0]
        parts = key.split(".")
        node: Any = skeleton
        for depth, part in enumerate(parts):
            if isinstance(node, dict) and part in node:
                node = node[part]
                continue
            if line.startswith("+") and parts[:depth] == ["metrics"]:
                break  # `+metrics.NAME={metric: ..., ...}` adds an entry: its class and options are checked in full
            keys = keys_at(parts[:depth], skeleton, groups, model_name)
            if keys is not None and part not in keys.known:
                raise unknown_key(f"{key} ({keys.where})", part, keys.known)
            break


# ---- composing each job with Hydra itself -------------------------------------------------


def composed_jobs(configs: HydraConfigs, parsed: list[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every job of the command (a sweep's too), composed as Hydra will and key-checked."""
    groups = configs.groups()

    def structural(job: list[str]) -> list[str]:  # group choices and Hydra's settings
        return [o for o in job if (k := o.lstrip("+~").split("=", 1)[0]) in groups or is_hydra_key(k)]

    first = [
        f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}" if o.is_sweep_override() else o.input_line
        for o in parsed
    ]
    skeletons: dict[tuple[str, ...], Any] = {}

    def job_config(job: list[str]) -> tuple[str, dict[str, Any]]:
        frame = tuple(structural(job))
        if frame not in skeletons:
            skeletons[frame] = configs.compose(list(frame))
        skeleton = skeletons[frame]
        model_name = str(skeleton.hydra.runtime.choices.get("model") or "model")
        check_keys([o for o in job if o not in frame], plain(skeleton), groups, model_name)
        return model_name, resolved(configs.compose(job))

    base = skeletons[tuple(structural(first))] = configs.compose(structural(first))
    if not (configs.multirun or str(base.hydra.mode) == "RunMode.MULTIRUN"):
        yield job_config(first)
        return
    for job in sweep_jobs(parsed, dict(base.hydra.sweeper.get("params") or {})):
        yield job_config(job)


def sweep_jobs(parsed: list[Any], params: dict[str, Any]) -> list[list[str]]:
    """One override list per job, as Hydra's basic sweeper expands them: the experiment's
    `hydra.sweeper.params`, then the command line (which wins for the same key)."""
    given = {o.get_key_element() for o in parsed}
    from_config = parse([f"{k}={v}" for k, v in params.items() if k not in given])
    axes = []
    for o in [*from_config, *parsed]:
        if o.is_sweep_override():
            axes.append([f"{o.get_key_element()}={v}" for v in o.sweep_string_iterator()])
        else:
            axes.append([o.input_line])
    return [list(combo) for combo in itertools.islice(itertools.product(*axes), MAX_CHECKED_JOBS)]


def resolved(cfg: Any) -> dict[str, Any]:
    """The job's config as the run resolves it (without the `hydra` node)."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf, open_dict

    from harness.run.credentials import guard_output_dirs

    guard_output_dirs(OmegaConf.to_container(cfg.hydra, resolve=False))  # type: ignore[arg-type]
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return plain_config(cfg)
