"""Published meta-evaluation figures reproduced on the shared real data (skipped when absent).

QAGS-CNN: G-Eval (Liu et al., 2023) Table 3, ROUGE against the source article, correlation over
all 235 summaries (one system, so this is our global level).
REALSumm: BARTScore's analysis, summary-level correlation with LitePyramid recall across 24 systems.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_file

from harness.cli.meta_eval import main

pytestmark = pytest.mark.slow


def _run(tmp_path, data: Path, human: str, *args: str) -> dict:
    """`harness meta-eval` on a real file without bootstrap; the results of meta_eval.json."""
    assert (
        main(
            ["--data", str(data), "--human", human, *args, "--bootstrap", "0", "--workers", "2", "--out", str(tmp_path)]
        )
        == 0
    )
    return json.loads((tmp_path / "meta_eval.json").read_text())["results"]


def test_qags_cnndm_matches_geval_table3(tmp_path):
    data = shared_file("qags/qags_cnndm.jsonl")
    results = _run(tmp_path, data, "human_score", "--against", "source", "--fields", "rouge/rouge2", "rouge/rougeLsum")
    published = {"rouge/rouge2": (0.459, 0.418, 0.333), "rouge/rougeLsum": (0.357, 0.324, 0.254)}
    for field, values in published.items():
        level = results[field]["human_score"]["global"]
        ours = [level[s]["value"] for s in ("pearson", "spearman", "kendall")]
        assert ours == pytest.approx(values, abs=0.005)
        assert results[field]["human_score"]["summary"]["dropped"] == 235  # one summary per document


def test_realsumm_matches_bartscore_summary_level(tmp_path):
    data = shared_file("realsumm/realsumm.jsonl")
    results = _run(
        tmp_path,
        data,
        "litepyramid_recall",
        "--fields",
        "rouge/rouge1_recall",
        "rouge/rouge2_recall",
        "rouge/rougeLsum_recall",
    )
    published = {
        "rouge/rouge1_recall": (0.497526, 0.407974),
        "rouge/rouge2_recall": (0.4233, 0.353119),
        "rouge/rougeLsum_recall": (0.488254, 0.402523),
    }
    for field, values in published.items():
        level = results[field]["litepyramid_recall"]["summary"]
        assert [level["spearman"]["value"], level["kendall"]["value"]] == pytest.approx(values, abs=0.005)


SUMMEVAL_HUMANS = [f"expert_scores.{d}" for d in ("coherence", "consistency", "fluency", "relevance")]


@pytest.fixture(scope="module")
def summeval_mean(tmp_path_factory) -> dict:
    """ROUGE against each of the 11 references alone, averaged (BARTScore's `_mean` scores)."""
    data = shared_file("summeval/summeval.jsonl")
    return _run(
        tmp_path_factory.mktemp("summeval"),
        data,
        ",".join(SUMMEVAL_HUMANS),
        "--against",
        "references",
        "--multi-reference",
        "mean",
        "--fields",
        "rouge/rouge1",
        "rouge/rouge2",
        "rouge/rougeLsum",
    )


def test_summeval_matches_geval_table1(summeval_mean):
    published = {  # (rho, tau) for coherence, consistency, fluency, relevance
        "rouge/rouge1": [(0.167, 0.126), (0.160, 0.130), (0.115, 0.094), (0.326, 0.252)],
        "rouge/rouge2": [(0.184, 0.139), (0.187, 0.155), (0.159, 0.128), (0.290, 0.219)],
        "rouge/rougeLsum": [(0.128, 0.099), (0.115, 0.092), (0.105, 0.084), (0.311, 0.237)],
    }
    for field, cells in published.items():
        for human, values in zip(SUMMEVAL_HUMANS, cells):
            level = summeval_mean[field][human]["summary"]
            assert [level["spearman"]["value"], level["kendall"]["value"]] == pytest.approx(values, abs=0.005)


def test_summeval_table2_is_consistent_with_one_more_system(summeval_mean):
    """SummEval's Table 2 (system-level tau, 11 references) has every coherence/consistency/relevance
    entry a multiple of 1/68, i.e. tau over C(17, 2) = 136 system pairs: 17 systems, one more than the
    16 in the data. Adding a system adds 16 pairs, so the published tau must lie within
    (120 tau_16 +- 16) / 136 of ours."""
    published = {
        "rouge/rouge1": (0.2500, 0.5294, 0.5240, 0.4118),
        "rouge/rouge2": (0.1618, 0.5882, 0.4797, 0.2941),
        "rouge/rougeLsum": (0.0735, 0.1471, 0.2583, 0.2353),
    }
    for field, values in published.items():
        for human, value in zip(SUMMEVAL_HUMANS, values):
            if human != "expert_scores.fluency":  # fluency means tie: tau-b is not a multiple of 1/68
                assert round(value * 68) == pytest.approx(value * 68, abs=0.01)
            concordance = 120 * summeval_mean[field][human]["system"]["kendall"]["value"]
            assert (concordance - 16) / 136 - 0.002 <= value <= (concordance + 16) / 136 + 0.002


def _oracles():
    """bench/meta_eval_oracles.py: pingouin's partial_corr and scikit-learn's
    balanced_accuracy_score recomputed from meta_eval_scores.jsonl."""
    import importlib.util

    pytest.importorskip("pingouin")
    pytest.importorskip("sklearn")
    path = Path(__file__).resolve().parents[1] / "bench" / "meta_eval_oracles.py"
    spec = importlib.util.spec_from_file_location("meta_eval_oracles", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_checked_by_oracles(tmp_path, data: Path, human: str, *args: str) -> dict:
    """`_run`, then every balanced accuracy and partial correlation it wrote recomputed by the
    reference libraries from meta_eval_scores.jsonl must agree."""
    oracles = _oracles()
    results = _run(tmp_path, data, human, *args)
    assert oracles.compare(tmp_path) < 1e-9
    return results


def test_balanced_accuracy_on_qags_equals_scikit_learn(tmp_path):
    results = _run_checked_by_oracles(
        tmp_path,
        shared_file("qags/qags_cnndm.jsonl"),
        "label_consistent",
        "--against",
        "source",
        "--metrics",
        "rouge",
        "support",
        "--fields",
        "rouge/rouge2",
        "support/score",
        "support/unsupported",
    )
    # a lower-is-better count is thresholded downwards: better than chance, not below it
    assert results["support/unsupported"]["label_consistent"]["global"]["balanced_accuracy"]["value"] > 0.55


def test_partial_correlation_on_summeval_equals_pingouin(tmp_path):
    results = _run_checked_by_oracles(
        tmp_path,
        shared_file("summeval/summeval.jsonl"),
        "expert_scores.consistency,expert_scores.relevance",
        "--against",
        "references",
        "--fields",
        "rouge/rouge2",
        "rouge/rougeLsum",
    )
    level = results["rouge/rouge2"]["expert_scores.relevance"]["global"]
    assert level["partial_pearson"]["value"] < level["pearson"]["value"]  # part of ROUGE's credit is the system's
