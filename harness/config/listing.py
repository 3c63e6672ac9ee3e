"""`harness list [models|datasets|prompts|metrics|judges|experiments|backends|settings]`: the configs
Hydra finds (shipped and the user's), each metric's fields, each backend's options and the
run settings, from the same rows as the configuration reference's tables (`harness.config.catalog`)."""

from __future__ import annotations

import argparse

from harness.config import catalog
from harness.config.search import HydraConfigs
from harness.errors import HarnessError

GROUPS = {
    "models": "model",
    "datasets": "dataset",
    "prompts": "prompt",
    "experiments": "experiment",
    "metrics": "metrics",
    "judges": "judge",
}
SCHEMAS = ("backends", "settings")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness list", description=__doc__)
    parser.add_argument("what", nargs="?", choices=sorted([*GROUPS, *SCHEMAS]), help="one section (default: all)")
    parser.add_argument(
        "--config-dir", action="append", default=[], help="a user config folder to include (as harness run's)"
    )
    return parser


def search_argv(config_dirs: list[str]) -> list[str]:
    """`harness run` arguments that put these folders on the search path, as `--config-dir` does."""
    if not config_dirs:
        return []
    first, *more = config_dirs  # Hydra takes one --config-dir; further folders join its search path
    return ["--config-dir", first] + (
        ["hydra.searchpath=[" + ",".join(f"file://{d}" for d in more) + "]"] if more else []
    )


def listing(what: str | None, config_dirs: list[str]) -> str:
    lines: list[str] = []
    sections = [what] if what else [*GROUPS, *SCHEMAS]
    with HydraConfigs.of(search_argv(config_dirs)) as configs:
        for section in sections:
            lines.append(f"{section}:")
            if section == "backends":
                lines += backend_lines()
            elif section == "settings":
                lines += setting_lines(catalog.run_settings())
            else:
                lines += entry_lines(catalog.entries(configs, GROUPS[section]), keyed=section == "metrics")
                if section == "metrics":
                    lines += plugin_metric_lines()
    return "\n".join(lines) + "\n"


def entry_lines(entries: list[catalog.Entry], keyed: bool) -> list[str]:
    lines = []
    for entry in entries:
        if keyed and entry.fields:  # results are keyed by the config's entry name
            lines.append(f"  {entry.name}  (keys {entry.name}/<field>)")
            lines += [f"      {key:<30} {meaning}" for key, meaning in entry.fields.items()]
        else:
            lines.append(f"  {entry.name:<24} {entry.summary}".rstrip())
    return lines


def plugin_metric_lines() -> list[str]:
    """Installed packages' metrics (entry points), usable without a config."""
    from harness.registry import METRICS

    lines = []
    for key in METRICS.plugin_names():
        try:  # one broken installed package must not hide the rest
            fields = METRICS.get(key).fields
        except HarnessError as e:
            lines.append(f"  {key}  cannot be loaded ({e})")
            continue
        lines.append(
            f"  {key}  (installed plugin: harness score/meta-eval --metrics {key}, or `metric: {key}` in a config)"
        )
        lines += [f"      {key + '/' + field:<30} {meaning}" for field, meaning in fields.items()]
    return lines


def backend_lines() -> list[str]:
    lines = []
    for backend in catalog.backend_names():
        try:
            settings = catalog.backend_settings(backend)
        except HarnessError as e:
            lines.append(f"  {backend}  cannot be loaded ({e})")
            continue
        lines.append(f"  {backend}")
        lines += ["  " + line for line in setting_lines(settings)]
    return lines


def setting_lines(settings: list[catalog.Setting]) -> list[str]:
    return [f"  {s.key:<22} {s.type:<28} {s.default:<12} {s.meaning}".rstrip() for s in settings]
