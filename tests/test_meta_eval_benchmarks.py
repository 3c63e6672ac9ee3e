"""`harness meta-eval --benchmark aggrefact|summac`: the two published file layouts read from a
local path, the threshold chosen on dev, balanced accuracy per dataset with bootstrap CIs and
the macro average. Known answers computed by hand, a simulated checker of known accuracy, and
end-to-end runs of the real CLI with the `support` metric."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from benchmark_fixtures import DOCUMENT, write_jsonl, write_simulated_aggrefact
from conftest import run_cli

from harness.analysis.meta_eval.benchmarks import LAYOUTS, load_benchmark, parse_label, path_dataset, path_split
from harness.cli.main import main as harness_main
from harness.cli.meta_eval import main
from harness.errors import InputError

CHECKER = "benchmark_fixtures.ScriptedChecker"

# Dataset X: the dev scores put the best threshold between 0.5 and 0.6 (balanced accuracy 5/6 on
# dev, worked out cut by cut below); dataset Y has no dev claims.
#   dev X, sorted: 0.2(0) 0.35(1) 0.4(0) 0.5(0) 0.6(1) 0.8(1); 3 positive, 3 negative
#   cut 0.275: TPR 3/3, TNR 1/3 -> 4/6;  cut 0.375: 2/3, 1/3 -> 3/6;  cut 0.45: 2/3, 2/3 -> 4/6
#   cut 0.55:  TPR 2/3, TNR 3/3 -> 5/6 (best);  cut 0.7: 1/3, 3/3 -> 4/6;  the ends: 3/6
DEV = {"X": [(0.2, 0), (0.4, 0), (0.35, 1), (0.6, 1), (0.8, 1), (0.5, 0)]}
TEST = {
    # >= 0.55: positives 0.9, 0.56 right, 0.3 wrong (TPR 2/3); negatives 0.54, 0.1, 0.2 right, 0.7 wrong (TNR 3/4)
    "X": [(0.9, 1), (0.56, 1), (0.3, 1), (0.54, 0), (0.1, 0), (0.7, 0), (0.2, 0)],
    # no dev split: 0.5; positives all right (0.5 is at the threshold: supported), TPR 1;
    # negatives 0.4 right, 0.55 wrong (TNR 1/2)
    "Y": [(0.8, 1), (0.6, 1), (0.5, 1), (0.4, 0), (0.55, 0)],
}
EXPECTED = {"X": (2 / 3 + 3 / 4) / 2, "Y": (1 + 1 / 2) / 2}  # 17/24 and 3/4
# --threshold 0.5 everywhere: X positives 0.9, 0.56 right (2/3); negatives 0.1, 0.2 right (2/4)
EXPECTED_AT_HALF = {"X": (2 / 3 + 2 / 4) / 2, "Y": (1 + 1 / 2) / 2}


def _claim(score: float, i: int) -> str:
    return f"Claim number {i} says something. [score={score}]"


def aggrefact_rows(split: dict[str, list[tuple[float, int]]]) -> list[dict]:
    return [
        {"dataset": d, "doc": DOCUMENT, "claim": _claim(s, i), "label": y}
        for d, pairs in split.items()
        for i, (s, y) in enumerate(pairs)
    ]


def summac_rows() -> list[dict]:
    """The same claims in the SummaC layout: `document`, `summary` (SummaC's files also use
    `claim`), `label`, `cut`; the dataset names in a `dataset` field."""
    return [
        {"dataset": d, "document": DOCUMENT, "summary": _claim(s, i), "label": y, "cut": cut}
        for cut, split in (("val", DEV), ("test", TEST))
        for d, pairs in split.items()
        for i, (s, y) in enumerate(pairs)
    ]


def write_csv(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


def aggrefact_folder(root: Path, form: str) -> Path:
    """The hand-computed claims in one of the forms a user may have downloaded."""
    if form == "jsonl":  # a file per split with a dataset column (ds.to_json)
        write_jsonl(root / "dev.jsonl", aggrefact_rows(DEV))
        write_jsonl(root / "test.jsonl", aggrefact_rows(TEST))
    elif form == "csv":  # ds.to_csv
        write_csv(root / "llm_aggrefact_dev.csv", aggrefact_rows(DEV))
        write_csv(root / "llm_aggrefact_test.csv", aggrefact_rows(TEST))
    elif form == "parquet":  # the hub repository's own files
        write_parquet(root / "data" / "dev-00000-of-00001.parquet", aggrefact_rows(DEV))
        write_parquet(root / "data" / "test-00000-of-00001.parquet", aggrefact_rows(TEST))
    elif form == "per-dataset":  # a file per dataset and split, no dataset column
        for split, claims in (("dev", DEV), ("test", TEST)):
            for dataset in claims:
                rows = [
                    {k: v for k, v in r.items() if k != "dataset"} for r in aggrefact_rows({dataset: claims[dataset]})
                ]
                write_jsonl(root / split / f"{dataset}.jsonl", rows)
    return root


def run_main(*args: str) -> dict:
    """`harness meta-eval --benchmark ...` in process; the JSON it wrote."""
    out = Path(args[args.index("--out") + 1])
    assert main(list(args)) == 0
    (written,) = out.glob("*.json")
    return json.loads(written.read_text())


def by_dataset(payload: dict, field: str = "scripted/score") -> dict[str, dict]:
    return payload["results"][field]["datasets"]


@pytest.mark.parametrize("form", ["jsonl", "csv", "parquet", "per-dataset"])
def test_known_answers_aggrefact_layout(tmp_path, form):
    data = aggrefact_folder(tmp_path / "agg", form)
    payload = run_main(
        "--benchmark", "aggrefact", "--data", str(data), "--metrics", CHECKER, "--out", str(tmp_path / "out")
    )
    rows = by_dataset(payload)
    assert rows["X"]["threshold"] == pytest.approx(0.55) and rows["X"]["threshold_from"] == "dev"
    assert rows["X"]["dev_balanced_accuracy"] == pytest.approx(5 / 6)
    assert (rows["X"]["n_dev"], rows["X"]["n_test"], rows["Y"]["n_dev"], rows["Y"]["n_test"]) == (6, 7, 0, 5)
    assert rows["Y"]["threshold"] == 0.5 and rows["Y"]["threshold_from"] == "default: no dev split"
    for name, value in EXPECTED.items():
        assert rows[name]["balanced_accuracy"]["value"] == pytest.approx(value)
        low, high = rows[name]["balanced_accuracy"]["ci95"]
        assert low <= value <= high
    average = payload["results"]["scripted/score"]["average"]
    assert average["value"] == pytest.approx((EXPECTED["X"] + EXPECTED["Y"]) / 2)  # 35/48
    assert average["datasets"] == ["X", "Y"] and average["ci95"][0] <= average["value"] <= average["ci95"][1]


def test_known_answers_agree_with_sklearn():
    """The hand-worked values, checked once more against an independent implementation."""
    metrics = pytest.importorskip("sklearn.metrics")
    for name, threshold in (("X", 0.55), ("Y", 0.5)):
        scores, labels = zip(*TEST[name])
        predictions = [int(s >= threshold) for s in scores]
        assert metrics.balanced_accuracy_score(labels, predictions) == pytest.approx(EXPECTED[name])


def test_given_threshold_replaces_the_dev_choice(tmp_path):
    data = aggrefact_folder(tmp_path / "agg", "jsonl")
    args = ["--benchmark", "aggrefact", "--data", str(data), "--metrics", CHECKER, "--threshold", "0.5"]
    payload = run_main(*args, "--bootstrap", "0", "--out", str(tmp_path / "out"))
    rows = by_dataset(payload)
    for name, value in EXPECTED_AT_HALF.items():
        assert rows[name]["threshold"] == 0.5 and rows[name]["threshold_from"] == "given"
        assert rows[name]["balanced_accuracy"] == {"value": pytest.approx(value), "ci95": None}
    assert payload["results"]["scripted/score"]["average"]["value"] == pytest.approx(2 / 3)
    assert rows["X"]["n_dev"] == 0 and payload["protocol"]["data"]["dev_claims_not_scored"] == 6


def test_a_lower_is_better_field_decides_at_or_below_its_threshold(tmp_path):
    """`doubt` = 1 - score (lower is better) gives the same decisions, at the mirrored threshold."""
    data = aggrefact_folder(tmp_path / "agg", "jsonl")
    payload = run_main(
        "--benchmark",
        "aggrefact",
        "--data",
        str(data),
        "--metrics",
        CHECKER,
        "--fields",
        "scripted/*",
        "--out",
        str(tmp_path / "out"),
    )
    assert payload["protocol"]["higher_is_better"] == {"scripted/score": True, "scripted/doubt": False}
    doubt, score = by_dataset(payload, "scripted/doubt"), by_dataset(payload, "scripted/score")
    assert doubt["X"]["threshold"] == pytest.approx(1 - score["X"]["threshold"])
    for name, value in EXPECTED.items():
        assert doubt[name]["balanced_accuracy"]["value"] == pytest.approx(value)
        assert doubt[name]["balanced_accuracy"]["ci95"] == score[name]["balanced_accuracy"]["ci95"]  # same draws


@pytest.mark.parametrize("form", ["one-file", "per-dataset"])
def test_known_answers_summac_layout(tmp_path, form):
    rows = summac_rows()
    if form == "one-file":
        data = write_jsonl(tmp_path / "summac_benchmark.jsonl", rows)
    else:  # a file per dataset, named by it, records without a dataset field, `claim` as in SummaC's loaders
        data = tmp_path / "summac"
        for name in ("X", "Y"):
            mine = [
                {**{k: v for k, v in r.items() if k not in ("dataset", "summary")}, "claim": r["summary"]}
                for r in rows
                if r["dataset"] == name
            ]
            write_jsonl(data / f"{name}.jsonl", mine)
    payload = run_main(
        "--benchmark", "summac", "--data", str(data), "--metrics", CHECKER, "--out", str(tmp_path / "out")
    )
    results = by_dataset(payload)
    assert (
        results["X"]["threshold"] == pytest.approx(0.55) and results["Y"]["threshold_from"] == "default: no dev split"
    )
    for name, value in EXPECTED.items():
        assert results[name]["balanced_accuracy"]["value"] == pytest.approx(value)
    assert payload["protocol"]["benchmark"] == "summac"


@pytest.mark.parametrize(("n", "p"), [(400, 0.8), (400, 0.65)])
def test_simulated_checker_of_accuracy_p_scores_p(tmp_path, n, p):
    """A checker right with probability p on balanced claims has balanced accuracy p, within
    sampling error; exactly the accuracy its written answers have."""
    sim = write_simulated_aggrefact(tmp_path / "sim", n=n, p=p, seed=7)
    payload = run_main(
        "--benchmark", "aggrefact", "--data", str(sim.folder), "--metrics", CHECKER, "--out", str(tmp_path / "out")
    )
    rows = by_dataset(payload)
    standard_error = math.sqrt(p * (1 - p) / n)  # of (TPR + TNR) / 2 with n/2 claims per label
    for name in ("SimA", "SimB"):
        assert rows[name]["threshold"] == pytest.approx(0.5)  # midway between the two scores the checker gives
        value = rows[name]["balanced_accuracy"]["value"]
        assert value == pytest.approx(sim.realised(name))
        assert abs(value - p) < 3 * standard_error
        low, high = rows[name]["balanced_accuracy"]["ci95"]
        assert high - low < 8 * standard_error
    average = payload["results"]["scripted/score"]["average"]
    assert average["value"] == pytest.approx((sim.realised("SimA") + sim.realised("SimB")) / 2)
    assert abs(average["value"] - p) < 3 * standard_error / math.sqrt(2)
    low, high = average["ci95"]
    assert low < average["value"] < high and high - low < (
        rows["SimA"]["balanced_accuracy"]["ci95"][1] - rows["SimA"]["balanced_accuracy"]["ci95"][0]
    )


def test_a_chance_checker_scores_one_half(tmp_path):
    """At chance the dev split may favour no cut between the two scores: then the best dev threshold
    calls every claim supported, and balanced accuracy is exactly 1/2; at a given 0.5 it is the
    answers' own, with 1/2 inside its CI."""
    sim = write_simulated_aggrefact(tmp_path / "sim", n=400, p=0.5, seed=3, datasets=("Only",))
    assert sim.realised("Only", "dev") < 0.5  # this seed's dev answers are slightly worse than chance
    common = ["--benchmark", "aggrefact", "--data", str(sim.folder), "--metrics", CHECKER]
    tuned = by_dataset(run_main(*common, "--out", str(tmp_path / "tuned")))["Only"]
    assert tuned["threshold"] < 0.1 and tuned["balanced_accuracy"]["value"] == 0.5
    given = by_dataset(run_main(*common, "--threshold", "0.5", "--out", str(tmp_path / "given")))["Only"]
    assert given["balanced_accuracy"]["value"] == pytest.approx(sim.realised("Only"))
    low, high = given["balanced_accuracy"]["ci95"]
    assert low < 0.5 < high


BAD = [
    ({"label": None}, "label", "expected 0 or 1 (1: supported), got None"),
    ({"label": 2}, "label", "expected 0 or 1 (1: supported), got 2"),
    ({"claim": "   "}, "claim", "empty claim"),
    ({"doc": ""}, "doc", "empty document"),
]


@pytest.mark.parametrize(("edit", "field", "reason"), BAD)
def test_a_bad_record_is_skipped_and_counted_naming_file_line_and_field(tmp_path, edit, field, reason):
    rows = aggrefact_rows(TEST)
    rows[2] = {**rows[2], **edit}
    file = write_jsonl(tmp_path / "test.jsonl", rows)
    data = load_benchmark(str(file), LAYOUTS["aggrefact"])
    assert len(data.claims) == len(rows) - 1 and data.total == len(rows)
    (skipped,) = data.problems.skipped
    assert skipped.message() == f"{file}:3: field '{field}' {reason}"
    with pytest.raises(InputError, match=f"{file}:3: field '{field}' "):
        load_benchmark(str(file), LAYOUTS["aggrefact"], strict=True)


def test_missing_label_names_the_fields_there_and_strict_refuses_through_the_cli(tmp_path, capsys):
    rows = aggrefact_rows(TEST)
    del rows[0]["label"]
    file = write_jsonl(tmp_path / "agg" / "test.jsonl", rows)
    common = ["meta-eval", "--benchmark", "aggrefact", "--data", str(file), "--metrics", CHECKER, "--bootstrap", "0"]
    assert harness_main([*common, "--out", str(tmp_path / "out"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert f"{file}:1: field 'label' missing (fields: claim, dataset, doc)" in err
    assert not (tmp_path / "out").exists()
    assert harness_main([*common, "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "skipped" in err and "1 of 12 records skipped" in err
    payload = json.loads((tmp_path / "out" / "aggrefact.json").read_text())
    assert payload["protocol"]["data"]["skipped"]["count"] == 1
    assert payload["protocol"]["data"]["skipped"]["records"][0].startswith(f"{file}:1: field 'label' missing")
    # the file names no split beyond "test"; a file with none is read as test, and said so
    renamed = file.rename(tmp_path / "agg" / "claims.jsonl")
    assert harness_main([*common[:4], str(renamed), *common[5:], "--out", str(tmp_path / "out2")]) == 0
    assert "claims.jsonl: no split in its name or records: read as test" in capsys.readouterr().err


def test_summac_json_arrays_per_dataset_and_cut(tmp_path):
    """SummaC's loaders give a list of records per dataset and cut: saved with json.dump, the
    dataset and the cut come from the file names."""
    for cut, split in (("val", DEV), ("test", TEST)):
        for name, pairs in split.items():
            rows = [{"document": DOCUMENT, "claim": _claim(s, i), "label": y} for i, (s, y) in enumerate(pairs)]
            (tmp_path / f"{name}_{cut}.json").write_text(json.dumps(rows))
    (tmp_path / "X_test.json").write_text(json.dumps([*json.loads((tmp_path / "X_test.json").read_text()), 5]))
    data = load_benchmark(str(tmp_path), LAYOUTS["summac"])
    counts = {
        (d, sp): sum(c.dataset == d and c.split == sp for c in data.claims) for d in "XY" for sp in ("dev", "test")
    }
    assert counts == {("X", "dev"): 6, ("X", "test"): 7, ("Y", "dev"): 0, ("Y", "test"): 5}
    assert [s.message() for s in data.problems.skipped] == [f"{tmp_path / 'X_test.json'} record 8: not a JSON object"]
    assert data.claims[0].where == f"{tmp_path / 'X_test.json'} record 1"


def test_summac_cut_must_be_val_or_test(tmp_path):
    rows = summac_rows()
    rows[0]["cut"] = "train"
    file = write_jsonl(tmp_path / "s.jsonl", rows)
    data = load_benchmark(str(file), LAYOUTS["summac"])
    assert [s.message() for s in data.problems.skipped] == [f"{file}:1: field 'cut' expected val or test, got 'train'"]


def test_labels_and_names_read_from_every_form():
    assert [parse_label(v) for v in (1, 0, 1.0, True, "1", "0", " 1.0 ", "false")] == [1, 0, 1, 1, 1, 0, 1, 0]
    assert [parse_label(v) for v in (2, -1, 0.5, "yes", None, float("nan"), [1])] == [None] * 7
    root = Path("/data/aggrefact")
    assert path_split(root / "data" / "dev-00000-of-00001.parquet", root) == "dev"
    assert path_split(root / "validation" / "Wice.jsonl", root) == "dev"
    assert path_split(root / "Wice_test.jsonl", root) == "test"
    assert path_split(root / "Wice.jsonl", root) is None
    with pytest.raises(InputError, match="names both a dev and a test split"):
        path_split(root / "dev_test.jsonl", root)
    layout = LAYOUTS["summac"]
    assert path_dataset(root / "Wice_test.jsonl", root, layout) == "Wice"
    assert path_dataset(root / "xsumfaith" / "val.jsonl", root, layout) == "xsumfaith"
    assert path_dataset(root / "test.jsonl", root, layout) == "summac"


def test_datasets_option_and_metrics_needing_references_are_refused_early(tmp_path, capsys):
    data = aggrefact_folder(tmp_path / "agg", "jsonl")
    common = ["meta-eval", "--benchmark", "aggrefact", "--data", str(data), "--bootstrap", "0"]
    payload = run_main(*common[1:], "--metrics", CHECKER, "--datasets", "Y", "--out", str(tmp_path / "out"))
    assert list(by_dataset(payload)) == ["Y"] and payload["protocol"]["data"]["excluded_by_datasets"] == 13
    assert harness_main([*common, "--metrics", CHECKER, "--datasets", "Z", "--out", str(tmp_path / "o2")]) == 2
    assert "--datasets: Z not in" in capsys.readouterr().err
    assert harness_main([*common, "--metrics", "rouge", "--out", str(tmp_path / "o3")]) == 2
    assert "--metrics rouge: it reads references" in capsys.readouterr().err


def test_the_correlation_form_is_unchanged_and_points_to_the_benchmark_form(tmp_path, capsys):
    assert harness_main(["meta-eval", "--data", str(tmp_path / "x.jsonl")]) == 2
    assert "the following arguments are required: --human" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--benchmark aggrefact|summac" in capsys.readouterr().out


def _recomputed(scores_file: Path, payload: dict, field: str) -> dict[str, float]:
    """Balanced accuracy per dataset from the scores file and the JSON's thresholds, computed here."""
    rows = [json.loads(line) for line in scores_file.read_text().splitlines()]
    out = {}
    for name, result in payload["results"][field]["datasets"].items():
        test = [r for r in rows if r["dataset"] == name and r["split"] == "test"]
        predicted = np.array([r["metrics"][field] >= result["threshold"] for r in test])
        labels = np.array([r["label"] for r in test])
        out[name] = (np.mean(predicted[labels == 1]) + np.mean(~predicted[labels == 0])) / 2
    return out


SUPPORTED = ["The committee approved the budget for the new library.", "The committee met on Tuesday."]
UNSUPPORTED = ["The mayor rejected the budget in March.", "Thousands protested outside the stadium in Boston."]


def _labelled(split: str, n: int) -> list[tuple[str, int]]:
    return [(f"{c}", 1) for c in SUPPORTED[: n // 2]] + [(f"{c}", 0) for c in UNSUPPORTED[: n // 2]]


@pytest.mark.slow
def test_end_to_end_cli_with_support_on_both_layouts(tmp_path):
    agg = tmp_path / "aggrefact"
    for split in ("dev", "test"):
        write_jsonl(
            agg / f"{split}.jsonl",
            [
                {"dataset": d, "doc": DOCUMENT, "claim": c, "label": y}
                for d in ("A", "B")
                for c, y in _labelled(split, 4)
            ],
        )
    summac = write_jsonl(
        tmp_path / "summac.jsonl",
        [
            {"dataset": d, "document": DOCUMENT, "claim": c, "label": y, "cut": cut}
            for cut in ("val", "test")
            for d in ("frank", "xsumfaith")
            for c, y in _labelled(cut, 4)
        ],
    )
    for benchmark, data, n_claims in (("aggrefact", agg, 16), ("summac", summac, 16)):
        out = tmp_path / f"out_{benchmark}"
        args = ["meta-eval", "--benchmark", benchmark, "--data", str(data), "--metrics", "support", "--out", str(out)]
        shown = run_cli(*args, "--bootstrap", "200").stdout
        assert "## `support/score` ↑" in shown and "| **average** (2 datasets) |" in shown
        assert sorted(p.name for p in out.iterdir()) == [
            f"{benchmark}.json",
            f"{benchmark}.md",
            f"{benchmark}_scores.jsonl",
        ]
        payload = json.loads((out / f"{benchmark}.json").read_text())
        scores = out / f"{benchmark}_scores.jsonl"
        assert len(scores.read_text().splitlines()) == n_claims
        results = payload["results"]["support/score"]["datasets"]
        assert all(r["n_dev"] == 4 and r["n_test"] == 4 and r["threshold_from"] == "dev" for r in results.values())
        for name, value in _recomputed(scores, payload, "support/score").items():
            assert results[name]["balanced_accuracy"]["value"] == pytest.approx(value)
        absent = payload["protocol"]["data"]["published_datasets_absent"]
        assert absent == (
            list(LAYOUTS["aggrefact"].datasets)
            if benchmark == "aggrefact"
            else ["cogensumm", "polytope", "factcc", "summeval"]
        )
        markdown = (out / f"{benchmark}.md").read_text()
        assert markdown.startswith(f"# {LAYOUTS[benchmark].title}: balanced accuracy per dataset")
        assert "- metric `support`: `support\\|aggregate:mean" in markdown and "| bal. acc. % [95% CI] |" in markdown
        # a second run keeps the first and takes the next name
        run_cli(*args, "--bootstrap", "0")
        assert (out / f"{benchmark}-1.json").is_file()
