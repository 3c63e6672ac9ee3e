"""Entailment probabilities from any Hugging Face sequence-classification NLI model, or from a
seq2seq fact checker in the style of MiniCheck-Flan-T5 (`Seq2SeqChecker`).

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
    auto_class = "AutoModelForSequenceClassification"
    what = "NLI model"

    def __init__(self, settings: NLISettings, where: str):
        if not settings.model:
            raise ConfigError(
                f"{where}.model: name an NLI model (hub id or local folder), e.g. {where}.model=/path/to/model"
            )
        loaded = load_metric_model(
            self.auto_class,
            settings.model,
            where,
            settings.device,
            self.what,
            settings.max_length,
        )
        self.torch, self.model, self.tokenizer, self.device = (
            loaded.torch,
            loaded.model,
            loaded.tokenizer,
            loaded.device,
        )
        self.batch_size = settings.batch_size
        self.granularity = settings.granularity
        self.max_length = loaded.max_length
        self.overhead = 4  # special tokens around a (premise, hypothesis) pair
        self._memo: dict[tuple[str, str], float] = {}
        self.setup(settings, where)

    def setup(self, settings: NLISettings, where: str) -> None:
        self.entail = entailment_index(self.model.config.id2label, settings.entailment_label, where)

    def n_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def premises(self, text: str, hypotheses: Sequence[str]) -> list[str]:
        """The text as premises: its sentences, or chunks of consecutive sentences that fit the
        model's limit beside the longest hypothesis."""
        sentences = split_sentences(text)
        if self.granularity == "sentence" or not sentences:
            return sentences
        room = self.max_length - max((self.n_tokens(h) for h in hypotheses), default=0) - self.overhead
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


class Seq2SeqChecker(NLIScorer):
    """A seq2seq fact checker read as MiniCheck-Flan-T5 is (Tang, Laban, Durrett; EMNLP 2024):
    the input "predict: <premise></s><claim>", and P(supported) the softmax over the first
    decoder step's logits of the first tokens of "1" and "0" (for Flan-T5's vocabulary, ids 209
    and 3, as MiniCheck reads them). Any Hugging Face seq2seq model loads; a long premise is cut,
    never the claim."""

    auto_class = "AutoModelForSeq2SeqLM"
    what = "seq2seq fact checker"
    PREFIX = "predict: "

    def setup(self, settings: NLISettings, where: str) -> None:
        def first_id(text: str) -> int:
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            if not ids:
                raise ConfigError(f"{where}.model: the tokenizer has no token for {text!r}")
            return int(ids[0])

        self.labels = [first_id("1"), first_id("0")]  # supported, unsupported
        if self.labels[0] == self.labels[1]:
            raise ConfigError(f"{where}.model: the tokenizer spells '1' and '0' with the same first token")
        self.separator = self.tokenizer.eos_token or ""
        self.overhead = self.n_tokens(self.PREFIX) + self.n_tokens(self.separator) + 1  # and the final </s>
        start = getattr(self.model.config, "decoder_start_token_id", None)
        self.start = start if start is not None else self.tokenizer.pad_token_id or 0

    def _fit(self, premise: str, hypothesis: str) -> str:
        """The premise cut (at a token) to leave room for the claim."""
        room = max(0, self.max_length - self.overhead - self.n_tokens(hypothesis))
        ids = self.tokenizer(premise, add_special_tokens=False)["input_ids"]
        return premise if len(ids) <= room else str(self.tokenizer.decode(ids[:room]))

    def _run(self, batch: Sequence[tuple[str, str]]) -> list[float]:
        texts = [f"{self.PREFIX}{self._fit(p, h)}{self.separator}{h}" for p, h in batch]
        enc = self.tokenizer(texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}
        start = self.torch.full((len(texts), 1), self.start, dtype=self.torch.long, device=self.device)
        with self.torch.no_grad():
            logits = self.model(**enc, decoder_input_ids=start).logits[:, 0, :].float()
        return self.torch.softmax(logits[:, self.labels], dim=-1)[:, 0].tolist()


def best_support(scorer, premise_text: str, hypotheses: Sequence[str]) -> tuple[list[str], list[list[float]]]:
    """Premises of `premise_text` and the entailment matrix [hypothesis][premise]."""
    premises = scorer.premises(premise_text, hypotheses)
    pairs = [(p, h) for h in hypotheses for p in premises]
    probs = scorer.entailment(pairs) if pairs else []
    n = len(premises)
    return premises, [probs[i * n : (i + 1) * n] for i in range(len(hypotheses))]
