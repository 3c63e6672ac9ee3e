"""The bullet parser on outputs in the shapes real summarizers produce (harness.text.bullets)."""

from __future__ import annotations

import json

import pytest
from conftest import shared_file

from harness.text.bullets import ParsedBullets, as_markdown, chat_messages, parse_bullets

# The table of reply shapes lives in tests/bullet_corpus.py (test_bullets_corpus.py runs it).


def test_set_aside_parts_are_reported() -> None:
    parsed = parse_bullets(
        "<think>find facts</think>\n## Summary\n- Budget:\n  - The council approved $2.1 billion.\n"
        "**Schools**\n- A library opens in May.\nOverall, a calm year."
    )
    assert parsed.bullets == ("Budget: The council approved $2.1 billion.", "A library opens in May.")
    assert parsed.set_aside() == {
        "preamble": "## Summary",
        "outro": "Overall, a calm year.",
        "headings": ["**Schools**"],
        "sub_points": [[0, "The council approved $2.1 billion."]],
        "reasoning": "find facts",
    }
    assert parsed.is_list and not parse_bullets("One. Two.").is_list


def test_rendered_bullets_parse_back_to_themselves() -> None:
    bullets = ("Budget: The council approved $2.1 billion. Taxes rise 3%.", "Overall, a calm year.")
    assert (
        as_markdown(bullets) == "- Budget: The council approved $2.1 billion. Taxes rise 3%.\n- Overall, a calm year."
    )
    assert parse_bullets(as_markdown(bullets)).bullets == bullets


def test_preamble_text_is_returned() -> None:
    parsed = parse_bullets("Sure! Here are 3 bullet points summarizing the article:\n\n- The strike ended on Tuesday.")
    assert parsed.preamble == "Sure! Here are 3 bullet points summarizing the article:"
    assert parse_bullets("**Summary:**\n- The strike ended.").preamble == "**Summary:**"


def test_result_is_frozen() -> None:
    parsed = parse_bullets("- The strike ended.")
    with pytest.raises(AttributeError):
        parsed.bullets = ()  # type: ignore[misc]
    assert isinstance(parsed, ParsedBullets)


def test_chat_messages() -> None:
    assert chat_messages("Be brief.", "Summarize.") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Summarize."},
    ]
    assert chat_messages("", "Summarize.") == [{"role": "user", "content": "Summarize."}]


def test_real_system_outputs_parse_to_sentences() -> None:
    """SummEval's 16 systems write plain (tokenized) paragraphs: no chatter, 1-7 sentences each."""
    path = shared_file("summeval/summeval.jsonl")
    with path.open(encoding="utf-8") as f:
        outputs = [json.loads(line)["summary"] for line in f]
    parsed = [parse_bullets(text) for text in outputs]
    assert all(p.style == "paragraph" and not p.preamble for p in parsed)
    assert all(1 <= len(p.bullets) <= 8 for p in parsed)
    three_or_four = sum(len(p.bullets) in (3, 4) for p in parsed)
    assert three_or_four >= 0.6 * len(parsed)  # CNN/DM-trained systems mostly write 3-4 sentences
