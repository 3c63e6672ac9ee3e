"""`harness annotations` and `harness meta-eval --annotations`: Krippendorff's alpha against the
`krippendorff` package and hand-computed cases, annotation records read strictly (file, line and
field named), merging by latest judgment, hostile text kept inert, and two simulated annotators
over a hand-made sweep whose correlations are known by construction."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from run_files import write_run
from scipy import stats

from harness.analysis.agreement import krippendorff_alpha
from harness.analysis.annotations.merge import merge, read_merged
from harness.analysis.annotations.records import read_annotations
from harness.analysis.annotations.summary import analyse_files, texts
from harness.analysis.meta_eval.annotated import Choice, pairwise_agreement
from harness.analysis.meta_eval.annotated_eval import evaluate
from harness.analysis.runs import Run
from harness.errors import InputError
from harness.records import Problems

krippendorff = pytest.importorskip("krippendorff")

# ---- alpha ----

NAN = np.nan
# coders x units, NaN: no value (the package's layout)
MATRICES = {
    "krippendorff_2011_nominal": [  # the 4 coders x 12 units example of "Computing Krippendorff's Alpha-Reliability"
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ],
    "two_coders_missing": [[0, 1, 0, 0, 2, NAN, 1, 2], [0, 1, 1, 0, 2, 2, NAN, 1]],
    "three_coders_pairwise": [[0, 1, 2, 1, 0, 2, 1], [0, 1, 1, 1, 0, 2, NAN], [1, NAN, 2, 0, 0, 2, 1]],
    "low_agreement": [[0, 1, 0, 1, 0, 1, 0, 1], [1, 0, 1, 0, 0, 1, 1, 0]],
}


def units_of(matrix) -> tuple[list[list[int | None]], list[int]]:
    m = np.array(matrix, dtype=float)
    units = [[None if np.isnan(v) else int(v) for v in m[:, u]] for u in range(m.shape[1])]
    return units, sorted({int(v) for v in m[~np.isnan(m)]})


@pytest.mark.parametrize("level", ["nominal", "ordinal"])
@pytest.mark.parametrize("name", sorted(MATRICES))
def test_alpha_equals_the_krippendorff_package(name, level):
    units, categories = units_of(MATRICES[name])
    expected = krippendorff.alpha(reliability_data=np.array(MATRICES[name], dtype=float), level_of_measurement=level)
    got = krippendorff_alpha(units, categories, level, samples=0)
    assert got.value == pytest.approx(expected, abs=1e-12)


def test_alpha_equals_the_package_on_random_matrices_with_missing_values():
    rng = np.random.default_rng(7)
    for _ in range(100):
        coders, items, values = rng.integers(2, 6), rng.integers(4, 30), rng.integers(2, 6)
        m = rng.integers(0, values, size=(coders, items)).astype(float)
        m[rng.random(m.shape) < 0.25] = np.nan
        units, _ = units_of(m)
        for level in ("nominal", "ordinal"):
            got = krippendorff_alpha(units, list(range(values)), level, samples=0)
            try:
                expected = krippendorff.alpha(
                    reliability_data=m, level_of_measurement=level, value_domain=range(values)
                )
            except ValueError:  # the package refuses data with one value
                expected = np.nan
            if np.isnan(expected):
                assert got.value is None
            else:
                assert got.value == pytest.approx(expected, abs=1e-10)


def test_alpha_hand_computed():
    # (a, a), (a, b), (b, b): o_ab = o_ba = 1, n_a = n_b = 3, n = 6 -> 1 - 5 * 2 / (2 * 3 * 3) = 4/9
    assert krippendorff_alpha([["a", "a"], ["a", "b"], ["b", "b"]], ["a", "b"]).value == pytest.approx(4 / 9)
    # A < tie < B: (A, tie), (tie, B), (A, A), (B, B); n_A = 3, n_tie = 2, n_B = 3, n = 8.
    # ordinal d2(A, tie) = d2(tie, B) = (5/2)^2, d2(A, B) = (8 - 3)^2 = 25:
    # 1 - 7 * (4 * 6.25) / (2 * (6 * 6.25 + 6 * 6.25 + 9 * 25)) = 1 - 175/600; nominal 1 - 7 * 4 / 42 = 1/3
    units = [["A", "tie"], ["tie", "B"], ["A", "A"], ["B", "B"]]
    scale = ["A", "tie", "B"]
    assert krippendorff_alpha(units, scale, "ordinal").value == pytest.approx(1 - 175 / 600)
    assert krippendorff_alpha(units, scale, "nominal").value == pytest.approx(1 / 3)
    assert krippendorff_alpha([["x", "x"], ["y", "y", None]], ["x", "y"]).value == 1.0
    # the published values of the 4 x 12 example (Krippendorff 2011): nominal .743, ordinal .815
    units, categories = units_of(MATRICES["krippendorff_2011_nominal"])
    assert round(krippendorff_alpha(units, categories, "nominal").value or 0, 3) == 0.743
    assert round(krippendorff_alpha(units, categories, "ordinal").value or 0, 3) == 0.815
    same = krippendorff_alpha([["x", "x"], ["x", "x"]], ["x", "y"])
    assert same.value is None and same.reason == "every annotator gave the same value"
    alone = krippendorff_alpha([["x", None], ["y"]], ["x", "y"])
    assert alone.value is None and alone.items == 0 and "fewer than two" in (alone.reason or "")


def test_alpha_ci_is_seeded_and_holds_the_value():
    units, categories = units_of(MATRICES["krippendorff_2011_nominal"])
    a = krippendorff_alpha(units, categories, "nominal", samples=500, seed=3)
    b = krippendorff_alpha(units, categories, "nominal", samples=500, seed=3)
    c = krippendorff_alpha(units, categories, "nominal", samples=500, seed=4)
    assert a == b and a.ci95 != c.ci95
    assert a.ci95 is not None and a.value is not None and a.ci95[0] <= a.value <= a.ci95[1] <= 1.0


# ---- records ----


def record(annotator: str, kind: str, doc: str, time: str, **fields) -> dict:
    return {
        "schema": "harness.annotation/1",
        "annotator": annotator,
        "time": time,
        "kind": kind,
        "doc_id": doc,
        "source": "sweep",
        **fields,
    }


def bullet(annotator, doc, system, index, label, time="2026-01-01T10:00:00Z", category=None, text=None):
    text = f"bullet {index} of {system} on {doc}" if text is None else text
    return record(
        annotator, "bullet", doc, time, system=system, bullet_index=index, bullet=text, label=label, category=category
    )


def write(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


BAD = [
    ({"schema": "harness.annotation/9"}, "schema", "is not 'harness.annotation/1'"),
    ({"time": "yesterday"}, "time", "not an ISO 8601 time"),
    ({"time": "2026-01-01T10:00:00"}, "time", "no time zone"),
    ({"kind": "summary"}, "kind", "'summary' is not one of bullet, fact, pairwise"),
    ({"label": "maybe"}, "label", "'maybe' is not one of supported, unsupported"),
    ({"category": "vibes"}, "category", "'vibes' is not one of out-of-context"),
    ({"bullet_index": -1}, "bullet_index", "expected a whole number from 0"),
    ({"bullet_index": True}, "bullet_index", "expected a whole number from 0"),
    ({"annotator": ""}, "annotator", "empty"),
    ({"doc_id": 7}, "doc_id", "expected text, got a number"),
    ({"system": None}, "system", "expected text, got null"),
]


@pytest.mark.parametrize("change, field, reason", BAD, ids=[b[1] + "-" + b[2][:12] for b in BAD])
def test_a_bad_record_names_file_line_and_field(tmp_path, change, field, reason):
    good = bullet("alice", "d1", "lead", 0, "supported")
    path = write(tmp_path / "alice.jsonl", [good, {**good, **change}])
    with pytest.raises(InputError) as e:
        read_annotations([path], strict=True)
    assert f"{path}:2: field '{field}'" in str(e.value) and reason in str(e.value)
    annotations, files, problems = read_annotations([path])
    assert len(annotations) == 1 and files[0].skipped == 1 and problems.skipped[0].line == 2


def test_missing_fields_pairs_with_itself_bad_bytes_fifo_and_empty_files(tmp_path):
    pair = record("bob", "pairwise", "d1", "2026-01-01T10:00:00Z", system_a="x", system_b="x", label="A")
    no_label = {k: v for k, v in bullet("bob", "d1", "lead", 0, "supported").items() if k != "label"}
    path = tmp_path / "bob.jsonl"
    path.write_bytes(
        json.dumps(pair).encode() + b"\n" + json.dumps(no_label).encode() + b"\n" + b'{"schema": "\xff"}\n' + b"[1]\n"
    )
    _, _, problems = read_annotations([path])
    assert [(s.line, s.field) for s in problems.skipped] == [(1, "system_b"), (2, "label"), (3, None), (4, None)]
    assert "not valid UTF-8" in problems.skipped[2].reason and "JSON object" in problems.skipped[3].reason
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_annotations([fifo])
    empty = write(tmp_path / "empty.jsonl", [])
    assert read_annotations([empty])[0] == []


def test_the_latest_judgment_per_annotator_and_item_counts(tmp_path):
    rows = [
        bullet("alice", "d1", "lead", 0, "unsupported", "2026-01-01T12:00:00+02:00", "entity"),  # 10:00 UTC
        bullet("alice", "d1", "lead", 0, "supported", "2026-01-01T09:59:00Z"),  # earlier, though later in the file
        bullet("alice", "d1", "lead", 1, "supported", "2026-01-01T10:00:00.000Z"),  # as a browser writes it
        bullet("alice", "d1", "lead", 1, "unsupported", "2026-01-01T10:00:00Z", "other"),  # same time: later line
    ]
    annotations, _, _ = read_annotations([write(tmp_path / "a.jsonl", rows)])
    merged = merge(annotations)
    assert [(i.index, i.judgments["alice"].label, i.judgments["alice"].category) for i in merged.items] == [
        (0, "unsupported", "entity"),
        (1, "unsupported", "other"),
    ]
    assert merged.replaced["alice"] == 2


def test_pairwise_choices_are_merged_whatever_order_they_were_shown_in(tmp_path):
    t = "2026-01-01T10:00:00Z"
    rows = [
        record("alice", "pairwise", "d1", t, system_a="t5", system_b="lead", label="A"),  # prefers t5
        record("bob", "pairwise", "d1", t, system_a="lead", system_b="t5", label="B"),  # prefers t5
        record("carol", "pairwise", "d1", t, system_a="lead", system_b="t5", label="tie"),
    ]
    (item,) = merge(read_annotations([write(tmp_path / "p.jsonl", rows)])[0]).items
    assert item.systems == ("lead", "t5")
    assert {n: j.label for n, j in item.judgments.items()} == {"alice": "B", "bob": "B", "carol": "tie"}
    assert item.majority() == ("B", False)


def test_majority_and_ties(tmp_path):
    rows = [
        bullet("alice", "d1", "lead", 0, "supported"),
        bullet("bob", "d1", "lead", 0, "unsupported", category="entity"),
        bullet("alice", "d1", "lead", 1, "unsupported", category="entity"),
        bullet("bob", "d1", "lead", 1, "unsupported", category="entity"),
        bullet("carol", "d1", "lead", 1, "supported"),
    ]
    first, second = merge(read_annotations([write(tmp_path / "m.jsonl", rows)])[0]).items
    assert first.majority() == (None, True) and first.disagrees()
    assert second.majority() == ("unsupported", False) and second.majority_category() == "entity"


def test_merged_records_read_back_and_an_annotators_file_is_refused_with_a_hint(tmp_path):
    rows = [bullet("alice", "d1", "lead", 0, "supported"), bullet("bob", "d1", "lead", 0, "supported")]
    raw = write(tmp_path / "raw.jsonl", rows)
    out = tmp_path / "out"
    run_cli("annotations", str(raw), "--out", str(out), "--bootstrap", "0")
    (item,) = read_merged([out / "merged.jsonl"], Problems(strict=True))
    assert item.majority() == ("supported", False) and set(item.judgments) == {"alice", "bob"}
    with pytest.raises(InputError, match=r"raw.jsonl:1: field 'schema'.*merge the files with `harness annotations`"):
        read_merged([raw], Problems(strict=True))


def test_hostile_text_is_kept_as_data_and_shown_inert(tmp_path):
    evil = '=HYPERLINK("http://x")|<script>\x1b[31m\u202e'
    rows = [
        bullet(evil, "d1", "lead", 0, "supported", text=evil),
        bullet("bob", "d1", "lead", 0, "unsupported", text=evil, category="entity"),
    ]
    out = tmp_path / "out"
    proc = run_cli("annotations", str(write(tmp_path / "a.jsonl", rows)), "--out", str(out), "--bootstrap", "0")
    assert "\x1b" not in proc.stdout and "\u202e" not in proc.stdout and "\\u001b" in proc.stdout
    md = (out / "agreement.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "\x1b" not in md and "\\|" in md
    table = list(csv.reader(io.StringIO((out / "disagreements.csv").read_text(encoding="utf-8"))))
    shown = "'" + '=HYPERLINK("http://x")|<script>\\u001b[31m\\u202e'  # escapes shown, not run
    assert table[0][-2:] == [shown, "bob"]  # the annotator's id as a column, quoted
    assert table[1][6].startswith("'=HYPERLINK")
    merged = [json.loads(line) for line in (out / "merged.jsonl").read_text(encoding="utf-8").splitlines()]
    assert merged[0]["bullet"] == evil and evil in merged[0]["judgments"]  # data kept as it was


# ---- end to end: two annotators over a hand-made sweep, then meta-eval against them ----

SYSTEMS = ["s0", "s1", "s2", "s3"]
DOCS = [f"d{i}" for i in range(10)]
BULLETS, FACTS = 4, 3


def truth() -> tuple[np.ndarray, np.ndarray]:
    """Supported bullets (of 4) and stated facts (of 3) per document x system, varied in every document."""
    rng = np.random.default_rng(11)
    supported = np.array([rng.permutation(BULLETS + 1)[: len(SYSTEMS)] for _ in DOCS])
    stated = rng.integers(0, FACTS + 1, size=(len(DOCS), len(SYSTEMS)))
    return supported, stated


def annotators(supported: np.ndarray, stated: np.ndarray, folder: Path) -> tuple[Path, Path, set]:
    """alice labels the truth; bob agrees except on bullet 0 of every s0 summary (those items tie and
    drop out), one pairwise choice per document he calls a tie, and he sees every pair swapped."""
    alice, bob, flipped = [], [], set()
    t = "2026-01-01T10:00:00Z"
    for d, doc in enumerate(DOCS):
        for s, system in enumerate(SYSTEMS):
            for b in range(BULLETS):
                label = "supported" if b < supported[d, s] else "unsupported"
                category = None if label == "supported" else "entity"
                alice.append(bullet("alice", doc, system, b, label, t, category))
                if system == "s0" and b == 0:
                    other = "unsupported" if label == "supported" else "supported"
                    bob.append(bullet("bob", doc, system, b, other, t, "predicate" if other == "unsupported" else None))
                    flipped.add((doc, system))
                else:
                    bob.append(bullet("bob", doc, system, b, label, t, category))
            for f in range(FACTS):
                label = "stated" if f < stated[d, s] else "not_stated"
                for name, rows in (("alice", alice), ("bob", bob)):
                    rows.append(
                        record(name, "fact", doc, t, system=system, fact_index=f, fact=f"fact {f}", label=label)
                    )
        for i in range(len(SYSTEMS)):
            for j in range(i + 1, len(SYSTEMS)):
                a, b = supported[d, i], supported[d, j]
                label = "A" if a > b else "B" if b > a else "tie"
                alice.append(record("alice", "pairwise", doc, t, system_a=SYSTEMS[i], system_b=SYSTEMS[j], label=label))
                swapped = {"A": "B", "B": "A", "tie": "tie"}[label] if (i, j) != (0, 1) else "tie"
                bob.append(record("bob", "pairwise", doc, t, system_a=SYSTEMS[j], system_b=SYSTEMS[i], label=swapped))
    return write(folder / "alice.jsonl", alice), write(folder / "bob.jsonl", bob), flipped


def sweep(root: Path, supported: np.ndarray, stated: np.ndarray) -> Path:
    """support/score = supported share (+ a tiny per-system offset), support/unsupported its count
    (lower is better), facts/recall = stated share, noise/value unrelated, bad/score = -support."""
    rng = np.random.default_rng(5)
    for s, system in enumerate(SYSTEMS):
        share = supported[:, s] / BULLETS
        fields = {
            "support/score": list(share + 0.001 * s),
            "support/unsupported": list((BULLETS - supported[:, s]).astype(float)),
            "facts/recall": list(stated[:, s] / FACTS),
            "noise/value": list(rng.random(len(DOCS))),
            "bad/score": list(-share),
        }
        values = {d: {k: v[i] for k, v in fields.items()} for i, d in enumerate(DOCS)}
        write_run(root / f"{s}_{system}", system, values, {"support/unsupported": False})
    return root


@pytest.mark.slow
def test_two_annotators_then_meta_eval_against_them(tmp_path):
    supported, stated = truth()
    alice, bob, flipped = annotators(supported, stated, tmp_path)
    runs = sweep(tmp_path / "sweep", supported, stated)
    out = tmp_path / "agreement"
    proc = run_cli("annotations", str(alice), str(bob), "--out", str(out), "--seed", "1")
    agreement = json.loads((out / "agreement.json").read_text())
    alphas = {(a["measure"], a["level"]): a for a in agreement["agreement"]}
    assert alphas["fact label", "nominal"]["alpha"] == 1.0
    # the bullet labels' alpha is the package's on the same judgments
    labels = [[], []]
    for d, doc in enumerate(DOCS):
        for s, system in enumerate(SYSTEMS):
            for b in range(BULLETS):
                truth_label = float(b < supported[d, s])
                labels[0].append(truth_label)
                labels[1].append(1 - truth_label if (doc, system) in flipped and b == 0 else truth_label)
    expected = krippendorff.alpha(reliability_data=np.array(labels), level_of_measurement="nominal")
    assert alphas["bullet label", "nominal"]["alpha"] == pytest.approx(expected)
    # pairwise on the scale A < tie < B, in the sorted pair's orientation (bob saw every pair swapped)
    scale = {"A": 0.0, "tie": 1.0, "B": 2.0}
    choices = [[], []]
    for d in range(len(DOCS)):
        for i in range(len(SYSTEMS)):
            for j in range(i + 1, len(SYSTEMS)):
                label = (
                    "A" if supported[d, i] > supported[d, j] else "B" if supported[d, j] > supported[d, i] else "tie"
                )
                choices[0].append(scale[label])
                choices[1].append(scale["tie" if (i, j) == (0, 1) else label])
    for level in ("nominal", "ordinal"):
        expected = krippendorff.alpha(reliability_data=np.array(choices), level_of_measurement=level)
        assert alphas["pairwise choice", level]["alpha"] == pytest.approx(expected)
    assert alphas["pairwise choice", "ordinal"]["alpha"] > alphas["pairwise choice", "nominal"]["alpha"] > 0.5
    assert agreement["items"]["bullet"]["disagreements"] == len(DOCS)  # bullet 0 of s0, every document
    assert agreement["items"]["pairwise"]["majority_ties"] == len(DOCS) - sum(supported[:, 0] == supported[:, 1])
    rows = list(csv.DictReader(io.StringIO((out / "disagreements.csv").read_text())))
    assert {r["system"] for r in rows if r["kind"] == "bullet"} == {"s0"} and "alice" in rows[0]
    assert "bullet label" in proc.stdout

    result = tmp_path / "meta"
    proc = run_cli(
        "meta-eval",
        "--annotations",
        str(out / "merged.jsonl"),
        "--runs",
        str(runs),
        "--fields",
        "support*",
        "facts/*",
        "noise/*",
        "bad/*",
        "--out",
        str(result),
        "--bootstrap",
        "200",
    )
    payload = json.loads((result / "meta_eval.json").read_text())
    res = payload["results"]
    # bob's flipped bullets tie and drop out: the humans' share is over the other bullets
    share = {}
    for d, doc in enumerate(DOCS):
        for s, system in enumerate(SYSTEMS):
            kept = [b < supported[d, s] for b in range(BULLETS) if not ((doc, system) in flipped and b == 0)]
            share[doc, system] = sum(kept) / len(kept)
    metric = [supported[d, s] / BULLETS + 0.001 * s for d in range(len(DOCS)) for s in range(len(SYSTEMS))]
    human = [share[doc, system] for doc in DOCS for system in SYSTEMS]
    glob = res["support/score"]["supported_share"]["global"]
    assert glob["pearson"]["value"] == pytest.approx(stats.pearsonr(metric, human)[0])
    assert glob["pearson"]["value"] > 0.8
    assert res["support/unsupported"]["supported_share"]["global"]["pearson"]["value"] < -0.8
    # facts: both annotators agree, and the metric is the humans' share exactly
    for level in ("summary", "system", "global"):
        assert res["facts/recall"]["facts_stated_share"][level]["pearson"]["value"] == pytest.approx(1.0)
    assert payload["best"]["supported_share"]["global"]["pearson"] in ("support/score", "support/unsupported")
    pairwise = payload["pairwise"]["results"]
    for key in ("support/score", "support/unsupported"):  # the lower-is-better field read in its direction
        assert pairwise[key]["accuracy"]["value"] == 1.0 and pairwise[key]["kendall_like"]["value"] == 1.0
    assert pairwise["bad/score"]["accuracy"]["value"] == 0.0 and pairwise["bad/score"]["kendall_like"]["value"] == -1.0
    assert pairwise["support/score"]["n"] == sum(
        supported[d, i] != supported[d, j]
        for d in range(len(DOCS))
        for i in range(4)
        for j in range(i + 1, 4)
        if (i, j) != (0, 1)
    )
    assert 0.0 < pairwise["noise/value"]["accuracy"]["value"] < 1.0
    md = (result / "meta_eval.md").read_text()
    assert "## Pairwise level" in md and "`support/score`" in md
    assert "pairwise" in proc.stdout and "supported_share" in proc.stdout
    scores = [json.loads(line) for line in (result / "meta_eval_scores.jsonl").read_text().splitlines()]
    assert len(scores) == len(DOCS) * len(SYSTEMS)


@pytest.mark.parametrize(
    "system, doc, message",
    [
        ("gpt-9", "d1", "the annotations name systems no run has: 'gpt-9'"),
        ("s1", "d99", "annotated documents that the runs do not have: 'd99' of 's1'"),
    ],
)
def test_meta_eval_refuses_annotations_of_other_runs(tmp_path, system, doc, message):
    supported, stated = truth()
    runs = sweep(tmp_path / "sweep", supported, stated)
    rows = [bullet("alice", doc, system, 0, "supported"), bullet("bob", doc, system, 0, "supported")]
    out = tmp_path / "agreement"
    run_cli("annotations", str(write(tmp_path / "a.jsonl", rows)), "--out", str(out), "--bootstrap", "0")
    merged = str(out / "merged.jsonl")
    proc = run_cli("meta-eval", "--annotations", merged, "--runs", str(runs), "--out", str(tmp_path / "m"), check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "m").exists()


def test_pairwise_choices_alone_are_evaluated(tmp_path):
    supported, stated = truth()
    runs = sweep(tmp_path / "sweep", supported, stated)
    t = "2026-01-01T10:00:00Z"
    rows = [  # on d0 the humans prefer s0 to s1 both times; one of them saw the pair swapped
        record("alice", "pairwise", "d0", t, system_a="s0", system_b="s1", label="A"),
        record("bob", "pairwise", "d0", t, system_a="s1", system_b="s0", label="B"),
        record("alice", "pairwise", "d1", t, system_a="s2", system_b="s3", label="tie"),
        record("bob", "pairwise", "d1", t, system_a="s2", system_b="s3", label="tie"),
    ]
    summary = analyse_files([write(tmp_path / "p.jsonl", rows)], samples=0)
    (tmp_path / "merged.jsonl").write_text(texts(summary)["merged.jsonl"])
    result = evaluate([str(tmp_path / "merged.jsonl")], [runs], ["support/score"], samples=100)
    assert result.payload["results"] == {}  # no bullet or fact: no summary-level human score
    pairwise = result.payload["pairwise"]["results"]["support/score"]
    agrees = supported[0, 0] > supported[0, 1]
    assert pairwise["n"] == 1 and pairwise["human_ties"] == 1
    assert pairwise["accuracy"]["value"] == (1.0 if agrees else 0.0)
    assert "## Pairwise level" in result.markdown() and "support/score" in result.table()


def test_items_whose_text_differs_between_annotators_are_reported(tmp_path):
    rows = [
        bullet("alice", "d1", "lead", 0, "supported", text="The council met."),
        bullet("bob", "d1", "lead", 0, "supported", text="Another report's bullet."),
    ]
    path = write(tmp_path / "a.jsonl", rows)
    summary = analyse_files([str(path)], samples=0)
    assert summary.merged.text_conflicts == [
        f"{path}:2: bullet text differs from another annotator's for the same item"
    ]
    proc = run_cli("annotations", str(path), "--out", str(tmp_path / "out"), "--bootstrap", "0")
    assert "1 items whose text differs between annotators" in proc.stderr


def test_pairwise_agreement_known_answers():
    """Five choices on d0..d2 with a metric whose higher value is better: 2 concordant, 1 discordant,
    1 metric tie, 1 human tie, and one choice with no metric score."""
    scores = {
        "x": {"d0": {"m": 0.9}, "d1": {"m": 0.5}, "d2": {"m": 0.1}, "d3": {"m": None}},
        "y": {"d0": {"m": 0.1}, "d1": {"m": 0.5}, "d2": {"m": 0.7}, "d3": {"m": 0.3}},
        "z": {"d0": {"m": 0.0}, "d1": {"m": 0.2}, "d2": {"m": 0.2}, "d3": {"m": 0.3}},
    }
    runs = {label: Run(Path(label), label, {}, {"m": {}}, rows) for label, rows in scores.items()}
    choices = [
        Choice("d0", "x", "y", "A"),  # metric x > y: concordant
        Choice("d0", "y", "z", "A"),  # y > z: concordant
        Choice("d2", "x", "y", "A"),  # y > x: discordant
        Choice("d1", "x", "y", "B"),  # x == y: metric tie
        Choice("d2", "y", "z", "tie"),  # human tie
        Choice("d3", "x", "y", "A"),  # no score for x
    ]
    result = pairwise_agreement(choices, runs, "m", True, samples=0)
    assert (result.concordant, result.discordant, result.metric_ties) == (2, 1, 1)
    assert (result.human_ties, result.missing, result.n) == (1, 1, 4)
    assert result.values["accuracy"] == pytest.approx(2 / 3)  # ties left out
    assert result.values["kendall_like"] == pytest.approx((2 - 1 - 1) / 4)  # a metric tie is discordant
    lower = pairwise_agreement(choices, runs, "m", False, samples=0)  # lower is better: preferences flip
    assert (lower.concordant, lower.discordant, lower.values["accuracy"]) == (1, 2, pytest.approx(1 / 3))
    with_ci = pairwise_agreement(choices, runs, "m", True, samples=200, seed=1)
    ci = with_ci.ci95["accuracy"]
    assert ci is not None and 0.0 <= ci[0] <= 2 / 3 <= ci[1] <= 1.0


def test_alpha_on_qags_workers_votes_equals_the_package(tmp_path):
    """QAGS CNN/DM (Wang et al., 2020): 714 summary sentences, 3 yes/no votes each from 162 workers,
    written as annotation records (a worker per annotator, a sentence per bullet) and read back."""
    from conftest import shared_file

    path = shared_file("qags/qags_cnndm.jsonl")
    rows, workers, votes = [], {}, {}
    for summary in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()):
        for index, sentence in enumerate(summary["summary_sentences"]):
            for response in sentence["responses"]:
                label = "supported" if response["response"] == "yes" else "unsupported"
                worker = f"w{response['worker_id']}"
                workers.setdefault(worker, len(workers))
                votes[worker, summary["doc_id"], index] = float(label == "supported")
                rows.append(
                    bullet(worker, summary["doc_id"], summary["system_id"], index, label, text=sentence["sentence"])
                )
    out = tmp_path / "out"
    run_cli("annotations", str(write(tmp_path / "qags.jsonl", rows)), "--out", str(out), "--bootstrap", "200")
    agreement = json.loads((out / "agreement.json").read_text())
    got = next(a for a in agreement["agreement"] if a["measure"] == "bullet label")
    items = sorted({(d, i) for _, d, i in votes})
    matrix = np.full((len(workers), len(items)), np.nan)
    column = {item: k for k, item in enumerate(items)}
    for (worker, doc, index), value in votes.items():
        matrix[workers[worker], column[doc, index]] = value
    assert got["items"] == 714 and got["values"] == 714 * 3
    assert got["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    assert got["ci95"][0] < got["alpha"] < got["ci95"][1]
