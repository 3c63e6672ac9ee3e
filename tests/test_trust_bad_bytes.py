"""Attack: bad bytes and odd files as inputs. Lone surrogates (JSON "\\ud800"), JSON nested
100,000 deep, empty files, a FIFO or a folder given as a file: each is named (file, line, what
is wrong) and refused with exit 2, or the record is skipped and counted where the dataset's skip
policy says so. Nothing hangs: the file type is checked before a file is opened."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from conftest import run_cli

from harness.config.schema import DatasetConfig
from harness.data import load_examples
from harness.errors import ConfigError, InputError
from harness.records import jsonl_records
from harness.run.pipeline import check_input_file

ARTICLE = "The council approved a new budget on Monday. It raises spending on schools by ten percent."


def good(doc_id: str) -> str:
    return json.dumps({"doc_id": doc_id, "source": ARTICLE, "reference": "Budget approved."})


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def records(path: Path) -> list[tuple[int, bool, str | None]]:
    return [(number, record is not None, problem) for number, record, problem in jsonl_records(path)]


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('{"doc_id": "\\ud800x", "source": "s"}', "field 'doc_id' holds a lone surrogate (\\ud800)"),
        ('{"doc_id": "a", "source": "text \\uDFFF"}', "field 'source' holds a lone surrogate (\\udfff)"),
        ('{"doc_id": "a", "reference": ["ok", "bad \\udc00"]}', "field 'reference[1]' holds a lone surrogate"),
        ('{"doc_id": "a", "meta": {"k\\ud801": 1}}', "field 'meta' holds a lone surrogate"),
        ('{"doc_id": "a", "x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ("[" * 100_000, "nested too deeply"),
    ],
    ids=["id", "source-uppercase-escape", "reference-list", "nested-key", "deep-object", "deep-unclosed"],
)
def test_bad_line_is_named_and_the_others_still_read(tmp_path: Path, line: str, needle: str) -> None:
    path = write(tmp_path / "in.jsonl", good("a"), line, good("c"))
    read = records(path)
    assert [(n, ok) for n, ok, _ in read] == [(1, True), (2, False), (3, True)]
    assert needle in (read[1][2] or ""), read[1][2]


def test_surrogate_pairs_and_escaped_backslashes_are_text(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", '{"doc_id": "a", "source": "smile \\ud83d\\ude00 and \\\\ud800 literally"}')
    ((number, record, problem),) = list(jsonl_records(path))
    assert problem is None and record is not None
    assert record["source"] == "smile \U0001f600 and \\ud800 literally"


def test_dataset_skips_and_counts_a_surrogate_record_strict_refuses_it(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", good("a"), '{"doc_id": "b", "source": "x \\ud800", "reference": "r"}', good("c"))
    cfg = DatasetConfig(name="t", path=str(path), id_field="doc_id")
    data = load_examples(cfg)
    assert [e.doc_id for e in data.examples] == ["a", "c"]
    (skipped,) = data.problems.skipped
    assert skipped.line == 2 and "lone surrogate" in skipped.message()
    with pytest.raises(InputError, match=r"d\.jsonl:2: .*field 'source' holds a lone surrogate"):
        load_examples(cfg, strict=True)


def no_hang(fn, timeout: float = 20.0) -> BaseException | None:
    """Run fn in a daemon thread; the error it raised (None: none). Fails if it blocks."""
    caught: list[BaseException | None] = [None]

    def target() -> None:
        try:
            fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            caught[0] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked (a FIFO opened for reading waits for a writer)"
    return caught[0]


@pytest.fixture
def odd_files(tmp_path: Path) -> dict[str, Path]:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    return {"fifo": fifo, "folder": folder, "empty": empty, "missing": tmp_path / "missing.jsonl"}


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("fifo", "not a regular file"),
        ("folder", "a folder, not a file"),
        ("empty", "empty file"),
        ("missing", "file not found"),
    ],
)
def test_config_check_names_an_odd_input_file(odd_files, kind: str, needle: str) -> None:
    error = no_hang(lambda: check_input_file("dataset.path", str(odd_files[kind])))
    assert isinstance(error, ConfigError) and needle in str(error) and "dataset.path" in str(error), error


@pytest.mark.parametrize(("kind", "needle"), [("fifo", "not a regular file"), ("folder", "a folder, not a file")])
def test_readers_refuse_an_odd_file_without_opening_it(odd_files, kind: str, needle: str) -> None:
    path = odd_files[kind]
    error = no_hang(lambda: list(jsonl_records(path)))
    assert isinstance(error, InputError) and str(path) in str(error) and needle in str(error), error
    cfg = DatasetConfig(name="t", path=str(path), format="csv")
    error = no_hang(lambda: load_examples(cfg))
    assert isinstance(error, InputError) and needle in str(error), error


@pytest.mark.slow
def test_meta_eval_on_a_fifo_exits_2_at_once(odd_files, tmp_path: Path) -> None:
    proc = run_cli(
        "meta-eval", "--data", str(odd_files["fifo"]), "--human", "h", "--out", str(tmp_path / "out"),
        check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()
