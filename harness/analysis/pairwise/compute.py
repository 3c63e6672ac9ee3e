"""Runs in, a `PairwiseResult` out: the comparability and data checks of `harness compare` and
`report`, the planned comparisons asked of the judge, their outcomes and statistics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness.analysis.bradley_terry import Analysis, Outcomes, analyse
from harness.analysis.comparability import check
from harness.analysis.pairwise.design import Planned, all_pairs, plan
from harness.analysis.pairwise.judging import TASK, Pair, Verdict, ask, summary_text
from harness.analysis.runs import Run
from harness.errors import ConfigError, InputError
from harness.judge.client import Judge
from harness.registry import suggest
from harness.run.folder import RunFolder
from harness.run.resolvers import load_run_config

SCORE = {"A": 1.0, "B": 0.0, "tie": 0.5}  # the first-shown summary's score for a verdict


@dataclass(frozen=True)
class Settings:
    pairs_per_doc: int | None = None  # None: every pair on every document
    max_docs: int | None = None  # a seeded sample of the shared documents
    seed: int = 0  # document sample, pair rotation and bootstrap
    samples: int = 1000  # bootstrap resamples of the documents
    baseline: str | None = None  # win rates against this run (default: the average over the others)
    common_docs: bool = False
    allow_prompts: bool = False


@dataclass(frozen=True)
class Judged:
    """One planned comparison: a and b's words and the verdicts of order (a, b) and (b, a)."""

    planned: Planned
    words: tuple[int, int] | None  # None: a summary is missing (its generation failed)
    verdicts: tuple[Verdict, Verdict] | None

    @property
    def score(self) -> float | None:
        """a's score: both orders agree -> their verdict; they disagree -> 1/2; None: left out."""
        if self.verdicts is None or any(v.label is None for v in self.verdicts):
            return None
        first, second = self.verdicts
        as_a = (SCORE[str(first.label)], 1.0 - SCORE[str(second.label)])
        return as_a[0] if as_a[0] == as_a[1] else 0.5

    def record(self, labels: Sequence[str]) -> dict[str, Any]:
        p = self.planned
        return {
            "doc_id": p.doc_id,
            "a": labels[p.a],
            "b": labels[p.b],
            "words": list(self.words) if self.words else None,
            "score_a": self.score,
            "a_first": self.verdicts[0].record() if self.verdicts else None,
            "b_first": self.verdicts[1].record() if self.verdicts else None,
        }


@dataclass
class PairwiseResult:
    labels: list[str]
    paths: list[str]
    settings: Settings
    documents: list[str]  # the documents judged
    judged: list[Judged]
    analysis: Analysis | None  # None: no comparison could be read
    judge: dict[str, Any]  # who judged (label, signature, prompt version) and what it was asked (usage, cost)

    def counts(self) -> dict[str, int]:
        statuses = [v.status for j in self.judged for v in (j.verdicts or ())]
        return {
            "planned": len(self.judged),
            "read": sum(j.score is not None for j in self.judged),
            "no_summary": sum(j.words is None for j in self.judged),
            "unreadable": statuses.count("unreadable"),
            "failed": statuses.count("error"),
        }


def recorded_judge(runs: Sequence[Run]) -> dict[str, Any] | None:
    """The judge the runs' config.yaml records (the same in every run), or None."""
    found: dict[str, Any] | None = None
    for run in runs:
        judge = load_run_config(RunFolder(run.path)).get("judge")
        if judge is None:
            continue
        if found is not None and judge != found:
            raise ConfigError(f"{run.path}: the runs were judged by different judges; choose one with --judge NAME")
        found = judge
    return found


def judge_config(
    name: str | None, overrides: Sequence[str], config_dirs: Sequence[str], runs: Sequence[Run]
) -> dict[str, Any]:
    """`judge/<name>.yaml` (shipped or in a config folder, as meta-eval's --judge reads it), else
    the judge the runs recorded; then `judge.OPTION=VALUE` overrides (values read as YAML)."""
    from harness.analysis.meta_eval.scoring import parse_override, set_dotted
    from harness.config.judge import load_judge_config

    config = load_judge_config(name, config_dirs) if name else recorded_judge(runs)
    if config is None:
        raise ConfigError("the runs record no judge: choose one with --judge NAME (harness list judges)")
    for text in overrides:
        target, option, value = parse_override(text)
        if target != "judge":
            raise ConfigError(f"--set {text!r}: only the judge's options are set here (judge.OPTION=VALUE)")
        set_dotted(config, option, value)
    return config


def require_two(runs: Sequence[Run]) -> None:
    if len(runs) < 2:
        found = ", ".join(str(r.path) for r in runs) or "none"
        raise InputError(f"pairwise needs at least two finished runs to compare; found {len(runs)}: {found}")


def reference_index(labels: Sequence[str], baseline: str | None) -> int | None:
    if baseline is None:
        return None
    if baseline not in labels:
        raise ConfigError(
            f"--baseline {baseline!r} is not a run label.{suggest(baseline, list(labels))} Labels: {', '.join(labels)}"
        )
    return list(labels).index(baseline)


def outcomes(judged: Sequence[Judged], systems: int) -> Outcomes:
    """The comparisons read (both verdicts), as the statistics take them."""
    read = [j for j in judged if j.score is not None and j.words is not None and j.verdicts is not None]
    index = {d: n for n, d in enumerate(dict.fromkeys(j.planned.doc_id for j in read))}
    labels = [(str(j.verdicts[0].label), str(j.verdicts[1].label)) for j in read if j.verdicts]
    return Outcomes(
        systems,
        np.array([index[j.planned.doc_id] for j in read], dtype=int),
        np.array([j.planned.a for j in read], dtype=int),
        np.array([j.planned.b for j in read], dtype=int),
        np.array([j.score for j in read], dtype=float),
        np.array([j.words[0] - j.words[1] for j in read if j.words], dtype=float),
        np.array([SCORE[f] != 1.0 - SCORE[s] for f, s in labels], dtype=bool),
        np.array([(f == "A") + (s == "A") for f, s in labels], dtype=int),
        np.array([(f != "tie") + (s != "tie") for f, s in labels], dtype=int),
    )


def pairwise(runs: Sequence[Run], judge: Judge, settings: Settings) -> PairwiseResult:
    """Judge the runs' summaries pairwise and analyse the verdicts."""
    from harness.analysis.report import check_data, generations, run_examples

    require_two(runs)
    labels = [r.label for r in runs]
    reference = reference_index(labels, settings.baseline)
    shared = check(runs, [], settings.common_docs, settings.allow_prompts)
    planned = plan(len(runs), shared, settings.pairs_per_doc, settings.max_docs, settings.seed)
    judge.prompt(TASK)  # a broken prompt file fails before the data is read
    check_data(runs)
    examples = run_examples(runs[0])
    summaries = [generations(r) for r in runs]

    def text(system: int, doc_id: str) -> str | None:
        row = summaries[system].get(doc_id) or {}
        bullets = row.get("bullets") or []
        return None if row.get("error") or not bullets else summary_text(bullets)

    asked: list[tuple[int, Pair]] = []
    words: list[tuple[int, int] | None] = []
    for n, p in enumerate(planned):
        a, b = text(p.a, p.doc_id), text(p.b, p.doc_id)
        words.append(None if a is None or b is None else (runs[p.a].words[p.doc_id], runs[p.b].words[p.doc_id]))
        if a is not None and b is not None:
            asked.append((n, Pair(p.doc_id, examples[p.doc_id].source, p.a, p.b, a, b)))
    verdicts: dict[int, tuple[Verdict, Verdict]] = dict(zip((n for n, _ in asked), ask(judge, [q for _, q in asked])))
    judged = [Judged(p, words[n], verdicts.get(n)) for n, p in enumerate(planned)]
    out = outcomes(judged, len(runs))
    analysis = analyse(out, settings.samples, settings.seed, reference) if len(out.y) else None
    record = {**judge.record(), "signature": judge.signature([TASK]), "prompt": judge.prompt(TASK).version}
    documents = list(dict.fromkeys(p.doc_id for p in planned))
    return PairwiseResult(labels, [str(r.path) for r in runs], settings, documents, judged, analysis, record)


def pairs_judged(result: PairwiseResult) -> dict[str, int]:
    """Read comparisons per pair of systems: the least and the most."""
    counts = {pair: 0 for pair in all_pairs(len(result.labels))}
    for j in result.judged:
        if j.score is not None:
            counts[(j.planned.a, j.planned.b)] += 1
    return {"min": min(counts.values()), "max": max(counts.values())}
