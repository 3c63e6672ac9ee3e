"""Entailment probabilities from any Hugging Face sequence-classification NLI model.

One scorer serves `support_nli` (bullet entailed by source sentences or chunks) and `facts`
with a model (fact entailed by the summary). Premises are source sentences (SummaC-ZS) or
chunks of consecutive sentences packed up to the model's input limit; pairs are scored in
length-sorted batches and memoised, so a source shared by many summaries is read once per bullet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.errors import ConfigError
from harness.hf import load_metric_model
from harness.text.tokens import split_sentences

Granularity = Literal["sentence", "chunk"]


@dataclass
class NLISettings:
    """Options shared by every metric that reads an NLI model (inherited by their Options)."""

    model: str | None = None  # hub id or local folder of a sequence-classification NLI model
    entailment_label: str | int | None = None  # label name or index; None: found in config.id2label
    granularity: Granularity = "sentence"  # premises: single sentences, or chunks up to max_length
    max_length: int | None = None  # tokens per (premise, hypothesis) pair; None: the model's limit
    batch_size: int = 16
    device: str = "auto"  # auto: cuda, then mps, then cpu


def entailment_index(id2label: dict[int, str], override: str | int | None, where: str) -> int:
    """Index of the entailment class: the override (name or index), else the one label that
    starts with "entail" (so "not_entailment" never counts)."""
    labels = {int(k): str(v) for k, v in id2label.items()}
    shown = ", ".join(f"{k}: {v}" for k, v in sorted(labels.items()))
    if override is not None:
        text = str(override).strip()
        if text.lstrip("-").isdigit() and int(text) in labels:
            return int(text)
        matches = [k for k, v in labels.items() if v.lower() == text.lower()]
        if len(matches) == 1:
            return matches[0]
        raise ConfigError(f"{where}.entailment_label: {override!r} is not a label of the model (labels: {shown}).")
    matches = [k for k, v in labels.items() if v.lower().startswith("entail")]
    if len(matches) != 1:
        raise ConfigError(
            f"{where}: cannot tell which class means entailment from the model's labels ({shown}); "
            f"set {where}.entailment_label to its name or index."
        )
    return matches[0]


class NLIScorer:
    def __init__(self, settings: NLISettings, where: str):
        if not settings.model:
            raise ConfigError(
                f"{where}.model: name an NLI model (hub id or local folder), e.g. {where}.model=/path/to/model"
            )
        loaded = load_metric_model(
            "AutoModelForSequenceClassification",
            settings.model,
            where,
            settings.device,
            "NLI model",
            settings.max_length,
        )
        self.torch, self.model, self.tokenizer, self.device = (
            loaded.torch,
            loaded.model,
            loaded.tokenizer,
            loaded.device,
        )
        self.entail = entailment_index(self.model.config.id2label, settings.entailment_label, where)
        self.batch_size = settings.batch_size
        self.granularity = settings.granularity
        self.max_length = loaded.max_length
        self._memo: dict[tuple[str, str], float] = {}

    def n_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def premises(self, text: str, hypotheses: Sequence[str]) -> list[str]:
        """The text as premises: its sentences, or chunks of consecutive sentences that fit the
        model's limit beside the longest hypothesis."""
        sentences = split_sentences(text)
        if self.granularity == "sentence" or not sentences:
            return sentences
        room = self.max_length - max((self.n_tokens(h) for h in hypotheses), default=0) - 4  # special tokens
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for sentence in sentences:
            size = self.n_tokens(sentence) + 1
            if current and used + size > room:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(sentence)
            used += size
        if current:
            chunks.append(" ".join(current))
        return chunks

    def entailment(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """P(entailment) of each (premise, hypothesis) pair."""
        todo = sorted({p for p in pairs if p not in self._memo}, key=lambda p: len(p[0]) + len(p[1]))
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            for pair, prob in zip(batch, self._run(batch)):
                self._memo[pair] = prob
        return [self._memo[p] for p in pairs]

    def _run(self, batch: Sequence[tuple[str, str]]) -> list[float]:
        premises, hypotheses = [p for p, _ in batch], [h for _, h in batch]

        def encode(truncation: str):
            return self.tokenizer(
                premises,
                hypotheses,
                truncation=truncation,
                max_length=self.max_length,
                padding=True,
                return_tensors="pt",
            )

        try:  # cut the premise, never the claim being checked...
            enc = encode("only_first")
        except Exception:  # ...unless the claim alone is over the limit
            enc = encode("longest_first")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        with self.torch.no_grad():
            logits = self.model(**enc).logits.float()
        return self.torch.softmax(logits, dim=-1)[:, self.entail].tolist()


def best_support(scorer, premise_text: str, hypotheses: Sequence[str]) -> tuple[list[str], list[list[float]]]:
    """Premises of `premise_text` and the entailment matrix [hypothesis][premise]."""
    premises = scorer.premises(premise_text, hypotheses)
    pairs = [(p, h) for h in hypotheses for p in premises]
    probs = scorer.entailment(pairs) if pairs else []
    n = len(premises)
    return premises, [probs[i * n : (i + 1) * n] for i in range(len(hypotheses))]
