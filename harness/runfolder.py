"""The files of one run folder, and the facts recorded about the environment."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.cache import write_json_atomic, write_jsonl_atomic

SCHEMA_VERSION = 1
LIBRARIES = ("harness", "torch", "transformers", "datasets", "evaluate", "rouge-score", "hydra-core", "numpy")

CONFIG = "config.yaml"
RUN = "run.json"
GENERATIONS = "generations.jsonl"
SCORES = "scores.jsonl"
METRICS = "metrics.json"
LOG = "run.log"


def library_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_sha() -> str | None:
    """The harness checkout's commit, when it runs from one (None for an installed wheel)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


@dataclass
class RunFolder:
    path: Path
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.path.mkdir(parents=True, exist_ok=True)

    def file(self, name: str) -> Path:
        return self.path / name

    # run.json is rewritten whole (atomically) at each stage, so it is never half-written.
    def update(self, **values: Any) -> None:
        self.info.update(values)
        write_json_atomic(self.file(RUN), {"schema_version": SCHEMA_VERSION, **self.info})

    def load_info(self) -> dict[str, Any]:
        self.info = json.loads(self.file(RUN).read_text())
        self.info.pop("schema_version", None)
        return self.info

    def write_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        write_jsonl_atomic(self.file(name), [{"schema_version": SCHEMA_VERSION, **r} for r in rows])

    def read_rows(self, name: str) -> list[dict[str, Any]]:
        path = self.file(name)
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def read_json(self, name: str) -> dict[str, Any]:
        return json.loads(self.file(name).read_text(encoding="utf-8"))

    def write_json(self, name: str, value: dict[str, Any]) -> None:
        write_json_atomic(self.file(name), {"schema_version": SCHEMA_VERSION, **value})
