"""`harness report`: one HTML page with the table, CI plots and per-bullet evidence."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import run_cli

COPIED = "The work is expected to cost $48 million, of which $30 million will come from a national infrastructure grant."
INVENTED = "Opposition leader Marta Quell resigned in 1997 after a bribery scandal in Ostrava."


class Bullets(HTMLParser):
    """Collects the text of every <li> with its class."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []
        self._stack: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag == "li":
            self._stack.append([dict(attrs).get("class", ""), ""])

    def handle_data(self, data):
        for item in self._stack:
            item[1] += data

    def handle_endtag(self, tag):
        if tag == "li" and self._stack:
            self.items.append(tuple(self._stack.pop()))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("report")
    outputs = root / "outputs.jsonl"
    outputs.write_text(json.dumps({"doc_id": "demo-01-harbour-bridge", "summary": f"- {COPIED}\n- {INVENTED}"}) + "\n")
    common = ["metrics=[rouge,support,facts]", "dataset.limit=1", f"results_dir={root / 'runs'}"]
    run_cli("run", "model=lead", *common)
    run_cli("run", "model=precomputed", f"model.path={outputs}", "model.system=null", "model.label=mine", *common)
    run_cli("report", str(root / "runs"), "--out", str(root / "report.html"))
    return root / "report.html"


def test_report_marks_the_invented_bullet_unsupported_with_evidence_for_the_copied_one(report):
    page = report.read_text()
    parser = Bullets()
    parser.feed(page)
    copied = [cls for cls, text in parser.items if text.startswith(COPIED)]
    invented = [cls for cls, text in parser.items if text.startswith(INVENTED)]
    assert copied and set(copied) == {"supported"}  # in our run and in lead-3's
    assert invented == ["unsupported"]
    assert "↳ " + COPIED in page  # the copied bullet's evidence is its source sentence
    assert page.count("<img alt='forest_") >= 3 and page.count("data:image/svg+xml;base64,") >= 6
    assert "<td>mine</td>" in page and "<td>lead</td>" in page and "paired approximate randomization" in page
    assert "source facts" in page


def test_report_renders_in_a_real_browser(report, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("no Chromium on PATH (apt-get install chromium) to render the page")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert "class=\"unsupported\"" in dom and INVENTED in dom
    shot = tmp_path / "report.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1200,1600", report.as_uri()], capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000


def test_report_refuses_runs_over_different_data_and_keeps_an_unrelated_file(tmp_path):
    from test_compare import make_run

    make_run(tmp_path / "runs", "A", [0.5, 0.6, 0.7, 0.4], fingerprint="aaaa")
    make_run(tmp_path / "runs", "B", [0.4, 0.5, 0.6], fingerprint="bbbb")
    refused = run_cli("report", str(tmp_path / "runs"), "--out", str(tmp_path / "r.html"), check=False)
    assert refused.returncode == 2 and "not comparable" in refused.stderr and "--common-docs" in refused.stderr
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>")
    assert not (tmp_path / "r.html").exists()
