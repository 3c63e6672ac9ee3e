"""Score outputs produced elsewhere: read summaries from a JSONL file, no model involved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from harness.data import jsonl_records
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
    Options = PrecomputedOptions
    runtime_fields = frozenset({"batch_size"})
    cacheable = False

    def __init__(self, options: PrecomputedOptions | None = None):
        super().__init__(options)
        if not self.options.path:
            raise ConfigError("model 'precomputed': set model.path to a JSONL file with doc_id and summary fields")
        self.summaries = self._read(Path(self.options.path))

    def _read(self, path: Path) -> dict[str, str]:
        if not path.is_file():
            raise InputError(f"model.path: file not found: {path}")
        o = self.options
        out: dict[str, str] = {}
        systems: set[str] = set()
        for number, record, problem in jsonl_records(path):
            if record is None:
                raise InputError(f"{path}:{number}: {problem}")
            if o.system_field in record:
                systems.add(str(record[o.system_field]))
            if o.system is not None and str(record.get(o.system_field)) != o.system:
                continue
            if o.id_field not in record or o.summary_field not in record:
                missing = o.id_field if o.id_field not in record else o.summary_field
                raise InputError(f"{path}:{number}: field '{missing}' missing")
            doc_id = str(record[o.id_field])
            if doc_id in out:
                raise InputError(
                    f"{path}:{number}: second summary for doc_id '{doc_id}'"
                    + ("" if o.system else "; set model.system to pick one system")
                )
            out[doc_id] = str(record[o.summary_field])
        if not out:
            known = f" Systems in the file: {', '.join(sorted(systems))}." if systems else ""
            raise InputError(f"{path}: no summaries" + (f" for system '{o.system}'." if o.system else ".") + known)
        return out

    def generate(self, requests: Sequence[Request]) -> list[Generation]:
        return [
            Generation(self.summaries[r.doc_id], finish_reason="precomputed")
            if r.doc_id in self.summaries
            else Generation(None, error=f"no summary for doc_id '{r.doc_id}' in {self.options.path}")
            for r in requests
        ]
