"""Replies become bullets end to end, as a user runs the CLI: a precomputed file of replies in ten
styles, SummEval's prose systems (format not applicable, with the reason), the demo's baselines."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli, shared_file

B = [
    "Harbour Bridge closes to cars for 14 months from March 3.",
    "The repairs will cost $48 million.",
    "Drivers will be diverted via the Millbrook ring road.",
]

# doc id -> (reply, the bullets a reader lists, style, set-aside parts that must be recorded)
TEN_STYLES = {
    "demo-01-harbour-bridge": (
        "Sure! Here are 3 bullet points:\n\n- " + "\n- ".join(B) + "\n\nLet me know if you need more!",
        B,
        "dash",
        {"preamble": "Sure! Here are 3 bullet points:", "outro": "Let me know if you need more!"},
    ),
    "demo-02-cave-rainfall": (
        "## Summary\n1. " + B[0] + "\n2. " + B[1] + "\n3. " + B[2],
        B,
        "numbered",
        {"preamble": "## Summary"},
    ),
    "demo-03-womens-cup": ("1️⃣ " + B[0] + "\n2️⃣ " + B[1] + "\n3️⃣ " + B[2], B, "numbered", {}),
    "demo-04-hospital-triage": (
        "✅ " + "\n✅ ".join(B) + "\nOverall, a long closure lies ahead.",
        B,
        "emoji",
        {"outro": "Overall, a long closure lies ahead."},
    ),
    "demo-05-biscuit-factory": (
        "- " + B[0] + "\n- The repairs will cost $48 million:\n  - $30 million comes from a grant.\n"
        "  - The rest is local.\n- " + B[2],
        [B[0], "The repairs will cost $48 million: $30 million comes from a grant. The rest is local.", B[2]],
        "dash",
        {"sub_points": [[1, "$30 million comes from a grant."], [1, "The rest is local."]]},
    ),
    "demo-06-lost-map": (
        "<think>\nThe key facts: closure, cost, diversion.\n</think>\n\n* " + "\n* ".join(B),
        B,
        "star",
        {"reasoning": "The key facts: closure, cost, diversion."},
    ),
    "demo-07-storm-edda": ("<n>".join(B), B, "lines", {}),
    "demo-08-reading-scheme": (" ".join(B), B, "paragraph", {}),
    "demo-09-island-broadband": (B[0] + "\n- " + B[1] + "\n- " + B[2], B, "dash", {"preamble": ""}),
    "demo-10-beavers": (
        "Key Takeaways\na) " + B[0] + "\nb) " + B[1] + "\nc) " + B[2],
        B,
        "lettered",
        {"preamble": "Key Takeaways"},
    ),
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def only_run(root: Path) -> Path:
    (run,) = [p.parent for p in root.rglob("run.json")]
    return run


def test_replies_in_ten_styles_give_the_bullets_a_reader_expects(tmp_path):
    outputs = tmp_path / "replies.jsonl"
    outputs.write_text(
        "".join(json.dumps({"doc_id": d, "summary": r[0]}) + "\n" for d, r in TEN_STYLES.items()), encoding="utf-8"
    )
    run_cli(
        "run",
        "model=precomputed",
        f"model.path={outputs}",
        "dataset.limit=10",
        "metrics=[format,extractive]",
        f"results_dir={tmp_path / 'out'}",
    )
    run = only_run(tmp_path / "out")
    generations = {g["doc_id"]: g for g in read_jsonl(run / "generations.jsonl")}
    assert set(generations) == set(TEN_STYLES)
    for doc_id, (_, bullets, style, set_aside) in TEN_STYLES.items():
        g = generations[doc_id]
        assert g["bullets"] == bullets, doc_id
        assert g["style"] == style, doc_id
        for part, value in set_aside.items():
            assert g[part] == value, (doc_id, part)
        assert {"preamble", "outro", "headings", "sub_points", "reasoning", "unfinished", "bullets_requested"} <= set(g)
    scores = {r["doc_id"]: r for r in read_jsonl(run / "scores.jsonl")}
    assert all(scores[d]["format/compliant"] == 1.0 for d in TEN_STYLES if d != "demo-08-reading-scheme")
    # the prose reply was produced elsewhere and is not a list: no bullet verdict, and why
    assert scores["demo-08-reading-scheme"]["format/compliant"] is None
    assert "produced elsewhere" in scores["demo-08-reading-scheme"]["details"]["format"]["not_applicable"]
    field = json.loads((run / "metrics.json").read_text())["fields"]["format/compliant"]
    assert field["mean"] == 1.0 and field["n"] == 9 and field["not_applicable"]["n"] == 1


def test_summeval_prose_systems_show_format_as_not_applicable_with_the_reason(tmp_path):
    docs = shared_file("summeval/summeval_docs.jsonl")
    outputs = shared_file("summeval/summeval.jsonl")
    run_cli(
        "run",
        "-m",
        "dataset=local",
        f"dataset.path={docs}",
        "dataset.reference_field=references",
        "dataset.limit=20",
        "model=precomputed",
        f"model.path={outputs}",
        "model.system=M0,M23",
        "metrics=[format,extractive]",
        f"results_dir={tmp_path}",
    )
    runs = sorted(p.parent for p in tmp_path.rglob("run.json"))
    assert len(runs) == 2
    for run in runs:
        fields = json.loads((run / "metrics.json").read_text())["fields"]
        for name in ("bullets", "compliant", "words_per_bullet", "length_compliant", "redundancy"):
            stat = fields[f"format/{name}"]
            assert stat["mean"] is None and stat["n"] == 0
            (reason,) = stat["not_applicable"]["reasons"]
            assert "prose" in reason and "produced elsewhere" in reason
            assert stat["not_applicable"]["n"] == 20
        assert all(g["style"] == "paragraph" for g in read_jsonl(run / "generations.jsonl"))
        assert "not applicable to 20 of 20 summaries" in (run / "run.log").read_text()


def test_lead_baseline_is_fully_extractive_and_compliant(tmp_path):
    run_cli("run", "model=lead", "dataset.limit=6", "metrics=[format,extractive]", f"results_dir={tmp_path}")
    fields = json.loads((only_run(tmp_path) / "metrics.json").read_text())["fields"]
    assert fields["extractive/coverage"]["mean"] == 1.0
    assert fields["extractive/novel_2gram"]["mean"] == fields["extractive/novel_3gram"]["mean"] == 0.0
    assert fields["format/compliant"]["mean"] == 1.0 and "not_applicable" not in fields["format/compliant"]
