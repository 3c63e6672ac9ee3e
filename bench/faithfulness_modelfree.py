"""The model-free `support` metric before and after a change: the hand-written faithfulness corpus
and the correlations with human judgments on the shared data.

"before" is the code of a base commit (default 2d8f984, before numbers were normalised and
three-sentence fusion added), taken with `git archive` into a temporary folder; "after" is this
checkout. Each side runs in its own Python process with its code first on the import path:

1. tests/faithfulness_corpus.py (this checkout's corpus, for both): the share of faithful
   paraphrases supported (score >= the side's own default threshold), and per edit type the
   share caught (unsupported) and the share scored below the faithful bullet it edits.
2. `harness meta-eval` with `--metrics support --fields 'support/*'` on QAGS CNN/DM (`human_score`,
   `label_consistent`, against the source) and SummEval (`expert_scores.consistency`, against the
   references), and `facts` (which shares the tokenizer) on REALSumm, the commands of
   bench/meta_eval.md ("Source-fact metrics"); 1000 resamples, seed 0.

    python bench/faithfulness_modelfree.py [--base 2d8f984] [--no-meta-eval]

Prints Markdown tables (bench/faithfulness_modelfree.md records them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from support_speed import DATA as CNNDM  # noqa: E402
from support_speed import REPO, base_code, child_env  # noqa: E402

SHARED = CNNDM.parents[1]

# Runs in the child process: the side's harness first on sys.path, this checkout's corpus.
CHILD = r"""
import dataclasses, json, sys
sys.path.append(sys.argv[1])
from faithfulness_corpus import ARTICLES, shares
from harness.metrics.support import Support
from harness.records import Example, Summary

metric = Support()
def score(cases):
    rows = metric.score([Example(c.article, ARTICLES[c.article]) for c in cases],
                        [Summary(c.article, c.bullet, (c.bullet,)) for c in cases])
    return [row.values["score"] for row in rows]
print(json.dumps(dataclasses.asdict(shares(score, metric.options.threshold))))
"""

SUPPORT = ["--metrics", "support", "--fields", "support/*"]
META_EVALS = {
    "qags": [
        "--data", "{shared}/qags/qags_cnndm.jsonl", "--human", "human_score,label_consistent", "--against", "source",
        *SUPPORT,
    ],
    "summeval": [
        "--data", "{shared}/summeval/summeval.jsonl", "--human", "expert_scores.consistency", "--against", "references",
        *SUPPORT,
    ],
    # `facts` shares the tokenizer (and so the number forms)
    "realsumm": [
        "--data", "{shared}/realsumm/realsumm.jsonl", "--human", "litepyramid_recall", "--facts-field", "reference_scus",
        "--metrics", "facts", "--fields", "facts/*",
    ],
}  # fmt: skip
# (label, data, human field, level, statistic, fields)
SUPPORT_FIELDS = ("support/score", "support/unsupported")
FIGURES = [
    ("QAGS `human_score`, Pearson over summaries", "qags", "human_score", "global", "pearson", SUPPORT_FIELDS),
    ("QAGS `human_score`, Spearman over summaries", "qags", "human_score", "global", "spearman", SUPPORT_FIELDS),
    ("QAGS `label_consistent`, ROC-AUC", "qags", "label_consistent", "global", "roc_auc", SUPPORT_FIELDS),
    ("QAGS `label_consistent`, balanced accuracy", "qags", "label_consistent", "global", "balanced_accuracy", SUPPORT_FIELDS),
    ("SummEval consistency, summary-level Spearman", "summeval", "expert_scores.consistency", "summary", "spearman", SUPPORT_FIELDS),
    ("SummEval consistency, summary-level Kendall", "summeval", "expert_scores.consistency", "summary", "kendall", SUPPORT_FIELDS),
    ("SummEval consistency, system-level Spearman", "summeval", "expert_scores.consistency", "system", "spearman", SUPPORT_FIELDS),
    ("SummEval consistency, global Pearson", "summeval", "expert_scores.consistency", "global", "pearson", SUPPORT_FIELDS),
    ("REALSumm LitePyramid recall, summary-level Spearman", "realsumm", "litepyramid_recall", "summary", "spearman", ("facts/recall", "facts/missing")),
]  # fmt: skip


def corpus(code: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(REPO / "tests")],
        capture_output=True, text=True, check=True, env=child_env(code), cwd=code,
    )  # fmt: skip
    return json.loads(proc.stdout)


def meta_eval(code: Path, name: str, out: Path) -> dict:
    args = [a.format(shared=SHARED) for a in META_EVALS[name]]
    subprocess.run(
        [sys.executable, "-m", "harness.cli", "meta-eval", *args, "--workers", "2", "--out", str(out)],
        capture_output=True, check=True, env=child_env(code), cwd=code,
    )  # fmt: skip
    return json.loads((out / "meta_eval.json").read_text(encoding="utf-8"))["results"]


def cell(value: dict | float | None) -> str:
    if isinstance(value, dict):
        ci = value.get("ci95")
        value = value.get("value")
        if value is not None and ci:
            return f"{value:.3f} [{ci[0]:.2f}, {ci[1]:.2f}]"
    return "–" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="2d8f984", help="the commit to compare with (default: %(default)s)")
    parser.add_argument("--no-meta-eval", action="store_true", help="the corpus only")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    from faithfulness_corpus import table

    with tempfile.TemporaryDirectory() as tmp:
        code = {"before": base_code(args.base, Path(tmp) / "base"), "after": REPO}
        print(f"before = {args.base}, after = this checkout\n")
        from faithfulness_corpus import Shares

        measured = {name: Shares(**corpus(path)) for name, path in code.items()}
        print(table(measured))
        if args.no_meta_eval:
            return
        if not (SHARED / "qags").is_dir():
            sys.exit(f"real data not available: {SHARED} is absent (../shared/data beside the repository)")
        results = {
            (side, name): meta_eval(path, name, Path(tmp) / f"{side}-{name}")
            for side, path in code.items()
            for name in META_EVALS
        }
        print("\n| figure | field | before | after |\n|---|---|---|---|")
        for label, name, human, level, statistic, fields in FIGURES:
            for field in fields:
                values = [results[side, name][field][human][level][statistic] for side in code]
                print(f"| {label} | `{field}` | {cell(values[0])} | {cell(values[1])} |")


if __name__ == "__main__":
    main()
