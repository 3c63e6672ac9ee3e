"""`harness list [WHAT] [--config-dir DIR]`: shipped models, datasets, prompts, experiments,
metrics and their fields (the listing and its options are harness/config/listing.py)."""

from __future__ import annotations

from harness.config import listing
from harness.config.search import require_config_dirs


def main(argv: list[str]) -> int:
    args = listing.parser().parse_args(argv)
    require_config_dirs(args.config_dir)
    print(listing.listing(args.what, args.config_dir), end="")
    return 0
