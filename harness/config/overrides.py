"""Check `harness run` arguments before Hydra starts, so a mistake fails at once with the known
names and a close match, and nothing (not even Hydra's own config dump) is written first.

Three passes, cheapest first:
1. values given where an environment-variable NAME is expected (never echoed: it may be a key);
2. group choices and override keys against the config files, with "did you mean";
3. every job the command would run is composed by Hydra itself (same search path, same
   experiment overlays and sweeps) and checked like the run will check it (`pipeline.check`),
   without loading a model or reading data.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from harness.config.env_names import ENV_NAME, env_settings, is_env_name_key, unset_message
from harness.config.schema import DatasetConfig, PromptConfig, RunSettings, ShardConfig
from harness.errors import ConfigError
from harness.registry import BACKENDS, METRICS, suggest
from harness.run.tracking import TrackingConfig

CONFIG_PACKAGE = "harness.conf"
GROUPS = ("model", "dataset", "prompt", "experiment", "metrics", "tracking")
SCHEMAS = {"dataset": DatasetConfig, "prompt": PromptConfig, "shard": ShardConfig, "tracking": TrackingConfig}
LAUNCHER_HINT = (
    "Launchers are optional extras: pip install 'harness[joblib]' (hydra/launcher=joblib), 'harness[slurm]' "
    "(submitit_slurm, submitit_local, slurm_gpu), 'harness[ray]' (ray)."
)
MAX_CHECKED_JOBS = 32  # a larger sweep has its remaining jobs checked when each starts


# ---- where configs come from -------------------------------------------------------------


def config_dirs(argv: list[str]) -> list[str]:
    """User config folders: `--config-dir DIR` and `hydra.searchpath=[file://DIR,...]`, in
    Hydra's search order (both come after the packaged configs)."""
    dirs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--config-dir", "-cd")]
    dirs += [a.split("=", 1)[1] for a in argv if a.startswith("--config-dir=")]
    for arg in argv:
        key, _, value = arg.lstrip("+").partition("=")
        if key == "hydra.searchpath":
            dirs += [d for d in (searchpath_dir(v) for v in names_in(value)) if d]
    return dirs


def searchpath_dir(entry: str) -> str | None:
    """A Hydra search-path entry as a folder: file://DIR, pkg://package, or a plain path."""
    entry = entry.strip().strip("'\"")
    if entry.startswith("pkg://"):
        try:
            return str(resources.files(entry[len("pkg://") :].replace("/", ".")))
        except (ModuleNotFoundError, TypeError):
            return None
    return entry[len("file://") :] if entry.startswith("file://") else entry


def available_choices(group: str, extra_dirs: list[str]) -> list[str]:
    names = {
        p.name[:-5]
        for p in (resources.files(CONFIG_PACKAGE) / group).iterdir()
        if p.name.endswith(".yaml") and not p.name.startswith("_")
    }
    for d in extra_dirs:
        folder = Path(d) / group
        if folder.is_dir():
            names |= {p.stem for p in folder.glob("*.yaml")}
    return sorted(names)


def group_file(group: str, name: str, extra_dirs: list[str]) -> dict[str, Any] | None:
    """A group entry's YAML as a plain mapping (unresolved), or None when it is not found.
    Packaged configs come first, as on Hydra's search path (user folders are appended)."""
    packaged = resources.files(CONFIG_PACKAGE) / group / f"{name}.yaml"
    if packaged.is_file():
        return OmegaConf.to_container(OmegaConf.create(packaged.read_text()), resolve=False)  # type: ignore[return-value]
    for d in extra_dirs:
        path = Path(d) / group / f"{name}.yaml"
        if path.is_file():
            return OmegaConf.to_container(OmegaConf.load(path), resolve=False)  # type: ignore[return-value]
    return None


def names_in(value: str) -> list[str]:
    """'a,b' or '[a,b]' -> ['a', 'b']."""
    return [v.strip() for v in value.strip().strip("[]").split(",") if v.strip()]


# ---- the checks ---------------------------------------------------------------------------


def check_overrides(argv: list[str]) -> None:
    overrides = [a for a in argv if "=" in a and not a.startswith("-")]
    check_env_name_overrides(overrides)  # first: nothing below may echo such a value
    extra_dirs = config_dirs(argv)
    for d in extra_dirs:
        if not Path(d).is_dir():
            raise ConfigError(f"config folder not found: {d} (from --config-dir or hydra.searchpath)")
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
        if parts[0] in GROUPS and len(parts) == 1 or parts[0] == "hydra" or key.startswith("hydra/"):
            continue  # Hydra's own keys and groups (hydra/launcher=...): checked by composing below
        if len(parts) == 1:
            # Config groups (model=..., metrics=[...]) are top-level keys too.
            known = [f.name for f in dataclasses.fields(RunSettings)] + list(GROUPS)
            check_key(parts[0], known, "config", arg)
        elif parts[0] in SCHEMAS:
            check_key(parts[1], [f.name for f in dataclasses.fields(SCHEMAS[parts[0]])], parts[0], arg)
        elif parts[0] == "model":
            for model in choices.get("model") or default_models(choices, extra_dirs):
                check_key(parts[1], model_keys(model, extra_dirs), f"model '{model}'", arg)
                if parts[1] == "generation" and len(parts) > 2:
                    check_key(parts[2], generation_keys(model, extra_dirs), f"model '{model}' generation", arg)
        elif parts[0] == "metrics" and len(parts) > 2:
            check_key(parts[2], metric_keys(parts[1]), f"metrics.{parts[1]}", arg)
    check_composed_jobs(argv, overrides, extra_dirs)


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
        if not os.environ.get(value):
            raise ConfigError(unset_message(path, value))


def check_key(key: str, known: list[str] | None, where: str, override: str) -> None:
    # The message names the override's key, never its value (which may be a secret).
    if known is not None and key not in known:
        listed = f" Known keys: {', '.join(sorted(known))}." if len(known) <= 30 else ""
        raise ConfigError(f"{override}: {where} has no key '{key}'.{listed}" + suggest(key, known))


def default_models(choices: dict[str, list[str]], extra_dirs: list[str]) -> list[str]:
    """The models a run without `model=` uses: the experiment's sweep, else the root default."""
    for experiment in choices.get("experiment", []):
        params = (
            ((group_file("experiment", experiment, extra_dirs) or {}).get("hydra") or {})
            .get("sweeper", {})
            .get("params", {})
        )
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


def generation_keys(model: str, extra_dirs: list[str]) -> list[str] | None:
    from harness.models.generation_keys import KNOWN

    backend = str((group_file("model", model, extra_dirs) or {}).get("backend"))
    return sorted(KNOWN[backend][1]()) if backend in KNOWN else None


def metric_keys(name: str) -> list[str] | None:
    try:
        options = METRICS.get(name).Options
    except ConfigError:
        return None
    return [f.name for f in dataclasses.fields(options)] + ["metric"]


# ---- composing each job with Hydra itself -------------------------------------------------


def check_composed_jobs(argv: list[str], overrides: list[str], extra_dirs: list[str]) -> None:
    """Compose every job of the command as Hydra will, and check it as the run will."""
    from harness.run.pipeline import check

    for model_name, config in composed_jobs(argv, overrides, extra_dirs):
        check_env_names(config)
        check(config, model_name)
        check_env_set(config)


def composed_jobs(argv: list[str], overrides: list[str], extra_dirs: list[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    searchpath = [f"file://{os.path.abspath(d)}" for d in extra_dirs]
    plain = [a for a in overrides if a.lstrip("+").split("=", 1)[0] != "hydra.searchpath"]
    if searchpath:
        plain.append("hydra.searchpath=[" + ",".join(searchpath) + "]")
    parser = OverridesParser.create()
    try:
        with initialize_config_module(CONFIG_PACKAGE, version_base="1.3"):
            hydra = GlobalHydra.instance().hydra
            assert hydra is not None
            parsed = parser.parse_overrides(plain)
            first = [
                f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}" if o.is_sweep_override() else line
                for o, line in zip(parsed, plain)
            ]
            name = primary_config_name(argv)
            base = compose(hydra, name, first)
            multirun = "-m" in argv or "--multirun" in argv or str(base.hydra.mode) == "RunMode.MULTIRUN"
            if not multirun:  # one job: the config just composed
                yield str(base.hydra.runtime.choices.get("model") or "model"), resolved(base)
                return
            for job in sweep_jobs(parser, parsed, dict(base.hydra.sweeper.get("params") or {})):
                cfg = compose(hydra, name, job)
                yield str(cfg.hydra.runtime.choices.get("model") or "model"), resolved(cfg)
    except (HydraException, OmegaConfBaseException) as e:
        lines = [line for line in str(e).strip().splitlines() if line.strip() and "HYDRA_FULL_ERROR" not in line]
        message = " ".join(lines[:3]) or type(e).__name__
        if "hydra/launcher" in message:
            message += f" {LAUNCHER_HINT}"
        raise ConfigError(message) from None
    finally:
        GlobalHydra.instance().clear()


def primary_config_name(argv: list[str]) -> str:
    names = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in ("--config-name", "-cn")]
    names += [a.split("=", 1)[1] for a in argv if a.startswith("--config-name=")]
    return names[-1] if names else "config"


def compose(hydra: Any, config_name: str, overrides: list[str]) -> Any:
    from hydra.types import RunMode

    return hydra.compose_config(
        config_name, overrides, run_mode=RunMode.RUN, from_shell=True, with_log_configuration=False
    )


def sweep_jobs(parser: Any, parsed: list[Any], params: dict[str, Any]) -> list[list[str]]:
    """One override list per job, as Hydra's basic sweeper expands them: the experiment's
    `hydra.sweeper.params`, then the command line (which wins for the same key)."""
    given = {o.get_key_element() for o in parsed}
    from_config = parser.parse_overrides([f"{k}={v}" for k, v in params.items() if k not in given])
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
    from omegaconf import open_dict

    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    try:
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)  # type: ignore[return-value]
    except MissingMandatoryValue as e:
        key = getattr(e, "full_key", None) or "a key"
        raise ConfigError(
            f"{key}: no value given; set it on the command line ({key}=...) or in its config file."
        ) from None
    except OmegaConfBaseException as e:
        key = getattr(e, "full_key", None)
        first = str(e).splitlines()[0]
        raise ConfigError(f"{key}: {first}" if key else first) from None
