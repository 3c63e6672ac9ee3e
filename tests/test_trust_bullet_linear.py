"""Attack: replies of many words. Parsing bullets must take time linear in the reply's length.

No clock: every compiled pattern of the parser's modules is wrapped in a counter of the
characters it is given (a regex reads at most about that many), and the count must grow like
the reply (twice the words, about twice the characters read). Before the fix a wrapped item or
wrapped paragraph was re-read in full at every new line: four times the work for twice the words.
Timings are in bench/bullet_parse_speed.md.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.text import bullets, reply_lines, tokens


class Counted:
    """A compiled pattern that adds the length of every string it reads to `reads`."""

    reads = 0

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.pattern, name)
        if not callable(method):
            return method

        def counted(*args: Any, **kwargs: Any) -> Any:
            text = next((a for a in args if isinstance(a, str)), "")
            Counted.reads += len(text)
            return method(*args, **kwargs)

        return counted


@pytest.fixture
def count_reads(monkeypatch) -> None:
    for module in (bullets, reply_lines, tokens):
        for name, value in list(vars(module).items()):
            if isinstance(value, re.Pattern):
                monkeypatch.setattr(module, name, Counted(value))
    markers = [(family, Counted(pattern)) for family, pattern in reply_lines._MARKERS]
    monkeypatch.setattr(reply_lines, "_MARKERS", markers)


SENTENCE = "The council approved the budget on Monday after a long debate."


def reply(shape: str, words: int) -> str:
    n = max(1, words // 10)
    if shape == "wrapped item":  # one list item hard-wrapped over many lines, no stop
        return "- The council approved\n" + "\n".join("the plan for parks and" for _ in range(n))
    if shape == "wrapped paragraph":
        return "Council budget news\n" + "\n".join("and more money for the schools" for _ in range(n))
    if shape == "list":
        return "Here is the summary:\n" + "\n".join(f"- {SENTENCE}" for _ in range(n))
    if shape == "sub-points":
        return "\n".join(f"1. **Budget {i}**\n   - {SENTENCE}\n   - {SENTENCE}" for i in range(n // 2))
    if shape == "headings":
        return "\n".join(f"### Part {i}\n{SENTENCE}" for i in range(n))
    if shape == "paragraph":
        return " ".join(SENTENCE for _ in range(n))
    if shape == "no stop":
        return " ".join("word" for _ in range(words))
    raise ValueError(shape)


def reads_for(text: str) -> int:
    Counted.reads = 0
    bullets.parse_bullets(text)
    return Counted.reads


SHAPES = ["wrapped item", "wrapped paragraph", "list", "sub-points", "headings", "paragraph", "no stop"]


@pytest.mark.parametrize("shape", SHAPES)
def test_parsing_work_grows_linearly(count_reads, shape: str) -> None:
    small, large = reply(shape, 4000), reply(shape, 8000)
    reads_small, reads_large = reads_for(small), reads_for(large)
    growth = (reads_large / len(large)) / (reads_small / len(small))  # 1.0 when linear
    assert growth < 1.25, f"{shape}: reads per character grew {growth:.2f}x for twice the words"
    assert reads_large < 100 * len(large), f"{shape}: {reads_large / len(large):.0f} reads per character"


def test_the_counter_sees_a_quadratic_reader(count_reads) -> None:
    """The counter itself: re-reading a growing text at every line shows up as growth."""

    def quadratic(text: str) -> None:
        seen = ""
        for line in text.splitlines():
            seen += line
            reply_lines._SPACES.search(seen)

    def growth() -> float:
        sizes = []
        for words in (4000, 8000):
            Counted.reads = 0
            text = reply("wrapped item", words)
            quadratic(text)
            sizes.append(Counted.reads / len(text))
        return sizes[1] / sizes[0]

    assert growth() > 1.8


def test_parsing_a_long_reply_keeps_every_word() -> None:
    text = reply("wrapped item", 20_000)
    parsed = bullets.parse_bullets(text)
    assert len(parsed.bullets) == 1
    assert parsed.bullets[0].split() == [w for w in text.split() if w != "-"]
