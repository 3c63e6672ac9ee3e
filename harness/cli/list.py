"""`harness list [WHAT]`: shipped models, datasets, prompts, experiments, metrics and their fields
(the listing and its options are harness/config/listing.py)."""

from __future__ import annotations

from harness.config import listing


def main(argv: list[str]) -> int:
    return int(listing.main(argv) or 0)
