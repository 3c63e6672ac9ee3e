"""Can these runs be compared? Same dataset (fingerprint and document ids), same prompt, the
same score-affecting settings of each metric shown, and, for `facts`, the same key facts on every
shared document (facts a judge extracted may differ between runs with the same settings: another
cache, another day's answer). A mismatch is refused with a table of what differs; `--common-docs`
compares runs over overlapping datasets on the documents they share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError
from harness.metrics.facts_detail import FactsDetail, facts_hash

if TYPE_CHECKING:
    from harness.analysis.runs import Run

# Options that change how a metric runs, not its numbers: left out of the comparison signature.
UNSCORED_OPTIONS = frozenset({"workers", "implementation", "batch_size", "device", "cache_dir", "harness"})


class NotComparable(HarnessError):
    """The runs differ in something that changes their scores."""


@dataclass
class Difference:
    aspect: str
    values: list[str]  # one per run


def score_signature(signature: str | None) -> str:
    """The part of a metric signature (`name|key:value|...|harness:version`) that affects scores:
    worker counts, devices, implementation switches and the harness version left out."""
    if not signature:
        return "(not recorded)"
    parts = signature.split("|")
    kept = [p for p in parts[1:] if p.partition(":")[0] not in UNSCORED_OPTIONS]
    return "|".join([parts[0], *kept])


def family_signatures(run: Run, keys: Sequence[str]) -> dict[str, str]:
    """Score signature of each metric family among `keys` that the run has."""
    out: dict[str, str] = {}
    for key in keys:
        meta = run.fields.get(key)
        if meta is not None:
            out.setdefault(key.split("/", 1)[0], score_signature(meta.get("signature")))
    return out


def _dataset(run: Run) -> str:
    data: dict[str, Any] = run.info.get("dataset") or {}
    return f"{data.get('name', '?')} ({data.get('fingerprint') or 'no fingerprint'})"


def _prompt(run: Run) -> str:
    prompt: dict[str, Any] = run.info.get("prompt") or {}
    return f"{prompt.get('name', '?')} ({prompt.get('hash') or 'no hash'})"


def prompt_is_chosen(run: Run) -> bool:
    """The run's own overrides chose its prompt (a sweep over prompts compares prompts on purpose)."""
    return any(o.lstrip("+~").split("=", 1)[0].split(".", 1)[0] == "prompt" for o in run.info.get("overrides") or [])


def facts_metrics(runs: Sequence[Run], keys: Sequence[str]) -> list[str]:
    """The config names of the `facts` metrics among `keys` (by the family its signature names)."""
    names: dict[str, None] = {}
    for key in keys:
        for run in runs:
            meta = run.fields.get(key)
            if meta is not None and str(meta.get("signature") or "").partition("|")[0] == "facts":
                names[key.split("/", 1)[0]] = None
    return list(names)


def document_facts(run: Run, name: str, doc_id: str) -> tuple[tuple[str, ...], str] | None:
    """(key facts, provenance) of one document as the run's `name` metric recorded them in
    scores.jsonl; None when it recorded none (no facts, or the judge gave none)."""
    details = (run.scores.get(doc_id) or {}).get("details")
    detail = FactsDetail.from_json(details.get(name) if isinstance(details, dict) else None)
    facts = detail.texts() if detail is not None else ()
    return (facts, detail.provenance or "dataset") if detail is not None and facts else None


def facts_differences(runs: Sequence[Run], keys: Sequence[str]) -> list[Difference]:
    """Per `facts` metric compared: the runs' key facts on the documents all of them scored must
    be the same (recall against other facts is another measurement)."""
    shared = [d for d in runs[0].scores if all(d in r.scores for r in runs[1:])]
    out = []
    for name in facts_metrics(runs, keys):
        differ = []
        for doc_id in shared:
            found = [document_facts(r, name, doc_id) for r in runs]
            if len({f[0] for f in found if f is not None}) > 1:
                differ.append((doc_id, found))
        if not differ:
            continue
        first, found = differ[0]
        values = []
        for k, facts in enumerate(found):
            provenances = sorted({entry[1] for _, fs in differ if (entry := fs[k]) is not None})
            shown = f"{len(facts[0])} facts, hash {facts_hash(facts[0])}" if facts else "none"
            values.append(f"{', '.join(provenances) or 'none'}; {first}: {shown}")
        out.append(Difference(f"key facts of {name} ({len(differ)} of {len(shared)} shared documents differ)", values))
    return out


def differences(runs: Sequence[Run], keys: Sequence[str]) -> tuple[list[Difference], list[Difference]]:
    """(data differences, setting differences) between the runs; empty lists: comparable."""
    data: list[Difference] = []
    settings: list[Difference] = []
    datasets = [_dataset(r) for r in runs]
    if len(set(datasets)) > 1:
        data.append(Difference("dataset (fingerprint)", datasets))
    doc_sets = [frozenset(r.doc_ids) for r in runs]
    if len(set(doc_sets)) > 1:
        common = frozenset.intersection(*doc_sets)
        data.append(Difference("documents", [f"{len(s)} ({len(s - common)} not in all runs)" for s in doc_sets]))
    prompts = [_prompt(r) for r in runs]
    if len(set(prompts)) > 1:
        settings.append(Difference("prompt", prompts))
    signatures = [family_signatures(r, keys) for r in runs]
    for family in dict.fromkeys(f for s in signatures for f in s):
        values = [s.get(family, "(not scored)") for s in signatures]
        present = {v for v in values if v != "(not scored)"}
        if len(present) > 1:
            settings.append(Difference(f"metric {family}", values))
    settings += facts_differences(runs, keys)
    return data, settings


def difference_table(labels: Sequence[str], rows: Sequence[Difference]) -> str:
    lines = ["| | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]
    lines += [f"| {d.aspect} | " + " | ".join(v.replace("|", "\\|") for v in d.values) + " |" for d in rows]
    return "\n".join(lines)


def check(
    runs: Sequence[Run], keys: Sequence[str], common_docs: bool = False, allow_prompts: bool = False
) -> list[str]:
    """The document ids to compare on; raises NotComparable with a table of what differs."""
    data, settings = differences(runs, keys)
    if any(d.aspect == "prompt" for d in settings) and (allow_prompts or all(prompt_is_chosen(r) for r in runs)):
        settings = [d for d in settings if d.aspect != "prompt"]
    labels = [r.label for r in runs]
    common = [d for d in runs[0].doc_ids if all(d in r.doc_ids for r in runs[1:])]
    if settings or (data and not common_docs):
        hints = []
        if data and common:
            hints.append(f"--common-docs compares on the {len(common)} documents all runs share")
        elif data:
            hints.append("none: the runs share no document (run the models on the same dataset)")
        if any(d.aspect.startswith("metric ") for d in settings):
            hints.append("--fields leaves out a metric whose settings differ (or re-score with `harness score`)")
        if any(d.aspect.startswith("key facts ") for d in settings):
            hints.append(
                "score every run against the same key facts (the same dataset.facts_field, or the same judge and "
                "cache_dir: its cache gives every run the facts it extracted first; `harness score RUN` re-scores), "
                "or leave facts out with --fields"
            )
        if any(d.aspect == "prompt" for d in settings):
            hints.append("--allow-different-prompts when the prompt is what you compare")
        raise NotComparable(
            "these runs are not comparable; their scores differ for reasons other than the model:\n\n"
            + difference_table(labels, data + settings)
            + ("\n\nOptions: " + "; ".join(hints) if hints else "")
        )
    if not common:
        raise NotComparable("these runs share no document:\n\n" + difference_table(labels, data))
    return common
