"""Two harness commands on one run folder at once: a second `harness score` of a folder another
`harness score` (or the `harness run` writing it) is working on refuses at once (exit 2, the
folder named, nothing changed); a holder killed with SIGKILL blocks nothing (the kernel drops its
lock). Real processes on a real `harness run model=lead` folder, synchronised by files: a metric
plugin says it started scoring and waits until the test lets it finish.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import run_cli

from harness.api import score as api_score
from harness.errors import InputError
from harness.run.record import read_run

pytestmark = pytest.mark.slow

GATE = '''
"""A metric that says it started (a file) and waits until the test creates `release`."""

import os
import time
from dataclasses import dataclass
from pathlib import Path

from harness.metrics.base import Metric, Scored


@dataclass
class GateOptions:
    gate: str = ""


class Gate(Metric):
    name = "gate"
    fields = {"passed": "1 once the test let scoring go on"}
    Options = GateOptions

    def score(self, examples, summaries):
        gate = Path(self.options.gate)
        (gate / f"started.{os.getpid()}").write_text("")
        for _ in range(6000):  # a guard against a test that never releases: at most ten minutes
            if (gate / "release").exists():
                break
            time.sleep(0.1)
        return [Scored({"passed": 1.0}) for _ in summaries]
'''

ARTICLE = "The council approved a budget on Monday. It raises spending on schools. Parks get new playgrounds."
HANG_GUARD_S = 300  # waiting for a file; not a timing assertion: only ends a test that would hang


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    """The gate metric on PYTHONPATH (src/), its config (conf/metrics/gate.yaml), the documents."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "gateplug.py").write_text(GATE)
    (tmp_path / "conf" / "metrics").mkdir(parents=True)
    (tmp_path / "gate").mkdir()
    (tmp_path / "conf" / "metrics" / "gate.yaml").write_text(
        f"gate:\n  _target_: gateplug.Gate\n  gate: {tmp_path / 'gate'}\n"
    )
    rows = [{"doc_id": f"d{i}", "source": ARTICLE, "reference": "- Council approves budget."} for i in range(3)]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path


def env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root / "src")}


def harness(root: Path, *args: str) -> subprocess.Popen[str]:
    """`harness ARGS` started in the background, as a user's second terminal would."""
    command = [sys.executable, "-m", "harness.cli", *args]
    return subprocess.Popen(command, cwd=root, env=env(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_args(root: Path, metrics: str = "format") -> list[str]:
    return [
        "run",
        "--config-dir",
        str(root / "conf"),
        "model=lead",
        "dataset=local",
        f"dataset.path={root / 'docs.jsonl'}",
        f"metrics=[{metrics}]",
        f"results_dir={root / 'results'}",
    ]


def made_run(root: Path) -> Path:
    """A finished run folder, made by a real `harness run model=lead`."""
    run_cli(*run_args(root), cwd=root, env=env(root))
    (run_json,) = (root / "results").rglob("run.json")
    return run_json.parent


def wait_started(root: Path, proc: subprocess.Popen[str]) -> None:
    """Until the gate metric in `proc` has started scoring (its file), failing if `proc` ends first."""
    started = root / "gate" / f"started.{proc.pid}"
    deadline = time.monotonic() + HANG_GUARD_S
    while not started.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the first command ended (exit {proc.returncode}) before scoring:\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"{started} never appeared")
        time.sleep(0.05)


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test started, killed if still running when it ends (a failed assertion)."""
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def snapshot(folder: Path) -> dict[str, object]:
    """The folder's files; run.json without the heartbeat a working `harness run` renews in it."""
    files: dict[str, object] = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    info = json.loads(files.pop("run.json"))
    files["run.json"] = {k: v for k, v in info.items() if k != "heartbeat"}
    return files


def finish(root: Path, proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    (root / "gate" / "release").write_text("")
    out, err = proc.communicate(timeout=HANG_GUARD_S)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_second_score_of_a_folder_being_rescored_refuses_at_once(plugin, cleanup):
    run = made_run(plugin)
    first = harness(plugin, "score", str(run), "--config-dir", str(plugin / "conf"), "--metrics", "gate")
    cleanup.append(first)
    wait_started(plugin, first)
    before = snapshot(run)

    second = run_cli("score", str(run), cwd=plugin, env=env(plugin), check=False)
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"harness score: error: {run}: another harness command" in second.stderr, second.stderr
    assert "is working on this run folder" in second.stderr and "nothing was changed" in second.stderr
    assert "Traceback" not in second.stderr
    assert snapshot(run) == before, "the refused re-score changed the folder"
    with pytest.raises(InputError, match="another harness command"):  # the API refuses the same way
        api_score(run)
    assert snapshot(run) == before

    done = finish(plugin, first)
    assert done.returncode == 0, done.stdout + done.stderr
    record = read_run(run)  # valid, finished, with the first re-score's metric and the run's own
    assert record.info.status == "done"
    assert {"gate/passed", "format/compliant"} <= set(record.metrics.fields)
    assert json.loads((run / "run.json").read_text())["rescored_metrics"] == ["gate"]


def test_a_holder_killed_with_sigkill_does_not_block_the_next_score(plugin, cleanup):
    run = made_run(plugin)
    first = harness(plugin, "score", str(run), "--config-dir", str(plugin / "conf"), "--metrics", "gate")
    cleanup.append(first)
    wait_started(plugin, first)
    os.kill(first.pid, signal.SIGKILL)
    first.communicate()
    assert first.returncode == -signal.SIGKILL
    assert json.loads((run / "run.json").read_text())["status"] == "scoring"  # left as the killed process had it

    second = run_cli("score", str(run), cwd=plugin, env=env(plugin), check=False)
    assert second.returncode == 0, second.stdout + second.stderr
    assert read_run(run).info.status == "done"


def test_score_refuses_a_folder_the_run_is_still_writing(plugin, cleanup):
    first = harness(plugin, *run_args(plugin, metrics="format,gate"))
    cleanup.append(first)
    wait_started(plugin, first)  # generations.jsonl written, the run scoring
    (run_json,) = (plugin / "results").rglob("run.json")
    run = run_json.parent
    assert (run / "generations.jsonl").is_file()
    before = snapshot(run)

    second = run_cli("score", str(run), "--metrics", "format", cwd=plugin, env=env(plugin), check=False)
    assert second.returncode == 2, second.stdout + second.stderr
    assert f"{run}: another harness command" in second.stderr, second.stderr
    assert snapshot(run) == before, "the refused re-score changed the folder"

    done = finish(plugin, first)
    assert done.returncode == 0, done.stdout + done.stderr
    record = read_run(run)
    assert record.info.status == "done" and {"gate/passed", "format/compliant"} <= set(record.metrics.fields)
    assert "rescored" not in json.loads((run / "run.json").read_text())


def test_a_read_only_run_folder_is_refused_before_any_work(plugin):
    """The lock cannot be taken: exit 2 at once, naming the folder, instead of scoring and then
    failing to write."""
    run = made_run(plugin)
    mounted = subprocess.run(["mount", "--bind", "-o", "ro", str(run), str(run)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount read-only here (needs mount rights): {mounted.stderr.strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(run)], check=True, capture_output=True)
        before = snapshot(run)
        proc = run_cli("score", str(run), cwd=plugin, env=env(plugin), check=False)
        assert snapshot(run) == before
    finally:
        subprocess.run(["umount", "-l", str(run)], capture_output=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{run}: cannot lock the run folder (Read-only file system)" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_lock_file_planted_as_a_symlink_is_refused_and_nothing_is_made_outside(plugin):
    """`.lock` made a symbolic link to a path outside the folder (by another user of a shared
    results folder): the re-score refuses, exit 2 naming the lock file, and never creates or
    opens the file the link points to."""
    run = made_run(plugin)
    outside = plugin / "outside" / "planted"
    outside.parent.mkdir()
    (run / ".lock").unlink()
    (run / ".lock").symlink_to(outside)
    before = snapshot(run)

    proc = run_cli("score", str(run), cwd=plugin, env=env(plugin), check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{run / '.lock'}: a symbolic link" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert not outside.exists(), "the lock followed a planted symlink out of the run folder"
    assert snapshot(run) == before and (run / ".lock").is_symlink()
