"""`harness list [models|datasets|prompts|metrics|experiments]`: what ships, and each metric's fields."""

from __future__ import annotations

import argparse

from harness.overrides import available_choices

GROUPS = {"models": "model", "datasets": "dataset", "prompts": "prompt", "experiments": "experiment", "metrics": "metrics"}


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
    from harness.metrics.loading import metric_spec
    from harness.registry import METRICS

    for config_name in available_choices("metrics", config_dirs):
        try:
            spec = metric_spec([config_name])
        except Exception as e:  # a user file that does not parse: say so, keep listing
            print(f"  {config_name}: cannot be read ({e})")
            continue
        for name, options in spec.items():
            cls = METRICS.get(options.get("metric", name))
            print(f"  {config_name}  (keys {name}/<field>)")
            for field, meaning in cls.fields.items():
                print(f"      {name + '/' + field:<30} {meaning}")

