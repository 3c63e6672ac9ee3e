"""`support`: model-free check that each bullet is stated by the source.

A bullet's score blends the share of its content words and the share of its word bigrams found
in its best-supporting source sentence, or in two or three sentences that each state one part of
it (a fused sentence; a speaker is never cut from what they said). Numbers are compared in one
written form ("$48 million" == "48m dollars", "about 22,000" == "22000", "five per cent" == "5%").
Each number or capitalised name that the source never mentions halves the score, and so do a
negation and a named speaker that the evidence lacks.

Lexical: it rewards copying the source and cannot see most paraphrase, reversals ("rose" for
"fell") or an entity swapped for another the article names (its `method`, shown under every
comparison). The design and its numbers: bench/meta_eval.md ("Source-fact metrics") and
bench/faithfulness_modelfree.md (numbers, three-sentence fusion, negation, speakers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from harness.metrics.bullet_support import Aggregate, BulletSupportMetric, BulletVerdict
from harness.metrics.lexical import CACHED_PASSAGES, Alignment, Passage, align, content, source_passages, tokens
from harness.records import Example, Summary
from harness.text.tokens import (
    _STEMMED_TOKEN,  # the tokenizer's word pattern: marked words are whole tokens
    _Memo,
    word_tokens,
)


def matched_words(bullet: str, sentence: str) -> list[str]:
    """The sentence's words, as written, whose token is one of the bullet's content words (what
    the report marks in the evidence), each once, in order. A number and the scale word after it
    are one token ("48 million" is 48000000): both are marked when it matches."""
    wanted = set(content(tokens(bullet)))
    written = _STEMMED_TOKEN.findall(sentence)
    forms = list(map(_FIRST_TOKEN.__getitem__, written))
    # Only the words whose token is wanted, or is a number, are visited (few): the others are
    # passed over in C (compress) instead of tested one by one.
    if not any(t[0].isdigit() for t in wanted):  # no number to match across two words: each word alone
        return list(dict.fromkeys(w for w in compress(written, map(wanted.__contains__, forms)) if w[0].isalnum()))
    visit = wanted | {t for t in forms if t is not None and t[0].isdigit()}
    marked = []
    for k in compress(range(len(forms)), map(visit.__contains__, forms)):
        word, form = written[k], forms[k]
        if form in wanted and word[0].isalnum():  # a "$" or "%" sign is not marked on its own
            marked.append(word)
        elif form is not None and form[0].isdigit() and k + 1 < len(written):
            if _FIRST_TOKEN[f"{word} {written[k + 1]}"] in wanted:
                marked += [word, written[k + 1]]
    return list(dict.fromkeys(marked))


def _first_token(word: str) -> str | None:
    """A written word's token (None: it has none)."""
    toks = word_tokens(word)
    return toks[0] if toks else None


# The same words recur in evidence sentences: looked up as a plain dict (a bounded memo).
_FIRST_TOKEN: _Memo[str | None] = _Memo(_first_token, 1 << 16)


@dataclass
class SupportOptions:
    threshold: float = 0.52  # a bullet scoring below this is counted as unsupported (bench/faithfulness_modelfree.md)
    aggregate: Aggregate = "mean"  # over bullets: mean, or min (the weakest bullet)
    fusion: bool = True  # a bullet may be supported by two or three sentences, one part each
    min_segment: int = 10  # tokens in each part of a bullet fused from two sentences (clause-sized)
    three_part_segment: int = 6  # tokens in each part of a bullet fused from three sentences (0: none)
    novel_penalty: float = 0.5  # score factor per number/name absent from the source
    word_weight: float = 0.5  # content-word share vs bigram share in a bullet's coverage


class Support(BulletSupportMetric):
    name = "support"
    method = "lexical"
    Options = SupportOptions

    def verdicts(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[list[BulletVerdict]]:
        # Block by block, one step at a time over each block (passages, then alignments, then
        # matched words): faster than pair by pair, and a block's passages bound the memory held.
        out = []
        for at in range(0, len(examples), PAIRS_PER_BLOCK):
            out += self._block(examples[at : at + PAIRS_PER_BLOCK], summaries[at : at + PAIRS_PER_BLOCK])
        return out

    def _block(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[list[BulletVerdict]]:
        o = self.options
        passages = source_passages([example.source for example in examples])
        alignments = [
            [
                align(bullet, passage, o.fusion, o.min_segment, o.novel_penalty, o.word_weight, o.three_part_segment)
                for bullet in summary.bullets
            ]
            for passage, summary in zip(passages, summaries)
        ]
        return [
            [_verdict(bullet, passage, a) for bullet, a in zip(summary.bullets, aligned)]
            for passage, summary, aligned in zip(passages, summaries, alignments)
        ]


# Pairs scored together, one step at a time (Support.verdicts): the size of the passage cache.
PAIRS_PER_BLOCK = CACHED_PASSAGES


def _verdict(bullet: str, passage: Passage, a: Alignment) -> BulletVerdict:
    extra = {
        "evidence_index": a.evidence,
        "coverage": round(a.coverage, 4),
        "matched": [matched_words(bullet, passage.sentences[i]) for i in a.evidence],
    }
    if a.novel_numbers:
        extra["novel_numbers"] = a.novel_numbers
    if a.novel_names:
        extra["novel_names"] = a.novel_names
    if a.novel_negation:
        extra["novel_negation"] = True
    if a.other_speaker:
        extra["other_speaker"] = a.other_speaker
    return BulletVerdict(a.score, [passage.sentences[i] for i in a.evidence], extra)
