"""`facts` with a judge: key facts extracted once per article, aligned to the bullets by the judge,
against the loopback OpenAI-compatible server answering from scripts (a fixed key-fact list per
article, alignments from a truth table); and the comparison guard for runs whose facts differ."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openai_server
import pytest
from conftest import run_cli
from openai_server import FakeOpenAI, judge_config

from harness.judge.prompts import load_prompt
from harness.metrics.facts import (
    MAX_FACTS,
    STRICTER,
    Facts,
    FactsOptions,
    clean_facts,
    facts_hash,
    read_alignment,
    read_key_facts,
)
from harness.metrics.scoring import score_documents
from harness.records import Example, Summary
from harness.run.pipeline import RUN_HINTS

ARTICLES = {
    "dA": "ART-A Mara Lind won the city marathon on Sunday in 2 hours 31 minutes. About 9,000 runners took part.",
    "dB": "ART-B The old bridge reopened on Monday. Repairs took two years and cost 40 million euros.",
    "dC": "ART-C Cedar school opened a library.",
    "dD": "ART-D Dover council cut its budget.",
}
# What the judge answers to the keyfacts prompt, per article marker (before cleaning).
EXTRACTED = {
    "ART-A": [
        "Mara Lind won the city marathon.",
        "mara lind won the City Marathon!",  # the same fact again: dropped
        "",  # empty: dropped
        " ".join(["word"] * 50),  # overlong: dropped
        "Lind finished in 2 hours 31 minutes.",
        "About 9,000 runners took part.",
        "The race was on Sunday.",
        "Rain fell during the race.",  # fifth: beyond max_facts=4
    ],
    "ART-B": ["The bridge reopened on Monday.", "Repairs took two years."],
    "ART-C": ["Cedar school opened a library."],
    "ART-D": ["Dover council cut its budget."],
}
FACTS_A = [
    "Mara Lind won the city marathon.",
    "Lind finished in 2 hours 31 minutes.",
    "About 9,000 runners took part.",
    "The race was on Sunday.",
]
SUMMARIES = {
    "dA": ("Mara Lind won the marathon in 2:31.", "The weather was mild.", "About 9,000 people ran."),
    "dB": ("Repairs lasted two years and the bridge reopened Monday.", "Tolls will rise."),
    "dC": ("Cedar school has a new library.",),
    "dD": ("Dover council cut spending.",),
}
# (fact, bullet) pairs where the bullet states the fact: the judge's alignment answers.
STATES = {
    ("Mara Lind won the city marathon.", SUMMARIES["dA"][0]),
    ("Lind finished in 2 hours 31 minutes.", SUMMARIES["dA"][0]),
    ("About 9,000 runners took part.", SUMMARIES["dA"][2]),
    ("The bridge reopened on Monday.", SUMMARIES["dB"][0]),
    ("Repairs took two years.", SUMMARIES["dB"][0]),
    ("Cedar school opened a library.", SUMMARIES["dC"][0]),
    ("Dover council cut its budget.", SUMMARIES["dD"][0]),
}
EXTRA = {"Repairs took two years.": [5]}  # a sentence number out of range, to be dropped


def section(prompt: str, tag: str) -> list[str]:
    body = prompt.split(f"<{tag}>\n", 1)[1].split(f"\n</{tag}>", 1)[0]
    return [re.sub(r"^\[\d+\] ", "", line) for line in body.splitlines()]


def scripted(prompt: str) -> str:
    if "<key_facts>" not in prompt:  # the keyfacts prompt
        marker = next(m for m in EXTRACTED if m in prompt)
        return "```json\n" + json.dumps({"key_facts": EXTRACTED[marker]}) + "\n```"
    facts, bullets = section(prompt, "key_facts"), section(prompt, "summary")
    if "Dover" in facts[0] or ("Cedar" in facts[0] and STRICTER.strip() not in prompt):
        return "Sure! Fact 1 is in sentence 1."  # unreadable: Dover always, Cedar until the stricter retry
    items = [
        {"fact": i, "sentences": [j for j, b in enumerate(bullets, 1) if (f, b) in STATES] + EXTRA.get(f, [])}
        for i, f in enumerate(facts, 1)
    ]
    return json.dumps(items)


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setattr(openai_server, "reply_text", scripted)
    with FakeOpenAI() as s:
        yield s


def metric(server, tmp_path, **options) -> Facts:
    return Facts(FactsOptions(judge=judge_config(server), cache_dir=str(tmp_path / "cache"), max_facts=4, **options))


def inputs(*doc_ids: str, facts: dict | None = None) -> tuple[list[Example], list[Summary]]:
    examples = [Example(d, ARTICLES[d], (), tuple((facts or {}).get(d, ()))) for d in doc_ids]
    return examples, [Summary(d, "", SUMMARIES[d]) for d in doc_ids]


def keyfacts_requests(server):
    return [s for s in server.seen if "<key_facts>" not in s.prompt]


def test_completeness_and_conciseness_on_a_truth_table(server, tmp_path):
    rows = metric(server, tmp_path).score(*inputs("dA", "dB"))
    a, b = rows
    # dA: facts 1, 2 in bullet 1, fact 3 in bullet 3, fact 4 nowhere; bullet 2 states none
    assert [f["fact"] for f in a.details["facts"]] == FACTS_A
    assert [f["bullets"] for f in a.details["facts"]] == [[0], [0], [2], []]
    assert a.values == {"recall": 3 / 4, "conciseness": 2 / 3, "missing": 1.0}
    assert a.details["bullet_has_fact"] == [True, False, True]
    assert [f["stated"] for f in a.details["facts"]] == [True, True, True, False]
    assert a.details["facts"][0]["evidence"] == [SUMMARIES["dA"][0]]
    # dB: both facts in bullet 1 (the judge's sentence 5 of 2 is dropped and reported)
    assert b.values == {"recall": 1.0, "conciseness": 1 / 2, "missing": 0.0}
    assert [f["bullets"] for f in b.details["facts"]] == [[0], [0]]
    assert any("5" in p and "dropped" in p for p in b.details["problems"])
    assert a.details["method"] == "judge" and a.details["threshold"] is None
    assert a.details["facts_hash"] == facts_hash(FACTS_A)


def test_provenance_names_the_judge_and_the_prompt_version(server, tmp_path):
    [row] = metric(server, tmp_path).score(*inputs("dB"))
    provenance = row.details["provenance"]
    assert re.fullmatch(r"judge:judge-1@[0-9a-f]{10}\+" + re.escape(load_prompt("keyfacts").version), provenance)
    signature = metric(server, tmp_path).signature()
    assert load_prompt("keyfacts").version in signature and load_prompt("align").version in signature


def test_facts_cleaned_deduplicated_and_capped():
    assert clean_facts(EXTRACTED["ART-A"], 4) == FACTS_A
    assert clean_facts(["  A  fact.\n", {"fact": "B fact."}, 3, None], 10) == ["A fact.", "B fact."]
    assert clean_facts(["1. A fact.", "- B fact.", "2) a fact"], 10) == ["A fact.", "B fact."]
    assert MAX_FACTS == FactsOptions().max_facts == 10


@pytest.mark.parametrize(
    "reply",
    [
        '{"key_facts": ["A fact.", "B fact."], "entities": ["A", "B"]}',  # the named list among two
        'Here they are:\n["A fact.", "B fact."]',  # a bare list in prose
        '{"facts": ["A fact.", "B fact."]}',  # another wrapper
        '[{"fact": "A fact."}, {"fact": "B fact."}]',
    ],
)
def test_key_fact_replies_read(reply):
    assert read_key_facts(reply, 10) == ["A fact.", "B fact."]


@pytest.mark.parametrize(
    ("reply", "bullets"),
    [
        ('[{"fact": 1, "sentences": [1, 3]}, {"fact": 2, "sentences": []}]', [[0, 2], []]),
        ('```json\n[{"fact": 1, "sentences": ["2"]}, {"fact": 2, "sentences": "sentence 1"}]\n```', [[1], [0]]),
        ('[{"fact": 2, "sentences": [3, 3]}, {"fact": 1, "sentences": [1.0]}]', [[0], [2]]),  # out of order
        ('[{"fact": 1, "sentences": [9, 0]}, {"fact": 2, "sentences": [1]}]', [[], [0]]),  # 9 and 0 dropped
        ('[{"fact": 1, "sentences": [1]}]', None),  # fact 2 has no answer
        ('[{"fact": 1}, {"fact": 2, "sentences": [1]}]', None),  # fact 1 has no list
        ("Fact 1 is in sentence 1.", None),
    ],
)
def test_alignment_replies_read(reply, bullets):
    read = read_alignment(reply, facts=2, bullets=3)
    assert (read[0] if read else None) == bullets
    if reply.startswith('[{"fact": 1, "sentences": [9'):
        assert sum("dropped" in p for p in read[1]) == 2


def test_unreadable_key_fact_replies():
    assert read_key_facts("I cannot find any facts.", 10) is None
    assert read_key_facts('{"key_facts": []}', 10) is None  # no fact is no answer
    assert read_key_facts('{"key_facts": ["", "  "]}', 10) is None


def test_dataset_facts_are_used_as_they_are(server, tmp_path):
    given = {"dA": ("Mara Lind won the city marathon.", "About 9,000 runners took part.")}
    [row] = metric(server, tmp_path).score(*inputs("dA", facts=given))
    assert keyfacts_requests(server) == []  # nothing extracted
    assert len(server.requests_for("<key_facts>")) == 1
    assert row.details["provenance"] == "dataset" and row.details["method"] == "judge"
    assert [f["fact"] for f in row.details["facts"]] == list(given["dA"])
    assert row.values == {"recall": 1.0, "conciseness": 2 / 3, "missing": 0.0}


def test_documents_without_dataset_facts_get_the_judges(server, tmp_path):
    given = {"dA": ("Mara Lind won the city marathon.",)}
    a, b = metric(server, tmp_path).score(*inputs("dA", "dB", facts=given))
    assert [s for s in keyfacts_requests(server) if "ART-A" in s.prompt] == []
    assert len([s for s in keyfacts_requests(server) if "ART-B" in s.prompt]) == 1
    assert a.details["provenance"] == "dataset" and b.details["provenance"].startswith("judge:judge-1@")
    assert [f["fact"] for f in b.details["facts"]] == EXTRACTED["ART-B"]


def test_a_second_run_sends_no_request(server, tmp_path):
    first = metric(server, tmp_path).score(*inputs("dA", "dB", "dD"))
    sent = len(server.seen)
    assert sent == 3 + 3 + 1  # key facts per article, an alignment per summary, one retry for dD
    again = metric(server, tmp_path)
    assert again.score(*inputs("dA", "dB", "dD")) == first
    assert len(server.seen) == sent
    assert again.judge.usage.requests == 0 and again.judge.usage.cached == 7


def test_unreadable_alignment_is_retried_once_then_null(server, tmp_path):
    cedar, dover = metric(server, tmp_path).score(*inputs("dC", "dD"))
    # Cedar: unreadable, then read on the stricter retry
    cedar_asks = [s for s in server.requests_for("Cedar school opened") if "<key_facts>" in s.prompt]
    assert len(cedar_asks) == 2 and STRICTER.strip() in cedar_asks[1].prompt
    assert cedar.values == {"recall": 1.0, "conciseness": 1.0, "missing": 0.0}
    # Dover: unreadable twice: no values (never 0), the reason counted, the reply kept
    dover_asks = [s for s in server.requests_for("Dover council cut its budget") if "<key_facts>" in s.prompt]
    assert len(dover_asks) == 2
    assert dover.values == {"recall": None, "conciseness": None, "missing": None}
    assert dover.not_applicable["recall"] == "unreadable judge reply (alignment), twice"
    assert dover.details["reply"] == "Sure! Fact 1 is in sentence 1."
    assert [f["fact"] for f in dover.details["facts"]] == ["Dover council cut its budget."]


def test_a_failed_request_leaves_the_document_unscored_and_is_asked_again(server, tmp_path):
    server.plan["ART-B"] = ["500"]
    [row] = metric(server, tmp_path).score(*inputs("dB"))
    assert row.values == {"recall": None, "conciseness": None, "missing": None}
    assert row.not_applicable["recall"] == "judge request failed (key facts)"
    [row] = metric(server, tmp_path).score(*inputs("dB"))
    assert row.values["recall"] == 1.0  # not cached: asked again, answered


def test_a_summary_without_bullets_states_no_fact_and_is_not_sent(server, tmp_path):
    examples = [Example("dB", ARTICLES["dB"])]
    [row] = metric(server, tmp_path).score(examples, [Summary("dB", "", ())])
    assert row.values == {"recall": 0.0, "conciseness": None, "missing": 2.0}
    assert [f["fact"] for f in row.details["facts"]] == EXTRACTED["ART-B"]
    assert server.requests_for("<key_facts>") == []  # nothing to align


def test_a_judge_lifts_the_facts_requirement(server, tmp_path):
    examples, summaries = inputs("dB")
    skipped = score_documents([Facts()], examples, summaries, hints=RUN_HINTS).skipped
    assert "dataset.facts_field" in skipped["facts"] and "judge=NAME" in skipped["facts"]
    table = score_documents([metric(server, tmp_path)], examples, summaries, hints=RUN_HINTS)
    assert table.skipped == {} and table.rows[0]["facts/recall"] == 1.0


# ---- end to end: a user's own articles, no references, no facts -------------------------------

SENTENCES = {
    "u1": [
        "Ann Ray opened a bakery in Leeds.",
        "It sells rye bread.",
        "The shop employs six people.",
        "Prices are low.",
        "It opens at seven.",
    ],
    "u2": [
        "Storms hit the coast on Friday.",
        "Two ferries were cancelled.",
        "Power returned by night.",
        "Schools stayed open.",
        "Roads reopened today.",
    ],
}


def user_file(folder: Path) -> Path:
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps({"doc_id": d, "source": " ".join(s)}) + "\n" for d, s in SENTENCES.items()))
    return path


def e2e_script(version: int):
    """Key facts: sentences 1, 4 and 2 of each article (version 2: 1, 5, 2); a bullet states a
    fact when it is that sentence."""

    def reply(prompt: str) -> str:
        if "<key_facts>" not in prompt:
            sentences = next(s for s in SENTENCES.values() if s[0] in prompt)
            picks = [0, 3, 1] if version == 1 else [0, 4, 1]
            return json.dumps({"key_facts": [sentences[i] for i in picks]})
        facts, bullets = section(prompt, "key_facts"), section(prompt, "summary")
        return json.dumps(
            [{"fact": i, "sentences": [j for j, b in enumerate(bullets, 1) if b == f]} for i, f in enumerate(facts, 1)]
        )

    return reply


def run_facts(folder: Path, server, data: Path, cache: Path) -> Path:
    results = folder / "results"
    folder.mkdir()
    run_cli(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "dataset.reference_field=null",
        "metrics=[facts]",
        "judge=openai-compatible",
        f"judge.base_url={server.url}",
        "judge.max_retries=0",
        f"results_dir={results}",
        f"cache_dir={cache}",
        cwd=folder,
    )
    [run] = [p.parent for p in results.rglob("run.json")]
    return run


@pytest.mark.slow
def test_a_users_own_articles_get_key_facts_and_two_runs_with_other_facts_are_not_compared(tmp_path, monkeypatch):
    data = user_file(tmp_path)
    monkeypatch.setattr(openai_server, "reply_text", e2e_script(1))
    with FakeOpenAI() as server:
        first = run_facts(tmp_path / "one", server, data, tmp_path / "cache1")
        assert len(server.seen) == 4  # key facts and an alignment per article
        metrics = json.loads((first / "metrics.json").read_text())
        # lead-3: sentences 1-3 as bullets; facts 1 and 3 stated (sentences 1, 2), fact 2 (sentence 4) not
        assert metrics["fields"]["facts/recall"]["mean"] == pytest.approx(2 / 3)
        assert metrics["fields"]["facts/conciseness"]["mean"] == pytest.approx(2 / 3)
        assert metrics["fields"]["facts/missing"]["mean"] == pytest.approx(1.0)
        assert metrics["skipped"] == {}
        assert load_prompt("keyfacts").version in metrics["fields"]["facts/recall"]["signature"]
        rows = [json.loads(line) for line in (first / "scores.jsonl").read_text().splitlines()]
        details = {r["doc_id"]: r["details"]["facts"] for r in rows}
        assert [f["fact"] for f in details["u1"]["facts"]] == [SENTENCES["u1"][i] for i in (0, 3, 1)]
        assert details["u1"]["provenance"].startswith("judge:fake-model@")
        assert details["u2"]["bullet_has_fact"] == [True, True, False]
        info = json.loads((first / "run.json").read_text())
        assert info["judge"]["metrics"]["facts"]["requests"] == 4
        # re-scored with the metric named: the run's judge and cache, so the same facts and no request
        run_cli("score", str(first), "--metrics", "facts")
        assert len(server.seen) == 4
        rescored = json.loads((first / "metrics.json").read_text())["fields"]
        assert rescored["facts/recall"]["mean"] == pytest.approx(2 / 3)
        assert rescored["facts/recall"]["signature"] == metrics["fields"]["facts/recall"]["signature"]

        # the same runs again, another cache, and a judge that now picks other facts
        monkeypatch.setattr(openai_server, "reply_text", e2e_script(2))
        second = run_facts(tmp_path / "two", server, data, tmp_path / "cache2")
        # the first run's cache (same judge, same address): the facts it extracted first
        seen = len(server.seen)
        third = run_facts(tmp_path / "three", server, data, tmp_path / "cache1")
        assert len(server.seen) == seen
    refused = run_cli("compare", str(first), str(second), check=False)
    assert refused.returncode == 2, refused.stderr
    assert "key facts of facts (2 of 2 shared documents differ)" in refused.stderr
    assert facts_hash([SENTENCES["u1"][i] for i in (0, 3, 1)]) in refused.stderr
    assert facts_hash([SENTENCES["u1"][i] for i in (0, 4, 1)]) in refused.stderr
    assert "cache_dir=" + str(tmp_path / "cache2") in refused.stderr  # the runs are named
    assert run_cli("compare", str(first), str(third), check=False).returncode == 0
