"""What a run was scored against, and whether the data still matches it.

A run records its dataset's fingerprint and fields in run.json and one content hash per document
in documents.json. `harness score` and `harness report` load the dataset again; when it no longer
matches they refuse, saying which documents were added, removed or changed, unless the user asks
to re-score against the new data (`--rescore-changed-data`), which records the new fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.config.schema import DatasetConfig
from harness.errors import DataChanged
from harness.fileio import fsync_dir
from harness.records import Example
from harness.run.folder import RunFolder, now

DOCUMENTS = "documents.json"  # doc_id -> content hash, of the data the run was scored against
PREVIOUS_SCORES = "previous_scores"  # scores set aside when re-scored against changed data
FIELDS = ("id_field", "source_field", "reference_field", "reference_list", "facts_field", "limit")
SHOWN = 10  # document ids named per kind of change in a message


def document_hashes(examples: Iterable[Example]) -> dict[str, str]:
    """One hash per document over what scoring reads: id, source, references, facts."""
    return {
        e.doc_id: hashlib.sha256(
            json.dumps([e.doc_id, e.source, e.references, e.facts], ensure_ascii=False).encode()
        ).hexdigest()[:16]
        for e in examples
    }


def dataset_record(cfg: DatasetConfig, data: Any) -> dict[str, Any]:
    """run.json's `dataset`: name, origin, fingerprint, size and the fields the run read."""
    return {
        "name": cfg.name,
        "origin": data.origin,
        "fingerprint": data.fingerprint,
        "examples": len(data.examples),
        "fields": {name: getattr(cfg, name) for name in FIELDS},
        "reference_list": getattr(data, "reference_reading", None),  # how list references were read, and why
        "documents": DOCUMENTS,
    }


def record(folder: RunFolder, cfg: DatasetConfig, data: Any) -> None:
    folder.write_json(DOCUMENTS, {"fingerprint": data.fingerprint, "documents": document_hashes(data.examples)})
    folder.update(dataset=dataset_record(cfg, data))


@dataclass
class DataDiff:
    previous: str | None
    current: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    known: bool = True  # False: the run predates per-document records

    def describe(self) -> str:
        parts = []
        for kind, ids in (("added", self.added), ("removed", self.removed), ("changed", self.changed)):
            if ids:
                more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
                parts.append(f"{len(ids)} {kind}: {', '.join(ids[:SHOWN])}{more}")
        if not self.known:
            parts.append("which documents changed is unknown (the run has no per-document record)")
        return "; ".join(parts) or "the documents' order changed"


def compare(folder: RunFolder, data: Any, generated_ids: Iterable[str] = ()) -> DataDiff | None:
    """None when the data matches what the run recorded (or the run recorded nothing to check)."""
    recorded = (folder.info.get("dataset") or {}).get("fingerprint")
    if recorded is None or recorded == data.fingerprint:
        return None
    current = document_hashes(data.examples)
    if folder.file(DOCUMENTS).is_file():
        stored = folder.read_json(DOCUMENTS).get("documents") or {}
        diff = DataDiff(recorded, data.fingerprint)
        diff.added = [d for d in current if d not in stored]
        diff.removed = [d for d in stored if d not in current]
        diff.changed = [d for d in current if d in stored and stored[d] != current[d]]
        return diff
    generated = list(dict.fromkeys(generated_ids))  # an older run: its generations say which ids it had
    had = set(generated)
    return DataDiff(
        recorded,
        data.fingerprint,
        [d for d in current if d not in had],
        [d for d in generated if d not in current],
        known=False,
    )


def refuse(folder: RunFolder, data: Any, diff: DataDiff, hint: str) -> DataChanged:
    return DataChanged(
        f"{data.origin}: the data changed since {folder.path} was scored "
        f"(fingerprint {diff.previous} -> {diff.current}): {diff.describe()}. {hint}"
    )


def set_aside_scores(folder: RunFolder, names: Iterable[str], fingerprint: str | None) -> str | None:
    """Keep the current score files under previous_scores/<time>_<fingerprint>/ (hard links: no copy,
    and the next atomic replace of the originals leaves them intact). Returns the folder, relative."""
    present = [n for n in names if folder.file(n).is_file()]
    if not present:
        return None
    stamp = now().replace(":", "-")
    target = folder.path / PREVIOUS_SCORES / f"{stamp}_{fingerprint or 'unknown'}"
    target.mkdir(parents=True, exist_ok=False)
    for name in present:
        try:
            os.link(folder.file(name), target / name)
        except OSError:
            shutil.copy2(folder.file(name), target / name)
    fsync_dir(target)
    fsync_dir(target.parent)
    return str(target.relative_to(folder.path))


def note_rescore(folder: RunFolder, cfg: DatasetConfig, data: Any, diff: DataDiff, kept: str | None) -> None:
    """run.json: the new fingerprint becomes the reference; the change is kept in `rescored_data`."""
    history = list(folder.info.get("rescored_data") or [])
    history.append(
        {
            "at": now(),
            "previous_fingerprint": diff.previous,
            "fingerprint": diff.current,
            "added": diff.added,
            "removed": diff.removed,
            "changed": diff.changed,
            "previous_scores": kept,
        }
    )
    folder.info["rescored_data"] = history
    record(folder, cfg, data)


def unscored_added(diff: DataDiff, generated: Iterable[str]) -> list[str]:
    """The documents added to the data with no generation (`generated`: the doc_ids generated)."""
    have = set(generated)
    return [d for d in diff.added if d not in have]
