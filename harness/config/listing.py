"""`harness list [models|datasets|prompts|metrics|experiments]`: what ships, and each metric's fields."""

from __future__ import annotations

import argparse

from harness.config.overrides import available_choices

GROUPS = {
    "models": "model",
    "datasets": "dataset",
    "prompts": "prompt",
    "experiments": "experiment",
    "metrics": "metrics",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness list", description=__doc__)
    parser.add_argument("what", nargs="?", choices=sorted(GROUPS), help="one group (default: all)")
    parser.add_argument("--config-dir", action="append", default=[], help="a user config folder to include")
    args = parser.parse_args(argv)
    for name in [args.what] if args.what else list(GROUPS):
        print(f"{name}:")
        if name == "metrics":
            print_metrics(args.config_dir)
        else:
            for choice in available_choices(GROUPS[name], args.config_dir):
                print(f"  {choice}")
    return 0


def print_metrics(config_dirs: list[str]) -> None:
    """Each metric config (shipped or in a user folder, found as `harness run` finds it) with
    the fields its metric class emits."""
    from harness.config.overrides import group_file
    from harness.metrics.loading import metric_class
    from harness.registry import METRICS

    for config_name in available_choices("metrics", config_dirs):
        try:
            node = group_file("metrics", config_name, config_dirs) or {}
            classes = [(str(name), metric_class(str(name), options)[0]) for name, options in node.items()]
        except Exception as e:  # a user file that does not parse: say so, keep listing
            print(f"  {config_name}: cannot be read ({e})")
            continue
        for name, cls in classes:
            print(f"  {name}  (keys {name}/<field>)")  # results are keyed by the config name
            for field, meaning in cls.fields.items():
                print(f"      {name + '/' + field:<30} {meaning}")
    for key in METRICS.plugin_names():  # installed packages' metrics (entry points), usable without a config
        print(f"  {key}  (installed plugin: harness score/meta-eval --metrics {key}, or `metric: {key}` in a config)")
        for field, meaning in METRICS.get(key).fields.items():
            print(f"      {key + '/' + field:<30} {meaning}")
