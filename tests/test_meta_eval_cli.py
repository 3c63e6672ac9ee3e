"""Reading meta-evaluation files (dotted paths, --against, errors naming file/line/field),
metric specs, and end-to-end runs of `harness meta-eval` on a small file."""

from __future__ import annotations

import hashlib
import json
import math

import pytest
from conftest import run_cli

from harness.analysis.meta_eval.judgments import FieldNames, load
from harness.analysis.meta_eval.scoring import resolve_spec
from harness.cli.meta_eval import main
from harness.errors import ConfigError, InputError

REFERENCE = "the cat sat on the mat . it was happy ."
# Per document, three systems whose ROUGE-1 against the reference falls in the humans' order.
SUMMARIES = {
    "s1": "the cat sat on the mat . it was happy .",
    "s2": "the cat sat on a rug .",
    "s3": "a dog ran away .",
}


def _records(docs: int = 4) -> list[dict]:
    rows = []
    for d in range(docs):
        for rank, (system, text) in enumerate(SUMMARIES.items()):
            rows.append(
                {
                    "doc_id": f"doc{d}",
                    "system_id": system,
                    "summary": text,
                    "source": f"article {d} : {REFERENCE} more text",
                    "reference": REFERENCE,
                    "references": [REFERENCE, "a cat was on a mat ."],
                    "scores": {"quality": 3 - rank + 0.1 * d, "ok": int(rank < 2)},
                }
            )
    return rows


def _args(file: str, out, *options: str, human: str = "scores.quality", bootstrap: str = "0") -> list[str]:
    """`harness meta-eval` arguments: the file, the human field(s), the options, the bootstrap and --out."""
    return ["--data", file, "--human", human, *options, "--bootstrap", bootstrap, "--out", str(out)]


def _write(path, rows) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def test_dotted_paths_and_against(tmp_path):
    file = _write(tmp_path / "m.jsonl", _records(2))
    data = load(file, ["scores.quality", "scores.ok"], "references")
    assert data.doc_ids[:3] == ["doc0"] * 3 and data.system_ids[:3] == ["s1", "s2", "s3"]
    assert data.human["scores.quality"][:3] == [3.0, 2.0, 1.0]
    assert data.human["scores.ok"][:3] == [1.0, 1.0, 0.0]
    assert len(data.examples[0].references) == 2
    # references are stored one sentence per line (as ROUGE-Lsum reads them)
    assert data.examples[0].references[0] == "the cat sat on the mat .\nit was happy ."
    assert data.summaries[1].bullets == ("the cat sat on a rug .",)
    assert load(file, ["scores.quality"], "reference").examples[0].references == (
        "the cat sat on the mat .\nit was happy .",
    )
    source = load(file, ["scores.quality"], "source").examples[0]
    assert source.references[0].startswith("article 0")


def test_facts_field(tmp_path):
    rows = _records(1)
    for r in rows:
        r["units"] = ["a cat sat", "it was happy"]
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"], names=FieldNames(facts="units"))
    assert data.examples[0].facts == ("a cat sat", "it was happy")


def test_null_human_score_is_missing(tmp_path):
    rows = _records(1)
    rows[0]["scores"]["quality"] = None
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"])
    assert math.isnan(data.human["scores.quality"][0])


BAD_RECORDS = [
    (lambda rows: rows[1]["scores"].pop("quality"), 2, "scores.quality", "missing"),
    (lambda rows: rows[2]["scores"].update(quality="good"), 3, "scores.quality", "expected a number"),
    (lambda rows: rows[1].update(system_id="s1"), 2, "system_id", "duplicate"),
    (lambda rows: rows[0].pop("doc_id"), 1, "doc_id", "missing"),
    (lambda rows: rows[0].update(summary=None), 1, "summary", "null"),
    (lambda rows: rows[0].pop("reference"), 1, "reference", "missing"),
    (lambda rows: rows[1].update(source=None), 2, "source", "null"),
    (lambda rows: rows[2].update(system_id=None), 3, "system_id", "null"),
]


@pytest.mark.parametrize("edit, line, field, reason", BAD_RECORDS)
def test_strict_mode_makes_a_bad_record_an_error_naming_file_line_and_field(tmp_path, edit, line, field, reason):
    rows = _records(1)
    edit(rows)
    with pytest.raises(InputError, match=f"m.jsonl:{line}: field '{field}' {reason}"):
        load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"], strict=True)


@pytest.mark.parametrize(
    "edit, line, field, reason", [r for r in BAD_RECORDS if r[2] != "scores.quality" or r[3] != "missing"]
)
def test_a_bad_record_is_skipped_and_counted(tmp_path, edit, line, field, reason):
    rows = _records(2)
    edit(rows)
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"])
    assert len(data.doc_ids) == len(rows) - 1 and line not in data.lines
    (skipped,) = data.problems.skipped
    assert (skipped.line, skipped.field) == (line, field) and skipped.reason.startswith(reason)
    assert skipped.file.endswith("m.jsonl")


def test_null_parent_of_a_dotted_field(tmp_path):
    """A null parent (`"scores": null`) is a missing human score for that record (counted), and
    a null parent of an identity field skips the record, naming the parent."""
    rows = _records(2)
    rows[1]["scores"] = None
    rows[2]["meta"] = None
    for r in rows[:2] + rows[3:]:
        r["meta"] = {"system": r["system_id"]}
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"], names=FieldNames(system_id="meta.system"))
    assert [s.line for s in data.problems.skipped] == [3]
    assert data.problems.skipped[0].message().endswith("field 'meta.system' null (its parent 'meta' is null)")
    (missing,) = data.missing_human["scores.quality"]
    assert missing.line == 2 and "parent 'scores' is null" in missing.reason
    assert math.isnan(data.human["scores.quality"][data.lines.index(2)])
    with pytest.raises(InputError, match="m.jsonl:3: field 'meta.system' null"):
        load(
            _write(tmp_path / "m.jsonl", rows),
            ["scores.quality"],
            names=FieldNames(system_id="meta.system"),
            strict=True,
        )


def test_where_keeps_matching_records(tmp_path):
    rows = _records(3)
    rows[0]["split"] = {"name": "test"}
    file = _write(tmp_path / "m.jsonl", rows)
    data = load(file, ["scores.quality"], where=["system_id=s1", "system_id=s3"])
    assert set(data.system_ids) == {"s1", "s3"} and data.filtered == 3 and data.total == 9
    assert load(file, ["scores.quality"], where=["scores.ok=1", "doc_id=doc2"]).system_ids == ["s1", "s2"]
    assert load(file, ["scores.quality"], where=["scores.quality=3"]).lines == [1]  # 3 == 3.0
    assert load(file, ["scores.quality"], where=["split.name=test"]).lines == [1]  # absent elsewhere: excluded
    with pytest.raises(InputError, match="9 of 9 records excluded by --where"):
        load(file, ["scores.quality"], where=["system_id=nope"])
    with pytest.raises(ConfigError, match="FIELD=VALUE"):
        load(file, ["scores.quality"], where=["system_id"])


def test_references_are_read_only_when_a_metric_needs_them(tmp_path):
    rows = _records(2)
    for r in rows:
        del r["reference"], r["references"]
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"], needs=frozenset())
    assert len(data.doc_ids) == 6 and data.examples[0].references == ()


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(_records(1)[0]) + "\n{not json\n")
    with pytest.raises(InputError, match="m.jsonl:2: malformed JSON"):
        load(str(path), ["scores.quality"], strict=True)
    assert [s.line for s in load(str(path), ["scores.quality"]).problems.skipped] == [2]


def test_resolve_spec_aliases_and_overrides():
    spec = resolve_spec(["rouge", "nostem=rouge"], ["nostem.use_stemmer=false"])
    assert spec["rouge"]["metric"] == "rouge" and spec["rouge"]["use_stemmer"] is True
    assert spec["nostem"]["metric"] == "rouge" and spec["nostem"]["use_stemmer"] is False
    with pytest.raises(ConfigError, match="not among --metrics"):
        resolve_spec(["rouge"], ["bleu.x=1"])
    with pytest.raises(ConfigError, match="NAME.OPTION=VALUE"):
        resolve_spec(["rouge"], ["rouge=1"])


def test_end_to_end_main(tmp_path, capsys):
    file = _write(tmp_path / "m.jsonl", _records(4))
    out = tmp_path / "out"
    code = main(
        _args(
            file,
            out,
            "--metrics",
            "rouge",
            "--fields",
            "rouge/rouge1",
            "rouge/rouge2",
            "--compare",
            "rouge/rouge1",
            "rouge/rouge2",
            human="scores.quality,scores.ok",
            bootstrap="50",
        )
    )
    assert code == 0
    payload = json.loads((out / "meta_eval.json").read_text())
    summary = payload["results"]["rouge/rouge1"]["scores.quality"]["summary"]
    # within every document ROUGE-1 orders the three summaries exactly as the humans do
    assert summary["kendall"]["value"] == pytest.approx(1.0)
    assert summary["spearman"]["value"] == pytest.approx(1.0)
    assert summary["n"] == 4 and summary["dropped"] == 0
    assert "roc_auc" in payload["results"]["rouge/rouge1"]["scores.ok"]["global"]
    assert payload["protocol"]["bootstrap"]["samples"] == 50
    assert payload["protocol"]["data"]["documents"] == 4
    assert payload["protocol"]["data"]["sha256"] == hashlib.sha256((tmp_path / "m.jsonl").read_bytes()).hexdigest()
    assert {"levels", "statistics", "tie_handling", "bootstrap", "metric_signatures"} <= set(payload["protocol"])
    assert payload["protocol"]["metric_signatures"]["rouge"].startswith("rouge|")
    assert payload["protocol"]["metric_signatures"]["rouge"].endswith("|references_from:reference")
    assert payload["comparisons"][0]["a"] == "rouge/rouge1"
    assert (out / "meta_eval.md").read_text().startswith("# Meta-evaluation")
    printed = capsys.readouterr().out
    assert "rouge/rouge1" in printed
    assert "glo.pr" in printed and "bal.acc" in printed  # partial r; balanced accuracy for the 0/1 field


def test_signature_says_what_filled_the_references(tmp_path):
    """Under --against source ROUGE still reads `references` (now the source): its own option
    says against:reference, so the signature records where the references came from."""
    file = _write(tmp_path / "m.jsonl", _records(3))
    out = tmp_path / "out"
    main(_args(file, out, "--metrics", "rouge", "format", "--against", "source"))
    signatures = json.loads((out / "meta_eval.json").read_text())["protocol"]["metric_signatures"]
    assert signatures["rouge"].endswith("|references_from:source")
    assert "references_from" not in signatures["format"]  # reads no references


@pytest.mark.slow
def test_cli_subprocess_and_user_errors(tmp_path):
    file = _write(tmp_path / "m.jsonl", _records(3))
    proc = run_cli(
        "meta-eval", *_args(file, tmp_path / "o", "--metrics", "rouge", "--fields", "rouge/rougeL", bootstrap="20")
    )
    assert "rouge/rougeL" in proc.stdout
    assert (tmp_path / "o" / "meta_eval.json").is_file()
    bad = run_cli("meta-eval", "--data", file, "--human", "scores.nope", "--out", str(tmp_path / "o2"), check=False)
    assert bad.returncode == 2
    assert "m.jsonl: field 'scores.nope': no record has a human score (line 1: absent" in bad.stderr


def test_multi_reference_mean_averages_single_reference_scores(tmp_path):
    from harness.analysis.meta_eval.scoring import score_all

    rows = _records(1)
    for r in rows:
        r["references"] = [SUMMARIES["s1"], "zebra xylophone quartz"]
    data = load(_write(tmp_path / "m.jsonl", rows), ["scores.quality"], "references")
    spec = resolve_spec(["rouge"])
    best = score_all(spec, data.examples, data.summaries, multi_reference="best").columns["rouge/rouge1"]
    mean = score_all(spec, data.examples, data.summaries, multi_reference="mean").columns["rouge/rouge1"]
    # system s1's summary: ROUGE-1 F is 1 against the identical reference, 0 against the disjoint one
    assert best[0] == pytest.approx(1.0) and mean[0] == pytest.approx(0.5)
    # system s3's summary shares no word with either reference
    assert best[2] == pytest.approx(0.0) and mean[2] == pytest.approx(0.0)


def test_scores_file_skips_and_where_end_to_end(tmp_path):
    """A null source, a null system id and a null parent of a dotted human field (the three
    shapes that stopped a real run) are skipped or left out and counted in meta_eval.json; every
    kept summary's scores are in meta_eval_scores.jsonl; --where subsets by a dotted field."""
    rows = _records(4)
    rows[1]["source"] = None
    rows[4]["system_id"] = None
    rows[7]["scores"] = None
    file = _write(tmp_path / "m.jsonl", rows)
    out = tmp_path / "out"
    proc = run_cli("meta-eval", *_args(file, out, "--metrics", "rouge", "--fields", "rouge/rouge1", bootstrap="20"))
    assert "m.jsonl:2: field 'source' null" in proc.stderr and "2 of 12 records skipped" in proc.stderr
    protocol = json.loads((out / "meta_eval.json").read_text())["protocol"]
    assert protocol["skipped"]["count"] == 2
    assert [r.split(": ", 1)[0][-9:] for r in protocol["skipped"]["records"]] == ["m.jsonl:2", "m.jsonl:5"]
    assert protocol["missing_human_scores"]["scores.quality"]["count"] == 1
    assert protocol["data"]["records"] == 10
    lines = [json.loads(line) for line in (out / "meta_eval_scores.jsonl").read_text().splitlines()]
    assert [r["line"] for r in lines] == [1, 3, 4, 6, 7, 8, 9, 10, 11, 12]
    first = lines[0]
    assert first["doc_id"] == "doc0" and first["system_id"] == "s1" and first["schema_version"] == 1
    assert first["metrics"]["rouge/rouge1"] == pytest.approx(1.0)  # identical to the reference
    assert set(first["metrics"]) >= {"rouge/rouge2", "rouge/rougeLsum_recall"}  # all fields, not only --fields
    assert lines[[r["line"] for r in lines].index(8)]["human"]["scores.quality"] is None
    with pytest.raises(InputError, match="m.jsonl:2: field 'source' null"):
        main(["--data", file, "--human", "scores.quality", "--strict", "--out", str(tmp_path / "o2")])

    subset = tmp_path / "subset"
    main(
        _args(
            file,
            subset,
            "--where",
            "system_id=s1",
            "--where",
            "system_id=s2",
            "--where",
            "scores.ok=1",
            "--fields",
            "rouge/rouge1",
        )
    )
    payload = json.loads((subset / "meta_eval.json").read_text())
    assert payload["protocol"]["data"]["systems"] == 2
    # s3 of each document, the null system id and the null `scores` (no value can match)
    assert payload["protocol"]["data"]["excluded_by_where"] == 6
    assert "subset: system_id=s1 and system_id=s2 and scores.ok=1" in (subset / "meta_eval.md").read_text()


def test_metric_without_references_runs_on_data_without_them(tmp_path):
    """support reads only the source: a file with no reference field is fine for it, and its
    lower-is-better field is marked so."""
    rows = _records(3)
    for r in rows:
        del r["reference"], r["references"]
    file = _write(tmp_path / "m.jsonl", rows)
    out = tmp_path / "out"
    assert main(_args(file, out, "--metrics", "support", bootstrap="20")) == 0
    payload = json.loads((out / "meta_eval.json").read_text())
    assert payload["protocol"]["higher_is_better"]["support/unsupported"] is False
    assert payload["results"]["support/score"]["scores.quality"]["global"]["n"] == 9
    assert "| `support/unsupported` | ↓ |" in (out / "meta_eval.md").read_text()
    with pytest.raises(InputError, match="field 'reference' missing"):
        main(["--data", file, "--human", "scores.quality", "--metrics", "rouge", "--strict", "--out", str(out)])


def test_two_configs_of_one_metric_are_keyed_by_config_name(tmp_path):
    file = _write(tmp_path / "m.jsonl", _records(3))
    out = tmp_path / "out"
    main(
        _args(
            file,
            out,
            "--metrics",
            "rouge",
            "rouge_nostem=rouge",
            "--set",
            "rouge_nostem.use_stemmer=false",
            "--fields",
            "*/rouge1",
        )
    )
    payload = json.loads((out / "meta_eval.json").read_text())
    assert set(payload["results"]) == {"rouge/rouge1", "rouge_nostem/rouge1"}
    assert "use_stemmer:False" in payload["protocol"]["metric_signatures"]["rouge_nostem"]


def test_every_empty_cell_says_why(tmp_path, capsys):
    """One system: no system-level correlation (one system mean), no partial correlations (they
    control for the system), and the human scores of a document are one value (summary level
    undefined): the printed table and meta_eval.md say so beside the "–" cells."""
    rows = [r for r in _records(4) if r["system_id"] == "s1"]
    for row in rows[1::2]:  # the metric varies over the documents: the global level is defined
        row["summary"] = SUMMARIES["s2"]
    file = _write(tmp_path / "one.jsonl", rows)
    out = tmp_path / "o"
    assert main(_args(file, out, "--metrics", "rouge", "--fields", "rouge/rouge1")) == 0
    printed = capsys.readouterr().out
    assert "– rouge/rouge1, summary level: r, ρ, τ: fewer than 2 documents with both scores (4)" in printed
    assert "– rouge/rouge1, system level: r, ρ, τ: fewer than 2 systems with both scores (1)" in printed
    assert "glo.pr" not in printed  # one system: no partial-correlation columns, so no empty ones
    written = (out / "meta_eval.md").read_text()
    assert (
        "## scores.quality — system level\n\nUndefined for every metric field: fewer than 2 systems with both scores (1)."
        in written
    )
    assert (
        "## scores.quality — summary level\n\nUndefined for every metric field: fewer than 2 documents with both scores (4)."
        in written
    )
