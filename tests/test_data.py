"""Dataset loading: formats, field mapping, reference modes, limits, and bad records."""

from __future__ import annotations

import json

import pytest

from harness.config.schema import DatasetConfig
from harness.data import load_examples, read_references
from harness.errors import InputError


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


GOOD = {"doc_id": "a", "source": "The mayor opened a bridge.", "reference": "Mayor opens bridge."}


def test_bad_records_are_reported_with_file_line_field_and_the_rest_goes_on(tmp_path):
    path = tmp_path / "data.jsonl"
    lines = [
        json.dumps(GOOD),
        json.dumps({"doc_id": "b", "source": "", "reference": "x"}),  # 2: empty source
        json.dumps({"doc_id": "c", "source": "Some text."}),  # 3: missing reference
        '{"doc_id": "d", "source": "unterminated',  # 4: malformed JSON
        json.dumps({"doc_id": "f", "source": "x" * 1_000_001, "reference": "r"}),  # 5: 1 MB document
        json.dumps({"doc_id": "g", "source": "Fine again.", "reference": "ok"}),  # 6
    ]
    raw = "\n".join(lines).encode() + b'\n{"doc_id": "e", "source": "caf\xe9", "reference": "r"}\n'  # 7: not UTF-8
    path.write_bytes(raw)
    data = load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id"))
    assert [e.doc_id for e in data.examples] == ["a", "g"]
    messages = [s.message() for s in data.problems.skipped]
    assert len(messages) == 5
    assert any(f"{path}:2" in m and "'source'" in m and "empty" in m for m in messages)
    assert any(f"{path}:3" in m and "'reference'" in m for m in messages)
    assert any(f"{path}:4" in m and "malformed JSON" in m for m in messages)
    assert any(f"{path}:5" in m and "max_source_chars" in m for m in messages)
    assert any(f"{path}:7" in m and "UTF-8" in m and "0xe9" in m for m in messages)


def test_strict_turns_the_first_skip_into_an_error(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD, {"doc_id": "b", "source": "  ", "reference": "x"}])
    with pytest.raises(InputError, match=r"d\.jsonl:2: field 'source'"):
        load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id"), strict=True)


def test_reference_list_is_alternatives_unless_configured_as_bullets():
    alternatives = DatasetConfig(name="t")
    bullets = DatasetConfig(name="t", reference_list="bullets")
    value = ["First point.", "Second point."]
    assert read_references(value, alternatives) == ("First point.", "Second point.")
    assert read_references(value, bullets) == ("First point.\nSecond point.",)
    # alternatives that are themselves bullet lists
    assert read_references([["a", "b"], ["c"]], alternatives) == ("a\nb", "c")
    # a string split into bullets on a separator (CNN/DM highlights)
    assert read_references("One.\nTwo.\n", DatasetConfig(name="t", reference_separator="\n")) == ("One.\nTwo.",)


def test_csv_and_parquet_load_with_a_field_mapping(tmp_path):
    import datasets

    rows = [{"key": f"k{i}", "article": f"Article number {i}.", "summary": f"Summary {i}."} for i in range(5)]
    ds = datasets.Dataset.from_list(rows)
    ds.to_csv(str(tmp_path / "d.csv"), index=False)
    ds.to_parquet(str(tmp_path / "d.parquet"))
    for name in ("d.csv", "d.parquet"):
        cfg = DatasetConfig(
            name="t",
            path=str(tmp_path / name),
            id_field="key",
            source_field="article",
            reference_field="summary",
            limit=3,
        )
        data = load_examples(cfg)
        assert [e.doc_id for e in data.examples] == ["k0", "k1", "k2"]
        assert data.examples[1].references == ("Summary 1.",)


def test_limit_is_deterministic_and_fingerprint_tracks_content(tmp_path):
    records = [{**GOOD, "doc_id": str(i)} for i in range(10)]
    path = write_jsonl(tmp_path / "d.jsonl", records)
    cfg = DatasetConfig(name="t", path=str(path), id_field="doc_id", limit=4)
    first, second = load_examples(cfg), load_examples(cfg)
    assert [e.doc_id for e in first.examples] == ["0", "1", "2", "3"]
    assert first.fingerprint == second.fingerprint
    records[2]["source"] = "Changed."
    write_jsonl(path, records)
    assert load_examples(cfg).fingerprint != first.fingerprint


def test_hub_dataset_offline_error_names_dataset_and_local_alternative():
    cfg = DatasetConfig(
        name="cnn_dailymail",
        loader="hub",
        hub_id="abisee/cnn_dailymail",
        hub_config="3.0.0",
        source_field="article",
        reference_field="highlights",
    )
    with pytest.raises(InputError) as info:
        load_examples(cfg)
    text = str(info.value)
    assert "abisee/cnn_dailymail" in text and "dataset.loader=local dataset.path=" in text


def test_facts_field_reads_lists(tmp_path):
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [{**GOOD, "facts": ["A bridge opened.", " "]}, {**GOOD, "doc_id": "b", "facts": "not a list"}],
    )
    data = load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id", facts_field="facts"))
    assert data.examples[0].facts == ("A bridge opened.",)
    assert "facts must be a list" in data.problems.skipped[0].message()


def test_jsonl_byte_order_mark_does_not_drop_record_one(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "doc_id": "b"}) + "\n").encode())
    data = load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id"))
    assert [e.doc_id for e in data.examples] == ["a", "b"] and not data.problems.skipped


def test_csv_keeps_text_ids_and_the_line_each_record_starts_on(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        'id,source,reference\n007,"Two lines\nof text.",r\n008,,r\n009,"x, ""quoted""",r\n', encoding="utf-8"
    )
    data = load_examples(DatasetConfig(name="t", path=str(path)))
    assert [e.doc_id for e in data.examples] == ["007", "009"]
    assert data.examples[0].source == "Two lines\nof text." and data.examples[1].source == 'x, "quoted"'
    (skip,) = data.problems.skipped
    assert skip.line == 4 and skip.field == "source"


def test_limit_reads_no_further_than_the_nth_usable_record(tmp_path):
    path = tmp_path / "d.jsonl"
    # Bytes that are not UTF-8 after the first two records: reading them would record a skip.
    path.write_bytes(
        (json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "doc_id": "b"}) + "\n").encode() + b"\xff\xfe garbage\n"
    )
    data = load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id", limit=2))
    assert len(data.examples) == 2 and not data.problems.skipped
    assert load_examples(DatasetConfig(name="t", path=str(path), id_field="doc_id")).problems.skipped


def test_run_files_cut_short_name_file_and_line(tmp_path):
    from harness.run.record import read_generations, read_score_rows

    path = tmp_path / "scores.jsonl"
    path.write_text('{"doc_id": "a", "x/y": 1}\n{"doc_id": "b", "x/y"', encoding="utf-8")
    with pytest.raises(InputError, match=r"scores\.jsonl:2: malformed JSON.*truncated"):
        read_score_rows(path)
    path.write_text('{"doc_id": "a"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"scores\.jsonl:2: a line must be a JSON object"):
        read_score_rows(path)
    path.write_text('{"doc_id": "a"}\n{"raw": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"scores\.jsonl:2: field 'doc_id' missing"):
        read_generations(path)
    path.write_text('{"doc_id": "a"}\n\n{"doc_id": "b"}\n', encoding="utf-8")
    assert [r.doc_id for r in read_generations(path)] == ["a", "b"]
