"""`harness list [WHAT] [--config-dir DIR]`: shipped models, datasets, prompts, experiments,
metrics and their fields (the listing and its options are harness/config/listing.py)."""

from __future__ import annotations

from pathlib import Path

from harness.config import listing
from harness.errors import ConfigError


def main(argv: list[str]) -> int:
    args = listing.parser().parse_args(argv)
    for folder in args.config_dir:  # as `harness run` refuses it: a typo must not list the shipped configs only
        if not Path(folder).is_dir():
            raise ConfigError(f"config folder not found: {folder} (from --config-dir)")
    print(listing.listing(args.what, args.config_dir), end="")
    return 0
