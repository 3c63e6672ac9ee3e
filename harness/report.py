"""`harness report DIR... --out report.html`: one self-contained HTML page comparing runs.

It holds the comparison table (see compare.py), its plots (forest, pairwise differences, length
vs score), and a per-document view: the source, the reference, and every model's bullets side by side, each bullet marked with
its support score and the source sentence(s) given as evidence, and each source fact as stated or
missing. No JavaScript and no external files: it opens anywhere and can be archived with a run.
"""

from __future__ import annotations

import argparse
import base64
import html
import os
from pathlib import Path
from typing import Any, Sequence

from harness.compare import Run, add_comparison_options, build, claim, columns, find_runs, plot_files, settings_from
from harness.errors import InputError
from harness.significance import Settings
from harness.tables import PAIR_HEADER, Comparison, cell_text, footnotes, pair_rows
from harness.fileio import atomic_write_text
from harness.records import read_jsonl_rows
from harness.runfolder import CONFIG, GENERATIONS, RunFolder

PAGE_START = "<!doctype html><html>"
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.doc{border-top:2px solid #888;margin-top:24px;padding-top:8px}
.models{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.model{border:1px solid #ddd;border-radius:6px;padding:8px}.model h4{margin:0 0 6px}
li.supported{border-left:4px solid #2a8a3e;padding-left:6px}li.unsupported{border-left:4px solid #c62828;padding-left:6px;background:#fdecea}
.score{font-size:12px;color:#555}.evidence{font-size:12px;color:#555;margin:2px 0 6px 0}
figure{display:inline-block;margin:8px;vertical-align:top}figure img{max-width:100%}
.fact.missing{color:#c62828}.fact.stated{color:#2a8a3e}.meta{font-size:12px;color:#555}
"""


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def run_examples(run: Run) -> dict[str, Any]:
    """The run's examples (source, references, facts) by doc_id, loaded as the run loaded them."""
    return {e.doc_id: e for e in run_data(run).examples}


_loaded: dict[str, Any] = {}  # dataset config -> its data: runs of one sweep share one load


def run_data(run: Run) -> Any:
    import json

    from harness.config import DatasetConfig, parse
    from harness.data import load_examples
    from harness.run import load_run_config, register_resolvers

    register_resolvers()
    dataset = load_run_config(RunFolder(run.path)).get("dataset")
    key = json.dumps(dataset, sort_keys=True, default=str)
    if key not in _loaded:
        _loaded[key] = load_examples(parse(DatasetConfig, dataset, f"{run.path / CONFIG}: dataset"))
    return _loaded[key]


def check_data(runs: Sequence[Run]) -> None:
    """Refuse to show a run next to data it was not scored against (what changed is in the message)."""
    from harness import datacheck

    for run in runs:
        folder = RunFolder(run.path, dict(run.info))
        data = run_data(run)
        diff = datacheck.compare(folder, data, generations(run))
        if diff:
            raise datacheck.refuse(folder, data, diff, f"Re-score it first: harness score {run.path} --rescore-changed-data")


def generations(run: Run) -> dict[str, dict[str, Any]]:
    return {r["doc_id"]: r for r in read_jsonl_rows(run.path / GENERATIONS)}


def comparison_html(comparison: Comparison) -> str:
    """The comparison table (best bold, letters or marks), its notes and the paired tests."""
    head = "".join(f"<th>{esc(h)}</th>" for h in ["model", "n", *(c.key for c in comparison.columns)])
    body = []
    for label in comparison.labels:
        name = f"{label} (baseline)" if label == comparison.settings.baseline else label
        cells = [f"<td>{esc(name)}</td><td>{comparison.docs}</td>"]
        for column in comparison.columns:
            text, bold, mark = cell_text(comparison, column, label)
            cells.append(f"<td>{f'<b>{esc(text)}</b>' if bold else esc(text)}{f' <sup>{esc(mark)}</sup>' if mark else ''}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<li>{esc(n.replace('**', '').replace('`', ''))}</li>" for n in footnotes(comparison))
    out = f"<table><tr>{head}</tr>{''.join(body)}</table><ol class='meta'>{notes}</ol>"
    pairs = pair_rows(comparison)
    if pairs:
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in pairs)
        out += "<details><summary>paired tests (every p-value, Holm-adjusted)</summary><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in PAIR_HEADER) + f"</tr>{rows}</table></details>"
    return out


def plots_html(runs: Sequence[Run], comparison: Comparison) -> str:
    """The comparison plots (forest, pairwise differences, length vs score) as embedded SVG images."""
    figures = []
    for name, svg in plot_files(runs, comparison).items():
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        figures.append(f"<figure><img alt='{esc(name)}' src='data:image/svg+xml;base64,{data}'><figcaption>{esc(name[:-4])}</figcaption></figure>")
    return "".join(figures)


def bullet_items(gen: dict[str, Any], scores: dict[str, Any]) -> str:
    """The model's bullets, annotated by the first metric whose details judge bullets."""
    details = scores.get("details", {})
    judged = next(((name, d) for name, d in details.items() if isinstance(d, dict) and "bullets" in d), None)
    items = []
    for i, bullet in enumerate(gen.get("bullets") or []):
        if judged and i < len(judged[1]["bullets"]):
            verdict = judged[1]["bullets"][i]
            status = "supported" if verdict.get("supported") else "unsupported"
            evidence = "".join(f"<div class='evidence'>↳ {esc(e)}</div>" for e in verdict.get("evidence") or [])
            items.append(f"<li class='{status}'>{esc(bullet)} <span class='score'>{esc(judged[0])} {esc(verdict.get('score'))}</span>{evidence}</li>")
        else:
            items.append(f"<li>{esc(bullet)}</li>")
    if gen.get("error"):
        items.append(f"<li class='unsupported'>generation failed: {esc(gen['error'])}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def fact_items(scores: dict[str, Any]) -> str:
    facts = (scores.get("details", {}).get("facts") or {}).get("facts")
    if not facts:
        return ""
    rows = "".join(f"<li class='fact {'stated' if f.get('stated') else 'missing'}'>{'✓' if f.get('stated') else '✗'} {esc(f.get('fact'))}</li>" for f in facts)
    return f"<details><summary>source facts</summary><ul>{rows}</ul></details>"


def document_section(doc_id: str, example: Any, runs: Sequence[Run], gens: list[dict[str, dict[str, Any]]], keys: Sequence[str]) -> str:
    out = [f"<section class='doc' id='{esc(doc_id)}'><h3>{esc(doc_id)}</h3>"]
    if example is not None:
        out.append(f"<details><summary>source ({len(example.source.split())} words)</summary><p>{esc(example.source)}</p></details>")
        for ref in example.references[:3]:
            out.append("<div class='meta'>reference:</div><ul>" + "".join(f"<li>{esc(b)}</li>" for b in ref.splitlines() if b.strip()) + "</ul>")
    out.append("<div class='models'>")
    for run, gen in zip(runs, gens):
        if doc_id not in gen:
            continue
        scores = run.scores.get(doc_id, {})
        values = " · ".join(f"{k} {scores[k]:.3f}" for k in keys if isinstance(scores.get(k), (int, float)))
        out.append(f"<div class='model'><h4>{esc(run.label)}</h4>{bullet_items(gen[doc_id], scores)}{fact_items(scores)}<div class='meta'>{esc(values)}</div></div>")
    out.append("</div></section>")
    return "".join(out)


def render(runs: Sequence[Run], max_docs: int | None = None, settings: Settings | None = None, common_docs: bool = False, allow_prompts: bool = False) -> str:
    keys = columns(runs, None, False)
    comparison = build(runs, keys, settings or Settings(), common_docs, allow_prompts)
    check_data(runs)  # comparable runs, each still matching the data it was scored against
    examples = run_examples(runs[0])
    gens = [generations(r) for r in runs]
    doc_ids = list(dict.fromkeys(d for g in gens for d in g))[: max_docs or None]
    docs = "".join(document_section(d, examples.get(d), runs, gens, keys) for d in doc_ids)
    return (
        f"{PAGE_START}<head><meta charset='utf-8'><title>harness report</title><style>{STYLE}</style></head><body>"
        f"<h1>harness report</h1><p class='meta'>{len(runs)} runs · {len(doc_ids)} documents shown</p>"
        f"<h2>Comparison</h2>{comparison_html(comparison)}"
        f"<h2>Plots</h2>{plots_html(runs, comparison)}<h2>Documents</h2>{docs}</body></html>"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness report", description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="run folders or sweep folders")
    parser.add_argument("--out", type=Path, help="HTML file (default: report.html in the folders' common parent); an existing "
                        "file is kept and the report gets a numbered name (report-1.html) unless --force")
    parser.add_argument("--force", action="store_true", help="replace an existing report file")
    parser.add_argument("--max-docs", type=int, default=None, help="show only the first N documents")
    add_comparison_options(parser)
    args = parser.parse_args(argv)
    runs = find_runs(args.dirs)
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs])) / "report.html"
    if out.is_dir():
        raise InputError(f"--out {out}: a folder; name the HTML file to write")
    page = render(runs, args.max_docs, settings_from(args), args.common_docs, args.allow_different_prompts)
    out.parent.mkdir(parents=True, exist_ok=True)
    print(f"wrote {write_page(out, page, args.force)}")
    return 0


def write_page(out: Path, page: str, force: bool) -> Path:
    """The page at `out`, or at the first free numbered name (report-1.html) unless `force`."""
    if force:
        atomic_write_text(out, page)
        return out
    for n in range(10_000):
        candidate = out if n == 0 else out.with_name(f"{out.stem}-{n}{out.suffix}")
        if claim(candidate.parent, [candidate.name], [page]):
            return candidate
    raise FileExistsError(f"{out}: no free numbered name")
