"""Attack suite for run folders, rescoring and exit codes: each case builds a bad input or a bad
event (a signal, a full disk, a read-only folder, a hostile label, edited data), runs the real CLI,
and checks the exit code, the message, and the files on disk: nothing lost, nothing overwritten,
nothing written outside the run's own folder, no temporary file left.

Run: python -m pytest tests/test_attack_runfolder.py -q
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from openai_server import FakeOpenAI
from tiny_models import (
    harness_command,
    one_at_a_time_chat,
    start_harness,
    user_model_run_args,
    wait_while_running,
    write_docs,
    write_model_config,
)

from harness.analysis.escape import md_cell
from harness.text.visible import visible

# -- helpers ---------------------------------------------------------------------------------------

DOCS = [
    {
        "doc_id": f"d{i}",
        "source": f"Story {i} begins in the harbour town. The mayor opened a bridge on day {i}. Traffic fell by {i + 10} percent.",
        "reference": [f"The mayor opened a bridge on day {i}.", f"Traffic fell by {i + 10} percent."],
        "facts": [f"A bridge opened on day {i}."],
    }
    for i in range(4)
]


def harness(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return run_cli(*args, check=False, **kwargs)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_dirs(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("run.json"))


def info_of(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes: compare before/after to prove nothing changed."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or ".tmp." in p.name)]


def assert_clean(root: Path) -> None:
    assert not temporaries(root), f"temporary files left: {temporaries(root)}"


def local_run_args(tmp_path: Path, data: Path, *extra: str) -> list[str]:
    return [
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "dataset.reference_field=reference",
        "dataset.reference_list=bullets",
        "dataset.facts_field=facts",
        f"results_dir={tmp_path / 'results'}",
        *extra,
    ]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """A finished lead run over a 4-document local dataset: (run folder, dataset file)."""
    root = tmp_path_factory.mktemp("finished")
    data = write_jsonl(root / "docs.jsonl", DOCS)
    proc = harness(*local_run_args(root, data, "metrics=[rouge,format]"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = run_dirs(root / "results")
    return run, data


@pytest.fixture
def own_run(finished, tmp_path) -> tuple[Path, Path]:
    """A private copy of the finished run whose config points at a private copy of its data."""
    run, data = finished
    copy = tmp_path / "results" / "default" / "ts" / run.name
    shutil.copytree(run, copy)
    own_data = tmp_path / "docs.jsonl"
    shutil.copy(data, own_data)
    config = yaml.safe_load((copy / "config.yaml").read_text())
    config["dataset"]["path"] = str(own_data)
    (copy / "config.yaml").write_text(yaml.safe_dump(config))
    return copy, own_data


def precomputed_outputs(path: Path, system: str) -> Path:
    return write_jsonl(
        path, [{"doc_id": d["doc_id"], "summary": "- " + d["reference"][0], "system_id": system} for d in DOCS]
    )


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "64k", read_only: bool = False):
    """A real small (or read-only) file system: root ignores permissions, not a full disk or EROFS."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs mount rights): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


# -- run folders: exclusive creation ---------------------------------------------------------------


@pytest.mark.slow
def test_two_runs_started_together_never_share_a_folder(tmp_path):
    data = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    commands = [
        harness_command(*local_run_args(tmp_path, data, "metrics=[format]", f"dataset.limit={n}")) for n in (2, 3)
    ]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    runs = run_dirs(tmp_path / "results")
    assert len(runs) == 2 and runs[0] != runs[1]
    for run in runs:  # each folder holds one run: Hydra's record agrees with run.json
        info = info_of(run)
        assert yaml.safe_load((run / ".hydra" / "overrides.yaml").read_text()) == info["overrides"]
        assert len((run / "generations.jsonl").read_text().splitlines()) == info["dataset"]["examples"]
    assert sorted(info_of(r)["dataset"]["examples"] for r in runs) == [2, 3]
    assert_clean(tmp_path)


def test_a_results_dir_that_is_a_file_fails_at_start_and_keeps_the_file(tmp_path):
    not_a_folder = tmp_path / "results"
    not_a_folder.write_text("my notes")
    proc = harness("run", "model=lead", "metrics=[format]", f"results_dir={not_a_folder}")
    assert proc.returncode == 2 and str(not_a_folder) in proc.stderr and "Traceback" not in proc.stderr
    assert not_a_folder.read_text() == "my notes" and [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_run_never_enters_an_existing_timestamp_folder(tmp_path):
    data = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    exp = tmp_path / "results" / "default"
    start = time.time()
    squatted = []
    for dt in range(-2, 30):  # every timestamp the run could pick already holds a finished run
        stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(start + dt))
        (exp / stamp / "lead").mkdir(parents=True)
        (exp / stamp / "lead" / "run.json").write_text('{"status": "done", "label": "someone else"}')
        squatted.append(exp / stamp)
    before = snapshot(exp)
    proc = harness(*local_run_args(tmp_path, data, "metrics=[format]", "dataset.limit=1"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = snapshot(exp)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing of theirs changed
    new = [r for r in run_dirs(exp) if r.parent not in squatted]
    assert len(new) == 1 and info_of(new[0])["status"] == "done"
    assert new[0].parent.name.startswith(tuple(p.name for p in squatted))  # the same second, with a suffix


@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_an_explicit_output_dir_holding_a_run_is_refused_untouched(finished, tmp_path, key):
    run, data = finished
    target = tmp_path / "taken"
    shutil.copytree(run, target if key == "hydra.run.dir" else target / "0_lead")
    before = snapshot(target)
    proc = harness("run", "model=lead", "metrics=[format]", f"{key}={target}", f"results_dir={tmp_path}")
    assert proc.returncode == 2
    assert str(target) in proc.stderr and "already holds a run" in proc.stderr
    assert snapshot(target) == before


# -- labels: one safe path component, shown as given -----------------------------------------------

HOSTILE_LABELS = {
    "dotdot": "../../../x",
    "absolute": "/tmp/abs-escape",
    "slash": "a/b",
    "parent": "..",
    "leading-dot": ".hidden",
    "tab": "tab\there",
    "backslash": "back\\slash",
}
FILE_LABELS = {
    "newline": "line\nbreak",
    "ansi-escape": "\x1b[31mred\x1b[0m",
    "deep-dotdot": "../../../../../../../../tmp/harness-attack-escape",
    "too-long": "é" * 300,
}  # 600 bytes: more than a file name may hold


def assert_one_safe_component(name: str) -> None:
    assert "/" not in name and "\\" not in name and not name.startswith(".") and name.isprintable() and ".." not in name


def hydra_quoted(value: str) -> str:
    return "'" + value.replace("'", "\\'") + "'"


@pytest.fixture(scope="module")
def hostile_sweeps(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, Path, Path]]:
    """Two sweeps, each one CLI run: precomputed systems with hostile names, and model files
    whose `label` a command line could not carry (newline, escape sequence)."""
    root = tmp_path_factory.mktemp("hostile")
    data = write_jsonl(root / "docs.jsonl", DOCS)
    outputs = write_jsonl(
        root / "outputs.jsonl",
        [
            {"doc_id": d["doc_id"], "summary": "- " + d["reference"][0], "system_id": label}
            for label in HOSTILE_LABELS.values()
            for d in DOCS
        ],
    )
    systems = ",".join(hydra_quoted(label) for label in HOSTILE_LABELS.values())
    common = ["dataset=local", f"dataset.path={data}", "metrics=[format]"]
    out = {}
    out["system"] = (
        harness(
            "run",
            "-m",
            "model=precomputed",
            f"model.path={outputs}",
            f"model.system={systems}",
            *common,
            f"results_dir={root / 'a' / 'results'}",
            cwd=root,
        ),
        root / "a",
        root / "a" / "results",
    )
    user_conf = root / "conf"
    for name, label in FILE_LABELS.items():
        write_model_config(user_conf, name, {"backend": "lead", "label": label})
    out["file"] = (
        harness(
            "run",
            "-m",
            "--config-dir",
            str(user_conf),
            f"model={','.join(FILE_LABELS)}",
            *common,
            f"results_dir={root / 'b' / 'results'}",
            cwd=root,
        ),
        root / "b",
        root / "b" / "results",
    )
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    "source, label",
    [("system", v) for v in HOSTILE_LABELS.values()] + [("file", v) for v in FILE_LABELS.values()],
    ids=[*HOSTILE_LABELS, *FILE_LABELS],
)
def test_a_hostile_label_stays_inside_its_run_folder_and_is_shown_as_given(hostile_sweeps, source, label):
    proc, home, results = hostile_sweeps[source]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [p.name for p in home.iterdir()] == ["results"]  # nothing written beside results_dir
    assert not Path("/tmp/abs-escape").exists() and not Path("/tmp/harness-attack-escape").exists()
    (run,) = [r for r in run_dirs(results) if info_of(r)["label"] == label]  # shown as given
    assert run.parent.parent == results / "default"  # results/<experiment>/<sweep>/<n>_<label>
    assert_one_safe_component(run.name)
    assert info_of(run)["status"] == "done"
    # the comparison table names the run as given, control characters made visible (never raw on a terminal)
    assert any(shown in proc.stdout for shown in (label, visible(label), md_cell(label))), proc.stdout[-2000:]
    assert "\x1b" not in proc.stdout


def test_a_hostile_label_in_a_single_run_stays_inside_its_run_folder(tmp_path):
    results = tmp_path / "results"
    data = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    outputs = precomputed_outputs(tmp_path / "outputs.jsonl", "../../../x")
    proc = harness(
        "run",
        "model=precomputed",
        f"model.path={outputs}",
        "model.system=../../../x",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        f"results_dir={results}",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.jsonl", "outputs.jsonl", "results"]
    (run,) = run_dirs(results)
    assert run.parent.parent == results / "default" and run.name == "x"
    assert info_of(run)["label"] == "../../../x"


@pytest.mark.parametrize("override", ["run_label=../../escape", "experiment_name=../../up"])
def test_hostile_run_label_or_experiment_name_stays_under_results_dir(tmp_path, override):
    results = tmp_path / "a" / "b" / "results"
    data = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    proc = harness(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        f"results_dir={results}",
        override,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (run,) = run_dirs(tmp_path)
    assert results in run.parents and len(run.relative_to(results).parts) == 3
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["results"]
    given = override.split("=", 1)[1]
    assert given in (info_of(run)["label"], info_of(run)["experiment"])


# -- every exit path ends with a terminal status ---------------------------------------------------


def slow_api_run(tmp_path: Path, server: FakeOpenAI) -> list[str]:
    data = write_docs(tmp_path / "docs.jsonl", 12)
    model = one_at_a_time_chat(server.url)
    return user_model_run_args(
        tmp_path, "slow-chat", model, data, "metrics=[format]", f"results_dir={tmp_path / 'results'}"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "signum, code, status",
    [
        (signal.SIGTERM, 143, "interrupted"),
        (signal.SIGHUP, 129, "interrupted"),
        (signal.SIGINT, 130, "interrupted"),
    ],
    ids=["SIGTERM", "SIGHUP", "SIGINT"],
)
def test_a_signal_mid_generation_ends_with_a_terminal_status(tmp_path, signum, code, status):
    with FakeOpenAI(delay_s=0.3) as server:
        proc = start_harness(*slow_api_run(tmp_path, server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_while_running(proc, lambda: len(server.seen) >= 2, "run ended before the signal")
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr[-2000:]
    (run,) = run_dirs(tmp_path / "results")
    info = info_of(run)
    assert info["status"] == status and signal.Signals(signum).name in info["error"] and info["ended"]
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert_clean(tmp_path)


@pytest.mark.slow
def test_a_file_size_limit_mid_scoring_fails_the_run_with_the_reason(tmp_path):
    """RLIMIT_FSIZE makes a write past 30 kB fail with EFBIG, as a full disk fails with ENOSPC."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (30_000, 30_000))

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        harness_command("run", "model=lead", "metrics=[rouge,support,format]", f"results_dir={tmp_path / 'r'}"),
        capture_output=True,
        text=True,
        preexec_fn=limit,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    (run,) = run_dirs(tmp_path / "r")
    info = info_of(run)
    assert info["status"] == "failed" and "File too large" in info["error"] and info["ended"]
    assert "File too large" in proc.stderr and (run / "generations.jsonl").is_file()
    assert_clean(tmp_path)


@pytest.mark.slow
def test_a_full_disk_mid_run_fails_the_run_with_the_reason(tmp_path):
    with tmpfs(tmp_path / "small", size="48k") as small:
        proc = harness("run", "model=lead", "metrics=[rouge,support,format]", f"results_dir={small}")
        assert proc.returncode == 1, proc.stderr[-2000:]
        (run,) = run_dirs(small)
        info = info_of(run)
        assert info["status"] == "failed" and "No space left" in info["error"]
        assert "No space left" in proc.stderr
        assert_clean(small)


def test_a_read_only_results_dir_fails_at_start_with_a_clear_message(tmp_path):
    with tmpfs(tmp_path / "ro", read_only=True) as ro:
        proc = harness("run", "model=lead", "metrics=[format]", f"results_dir={ro / 'results'}")
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert "Read-only file system" in proc.stderr and str(ro / "results") in proc.stderr
        assert "Traceback" not in proc.stderr and not list(ro.iterdir())


@pytest.mark.slow
def test_a_folder_turned_read_only_mid_run_fails_clearly_and_the_rerun_resumes(tmp_path):
    """run.json cannot record anything on a read-only file system: the run says so and exits 1;
    once writable again, the same command resumes from the generations saved before."""
    with FakeOpenAI(delay_s=0.2) as server, tmpfs(tmp_path / "disk", size="4m") as disk:
        args = [a.replace(str(tmp_path / "results"), str(disk / "results")) for a in slow_api_run(tmp_path, server)]
        proc = start_harness(*args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_while_running(proc, lambda: len(server.seen) >= 3, "run ended too early")
        results = disk / "results"  # a read-only view over the results (a remount would wait for open files)
        subprocess.run(["mount", "--bind", str(results), str(results)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(results)], check=True)
        try:
            stdout, stderr = proc.communicate(timeout=60)
        finally:
            subprocess.run(["umount", "-l", str(results)], check=True)
        assert proc.returncode == 1, stderr[-2000:]
        assert "Read-only file system" in stderr and "could not record status 'failed'" in stdout + stderr
        assert_clean(disk)
        seen = len(server.seen)
        again = harness(*args)
        assert again.returncode == 0, again.stderr[-2000:]
        assert len(server.seen) - seen <= 12 - 2  # the generations saved before the failure are not asked again
        assert info_of(run_dirs(disk / "results")[-1])["status"] == "done"


@pytest.mark.slow
def test_score_recovers_a_run_killed_while_scoring(own_run):
    run, _ = own_run
    info = info_of(run)
    info.update(status="running", ended=None)  # what a SIGKILL during scoring leaves behind
    (run / "run.json").write_text(json.dumps(info))
    (run / "metrics.json").unlink()
    proc = harness("score", str(run))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert info_of(run)["status"] == "done" and (run / "metrics.json").is_file()
    assert_clean(run)


@pytest.mark.slow  # a dataset large enough (250 documents) that scoring can be caught in the act
def test_sigterm_while_rescoring_keeps_the_finished_run_and_records_the_attempt(tmp_path):
    """A re-score of a finished run that stops before writing anything leaves the run as it was
    (status done, its scores, comparable) and says in run.json what happened to the attempt."""
    docs = [
        {
            "doc_id": f"d{i}",
            "reference": [f"Story {i} council approved items."],
            "source": " ".join(
                f"Sentence {j} of story {i} says the council approved item {j * i} after a debate." for j in range(30)
            ),
        }
        for i in range(250)
    ]
    data = write_jsonl(tmp_path / "docs.jsonl", docs)
    assert (
        harness(
            "run",
            "model=lead",
            "dataset=local",
            f"dataset.path={data}",
            "metrics=[format]",
            f"results_dir={tmp_path / 'r'}",
        ).returncode
        == 0
    )
    (run,) = run_dirs(tmp_path / "r")
    old = {name: (run / name).read_bytes() for name in ("scores.jsonl", "metrics.json")}
    proc = start_harness(
        "score", str(run), "--metrics", "support", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    wait_while_running(proc, lambda: info_of(run)["status"] == "scoring", "scoring ended before the signal", poll=0.02)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr[-2000:]
    info = info_of(run)
    assert info["status"] == "done" and info["error"] is None
    attempt = info["rescore_failed"]
    assert attempt["error"] == "interrupted by SIGTERM" and attempt["metrics"] == ["support"]
    assert {name: (run / name).read_bytes() for name in old} == old
    assert_clean(run)
    assert harness("compare", str(run)).returncode == 0  # still a finished run
    assert harness("score", str(run), "--metrics", "format").returncode == 0 and info_of(run)["status"] == "done"
    assert "rescore_failed" not in info_of(run)  # a re-score that finished clears the note


def test_score_whose_generations_all_failed_exits_1_and_keeps_the_finished_scores(own_run):
    """Nothing to score: exit 1 with the reason; the run's finished scores are untouched, so it
    stays done, with the failed attempt recorded."""
    run, _ = own_run
    rows = [json.loads(line) for line in (run / "generations.jsonl").read_text().splitlines()]
    write_jsonl(run / "generations.jsonl", [{**r, "raw": None, "error": "HTTP 500"} for r in rows])
    old_scores = (run / "scores.jsonl").read_bytes()
    proc = harness("score", str(run))
    assert proc.returncode == 1 and "nothing to score" in proc.stderr
    info = info_of(run)
    assert info["status"] == "done" and "nothing to score" in info["rescore_failed"]["error"]
    assert (run / "scores.jsonl").read_bytes() == old_scores
    assert_clean(run)


def test_score_on_a_truncated_generations_file_names_file_and_line(own_run):
    run, _ = own_run
    text = (run / "generations.jsonl").read_text()
    (run / "generations.jsonl").write_text(text[: len(text) - 40])
    before = snapshot(run)
    proc = harness("score", str(run))
    assert proc.returncode == 2 and f"{run / 'generations.jsonl'}:4" in proc.stderr and "malformed JSON" in proc.stderr
    assert "Traceback" not in proc.stderr and snapshot(run) == before


def test_a_sweep_with_one_refused_config_is_refused_whole_before_any_work(tmp_path):
    user_conf = tmp_path / "c"
    write_model_config(user_conf, "typo", {"backend": "centrality", "dampng": 0.5})
    data = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    proc = harness(
        "run",
        "-m",
        "--config-dir",
        str(user_conf),
        "model=typo,lead",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[format]",
        f"results_dir={tmp_path / 'r'}",
    )
    assert proc.returncode == 2 and "unknown key 'dampng'" in proc.stderr
    # every job is checked before Hydra starts: no job runs on a sweep that is half wrong
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*"))


def test_a_config_typo_at_start_up_leaves_no_folder(tmp_path):
    user_conf = tmp_path / "c"
    write_model_config(user_conf, "typo", {"backend": "centrality", "dampng": 0.5})
    proc = harness("run", "--config-dir", str(user_conf), "model=typo", f"results_dir={tmp_path / 'r'}")
    assert proc.returncode == 2 and "unknown key 'dampng'" in proc.stderr
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*"))


def test_a_required_value_left_out_is_a_config_error_naming_the_key(tmp_path):
    proc = harness("run", "model=precomputed", "metrics=[format]", f"results_dir={tmp_path / 'r'}")
    assert proc.returncode == 2 and "model.path: no value given" in proc.stderr
    assert not (tmp_path / "r").exists()


def test_a_sweep_whose_runs_all_fail_at_start_up_leaves_no_folder(tmp_path):
    user_conf = tmp_path / "c"
    write_model_config(user_conf, "typo1", {"backend": "centrality", "dampng": 0.5})
    write_model_config(user_conf, "typo2", {"backend": "lead", "n": 2})
    proc = harness("run", "-m", "--config-dir", str(user_conf), "model=typo1,typo2", f"results_dir={tmp_path / 'r'}")
    assert proc.returncode == 2 and "unknown key 'dampng'" in proc.stderr
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").rglob("*"))


def test_a_run_that_fails_later_keeps_its_folder_with_the_reason(tmp_path):
    outputs = write_jsonl(tmp_path / "outputs.jsonl", [{"doc_id": "not-in-the-dataset", "summary": "- x"}])
    proc = harness(
        "run",
        "model=precomputed",
        f"model.path={outputs}",
        "dataset.limit=2",
        "metrics=[format]",
        f"results_dir={tmp_path / 'r'}",
    )
    assert proc.returncode == 1 and "nothing to score" in proc.stderr
    (run,) = run_dirs(tmp_path / "r")
    info = info_of(run)
    assert info["status"] == "failed" and "nothing to score" in info["error"] and info["ended"]
    assert_clean(tmp_path)


# -- compare and report never overwrite -----------------------------------------------------------


@pytest.mark.parametrize(
    "command, name", [("compare", "comparison.md"), ("compare", "comparison.csv"), ("report", "report.html")]
)
def test_compare_and_report_never_overwrite_a_file_in_the_common_parent(finished, tmp_path, command, name):
    run, _ = finished
    for side in ("A", "B"):
        shutil.copytree(run, tmp_path / side / "x")
    precious = tmp_path / name
    precious.write_text("my own notes, not a harness table\n")
    proc = harness(command, str(tmp_path / "A" / "x"), str(tmp_path / "B" / "x"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert precious.read_text() == "my own notes, not a harness table\n"
    stem, suffix = name.rsplit(".", 1)
    written = tmp_path / f"{stem}-1.{suffix}"
    assert written.is_file() and str(written) in proc.stdout
    assert_clean(tmp_path)


def test_compare_force_replaces_the_comparison_atomically(finished, tmp_path):
    run, _ = finished
    shutil.copytree(run, tmp_path / "A" / "x")
    (tmp_path / "A" / "comparison.md").write_text("old table\n")
    proc = harness("compare", str(tmp_path / "A"), "--force")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| lead |" in (tmp_path / "A" / "comparison.md").read_text()
    assert not (tmp_path / "A" / "comparison-1.md").exists()
    assert_clean(tmp_path)


# -- rescoring refuses changed data ---------------------------------------------------------------


def edit_docs(path: Path, change) -> None:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    write_jsonl(path, change(rows))


CHANGES = {
    "reference-edited": (
        lambda rows: [{**r, "reference": ["Something else entirely."]} if r["doc_id"] == "d1" else r for r in rows],
        "changed: d1",
    ),
    "document-removed": (lambda rows: [r for r in rows if r["doc_id"] != "d2"], "removed: d2"),
    "document-added": (lambda rows: rows + [{**rows[0], "doc_id": "d9"}], "added: d9"),
    "source-edited": (
        lambda rows: [{**r, "source": r["source"] + " More."} if r["doc_id"] == "d0" else r for r in rows],
        "changed: d0",
    ),
    "facts-edited": (lambda rows: [{**r, "facts": []} if r["doc_id"] == "d3" else r for r in rows], "changed: d3"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_score_refuses_changed_data_and_says_what_changed(own_run, change):
    run, data = own_run
    edit, expected = CHANGES[change]
    edit_docs(data, edit)
    before = snapshot(run)
    proc = harness("score", str(run))
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert expected in proc.stderr and str(data) in proc.stderr and "--rescore-changed-data" in proc.stderr
    assert snapshot(run) == before  # old scores, run.json, config: byte for byte


@pytest.mark.slow
def test_score_with_rescore_changed_data_records_the_new_fingerprint_and_keeps_old_scores(own_run):
    run, data = own_run
    old_info = info_of(run)
    old_scores = (run / "scores.jsonl").read_bytes()
    old_metrics = (run / "metrics.json").read_bytes()
    edit_docs(data, CHANGES["reference-edited"][0])
    proc = harness("score", str(run), "--rescore-changed-data")
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = info_of(run)
    assert info["dataset"]["fingerprint"] != old_info["dataset"]["fingerprint"] and info["status"] == "done"
    assert info["rescored_data"][-1]["previous_fingerprint"] == old_info["dataset"]["fingerprint"]
    assert info["rescored_data"][-1]["changed"] == ["d1"]
    kept = run / info["rescored_data"][-1]["previous_scores"]
    assert (kept / "scores.jsonl").read_bytes() == old_scores and (kept / "metrics.json").read_bytes() == old_metrics
    assert (run / "scores.jsonl").read_bytes() != old_scores
    again = harness("score", str(run))  # the new fingerprint is the reference now
    assert again.returncode == 0, again.stderr[-2000:]
    assert_clean(run)


def test_report_refuses_changed_data_and_writes_nothing(own_run, tmp_path):
    run, data = own_run
    edit_docs(data, CHANGES["document-removed"][0])
    out = tmp_path / "report.html"
    proc = harness("report", str(run), "--out", str(out))
    assert proc.returncode == 2 and "removed: d2" in proc.stderr and "harness score" in proc.stderr
    assert not out.exists()


def test_score_on_unchanged_data_rescores_in_place(own_run):
    run, _ = own_run
    fingerprint = info_of(run)["dataset"]["fingerprint"]
    proc = harness("score", str(run), "--metrics", "format")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert info_of(run)["dataset"]["fingerprint"] == fingerprint and "rescored_data" not in info_of(run)


def test_score_when_the_dataset_file_is_gone_names_it(own_run):
    run, data = own_run
    data.unlink()
    before = snapshot(run)
    proc = harness("score", str(run))
    assert proc.returncode == 2 and str(data) in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(run) == before


def test_score_on_a_truncated_run_json_names_the_file(own_run):
    run, _ = own_run
    text = (run / "run.json").read_text()
    (run / "run.json").write_text(text[: len(text) // 2])
    before = snapshot(run)
    proc = harness("score", str(run))
    assert proc.returncode == 2 and str(run / "run.json") in proc.stderr and "line" in proc.stderr
    assert "Traceback" not in proc.stderr and snapshot(run) == before


def test_score_on_a_run_json_that_is_not_an_object_names_the_file(own_run):
    run, _ = own_run
    (run / "run.json").write_text("[1, 2]\n")
    before = snapshot(run)
    proc = harness("score", str(run))
    assert proc.returncode == 2 and f"{run / 'run.json'}: not a JSON object (list)" in proc.stderr
    assert "Traceback" not in proc.stderr and snapshot(run) == before


# -- one exit-code policy for every command --------------------------------------------------------


@pytest.mark.parametrize(
    "args, code, message",
    [
        ((), 2, "usage: harness"),
        (("frobnicate",), 2, "unknown command"),
        (("list",), 0, "models:"),
        (("list", "nonsense"), 2, "invalid choice"),
        (("score",), 2, "usage: harness score"),
        (("score", "/nonexistent/run"), 2, "/nonexistent/run"),
        (("compare", "/nonexistent/run"), 2, "/nonexistent/run"),
        (("report", "/nonexistent/run"), 2, "/nonexistent/run"),
        (("meta-eval",), 2, "usage: harness meta-eval"),
        (("run", "model=lead", "dataset.limit=[1"), 2, "[1"),
        (("run", "model=lead", "dataset.limit=abc"), 2, "limit"),
    ],
    ids=[
        "no-command",
        "unknown-command",
        "list-ok",
        "list-bad-group",
        "score-no-arg",
        "score-missing",
        "compare-missing",
        "report-missing",
        "meta-eval-no-arg",
        "run-override-syntax",
        "run-bad-type",
    ],
)
def test_exit_codes_follow_one_policy(tmp_path, args, code, message):
    proc = harness(*args, *([f"results_dir={tmp_path}"] if args[:1] == ("run",) else []), cwd=tmp_path)
    assert proc.returncode == code, (proc.stdout[-1000:], proc.stderr[-2000:])
    assert message in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert not run_dirs(tmp_path)


def _edit_line(path: Path, line: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    row = json.loads(lines[line - 1])
    change(row)
    lines[line - 1] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    "file, line, change, args, message",
    [
        # a reply without its bullets was scored as an empty summary and the scores overwritten
        ("generations.jsonl", 2, lambda r: r.update(bullets=None), [], "generations.jsonl:2: field 'bullets'"),
        ("generations.jsonl", 2, lambda r: r.pop("bullets"), [], "generations.jsonl:2: field 'bullets'"),
        # the scores kept by --metrics are read before scoring: refused (exit 2), not a failed run (exit 1)
        (
            "scores.jsonl",
            3,
            lambda r: r.update({"x/y": "high"}),
            ["--metrics", "format"],
            "scores.jsonl:3: field 'x/y'",
        ),
    ],
)
def test_score_refuses_a_damaged_file_naming_it_and_changes_nothing(own_run, file, line, change, args, message):
    run, _ = own_run
    _edit_line(run / file, line, change)
    before = snapshot(run)
    proc = harness("score", str(run), *args)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert message in proc.stderr
    after = snapshot(run)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed <= {"run.json", "run.log"}, changed  # scores.jsonl and metrics.json untouched
