"""Time meta-eval's statistics against the per-resample loop they replace, on real SummEval data.

Both sides get the same input: the 1,600 SummEval summaries (100 documents x 16 systems) scored
once with the shipped ROUGE config against the 11 references (12 fields), correlated with the 4
expert fields, 1000 bootstrap resamples, one process. Measured in this run, alternating:

  loop        the algorithm meta-eval used before: scipy's pearsonr / spearmanr / kendalltau
              (and the pairwise ROC-AUC) recomputed on every materialised resample; per-document
              correlations by scipy, averaged over each resample's documents
  vectorised  `meta_evaluate` as `harness meta-eval` runs it: the same statistics on all
              resamples at once from cluster counts, plus what the loop never computed (the
              partial correlations controlling for the system; balanced accuracy on 0/1 labels)

The loop gets the very resamples the vectorised code draws, so the check is exact: every point
value and every bootstrap replicate of the loop's statistics must agree to 1e-9. Times are this
process's CPU time (robust to other load on a shared machine) and wall-clock time.

    python bench/meta_eval_speed.py [--samples 1000] [--fields rouge/rouge1 ...] [--repeats 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's harness, not an installed one
from harness.analysis.meta_eval.analysis import Layout, meta_evaluate  # noqa: E402
from harness.analysis.meta_eval.correlation import STATISTICS, correlation, is_binary, roc_auc  # noqa: E402
from harness.analysis.meta_eval.judgments import load  # noqa: E402
from harness.analysis.meta_eval.levels import Grid  # noqa: E402
from harness.analysis.meta_eval.resampling import draw_counts  # noqa: E402
from harness.analysis.meta_eval.scoring import resolve_spec, score_all  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "summeval" / "summeval.jsonl"
HUMANS = [f"expert_scores.{d}" for d in ("coherence", "consistency", "fluency", "relevance")]


def draws_of(counts: np.ndarray) -> list[np.ndarray]:
    """The resamples as index lists (cluster k repeated counts[b, k] times)."""
    return [np.repeat(np.arange(counts.shape[1]), row.astype(int)) for row in counts]


def loop_levels(grid: Grid, doc_draws, system_draws, binary: bool) -> dict[str, dict[str, tuple[float, np.ndarray]]]:
    """The previous implementation: scipy on each resample."""
    out = {}
    per_doc = {s: np.array([correlation(m, h, s) for m, h in zip(grid.metric, grid.human)]) for s in STATISTICS}
    with np.errstate(invalid="ignore"):
        out["summary"] = {
            s: (
                float(np.nanmean(v)),
                np.array([np.nanmean(v[d]) if np.any(~np.isnan(v[d])) else np.nan for d in doc_draws]),
            )
            for s, v in per_doc.items()
        }
    metric, human = grid.system_means()
    out["system"] = {
        s: (correlation(metric, human, s), np.array([correlation(metric[d], human[d], s) for d in system_draws]))
        for s in STATISTICS
    }
    functions = {s: (lambda m, h, s=s: correlation(m, h, s)) for s in STATISTICS}
    if binary:
        functions["roc_auc"] = roc_auc
    out["global"] = {
        name: (
            f(grid.metric.ravel(), grid.human.ravel()),
            np.array([f(grid.metric[d].ravel(), grid.human[d].ravel()) for d in doc_draws]),
        )
        for name, f in functions.items()
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--fields", nargs="*", default=None, help="metric fields (default: all 12 ROUGE fields)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"{DATA} is absent: this benchmark needs the shared SummEval data beside the repository")

    data = load(str(DATA), HUMANS, "references")
    scores = score_all(resolve_spec(["rouge"]), data.examples, data.summaries, references_from="references")
    columns = {k: v for k, v in scores.columns.items() if args.fields is None or k in args.fields}
    humans = {h: np.array(v) for h, v in data.human.items()}
    print(
        f"{len(data.doc_ids)} summaries, {len(columns)} metric fields x {len(humans)} human fields, {args.samples} resamples"
    )

    layout = Layout.of(data.doc_ids, data.system_ids)
    doc_draws = draws_of(draw_counts(len(layout.docs), args.samples, 0, "documents"))
    system_draws = draws_of(draw_counts(len(layout.systems), args.samples, 0, "systems"))

    times: dict[str, list[tuple[float, float]]] = {"loop": [], "vectorised": []}
    for _ in range(args.repeats):
        cpu, wall = time.process_time(), time.perf_counter()
        loop = {
            m: {
                h: loop_levels(Grid(layout.grid(mv), layout.grid(hv)), doc_draws, system_draws, is_binary(hv))
                for h, hv in humans.items()
            }
            for m, mv in columns.items()
        }
        times["loop"].append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = time.process_time(), time.perf_counter()
        analysis = meta_evaluate(
            data.doc_ids, data.system_ids, columns, humans, samples=args.samples, seed=0, directions=scores.directions
        )
        times["vectorised"].append((time.process_time() - cpu, time.perf_counter() - wall))

    worst_point = worst_replicate = 0.0
    for m, by_human in loop.items():
        for h, by_level in by_human.items():
            for level, by_stat in by_level.items():
                for s, (point, replicates) in by_stat.items():
                    result = analysis.results[m][h][level]
                    ours, ours_rep = result.values[s], result.replicates[s]
                    assert np.isnan(point) == np.isnan(ours), (m, h, level, s)
                    assert np.array_equal(np.isnan(replicates), np.isnan(ours_rep)), (m, h, level, s)
                    if not np.isnan(point):
                        worst_point = max(worst_point, abs(point - ours))
                    both = ~np.isnan(replicates)
                    worst_replicate = max(
                        worst_replicate, float(np.max(np.abs(replicates[both] - ours_rep[both]), initial=0.0))
                    )
    assert worst_point < 1e-9 and worst_replicate < 1e-9, (worst_point, worst_replicate)
    print(f"largest difference: point values {worst_point:.1e}, bootstrap replicates {worst_replicate:.1e}")
    for name, values in times.items():
        cpu = sorted(t[0] for t in values)[len(values) // 2]
        wall = sorted(t[1] for t in values)[len(values) // 2]
        print(f"{name:<11} CPU {cpu:7.2f} s   wall {wall:7.2f} s")
    ratio_cpu = (
        sorted(t[0] for t in times["loop"])[len(times["loop"]) // 2]
        / sorted(t[0] for t in times["vectorised"])[len(times["vectorised"]) // 2]
    )
    ratio_wall = (
        sorted(t[1] for t in times["loop"])[len(times["loop"]) // 2]
        / sorted(t[1] for t in times["vectorised"])[len(times["vectorised"]) // 2]
    )
    print(f"speed-up   CPU {ratio_cpu:.1f}x   wall {ratio_wall:.1f}x")


if __name__ == "__main__":
    main()
