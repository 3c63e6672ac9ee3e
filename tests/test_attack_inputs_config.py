"""Attack suite: bad inputs, bad configs and pasted secrets, each through the real CLI.

Every case builds the bad input in a temp folder, runs `harness ...` in a subprocess and checks
the exit code, the message (file, line/row, field) and the files left behind: a config error
writes nothing at all, a secret appears nowhere, a bad record is skipped with its place named.
Runs that several cases share (one dataset holding many bad records) run once per module.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

SECRET = "sk-proj-A1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv"
ARTICLE = (
    "The city council approved a new budget on Monday. It raises spending on schools by ten percent. "
    "Parks will get two new playgrounds. The mayor said the plan balances growth and care."
)


def doc(doc_id: str, **fields) -> dict:
    return {
        "doc_id": doc_id,
        "source": ARTICLE,
        "reference": "- Council approves budget.\n- Schools get more.",
        **fields,
    }


def write_jsonl(path: Path, rows: list, bom: bool = False) -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def harness_run(tmp: Path, *args: str, env: dict | None = None):
    return run_cli("run", *args, f"results_dir={tmp / 'res'}", cwd=tmp, env=env, check=False, timeout=180)


def assert_config_error(tmp: Path, proc, *needles: str) -> None:
    """Exit 2, every needle in the message, and nothing written (no results, no Hydra dirs)."""
    assert proc.returncode == 2, f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
    for needle in needles:
        assert needle in proc.stderr, f"{needle!r} not in:\n{proc.stderr[-2000:]}"
    assert "Traceback" not in proc.stderr
    written = {f for f in files_under(tmp) if not f.startswith("in")}
    assert written == set(), f"files written for a config error: {sorted(written)}"


def local_dataset_args(path: Path, *extra: str) -> list[str]:
    return ["model=lead", "dataset=local", f"dataset.path={path}", "metrics=[format]", *extra]


def run_json(tmp: Path) -> dict:
    found = list((tmp / "res").rglob("run.json"))
    assert len(found) == 1, found
    return json.loads(found[0].read_text())


def generations(tmp: Path) -> list[dict]:
    (path,) = list((tmp / "res").rglob("generations.jsonl"))
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path


# ---- Secrets ------------------------------------------------------------------------------


def assert_secret_nowhere(tmp: Path, proc, secret: str = SECRET) -> None:
    assert secret not in proc.stdout and secret not in proc.stderr
    for path in tmp.rglob("*"):
        if path.is_file() and not str(path.relative_to(tmp)).startswith("in"):
            assert secret.encode() not in path.read_bytes(), f"secret written to {path}"


def test_secret_pasted_as_api_key_env_override_is_refused_unechoed(tmp):
    proc = harness_run(tmp, "model=gpt-4o-mini", f"model.api_key_env={SECRET}")
    assert_config_error(tmp, proc, "model.api_key_env", "NAME of an environment variable")
    assert_secret_nowhere(tmp, proc)


def test_secret_in_a_user_model_file_is_refused_unechoed(tmp):
    (tmp / "in" / "model").mkdir()
    (tmp / "in" / "model" / "mine.yaml").write_text(f"backend: openai_chat\nmodel_id: m\napi_key_env: {SECRET}\n")
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=mine")
    assert_config_error(tmp, proc, "model.api_key_env")
    assert_secret_nowhere(tmp, proc)


def test_secret_as_the_judge_metrics_key_name_is_refused_unechoed(tmp):
    proc = harness_run(tmp, "model=lead", "metrics=[support_judge]", "judge=gpt-4o-mini", f"judge.api_key_env={SECRET}")
    assert_config_error(tmp, proc, "api_key_env")
    assert_secret_nowhere(tmp, proc)


def test_secret_in_a_sweep_is_refused_before_any_job(tmp):
    proc = harness_run(tmp, "-m", "model=gpt-4o-mini,llama-3.1-8b-vllm", f"model.api_key_env={SECRET}")
    assert_config_error(tmp, proc, "model.api_key_env")
    assert_secret_nowhere(tmp, proc)


def test_secret_in_an_experiment_overlay_is_refused_unechoed(tmp):
    (tmp / "in" / "experiment").mkdir()
    (tmp / "in" / "experiment" / "paid.yaml").write_text(
        f"# @package _global_\ndefaults:\n  - override /model: gpt-4o-mini\nmodel:\n  api_key_env: {SECRET}\n"
    )
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "experiment=paid")
    assert_config_error(tmp, proc, "model.api_key_env")
    assert_secret_nowhere(tmp, proc)


@pytest.mark.parametrize("value", ["1PASSWORD", "abc-def", "key with space"])
def test_invalid_environment_variable_names_are_refused(tmp, value):
    proc = harness_run(tmp, "model=gpt-4o-mini", f"model.api_key_env={value}")
    assert_config_error(tmp, proc, "model.api_key_env")
    assert_secret_nowhere(tmp, proc, value)


# ---- Config: generation settings, ranges, prompts, search path --------------------------------


def test_generation_typo_in_override_suggests_the_key_before_any_model_loads(tmp):
    proc = harness_run(tmp, "model=flan-t5-base", "model.generation.num_beam=2")
    assert_config_error(tmp, proc, "num_beam", "Did you mean 'num_beams'?")


def test_generation_typo_in_a_model_file_fails_before_the_model_loads(tmp):
    (tmp / "in" / "model").mkdir()
    # The weights folder does not exist: reaching the model load would fail differently.
    (tmp / "in" / "model" / "mybart.yaml").write_text(
        "backend: hf_seq2seq\npretrained: /nonexistent/bart\ngeneration: {num_beam: 2}\n"
    )
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=mybart")
    assert_config_error(tmp, proc, "generation: unknown setting 'num_beam'", "Did you mean 'num_beams'?")


def test_openai_request_parameter_typo_is_refused(tmp):
    proc = harness_run(tmp, "model=gpt-4o-mini", "+model.generation.max_token=10")
    assert_config_error(tmp, proc, "max_token", "Did you mean 'max_tokens'?")


@pytest.mark.parametrize(
    "override, needle",
    [
        ("model.generation.temperature=-1", "generation.temperature: must be at least 0"),
        ("+model.generation.top_p=1.5", "generation.top_p: must be above 0 and at most 1"),
        ("model.generation.max_tokens=0", "generation.max_tokens: must be at least 1"),
        ("model.generation.temperature=hot", "generation.temperature: expected a number"),
    ],
)
def test_generation_values_out_of_range_are_refused(tmp, override, needle):
    assert_config_error(tmp, harness_run(tmp, "model=gpt-4o-mini", override), needle)


@pytest.mark.parametrize(
    "override, needle",
    [
        ("bootstrap_samples=0", "bootstrap_samples: must be at least 100"),
        ("bootstrap_samples=-1", "bootstrap_samples: must be at least 100"),
        ("dataset.limit=0", "dataset.limit: must be at least 1"),
        ("+model.batch_size=0", "batch_size: must be at least 1"),
        ("workers=0", "workers: must be at least 1"),
        ("seed=-1", "seed: must be at least 0"),
        ("prompt.n_bullets=0", "n_bullets: must be at least 1"),
        ("metrics.rouge.workers=0", "metrics.rouge.workers: must be at least 1"),
        ("dataset.limit=ten", "dataset.limit: expected int"),
    ],
)
def test_numeric_ranges_and_types_are_checked_before_any_work(tmp, override, needle):
    assert_config_error(tmp, harness_run(tmp, "model=lead", override), needle)


def test_a_range_error_in_a_sweep_job_stops_the_whole_sweep_before_it_starts(tmp):
    proc = harness_run(tmp, "-m", "model=lead,centrality", "bootstrap_samples=5")
    assert_config_error(tmp, proc, "bootstrap_samples")


def test_the_default_experiment_is_checked_too(tmp):
    assert_config_error(tmp, harness_run(tmp, "bootstrap_samples=1"), "bootstrap_samples")


def test_prompt_file_with_an_unknown_placeholder_names_file_and_placeholder(tmp):
    (tmp / "in" / "prompt").mkdir()
    (tmp / "in" / "prompt" / "mine.yaml").write_text(
        "name: mine\nn_bullets: 3\ntemplate: 'Give {n} bullets for: {source}'\n"
    )
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=lead", "prompt=mine")
    assert_config_error(tmp, proc, "prompt/mine.yaml", "unknown placeholder {n}")


def test_prompt_template_with_a_lone_brace_is_refused(tmp):
    (tmp / "in" / "prompt").mkdir()
    (tmp / "in" / "prompt" / "brace.yaml").write_text("name: brace\ntemplate: 'Summarize {source'\n")
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=lead", "prompt=brace")
    assert_config_error(tmp, proc, "prompt/brace.yaml", "literal braces")


def test_prompt_template_override_with_an_unknown_placeholder_is_refused(tmp):
    proc = harness_run(tmp, "model=lead", "prompt.template='Write {count} bullets: {source}'")
    assert_config_error(tmp, proc, "unknown placeholder {count}")


def test_unknown_option_in_a_user_metric_file_is_refused_with_a_suggestion(tmp):
    (tmp / "in" / "metrics").mkdir()
    (tmp / "in" / "metrics" / "myrouge.yaml").write_text("myrouge:\n  metric: rouge\n  use_stemer: false\n")
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=lead", "metrics=[myrouge]")
    assert_config_error(tmp, proc, "metrics.myrouge: unknown key 'use_stemer'", "Did you mean 'use_stemmer'?")


def test_unknown_key_in_a_user_model_file_is_refused_with_a_suggestion(tmp):
    (tmp / "in" / "model").mkdir()
    (tmp / "in" / "model" / "mylead.yaml").write_text("backend: lead\nbatchsize: 2\n")
    proc = harness_run(tmp, "--config-dir", str(tmp / "in"), "model=mylead")
    assert_config_error(tmp, proc, "unknown key 'batchsize'", "Did you mean 'batch_size'?")


def test_missing_config_dir_is_refused(tmp):
    assert_config_error(
        tmp, harness_run(tmp, "--config-dir", str(tmp / "in" / "nope"), "model=lead"), "config folder not found"
    )


def test_local_dataset_without_a_path_is_refused_before_any_folder(tmp):
    assert_config_error(tmp, harness_run(tmp, "model=lead", "dataset=local"), "set dataset.path")


def test_local_dataset_file_not_found_is_refused_before_any_folder(tmp):
    proc = harness_run(tmp, "model=lead", "dataset=local", f"dataset.path={tmp / 'in' / 'missing.jsonl'}")
    assert_config_error(tmp, proc, "dataset.path: file not found", "missing.jsonl")


def test_precomputed_without_a_path_is_refused_before_any_folder(tmp):
    assert_config_error(tmp, harness_run(tmp, "model=precomputed"), "model.path: no value given")


@pytest.fixture
def user_conf(tmp: Path) -> Path:
    conf = tmp / "in" / "conf"
    (conf / "model").mkdir(parents=True)
    (conf / "metrics").mkdir()
    (conf / "model" / "lead2.yaml").write_text("backend: lead\nbatch_size: 2\n")
    (conf / "metrics" / "rouge_nostem.yaml").write_text("rouge_nostem:\n  metric: rouge\n  use_stemmer: false\n")
    return conf


def test_hydra_searchpath_works_like_config_dir(tmp, user_conf):
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b")])
    proc = harness_run(tmp, f"hydra.searchpath=[file://{user_conf}]", *local_dataset_args(data)[1:], "model=lead2")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert run_json(tmp)["model"] == "lead2"


@pytest.mark.slow
def test_a_user_metric_listed_by_harness_list_is_accepted_by_harness_run(tmp, user_conf):
    listed = run_cli("list", "metrics", "--config-dir", str(user_conf), check=False)
    assert listed.returncode == 0 and "rouge_nostem  (keys rouge_nostem/<field>)" in listed.stdout
    assert "cannot be read" not in listed.stdout
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b")])
    proc = harness_run(
        tmp,
        "--config-dir",
        str(user_conf),
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[rouge_nostem]",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


# ---- Inputs: one local dataset holding many bad records, run once ---------------------------

BAD_RECORDS = {  # line -> (record, field, words of the reason)
    2: (doc("dict-src", source={"text": ARTICLE}), "source", "wrong type: expected a string, got an object"),
    3: (doc("num-src", source=42), "source", "wrong type: expected a string, got a number"),
    4: (doc("list-src", source=["a", "b"]), "source", "wrong type: expected a string, got a list"),
    5: (
        doc("dict-ref", reference={"a": 1}),
        "reference",
        "wrong type: expected a string or a list of strings, got an object",
    ),
    6: ({**doc("x"), "doc_id": {"nested": 1}}, "doc_id", "wrong type: an id must be a string or an integer"),
    7: (doc("list-ref-num", reference=["ok", 3]), "reference", "not a number"),
    8: (doc("null-src", source=None), "source", "is empty (null)"),
    9: ("[1, 2]", None, "a line must be a JSON object, not a list"),
    10: (doc("first"), "doc_id", "duplicate id 'first'"),
    11: ({**doc("x"), "doc_id": True}, "doc_id", "wrong type: an id must be a string or an integer, not a boolean"),
}


@pytest.fixture(scope="module")
def bad_jsonl_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("badjsonl")
    rows = [doc("first")] + [BAD_RECORDS[n][0] for n in sorted(BAD_RECORDS)] + [doc("last")]
    data = write_jsonl(tmp / "data.jsonl", rows, bom=True)
    proc = harness_run(tmp, *local_dataset_args(data))
    return tmp, data, proc


def test_jsonl_byte_order_mark_keeps_record_one(bad_jsonl_run):
    tmp, _, proc = bad_jsonl_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [g["doc_id"] for g in generations(tmp)] == ["first", "last"]


@pytest.mark.parametrize("line", sorted(BAD_RECORDS))
def test_bad_field_types_are_reported_with_file_line_field(bad_jsonl_run, line):
    tmp, data, _ = bad_jsonl_run
    _, field, reason = BAD_RECORDS[line]
    records = run_json(tmp)["skipped"]["records"]
    match = [r for r in records if r.startswith(f"{data}:{line}:")]
    assert match, records
    assert reason in match[0] and (field is None or f"field '{field}'" in match[0]), match[0]


# ---- Inputs: CSV ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("csv")
    data = tmp / "data.csv"
    lines = [
        b"doc_id,source,reference",  # 1
        b'000001,"' + ARTICLE.encode() + b'\nSecond paragraph of the story.",Council approves budget.',  # 2-3
        b"000002,,Empty source here.",  # 4: empty source
        b'000003,"Caf\xe9 owners ' + ARTICLE.encode() + b'",Latin-1 byte.',  # 5: not UTF-8
        b"000004," + ARTICLE.replace(",", "").encode() + b",ref,extra",  # 6: too many fields
        b"000005," + ARTICLE.replace(",", "").encode() + b",Schools get more.",  # 7
        b"000006,"
        + (ARTICLE.replace(",", "") + " ").encode() * 700
        + b",Longer than the csv module's default field limit.",  # 8
    ]
    data.write_bytes(b"\r\n".join(lines) + b"\r\n")
    proc = harness_run(tmp, *local_dataset_args(data))
    return tmp, data, proc


def test_csv_ids_stay_strings(csv_run):
    tmp, _, proc = csv_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [g["doc_id"] for g in generations(tmp)] == ["000001", "000005", "000006"]


@pytest.mark.parametrize(
    "line, words",
    [(4, "field 'source' is empty"), (5, "not valid UTF-8 (byte 0xe9"), (6, "has 4 fields, the header has 3")],
)
def test_csv_bad_rows_name_file_and_their_line(csv_run, line, words):
    tmp, data, _ = csv_run
    records = run_json(tmp)["skipped"]["records"]
    assert any(r.startswith(f"{data}:{line}:") and words in r for r in records), records


def test_strict_makes_the_first_bad_record_an_error_naming_file_line_field(tmp):
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b", source={"t": 1}), doc("c")])
    proc = harness_run(tmp, *local_dataset_args(data, "strict=true"))
    assert proc.returncode != 0
    assert f"{data}:2: field 'source' wrong type: expected a string, got an object" in proc.stderr, proc.stderr[-2000:]


def test_csv_with_no_usable_row_fails_naming_file_and_rows(tmp):
    data = tmp / "in" / "bad.csv"
    data.write_bytes(b"doc_id,source,reference\n1,\xe9t\xe9,r\n")
    proc = harness_run(tmp, *local_dataset_args(data))
    assert proc.returncode != 0
    assert f"{data}:2:" in proc.stderr and "not valid UTF-8" in proc.stderr
    assert "An error occurred while generating the dataset" not in proc.stderr


def test_malformed_json_file_names_the_parser_error(tmp):
    data = tmp / "in" / "data.json"
    data.write_text('[{"doc_id": "a", "source": "x"},\n{"doc_id": ')
    proc = harness_run(tmp, *local_dataset_args(data))
    assert proc.returncode != 0
    assert str(data) in proc.stderr
    assert "An error occurred while generating the dataset" not in proc.stderr


def test_limit_stops_reading_at_the_nth_usable_record(tmp):
    rows = [doc(f"d{i}") for i in range(3)] + ['{"doc_id": "broken', doc("d9")]
    data = write_jsonl(tmp / "in" / "d.jsonl", rows)
    proc = harness_run(tmp, *local_dataset_args(data, "dataset.limit=3"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = run_json(tmp)
    assert info["dataset"]["examples"] == 3
    assert info["skipped"]["count"] == 0  # line 4 was never read


# ---- Inputs: precomputed outputs -------------------------------------------------------------


@pytest.fixture(scope="module")
def precomputed_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pre")
    data = write_jsonl(tmp / "docs.jsonl", [doc("a"), doc("b"), doc("c")])
    outputs = write_jsonl(
        tmp / "outputs.jsonl",
        [
            {"doc_id": "a", "summary": "- The council approved a budget.\n- Schools gain."},  # 1 (with a BOM)
            {"doc_id": "b", "summary": ["The council approved a budget.", "Parks get playgrounds."]},  # 2
            {"doc_id": "c", "summary": None},  # 3
            {"doc_id": "zz1", "summary": "Not in the dataset."},  # 4
            {"doc_id": "zz2", "summary": "Nor this one."},  # 5
        ],
        bom=True,
    )
    proc = harness_run(
        tmp, "model=precomputed", f"model.path={outputs}", "dataset=local", f"dataset.path={data}", "metrics=[format]"
    )
    return tmp, outputs, proc


def test_precomputed_bom_keeps_line_one(precomputed_run):
    tmp, _, proc = precomputed_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {g["doc_id"]: g for g in generations(tmp)}
    assert rows["a"]["bullets"] == ["The council approved a budget.", "Schools gain."]


def test_precomputed_list_summary_is_read_as_bullets(precomputed_run):
    tmp, _, _ = precomputed_run
    rows = {g["doc_id"]: g for g in generations(tmp)}
    assert rows["b"]["bullets"] == ["The council approved a budget.", "Parks get playgrounds."]
    assert "[" not in rows["b"]["raw"]


def test_precomputed_null_summary_is_a_counted_failure_naming_file_line_field(precomputed_run):
    tmp, outputs, _ = precomputed_run
    rows = {g["doc_id"]: g for g in generations(tmp)}
    assert rows["c"]["raw"] is None
    assert f"{outputs}:3: field 'summary' is null" in rows["c"]["error"]
    assert run_json(tmp)["generation"]["failed"] == 1


def test_precomputed_outputs_for_unknown_documents_are_counted(precomputed_run):
    tmp, outputs, proc = precomputed_run
    extra = run_json(tmp)["generation"]["unrequested_outputs"]
    assert extra["count"] == 2 and extra["doc_ids"] == ["zz1", "zz2"]
    (log,) = list((tmp / "res").rglob("run.log"))
    assert f"{outputs}: 2 outputs for documents not in this run's dataset" in log.read_text()


@pytest.mark.parametrize(
    "summary, words",
    [
        (42, "got a number"),
        ({"text": "x"}, "got an object"),
        (["ok", {"b": 1}], "got a list holding an object"),
    ],
)
def test_precomputed_summary_of_a_wrong_type_is_an_error_naming_file_line_field(tmp, summary, words):
    data = write_jsonl(tmp / "in" / "docs.jsonl", [doc("a"), doc("b")])
    outputs = write_jsonl(
        tmp / "in" / "out.jsonl", [{"doc_id": "a", "summary": "Fine."}, {"doc_id": "b", "summary": summary}]
    )
    proc = harness_run(
        tmp, "model=precomputed", f"model.path={outputs}", "dataset=local", f"dataset.path={data}", "metrics=[format]"
    )
    assert proc.returncode != 0
    assert f"{outputs}:2: field 'summary': wrong type" in proc.stderr and words in proc.stderr, proc.stderr[-2000:]


# ---- Inputs: a run's own files, cut short ----------------------------------------------------


@pytest.fixture
def finished_run(tmp: Path) -> Path:
    data = write_jsonl(tmp / "in" / "d.jsonl", [doc("a"), doc("b"), doc("c")])
    proc = harness_run(tmp, *local_dataset_args(data))
    assert proc.returncode == 0, proc.stderr[-2000:]
    (folder,) = [p.parent for p in (tmp / "res").rglob("run.json")]
    return folder


def cut_last_line(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 20])


def test_truncated_generations_file_is_named_with_its_line_by_score(finished_run):
    cut_last_line(finished_run / "generations.jsonl")
    proc = run_cli("score", str(finished_run), check=False)
    assert proc.returncode != 0
    assert f"{finished_run / 'generations.jsonl'}:3:" in proc.stderr and "Traceback" not in proc.stderr


def test_truncated_scores_file_is_named_with_its_line_by_compare(finished_run):
    cut_last_line(finished_run / "scores.jsonl")
    proc = run_cli("compare", str(finished_run), check=False)
    assert proc.returncode != 0
    assert f"{finished_run / 'scores.jsonl'}:3:" in proc.stderr and "Traceback" not in proc.stderr


def test_a_metric_added_with_hydra_append_syntax_runs_and_its_typos_are_caught(tmp):
    """`+metrics.NAME={...}` adds a metric entry from the command line, checked like a file's."""
    typo = harness_run(tmp, "model=lead", "metrics=[rouge]", "+metrics.r2={metric:rouge,use_stemer:false}")
    assert_config_error(tmp, typo, "metrics.r2: unknown key 'use_stemer'", "Did you mean 'use_stemmer'?")
    added = harness_run(
        tmp, "model=lead", "metrics=[rouge]", "+metrics.r2={metric:rouge,use_stemmer:false}", "dataset.limit=2"
    )
    assert added.returncode == 0, added.stderr[-2000:]
    [metrics] = list((tmp / "res").rglob("metrics.json"))
    fields = json.loads(metrics.read_text())["fields"]
    assert (
        "use_stemmer:False" in fields["r2/rouge1"]["signature"]
        and "use_stemmer:True" in fields["rouge/rouge1"]["signature"]
    )
