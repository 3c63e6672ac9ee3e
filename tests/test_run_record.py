"""The run folder's typed records (harness/run/record.py): real folders written by `harness run`,
`harness score --metrics` and `harness merge` read by `read_run` and written again by the records'
writers give the same bytes, file by file; a row of the wrong shape is refused naming file, line
and field, by the library and by `harness compare`.

Run: python -m pytest tests/test_run_record.py -q
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import run_cli

from harness.errors import InputError
from harness.fileio import atomic_write_json
from harness.run.record import (
    FieldEntry,
    GenerationRow,
    MetricsFile,
    RunInfo,
    ScoreRow,
    read_run,
    write_generations,
    write_metrics,
    write_scores,
)

DOCS = [
    {
        "doc_id": f"d{i}",
        "source": f"Story {i}. The mayor of Vell spoke on day {i}. Ünïcode “quotes” stay as written.",
        "reference": f"The mayor spoke on day {i}.",
        "facts": [f"The mayor spoke on day {i}."],
    }
    for i in range(6)
]
METRICS = "metrics=[rouge,support,facts,format]"


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A lead run; the same run re-scored with one metric (the others' rows kept); a sharded
    sweep's shards and its merge."""
    root = tmp_path_factory.mktemp("record")
    data = root / "docs.jsonl"
    data.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in DOCS), encoding="utf-8")
    common = ["model=lead", "dataset=local", f"dataset.path={data}", "dataset.facts_field=facts", METRICS]
    run_cli("run", *common, f"results_dir={root / 'single'}")
    (single,) = [p.parent for p in (root / "single").rglob("run.json")]
    rescored = root / "rescored"
    shutil.copytree(single, rescored)
    run_cli("score", str(rescored), "--metrics", "format")
    run_cli("run", "-m", *common, "shard.count=2", "shard.index=range(2)", f"results_dir={root / 'sharded'}")
    shards = sorted(p.parent for p in (root / "sharded").rglob("shard.json"))
    (merged,) = [p.parent for p in (root / "sharded").rglob("run.json") if "merged" in p.parts]
    return {"single": single, "rescored": rescored, "shard0": shards[0], "shard1": shards[1], "merged": merged}


def rewrite(folder: Path, out: Path) -> None:
    """The folder read by read_run and written again by the records' writers (run.json as
    RunFolder writes it: the whole object, indented)."""
    record = read_run(folder)
    out.mkdir()
    write_generations(out / "generations.jsonl", record.generations)
    write_scores(out / "scores.jsonl", record.scores)
    write_metrics(out / "metrics.json", record.metrics)
    atomic_write_json(out / "run.json", record.info.to_json())


@pytest.mark.parametrize("name", ["single", "rescored", "shard0", "shard1", "merged"])
def test_a_run_folder_read_and_written_again_is_byte_identical(folders, name, tmp_path):
    folder = folders[name]
    rewrite(folder, tmp_path / "out")
    for file in ("generations.jsonl", "scores.jsonl", "metrics.json", "run.json"):
        assert (tmp_path / "out" / file).read_bytes() == (folder / file).read_bytes(), file


def test_the_records_type_what_the_run_wrote(folders):
    record = read_run(folders["rescored"])
    assert record.info.status == "done" and record.info.label == "lead" and record.info.error is None
    assert [g.doc_id for g in record.generations] == [d["doc_id"] for d in DOCS]
    first = record.generations[0]
    # lead: the first sentences as bullets, never from the cache on the first run
    assert first.bullets == ("Story 0.", "The mayor of Vell spoke on day 0.", "Ünïcode “quotes” stay as written.")
    assert first.cached is False and first.error is None and first.rest["style"] == "dash"
    rouge = record.fields["rouge/rouge1"]
    assert rouge.n == 6 and rouge.missing == 0 and rouge.higher_is_better is True and rouge.range == (0.0, 1.0)
    # re-scored with format only: the other metrics' values and details are kept in every row
    row = record.scores[0]
    assert {"rouge/rouge1", "support/score", "format/bullets"} <= set(row.values)
    assert set(row.details or {}) >= {"support", "facts"}
    assert row.values["format/bullets"] == 3


def test_records_made_in_code_carry_the_schema_version_and_every_key():
    row = ScoreRow.stamped({"doc_id": "a", "m/score": 0.5, "details": {"m": {"why": "x"}}})
    assert row.to_json() == {"schema_version": 1, "doc_id": "a", "m/score": 0.5, "details": {"m": {"why": "x"}}}
    generation = GenerationRow("b", cached=False, raw="- x", bullets=("x",))
    assert generation.to_json() == {
        "schema_version": 1,
        "doc_id": "b",
        "cached": False,
        "raw": "- x",
        "bullets": ["x"],
        "error": None,
    }
    # a key an older file lacks stays absent; one it had as null stays null
    old = GenerationRow.from_json({"doc_id": "c", "raw": None}, "f:1")
    assert old.to_json() == {"doc_id": "c", "raw": None}
    entry = FieldEntry.from_json({"n": 2, "mean": 1, "method": "lexical"}, "m.json", "k/x")
    assert entry.to_json() == {"n": 2, "mean": 1, "method": "lexical"} and entry.mean == 1
    assert MetricsFile.stamped({"fields": {}}).to_json() == {"schema_version": 1, "fields": {}}
    assert RunInfo.from_json({"label": "x", "status": "done"}, "run.json").to_json() == {"label": "x", "status": "done"}


def edited(folders: dict[str, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(folders["single"], copy)
    return copy


def edit_line(path: Path, number: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    row = json.loads(lines[number - 1])
    change(row)
    lines[number - 1] = json.dumps(row, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    "file, line, change, message",
    [
        (
            "generations.jsonl",
            2,
            lambda r: r.update(bullets="one bullet"),
            "generations.jsonl:2: field 'bullets' must be a list of strings, not a string",
        ),
        (
            "generations.jsonl",
            2,
            lambda r: r.update(bullets=None),
            "generations.jsonl:2: field 'bullets' must be a list of strings for a reply, not null",
        ),
        (
            "generations.jsonl",
            3,
            lambda r: r.pop("bullets"),
            "generations.jsonl:3: field 'bullets' must be a list of strings for a reply, not missing",
        ),
        (
            "generations.jsonl",
            3,
            lambda r: r.update(raw=["a"]),
            "generations.jsonl:3: field 'raw' must be a string or null, not a list",
        ),
        (
            "generations.jsonl",
            4,
            lambda r: r.update(cached="yes"),
            "generations.jsonl:4: field 'cached' must be true, false or null, not a string",
        ),
        (
            "scores.jsonl",
            5,
            lambda r: r.update(details=["x"]),
            "scores.jsonl:5: field 'details' must be an object, not a list",
        ),
        (
            "scores.jsonl",
            2,
            lambda r: r.update({"extra/value": "high"}),
            "scores.jsonl:2: field 'extra/value' must be a number or null, not a string",
        ),
    ],
)
def test_a_row_of_the_wrong_shape_names_file_line_and_field(folders, tmp_path, file, line, change, message):
    run = edited(folders, tmp_path)
    edit_line(run / file, line, change)
    with pytest.raises(InputError) as caught:
        read_run(run)
    assert f"{run / file}:{line}: " in str(caught.value) and message in str(caught.value)
    proc = run_cli("compare", str(run), "--no-plots", "--out", str(tmp_path / "cmp"), check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "file, change, message",
    [
        (
            "metrics.json",
            lambda v: v["fields"]["rouge/rouge1"].update(n="6"),
            "metrics.json: field 'fields.rouge/rouge1.n' must be a whole number or null, not a string",
        ),
        (
            "metrics.json",
            lambda v: v["fields"]["rouge/rouge1"].update(n=5.5),
            "metrics.json: field 'fields.rouge/rouge1.n' must be a whole number or null, not 5.5",
        ),
        (
            "metrics.json",
            lambda v: v["fields"]["rouge/rouge1"].update(range=[0]),
            "metrics.json: field 'fields.rouge/rouge1.range' must be [low, high] (numbers or nulls), not a list of 1",
        ),
        (
            "run.json",
            lambda v: v.update(status=1),
            "run.json: field 'status' must be a string or null, not a number",
        ),
        (
            "run.json",
            lambda v: v.update(overrides="model=lead"),
            "run.json: field 'overrides' must be a list of strings, not a string",
        ),
    ],
)
def test_a_json_file_of_the_wrong_shape_names_file_and_field(folders, tmp_path, file, change, message):
    run = edited(folders, tmp_path)
    value = json.loads((run / file).read_text(encoding="utf-8"))
    change(value)
    (run / file).write_text(json.dumps(value), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_run(run)
    assert str(caught.value).startswith(str(run)) and message in str(caught.value)
