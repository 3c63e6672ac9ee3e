"""Analysis commands under faults: compare, report and meta-eval on a full disk, meta-eval's --out
policy, and `harness progress` telling a killed job from a running one.

The full disk is a real small file system (a tmpfs filled to the last page) where this machine may
mount one; elsewhere the lowest write of harness/fileio.py is made to fail with ENOSPC part-way.

Run: python -m pytest tests/test_trust_faults.py -q
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from conftest import run_cli

import harness.fileio
from harness.cli.main import main
from harness.run.progress import job_lines, summary, sweep_progress

DOCS = [
    {
        "doc_id": f"d{i}",
        "source": f"Story {i} begins in the harbour town. The mayor opened a bridge on day {i}. Traffic fell by {i + 10} percent.",
        "reference": f"The mayor opened a bridge on day {i}. Traffic fell by {i + 10} percent.",
    }
    for i in range(6)
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class FullDisk:
    """A folder on a disk that `fill()` makes full: a 1 MB tmpfs written to its last byte, or,
    where mounting is not allowed, fileio's file writes failing with ENOSPC after a few bytes."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch):
        self.path, self.monkeypatch = path, monkeypatch
        path.mkdir(parents=True)
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(path)], capture_output=True)
        self.mounted = proc.returncode == 0

    def fill(self) -> None:
        if self.mounted:
            with contextlib.suppress(OSError), open(self.path / "filler", "wb", buffering=0) as f:
                while True:
                    f.write(b"x" * 4096)
            return
        real_open = builtins.open

        def failing_open(file, mode="r", *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            if "w" in mode or "x" in mode or "a" in mode:
                budget = [100]
                write = handle.write

                def limited(data):
                    if len(data) > budget[0]:
                        write(data[: budget[0]])
                        budget[0] = 0
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    budget[0] -= len(data)
                    return write(data)

                handle.write = limited
            return handle

        self.monkeypatch.setattr(harness.fileio, "open", failing_open, raising=False)

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture
def disk(tmp_path, monkeypatch):
    full = FullDisk(tmp_path / "disk", monkeypatch)
    yield full
    full.unmount()


@pytest.fixture
def cli(capsys):
    """`harness ...` in this process (so a patched write reaches it): (exit code, stdout, stderr)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}

    def call(*args: str) -> tuple[int, str, str]:
        code = main([*args])
        out = capsys.readouterr()
        return code, out.out, out.err

    yield call
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A finished two-model sweep (lead, centrality) over a 6-document local dataset."""
    root = tmp_path_factory.mktemp("sweep")
    data = write_jsonl(root / "docs.jsonl", DOCS)
    run_cli(
        "run",
        "-m",
        "model=lead,centrality",
        "dataset=local",
        f"dataset.path={data}",
        "metrics=[rouge,format]",
        f"results_dir={root / 'results'}",
    )
    (folder,) = [p.parent for p in (root / "results").rglob("multirun.yaml")]
    return folder


def assert_clean_failure(code: int, err: str, disk: Path) -> None:
    assert code in (1, 2), err
    assert "Traceback" not in err and "unexpected error" not in err, err
    assert "No space left on device" in err and str(disk) in err, err
    assert not [p for p in disk.rglob("*.tmp")], "a temporary file was left behind"


# -- compare, report, meta-eval on a full disk -----------------------------------------------------


def test_compare_on_a_full_disk_says_so_and_writes_no_table(sweep, disk, cli):
    out = disk.path / "cmp"
    out.mkdir()
    disk.fill()
    code, _, err = cli("compare", str(sweep), "--out", str(out))
    assert_clean_failure(code, err, disk.path)
    assert list(out.iterdir()) == [], "a comparison was left half-written"


def test_compare_force_on_a_full_disk_keeps_the_previous_comparison_whole(sweep, disk, cli):
    out = disk.path / "cmp"
    assert cli("compare", str(sweep), "--out", str(out))[0] == 0
    before = files(out)
    disk.fill()
    code, _, err = cli("compare", str(sweep), "--out", str(out), "--force")
    assert_clean_failure(code, err, disk.path)
    assert files(out) == before


def test_report_on_a_full_disk_keeps_the_previous_page(sweep, disk, cli):
    page = disk.path / "report.html"
    assert cli("report", str(sweep), "--out", str(page))[0] == 0
    before = files(disk.path)
    disk.fill()
    for extra in ([], ["--force"]):
        code, _, err = cli("report", str(sweep), "--out", str(page), *extra)
        assert_clean_failure(code, err, disk.path)
        assert {k: v for k, v in files(disk.path).items() if k != "filler"} == before


def meta_records(docs: int = 4) -> list[dict]:
    summaries = ["the cat sat on the mat .", "the cat sat on a rug .", "a dog ran away ."]
    return [
        {
            "doc_id": f"doc{d}",
            "system_id": f"s{rank}",
            "summary": text,
            "source": f"article {d} : the cat sat on the mat . more text",
            "reference": "the cat sat on the mat .",
            "scores": {"quality": 3 - rank + 0.1 * d},
        }
        for d in range(docs)
        for rank, text in enumerate(summaries)
    ]


def meta_args(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "meta-eval",
        "--data",
        str(data),
        "--human",
        "scores.quality",
        "--bootstrap",
        "0",
        "--out",
        str(out),
        *extra,
    ]


def test_meta_eval_on_a_full_disk_keeps_the_previous_results_whole(tmp_path, disk, cli):
    data = write_jsonl(tmp_path / "judged.jsonl", meta_records())
    out = disk.path / "meta"
    assert cli(*meta_args(data, out))[0] == 0
    before = files(out)
    disk.fill()
    for extra in ([], ["--force"]):
        code, _, err = cli(*meta_args(data, out, *extra))
        assert_clean_failure(code, err, disk.path)
        assert files(out) == before


# -- meta-eval --out: compare's policy -------------------------------------------------------------


def test_meta_eval_out_that_is_a_file_is_refused_before_reading_the_data(tmp_path, cli):
    out = tmp_path / "taken"
    out.write_text("mine\n")
    code, _, err = cli(*meta_args(tmp_path / "absent.jsonl", out))
    assert code == 2 and "--out" in err and str(out) in err and "absent.jsonl" not in err, err
    assert out.read_text() == "mine\n"


def test_meta_eval_never_overwrites_earlier_results_silently(tmp_path, cli):
    data = write_jsonl(tmp_path / "judged.jsonl", meta_records())
    out = tmp_path / "meta"
    assert cli(*meta_args(data, out))[0] == 0
    first = files(out)
    assert set(first) == {"meta_eval.json", "meta_eval.md", "meta_eval_scores.jsonl"}
    code, stdout, _ = cli(*meta_args(data, out, "--seed", "3"))
    assert code == 0
    again = files(out)
    assert {k: again[k] for k in first} == first  # the first results are untouched
    assert set(again) - set(first) == {"meta_eval-1.json", "meta_eval-1.md", "meta_eval-1_scores.jsonl"}
    assert "meta_eval-1.json" in stdout
    assert json.loads(again["meta_eval-1.json"])["protocol"]["bootstrap"]["seed"] == 3
    code, stdout, _ = cli(*meta_args(data, out, "--seed", "4", "--force"))
    assert code == 0 and json.loads((out / "meta_eval.json").read_text())["protocol"]["bootstrap"]["seed"] == 4


# -- harness progress: a killed job is not a running one; shards not started count -----------------


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def fake_run(folder: Path, status: str, pid: int, heartbeat_age_s: float | None, **info) -> Path:
    folder.mkdir(parents=True)
    record = {"status": status, "pid": pid, "host": socket.gethostname(), **info}
    if heartbeat_age_s is not None:
        record["heartbeat"] = time.time() - heartbeat_age_s
    (folder / "run.json").write_text(json.dumps(record))
    return folder


def test_progress_tells_a_killed_job_from_a_running_one(tmp_path):
    fake_run(tmp_path / "0_alive", "running", os.getpid(), 3)
    fake_run(tmp_path / "1_killed", "running", dead_pid(), 600)
    jobs = {j.folder.name: j for j in sweep_progress([tmp_path])}
    lines = job_lines(list(jobs.values()))
    alive = next(line for line in lines if "0_alive" in line)
    killed = next(line for line in lines if "1_killed" in line)
    host = socket.gethostname()
    assert f"running (pid {os.getpid()} on {host}, heartbeat 3 s ago)" in alive
    assert "stopped (no heartbeat for 10 min; pid" in killed and "gone)" in killed
    text = summary(list(jobs.values()))
    assert "1 running" in text and "1 stopped" in text


def test_progress_a_silent_job_on_another_host_is_not_called_running(tmp_path):
    folder = fake_run(tmp_path / "0_far", "running", 12345, 900)
    info = json.loads((folder / "run.json").read_text())
    info["host"] = "node-that-is-not-this-one"
    (folder / "run.json").write_text(json.dumps(info))
    (line,) = job_lines(sweep_progress([tmp_path]))
    assert "stopped (no heartbeat for 15 min; pid 12345 on node-that-is-not-this-one)" in line


def test_a_running_job_writes_its_heartbeat_and_stops_when_it_ends(tmp_path, monkeypatch):
    from harness.run import folder as folder_module

    monkeypatch.setattr(folder_module, "HEARTBEAT_S", 0.05)
    run = folder_module.RunFolder(tmp_path / "run")
    run.path.mkdir()
    run.claim(status="running")
    with run.heartbeat():
        time.sleep(0.3)
        beat = json.loads(run.file("run.json").read_text())
        assert beat["pid"] == os.getpid() and beat["host"] == socket.gethostname()
        assert time.time() - beat["heartbeat"] < 0.2
        run.update(status="done")
        time.sleep(0.2)
    assert json.loads(run.file("run.json").read_text())["status"] == "done"


def shard_run(folder: Path, index: int, count: int, total: int, done: int, status: str = "running") -> None:
    start, end = index * total // count, (index + 1) * total // count
    record = {"count": count, "index": index, "order_hash": "h1", "documents_total": total, "documents": end - start}
    fake_run(folder, status, os.getpid(), 1, label="lead", shard=record)
    (folder / "progress.json").write_text(
        json.dumps({"done": done, "total": end - start, "from_cache": 0, "started": 0, "updated": 1})
    )


def test_progress_counts_the_shards_not_yet_started(tmp_path):
    shard_run(tmp_path / "0_lead", 0, 4, 100, 20)
    shard_run(tmp_path / "1_lead", 1, 4, 100, 25, status="done")
    text = summary(sweep_progress([tmp_path]))
    assert "documents 45/100 (45.0%)" in text, text
    assert "2 not started" in text, text


@pytest.mark.parametrize("content", ["[1, 2]", "{bad", '"text"', "null"])
def test_progress_on_a_damaged_run_json_names_it_unknown_without_a_traceback(tmp_path, content, cli):
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "run.json").write_text(content)
    code, out, err = cli("progress", str(tmp_path))
    assert code == 0 and "Traceback" not in err and "unknown" in out, err


@pytest.mark.parametrize("command", ["compare", "report", "meta-eval"])
def test_a_read_only_output_folder_is_a_clean_message(sweep, tmp_path, cli, command):
    ro = tmp_path / "ro"
    ro.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(ro)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        data = write_jsonl(tmp_path / "judged.jsonl", meta_records())
        args = {
            "compare": ["compare", str(sweep), "--out", str(ro / "c")],
            "report": ["report", str(sweep), "--out", str(ro / "r.html")],
            "meta-eval": meta_args(data, ro / "m"),
        }[command]
        code, _, err = cli(*args)
        assert code in (1, 2) and "Traceback" not in err and "Read-only file system" in err, err
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)
