"""`harness compare`: comparable runs only, every number of a column on the same documents,
corrected paired tests, the gate, and the files it writes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import run_cli
from run_files import write_run

from harness.analysis.compare import build
from harness.analysis.significance import Settings
from harness.cli.compare import find_runs

SIGNATURE = "m|use_stemmer:True|workers:1|implementation:fast|harness:0.1.0"


def make_run(
    root: Path,
    name: str,
    values: list[float | None],
    *,
    fingerprint: str = "f00d",
    signature: str = SIGNATURE,
    prompt: str = "p1",
    direction: bool | None = True,
) -> Path:
    """A finished run folder root/name of documents d0, d1, ...: m/score from `values`, m/count 1.0
    each, summaries of 3 to 7 words (the length plots have lengths to show)."""
    docs = [f"d{i}" for i in range(len(values))]
    return write_run(
        root / name,
        name,
        {d: {"m/score": v, "m/count": 1.0} for d, v in zip(docs, values)},
        {"m/score": direction},
        dataset=fingerprint,
        prompt=prompt,
        signature=signature,
        bullets={d: ["word " * (3 + i % 5)] for i, d in enumerate(docs)},
    )


def analysed(root: Path, **settings):
    runs = find_runs([root])
    return build(runs, ["m/score", "m/count"], Settings(samples=2000, **settings))


def test_the_best_run_is_chosen_on_the_documents_both_scored(tmp_path):
    # B left the 5 hard documents unscored: its own mean is higher, but A beats it on all 10 shared ones
    hard = [0.10, 0.12, 0.08, 0.11, 0.09]
    make_run(tmp_path, "A", [0.62, 0.60, 0.64, 0.61, 0.63, 0.60, 0.62, 0.61, 0.63, 0.62, *hard])
    make_run(tmp_path, "B", [0.52, 0.50, 0.54, 0.51, 0.53, 0.50, 0.52, 0.51, 0.53, 0.52, None, None, None, None, None])
    column = analysed(tmp_path).columns[0]
    a, b = column.cell("A"), column.cell("B")
    assert column.n == 10 and a.mean == pytest.approx(0.618) and b.mean == pytest.approx(0.518)
    assert a.best and not b.best and (a.group, b.group) == ("a", "b")
    assert b.missing == 5 and column.tests[0].n == 10 and column.tests[0].p < 0.01


def test_a_missing_score_is_left_out_not_counted_as_a_difference(tmp_path):
    values = [0.3, 0.5, 0.4, 0.6, 0.2, 0.7, 0.35, 0.45]
    make_run(tmp_path, "A", values)
    make_run(tmp_path, "B", [*values[:-1], float("nan")])
    test = analysed(tmp_path).columns[0].tests[0]
    assert test.n == 7 and test.p == 1.0 and not test.significant


def test_lower_is_better_and_descriptive_fields(tmp_path):
    make_run(tmp_path, "A", [0.1, 0.2, 0.1, 0.2, 0.1, 0.2, 0.1, 0.2], direction=False)
    make_run(tmp_path, "B", [0.5, 0.6, 0.5, 0.6, 0.5, 0.6, 0.5, 0.6], direction=False)
    column = analysed(tmp_path).columns[0]
    assert column.cell("A").best and column.cell("A").rank == 1
    for folder in tmp_path.iterdir():
        for name in folder.iterdir():
            name.unlink()
        folder.rmdir()
    make_run(tmp_path, "A", [0.1, 0.2] * 4, direction=None)
    make_run(tmp_path, "B", [0.5, 0.6] * 4, direction=None)
    column = analysed(tmp_path).columns[0]
    assert not any(c.best for c in column.cells) and column.tests == []  # descriptive: no best, no test


def test_holm_adjusts_within_each_metric_and_letters_group_runs(tmp_path):
    base = [0.30, 0.50, 0.40, 0.60, 0.20, 0.70, 0.35, 0.45, 0.55, 0.25, 0.65, 0.38]
    make_run(tmp_path, "A", [v + 0.20 for v in base])
    noise = [0.03, -0.03, 0.02, -0.02, 0.01, -0.01] * 2  # B: as good as A on average
    make_run(tmp_path, "B", [v + 0.20 + e for v, e in zip(base, noise)])
    make_run(tmp_path, "C", base)
    column = analysed(tmp_path).columns[0]
    by_pair = {(t.a, t.b): t for t in column.tests}
    assert set(by_pair) == {("A", "B"), ("A", "C"), ("B", "C")}
    assert all(t.p_holm >= t.p for t in column.tests)
    assert by_pair[("A", "C")].significant and by_pair[("B", "C")].significant and not by_pair[("A", "B")].significant
    assert [column.cell(x).group for x in "ABC"] == ["a", "a", "b"]


@pytest.mark.slow
def test_different_datasets_are_refused_with_a_table_and_compared_on_common_documents_on_request(tmp_path):
    make_run(tmp_path, "A", [0.5, 0.6, 0.7, 0.4, 0.5, 0.6], fingerprint="aaaa")
    make_run(tmp_path, "B", [0.4, 0.5, 0.6, 0.3], fingerprint="bbbb")
    refused = run_cli("compare", str(tmp_path), "--out", str(tmp_path / "out"), check=False)
    assert refused.returncode == 2
    assert (
        "not comparable" in refused.stderr and "| dataset (fingerprint) | set (aaaa) | set (bbbb) |" in refused.stderr
    )
    assert "| documents | 6 (2 not in all runs) | 4 (0 not in all runs) |" in refused.stderr
    assert "--common-docs compares on the 4 documents all runs share" in refused.stderr
    assert not (tmp_path / "out").exists()
    ok = run_cli("compare", str(tmp_path), "--common-docs", "--out", str(tmp_path / "out"), "--no-plots")
    assert "the 4 documents all runs share (--common-docs; the runs have A: 6, B: 4)" in ok.stdout


def test_metric_settings_must_match_but_workers_and_implementation_may_differ(tmp_path):
    make_run(tmp_path, "A", [0.5, 0.6, 0.7, 0.4])
    make_run(
        tmp_path,
        "B",
        [0.4, 0.5, 0.6, 0.3],
        signature="m|use_stemmer:True|workers:4|implementation:rouge_score|harness:0.2.0",
    )
    assert analysed(tmp_path).docs == 4  # comparable
    make_run(
        tmp_path, "C", [0.4, 0.5, 0.6, 0.3], signature="m|use_stemmer:False|workers:1|implementation:fast|harness:0.1.0"
    )
    refused = run_cli("compare", str(tmp_path), "--no-plots", "--out", str(tmp_path / "out"), check=False)
    assert (
        refused.returncode == 2
        and "| metric m | m\\|use_stemmer:True | m\\|use_stemmer:True | m\\|use_stemmer:False |" in refused.stderr
    )


@pytest.mark.slow
def test_different_prompts_need_an_explicit_option(tmp_path):
    make_run(tmp_path, "A", [0.5, 0.6, 0.7, 0.4], prompt="p1")
    make_run(tmp_path, "B", [0.4, 0.5, 0.6, 0.3], prompt="p2")
    assert run_cli("compare", str(tmp_path), "--no-plots", "--out", str(tmp_path / "o"), check=False).returncode == 2
    assert (
        run_cli(
            "compare", str(tmp_path), "--no-plots", "--out", str(tmp_path / "o"), "--allow-different-prompts"
        ).returncode
        == 0
    )


@pytest.mark.slow
def test_gate_fails_when_a_run_is_significantly_worse_than_the_baseline(tmp_path):
    good = [0.50, 0.62, 0.55, 0.48, 0.70, 0.66, 0.52, 0.58, 0.61, 0.49, 0.57, 0.63]
    make_run(tmp_path, "base", good)
    make_run(tmp_path, "worse", [v - 0.05 + (0.01 if i % 3 == 0 else 0) for i, v in enumerate(good)])
    make_run(tmp_path, "same", [v + (0.01 if i % 2 else -0.01) for i, v in enumerate(good)])
    out = str(tmp_path / "out")
    fast = ["--no-plots", "--samples", "2000"]
    failed = run_cli(
        "compare", str(tmp_path), "--baseline", "base", "--fail-if-worse", "m/score", "--out", out, *fast, check=False
    )
    assert failed.returncode == 1, failed.stderr
    assert "GATE FAILED: worse vs base on m/score: difference -0.0467" in failed.stdout
    assert "gate passed: same vs base on m/score" in failed.stdout
    assert "| worse | 12 | 0.5292 [" in failed.stdout and "] ▼ |" in failed.stdout  # the table marks it too
    loose = run_cli(
        "compare",
        str(tmp_path),
        "--baseline",
        "base",
        "--fail-if-worse",
        "m/score:0.1",
        "--out",
        out,
        *fast,
        check=False,
    )
    assert loose.returncode == 0 and "not significantly worse by more than the margin 0.1" in loose.stdout
    no_base = run_cli("compare", str(tmp_path), "--fail-if-worse", "m/score", "--out", out, *fast, check=False)
    assert no_base.returncode == 2 and "needs --baseline" in no_base.stderr
    typo = run_cli("compare", str(tmp_path), "--baseline", "bsae", "--out", out, *fast, check=False)
    assert typo.returncode == 2 and "did you mean" in typo.stderr.lower() and "base" in typo.stderr


@pytest.mark.slow
def test_files_hold_every_p_value_and_plots_are_byte_identical(tmp_path):
    runs = tmp_path / "runs"
    make_run(runs, "A", [0.5, 0.6, 0.7, 0.4, 0.55, 0.65])
    make_run(runs, "B", [0.4, 0.5, 0.6, 0.3, 0.50, 0.50])
    make_run(runs, "C", [0.45, 0.5, 0.6, 0.35, 0.5, 0.6])
    first, second = tmp_path / "one", tmp_path / "two"
    run_cli("compare", str(runs), "--out", str(first), "--samples", "2000")
    run_cli("compare", str(runs), "--out", str(second), "--samples", "2000")
    with open(first / "comparison_tests.csv") as f:
        tests = list(csv.DictReader(f))
    assert len(tests) == 3 + 3 and all(t["p"] and t["p_holm"] for t in tests)
    report = json.loads((first / "comparison.json").read_text())
    assert report["settings"]["samples"] == 2000 and len(report["columns"][0]["tests"]) == 3
    assert all("p_holm" in t for c in report["columns"] for t in c["tests"])
    tex = (first / "comparison.tex").read_text()
    assert r"\toprule" in tex and r"\textbf{" in tex and "use\\_stemmer:True" in tex
    plots = sorted(p.name for p in (first / "comparison_plots").iterdir())
    assert {"forest_m_score.svg", "pairs_m_score.svg", "length_m_score.svg"} <= set(plots)
    for name in plots:
        assert (first / "comparison_plots" / name).read_bytes() == (second / "comparison_plots" / name).read_bytes()
    assert "Date" not in (first / "comparison_plots" / "forest_m_score.svg").read_text()


@pytest.mark.slow
def test_an_unrelated_file_in_the_output_folder_is_never_overwritten(tmp_path):
    runs = tmp_path / "runs"
    make_run(runs, "A", [0.5, 0.6, 0.7, 0.4])
    make_run(runs, "B", [0.4, 0.5, 0.6, 0.3])
    out = tmp_path / "paper"
    out.mkdir()
    (out / "comparison.tex").write_text("my hand-written table")
    first = run_cli("compare", str(runs), "--out", str(out), "--samples", "500")
    assert (out / "comparison.tex").read_text() == "my hand-written table"  # the new set took the next free name
    assert (
        "comparison-1.md" in first.stdout
        and (out / "comparison-1.tex").is_file()
        and (out / "comparison-1_plots").is_dir()
    )
    assert not (out / "comparison.md").exists()  # a set is claimed whole or not at all
    before = (out / "comparison-1.md").read_bytes()
    run_cli("compare", str(runs), "--out", str(out), "--no-plots", "--samples", "500")  # an earlier table is kept too
    assert (out / "comparison-1.md").read_bytes() == before and (out / "comparison-2.md").is_file()
    run_cli("compare", str(runs), "--out", str(out), "--samples", "500", "--force")  # replaces the base name
    assert (out / "comparison.tex").read_text() != "my hand-written table" and not (out / "comparison-3.md").exists()


@pytest.mark.slow
def test_a_new_user_comparing_runs_over_different_data_is_refused_then_helped(tmp_path):
    """Real runs: lead on 6 demo documents, centrality on 4."""
    results = tmp_path / "results"
    run_cli("run", "model=lead", "dataset.limit=6", "metrics=[rouge]", f"results_dir={results}")
    run_cli("run", "model=centrality", "dataset.limit=4", "metrics=[rouge]", f"results_dir={results}")
    refused = run_cli("compare", str(results), check=False)
    assert refused.returncode == 2 and "not comparable" in refused.stderr and "dataset (fingerprint)" in refused.stderr
    ok = run_cli("compare", str(results), "--common-docs", "--no-plots")
    assert "the 4 documents all runs share" in ok.stdout and "| lead | 4 |" in ok.stdout


def test_family_all_corrects_over_every_metric_and_baseline_tests_only_against_the_baseline(tmp_path):
    from harness import stats

    base = [0.30, 0.50, 0.40, 0.60, 0.20, 0.70, 0.35, 0.45, 0.55, 0.25, 0.65, 0.38]
    make_run(tmp_path, "A", [v + 0.03 * (i % 3) for i, v in enumerate(base)])
    make_run(tmp_path, "B", base)
    make_run(tmp_path, "C", [v - 0.02 * (i % 2) for i, v in enumerate(base)])
    per_metric = analysed(tmp_path)
    pooled = analysed(tmp_path, family="all")
    raw = [t.p for c in pooled.columns for t in c.tests]
    assert [t.p for c in per_metric.columns for t in c.tests] == raw  # same seeds, same draws
    assert [t.p_holm for c in pooled.columns for t in c.tests] == pytest.approx(list(stats.holm(raw)))
    assert pooled.columns[0].family_size == 6 and per_metric.columns[0].family_size == 3
    against = analysed(tmp_path, baseline="B").columns[0]
    assert {(t.a, t.b) for t in against.tests} == {("A", "B"), ("C", "B")}
    assert (
        against.cell("B").mark == "baseline"
        and against.cell("A").mark == "better"
        and against.cell("C").mark == "worse"
    )


def test_a_large_family_gets_enough_resamples_to_show_a_difference():
    from harness import stats

    assert stats.samples_for_family(1) == 10_000
    b = stats.samples_for_family(120)  # 16 systems, all pairs
    assert 1 / (b + 1) * 120 < 0.05 / 10


def test_the_notes_say_which_fields_are_lexical(tmp_path):
    from harness.analysis.tables import footnotes, markdown

    for name in ("A", "B"):
        folder = make_run(tmp_path, name, [0.5, 0.6, 0.7, 0.4, 0.5, 0.6])
        metrics = json.loads((folder / "metrics.json").read_text())
        metrics["fields"]["m/score"]["method"] = "lexical"  # as scoring records it for `support`
        (folder / "metrics.json").write_text(json.dumps(metrics))
    comparison = analysed(tmp_path)
    [note] = [n for n in footnotes(comparison, markup=False) if n.startswith("Faithfulness method")]
    assert note.startswith("Faithfulness method: m/score: lexical (word overlap; rewards copying")
    assert "`m/score`: lexical" in markdown(comparison)
    # every field of a metric with the method: named as `m/*`
    for folder in tmp_path.iterdir():
        metrics = json.loads((folder / "metrics.json").read_text())
        metrics["fields"]["m/count"]["method"] = "lexical"
        (folder / "metrics.json").write_text(json.dumps(metrics))
    assert "Faithfulness method: m/*: lexical" in " ".join(footnotes(analysed(tmp_path), markup=False))
