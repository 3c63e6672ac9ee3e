"""`harness compare DIR...`: one table of runs (rows) x metric means with 95% CIs (columns).

Runs must be comparable (same dataset, prompt and score-affecting metric settings; see
comparability.py). Every number of a column is computed on the documents all runs scored; the
best run is bold; paired approximate-randomization tests, Holm-corrected, give significance
letters (all pairs) or marks against `--baseline`. `--fail-if-worse METRIC[:MARGIN]` makes the
command a gate for CI pipelines (exit 1). Tables in Markdown, CSV, JSON and LaTeX, plots in SVG.
The command line (options, printing) is harness/cli/compare.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.analysis.comparability import check
from harness.analysis.gate import gate, parse_gate
from harness.analysis.pairwise.ranking import Ranking, ranking_records
from harness.analysis.runs import Run
from harness.analysis.significance import Settings, analyse
from harness.analysis.tables import Comparison, latex, markdown, run_records, test_records, to_csv, to_json
from harness.errors import ConfigError, InputError
from harness.fileio import atomic_write_set, check_output_folder, make_dirs, remove, write_numbered_set
from harness.registry import suggest

STEM = "comparison"


def columns(runs: Sequence[Run], fields: Sequence[str] | None, show_all: bool) -> list[str]:
    known = list(dict.fromkeys(k for r in runs for k in r.fields))
    if fields:
        for key in fields:
            if key not in known:
                raise InputError(f"no run has the field '{key}'.{suggest(key, known)} Fields: {', '.join(known)}")
        return list(fields)
    return [k for k in known if show_all or any(r.fields.get(k, {}).get("headline") for r in runs)]


def build(
    runs: Sequence[Run],
    keys: Sequence[str],
    settings: Settings,
    common_docs: bool = False,
    allow_prompts: bool = False,
    cost: bool = False,
) -> Comparison:
    """Check the runs are comparable, then analyse every column on the shared documents. The
    cost table is shown with `cost`, or when a run's model has a price (a free baseline's aside)."""
    if settings.baseline is not None and settings.baseline not in [r.label for r in runs]:
        labels = [r.label for r in runs]
        raise ConfigError(
            f"--baseline {settings.baseline!r} is not a run label.{suggest(settings.baseline, labels)} Labels: {', '.join(labels)}"
        )
    docs = check(runs, keys, common_docs, allow_prompts)
    analysed = analyse(runs, keys, docs, settings)
    differ = len({frozenset(r.doc_ids) for r in runs}) > 1
    return Comparison(
        [r.label for r in runs],
        [str(r.path) for r in runs],
        [len(r.doc_ids) for r in runs],
        len(docs),
        common_docs and differ,
        analysed,
        settings,
        docs,
        [r.judge for r in runs],
        [r.cost for r in runs],
        cost or any(r.cost is not None and r.cost.price is not None and not r.cost.price.free for r in runs),
    )


# ---- output files ----


def check_out_dir(out_dir: Path) -> None:
    check_output_folder(out_dir)


def output_names(stem: str, ranking: Ranking | None = None) -> list[str]:
    ranked = [f"{stem}_ranking.csv"] if ranking is not None and ranking.rows else []
    return [f"{stem}.md", f"{stem}.csv", f"{stem}_tests.csv", *ranked, f"{stem}.tex", f"{stem}.json"]


def write_outputs(
    out_dir: Path,
    runs: Sequence[Run],
    comparison: Comparison,
    text: str,
    gate_results: Sequence[dict[str, Any]],
    plots: bool,
    force: bool = False,
    ranking: Ranking | None = None,
) -> list[Path]:
    """Tables (and a folder of plots) under one stem, whole or not at all; an existing comparison
    is never replaced unless `force`: the new one takes the first free numbered stem (comparison-1.md, ...)."""
    check_out_dir(out_dir)
    svgs = plot_files(runs, comparison) if plots else {}

    def tables(stem: str) -> dict[str, str]:
        names = output_names(stem, ranking)
        ranked = [to_csv(ranking_records(ranking.rows))] if ranking is not None and ranking.rows else []
        contents = [
            text,
            to_csv(run_records(comparison)),
            to_csv(test_records(comparison)),
            *ranked,
            latex_text(comparison, ranking),
            json_text(comparison, gate_results, [*names, *([f"{stem}_plots"] if svgs else [])], ranking),
        ]
        return dict(zip(names, contents))

    stem, written = write_numbered_set(
        out_dir, STEM, tables, force, taken=lambda stem: bool(svgs) and (out_dir / f"{stem}_plots").exists()
    )
    if not svgs:
        return written
    plot_dir = out_dir / f"{stem}_plots"
    try:
        make_dirs(plot_dir)
        atomic_write_set({plot_dir / name: [svg] for name, svg in svgs.items()})
    except BaseException:
        if not force:  # the tables name the plots: a comparison without them is not left behind
            remove(written)
        raise
    return [*written, plot_dir]


def json_text(
    comparison: Comparison,
    gate_results: Sequence[dict[str, Any]],
    files: Sequence[str] = (),
    ranking: Ranking | None = None,
) -> str:
    """comparison.json's text (`files`: the files written beside it; `ranking`: the pairwise
    ranking of these runs, or why a pairwise result was left out)."""
    record = {"tool": "harness compare", "files": list(files), **to_json(comparison, gate_results)}
    if ranking is not None and ranking.record() is not None:
        record["ranking"] = ranking.record()
    return json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n"


def latex_text(comparison: Comparison, ranking: Ranking | None) -> str:
    """comparison.tex: the comparison's tables, then the pairwise ranking's when there is one."""
    return latex(comparison) + "".join(line + "\n" for line in (ranking or Ranking()).latex())


FORMATS = ("md", "csv", "json", "latex")  # `harness compare --format`: printed to stdout


def formatted(compared: Compared, fmt: str) -> str:
    """The comparison in one of FORMATS, as the file of that format holds it (CSV: one row per run)."""
    comparison = compared.comparison
    if fmt == "md":
        return compared.text
    if fmt == "csv":
        return to_csv(run_records(comparison))
    if fmt == "json":
        return json_text(comparison, compared.gate_results, ranking=compared.ranking)
    if fmt == "latex":
        return latex_text(comparison, compared.ranking)
    raise ConfigError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")


def plot_name(kind: str, key: str) -> str:
    return f"{kind}_{key.replace('/', '_')}.svg"


@dataclass(frozen=True)
class Plot:
    svg: str
    caption: str  # what the plot shows, in words (the report's figure caption)


def plot_set(runs: Sequence[Run], comparison: Comparison) -> dict[str, Plot]:
    """The plots by file name: forest and length-vs-score per directional metric, the pairs
    heatmap when tested, quality vs cost (Pareto) when two or more runs have a cost. A plot with
    nothing to draw is left out."""
    from harness.analysis import plots

    docs = comparison.doc_ids
    priced = [
        (label, c.per_1000, c.currency or "")
        for label, c in zip(comparison.labels, comparison.costs)
        if c is not None and c.per_1000 is not None
    ]
    out: dict[str, Plot] = {}
    for column in comparison.columns:
        if column.descriptive or column.n == 0:
            continue
        key = column.key
        drawn: list[tuple[str, str | None, str]] = [
            (
                "forest",
                plots.forest(column, comparison.settings.baseline),
                f"{key}: each model's mean and 95% CI, best first.",
            ),
        ]
        if column.tests:
            drawn.append(
                (
                    "pairs",
                    plots.heatmap(column),
                    f"{key}: the difference between every two models, significant ones starred.",
                )
            )
        drawn.append(
            (
                "length",
                plots.length_vs_score(runs, key, docs),
                f"{key} against summary length: does the metric reward longer summaries?",
            )
        )
        if len(priced) > 1:
            drawn.append(
                (
                    "pareto",
                    plots.pareto(column, priced),
                    f"{key} against the cost of 1,000 summaries: hollow points are dominated (another model is as cheap and as good).",
                )
            )
        out.update({plot_name(kind, key): Plot(svg, caption) for kind, svg, caption in drawn if svg is not None})
    return out


def plot_files(runs: Sequence[Run], comparison: Comparison) -> dict[str, str]:
    """SVG plots by file name (`plot_set`'s)."""
    return {name: plot.svg for name, plot in plot_set(runs, comparison).items()}


@dataclass
class Compared:
    """What `harness compare` shows: the table (Markdown, with the pairwise ranking), the gate's verdicts."""

    runs: list[Run]
    comparison: Comparison
    text: str
    gate_results: list[dict[str, Any]]
    ranking: Ranking = field(default_factory=Ranking)


@dataclass(frozen=True)
class CompareOptions:
    """What a comparison shows and how it tests: `harness compare`'s options (harness/cli/compare.py),
    `harness.api.compare`'s arguments; a sweep's table and `harness run`'s take the defaults. A
    gate (`fail_if_worse`, METRIC[:MARGIN]) with a bad margin is refused here, before any run is read."""

    fields: Sequence[str] | None = None  # --fields (None: each metric's headline fields)
    show_all: bool = False  # --all: every field
    settings: Settings = field(default_factory=Settings)  # --samples, --alpha, --baseline, --family
    common_docs: bool = False  # --common-docs
    allow_prompts: bool = False  # --allow-different-prompts
    fail_if_worse: Sequence[str] = ()  # --fail-if-worse
    cost: bool = False  # --cost: the cost table even when no run has a price

    def __post_init__(self) -> None:
        for spec in self.fail_if_worse:
            parse_gate(spec)


def compare_runs(
    runs: Sequence[Run],
    options: CompareOptions | None = None,
    unfinished: Sequence[str] = (),
    ranking: Ranking | None = None,
) -> Compared:
    """The comparison of finished runs (from `scan`); `unfinished` runs fail a gate; `ranking`
    (pairwise/ranking.py `for_runs`) is shown under the tables."""
    o = options or CompareOptions()
    keys = columns(runs, o.fields, o.show_all)
    for spec in o.fail_if_worse:  # a gated field is compared even when not shown by default
        key = parse_gate(spec)[0]
        if key not in keys and any(key in r.fields for r in runs):
            keys.append(key)
    comparison = build(runs, keys, o.settings, o.common_docs, o.allow_prompts, o.cost)
    gate_results = gate(runs, comparison, o.fail_if_worse, unfinished) if o.fail_if_worse else []
    ranking = ranking or Ranking()
    text = markdown(comparison) + "".join(line + "\n" for line in ranking.markdown())
    return Compared(list(runs), comparison, text, gate_results, ranking)
