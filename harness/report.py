"""`harness report DIR... --out report.html`: one self-contained HTML page comparing runs.

It holds the comparison table, a plot of each headline metric with its 95% CI, and a per-document
view: the source, the reference, and every model's bullets side by side, each bullet marked with
its support score and the source sentence(s) given as evidence, and each source fact as stated or
missing. No JavaScript and no external files: it opens anywhere and can be archived with a run.
"""

from __future__ import annotations

import argparse
import html
import os
from pathlib import Path
from typing import Any, Sequence


from harness.compare import Run, columns, find_runs, table
from harness.compare import write_outputs
from harness.runfolder import CONFIG, GENERATIONS, RunFolder

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.doc{border-top:2px solid #888;margin-top:24px;padding-top:8px}
.models{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:12px}
.model{border:1px solid #ddd;border-radius:6px;padding:8px}.model h4{margin:0 0 6px}
li.supported{border-left:4px solid #2a8a3e;padding-left:6px}li.unsupported{border-left:4px solid #c62828;padding-left:6px;background:#fdecea}
.score{font-size:12px;color:#555}.evidence{font-size:12px;color:#555;margin:2px 0 6px 0}
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
    import json

    rows = [json.loads(line) for line in (run.path / GENERATIONS).read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["doc_id"]: r for r in rows}


def cell_html(cell: str) -> str:
    """A Markdown table cell as HTML: **best** becomes bold."""
    if cell.startswith("**") and "**" in cell[2:]:
        inner, _, rest = cell[2:].partition("**")
        return f"<b>{esc(inner)}</b>{esc(rest)}"
    return esc(cell)


def ci_plot(runs: Sequence[Run], key: str) -> str:
    """A small SVG: one row per run, the mean as a dot, the 95% CI as a line."""
    stats = [(r.label, r.fields[key]) for r in runs if key in r.fields and r.fields[key]["mean"] is not None]
    if not stats:
        return ""
    lows = [s["ci95"][0] for _, s in stats]
    highs = [s["ci95"][1] for _, s in stats]
    lo, hi = min(lows), max(highs)
    span = (hi - lo) or 1.0
    width, left, row = 520, 170, 22

    def x(v: float) -> float:
        return left + 10 + (v - lo) / span * (width - left - 20)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row * len(stats) + 30}" role="img" aria-label="{esc(key)}">']
    for i, (label, s) in enumerate(stats):
        y = 15 + i * row
        parts.append(f'<text x="0" y="{y + 4}" font-size="12">{esc(label[:24])}</text>')
        parts.append(f'<line x1="{x(s["ci95"][0]):.1f}" y1="{y}" x2="{x(s["ci95"][1]):.1f}" y2="{y}" stroke="#555" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(s["mean"]):.1f}" cy="{y}" r="4" fill="#1565c0"><title>{s["mean"]:.4f}</title></circle>')
    base = 15 + len(stats) * row
    parts.append(f'<text x="{left}" y="{base + 8}" font-size="11">{lo:.3f}</text><text x="{width - 40}" y="{base + 8}" font-size="11">{hi:.3f}</text>')
    parts.append("</svg>")
    return f"<figure><figcaption>{esc(key)} (mean, 95% CI)</figcaption>{''.join(parts)}</figure>"


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
            items.append(f"<li class='{status}'>{esc(bullet)} <span class='score'>{judged[0]} {verdict.get('score')}</span>{evidence}</li>")
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


def render(runs: Sequence[Run], max_docs: int | None = None) -> str:
    keys = columns(runs, None, False)
    header, rows, _ = table(runs, keys)
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell_html(c)}</td>" for c in row) + "</tr>" for row in rows)
    plots = "".join(ci_plot(runs, k) for k in keys if any(r.fields.get(k, {}).get("higher_is_better") is not None for r in runs))
    examples = run_examples(runs[0])
    gens = [generations(r) for r in runs]
    doc_ids = list(dict.fromkeys(d for g in gens for d in g))[: max_docs or None]
    docs = "".join(document_section(d, examples.get(d), runs, gens, keys) for d in doc_ids)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>harness report</title><style>{STYLE}</style></head><body>"
        f"<h1>harness report</h1><p class='meta'>{len(runs)} runs · {len(doc_ids)} documents shown</p>"
        f"<h2>Comparison</h2><table><tr>{head}</tr>{body}</table><p class='meta'>mean [95% bootstrap CI]; <b>best</b> per column; † differs from the best (paired bootstrap, p &lt; 0.05)</p>"
        f"<h2>Plots</h2>{plots}<h2>Documents</h2>{docs}</body></html>"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="harness report", description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="run folders or sweep folders")
    parser.add_argument("--out", type=Path, help="HTML file (default: report.html in the folders' common parent); an existing "
                        "file is kept and the report gets a numbered name (report-1.html) unless --force")
    parser.add_argument("--force", action="store_true", help="replace an existing report file")
    parser.add_argument("--max-docs", type=int, default=None, help="show only the first N documents")
    args = parser.parse_args(argv)
    runs = find_runs(args.dirs)
    check_data(runs)
    out = args.out or Path(os.path.commonpath([str(p.resolve()) for p in args.dirs])) / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    (written,) = write_outputs(out.parent, {out.name: render(runs, args.max_docs)}, args.force)
    print(f"wrote {written}")
    return 0
