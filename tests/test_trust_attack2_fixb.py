"""Attack 2: what made the harness hang.

`harness progress` and `harness compare` opened run.json whatever it was: a named pipe waits for a
writer forever, /dev/zero never ends. Every reader of a run folder's JSON files now checks the file
before opening it (a pipe, device or folder is named, never opened) and reads a bounded amount.

Ctrl-C or SIGTERM during a slow HTTP request waited for the reply (up to timeout_s): the requests
in flight are now cut off, so the run ends at once with its interrupted status.

The format metric's redundancy compared every pair of bullets: 20,000 short bullets took 89 s for
one document. No clock here: the test counts the pairs whose overlap is computed, and the old
all-pairs loop is kept below as the oracle of the values.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import pytest
from conftest import run_cli
from openai_server import FakeOpenAI
from tiny_models import one_at_a_time_chat, start_harness, user_model_run_args, wait_while_running, write_docs

from harness.errors import InputError
from harness.metrics import format as fmt
from harness.run import folder as run_folder


def odd_file(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()


def finished_run(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"status": "done", "label": folder.name}))
    (folder / "metrics.json").write_text(json.dumps({"fields": {}}))
    return folder


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_progress_names_an_odd_run_json_and_goes_on(tmp_path, kind):
    odd_file(finished_run(tmp_path / "0_odd") / "run.json", kind)
    finished_run(tmp_path / "1_fine")
    proc = run_cli("progress", str(tmp_path), timeout=30)
    odd = next(line for line in proc.stdout.splitlines() if "0_odd" in line)
    assert "run.json" in odd and ("not a regular file" in odd or "a folder" in odd)
    assert "1_fine" in proc.stdout


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_compare_refuses_an_odd_run_json(tmp_path, kind):
    odd_file(finished_run(tmp_path / "0_odd") / "run.json", kind)
    proc = run_cli("compare", str(tmp_path), "--out", str(tmp_path / "out"), check=False, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert str(tmp_path / "0_odd" / "run.json") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_run_folders_json_file_is_read_up_to_a_cap(tmp_path, monkeypatch):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"status": "done", "note": "x" * 200}))
    monkeypatch.setattr(run_folder, "MAX_JSON_BYTES", 100)
    with pytest.raises(InputError, match=r"run\.json: larger than 100 bytes"):
        run_folder.read_json_file(path)
    monkeypatch.setattr(run_folder, "MAX_JSON_BYTES", 1000)
    assert run_folder.read_json_file(path)["status"] == "done"


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_cuts_off_the_request_in_flight(tmp_path, signum, code):
    data = write_docs(tmp_path / "docs.jsonl", 3)
    model = {**one_at_a_time_chat("URL"), "timeout_s": 120}
    with FakeOpenAI(delay_s=30) as server:  # a reply that takes far longer than the run needs to stop
        model["base_url"] = server.url
        args = user_model_run_args(tmp_path, "slow", model, data, "metrics=[format]", f"results_dir={tmp_path / 'r'}")
        proc = start_harness(*args, stderr=subprocess.PIPE, text=True)
        wait_while_running(proc, lambda: server.in_flight == 1, "the run ended before its first request")
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
        pending = server.in_flight  # the server is still preparing that reply: the run did not wait for it
    assert proc.returncode == code, stderr[-2000:]
    assert pending == 1
    (run,) = [p.parent for p in (tmp_path / "r").rglob("run.json")]
    info = json.loads((run / "run.json").read_text())
    assert info["status"] == "interrupted" and signal.Signals(signum).name in info["error"]
    assert "Traceback" not in stderr


def all_pairs_oracle(bullets: Sequence[str]) -> tuple[float | None, tuple[int, int] | None]:
    """The implementation before the fix: every pair, the first highest overlap wins."""
    words = [fmt.content_words(b) for b in bullets]
    best: tuple[float | None, tuple[int, int] | None] = (None, None)
    for i, j in combinations(range(len(words)), 2):
        a, b = words[i], words[j]
        overlap = 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.0
        if best[0] is None or overlap > best[0]:
            best = (overlap, (i, j))
    return best


VOCAB = ["taxes", "rise", "percent", "library", "opens", "May", "council", "budget", "the", "of", "3", "b7", ""]


@pytest.mark.parametrize("seed", range(300))
def test_redundancy_equals_the_all_pairs_oracle(seed):
    rng = random.Random(seed)
    bullets = [" ".join(rng.choices(VOCAB, k=rng.randint(0, 6))) for _ in range(rng.randint(0, 12))]
    assert fmt.most_redundant_pair(bullets) == all_pairs_oracle(bullets)


@pytest.mark.parametrize(
    "bullets",
    [
        [],
        ["Only one."],
        ["", ""],
        ["", "Taxes rise."],
        ["The a of.", "Of the."],
        ["Taxes will rise 3 percent.", "A library opens in May."],
        ["Taxes will rise 3 percent.", "A library opens in May.", "Taxes rise by 3 percent."],
        ["Budget cut.", "Council budget.", "Council budget cut.", "Budget cut."],
        [f"b{i}" for i in range(30)],
        ["Council budget x.", "Council y.", "Budget z.", "Council budget y.", "Council."],
    ],
)
def test_redundancy_equals_the_oracle_on_ordinary_bullets(bullets):
    assert fmt.most_redundant_pair(bullets) == all_pairs_oracle(bullets)


def test_redundancy_work_grows_with_the_bullets_not_their_pairs(monkeypatch):
    calls = 0
    dice = fmt.dice

    def counted(shared: int, size_a: int, size_b: int) -> float:
        nonlocal calls
        calls += 1
        return dice(shared, size_a, size_b)

    monkeypatch.setattr(fmt, "dice", counted)
    n = 2000  # the attack's shape: "b0", "b1", ... share one word ("b"); all pairs: 2 million
    assert fmt.most_redundant_pair([f"b{i}" for i in range(n)]) == (0.5, (0, 1))
    assert calls <= n
    calls = 0  # many copies of one point
    assert fmt.most_redundant_pair(["Taxes rise."] * n) == (1.0, (0, 1))
    assert calls <= n
