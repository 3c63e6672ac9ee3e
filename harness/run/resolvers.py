"""What composing or reading a run's config needs: the shipped configs' resolvers, and a run
folder's config.yaml read back. One place for `harness run`, `score`, `merge` and `report`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from omegaconf import OmegaConf

from harness.errors import ConfigError
from harness.run.folder import CONFIG, RunFolder, path_component

if TYPE_CHECKING:  # imported where used: reading a config.yaml does not load the data modules
    from harness.config.schema import DatasetConfig
    from harness.data import LoadedData


def register_config_resolvers() -> None:
    """Resolvers and schema nodes the shipped configs use to compose a job (all but
    `harness.new_run_root`, which creates run folders: harness/run/command.py adds it)."""
    from harness.config.groups import register_schemas
    from harness.data import builtin_path

    register_schemas()  # dataset/_schema, prompt/_schema, _run_settings: every schema key overridable

    if not OmegaConf.has_resolver("harness.or"):
        # first argument that is not null: `label: ${harness.or:${.system},precomputed}`
        OmegaConf.register_new_resolver("harness.or", lambda *args: next((a for a in args if a is not None), None))
    if not OmegaConf.has_resolver("harness.data"):
        OmegaConf.register_new_resolver("harness.data", builtin_path)
    if not OmegaConf.has_resolver("harness.path_component"):
        OmegaConf.register_new_resolver("harness.path_component", path_component)


def plain_config(cfg: Any) -> dict[str, Any]:
    """A composed config as plain, resolved data; a required value left as `???`, or one that does
    not resolve, is a config error naming the key."""
    from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

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


def load_run_config(folder: RunFolder) -> dict[str, Any]:
    """A run's config.yaml, resolved; a damaged file is an error naming it."""
    register_config_resolvers()
    path = folder.file(CONFIG)
    try:
        return OmegaConf.to_container(OmegaConf.load(path), resolve=True)  # type: ignore[return-value]
    except FileNotFoundError:
        raise ConfigError(f"{path}: missing; is {folder.path} a run folder?") from None
    except Exception as e:
        raise ConfigError(f"{path}: cannot be read ({type(e).__name__}: {e})") from None


def load_run_data(folder: RunFolder, config: dict[str, Any], strict: bool = False) -> tuple[DatasetConfig, LoadedData]:
    """(DatasetConfig, LoadedData): the dataset a run names in its config.yaml, loaded as the run loaded it."""
    from harness.config.schema import DatasetConfig, parse
    from harness.data import load_examples

    dataset_cfg = parse(DatasetConfig, config.get("dataset"), f"{folder.file(CONFIG)}: dataset")
    return dataset_cfg, load_examples(dataset_cfg, strict=strict)
