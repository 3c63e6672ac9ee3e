"""A run's secrets: found in its composed config and registered with the redaction layer
(harness/redaction.py), refused where they would become part of a name, and scrubbed from the
files Hydra writes itself (which never pass through harness/fileio.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from harness import redaction
from harness.config.env_names import config_secrets, credential_variables
from harness.errors import ConfigError
from harness.fileio import atomic_write_text

# Options whose value becomes a name: a folder (results_dir/experiment_name/run_label), a label in
# every table, the MLflow experiment and run. A secret there cannot be blanked out afterwards.
NAME_OPTIONS = (
    "model.label",
    "run_label",
    "experiment_name",
    "results_dir",
    "cache_dir",
    "tracking.experiment",
    "tracking.run_name",
)
HYDRA_FILES = ("config.yaml", "hydra.yaml", "overrides.yaml")
# Hydra's own output folders: composed before a run's config is, so checked unresolved (resolving
# them creates the run folder) for a credential variable they interpolate or a URL credential.
HYDRA_DIRS = ("run.dir", "sweep.dir", "sweep.subdir")
_ENV_REFERENCE = re.compile(r"\$\{(?:oc\.env|env):\s*([A-Za-z_][A-Za-z0-9_]*)")


def guard(config: dict[str, Any]) -> None:
    """Register the config's secrets for every sink, and refuse (naming the option, never the
    value) one that would become part of a name."""
    redaction.add(config_secrets(config))
    for option in NAME_OPTIONS:
        value: Any = config
        for part in option.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and redaction.contains_secret(value):
            raise _in_a_name(option)


def guard_output_dirs(hydra: dict[str, Any]) -> None:
    """Hydra's run and sweep folders (unresolved, as composed) interpolate no credential variable
    (`hydra.run.dir=out/${oc.env:MY_TOKEN}`) and hold no URL credential."""
    held = credential_variables()
    for option in HYDRA_DIRS:
        value: Any = hydra
        for part in option.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str) and (
            redaction.contains_secret(value) or any(name in held for name in _ENV_REFERENCE.findall(value))
        ):
            raise _in_a_name(f"hydra.{option}")


def _in_a_name(option: str) -> ConfigError:
    return ConfigError(
        f"{option}: holds a credential (an API key, token or password from the environment or "
        "a URL; the value is not shown). It would become part of a name (a run folder, a label "
        f"in every table, an MLflow run), where it cannot be hidden: set {option} to a plain name."
    )


def scrub_file(path: Path) -> None:
    """Rewrite a file without its secrets (atomically; an unchanged file is left alone)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    if redaction.redact(text) != text:
        atomic_write_text(path, text)  # fileio redacts what it writes


class ScrubHydraFiles(Callback):
    """Hydra writes `.hydra/config.yaml`, `hydra.yaml`, `overrides.yaml` (and a sweep's
    `multirun.yaml`) with the command line and config files as given: a URL's password or a
    pasted key would stay there. Each job, in whatever process runs it, registers its config's
    secrets and rewrites those files before the run starts. Named in conf/config.yaml."""

    def on_job_start(self, config: Any, **kwargs: Any) -> None:
        from omegaconf import OmegaConf

        task: dict[str, Any] = {}
        for key in config:
            if key != "hydra":
                try:
                    node = config[key]
                    task[str(key)] = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node
                except Exception:  # a value that does not resolve: the job reports it; literals are scrubbed by form
                    continue
        redaction.add(config_secrets(task))
        hydra = config.hydra
        folders = [Path(str(hydra.runtime.output_dir)) / str(hydra.output_subdir or ".hydra")]
        if str(hydra.mode) == "RunMode.MULTIRUN":
            folders.append(Path(str(hydra.sweep.dir)))
        for folder in folders:
            for name in (*HYDRA_FILES, "multirun.yaml"):
                if (folder / name).is_file():
                    scrub_file(folder / name)
