"""Bullet format: the bullet count against the request, per-bullet length against the prompt's
limits, chatter set aside, cut-off outputs, and repeated points.

Bullet checks apply to bullet lists, and to any output when the prompt asked for bullets (a
paragraph then fails them). A prose summary that nobody asked to write bullets (a summarizer
whose outputs were produced elsewhere, or a prompt such as `tldr`) gets no bullet score: those
fields are None with the reason, never a 0 that reads like a defect.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from harness.metrics.base import Metric, Scored
from harness.records import Example, Summary
from harness.text.bullets import is_list_style, parse_bullets
from harness.text.tokens import STOPWORDS, reader_words, split_sentences, stemmed_tokens

PRODUCED_ELSEWHERE = "precomputed"  # the finish reason of outputs read from a file
CUT_OFF = "length"  # the finish reason of an output stopped by the token limit
# Not applicable to prose nobody asked to be bullets (redundancy: its "bullets" are sentences).
BULLET_FIELDS = ("bullets", "compliant", "words_per_bullet", "length_compliant", "redundancy")


@dataclass
class FormatOptions:
    n_bullets: int = 3  # the count the prompt asked for
    # The prompt's per-bullet limits (None: no limit of that kind).
    max_words_per_bullet: int | None = None
    max_sentences_per_bullet: int | None = 1
    # Whether bullets were asked for. None: from the prompt's wording, recorded per generation;
    # outputs produced elsewhere (precomputed, meta-eval) count as not asked unless this is true.
    bullets_requested: bool | None = None


class BulletFormat(Metric):
    name = "format"
    fields = {
        "bullets": "number of bullets parsed from the output (None for prose nobody asked to be bullets)",
        "compliant": "1 if the bullet count equals the requested count, else 0 (None: not applicable)",
        "words_per_bullet": "mean words per bullet, as a reader counts them (None: not applicable)",
        "length_compliant": "share of bullets within the prompt's per-bullet limits (sentences, words)",
        "preamble": "1 if text before the bullets was set aside (e.g. 'Here is a summary:')",
        "outro": "1 if text after the bullets was set aside (e.g. 'Overall, ...', 'Let me know ...')",
        "truncated": "1 if the output was cut off: finish reason 'length' or a last bullet stopping mid-sentence",
        "redundancy": "highest content-word overlap (Dice) between two bullets of the summary; 1 = a repeated point (None: not applicable)",
    }
    no_direction = frozenset({"bullets", "words_per_bullet"})
    lower_is_better = frozenset({"preamble", "outro", "truncated", "redundancy"})
    headline = ("compliant",)
    ranges = {
        **dict.fromkeys(("compliant", "length_compliant", "preamble", "outro", "truncated", "redundancy"), (0.0, 1.0)),
        **dict.fromkeys(("bullets", "words_per_bullet"), (0.0, None)),
    }
    Options = FormatOptions

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        return [self.score_one(summary) for summary in summaries]

    def score_one(self, summary: Summary) -> Scored:
        style, unfinished = summary.style, summary.unfinished
        if style is None:  # bullets made outside the parser (meta-eval): read the raw text
            parsed = parse_bullets(summary.raw)
            style, unfinished = parsed.style, parsed.unfinished
        bullets = summary.bullets
        truncated = summary.finish_reason == CUT_OFF or summary.truncated or unfinished
        redundancy, pair = most_redundant_pair(bullets)
        values: dict[str, float | None] = {
            "preamble": float(bool(summary.preamble)),
            "outro": float(bool(summary.outro)),
            "truncated": float(truncated),
            "redundancy": redundancy,
        }
        details: dict[str, object] = {"style": style}
        if pair:
            details["redundant_pair"] = list(pair)
        reason = self.not_applicable(summary, style)
        if reason:
            values.update(dict.fromkeys(BULLET_FIELDS))
            details.pop("redundant_pair", None)
            details["not_applicable"] = reason
            return Scored(values, details, dict.fromkeys(BULLET_FIELDS, reason))

        lengths = [self.length(b) for b in bullets]
        n = len(bullets)
        values["bullets"] = float(n)
        values["compliant"] = float(n == self.options.n_bullets)
        values["words_per_bullet"] = sum(x["words"] for x in lengths) / n if n else None
        limited = self.options.max_words_per_bullet is not None or self.options.max_sentences_per_bullet is not None
        values["length_compliant"] = sum(x["within_limits"] for x in lengths) / n if n and limited else None
        details["lengths"] = lengths
        not_applicable = {}
        if values["length_compliant"] is None:
            not_applicable["length_compliant"] = "no bullets" if not n else "the prompt sets no per-bullet limit"
        if values["words_per_bullet"] is None:
            not_applicable["words_per_bullet"] = "no bullets"
        return Scored(values, details, not_applicable)

    def not_applicable(self, summary: Summary, style: str) -> str | None:
        """Why bullet checks do not apply to this summary, or None when they do."""
        if is_list_style(style):
            return None  # a list: checked whoever asked for it
        requested = self.options.bullets_requested
        if requested is None and summary.finish_reason == PRODUCED_ELSEWHERE:
            requested = False
        elif requested is None:
            # Unknown for runs recorded before prompts were read for it: a harness backend
            # answered the run's prompt (bullets, as before); no backend at all (meta-eval): not asked.
            requested = (
                summary.bullets_requested
                if summary.bullets_requested is not None
                else summary.finish_reason is not None
            )
        if requested:
            return None
        written = "prose" if style == "paragraph" else "empty"
        if summary.finish_reason == PRODUCED_ELSEWHERE:
            return f"the output is {written}, not a bullet list, and was produced elsewhere (precomputed): no bullet format was asked of it"
        return f"the output is {written}, not a bullet list, and the prompt did not ask for bullets"

    def length(self, bullet: str) -> dict[str, int | bool]:
        words = len(reader_words(bullet))
        sentences = len(split_sentences(bullet))
        o = self.options
        within = (o.max_words_per_bullet is None or words <= o.max_words_per_bullet) and (
            o.max_sentences_per_bullet is None or sentences <= o.max_sentences_per_bullet
        )
        return {"words": words, "sentences": sentences, "within_limits": within}


def content_words(text: str) -> set[str]:
    return {t for t in stemmed_tokens(text) if t not in STOPWORDS}


def dice(shared: int, size_a: int, size_b: int) -> float:
    """Dice overlap of two word sets (not both empty) from their sizes and how many words they share."""
    return 2 * shared / (size_a + size_b)


def most_redundant_pair(bullets: Sequence[str]) -> tuple[float | None, tuple[int, int] | None]:
    """The highest Dice overlap of content words between two bullets, and the first two (in
    list order) that reach it (None: < 2 bullets).

    Every pair took minutes for thousands of bullets. Only bullets sharing a word overlap above
    0, so each bullet meets the earlier ones that hold one of its words, except its most common
    word's: an earlier bullet sharing only that word overlaps by exactly one word, so the
    smallest of them is the best (kept per word as it goes). A repeat (Dice 1) is found by hashing.
    """
    if len(bullets) < 2:
        return None, None
    words = [content_words(b) for b in bullets]
    first: dict[frozenset[str], int] = {}
    repeats = [(first[k], j) for j, k in enumerate(map(frozenset, words)) if k and first.setdefault(k, j) != j]
    if repeats:
        return 1.0, min(repeats)
    best = (0.0, (0, 1))  # no word shared: every pair scores 0
    holders: dict[str, list[int]] = {}  # word -> the earlier bullets holding it
    smallest: dict[str, tuple[int, int]] = {}  # word -> (size, index) of the smallest of them
    for j, w in enumerate(words):
        if w:
            common = max(w, key=lambda word: (len(holders.get(word, ())), word))
            rare = [holders.get(word, []) for word in w if word != common]
            # (overlap, -i): the highest overlap with bullet j, the first bullet on a tie
            if sum(map(len, rare)) > j:  # many words in common: meeting every earlier bullet costs less
                found = [max((dice(len(words[i] & w), len(words[i]), len(w)), -i) for i in range(j))]
            else:
                met = Counter(i for held in rare for i in held)
                shared = ((dice(n + (common in words[i]), len(words[i]), len(w)), -i) for i, n in met.items())
                found = [max(shared, default=(-1.0, 0))]
            if common in smallest:  # shares `common` alone, or is in `met` with a higher overlap
                size, i = smallest[common]
                found.append((dice(1, size, len(w)), -i))
            overlap, minus_i = max(found)
            if overlap > best[0] or (overlap == best[0] and (-minus_i, j) < best[1]):
                best = (overlap, (-minus_i, j))
        for word in w:
            holders.setdefault(word, []).append(j)
            smallest[word] = min(smallest.get(word, (len(w), j)), (len(w), j))
    return best
