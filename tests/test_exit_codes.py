"""One exit-code policy for every command (harness/errors.py, ARCHITECTURE.md "Exit codes"): a
usage error, a path that does not exist and a refusal all exit 2 with the reason on stderr and
no traceback, through the real CLI.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from harness.cli.main import COMMANDS

ARTICLE = "The city council approved a new budget on Monday. It raises spending on schools. Parks get playgrounds."


@pytest.fixture(scope="module")
def changed_run(tmp_path_factory) -> dict[str, Path]:
    """A finished run over a local dataset whose file changed afterwards (a document replaced)."""
    tmp = tmp_path_factory.mktemp("exit_codes")
    docs = tmp / "docs.jsonl"
    rows = [{"doc_id": f"d{i}", "source": ARTICLE, "reference": "- Council approves budget."} for i in range(3)]
    docs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run_cli(
        "run", "model=lead", "dataset=local", f"dataset.path={docs}", "metrics=[format]", f"results_dir={tmp / 'res'}"
    )
    (run_json,) = (tmp / "res").rglob("run.json")
    docs.write_text(docs.read_text(encoding="utf-8").replace('"d2"', '"d9"'), encoding="utf-8")
    empty = tmp / "empty"
    empty.mkdir()
    return {"tmp": tmp, "run": run_json.parent, "docs": docs, "empty": empty, "missing": tmp / "missing"}


# command -> the case's arguments ({run}, {docs}, {empty}, {missing}, {tmp} are filled in) and
# what stderr must say
USAGE = {
    "run": (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "score": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "compare": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "report": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "check": (
        ["{run}", "--require", "format/compliant==1", "--no-such-flag"],
        "unrecognized arguments: --no-such-flag",
    ),
    "merge": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "progress": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "list": (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "meta-eval": (["--data", "{docs}", "--human", "q", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "annotations": (["{docs}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    "pairwise": (["{run}", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
}
MISSING = {
    "run": (
        ["dataset=local", "dataset.path={missing}/docs.jsonl"],
        "dataset.path: file not found: {missing}/docs.jsonl",
    ),
    "score": (["{missing}"], "{missing}: not a folder"),
    "compare": (["{missing}"], "{missing}: not a folder"),
    "report": (["{missing}"], "{missing}: not a folder"),
    "check": (["{missing}", "--require", "format/compliant==1"], "{missing}: not a folder"),
    "merge": (["{missing}"], "{missing}: not a folder"),
    "progress": (["{missing}"], "{missing}: not a folder"),
    "list": (["--config-dir", "{missing}"], "config folder not found: {missing}"),
    "meta-eval": (["--data", "{missing}/judged.jsonl", "--human", "q"], "{missing}/judged.jsonl: cannot read"),
    "annotations": (["{missing}/alice.jsonl"], "{missing}/alice.jsonl: cannot read"),
    "pairwise": (["{missing}"], "{missing}: not a folder"),
}
REFUSED = {
    "run": (["model=lead", "hydra.run.dir={run}"], "already holds a run"),
    "score": (["{run}"], "the data changed since {run} was scored"),
    "compare": (["{run}", "{run}"], "the same run folder is named twice"),
    "report": (["{run}"], "the data changed since {run} was scored"),
    "check": (
        ["{run}", "--require", "format/complaint==1"],
        "has no field 'format/complaint'. Did you mean 'format/compliant'?",
    ),
    "merge": (["{run}"], "no finished shards"),
    "progress": (["{empty}"], "no run folders (with run.json) under: {empty}"),
    "list": (["nosuch"], "invalid choice: 'nosuch'"),
    "meta-eval": (["--data", "{docs}", "--human", "q", "--bootstrap", "-1"], "--bootstrap: must be at least 0"),
    "annotations": (["{docs}"], "no usable annotation records in {docs} ({docs}:1: field 'schema'"),
    "pairwise": (["{run}", "--judge", "openai-compatible"], "pairwise needs at least two finished runs"),
}
CASES = (
    [
        pytest.param(command, *table[command], id=f"{command}-{kind}")
        for kind, table in (("usage", USAGE), ("missing", MISSING), ("refused", REFUSED))
        for command in COMMANDS
    ]
    + [  # a missing --config-dir is refused by every command that takes one, not skipped
        pytest.param(command, args, "config folder not found: {missing}", id=f"{command}-config-dir")
        for command, args in (
            ("score", ["{run}", "--config-dir", "{missing}"]),
            ("meta-eval", ["--data", "{docs}", "--human", "q", "--config-dir", "{missing}"]),
            ("run", ["--config-dir", "{missing}", "model=lead"]),  # Hydra's flags come before the overrides
            ("pairwise", ["{run}", "--config-dir", "{missing}"]),
        )
    ]
    + [  # meta-eval against merged annotations: the same policy
        pytest.param("meta-eval", args, message, id=f"meta-eval-annotations-{kind}")
        for kind, args, message in (
            ("usage", ["--annotations", "{docs}", "--runs", "{run}", "--no-such-flag"], "unrecognized arguments"),
            (
                "missing",
                ["--annotations", "{missing}/merged.jsonl", "--runs", "{run}"],
                "{missing}/merged.jsonl: cannot read",
            ),
            ("refused", ["--annotations", "{docs}", "--runs", "{run}"], "{docs}:1: field 'schema'"),
        )
    ]
)


def test_every_command_has_every_case():
    for table in (USAGE, MISSING, REFUSED):
        assert set(table) == set(COMMANDS)


@pytest.mark.parametrize("command, args, message", CASES)
def test_exits_2_with_the_reason_on_stderr(changed_run, command, args, message):
    places = {k: str(v) for k, v in changed_run.items()}
    before = sorted(p for p in changed_run["tmp"].rglob("*") if p.name != "docs.jsonl")
    extra = [f"results_dir={places['tmp']}/res"] if command == "run" else []
    proc = run_cli(command, *(a.format(**places) for a in args), *extra, cwd=changed_run["tmp"], check=False)
    assert proc.returncode == 2, (
        f"exit {proc.returncode}\nstdout:\n{proc.stdout[-2000:]}\nstderr:\n{proc.stderr[-2000:]}"
    )
    assert message.format(**places) in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert sorted(p for p in changed_run["tmp"].rglob("*") if p.name != "docs.jsonl") == before, (
        "a refused command wrote"
    )


@pytest.mark.parametrize("flag", ["--help", "--hydra-help"])
def test_run_help_flags_exit_0(flag, tmp_path):
    proc = run_cli("run", flag, cwd=tmp_path, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "Hydra" in proc.stdout and not list(tmp_path.iterdir())  # help only: nothing written
