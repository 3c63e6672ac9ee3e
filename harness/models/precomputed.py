"""Score outputs produced elsewhere: read summaries from a JSONL file, no model involved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.data import json_type, jsonl_records
from harness.errors import ConfigError, InputError
from harness.models.base import Backend, Generation, Request


@dataclass
class PrecomputedOptions:
    path: str = ""
    system: str | None = None  # keep only lines whose system_field equals this
    id_field: str = "doc_id"
    summary_field: str = "summary"
    system_field: str = "system_id"
    batch_size: int = 1024


class Precomputed(Backend):
    """Summaries read from a JSONL file: `summary` is a string, or a list of strings (the
    bullets, one per line). A `null` summary marks a document the system did not summarize:
    it is a failed generation (counted, not scored), reported with file, line and field."""

    Options = PrecomputedOptions
    runtime_fields = frozenset({"batch_size"})
    cacheable = False

    def __init__(self, options: PrecomputedOptions | None = None):
        super().__init__(options)
        if not self.options.path:
            raise ConfigError("model 'precomputed': set model.path to a JSONL file with doc_id and summary fields")
        self.failed: dict[str, str] = {}  # doc_id -> why there is no summary (file, line, field)
        self.summaries = self._read(Path(self.options.path))

    def _read(self, path: Path) -> dict[str, str]:
        if not path.is_file():
            raise InputError(f"model.path: file not found: {path}")
        o = self.options
        out: dict[str, str] = {}
        systems: set[str] = set()
        for number, record, problem in jsonl_records(path):
            where = f"{path}:{number}"
            if record is None:
                raise InputError(f"{where}: {problem}")
            if o.system_field in record:
                systems.add(str(record[o.system_field]))
            if o.system is not None and o.system_field not in record:
                raise InputError(
                    f"{where}: field '{o.system_field}' missing (model.system={o.system} selects lines by it; "
                    f"fields: {', '.join(sorted(record))})"
                )
            if o.system is not None and str(record[o.system_field]) != o.system:
                continue
            if o.id_field not in record or o.summary_field not in record:
                missing = o.id_field if o.id_field not in record else o.summary_field
                raise InputError(f"{where}: field '{missing}' missing")
            raw_id = record[o.id_field]
            if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
                raise InputError(
                    f"{where}: field '{o.id_field}': wrong type: an id must be a string or an integer, not {json_type(raw_id)}"
                )
            doc_id = str(raw_id)
            if doc_id in out or doc_id in self.failed:
                raise InputError(
                    f"{where}: second summary for doc_id '{doc_id}'"
                    + ("" if o.system else "; set model.system to pick one system")
                )
            summary = record[o.summary_field]
            if summary is None:
                self.failed[doc_id] = f"{where}: field '{o.summary_field}' is null (no summary for this document)"
                continue
            out[doc_id] = summary_text(summary, f"{where}: field '{o.summary_field}'")
        if not out:
            known = f" Systems in the file: {', '.join(sorted(systems))}." if systems else ""
            raise InputError(f"{path}: no summaries" + (f" for system '{o.system}'." if o.system else ".") + known)
        return out

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        return [self._one(r.doc_id) for r in requests]

    def _one(self, doc_id: str) -> Generation:
        if doc_id in self.summaries:
            return Generation(self.summaries[doc_id], finish_reason="precomputed")
        if doc_id in self.failed:
            return Generation(None, error=self.failed[doc_id])
        return Generation(None, error=f"no summary for doc_id '{doc_id}' in {self.options.path}")

    def unrequested(self, requested: set[str]) -> dict[str, Any] | None:
        extra = sorted(set(self.summaries) - requested)
        return {"count": len(extra), "doc_ids": extra[:20], "file": self.options.path} if extra else None


def summary_text(value: Any, where: str) -> str:
    """A summary as text: a string as is, a list of strings as one bullet per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(b, str) for b in value):
        return "\n".join(b.strip() for b in value if b.strip())
    got = (
        json_type(value)
        if not isinstance(value, list)
        else "a list holding " + next(json_type(b) for b in value if not isinstance(b, str))
    )
    raise InputError(f"{where}: wrong type: expected a string or a list of strings (bullets), got {got}")
