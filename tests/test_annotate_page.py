"""`harness report --annotate`: which documents (known answers), and the page in a real headless
Chromium: labels by click and key, export read back by `harness annotations`, a reload keeps
the labels, hostile text stays text, no request but the file, two annotators to agreement."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_cli
from run_files import copy_run_as, rows, write_rows

from harness.analysis.annotate import AnnotateOptions, allocation, disagreement, page_data, pairs, sample, strata
from harness.analysis.annotations.records import CATEGORIES, read_annotations
from harness.analysis.runs import Run

# ---- which documents: known answers ----

M1 = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6], [0.7, 0.9]]  # [doc][run]


def test_metrics_that_agree_up_to_scale_have_no_disagreement_and_a_swap_is_measured():
    # m2 = 10 m1 + 3 except on doc 3, where the two runs' values are swapped: the same multiset of
    # values, so z(m2) = z(m1) wherever they agree; on doc 3 each run's two z-scores are z(.7) and z(.9)
    m2 = [[10 * v + 3 for v in doc] for doc in M1[:3]] + [[10 * 0.9 + 3, 10 * 0.7 + 3]]
    values = [[[a, b] for a, b in zip(d1, d2)] for d1, d2 in zip(M1, m2)]
    sd = statistics.pstdev([v for doc in M1 for v in doc])  # 0.2394...
    got = disagreement(values, [True, True])
    assert got[:3] == pytest.approx([0, 0, 0], abs=1e-12)
    assert got[3] == pytest.approx((0.9 - 0.7) / sd / 2)  # SD of two values: half their distance
    # a lower-is-better field that mirrors m1 agrees with it
    mirrored = [[[v, 5 - v] for v in doc] for doc in M1]
    assert disagreement(mirrored, [True, False]) == pytest.approx([0, 0, 0, 0], abs=1e-12)
    # a run with one value left does not count; a document with none is unmeasured
    values[3][1][1] = None
    values[2] = [[None, None], [None, 1.0]]
    got = disagreement(values, [True, True])
    m1, m2 = [0.1, 0.2, 0.3, 0.4, 0.7, 0.9], [4.0, 5.0, 6.0, 7.0, 1.0, 12.0]  # the columns left
    z1 = (0.7 - statistics.fmean(m1)) / statistics.pstdev(m1)
    z2 = (12.0 - statistics.fmean(m2)) / statistics.pstdev(m2)
    assert got[2] is None and got[3] == pytest.approx(abs(z1 - z2) / 2)  # run 0 alone


def test_one_metric_measures_the_spread_across_runs():
    values = [[[v] for v in doc] for doc in M1]
    sd = statistics.pstdev([v for doc in M1 for v in doc])
    got = disagreement(values, [True])
    assert got == pytest.approx([0.05 / sd, 0.05 / sd, 0.05 / sd, 0.1 / sd])
    # a field without spread is dropped: no usable metric, nothing measured
    assert disagreement([[[1.0], [1.0]], [[1.0], [1.0]]], [True]) == [None, None]


def test_bands_and_allocation():
    scores = [0.8, 0.1, 0.7, 0.2, 0.6, 0.3, 0.5, 0.4, None]
    assert strata(scores) == [[0, 2], [4, 6], [7, 5], [3, 1], [8]]
    assert strata([0.5, 0.9]) == [[1], [], [0], [], []]  # few documents: the top band first
    assert allocation(20) == [10, 4, 3, 3, 0]
    assert allocation(4) == [2, 1, 1, 0, 0]
    assert allocation(1) == [1, 0, 0, 0, 0]


def test_the_sample_takes_half_from_the_top_band_and_is_reproducible_by_seed():
    scores = [0.8, 0.1, 0.7, 0.2, 0.6, 0.3, 0.5, 0.4]
    seen_second, seen_third = Counter(), Counter()
    for seed in range(20):
        chosen = sample(scores, 4, seed)
        assert chosen == sample(scores, 4, seed)  # same seed, same documents in the same order
        docs = {i for i, _ in chosen}
        assert {0, 2} <= docs and len(docs & {4, 6}) == 1 and len(docs & {7, 5}) == 1 and not docs & {3, 1}
        assert dict(chosen) == {i: b for b, band in enumerate(strata(scores)) for i in band if i in docs}
        seen_second.update(docs & {4, 6})
        seen_third.update(docs & {7, 5})
    assert set(seen_second) == {4, 6} and set(seen_third) == {7, 5}  # the seed decides within a band
    assert sorted(i for i, _ in sample(scores, 50, 0)) == list(range(8))  # more than there are: all
    # a band too small passes its share down; the unmeasured fill last
    chosen = sample([0.9, 0.5, None, None, None], 4, 0)
    assert sorted(i for i, _ in chosen)[:2] == [0, 1] and len(chosen) == 4


def test_pairs_cycle_through_every_pair_with_random_sides():
    plan = pairs([[0, 1, 2]] * 6, 3, seed=5)
    assert plan == pairs([[0, 1, 2]] * 6, 3, seed=5)
    assert Counter(tuple(sorted(p)) for p in plan) == {(0, 1): 2, (0, 2): 2, (1, 2): 2}
    sides = Counter(p[0] < p[1] for p in pairs([[0, 1]] * 400, 2, seed=1))
    assert 160 < sides[True] < 240  # shown either way round (deterministic for this seed)
    # only the runs with a summary of a document; one run alone: no pair
    assert pairs([[0, 2], [1]], 3, seed=0)[0] in ((0, 2), (2, 0))
    assert pairs([[0, 2], [1]], 3, seed=0)[1] is None


def fake_run(label: str, scores: dict) -> Run:
    return Run(Path(label), label, {}, {}, scores)


def test_facts_come_from_the_facts_metric_else_the_dataset_else_no_task():
    scored = {"details": {"facts": {"facts": [{"fact": "scored fact", "stated": True}]}}}
    runs = [fake_run("a", {"d1": scored, "d2": {}}), fake_run("b", {"d1": {}, "d2": {}})]
    model = {"bullets": [{"text": "a bullet"}], "aside": {}}
    docs = [
        {"id": "d1", "source": ["s."], "facts": ["dataset fact"], "values": [[0.1], [0.9]], "models": [model, model]},
        {"id": "d2", "source": ["s."], "facts": [], "values": [[0.5], [0.4]], "models": [model, model]},
        {"id": "d3", "source": ["s."], "facts": [], "values": [[None], [None]], "models": [None, {"error": "x"}]},
    ]
    report = {"fields": [{"key": "m/x", "higher_is_better": True, "headline": True}], "docs": docs}
    data = page_data(runs, report, AnnotateOptions(docs=5, seed=0, source="sweep"))
    facts = {(d["id"], data["systems"][s["system"]]): s["facts"] for d in data["docs"] for s in d["summaries"]}
    assert facts == {("d1", "a"): ["scored fact"], ("d1", "b"): ["dataset fact"], ("d2", "a"): [], ("d2", "b"): []}
    assert data["page"] == page_data(runs, report, AnnotateOptions(docs=5, seed=0, source="sweep"))["page"]
    assert data["page"] != page_data(runs, report, AnnotateOptions(docs=5, seed=1, source="sweep"))["page"]
    assert all(sorted(d["pair"]) == [0, 1] for d in data["docs"])
    assert data["selection"]["of"] == 2  # d3 has no summary to label: never drawn


def test_annotation_options_alone_are_refused(tmp_path):
    from test_compare import make_run

    make_run(tmp_path / "runs", "A", [0.5, 0.6, 0.7, 0.4])
    refused = run_cli("report", str(tmp_path / "runs"), "--seed", "3", check=False)
    assert refused.returncode == 2 and "--seed needs --annotate" in refused.stderr
    refused = run_cli("report", str(tmp_path / "runs"), "--annotate", "--annotate-docs", "0", check=False)
    assert refused.returncode == 2 and "--annotate-docs" in refused.stderr


# ---- the page in a real browser ----

DEMO = Path(__file__).resolve().parents[1] / "harness" / "resources" / "demo_news.jsonl"
DOCS = 4
HOSTILE = {
    "label": "<img src=x onerror=alert(1)>",
    "doc_id": "d\"'><img src=x onerror=alert(2)>",
    "bullet": "<img src=x onerror=alert(3)> and </script><script>alert(4)</script>",
    "fact": "<svg onload=alert(5)> fact",
}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """Two runs over 4 demo documents (lead, and a model that copies one sentence and invents one)."""
    root = tmp_path_factory.mktemp("annotate")
    examples = rows(DEMO)[:DOCS]
    outputs = [
        {"doc_id": e["id"], "summary": f"- {e['source'].split(chr(10))[0].strip()}\n- The mayor opened 14 libraries."}
        for e in examples
    ]
    write_rows(root / "outputs.jsonl", outputs)
    common = ["metrics=[rouge,support,facts]", f"dataset.limit={DOCS}", f"results_dir={root / 'runs'}"]
    run_cli("run", "model=lead", *common)
    run_cli(
        "run",
        "model=precomputed",
        f"model.path={root / 'outputs.jsonl'}",
        "model.system=null",
        "model.label=mine",
        *common,
    )
    return root


@pytest.fixture(scope="module")
def annotate_page(sweep) -> Path:
    out = sweep / "annotate.html"
    run_cli("report", str(sweep / "runs"), "--annotate", "--annotate-docs", "3", "--seed", "7", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def hostile_page(sweep) -> Path:
    """A third run whose label, first document id, first bullet and first fact are markup."""
    (mine,) = [p.parent for p in (sweep / "runs").rglob("run.json") if json.loads(p.read_text())["label"] == "mine"]
    run = copy_run_as(mine, sweep / "hostile" / "run", HOSTILE["label"])
    gens, scores = rows(run / "generations.jsonl"), rows(run / "scores.jsonl")
    gens[0]["doc_id"] = scores[0]["doc_id"] = HOSTILE["doc_id"]
    gens[0]["bullets"][0] = HOSTILE["bullet"]
    scores[0]["details"]["facts"]["facts"][0]["fact"] = HOSTILE["fact"]
    write_rows(run / "generations.jsonl", gens)
    write_rows(run / "scores.jsonl", scores)
    out = sweep / "hostile" / "annotate.html"
    run_cli("report", str(run), "--annotate", "--annotate-docs", "10", "--out", str(out))
    return out


class Annotator:
    """One person at one browser (their own storage): the page, its errors, dialogs and requests."""

    def __init__(self, browser, page: Path):
        self.file = page
        self.context = browser.new_context(viewport={"width": 1300, "height": 1000}, accept_downloads=True)
        self.tab = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.tab.on("pageerror", lambda e: self.errors.append(str(e)))
        self.tab.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.tab.on("request", lambda r: self.requests.append(r.url))
        self.tab.goto(page.as_uri())
        self.tab.wait_for_selector("#app[data-rendered]")

    def start(self, name: str) -> None:
        self.tab.fill("#annotator-id", name)
        self.tab.press("#annotator-id", "Enter")
        self.tab.wait_for_selector(".item.current")

    def current(self) -> tuple[str, list]:
        key = self.tab.get_attribute(".item.current", "data-key")
        return key, json.loads(key)

    def progress(self) -> str:
        return self.tab.inner_text("#progress")

    def export(self, dest: Path, key: bool = False) -> Path:
        with self.tab.expect_download() as download:
            self.tab.keyboard.press("e") if key else self.tab.click("#export")
        download.value.save_as(dest)
        return dest

    def close(self) -> None:
        assert self.errors == [] and self.dialogs == []
        network = [u for u in self.requests if not u.startswith(("data:", "blob:"))]
        assert network == [self.file.as_uri()] * len(network) and network  # the file itself, nothing else
        self.context.close()


def label_all(who: Annotator, rule, clicks: int = 0) -> dict[str, tuple[str, str | None]]:
    """Label every item, the first `clicks` by mouse and the rest by keyboard, as `rule(n, kind)`
    says: ("s"|"u"|"a"|"b"|"t"|digit, ...) keys; returns item key -> (label, category) as expected."""
    expected: dict[str, tuple[str, str | None]] = {}
    total = int(who.progress().split(" of ")[1].split()[0])
    for n in range(total):
        key, (kind, *_) = who.current()
        keys = rule(n, kind)
        label, category = expect(kind, keys)
        expected[key] = (label, category)
        if n < clicks:
            item = who.tab.locator(".item.current")
            if kind == "bullet" and category:
                item.locator(f"button[data-category='{category}']").click()
            else:
                item.locator(f"button[data-label='{label}']:not([data-category])").click()
            assert who.tab.locator(".item.current").count() == 1 and who.current()[0] == key
            who.tab.keyboard.press("j")
        else:
            for k in keys:
                who.tab.keyboard.press(k)
            if kind == "bullet" and keys == ["u"]:
                who.tab.keyboard.press("j")  # unsupported without a category: move on by hand
    assert who.progress().startswith(f"{total} of {total} labelled")
    return expected


def expect(kind: str, keys: list[str]) -> tuple[str, str | None]:
    if kind == "pairwise":
        return {"a": "A", "b": "B", "t": "tie"}[keys[0]], None
    if kind == "fact":
        return ("stated" if keys[0] == "s" else "not_stated"), None
    if keys[-1].isdigit():
        return "unsupported", CATEGORIES[int(keys[-1]) - 1]
    return ("supported" if keys[0] == "s" else "unsupported"), None


def first_rule(n: int, kind: str) -> list[str]:
    if kind == "pairwise":
        return ["abt"[n % 3]]
    if kind == "fact":
        return ["s" if n % 2 else "u"]
    return [["s"], ["u", "2"], ["u"], ["7"]][n % 4]


def second_rule(n: int, kind: str) -> list[str]:
    """Agrees with first_rule except on every fifth item."""
    keys = first_rule(n, kind)
    if n % 5:
        return keys
    return {"pairwise": ["t" if keys[0] != "t" else "a"], "fact": ["u" if keys[0] == "s" else "s"]}.get(
        kind, ["s"] if keys[0] != "s" else ["u"]
    )


def records_by_item(path: Path) -> dict[str, tuple[str, str | None]]:
    annotations, files, problems = read_annotations([path], strict=True)
    assert files[0].skipped == 0 and not problems.skipped
    out = {}
    for a in annotations:
        systems = list(a.shown) if a.kind == "pairwise" else a.shown[0]
        key = json.dumps(
            [a.kind, a.doc_id, systems, *([] if a.index is None else [a.index])],
            separators=(",", ":"),
            ensure_ascii=False,
        )
        out[key] = (a.label, a.category)
    return out


@pytest.mark.browser
def test_click_and_keyboard_labels_are_exported_as_records_that_annotations_reads(browser, annotate_page, tmp_path):
    who = Annotator(browser, annotate_page)
    assert who.tab.locator("#annotator-form").count() == 1  # asked once, before anything else
    who.start("ann-1")
    assert "j / k" in who.tab.inner_text("#help") and "e export" in who.tab.inner_text("#help")
    kinds = Counter(
        json.loads(k)[0] for k in who.tab.eval_on_selector_all("[data-key]", "e => e.map(x => x.dataset.key)")
    )
    assert kinds["bullet"] and kinds["fact"] and kinds["pairwise"] == 1  # the first document's items
    expected = label_all(who, first_rule, clicks=sum(kinds.values()))  # the first document by mouse, the rest by key
    got = records_by_item(who.export(tmp_path / "ann-1.jsonl"))
    assert got == expected
    records = rows(tmp_path / "ann-1.jsonl")
    assert {r["annotator"] for r in records} == {"ann-1"} and {r["source"] for r in records} == {"runs"}
    assert all(r["time"].endswith("Z") for r in records)
    data = json.loads(who.tab.eval_on_selector("#report-data", "e => e.textContent").replace("&lt;", "<"))
    assert len({r["doc_id"] for r in records}) == 3 == len(data["docs"])
    who.close()


@pytest.mark.browser
def test_a_reload_keeps_the_annotator_and_the_labels(browser, annotate_page, tmp_path):
    who = Annotator(browser, annotate_page)
    who.start("ann-r")
    who.tab.keyboard.press("u")
    who.tab.keyboard.press("3")  # unsupported, predicate; moves on
    who.tab.keyboard.press("s")
    key, _ = who.current()
    before = who.progress()
    pressed = who.tab.eval_on_selector_all(
        "[aria-pressed=true]", "bs => bs.map(b => b.closest('[data-key]').dataset.key + b.textContent)"
    )
    who.tab.reload()
    who.tab.wait_for_selector(".item.current")
    assert who.tab.locator("#annotator-form").count() == 0 and who.tab.inner_text("#annotator") == "ann-r"
    assert who.progress() == before and before.startswith("2 of ")
    assert who.current()[0] == key  # where the annotator was
    assert pressed == who.tab.eval_on_selector_all(
        "[aria-pressed=true]", "bs => bs.map(b => b.closest('[data-key]').dataset.key + b.textContent)"
    )
    got = records_by_item(who.export(tmp_path / "r.jsonl", key=True))
    assert sorted(v for v in got.values()) == sorted([("unsupported", "predicate"), ("supported", None)])
    # another annotator on the same browser starts empty; switching back finds the first one's labels
    who.tab.click("#switch")
    who.start("ann-s")
    assert who.progress().startswith("0 of ")
    who.tab.click("#switch")
    who.start("ann-r")
    assert who.progress() == before
    who.close()


@pytest.mark.browser
def test_hostile_text_in_a_doc_id_a_bullet_a_fact_and_a_label_stays_text(browser, hostile_page, tmp_path):
    who = Annotator(browser, hostile_page)
    who.start("<b>x</b>")
    doc = HOSTILE["doc_id"]
    for _ in range(10):  # to the hostile document
        if who.tab.get_attribute("#doc", "data-doc") == doc:
            break
        who.tab.click("#next-doc")
    assert who.tab.get_attribute("#doc", "data-doc") == doc
    body = who.tab.inner_text("body")
    for where in ("doc_id", "bullet", "fact"):
        assert HOSTILE[where] in body, where
    assert who.tab.locator("#app img, #app script, #app svg, #app b:not(#annotator)").count() == 0
    who.tab.locator(".item[data-kind=bullet]").filter(has_text="alert(3)").locator(
        "button[data-label=unsupported]"
    ).first.click()
    who.tab.locator(".item[data-kind=fact]").filter(has_text="alert(5)").first.locator(
        "button[data-label=stated]"
    ).click()
    records = rows(who.export(tmp_path / "h.jsonl"))
    assert {r["bullet"] for r in records if r["kind"] == "bullet"} == {HOSTILE["bullet"]}
    assert {r["fact"] for r in records if r["kind"] == "fact"} == {HOSTILE["fact"]}
    assert {r["doc_id"] for r in records} == {doc} and {r["annotator"] for r in records} == {"<b>x</b>"}
    assert {r["system"] for r in records} == {HOSTILE["label"]}
    records_by_item(tmp_path / "h.jsonl")  # read without problems
    assert who.tab.evaluate("document.title") == "harness annotation · run"  # the folder given
    who.close()


@pytest.mark.browser
def test_two_annotators_in_two_browsers_then_harness_annotations_gives_agreement(
    browser, annotate_page, sweep, tmp_path
):
    files = []
    for name, rule in (("ann-1", first_rule), ("ann-2", second_rule)):
        who = Annotator(browser, annotate_page)
        who.start(name)
        label_all(who, rule)
        files.append(who.export(tmp_path / f"{name}.jsonl"))
        who.close()
    first, second = records_by_item(files[0]), records_by_item(files[1])
    assert first.keys() == second.keys()
    out = tmp_path / "agreement"
    shown = run_cli("annotations", *map(str, files), "--out", str(out))
    assert "bullet label" in shown.stdout and "annotators: ann-1" in shown.stdout
    report = json.loads((out / "agreement.json").read_text())
    kinds = Counter(json.loads(k)[0] for k in first)
    disagree = Counter(json.loads(k)[0] for k in first if first[k][0] != second[k][0])
    for kind in ("bullet", "fact", "pairwise"):
        assert report["items"][kind]["items"] == report["items"][kind]["annotated_twice"] == kinds[kind]
        assert report["items"][kind]["disagreements"] >= disagree[kind]  # a bullet's category may differ too
    alpha = {(a["measure"], a["level"]): a["alpha"] for a in report["agreement"]}
    assert alpha[("bullet label", "nominal")] is not None and alpha[("bullet label", "nominal")] < 1
    assert len(rows(out / "merged.jsonl")) == len(first)
    # the merged judgments against the runs' metrics: the last step of the documented example
    judged = run_cli(
        "meta-eval", "--annotations", str(out / "merged.jsonl"), "--runs", str(sweep / "runs"),
        "--bootstrap", "50", "--out", str(tmp_path / "meta"),
    )  # fmt: skip
    assert "rouge/rouge1" in judged.stdout and "wrote" in judged.stdout


def test_the_page_allows_exactly_its_joined_script_and_style_and_no_value_closes_the_data_block():
    import base64
    import hashlib
    import re

    from harness.analysis.annotate import SCRIPTS, STYLES
    from harness.analysis.report import page, resource

    model = {"bullets": [{"text": HOSTILE["bullet"]}], "aside": {}}
    docs = [
        {"id": HOSTILE["doc_id"], "source": ["s."], "facts": [HOSTILE["fact"]], "values": [[0.1]], "models": [model]}
    ]
    report = {"fields": [{"key": "m/x", "higher_is_better": True, "headline": True}], "docs": docs}
    text = page(
        page_data([fake_run(HOSTILE["label"], {})], report, AnnotateOptions(source="</script>")), SCRIPTS, STYLES
    )
    policy = re.search(r"http-equiv='Content-Security-Policy' content=\"([^\"]+)\"", text).group(1)

    def digest(names):
        joined = "".join(resource(n) for n in names).encode()
        return "'sha256-" + base64.b64encode(hashlib.sha256(joined).digest()).decode() + "'"

    assert f"script-src {digest(SCRIPTS)};" in policy and f"style-src {digest(STYLES)};" in policy
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert text.count("<script>") == 1 and "HarnessDOM" in re.search(r"<script>(.*?)</script>", text, re.S).group(1)
    block = re.search(r"id='report-data'>(.*?)</script>", text, re.S).group(1)
    assert "<" not in block
