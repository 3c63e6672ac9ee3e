"""The harness's ROUGE as a Hugging Face `evaluate` module, for code built on `evaluate`.

Works offline, with no hub download: either instantiate the class, or load this file by path:

    >>> import evaluate
    >>> rouge = evaluate.load("path/to/harness/metrics/evaluate_rouge.py")   # doctest: +SKIP
    >>> rouge.compute(predictions=["- The cat sat.\\n- It purred."], references=[["The cat sat and purred."]])  # doctest: +SKIP

Predictions are bullet summaries (parsed into bullets as `harness run` does); each reference
is a list of alternatives (the best per ROUGE type counts, as rouge-score's `score_multi`).
Numbers equal the `rouge` metric of `harness run` with the same options.
"""

from __future__ import annotations

import datasets
import evaluate

from harness.metrics.rouge import Rouge, RougeOptions
from harness.records import Example, Summary
from harness.text.bullets import parse_bullets


class HarnessRouge(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description="ROUGE-1/2/L/Lsum F1, precision and recall of bullet summaries (rouge-score 0.1.2 semantics).",
            citation="Lin, C.-Y. (2004). ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description="predictions: list of str; references: list of str, or list of list of str (alternatives)",
            # references: alternatives per prediction, or one reference string per prediction
            features=[
                datasets.Features(
                    {"predictions": datasets.Value("string"), "references": datasets.Sequence(datasets.Value("string"))}
                ),
                datasets.Features({"predictions": datasets.Value("string"), "references": datasets.Value("string")}),
            ],
        )

    def _compute(self, predictions, references, use_stemmer: bool = True, implementation: str | None = None):
        options = RougeOptions(use_stemmer=use_stemmer)
        if implementation is not None:
            options.implementation = implementation  # type: ignore[assignment]
        metric = Rouge(options)
        for i, refs in enumerate(references):
            if not refs:  # ROUGE against nothing is undefined; a mean over the rest would hide it
                raise ValueError(f"references[{i}]: no reference text; each prediction needs at least one.")
        examples = [
            Example(str(i), "", (refs,) if isinstance(refs, str) else tuple(refs)) for i, refs in enumerate(references)
        ]
        summaries = []
        for i, text in enumerate(predictions):
            parsed = parse_bullets(text)
            summaries.append(Summary(str(i), text, parsed.bullets, parsed.preamble))
        rows = metric.score(examples, summaries)
        # `or 0.0` only narrows the type: with a reference for every prediction no value is None
        return {key: sum(r.values[key] or 0.0 for r in rows) / len(rows) for key in metric.fields}
