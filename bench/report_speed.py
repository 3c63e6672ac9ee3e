"""Size and speed of `harness report` at 5 runs x 1,000 documents, in headless Chromium.

Builds a synthetic dataset of 1,000 news-like documents (sentences of the bundled demo articles,
shuffled; three alternative references and the facts of each), runs lead-3 on it for real
(rouge, support, facts), and copies that run four times as other "models" (each drops,
reorders and invents bullets and shifts their scores, so the pages differ). Then it writes the
report with the real CLI and opens it in Debian's Chromium (playwright, never a browser
download), recording:

- the file size;
- time to first paint (first-contentful-paint) and until the list is on screen, medians of loads;
- time to apply a filter (unsupported bullets >= 1; a text search, cold and warm; a sort by a
  metric), from the input event to the next frame, medians of repeats.

    python bench/report_speed.py [--docs 1000] [--runs 5] [--repeats 5] [--work DIR]

Targets (issue 13): under 20 MB, first paint under 2 s, a filter under 200 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the browser set-up and run-folder edits the report's tests use
from headless_chromium import FLAGS, chromium_executable  # noqa: E402
from run_files import copy_run_as, rows, write_rows  # noqa: E402


def harness(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "harness.cli", *args], check=True, capture_output=True, text=True)


def dataset(path: Path, n: int, rng: random.Random) -> None:
    from harness.text.tokens import split_sentences

    demo = [
        json.loads(line)
        for line in (ROOT / "harness/resources/demo_news.jsonl").read_text().splitlines()
        if line.strip()
    ]
    sentences = [s for d in demo for s in split_sentences(d["source"])]
    facts = [f for d in demo for f in d["facts"]]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            body = rng.sample(sentences, 24)
            paragraphs = "\n\n".join(" ".join(body[k : k + 3]) for k in range(0, len(body), 3))
            refs = [[rng.choice(body) for _ in range(3)] for _ in range(3)]
            f.write(
                json.dumps(
                    {
                        "doc_id": f"doc-{i:04d}",
                        "source": paragraphs,
                        "reference": ["\n".join(r) for r in refs],
                        "facts": rng.sample(facts, 5),
                    }
                )
                + "\n"
            )


def variant(lead: Path, dest: Path, label: str, rng: random.Random) -> None:
    """A copy of the lead run as another model: bullets dropped or invented, scores shifted."""
    copy_run_as(lead, dest, label)
    gens = rows(dest / "generations.jsonl")
    scores = {row["doc_id"]: row for row in rows(dest / "scores.jsonl")}
    for g in gens:
        row = scores[g["doc_id"]]
        verdicts = row["details"]["support"]["bullets"]
        for k, v in enumerate(verdicts):
            if rng.random() < 0.2:  # an invented bullet
                g["bullets"][k] = v["bullet"] = f"Officials in {label} said {rng.randint(10, 99)} people were affected."
                v.update(score=0.1, supported=False, evidence_index=[0], matched=[[]])
        row["support/score"] = sum(v["score"] for v in verdicts) / len(verdicts)
        row["support/unsupported"] = float(sum(not v["supported"] for v in verdicts))
        for key, value in list(row.items()):
            if key.startswith(("rouge/", "facts/")) and isinstance(value, float):
                row[key] = min(1.0, max(0.0, value + rng.gauss(0, 0.05)))
    write_rows(dest / "generations.jsonl", gens)
    write_rows(dest / "scores.jsonl", [scores[g["doc_id"]] for g in gens])


TIME_INPUT = """async ([selector, value]) => {
  const el = document.querySelector(selector);
  const t0 = performance.now();
  el.value = value;
  el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}"""


def measure(page_path: Path, repeats: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    loads, lists, filters = (
        [],
        [],
        {
            "unsupported bullets >= 1": [],
            "search (first, builds the index)": [],
            "search (again)": [],
            "sort by a metric": [],
        },
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable() or "/usr/bin/chromium", args=FLAGS)
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1300, "height": 1000})
            page.goto(page_path.as_uri())
            page.wait_for_selector("#doclist")
            paint = page.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime")
            loads.append(paint)
            lists.append(page.evaluate("Number(document.getElementById('app').dataset.rendered)"))
            page.select_option("select[name=where]", label="unsupported bullets, all models")
            filters["unsupported bullets >= 1"].append(page.evaluate(TIME_INPUT, ["input[name=min]", "1"]))
            page.evaluate(TIME_INPUT, ["input[name=min]", ""])
            filters["search (first, builds the index)"].append(
                page.evaluate(TIME_INPUT, ["input[type=search]", "officials"])
            )
            filters["search (again)"].append(page.evaluate(TIME_INPUT, ["input[type=search]", "bridge"]))
            page.evaluate(TIME_INPUT, ["input[type=search]", ""])
            value = page.eval_on_selector("select[name=sort] option:nth-child(8)", "o => o.value")
            filters["sort by a metric"].append(page.evaluate(TIME_INPUT, ["select[name=sort]", value]))
            page.close()
        browser.close()
    out = {"first paint (ms)": statistics.median(loads), "list on screen (ms)": statistics.median(lists)}
    out.update({f"{name} (ms)": statistics.median(v) for name, v in filters.items()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, help="folder for the runs and the page (default: a temporary folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="report_speed_"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    data = work / "data.jsonl"
    dataset(data, args.docs, rng)
    t0 = time.perf_counter()
    harness(
        "run",
        "model=lead",
        "dataset=local",
        f"dataset.path={data}",
        "dataset.facts_field=facts",
        "metrics=[rouge,support,facts]",
        f"results_dir={work / 'runs'}",
    )
    run_s = time.perf_counter() - t0
    (lead,) = [p.parent for p in (work / "runs").rglob("run.json")]
    for k in range(1, args.runs):
        variant(lead, work / "sweep" / f"model-{k}", f"model-{k}", rng)
    shutil.copytree(lead, work / "sweep" / "lead")
    out = work / "report.html"
    t0 = time.perf_counter()
    harness("report", str(work / "sweep"), "--out", str(out), "--force")
    build_s = time.perf_counter() - t0
    print(f"{args.runs} runs x {args.docs} documents (lead-3 run: {run_s:.1f} s; report written in {build_s:.1f} s)")
    print(f"file size: {out.stat().st_size / 1e6:.2f} MB")
    for name, value in measure(out, args.repeats).items():
        print(f"{name}: {value:.0f}")
    print(f"page: {out}")


if __name__ == "__main__":
    main()
