"""One registry for backends, dataset loaders and metrics.

Entries map a key to "module:Class" and import lazily, so an API-only run never imports torch.
Unknown keys fail with the list of known ones and a close-match suggestion.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from harness.errors import ConfigError


def suggest(name: str, known: list[str]) -> str:
    """' Did you mean 'x'?' for a close match, else ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


class Registry:
    def __init__(self, kind: str, entries: dict[str, str]):
        self.kind = kind
        self._entries = dict(entries)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def register(self, name: str, target: str) -> None:
        self._entries[name] = target

    def get(self, name: str) -> Any:
        if name not in self._entries:
            raise ConfigError(
                f"unknown {self.kind} '{name}'. Available: {', '.join(self.names())}." + suggest(name, self.names())
            )
        module, _, attr = self._entries[name].partition(":")
        return getattr(importlib.import_module(module), attr)


BACKENDS = Registry(
    "backend",
    {
        "lead": "harness.models.extractive:Lead",
        "centrality": "harness.models.extractive:Centrality",
        "precomputed": "harness.models.precomputed:Precomputed",
        "hf_seq2seq": "harness.models.hf_seq2seq:HFSeq2Seq",
        "hf_causal": "harness.models.hf_causal:HFCausal",
        "openai_chat": "harness.models.openai_compat:OpenAIChat",
        "openai_completions": "harness.models.openai_compat:OpenAICompletions",
    },
)

DATASET_LOADERS = Registry(
    "dataset loader",
    {
        "local": "harness.data:load_local",
        "hub": "harness.data:load_hub",
    },
)

METRICS = Registry(
    "metric",
    {
        "rouge": "harness.metrics.rouge:Rouge",
        "format": "harness.metrics.format:BulletFormat",
        "extractive": "harness.metrics.extractive:Extractiveness",
        "support": "harness.metrics.support:Support",
        "support_nli": "harness.metrics.support_nli:SupportNLI",
        "support_judge": "harness.metrics.support_judge:SupportJudge",
        "facts": "harness.metrics.facts:Facts",
        "bertscore": "harness.metrics.bertscore:BERTScore",
    },
)
