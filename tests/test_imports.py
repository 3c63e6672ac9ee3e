"""Start-up: each everyday command imports only what it uses.

Each command runs in a fresh interpreter (the real CLI, `harness.cli.main.main`) on small real run
folders; at exit the interpreter writes the names in `sys.modules`, and the test checks that the
heavy libraries a command does not need are absent. The check is by module list, never by time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # about ten harness processes: a minute on 2 busy cores

# Heavy libraries no everyday command needs; none of them may appear in sys.modules.
HEAVY = ("torch", "transformers", "datasets", "nltk", "mlflow", "playwright", "sklearn", "pandas", "scipy.stats")
PLOTS = ("matplotlib",)  # only where a plot is drawn (compare, report, the table after a merge)
# scipy as a whole: absent where no statistic is computed; compare, report and merge on runs of
# several documents use scipy.special's t quantile (not scipy.stats).
SCIPY = ("scipy",)

# Runs harness.cli.main.main(argv) and, at exit, writes the imported module names to a file.
WRAPPER = """
import atexit, json, sys
out, argv = sys.argv[1], sys.argv[2:]
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from harness.cli.main import main
sys.exit(main(argv))
"""


def modules_of(tmp: Path, *argv: str) -> set[str]:
    """The modules imported by `harness ARGV` in a fresh interpreter (it must exit 0)."""
    out = tmp / f"modules-{len(list(tmp.glob('modules-*')))}.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(out), *argv], cwd=tmp, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"harness {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return set(json.loads(out.read_text()))


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The packages (or their submodules) present in `modules`."""
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """A one-document lead run, and a sweep of two models in 2 shards each over 3 documents (the
    sweep merges them: two run folders to compare)."""
    tmp = tmp_path_factory.mktemp("imports")
    single = modules_of(tmp, "run", "model=lead", "dataset.limit=1", "metrics=[rouge]", f"results_dir={tmp / 'one'}")
    sweep = modules_of(
        tmp,
        "run",
        "-m",
        "model=lead,centrality",
        "dataset.limit=3",
        "metrics=[rouge]",
        "shard.count=2",
        "shard.index=0,1",
        f"results_dir={tmp / 'sharded'}",
    )
    (run,) = (tmp / "one").glob("*/*/lead")
    (sweep_dir,) = {p.parent for p in (tmp / "sharded").rglob("multirun.yaml")}
    merged = sweep_dir / "merged"
    assert {"centrality", "lead"} <= {p.name for p in merged.iterdir()}
    return {"tmp": tmp, "run": run, "sweep": sweep_dir, "merged": merged, "modules": {"run": single, "sweep": sweep}}  # type: ignore[dict-item]


def test_a_lead_run_imports_no_heavy_library_no_scipy_and_no_plotting(folders):
    modules = folders["modules"]["run"]
    assert loaded(modules, HEAVY + PLOTS + SCIPY) == []
    assert "harness.metrics.fast_rouge" in modules  # the check sees what the run did import


def test_a_sharded_sweep_and_its_merge_import_no_heavy_library(folders):
    assert loaded(folders["modules"]["sweep"], HEAVY) == []


@pytest.mark.parametrize(
    "argv, absent",
    [
        (["--help"], HEAVY + PLOTS + SCIPY + ("numpy", "hydra", "omegaconf")),
        (["list"], HEAVY + PLOTS + SCIPY),
        (["progress", "{sweep}"], HEAVY + PLOTS + SCIPY),
        (["compare", "{merged}", "--out", "{tmp}/compared"], HEAVY),
        (["compare", "{merged}", "--out", "{tmp}/compared-no-plots", "--no-plots"], HEAVY + PLOTS),
        (["merge", "{sweep}", "--out", "{tmp}/merged-again"], HEAVY),
        (["report", "{merged}", "--out", "{tmp}/report.html"], HEAVY),
        (["check", "{run}", "--require", "rouge/rouge1>=0"], HEAVY + PLOTS + SCIPY + ("hydra", "omegaconf")),
    ],
    ids=["help", "list", "progress", "compare", "compare-no-plots", "merge", "report", "check"],
)
def test_an_everyday_command_imports_only_what_it_uses(folders, argv, absent):
    modules = modules_of(folders["tmp"], *(a.format(**folders) for a in argv))
    assert loaded(modules, absent) == []
