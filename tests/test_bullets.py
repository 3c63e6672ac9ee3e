"""The bullet parser on outputs in the shapes real summarizers produce (harness.bullets)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_file
from harness.bullets import STYLES, ParsedBullets, chat_messages, parse_bullets

BUDGET = ["The council approved a $2.1 billion budget.", "Property taxes will rise 3 percent.", "A new library opens in May."]
STRIKE = ["The strike ended on Tuesday.", "Trains run again on Friday."]

# (case id, raw output, expected bullets, preamble expected non-empty, expected style)
CASES = [
    # --- instruction-tuned chat models (Qwen, Llama, GPT) ---
    ("dash list, no chatter", "- " + "\n- ".join(BUDGET), BUDGET, False, "dash"),
    ("llama star list with preamble",
     "Here are 3 bullet points summarizing the article:\n\n* " + "\n* ".join(BUDGET), BUDGET, True, "star"),
    ("sure + preamble + outro",
     "Sure! Here are 3 bullet points summarizing the article:\n\n- " + "\n- ".join(BUDGET)
     + "\n\nLet me know if you need anything else!", BUDGET, True, "dash"),
    ("bullet characters", "• Floods forced 2,000 people from their homes.\n• Rescue teams worked overnight.",
     ["Floods forced 2,000 people from their homes.", "Rescue teams worked overnight."], False, "bullet_char"),
    ("triangular bullets", "‣ The strike ended on Tuesday.\n‣ Trains run again on Friday.", STRIKE, False, "bullet_char"),
    ("bullet glued to text", "•The strike ended on Tuesday.\n•Trains run again on Friday.", STRIKE, False, "bullet_char"),
    ("en-dash list", "– The strike ended on Tuesday.\n– Trains run again on Friday.", STRIKE, False, "dash"),
    ("numbered with dots", "1. The strike ended on Tuesday.\n2. Trains run again on Friday.", STRIKE, False, "numbered"),
    ("numbered with parens", "1) The strike ended on Tuesday.\n2) Trains run again on Friday.", STRIKE, False, "numbered"),
    ("numbered in brackets", "(1) The strike ended on Tuesday.\n(2) Trains run again on Friday.", STRIKE, False, "numbered"),
    ("bold numbers", "**1.** The strike ended on Tuesday.\n**2.** Trains run again on Friday.", STRIKE, False, "numbered"),
    ("gpt bold heading and bold labels",
     "**Summary:**\n\n- **Budget:** The council approved $2.1 billion.\n- **Taxes:** Property taxes rise 3%.",
     ["Budget: The council approved $2.1 billion.", "Taxes: Property taxes rise 3%."], True, "dash"),
    ("markdown heading", "## Key Points\n\n- The strike ended on Tuesday.\n- Trains run again on Friday.", STRIKE, True, "dash"),
    ("plain title line before list", "Summary\n\n- The strike ended on Tuesday.\n- Trains run again on Friday.", STRIKE, True, "dash"),
    ("bold phrase inside a star bullet", "* **The strike ended** on Tuesday.\n* Trains run again on *Friday*.",
     ["The strike ended on Tuesday.", "Trains run again on *Friday*."], False, "star"),
    ("whole-bullet emphasis", "- *The strike ended on Tuesday.*\n- __Trains run again on Friday.__", STRIKE, False, "dash"),
    ("qwen think block, list inside reasoning ignored",
     "<think>\nThe user wants bullets. Maybe:\n- mention taxes\n</think>\n\n- " + "\n- ".join(BUDGET), BUDGET, False, "dash"),
    ("think opened in the prompt, only the closing tag in the output",
     "Okay, let me find the key facts.\n</think>\n\n- The strike ended on Tuesday.\n- Trains run again on Friday.",
     STRIKE, False, "dash"),
    ("wrapped bullet joined", "- The council approved a budget of $2.1 billion\n  after a six-hour debate.\n- Taxes will rise.",
     ["The council approved a budget of $2.1 billion after a six-hour debate.", "Taxes will rise."], False, "dash"),
    ("last bullet wrapped", "- Trains run again on Friday.\n- The strike ended after\nthree weeks of talks.",
     ["Trains run again on Friday.", "The strike ended after three weeks of talks."], False, "dash"),
    ("blank lines between bullets", "- The strike ended on Tuesday.\n\n- Trains run again on Friday.\n", STRIKE, False, "dash"),
    ("surrounding whitespace", "   \n\n  - The strike ended on Tuesday.  \n   - Trains run again on Friday.\n\n", STRIKE, False, "dash"),
    ("windows line endings", "- The strike ended on Tuesday.\r\n- Trains run again on Friday.\r\n", STRIKE, False, "dash"),
    ("code fence around list", "```\n- The strike ended on Tuesday.\n- Trains run again on Friday.\n```", STRIKE, False, "dash"),
    ("nested list under a label",
     "- Budget:\n  - The council approved $2.1 billion.\n  - Taxes rise 3%.\n- A library opens in May.",
     ["The council approved $2.1 billion.", "Taxes rise 3%.", "A library opens in May."], False, "dash"),
    # --- seq2seq models (BART, Pegasus, T5) ---
    ("bart paragraph",
     ' The city council approved a $2.1 billion budget on Monday. Property taxes will rise 3 percent. '
     'Mayor Jane Ortiz called it "a responsible plan."',
     ["The city council approved a $2.1 billion budget on Monday.", "Property taxes will rise 3 percent.",
      'Mayor Jane Ortiz called it "a responsible plan."'], False, "paragraph"),
    ("bart special tokens", "<s> The strike ended on Tuesday. Trains run again on Friday.</s>", STRIKE, False, "paragraph"),
    ("pegasus <n> separators", "<n>".join(BUDGET), BUDGET, False, "lines"),
    ("pegasus <n> with spaces", "The strike ended on Tuesday. <n> Trains run again on Friday.", STRIKE, False, "lines"),
    ("t5 lowercased tokenized paragraph",
     "the city council approved a $ 2.1 billion budget . property taxes will rise 3 percent .",
     ["the city council approved a $ 2.1 billion budget .", "property taxes will rise 3 percent ."], False, "paragraph"),
    ("abbreviations inside a paragraph",
     "Dr. Ruth Chen of St. Mary's Hospital led the study. It found a 12.5% drop in infections.",
     ["Dr. Ruth Chen of St. Mary's Hospital led the study.", "It found a 12.5% drop in infections."], False, "paragraph"),
    ("truncated output ending in a dangling label",
     "A father and daughter pose in front of Japanese landmarks . Related :",
     ["A father and daughter pose in front of Japanese landmarks ."], False, "paragraph"),
    # --- extractive baselines: one sentence per line ---
    ("lead baseline lines",
     "Mr. Smith arrived in Washington on Monday.\nHe met Dr. Jones at 3 p.m.\nThe talks lasted two hours.",
     ["Mr. Smith arrived in Washington on Monday.", "He met Dr. Jones at 3 p.m.", "The talks lasted two hours."],
     False, "lines"),
    ("tokenized CNN/DM lines",
     "Gary Locke will be confirmed as Kilmarnock boss on Friday .\n"
     "The club went unbeaten during Locke 's first six games in charge .",
     ["Gary Locke will be confirmed as Kilmarnock boss on Friday .",
      "The club went unbeaten during Locke 's first six games in charge ."], False, "lines"),
    ("PTB brackets are not dash markers",
     "-lrb- CNN -rrb- The strike ended .\n-lrb- AP -rrb- Trains run again .",
     ["-lrb- CNN -rrb- The strike ended .", "-lrb- AP -rrb- Trains run again ."], False, "lines"),
    ("negative number is not a marker", "-5 degrees is the forecast low.\nSnow is expected.",
     ["-5 degrees is the forecast low.", "Snow is expected."], False, "lines"),
    # --- chatter without list markers ---
    ("inline Summary: prefix", "Summary: The strike ended on Tuesday. Trains run again on Friday.", STRIKE, True, "paragraph"),
    ("TL;DR prefix", "TL;DR: The strike ended and trains run again on Friday.",
     ["The strike ended and trains run again on Friday."], True, "paragraph"),
    ("here-is sentence before paragraph",
     "Here is a summary of the article. The strike ended on Tuesday. Trains run again on Friday.", STRIKE, True, "paragraph"),
    ("sure line then paragraph", "Sure! Here's a short summary.\n\nThe strike ended on Tuesday. Trains run again on Friday.",
     STRIKE, True, "paragraph"),
    ("bold title then lines", "**Summary**\nThe strike ended on Tuesday.\nTrains run again on Friday.", STRIKE, True, "lines"),
    ("colon preamble then lines",
     "Here are the key points:\nThe strike ended on Tuesday.\nTrains run again on Friday.\nUnions claimed victory.",
     STRIKE + ["Unions claimed victory."], True, "lines"),
    ("prose paragraphs are split into sentences",
     "The strike ended on Tuesday. Workers won a raise.\n\nTrains run again on Friday. Commuters cheered.",
     ["The strike ended on Tuesday.", "Workers won a raise.", "Trains run again on Friday.", "Commuters cheered."],
     False, "paragraph"),
    ("one-sentence paragraphs are lines", "The strike ended on Tuesday.\n\nTrains run again on Friday.", STRIKE, False, "lines"),
    # --- nothing usable ---
    ("empty", "", [], False, "empty"),
    ("whitespace only", "  \n\t \n", [], False, "empty"),
    ("only a preamble", "Here is a summary:", [], True, "empty"),
    ("only reasoning", "<think>I am not sure what the article says.</think>", [], False, "empty"),
]


@pytest.mark.parametrize("raw,bullets,has_preamble,style", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_bullets(raw: str, bullets: list[str], has_preamble: bool, style: str) -> None:
    parsed = parse_bullets(raw)
    assert parsed.bullets == tuple(bullets)
    assert bool(parsed.preamble) is has_preamble, parsed.preamble
    assert parsed.style == style


# (case id, raw output, expected bullets, expected outro)
OUTRO_CASES = [
    ("chatter right after the list", "- The strike ended on Tuesday.\n- Trains run again on Friday.\nI hope this helps!",
     STRIKE, "I hope this helps!"),
    ("closing remark after a blank line",
     "1. The strike ended on Tuesday.\n2. Trains run again on Friday.\n\nThese bullet points capture the main facts.",
     STRIKE, "These bullet points capture the main facts."),
    ("note after the list",
     "- The strike ended on Tuesday.\n- Trains run again on Friday.\n\nNote: The article does not give a date.\nFeel free to ask!",
     STRIKE, "Note: The article does not give a date.\nFeel free to ask!"),
    ("chatter after lines", "The strike ended on Tuesday.\nTrains run again on Friday.\nLet me know if you'd like more detail.",
     STRIKE, "Let me know if you'd like more detail."),
    ("chatter ending a paragraph", "Summary: The strike ended on Tuesday. Trains run again on Friday. I hope this helps!",
     STRIKE, "I hope this helps!"),
    ("no chatter", "- The strike ended on Tuesday.\n- Trains run again on Friday.", STRIKE, ""),
]


@pytest.mark.parametrize("raw,bullets,outro", [c[1:] for c in OUTRO_CASES], ids=[c[0] for c in OUTRO_CASES])
def test_outro_is_kept_apart(raw: str, bullets: list[str], outro: str) -> None:
    parsed = parse_bullets(raw)
    assert parsed.bullets == tuple(bullets)
    assert parsed.outro == outro


def test_preamble_text_is_returned() -> None:
    parsed = parse_bullets("Sure! Here are 3 bullet points summarizing the article:\n\n- The strike ended on Tuesday.")
    assert parsed.preamble == "Sure! Here are 3 bullet points summarizing the article:"
    assert parse_bullets("**Summary:**\n- The strike ended.").preamble == "**Summary:**"


def test_result_is_frozen() -> None:
    parsed = parse_bullets("- The strike ended.")
    with pytest.raises(AttributeError):
        parsed.bullets = ()  # type: ignore[misc]
    assert isinstance(parsed, ParsedBullets)


_PIECES = st.sampled_from(
    ["- ", "* ", "• ", "1. ", "2) ", "**", "__", "\n", "\n\n", " ", "<n>", "<think>", "</think>", "Here is a summary:",
     "I hope this helps!", "The strike ended.", "Trains run", " Friday", ".", "?", ":", "-lrb-", "A", "b"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=25).map("".join))
def test_never_returns_empty_bullets(raw: str) -> None:
    parsed = parse_bullets(raw)
    assert parsed.style in STYLES
    assert all(b == b.strip() and any(ch.isalnum() for ch in b) for b in parsed.bullets)
    assert "\n" not in "".join(parsed.bullets)
    assert (parsed.style == "empty") == (not parsed.bullets)
    assert parse_bullets(raw) == parsed  # deterministic


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
