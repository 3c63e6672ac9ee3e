"""The report shows what the judge said: per bullet its verdict, error category, reason, quoted
evidence and P(supported) with the method; per document the key facts with their provenance and
the bullets stating each (and those stating none); per run the judge's cost. The judge's details
and run.json records are hand-written here in the shared formats; hostile text in every field
stays text in a real Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli
from run_files import copy_run_as, rows, set_run_info, write_rows
from test_compare_judge import PRICED, UNPRICED
from test_report import COPIED, DEMO, INVENTED, Page, embedded, mine_summaries

NOT_IN_SOURCE = "Marta Quell resigned in 1997."
PROVENANCE = "judge:gpt-4o-mini@3f9a2c1b7e+keyfacts@5d1e0a"
FACTS = ["The bridge closes to cars for 14 months.", "The work costs $48 million.", "22,000 vehicles cross each day."]


def judge_details(texts: dict[str, str]) -> dict:
    """support_judge's and facts' details for doc 1 of test_report's model (bullets: COPIED, INVENTED)."""
    support_judge = {
        "bullets": [
            {
                "bullet": COPIED,
                "score": 1.0,
                "supported": True,
                "evidence": [COPIED],
                "verdict": "supported",
                "category": None,
                "reason": texts["reason_ok"],
                "p_supported": 0.9375,
                "method": texts["method"],
            },
            {
                "bullet": INVENTED,
                "score": 0.0,
                "supported": False,
                "evidence": [texts["quote"]],
                "verdict": "unsupported",
                "category": texts["category"],
                "reason": texts["reason"],
                "p_supported": 0.125,
                "method": texts["method"],
                "reply": texts["reply"],
            },
        ]
    }
    facts = {
        "method": "judge",
        "provenance": texts["provenance"],
        "threshold": 0.5,
        "facts": [
            {"fact": texts["fact"], "score": 1.0, "stated": True, "evidence": [COPIED], "bullets": [0]},
            {"fact": FACTS[1], "score": 0.9, "stated": True, "evidence": [COPIED], "bullets": [0]},
            {"fact": FACTS[2], "score": 0.1, "stated": False, "evidence": [], "bullets": []},
        ],
        "bullet_has_fact": [True, False],
        "recall": 2 / 3,
    }
    return {"support_judge": support_judge, "facts": facts}


def failed_details(texts: dict[str, str]) -> dict:
    """Doc 2 (two bullets): the judge's request failed for one, its reply was unreadable for the
    other; the key facts could not be extracted."""
    bullets = [
        {"bullet": INVENTED, "score": None, "supported": None, "evidence": [], "verdict": "error", "category": None,
         "reason": None, "p_supported": None, "method": "verdict", "error": texts["error"]},
        {"bullet": "b2", "score": None, "supported": None, "evidence": [], "verdict": "unreadable", "category": None,
         "reason": None, "p_supported": None, "method": "verdict", "reply": texts["reply"]},
    ]  # fmt: skip
    facts = {
        "method": "judge",
        "provenance": texts["provenance"],
        "threshold": None,
        "facts": [],
        "problem": texts["problem"],
    }
    return {"support_judge": {"bullets": bullets}, "facts": facts}


PLAIN = {
    "reason_ok": "Sentence 2 states the cost.",
    "reason": "The article never names Marta Quell.",
    "category": "OutE",
    "method": "logprobs",
    "quote": NOT_IN_SOURCE,
    "reply": '{"verdict": "unsupported"}',
    "provenance": PROVENANCE,
    "fact": FACTS[0],
    "error": "HTTP 500 from the judge after 3 attempts",
    "problem": "the judge's key facts reply could not be read",
}
HOSTILE = {
    "reason_ok": "<img src=x onerror=alert(11)>",
    "reason": "</script><script>alert(12)</script>",
    "category": "<svg onload=alert(13)>",
    "method": "<b onmouseover=alert(14)>logprobs</b>",
    "quote": "<iframe src=javascript:alert(15)></iframe>",
    "reply": "&lt;script&gt;alert(16)&lt;/script&gt; <script>alert(17)</script>",
    "provenance": "judge:<img src=y onerror=alert(18)>@x+keyfacts@y",
    "fact": "<a href=javascript:alert(19)>fact</a>",
    "error": "<img src=e onerror=alert(21)>",
    "problem": "<script>alert(22)</script>",
}


def judged_runs(root: Path, texts: dict[str, str]) -> Path:
    """Two runs of test_report's model over 2 documents: doc 1 with the judge's details; run
    `mine` with a priced judge record, `other` (a copy) with an unpriced one."""
    outputs = root / "outputs.jsonl"
    outputs.write_text("".join(json.dumps(r) + "\n" for r in mine_summaries()[:2]))
    common = ["metrics=[rouge,support]", "dataset.limit=2", f"results_dir={root / 'made'}"]
    run_cli("run", "model=precomputed", f"model.path={outputs}", "model.system=null", "model.label=mine", *common)
    (made,) = [p.parent for p in (root / "made").rglob("run.json")]
    mine = copy_run_as(made, root / "runs" / "mine", "mine")
    scores = rows(mine / "scores.jsonl")
    scores[0]["details"].update(judge_details(texts))
    scores[1]["details"].update(failed_details(texts))
    write_rows(mine / "scores.jsonl", scores)
    priced = json.loads(json.dumps(PRICED))
    for part in priced["metrics"].values():
        part["label"] = texts.get("label", part["label"])
    set_run_info(mine, judge=priced)
    other = copy_run_as(mine, root / "runs" / "other", "other")
    set_run_info(other, judge=UNPRICED)
    run_cli("report", str(root / "runs"), "--out", str(root / "report.html"))
    return root / "report.html"


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return judged_runs(tmp_path_factory.mktemp("judged"), PLAIN)


def test_the_payload_carries_the_judges_word_per_bullet_and_the_facts_provenance(report):
    data = embedded(report.read_text(encoding="utf-8"))
    assert data["judged"] == "support"  # the lexical support metric's evidence stays the highlighted one
    mine = data["docs"][0]["models"][0]
    assert [b["judge"]["verdict"] for b in mine["bullets"]] == ["supported", "unsupported"]
    second = mine["bullets"][1]["judge"]
    assert second == {
        "verdict": "unsupported",
        "category": "OutE",
        "reason": PLAIN["reason"],
        "method": "logprobs",
        "reply": PLAIN["reply"],
        "p_supported": 0.125,
        "quotes": [[NOT_IN_SOURCE, None]],
    }
    assert mine["bullets"][0]["judge"]["quotes"] == [[COPIED, data["docs"][0]["source"].index(COPIED)]]
    assert mine["facts"] == [[FACTS[0], True], [FACTS[1], True], [FACTS[2], False]]
    assert (mine["provenance"], mine["method"], mine["threshold"]) == (PROVENANCE, "judge", 0.5)
    assert mine["fact_bullets"] == [[0], [0], []] and mine["no_fact"] == [1]
    failed = data["docs"][1]["models"][0]
    assert [b["judge"]["verdict"] for b in failed["bullets"]] == ["error", "unreadable"]
    assert (
        failed["bullets"][0]["judge"]["error"] == PLAIN["error"]
        and failed["bullets"][1]["judge"]["reply"] == PLAIN["reply"]
    )
    assert (failed["facts"], failed["facts_problem"]) == ([], PLAIN["problem"])
    assert data["comparison"]["judge"]["rows"] == [
        ["mine", "gpt-4o-mini", "100 (+5 duplicates)", "10 (9%)", "1,600,000", "350,000", "0.45 USD", "2"],
        ["other", "local-llama", "0", "40 (100%)", "0", "0", "not priced", "0"],
    ]


@pytest.mark.browser
def test_the_page_shows_verdict_category_reason_evidence_facts_provenance_and_cost(browser, report, tmp_path):
    p = Page(browser, report.as_uri())
    cost = p.tab.eval_on_selector_all("#judge-cost tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))")
    assert cost == [
        ["model", "judge", "requests sent", "cached (share)", "tokens in", "tokens out", "cost", "failed"],
        ["mine", "gpt-4o-mini", "100 (+5 duplicates)", "10 (9%)", "1,600,000", "350,000", "0.45 USD", "2"],
        ["other", "local-llama", "0", "40 (100%)", "0", "0", "not priced", "0"],
    ]
    p.tab.goto(report.as_uri() + "#doc=" + rows(DEMO)[0]["id"])
    p.tab.wait_for_selector("#doc")
    card = p.tab.locator("section.model[data-run='0']")
    notes = card.locator("li.bullet .judge")
    assert notes.count() == 2
    assert notes.nth(0).locator(".judge-head").inner_text() == "judge: supported · P(supported) 0.9375 (logprobs)"
    assert notes.nth(1).locator(".judge-head").inner_text() == (
        "judge: unsupported · category: OutE · P(supported) 0.1250 (logprobs)"
    )
    assert notes.nth(1).locator(".reason").inner_text() == "reason: " + PLAIN["reason"]
    assert notes.nth(1).locator(".quote").inner_text() == f"“{NOT_IN_SOURCE}” (not a source sentence)"
    source = embedded(report.read_text(encoding="utf-8"))["docs"][0]["source"]
    assert notes.nth(0).locator(".quote").inner_text() == f"“{COPIED}” (sentence {source.index(COPIED) + 1})"
    assert card.locator("li.bullet .keyfacts").all_inner_texts() == ["states key fact 1, 2", "states no key fact"]
    box = card.locator("details.facts")
    box.locator("summary").click()
    assert box.locator(".provenance").inner_text() == f"provenance: {PROVENANCE} · method: judge · threshold: 0.5000"
    assert box.locator("li.fact").all_inner_texts() == [
        f"✓ stated: {FACTS[0]} (bullet 1)",
        f"✓ stated: {FACTS[1]} (bullet 1)",
        f"✗ missing: {FACTS[2]}",
    ]
    assert box.locator(".nofact").inner_text() == "bullets stating no key fact: 2"
    p.tab.keyboard.press("j")  # doc 2: no verdict from the judge, no key facts
    p.tab.wait_for_selector(f"#doc[data-doc='{rows(DEMO)[1]['id']}']")  # a demo id: no quote in it
    card = p.tab.locator("section.model[data-run='0']")
    notes = card.locator("li.bullet .judge")
    assert notes.nth(0).locator(".judge-head").inner_text() == "judge: error · method: verdict"
    assert notes.nth(0).locator(".error").inner_text() == "judge error: " + PLAIN["error"]
    assert notes.nth(1).locator(".judge-head").inner_text() == "judge: unreadable · method: verdict"
    box = card.locator("details.facts")
    assert box.locator("summary").inner_text() == "facts: not checked"
    box.locator("summary").click()
    assert box.locator(".error").inner_text() == "facts not checked: " + PLAIN["problem"]
    shot = tmp_path / "report-judge.png"
    p.tab.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert p.errors == [] and p.dialogs == []
    p.tab.close()


@pytest.mark.browser
def test_hostile_judge_text_in_every_field_stays_text(browser, tmp_path):
    texts = {**HOSTILE, "label": "<img src=z onerror=alert(20)>"}
    report = judged_runs(tmp_path, texts)
    page = report.read_text(encoding="utf-8")
    block = page.split("id='report-data'>", 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    p = Page(browser, report.as_uri())
    assert texts["label"] in p.tab.inner_text("#judge-cost")
    p.tab.goto(report.as_uri() + "#doc=" + rows(DEMO)[0]["id"])
    p.tab.wait_for_selector("#doc")
    for details in p.tab.locator("details").all():
        details.locator("summary").first.click()
    body = p.tab.inner_text("body")
    for key in ("reason_ok", "reason", "category", "quote", "reply", "provenance", "fact"):
        assert texts[key] in body, key
    assert "(" + texts["method"] + ")" in body
    p.tab.keyboard.press("j")
    p.tab.wait_for_selector(f"#doc[data-doc='{rows(DEMO)[1]['id']}']")  # a demo id: no quote in it
    for details in p.tab.locator("details").all():
        details.locator("summary").first.click()
    body = p.tab.inner_text("body")
    for key in ("error", "reply", "problem", "provenance"):
        assert texts[key] in body, key
    for bullet in p.tab.locator("li.bullet").all():
        bullet.click()
        bullet.hover()
    assert (
        p.tab.locator("#app script, #app iframe, #app svg, #app b, #app a[href^='javascript'], img[onerror]").count()
        == 0
    )
    assert p.dialogs == [] and p.errors == []
    assert {u for u in p.requests if not u.startswith("data:")} == {report.as_uri()}
    p.tab.close()


def test_a_bullet_the_judge_gave_no_verdict_is_neither_supported_nor_unsupported():
    from harness.analysis.report import model_entry

    verdicts = failed_details(PLAIN)["support_judge"]["bullets"]
    gen = {"doc_id": "d", "bullets": [INVENTED, "b2"]}
    entry = model_entry(gen, {"details": {"support_judge": {"bullets": verdicts}}}, "support_judge", [COPIED])
    assert [b["supported"] for b in entry["bullets"]] == [None, None]  # the page counts neither as unsupported
    assert [b["judge"].get("quotes") for b in entry["bullets"]] == [None, None]  # its evidence is the bullet's own
    assert entry["bullets"][0]["judge"] == {"verdict": "error", "method": "verdict", "error": PLAIN["error"]}


def test_a_clipped_evidence_quote_still_points_at_its_long_sentence():
    from harness.analysis.report import judge_note
    from harness.metrics.support_judge import read_factcheck

    long_sentence = "The council said " + "that the plan, " * 150 + "would pass."
    sentences = ["A short one.", long_sentence, "Another."]
    reply = json.dumps([{"sentence": 1, "supported": True, "evidence": [long_sentence, "Another.", "Not there."]}])
    (check,) = read_factcheck(reply, 1)
    assert check is not None and check.evidence[0] != long_sentence  # clipped when read
    note = judge_note({"verdict": "supported", "evidence": check.evidence}, sentences, quotes=True)
    assert [k for _, k in note["quotes"]] == [1, 2, None]
