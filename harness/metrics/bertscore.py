"""`bertscore`: similarity to the references by greedy matching of contextual token embeddings
(Zhang et al., 2020), implemented directly on transformers with any encoder model.

As in the bert_score package: embeddings are the chosen layer's hidden states, L2-normalised;
each candidate token takes its best cosine over the reference's tokens (precision) and each
reference token its best over the candidate's (recall); [CLS]/[SEP]-style special tokens can be
matched but carry no weight; with `idf`, weights are inverse document frequencies over the
references being scored. With several references each field takes its maximum over them
(as bert_score does); details name the reference with the best F1.
Baseline rescaling, (x - b) / (1 - b), takes the baseline values from the config, since the
published baseline files cannot be downloaded here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from harness.errors import ConfigError
from harness.hf import load_metric_model
from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary

FIELDS = ("precision", "recall", "f1")


@dataclass
class BERTScoreOptions:
    model: str = "roberta-large"  # hub id or local folder of an encoder
    layer: int | None = 17  # hidden layer to match (bert_score's choice for roberta-large); None: the last
    idf: bool = False
    rescale_with_baseline: bool = False
    baseline: dict[str, float] | None = None  # {precision, recall, f1} of this model and layer
    max_length: int | None = None  # tokens per text; None: the model's limit
    batch_size: int = 16
    device: str = "auto"


def greedy_match(cand, ref, cand_weights, ref_weights) -> tuple[float, float, float]:
    """(P, R, F1) from normalised embeddings cand [n, d] and ref [m, d] (torch tensors)."""
    sim = cand @ ref.T
    precision = float((sim.max(dim=1).values * cand_weights).sum() / cand_weights.sum().clamp_min(1e-12))
    recall = float((sim.max(dim=0).values * ref_weights).sum() / ref_weights.sum().clamp_min(1e-12))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


class BERTScore(Metric):
    name = "bertscore"
    fields = {
        "precision": "candidate tokens' best cosine to the reference's (max over references)",
        "recall": "reference tokens' best cosine to the candidate's",
        "f1": "harmonic mean of precision and recall",
    }
    headline = ("f1",)
    requires = frozenset({"references"})
    Options = BERTScoreOptions

    def __init__(self, options: BERTScoreOptions | None = None):
        super().__init__(options)
        o = self.options
        where = f"metrics.{self.name}"
        if o.rescale_with_baseline:
            missing = [k for k in FIELDS if not isinstance((o.baseline or {}).get(k), (int, float))]
            if missing:
                raise ConfigError(
                    f"{where}.baseline: rescale_with_baseline needs baseline values for {', '.join(missing)} "
                    f"(from bert_score's rescale_baseline files for {o.model}, layer {o.layer})"
                )
        loaded = load_metric_model("AutoModel", o.model, where, o.device, "encoder", o.max_length)
        self.torch, self.model, self.tokenizer, self.device = (
            loaded.torch,
            loaded.model,
            loaded.tokenizer,
            loaded.device,
        )
        n_layers = getattr(self.model.config, "num_hidden_layers", None)
        if o.layer is not None and n_layers is not None and not 0 <= o.layer <= n_layers:
            raise ConfigError(f"{where}.layer: {o.layer} is out of range for '{o.model}' (0..{n_layers})")
        self.max_length = loaded.max_length

    def _encode(self, texts: Sequence[str]) -> dict[str, tuple]:
        """text -> (normalised embeddings [n, d], token ids [n], special-token mask [n])."""
        out = {}
        unique = sorted(set(texts), key=len)
        for start in range(0, len(unique), self.options.batch_size):
            batch = unique[start : start + self.options.batch_size]
            enc = self.tokenizer(
                [t.strip() for t in batch],
                padding=True,
                truncation=True,
                max_length=self.max_length,
                return_special_tokens_mask=True,
                return_tensors="pt",
            )
            special = enc.pop("special_tokens_mask")
            inputs = {k: v.to(self.device) for k, v in enc.items()}
            with self.torch.no_grad():
                hidden = self.model(**inputs, output_hidden_states=True).hidden_states
            states = hidden[self.options.layer if self.options.layer is not None else -1].float()
            states = states / states.norm(dim=-1, keepdim=True).clamp_min(1e-12)
            for i, text in enumerate(batch):
                keep = enc["attention_mask"][i].bool()
                out[text] = (
                    states[i][keep.to(states.device)].cpu(),
                    enc["input_ids"][i][keep],
                    special[i][keep].bool(),
                )
        return out

    def _weights(self, ids, special, idf: dict[int, float] | None):
        torch = self.torch
        weights = torch.tensor([idf.get(int(t), idf[-1]) for t in ids] if idf else [1.0] * len(ids))
        return weights * (~special).float()

    def _idf(self, references: Sequence[str]) -> dict[int, float]:
        """log((M + 1) / (df + 1)) over the M reference texts; -1 holds the value for unseen tokens."""
        df: Counter[int] = Counter()
        for ref in references:
            ids = self.tokenizer(ref.strip(), truncation=True, max_length=self.max_length)["input_ids"]
            df.update(set(ids))
        m = len(references)
        idf = {t: math.log((m + 1) / (c + 1)) for t, c in df.items()}
        idf[-1] = math.log(m + 1)
        return idf

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        references = sorted({r for e in examples for r in e.references if r.strip()})
        idf = self._idf(references) if self.options.idf else None
        rows: list[Scored] = []
        # Embeddings of a few hundred examples at a time: all of SummEval's would take gigabytes.
        step = 256
        for start in range(0, len(examples), step):
            part = list(zip(examples[start : start + step], summaries[start : start + step]))
            texts = [t for e, s in part for t in (s.text, *e.references) if t.strip()]
            encoded = self._encode(texts)
            rows.extend(self._score_one(e, s, encoded, idf) for e, s in part)
        return rows

    def _score_one(self, example: Example, summary: Summary, encoded, idf) -> Scored:
        refs = [r for r in example.references if r.strip()]
        if not refs or not summary.text.strip():
            return Scored({k: None for k in FIELDS})
        cand, cand_ids, cand_special = encoded[summary.text]
        results = []
        for ref in refs:
            emb, ids, special = encoded[ref]
            results.append(
                greedy_match(cand, emb, self._weights(cand_ids, cand_special, idf), self._weights(ids, special, idf))
            )
        best = max(range(len(results)), key=lambda i: results[i][2])
        values = {k: max(r[i] for r in results) for i, k in enumerate(FIELDS)}  # each field's max, as bert_score
        if self.options.rescale_with_baseline:
            base = self.options.baseline or {}
            values = {k: (v - base[k]) / (1 - base[k]) for k, v in values.items()}
        return Scored(dict(values), {"best_reference": best})
