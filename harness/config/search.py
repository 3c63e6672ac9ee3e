"""The configs a `harness run` command line sees, found by Hydra's own config loader.

Group names, their choices and the composed configs come from the search path Hydra builds
for the `harness run` app: the shipped `harness.conf` package, `--config-dir`, entries of
`hydra.searchpath` and whatever Hydra's search-path plugins add. Nothing here looks for files
itself, so a config Hydra finds is a config `harness list` shows and the up-front check knows.
"""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from harness.errors import ConfigError

CONFIG_PACKAGE = "harness.conf"
CONFIG_NAME = "config"
TASK_NAME = "run"  # hydra.job.name of `harness run` (its log file becomes run.log)
LAUNCHER_HINT = (
    "Launchers are optional extras: pip install 'harness[joblib]' (hydra/launcher=joblib), 'harness[slurm]' "
    "(submitit_slurm, submitit_local, slurm_gpu), 'harness[ray]' (ray)."
)


def command_line(argv: list[str]) -> argparse.Namespace:
    """`harness run` arguments read by Hydra's own parser (overrides, --config-dir, -m, ...)."""
    from harness.config import hydra_internals

    return hydra_internals.parse_args(argv)


def options_first(argv: list[str]) -> list[str]:
    """Hydra's options (`--config-dir DIR`, `-m`, `--info config`, ...) moved before the overrides,
    keeping their order: Hydra's parser takes them only there ("unrecognized arguments" otherwise),
    and a user writes them anywhere."""
    from harness.config import hydra_internals

    actions = hydra_internals.options()
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        action = actions.get(arg.split("=", 1)[0]) if arg.startswith("-") else None
        if action is None:
            rest.append(arg)
        else:
            front.append(arg)
            following = argv[i + 1] if i + 1 < len(argv) else None
            takes = action.nargs is None or (action.nargs == "?" and following in action.choices)
            if takes and "=" not in arg and following is not None:
                front.append(following)
                i += 1
        i += 1
    return front + rest


class HydraConfigs:
    """One command's view of the configs, through a Hydra built as `hydra.main` builds it.

    Use as a context manager (`with HydraConfigs.of(argv) as configs:`): Hydra keeps one global
    instance, which is cleared on leaving.
    """

    def __init__(self, hydra: Any, config_name: str, overrides: list[str], multirun: bool):
        from hydra.core.global_hydra import GlobalHydra

        self.hydra = hydra
        self.loader = GlobalHydra.instance().config_loader()
        self.config_name = config_name
        self.overrides = overrides  # the command's overrides, as typed
        self.multirun = multirun
        self._groups: list[str] | None = None

    @classmethod
    @contextmanager
    def of(cls, argv: list[str]) -> Iterator[HydraConfigs]:
        from hydra.core.global_hydra import GlobalHydra

        from harness.config import hydra_internals, yaml_files
        from harness.config.groups import register_schemas

        args = command_line(argv)
        register_schemas()  # the schema nodes the shipped configs start from
        yaml_files.install()  # a user's config file is checked before Hydra expands it
        if args.config_dir is not None and not os.path.isdir(args.config_dir):
            raise ConfigError(f"config folder not found: {args.config_dir} (from --config-dir)")
        GlobalHydra.instance().clear()
        try:
            with hydra_errors():  # --config-dir where hydra.main puts it: after the shipped configs
                hydra = hydra_internals.create_hydra(
                    TASK_NAME, args.config_path or f"pkg://{CONFIG_PACKAGE}", args.config_dir
                )
            yield cls(hydra, args.config_name or CONFIG_NAME, list(args.overrides), bool(args.multirun))
        finally:
            GlobalHydra.instance().clear()

    # ---- names -------------------------------------------------------------------------------

    def groups(self) -> list[str]:
        """Top-level config groups (model, dataset, ...), Hydra's own `hydra` group aside."""
        if self._groups is None:
            from hydra.core.object_type import ObjectType

            self._groups = [g for g in self._options("", ObjectType.GROUP) if g != "hydra"]
        return self._groups

    def choices(self, group: str) -> list[str]:
        """The configs of a group on the command's search path (schema nodes `_name` hidden)."""
        return [name for name in self._options(group) if not name.startswith("_")]

    def _options(self, group: str, results_filter: Any = None) -> list[str]:
        from hydra.core.object_type import ObjectType

        with warnings.catch_warnings(record=True) as caught, hydra_errors():
            warnings.simplefilter("always")
            options = self.loader.get_group_options(
                group, results_filter or ObjectType.CONFIG, config_name=self.config_name, overrides=self.searchpath()
            )
        for warning in caught:  # Hydra warns about a search-path entry it cannot read; refuse it
            if "is not available" in str(warning.message):
                path = str(warning.message).split("path=", 1)[-1].removesuffix(" is not available.")
                raise ConfigError(f"config folder not found: {path} (from hydra.searchpath)")
        return sorted(set(options))

    def searchpath(self) -> list[str]:
        """The command's `hydra.searchpath` override (the others are checked elsewhere)."""
        return [o for o in self.overrides if o.lstrip("+").startswith("hydra.searchpath=")]

    # ---- composed configs ----------------------------------------------------------------------

    def compose(self, overrides: list[str]) -> DictConfig:
        """The config Hydra composes for one job (with its `hydra` node), not yet resolved."""
        from harness.config import hydra_internals

        with hydra_errors():
            return hydra_internals.compose(self.hydra, self.config_name, overrides)

    def node(self, group: str, name: str) -> dict[str, Any]:
        """One group config as `harness run` would use it (defaults lists applied), unresolved;
        for an experiment (a `_global_` overlay), the whole config it composes, `hydra` included."""
        cfg = self.compose([*self.searchpath(), f"{group}=[{name}]" if group == "metrics" else f"{group}={name}"])
        return plain(cfg if group == "experiment" else cfg.get(group))


def plain(node: Any) -> Any:
    """An OmegaConf node as plain Python, interpolations left as written."""
    if OmegaConf.is_config(node):
        return OmegaConf.to_container(node, resolve=False)
    return node


@contextmanager
def hydra_errors() -> Iterator[None]:
    """Hydra's and OmegaConf's exceptions as a ConfigError with their first lines."""
    from hydra.errors import HydraException

    try:
        yield
    except (HydraException, OmegaConfBaseException) as e:
        lines = [line for line in str(e).strip().splitlines() if line.strip() and "HYDRA_FULL_ERROR" not in line]
        message = " ".join(lines[:3]) or type(e).__name__
        if "hydra/launcher" in message:
            message += f" {LAUNCHER_HINT}"
        raise ConfigError(message) from None
    except yaml.YAMLError as e:  # a config file that does not parse: its path, line and column
        raise ConfigError("a config file is not valid YAML: " + " ".join(str(e).split())) from None


def require_config_dirs(folders: list[str]) -> None:
    """`--config-dir` folders of the commands outside Hydra (score, meta-eval, list), refused as
    `harness run` refuses them: a typo must not silently fall back to the shipped configs."""
    for folder in folders:
        if not Path(folder).is_dir():
            raise ConfigError(f"config folder not found: {folder} (from --config-dir)")
