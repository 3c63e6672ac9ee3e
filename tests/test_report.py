"""`harness report`: one offline page; checked as a file and in a real headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from conftest import run_cli
from run_files import add_constant_field, copy_run_as, rows, write_rows

COPIED = (
    "The work is expected to cost $48 million, of which $30 million will come from a national infrastructure grant."
)
INVENTED = "Opposition leader Marta Quell resigned in 1997 after a bribery scandal in Ostrava."
DEMO = Path(__file__).resolve().parents[1] / "harness" / "resources" / "demo_news.jsonl"
DOCS = 4


def mine_summaries() -> list[dict]:
    """Our model: doc 1 copies one sentence and invents one (with a preamble, a sub-point and an outro);
    doc 2 invents only; docs 3 and 4 copy their first sentences."""
    examples = rows(DEMO)[:DOCS]
    out = []
    for k, e in enumerate(examples):
        first = e["source"].split("\n")[0].strip()
        if k == 0:
            summary = f"Here is a summary:\n- {COPIED}\n  - a detail kept apart\n- {INVENTED}\nHope this helps."
        elif k == 1:
            summary = f"- {INVENTED}\n- The mayor of Quellburg opened 14 new libraries in 2031."
        else:
            summary = f"- {first}"
        out.append({"doc_id": e["id"], "summary": summary})
    return out


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    outputs = root / "outputs.jsonl"
    outputs.write_text("".join(json.dumps(r) + "\n" for r in mine_summaries()))
    common = ["metrics=[rouge,support,facts]", f"dataset.limit={DOCS}", f"results_dir={root / 'runs'}"]
    run_cli("run", "model=lead", *common)
    run_cli("run", "model=precomputed", f"model.path={outputs}", "model.system=null", "model.label=mine", *common)
    return root


@pytest.fixture(scope="module")
def report(sweep) -> Path:
    run_cli("report", str(sweep / "runs"), "--out", str(sweep / "report.html"))
    return sweep / "report.html"


def run_rows(sweep: Path, label: str, name: str) -> dict[str, dict]:
    (folder,) = [p.parent for p in (sweep / "runs").rglob("run.json") if json.loads(p.read_text())["label"] == label]
    return {r["doc_id"]: r for r in rows(folder / name)}


def embedded(page: str) -> dict:
    block = re.search(r"<script type='application/json' id='report-data'>(.*?)</script>", page, re.S).group(1)
    return json.loads(html.unescape(block))


# ---- the file ----


def test_support_records_the_words_each_evidence_sentence_shares_with_the_bullet():
    from harness.metrics.support import matched_words

    sentence = "The work is expected to cost $48 million, of which $30 million will come from a national grant."
    # stems match ("costs"/"cost", "grants"/"grant"); stopwords ("the", "from") never count
    assert matched_words("The work costs $48 million from grants.", sentence) == [
        "work",
        "cost",
        "48",
        "million",
        "grant",
    ]
    assert matched_words("Opposition leader resigned.", sentence) == []


def test_the_page_is_one_file_whose_only_script_and_style_are_allowed_by_hash(report):
    page = report.read_text(encoding="utf-8")
    policy = re.search(r"http-equiv='Content-Security-Policy' content=\"([^\"]+)\"", page).group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)

    def digest(text):
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert f"script-src {digest(script)};" in policy and f"style-src {digest(style)};" in policy
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert not re.search(r"(src|href)=['\"]?(https?:|//)", page)  # nothing fetched
    block = re.search(r"id='report-data'>(.*?)</script>", page, re.S).group(1)
    assert "<" not in block  # no value can close the data block


def test_the_payload_holds_every_reference_and_the_recorded_evidence(report, sweep):
    data = embedded(report.read_text(encoding="utf-8"))
    examples = {e["id"]: e for e in rows(DEMO)}
    scores = run_rows(sweep, "mine", "scores.jsonl")
    assert [r["label"] for r in data["runs"]] == ["lead", "mine"]
    for doc in data["docs"]:
        assert [r.splitlines() for r in doc["references"]] == [examples[doc["id"]]["reference"]]
        bullets = doc["models"][1]["bullets"]
        recorded = scores[doc["id"]]["details"]["support"]["bullets"]
        assert [b["evidence"] for b in bullets] == [v["evidence_index"] for v in recorded]
        assert [[doc["source"][i] for i in b["evidence"]] for b in bullets] == [v["evidence"] for v in recorded]


# ---- in a real browser ----


class Page:
    """A tab on the report that records console errors, uncaught errors, dialogs and requests."""

    def __init__(self, browser, url: str):
        self.tab = browser.new_page(viewport={"width": 1300, "height": 1000})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.on("request", lambda r: self.requests.append(r.url))
        self.tab.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.tab.goto(url)
        self.tab.wait_for_selector("#doclist, #doc")

    def listed(self) -> list[str]:
        return self.tab.eval_on_selector_all("#doclist tbody tr", "rs => rs.map(r => r.dataset.doc)")

    def choose(self, name: str, label: str) -> None:
        self.tab.select_option(f"select[name={name}]", label=label)


@pytest.fixture
def page(browser, report):
    p = Page(browser, report.as_uri())
    yield p
    assert p.errors == [], p.errors
    assert p.dialogs == []
    assert [u for u in p.requests if not u.startswith("data:")] == [report.as_uri()] * len(
        [u for u in p.requests if not u.startswith("data:")]
    )
    p.tab.close()


@pytest.mark.browser
def test_the_page_renders_without_errors_or_requests_and_a_screenshot_is_kept(page, report, tmp_path):
    assert page.requests[0] == report.as_uri()
    assert page.tab.locator("#comparison tbody tr").count() == 2
    assert page.tab.locator("figure img").count() >= 3
    assert page.listed() == [e["id"] for e in rows(DEMO)[:DOCS]]
    shot = tmp_path / "report-overview.png"
    page.tab.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


@pytest.mark.browser
def test_the_least_supported_documents_are_two_clicks_away_with_their_evidence(page, sweep, tmp_path):
    scores = [run_rows(sweep, label, "scores.jsonl") for label in ("lead", "mine")]
    mean = {d: sum(s[d]["support/score"] for s in scores) / 2 for d in scores[0]}
    expected = sorted(mean, key=lambda d: (mean[d], list(mean).index(d)))
    page.tab.click("#least-supported")  # click 1
    assert page.listed()[:3] == expected[:3]
    first_link = page.tab.locator("#doclist tbody a").first
    box = first_link.bounding_box()  # on screen without scrolling, and focused
    assert 0 <= box["y"] and box["y"] + box["height"] <= 1000
    assert first_link.evaluate("a => a === document.activeElement")
    page.tab.click("#doclist tbody a >> nth=0")  # click 2
    page.tab.wait_for_selector("#doc")
    assert page.tab.get_attribute("#doc", "data-doc") == expected[0]
    unsupported = page.tab.locator("li.bullet.unsupported")
    assert unsupported.count() >= 1
    first = unsupported.nth(0)
    assert "unsupported" in first.inner_text()  # said in words, not colour alone
    assert first.locator(".evidence").first.is_visible()
    shot = tmp_path / "report-document.png"
    page.tab.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")


@pytest.mark.browser
def test_sorting_by_a_metric_and_its_aria_state(page, sweep):
    mine = run_rows(sweep, "mine", "scores.jsonl")
    page.choose("sort", "rouge/rouge1 · mine")
    page.choose("desc", "descending")
    assert page.listed() == sorted(mine, key=lambda d: -mine[d]["rouge/rouge1"])
    header = page.tab.locator("#doclist th[aria-sort=descending]")
    assert header.count() == 1 and "rouge/rouge1 · mine" in header.inner_text()
    header.locator("button").press("Enter")  # keyboard: flips the order
    assert page.listed() == sorted(mine, key=lambda d: mine[d]["rouge/rouge1"])
    assert page.tab.locator("#doclist th[aria-sort=ascending]").count() == 1
    assert page.tab.locator("#doclist th[aria-sort]").count() == 2  # the document column says none


@pytest.mark.browser
def test_the_comparison_table_sorts_with_aria_sort(page, sweep):
    page.tab.click("#comparison th:has-text('support/score') button")
    state = page.tab.get_attribute("#comparison th:has-text('support/score')", "aria-sort")
    means = {
        label: sum(r["support/score"] for r in run_rows(sweep, label, "scores.jsonl").values())
        for label in ("lead", "mine")
    }
    order = page.tab.eval_on_selector_all("#comparison tbody th", "hs => hs.map(h => h.textContent)")
    assert state == "descending" and order == sorted(means, key=lambda l: -means[l])


@pytest.mark.browser
def test_filter_by_unsupported_bullets_and_by_search(page, sweep):
    mine = run_rows(sweep, "mine", "scores.jsonl")
    lead = run_rows(sweep, "lead", "scores.jsonl")
    page.choose("where", "unsupported bullets, all models")
    page.tab.fill("input[name=min]", "1")
    expected = [d for d in mine if mine[d]["support/unsupported"] + lead[d]["support/unsupported"] >= 1]
    assert expected and page.listed() == expected
    page.tab.fill("input[name=min]", "2")
    assert page.listed() == [d for d in mine if mine[d]["support/unsupported"] + lead[d]["support/unsupported"] >= 2]
    page.tab.fill("input[name=min]", "")
    page.tab.fill("input[type=search]", "quellburg")  # words of a bullet
    assert page.listed() == [rows(DEMO)[1]["id"]]
    page.tab.fill("input[type=search]", rows(DEMO)[2]["id"].upper())  # an id
    assert page.listed() == [rows(DEMO)[2]["id"]]


@pytest.mark.browser
def test_sorting_by_disagreement_between_models_and_between_metrics(page, sweep):
    mine, lead = run_rows(sweep, "mine", "scores.jsonl"), run_rows(sweep, "lead", "scores.jsonl")
    page.choose("gapField", "rouge/rouge2")
    page.choose("gapA", "lead")
    page.choose("gapB", "mine")
    page.choose("sort", "disagreement between models A and B (|A − B| on the metric)")
    page.choose("desc", "descending")
    gap = {d: abs(lead[d]["rouge/rouge2"] - mine[d]["rouge/rouge2"]) for d in mine}
    assert page.listed() == sorted(gap, key=lambda d: (-gap[d], list(gap).index(d)))

    def percentile(key):
        order = sorted(mine, key=lambda d: mine[d][key])  # equal values ranked in document order
        return {d: order.index(d) / (len(order) - 1) for d in order}

    page.choose("gapModel", "mine")
    page.choose("gapX", "rouge/rouge1")
    page.choose("gapY", "support/score")
    page.choose("sort", "disagreement between metrics X and Y (percentile of X − percentile of Y, for the model)")
    x, y = percentile("rouge/rouge1"), percentile("support/score")
    assert page.listed() == sorted(mine, key=lambda d: (-(x[d] - y[d]), list(mine).index(d)))


def synthetic_payload(n: int) -> dict:
    """A payload of n documents with one metric and no plots (the page's own format, built by hand)."""
    docs = [
        {
            "id": f"doc-{i:03d}",
            "source": [f"Sentence {i}."],
            "references": [f"Reference {k}." for k in range(i % 6)],
            "values": [[(i * 37 % n) / n]],
            "models": [{"bullets": [{"text": f"Bullet {i}."}], "facts": [], "aside": {}}],
        }
        for i in range(n)
    ]
    comparison = {"documents": n, "columns": [], "rows": [], "notes": [], "pairs": {"header": [], "rows": []}}
    return {
        "runs": [{"label": "A", "path": "a", "documents": n}],
        "fields": [{"key": "m/score", "higher_is_better": True, "headline": True}],
        "judged": None,
        "comparison": comparison,
        "plots": [],
        "docs": docs,
    }


@pytest.mark.browser
def test_paging_over_many_documents(browser, tmp_path):
    from harness.analysis.report import page as build_page

    out = tmp_path / "many.html"
    out.write_text(build_page(synthetic_payload(120)), encoding="utf-8")
    p = Page(browser, out.as_uri())
    assert p.listed() == [f"doc-{i:03d}" for i in range(50)]
    p.tab.click("text=next page")
    p.tab.click("text=next page")
    assert p.listed() == [f"doc-{i:03d}" for i in range(100, 120)]
    assert "page 3 of 3" in p.tab.inner_text("#page-status")
    p.tab.click("text=previous page")
    assert p.listed() == [f"doc-{i:03d}" for i in range(50, 100)]
    p.tab.click("#doclist a >> text=doc-065")  # 5 references: 3 shown, the rest collapsed with the count
    refs = p.tab.locator(".refs")
    assert "References (5)" in refs.inner_text()
    assert [refs.get_by_text(f"Reference {k}.").is_visible() for k in range(5)] == [True, True, True, False, False]
    refs.get_by_text("2 more references (5 in all)").click()
    assert refs.get_by_text("Reference 4.").is_visible()
    assert p.errors == []
    p.tab.close()


@pytest.mark.browser
def test_a_deep_link_opens_its_document_and_keys_move_between_documents(browser, report):
    target = rows(DEMO)[2]["id"]
    p = Page(browser, report.as_uri() + "#doc=" + target)
    assert p.tab.get_attribute("#doc", "data-doc") == target
    p.tab.keyboard.press("j")
    # a selector, not wait_for_function: a string predicate is eval'd, which the page's CSP may refuse
    p.tab.wait_for_selector(f"#doc[data-doc={json.dumps(rows(DEMO)[3]['id'])}]")
    p.tab.keyboard.press("Escape")
    p.tab.wait_for_selector("#doclist")
    assert p.errors == []
    p.tab.close()


@pytest.mark.browser
def test_highlighting_marks_exactly_the_recorded_evidence_sentences_and_words(browser, report, sweep):
    scores = run_rows(sweep, "mine", "scores.jsonl")
    p = Page(browser, report.as_uri() + "#doc=" + rows(DEMO)[0]["id"])
    recorded = scores[rows(DEMO)[0]["id"]]["details"]["support"]["bullets"]
    bullets = p.tab.locator("section.model[data-run='1'] li.bullet")
    assert bullets.count() == len(recorded) == 2
    assert "sub-point" in bullets.nth(0).inner_text().lower() and "a detail kept apart" in bullets.nth(0).inner_text()
    assert p.tab.locator("section.model[data-run='1'] .aside").filter(has_text="Here is a summary:").count() == 1
    assert p.tab.locator("section.model[data-run='1'] .aside").filter(has_text="Hope this helps.").count() == 1
    for k, verdict in enumerate(recorded):
        bullets.nth(k).focus() if k else bullets.nth(k).click()  # click or keyboard focus
        lit = p.tab.eval_on_selector_all(".sent.hl", "ss => ss.map(s => Number(s.dataset.index))")
        assert lit == verdict["evidence_index"]
        for index, words in zip(verdict["evidence_index"], verdict["matched"]):
            marks = p.tab.eval_on_selector_all(
                f".sent.hl[data-index='{index}'] mark", "ms => ms.map(m => m.textContent)"
            )
            assert set(marks) == set(words)
            assert (
                p.tab.locator(f".sent.hl[data-index='{index}']")
                .inner_text()
                .endswith(p.tab.get_attribute(f".sent[data-index='{index}']", "data-text"))
            )
    assert any(v["matched"][0] for v in recorded)  # something was marked
    facts = scores[rows(DEMO)[0]["id"]]["details"]["facts"]["facts"]
    box = p.tab.locator("section.model[data-run='1'] details.facts")
    assert f"facts: {sum(f['stated'] for f in facts)} of {len(facts)} stated" in box.inner_text()
    box.locator("summary").click()
    assert box.locator("li.fact.missing").all_inner_texts() == [
        f"✗ missing: {f['fact']}" for f in facts if not f["stated"]
    ]
    assert p.errors == []
    p.tab.close()


@pytest.mark.browser
def test_side_by_side_shows_the_two_chosen_models(page, report):
    page.tab.goto(report.as_uri() + "#doc=" + rows(DEMO)[0]["id"])
    page.tab.wait_for_selector("#doc")
    page.choose("sideA", "mine")
    page.choose("sideB", "lead")
    labels = page.tab.eval_on_selector_all("section.model h3", "hs => hs.map(h => h.textContent)")
    assert labels == ["mine", "lead"]


# ---- crafted values stay text ----

PAYLOADS = {
    "label": "<img src=x onerror=alert(1)>",
    "doc_id": "x\"'><script>alert(2)</script>",
    "bullet": "<iframe src=javascript:alert(3)></iframe>",
    "metric": "<svg onload=alert(4)>/score",
    "value": "<b onmouseover=alert(5)>0.5</b>",
    "evidence": "</script><script>alert(6)</script><!--",
}


@pytest.fixture(scope="module")
def crafted(sweep) -> Path:
    (folder,) = [p.parent for p in (sweep / "runs").rglob("run.json") if json.loads(p.read_text())["label"] == "mine"]
    run = copy_run_as(folder, sweep / "crafted" / "run", PAYLOADS["label"])
    gens, scores = rows(run / "generations.jsonl"), rows(run / "scores.jsonl")
    add_constant_field(run, PAYLOADS["metric"], scores)
    gens[0]["doc_id"] = scores[0]["doc_id"] = PAYLOADS["doc_id"]
    gens[0]["bullets"][0] = PAYLOADS["bullet"]
    scores[0]["details"]["support"]["bullets"][0].update(
        score=PAYLOADS["value"], evidence_index=None, evidence=[PAYLOADS["evidence"]]
    )
    write_rows(run / "generations.jsonl", gens)
    write_rows(run / "scores.jsonl", scores)
    run_cli("report", str(run), "--out", str(sweep / "crafted" / "report.html"))
    return sweep / "crafted" / "report.html"


@pytest.mark.browser
def test_crafted_markup_in_ids_labels_metric_names_values_and_text_stays_inert(browser, crafted):
    p = Page(browser, crafted.as_uri())
    text = p.tab.inner_text("body")
    assert PAYLOADS["label"] in text and PAYLOADS["metric"] in text
    p.tab.click("#doclist tbody a >> nth=0")
    p.tab.wait_for_selector("#doc")
    assert p.tab.get_attribute("#doc", "data-doc") == PAYLOADS["doc_id"]
    body = p.tab.inner_text("body")
    for where in ("doc_id", "bullet", "value", "evidence"):
        assert PAYLOADS[where] in body, where
    p.tab.click("li.bullet >> nth=0")
    p.tab.hover("li.bullet >> nth=0")
    assert p.tab.locator("#app script, #app iframe, #app svg, #app b[onmouseover], img[onerror]").count() == 0
    assert p.tab.locator("img").count() == p.tab.locator("figure img[src^='data:image/svg+xml;charset=utf-8,']").count()
    assert p.dialogs == [] and p.errors == []
    assert [u for u in p.requests if not u.startswith("data:")] == [crafted.as_uri()]
    p.tab.close()


def test_report_refuses_runs_over_different_data_and_keeps_an_unrelated_file(tmp_path):
    from test_compare import make_run

    make_run(tmp_path / "runs", "A", [0.5, 0.6, 0.7, 0.4], fingerprint="aaaa")
    make_run(tmp_path / "runs", "B", [0.4, 0.5, 0.6], fingerprint="bbbb")
    refused = run_cli("report", str(tmp_path / "runs"), "--out", str(tmp_path / "r.html"), check=False)
    assert refused.returncode == 2 and "not comparable" in refused.stderr and "--common-docs" in refused.stderr
    assert not (tmp_path / "r.html").exists()
