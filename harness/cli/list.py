"""`harness list [WHAT] [--config-dir DIR]`: shipped models, datasets, prompts, experiments,
metrics and their fields (the listing and its options are harness/config/listing.py)."""

from __future__ import annotations

from pathlib import Path

from harness.config import listing
from harness.config.overrides import config_dirs
from harness.errors import ConfigError


def main(argv: list[str]) -> int:
    for folder in config_dirs(argv):  # as `harness run` refuses it: a typo must not list the shipped configs only
        if not Path(folder).is_dir():
            raise ConfigError(f"config folder not found: {folder} (from --config-dir)")
    return int(listing.main(argv) or 0)
