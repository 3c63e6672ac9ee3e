"""Bullet-aware metrics: `format` (not applicable to prose nobody asked to be bullets, length
limits, truncation, redundancy) and `extractive` (n-grams never span two bullets)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.metrics.extractive import Extractiveness
from harness.metrics.format import BULLET_FIELDS, BulletFormat, FormatOptions, most_redundant_pair
from harness.records import Example, Summary
from harness.text.bullets import asks_for_bullets, parse_bullets

REPO = Path(__file__).resolve().parents[1]
SOURCE = "The council approved a budget on Monday. Taxes will rise 3 percent. A library opens in May."


def summary(raw: str, **extra) -> Summary:
    parsed = parse_bullets(raw)
    return Summary("d", raw, parsed.bullets, parsed.preamble, parsed.outro, parsed.style, parsed.unfinished, **extra)


def score(s: Summary, **options):
    return BulletFormat(FormatOptions(**options)).score([Example("d", SOURCE)], [s])[0]


PROSE = "The council approved a budget. Taxes will rise 3 percent."


def test_prose_produced_elsewhere_is_not_applicable_with_the_reason():
    row = score(summary(PROSE, finish_reason="precomputed", bullets_requested=True))
    assert all(row.values[f] is None for f in BULLET_FIELDS)
    assert set(row.not_applicable) == set(BULLET_FIELDS)
    assert "produced elsewhere" in row.not_applicable["compliant"] and "prose" in row.not_applicable["compliant"]
    assert row.values["truncated"] == 0.0 and row.values["preamble"] == 0.0  # still measured


def test_prose_when_the_prompt_did_not_ask_for_bullets_is_not_applicable():
    row = score(summary(PROSE, finish_reason="stop", bullets_requested=False))
    assert row.values["compliant"] is None
    assert row.not_applicable["compliant"].endswith("the prompt did not ask for bullets")


def test_prose_when_bullets_were_asked_fails_the_checks():
    row = score(summary(PROSE, finish_reason="stop", bullets_requested=True))
    assert row.values["compliant"] == 0.0 and row.values["bullets"] == 2.0 and not row.not_applicable


def test_an_explicit_option_overrides_produced_elsewhere():
    row = score(summary(PROSE, finish_reason="precomputed"), bullets_requested=True)
    assert row.values["compliant"] == 0.0


def test_a_list_is_checked_whoever_produced_it():
    row = score(summary("- A.\n- B.\n- C.", finish_reason="precomputed", bullets_requested=False))
    assert row.values["compliant"] == 1.0 and row.values["bullets"] == 3.0


def test_per_bullet_length_against_the_limits():
    s = summary("- The council approved a budget on Monday.\n- Taxes rise. Libraries open.\n- Short one.")
    row = score(s, max_words_per_bullet=5, max_sentences_per_bullet=1)
    # 7 words (too long), 2 sentences (too many), 2 words (fine)
    assert [x["within_limits"] for x in row.details["lengths"]] == [False, False, True]
    assert row.values["length_compliant"] == pytest.approx(1 / 3)
    assert score(s, max_words_per_bullet=None, max_sentences_per_bullet=None).values["length_compliant"] is None


@pytest.mark.parametrize(
    "raw, finish_reason, truncated",
    [
        ("- The council approved a budget.\n- Taxes will rise 3 percent for", "stop", 1.0),  # unfinished last bullet
        ("- The council approved a budget.\n- Taxes will rise 3 percent.", "length", 1.0),  # the backend says so
        ("- The council approved a budget.\n- Taxes will rise 3 percent.", "stop", 0.0),
        ("- Council approves budget\n- Taxes rise", "stop", 0.0),  # no stops anywhere: finished
    ],
)
def test_truncated(raw, finish_reason, truncated):
    assert score(summary(raw, finish_reason=finish_reason)).values["truncated"] == truncated


def test_redundancy_finds_the_repeated_point():
    value, pair = most_redundant_pair(
        ["Taxes will rise 3 percent.", "A library opens in May.", "Taxes rise by 3 percent."]
    )
    assert value == pytest.approx(1.0) and pair == (0, 2)
    value, pair = most_redundant_pair(["Taxes will rise 3 percent.", "A library opens in May."])
    assert value == 0.0
    assert most_redundant_pair(["Only one."]) == (None, None)


def test_extractive_ngrams_never_span_two_bullets():
    lead = summary(
        "- The council approved a budget on Monday.\n- Taxes will rise 3 percent.\n- A library opens in May."
    )
    row = Extractiveness().score([Example("d", SOURCE.replace(". ", ". Officials said so. "))], [lead])[0].values
    # every bullet is a source sentence: fully extractive, even where two bullets were not adjacent in the source
    assert row["coverage"] == 1.0 and row["novel_1gram"] == row["novel_2gram"] == row["novel_3gram"] == 0.0


@pytest.mark.parametrize("prompt, asks", [("bullets3", True), ("bullets5", True), ("tldr", False)])
def test_shipped_prompts_say_whether_they_ask_for_bullets(prompt, asks):
    config = yaml.safe_load((REPO / "conf" / "prompt" / f"{prompt}.yaml").read_text())
    assert asks_for_bullets(config["template"], config.get("system", "")) is asks


def test_the_article_inside_a_prompt_does_not_count_as_asking():
    assert not asks_for_bullets("{source}\n\nTL;DR:")
    assert asks_for_bullets("List the key points of the article as a numbered list.\n{source}")


def test_a_three_bullet_answer_with_two_sub_points_is_compliant():
    raw = (
        "- The council approved a budget:\n  - Schools get $400 million.\n  - Roads get $150 million.\n"
        "- Taxes will rise 3 percent.\n- A library opens in May."
    )
    row = score(summary(raw, finish_reason="stop", bullets_requested=True), n_bullets=3)
    assert row.values["bullets"] == 3.0 and row.values["compliant"] == 1.0


def test_rows_of_older_runs_are_read_with_what_they_lack_re_derived():
    from harness.run.pipeline import summary_from_row
    from harness.run.record import GenerationRow

    old_row = {
        "doc_id": "d",
        "raw": "- Taxes rise 3 percent.\n- A library opens in",
        "bullets": ["Taxes rise 3 percent.", "A library opens in"],
        "preamble": "",
        "outro": "",
        "style": "dash",
        "finish_reason": "stop",
        "truncated": False,
    }
    s = summary_from_row(GenerationRow.from_json(old_row, "generations.jsonl:1"))
    assert s.unfinished and s.style == "dash" and s.bullets_requested is None
    assert score(s).values["truncated"] == 1.0
    prose_row = {**old_row, "raw": PROSE, "bullets": [PROSE], "style": "paragraph"}
    prose = summary_from_row(GenerationRow.from_json(prose_row, "generations.jsonl:1"))
    assert score(prose).values["compliant"] == 0.0  # a backend answered the run's (bullet) prompt, as before
    assert score(summary(PROSE)).values["compliant"] is None  # no backend at all (meta-eval): not asked
