"""`harness report DIR... --out report.html`: one offline HTML page to inspect and compare runs.

The page holds the comparison (compare.py's table with significance letters and CIs, sortable;
forest plots on a shared axis, pairwise differences, length vs score) and every document: the
source split into sentences, all references, each model's bullets with their support and
evidence (highlighted in the source, matching words marked), the facts each model states or
misses, and what the bullet parser set aside. When an LLM judge checked the bullets
(`support_judge`) each bullet also shows its verdict, error category, reason, quoted evidence and
P(supported) with the method; judge-extracted key facts show their provenance and the bullets
stating each (and the bullets stating none); the overview shows each run's judge cost.
Documents are searched, sorted and filtered by any per-document metric, by disagreement between
two models or two metrics, and by unsupported bullets; `#doc=<id>` links to one.

The file makes no network request: the data is one JSON block (HTML-escaped, so no value can
close it), read by one script (resources/dom.js's helpers, then report.js) that builds the page with text nodes only;
a Content-Security-Policy allows exactly that script and style (by hash) and data: images.
The command line (options, printing) is harness/cli/report.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from harness.analysis import cost, judge_usage
from harness.analysis.annotate import SCRIPTS, STYLES, AnnotateOptions, page_data
from harness.analysis.compare import build, columns, plot_set
from harness.analysis.pairwise.ranking import TITLE, Ranking, ranking_cells
from harness.analysis.runs import Run
from harness.analysis.significance import Settings
from harness.analysis.tables import PAIR_HEADER, Comparison, _no_nan, cell_text, footnotes, pair_rows
from harness.fileio import atomic_write_text, create_unique_text
from harness.metrics.facts_detail import FactsDetail
from harness.run.folder import GENERATIONS, RunFolder
from harness.run.record import read_generations
from harness.run.resolvers import load_run_config, load_run_data

PAGE_START = "<!doctype html><html lang='en'>"
SET_ASIDE = ("preamble", "outro", "headings", "sub_points", "reasoning")


def run_examples(run: Run) -> dict[str, Any]:
    """The run's examples (source, references, facts) by doc_id, loaded as the run loaded them."""
    return {e.doc_id: e for e in run_data(run).examples}


_loaded: dict[str, Any] = {}  # dataset config -> its data: runs of one sweep share one load


def run_data(run: Run) -> Any:
    folder = RunFolder(run.path)
    config = load_run_config(folder)
    key = json.dumps(config.get("dataset"), sort_keys=True, default=str)
    if key not in _loaded:
        _loaded[key] = load_run_data(folder, config)[1]
    return _loaded[key]


def check_data(runs: Sequence[Run]) -> None:
    """Refuse to show a run next to data it was not scored against (what changed is in the message)."""
    from harness.run import datacheck

    for run in runs:
        folder = RunFolder(run.path, dict(run.info))
        data = run_data(run)
        diff = datacheck.compare(folder, data, generations(run))
        if diff:
            raise datacheck.refuse(
                folder, data, diff, f"Re-score it first: harness score {run.path} --rescore-changed-data"
            )


def generations(run: Run) -> dict[str, dict[str, Any]]:
    """doc_id -> the run's generations.jsonl row (as `load_run` read it, else read now)."""
    rows = run.record.generations if run.record is not None else read_generations(run.path / GENERATIONS)
    return {g.doc_id: g.to_json() for g in rows}


# ---- the payload ----


def ranking_data(ranking: Ranking) -> dict[str, Any]:
    """The pairwise ranking's section: text cells as `harness compare` shows them, where they come
    from, and the notes on pairwise results left out."""
    header, rows = ranking_cells(ranking.rows)
    source = f"from {ranking.source}" if ranking.source is not None else ""
    return {"title": TITLE, "header": header, "rows": rows, "source": source, "notes": ranking.notes}


def comparison_data(comparison: Comparison) -> dict[str, Any]:
    """The comparison table as text cells (formatted as `harness compare` does) with the raw means to sort by."""
    judge_header, judge_rows = judge_usage.table(comparison.labels, comparison.judges)
    cost_header, cost_rows = comparison.cost_table()
    rows = []
    for label in comparison.labels:
        cells = []
        for column in comparison.columns:
            text, bold, mark = cell_text(comparison, column, label)
            cell = column.cell(label)
            cells.append({"text": text, "best": bold, "mark": mark, "mean": cell.mean if cell else None})
        rows.append({"label": label, "baseline": label == comparison.settings.baseline, "cells": cells})
    return {
        "documents": comparison.docs,
        "columns": [{"key": c.key, "higher_is_better": c.higher_is_better} for c in comparison.columns],
        "rows": rows,
        "notes": footnotes(comparison, markup=False),
        "pairs": {"header": PAIR_HEADER, "rows": pair_rows(comparison)},
        "judge": {"header": judge_header, "rows": judge_rows, "note": judge_usage.NOTE},
        "cost": {"header": cost_header, "rows": cost_rows, "note": cost.NOTE},
    }


def judged_metric(runs: Sequence[Run]) -> str | None:
    """The metric whose per-bullet verdicts the page shows: `support` when scored, else the first with verdicts."""
    names: list[str] = []
    for run in runs:
        for row in run.scores.values():
            for name, detail in (row.get("details") or {}).items():
                if isinstance(detail, dict) and isinstance(detail.get("bullets"), list) and name not in names:
                    names.append(name)
    return "support" if "support" in names else (names[0] if names else None)


@lru_cache(maxsize=4096)
def source_sentences(source: str) -> tuple[str, ...]:
    """The source as the support metrics split it, so evidence indices point at these sentences."""
    from harness.metrics.lexical import Passage

    return tuple(Passage.from_text(source).sentences)


def evidence_indices(verdict: dict[str, Any], sentences: Sequence[str]) -> list[int]:
    """Recorded indices when they point at the recorded evidence text, else (older scores, metrics
    whose premises are not single sentences) the sentences equal to the evidence text."""
    index, texts = verdict.get("evidence_index"), verdict.get("evidence")
    if isinstance(index, list) and all(isinstance(i, int) and 0 <= i < len(sentences) for i in index):
        if not isinstance(texts, list) or [sentences[i] for i in index] == texts:
            return index
    position = {s: i for i, s in enumerate(sentences)}
    return [position[e] for e in verdict.get("evidence") or [] if isinstance(e, str) and e in position]


JUDGE_METRIC = "support_judge"  # the per-bullet fact check whose verdicts, categories and reasons are shown
JUDGE_TEXT = ("verdict", "category", "reason", "method", "error", "reply")


def judge_note(verdict: dict[str, Any], sentences: Sequence[str], quotes: bool) -> dict[str, Any]:
    """What the judge said of one bullet (support_judge's details); with `quotes`, its evidence
    as [quoted text, source sentence index or None] (when the bullet's own evidence is another metric's)."""
    note: dict[str, Any] = {k: verdict[k] for k in JUDGE_TEXT if isinstance(verdict.get(k), str)}
    p = number(verdict.get("p_supported"))
    if p is not None:
        note["p_supported"] = p
    if quotes:
        position = {s: i for i, s in enumerate(sentences)}
        note["quotes"] = [
            [q, position.get(q, _clipped_quote_position(q, sentences))]
            for q in verdict.get("evidence") or []
            if isinstance(q, str)
        ]
    return note


def _clipped_quote_position(quote: str, sentences: Sequence[str]) -> int | None:
    """A quote support_judge clipped ("…" at MAX_TEXT_CHARS) points at the sentence it opens."""
    if not quote.endswith("…"):
        return None
    head = quote[:-1]
    return next((i for i, s in enumerate(sentences) if len(s) > len(head) and s.startswith(head)), None)


def fact_view(detail: FactsDetail | None, n_bullets: int) -> tuple[list[list[Any]], dict[str, Any]]:
    """([fact, stated] pairs, the rest shown beside them: provenance, method, threshold, which
    bullets state each fact, which bullets state none) from a document's `facts` details."""
    if detail is None:
        return [], {}
    pairs = [[f.fact, bool(f.stated)] for f in detail.facts]
    extra: dict[str, Any] = {
        k: v for k, v in (("provenance", detail.provenance), ("method", detail.method)) if v is not None
    }
    if detail.problem is not None:  # the facts could not be extracted or aligned: none checked
        extra["facts_problem"] = detail.problem
    threshold = number(detail.threshold)
    if threshold is not None:
        extra["threshold"] = threshold
    if any(f.bullets is not None for f in detail.facts):
        extra["fact_bullets"] = [[i for i in f.bullets or () if 0 <= i < n_bullets] for f in detail.facts]
    if detail.bullet_has_fact is not None:
        extra["no_fact"] = [i for i, flag in enumerate(detail.bullet_has_fact[:n_bullets]) if flag is False]
    return pairs, extra


def model_entry(
    gen: dict[str, Any],
    scores: dict[str, Any],
    judged: str | None,
    sentences: Sequence[str],
    doc_facts: Sequence[str] = (),
) -> dict[str, Any]:
    """One model's view of one document: bullets with verdicts (and the judge's word on each),
    facts, what the parser set aside."""
    details = scores.get("details") or {}
    verdicts = (details.get(judged) or {}).get("bullets") if judged else None
    verdicts = verdicts if isinstance(verdicts, list) else []
    judge = details.get(JUDGE_METRIC)
    notes: list[Any] = judge["bullets"] if isinstance(judge, dict) and isinstance(judge.get("bullets"), list) else []
    bullets = []
    for i, text in enumerate(gen.get("bullets") or []):
        v = verdicts[i] if i < len(verdicts) and isinstance(verdicts[i], dict) else None
        bullet: dict[str, Any] = {"text": text}
        if v is not None:
            ev = evidence_indices(v, sentences)
            matched = (
                v.get("matched")
                if isinstance(v.get("matched"), list) and len(v["matched"]) == len(ev)
                else [[] for _ in ev]
            )
            # supported null: no verdict (the judge's request failed or its reply was unreadable)
            supported = None if v.get("supported") is None else bool(v["supported"])
            bullet.update(score=v.get("score"), supported=supported, evidence=ev, matched=matched)
            if not ev:  # evidence that is not a source sentence (a judge's quote): shown as given
                bullet["evidence_text"] = [e for e in v.get("evidence") or [] if isinstance(e, str)]
        if i < len(notes) and isinstance(notes[i], dict):
            bullet["judge"] = judge_note(notes[i], sentences, quotes=judged != JUDGE_METRIC)
        bullets.append(bullet)
    pairs, fact_extra = fact_view(FactsDetail.from_json(details.get("facts")), len(bullets))
    entry: dict[str, Any] = {"bullets": bullets, "aside": {k: gen[k] for k in SET_ASIDE if gen.get(k)}}
    if [f for f, _ in pairs] == list(doc_facts):  # the document's facts: one flag each (their text is stored once)
        entry["stated"] = [stated for _, stated in pairs]
    else:
        entry["facts"] = pairs
    entry.update(fact_extra)
    for key in ("error", "style", "unfinished", "bullets_requested"):
        if gen.get(key) is not None and gen.get(key) != "":
            entry[key] = gen[key]
    return entry


def number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value else None


def payload(
    runs: Sequence[Run], comparison: Comparison, max_docs: int | None = None, ranking: Ranking | None = None
) -> dict[str, Any]:
    """Everything the page shows, as one JSON-ready dict."""
    fields = columns(runs, None, True)
    headline = set(columns(runs, None, False))
    judged = judged_metric(runs)
    examples = run_examples(runs[0])
    gens = [generations(r) for r in runs]
    doc_ids = list(dict.fromkeys(d for g in gens for d in g))[: max_docs or None]
    docs = []
    for doc_id in doc_ids:
        example = examples.get(doc_id)
        sentences = source_sentences(example.source) if example is not None else ()
        facts = tuple(example.facts) if example is not None else ()
        values, models = [], []
        for run, gen in zip(runs, gens):
            row = run.scores.get(doc_id) or {}
            values.append([number(row.get(k)) for k in fields])
            models.append(model_entry(gen[doc_id], row, judged, sentences, facts) if doc_id in gen else None)
        docs.append(
            {
                "id": doc_id,
                "source": list(sentences),
                "references": list(example.references) if example else [],
                "facts": list(facts),
                "values": values,
                "models": models,
            }
        )
    directions = {k: next((r.fields[k].get("higher_is_better") for r in runs if k in r.fields), None) for k in fields}
    return _no_nan(
        {
            "runs": [{"label": r.label, "path": str(r.path), "documents": len(r.doc_ids)} for r in runs],
            "fields": [{"key": k, "higher_is_better": directions[k], "headline": k in headline} for k in fields],
            "judged": judged,
            "comparison": comparison_data(comparison),
            "ranking": ranking_data(ranking or Ranking()),
            "plots": [
                {"name": name[:-4], "caption": plot.caption, "svg": plot.svg}
                for name, plot in plot_set(runs, comparison).items()
            ],  # shown as data: images
            "docs": docs,
        }
    )


# ---- the page ----

REPORT_SCRIPTS = ("dom.js", "report.js")  # the page's one script, in this order (dom.js: shared with annotate.js)


def resource(name: str) -> str:
    return (resources.files("harness") / "resources" / name).read_text(encoding="utf-8")


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def escape_json(text: str) -> str:
    """&, <, > and ' as HTML entities (what html.escape does, but JSON's many double quotes stay,
    keeping the file small): in the data block no tag can open or close."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#x27;")


def page(data: dict[str, Any], scripts: Sequence[str] = REPORT_SCRIPTS, styles: Sequence[str] = ("report.css",)) -> str:
    """The HTML file: CSP, style, the data block and the script (resource files joined in order).
    The JSON is HTML-escaped (no `<` survives, so nothing in it can end the block); the script unescapes it."""
    script, style = "".join(map(resource, scripts)), "".join(map(resource, styles))
    policy = (
        f"default-src 'none'; script-src {csp_hash(script)}; style-src {csp_hash(style)}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    blob = escape_json(json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False))
    return (
        f"{PAGE_START}<head><meta charset='utf-8'><meta http-equiv='Content-Security-Policy' content=\"{policy}\">"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>harness report</title>"
        f"<style>{style}</style></head><body><noscript>This report needs JavaScript to show its data.</noscript>"
        f"<main id='app'></main>"
        f"<script type='application/json' id='report-data'>{blob}</script><script>{script}</script></body></html>\n"
    )


def render(
    runs: Sequence[Run],
    max_docs: int | None = None,
    settings: Settings | None = None,
    common_docs: bool = False,
    allow_prompts: bool = False,
    annotate: AnnotateOptions | None = None,
    cost: bool = False,
    ranking: Ranking | None = None,
) -> str:
    """The page (with `annotate`, the annotation page); runs that are not comparable, or were
    scored against other data, are refused first. `ranking`: the pairwise ranking's section."""
    comparison = build(runs, columns(runs, None, False), settings or Settings(), common_docs, allow_prompts, cost)
    check_data(runs)
    data = payload(runs, comparison, max_docs, ranking)
    if annotate is not None:
        return page(page_data(runs, data, annotate), SCRIPTS, STYLES)
    return page(data)


def write_page(out: Path, page: str, force: bool) -> Path:
    """The page at `out`, or at the first free numbered name (report-1.html) unless `force`."""
    if force:
        atomic_write_text(out, page)
        return out
    return create_unique_text(out, page)
