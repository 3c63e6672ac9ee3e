"""Attack: resampling sized to exhaust the machine. The bootstrap and the sign-flip test work in
blocks of bounded size (same numbers as one block), so memory stays bounded and SIGTERM or
SIGINT ends a huge loop promptly with the usual interrupted status (143, 130)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from harness import stats


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(stats, "CHUNK_ELEMENTS", 64)


def test_bootstrap_in_blocks_gives_the_same_interval(monkeypatch) -> None:
    rows = np.random.default_rng(5).normal(size=(3, 37))
    whole = stats.mean_cis(rows, 500, np.random.default_rng(1))
    monkeypatch.setattr(stats, "CHUNK_ELEMENTS", 64)  # 64 // (3 * 37) -> one resample per block
    blocks = stats.mean_cis(rows, 500, np.random.default_rng(1))
    np.testing.assert_array_equal(whole[0], blocks[0])
    np.testing.assert_array_equal(whole[1], blocks[1])


@pytest.mark.parametrize("n", [23, 40, 61])
def test_sign_flips_in_blocks_give_the_same_pvalues(monkeypatch, n: int) -> None:
    d = np.random.default_rng(n).normal(0.1, 1, size=(n, 2))
    whole = stats.sign_flip_pvalues(d, 3001, np.random.default_rng(2))
    monkeypatch.setattr(stats, "CHUNK_ELEMENTS", 50)
    blocks = stats.sign_flip_pvalues(d, 3001, np.random.default_rng(2))
    np.testing.assert_array_equal(whole, blocks)


def test_block_size_bounds_the_work_of_one_step(tiny_blocks, monkeypatch) -> None:
    """No single draw is larger than a block (the rows of one step times the documents)."""
    sizes: list[int] = []
    original = np.random.Generator.integers

    class Counting:
        def __init__(self, rng):
            self.rng = rng

        def integers(self, low, high, size, dtype):
            sizes.append(int(np.prod(size)))
            return original(self.rng, low, high, size=size, dtype=dtype)

    stats.mean_cis(np.ones((1, 16)), 100, Counting(np.random.default_rng(0)))  # type: ignore[arg-type]
    assert sum(sizes) == 100 * 16 and max(sizes) <= 64


SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from harness.errors import Interrupted, EXIT_INTERRUPTED, raise_on_signals
    from harness import stats
    raise_on_signals()
    values = np.random.default_rng(0).random(20_000)
    try:
        print("ready", flush=True)
        if sys.argv[1] == "bootstrap":
            stats.bootstrap_mean_ci(values, samples=1_000_000)
        else:
            stats.sign_flip_pvalues(values[:, None] - 0.5, samples=50_000_000)
    except Interrupted as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(0)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("loop", "signum", "code"),
    [("bootstrap", signal.SIGTERM, 143), ("flips", signal.SIGTERM, 143), ("bootstrap", signal.SIGINT, 130)],
)
def test_a_huge_resampling_loop_ends_on_a_signal(loop: str, signum: int, code: int) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, loop], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(1.0)  # inside the loop (it runs for many minutes)
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == code
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
