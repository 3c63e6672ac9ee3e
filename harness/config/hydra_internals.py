"""The parts of Hydra's private API (`hydra._internal`) the harness relies on, and nothing else.

Hydra has no public way to parse `hydra.main`'s command line, to build the search path as
`hydra.main` builds it (`--config-path`, `--config-dir` anchored before the structured configs)
without running an app, to compose from that with shell-style override errors, or to register a
config source for the `file://` scheme. Everything else (GlobalHydra, the config loader, search-path
queries, object types, run modes, errors) is Hydra's public plugin API and is used where needed.
tests/test_hydra_internals.py pins each behaviour used here, so a Hydra upgrade that changes one
fails there, naming it.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

from hydra._internal.core_plugins.file_config_source import FileConfigSource
from hydra._internal.hydra import Hydra
from hydra._internal.sources_registry import SourcesRegistry
from hydra._internal.utils import create_automatic_config_search_path, get_args_parser
from hydra.core.config_search_path import SearchPathQuery
from hydra.core.plugins import Plugins
from hydra.types import RunMode
from omegaconf import DictConfig

__all__ = ["FileConfigSource", "Option", "compose", "create_hydra", "options", "parse_args", "use_file_source"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    """`argv` read by `hydra.main`'s own parser: overrides, config_path, config_name, config_dir,
    multirun, info, ..."""
    return get_args_parser().parse_args(argv)


@dataclass(frozen=True)
class Option:
    """One option of `hydra.main`'s parser: whether it takes a value and which values it allows."""

    nargs: int | str | None
    choices: tuple[str, ...]


def options() -> dict[str, Option]:
    """Each option string of `hydra.main`'s parser (`-m`, `--config-dir`, ...) -> its Option."""
    return {
        name: Option(action.nargs, tuple(action.choices or ()))
        for action in get_args_parser()._actions
        for name in action.option_strings
    }


def create_hydra(task_name: str, config_path: str, config_dir: str | None) -> Hydra:
    """Hydra set up as `hydra.main` sets it up (also the global instance): the search path from
    `config_path` (`pkg://...`), search-path plugins, then `config_dir` where `--config-dir` goes
    (after the primary configs, before the structured ones)."""
    search_path = create_automatic_config_search_path(None, None, config_path)
    if config_dir is not None:
        search_path.prepend("command-line", f"file://{os.path.abspath(config_dir)}", SearchPathQuery(provider="schema"))
    return Hydra.create_main_hydra2(task_name=task_name, config_search_path=search_path)


def compose(hydra: Hydra, config_name: str, overrides: list[str]) -> DictConfig:
    """One job's config (with its `hydra` node) as `harness run` composes it: overrides read as
    typed in a shell (Hydra's errors say so), logging left alone. The public `hydra.compose` reads
    them as from code."""
    return hydra.compose_config(
        config_name, overrides, run_mode=RunMode.RUN, from_shell=True, with_log_configuration=False
    )


def use_file_source(source: Any) -> None:
    """Have Hydra read `file://` search-path entries (a user's config folders) through `source`, a
    FileConfigSource subclass."""
    Plugins.instance()  # registers Hydra's own sources first; `source` then takes the `file` scheme
    SourcesRegistry.instance().types["file"] = source
