"""`support` gives the values of a plain loop implementation, to the last digit.

The reference below is the first implementation (alignment loop, evidence words), kept here as
the oracle of the vectorised one, extended as the metric was: no split next to a reporting verb,
and three-part fusion, each a plain loop over the splits. The metric and its alignment are
compared with it on real CNN/DailyMail articles (cnndm_pairs: reference bullets; SummEval: 16
systems' summaries per article) and on generated texts, for several options. The sentence
splitter and the tokenizer (with its number forms) are shared: they have their own tests
(tests/test_text.py), and are not what these tests are about. (Until the number forms were added
the reference had its own tokenizer, the first one, with NLTK's stemmer.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest
from conftest import shared_file
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.analysis.meta_eval.judgments import to_summary
from harness.metrics.lexical import NEGATION, REPORTED_WORDS, REPORTING, Passage, align
from harness.metrics.support import Support, SupportOptions, matched_words
from harness.records import Example, Summary
from harness.text.tokens import _STEMMED_TOKEN, STOPWORDS, join_numbers, split_sentences, stemmed_tokens

# ---- the reference: the first implementation, as it was ----

_STOPWORDS = STOPWORDS
_TOKEN = _STEMMED_TOKEN
_NAME = re.compile(r"[A-Z][a-z]*[A-Z0-9]\w*|[A-Z][a-z]+|[A-Z]{2,}")
_QUOTES = "\"'“”‘’()[]{},;"


def ref_join_numbers(text: str) -> str:
    return join_numbers(text)


def ref_tokens(text: str) -> list[str]:
    return stemmed_tokens(text)


def ref_splittable(toks):
    """ok[k]: no split before token k cuts a reporting verb from the REPORTED_WORDS content words
    before it or after it."""
    ok = [True] * (len(toks) + 1)
    for at, tok in enumerate(toks):
        if tok not in REPORTING:
            continue
        before = [i for i in range(at) if toks[i] not in STOPWORDS][-REPORTED_WORDS:]
        after = [i for i in range(at + 1, len(toks)) if toks[i] not in STOPWORDS][:REPORTED_WORDS]
        first = before[0] if len(before) == REPORTED_WORDS else 0
        last = after[-1] if len(after) == REPORTED_WORDS else len(toks) - 1
        for k in range(first + 1, last + 1):
            ok[k] = False
    return ok


def ref_content(toks: Sequence[str]) -> list[str]:
    return [t for t in toks if t not in _STOPWORDS]


def ref_names(text: str) -> list[str]:
    out = []
    opens_sentence = True
    for raw in text.split():
        word = raw.strip(_QUOTES + ".!?:")
        for suffix in ("'s", "’s"):
            word = word.removesuffix(suffix)
        if not opens_sentence and _NAME.fullmatch(word):
            out.append(word)
        opens_sentence = raw.rstrip(_QUOTES).endswith((".", "!", "?", ":"))
    return out


@dataclass
class RefPassage:
    sentences: list[str]
    tokens: list[list[str]]
    vocabulary: set[str] = field(init=False)
    index: dict[tuple[str, str], list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.vocabulary = {t for toks in self.tokens for t in toks}
        self.index = {}
        for i, toks in enumerate(self.tokens):
            for gram in set(zip(toks, toks[1:])):
                self.index.setdefault(gram, []).append(i)

    @classmethod
    def from_text(cls, text: str) -> RefPassage:
        sentences = [s for s in split_sentences(ref_join_numbers(text)) if s.strip()]
        return cls(sentences, [ref_tokens(s) for s in sentences])

    def bigram_hits(self, grams):
        hits = np.zeros((len(self.sentences), len(grams)))
        for k, gram in enumerate(grams):
            for i in self.index.get(gram, ()):
                hits[i, k] = 1.0
        return hits


def ref_align(claim, passage, fusion=True, min_segment=10, novel_penalty=0.5, word_weight=0.5, three=0):
    """(score, evidence, novel_numbers, novel_names, coverage)"""
    toks = ref_tokens(claim)
    novel_numbers = sorted({t for t in toks if t[:1].isdigit() and t not in passage.vocabulary})
    novel_names = sorted({n for n in ref_names(claim) if not set(ref_tokens(n)) <= passage.vocabulary})
    if not passage.sentences:
        return 0.0, [], novel_numbers, novel_names, 0.0, False, []
    coverage, evidence = ref_coverage(toks, passage, fusion, min_segment, word_weight, three)
    negates = any(t in NEGATION for t in toks)
    negation = negates and not any(t in NEGATION for i in evidence for t in passage.tokens[i])
    speakers = ref_other_speaker(claim, toks, passage, evidence)
    penalty = novel_penalty ** (len(novel_numbers) + len(novel_names) + negation + bool(speakers))
    return coverage * penalty, evidence, novel_numbers, novel_names, coverage, negation, speakers


def ref_other_speaker(claim, toks, passage, evidence):
    """Name tokens among the 3 content words before a reporting verb that no evidence sentence
    has (nor, when it says "she said", the sentence before it)."""
    named = {t for n in ref_names(claim) for t in ref_tokens(n)}
    speakers = set()
    for at, tok in enumerate(toks):
        if tok in REPORTING:
            before = [t for t in toks[:at] if t not in STOPWORDS][-REPORTED_WORDS:]
            speakers |= {t for t in before if t in named}
    said = set()
    for i in evidence:
        said |= set(passage.tokens[i])
        sentence = passage.tokens[i]
        if i > 0 and any(
            sentence[k] in ("he", "she", "they") and sentence[k + 1] in REPORTING for k in range(len(sentence) - 1)
        ):
            said |= set(passage.tokens[i - 1])
    return sorted(speakers - said)


def ref_coverage(toks, passage, fusion, min_segment, word_weight, three=0):
    words = list(dict.fromkeys(ref_content(toks)))
    grams = list(zip(toks, toks[1:]))
    found = np.array([[w in set(s) for w in words] for s in passage.tokens], dtype=float).reshape(
        len(passage.tokens), len(words)
    )
    hits = passage.bigram_hits(grams)

    def blend(word_share, bigram_share):
        if not words:
            word_share = bigram_share
        if not grams:
            bigram_share = word_share
        return word_weight * word_share + (1 - word_weight) * bigram_share

    word_share = found.mean(axis=1) if words else np.ones(len(passage.tokens))
    bigram_share = hits.mean(axis=1) if grams else np.ones(len(passage.tokens))
    single = [blend(w, b) for w, b in zip(word_share, bigram_share)]
    best = int(np.argmax(single))
    score, evidence = float(single[best]), [best]
    if not fusion or not grams:
        return score, evidence
    n = len(grams)
    prefix = np.concatenate([np.zeros((hits.shape[0], 1)), hits.cumsum(axis=1)], axis=1)
    ok = ref_splittable(toks)
    for k in range(min_segment, len(toks) - min_segment + 1):
        if not ok[k]:
            continue
        head = prefix[:, k - 1]
        tail = prefix[:, n] - prefix[:, k]
        i, j = int(head.argmax()), int(tail.argmax())
        if i == j:
            continue
        seam = max(hits[i, k - 1], hits[j, k - 1])
        both = np.maximum(found[i], found[j]).mean() if words else 1.0
        value = blend(both, (head[i] + tail[j] + seam) / n)
        if value > score + 1e-9:
            score, evidence = float(value), [i, j]
    if not three:
        return score, evidence
    for k1 in range(three, len(toks) - 2 * three + 1):
        for k2 in range(k1 + three, len(toks) - three + 1):
            if not (ok[k1] and ok[k2]):
                continue
            first, middle, last = prefix[:, k1 - 1], prefix[:, k2 - 1] - prefix[:, k1], prefix[:, n] - prefix[:, k2]
            a, b, c = int(first.argmax()), int(middle.argmax()), int(last.argmax())
            if a == b or b == c:
                continue
            seams = max(hits[a, k1 - 1], hits[b, k1 - 1]) + max(hits[b, k2 - 1], hits[c, k2 - 1])
            both = np.maximum(np.maximum(found[a], found[b]), found[c]).mean() if words else 1.0
            value = blend(both, (first[a] + middle[b] + last[c] + seams) / n)
            if value > score + 1e-9:
                score, evidence = float(value), list(dict.fromkeys([a, b, c]))
    return score, evidence


def ref_matched(bullet: str, sentence: str) -> list[str]:
    wanted = set(ref_content(ref_tokens(bullet)))
    written = _TOKEN.findall(sentence)
    out = []
    for k, word in enumerate(written):
        toks = ref_tokens(word)
        if toks and toks[0] in wanted and word[0].isalnum():
            out.append(word)
        elif toks and toks[0][0].isdigit() and k + 1 < len(written):
            pair = ref_tokens(word + " " + written[k + 1])
            if pair and pair[0] in wanted:
                out += [word, written[k + 1]]
    return list(dict.fromkeys(out))


def ref_rows(examples, summaries, o: SupportOptions):
    """(values, per-bullet details) per summary, as the metric reports them."""
    passages: dict[str, RefPassage] = {}
    out = []
    for example, summary in zip(examples, summaries):
        passage = passages.get(example.source) or passages.setdefault(
            example.source, RefPassage.from_text(example.source)
        )
        scores, bullets = [], []
        for bullet in summary.bullets:
            score, evidence, numbers, names, coverage, negation, speakers = ref_align(
                bullet, passage, o.fusion, o.min_segment, o.novel_penalty, o.word_weight, o.three_part_segment
            )
            scores.append(score)
            detail = {
                "bullet": bullet,
                "score": round(score, 4),
                "supported": score >= o.threshold,
                "evidence": [passage.sentences[i] for i in evidence],
                "evidence_index": evidence,
                "coverage": round(coverage, 4),
                "matched": [ref_matched(bullet, passage.sentences[i]) for i in evidence],
            }
            if numbers:
                detail["novel_numbers"] = numbers
            if names:
                detail["novel_names"] = names
            if negation:
                detail["novel_negation"] = True
            if speakers:
                detail["other_speaker"] = speakers
            bullets.append(detail)
        how = o.aggregate
        values = {
            "score": (min(scores) if how == "min" else sum(scores) / len(scores)) if scores else None,
            "unsupported": float(sum(s < o.threshold for s in scores)),
        }
        out.append((values, bullets))
    return out


# ---- comparisons ----

OPTIONS = [
    SupportOptions(),
    SupportOptions(fusion=False, aggregate="min"),
    SupportOptions(min_segment=4, word_weight=0.0, novel_penalty=0.3, threshold=0.4, three_part_segment=3),
    SupportOptions(min_segment=6, word_weight=1.0, three_part_segment=0),
]


def assert_same(examples, summaries, options: SupportOptions) -> int:
    """The metric's values and details equal the reference's; returns the number of bullets."""
    rows = Support(options).score(examples, summaries)
    expected = ref_rows(examples, summaries, options)
    bullets = 0
    for summary, row, (values, details) in zip(summaries, rows, expected):
        assert row.values == values, summary.doc_id
        assert row.details["bullets"] == details, summary.doc_id
        bullets += len(details)
    return bullets


def cnndm_pairs(step: int) -> tuple[list[Example], list[Summary]]:
    records = [json.loads(line) for line in shared_file("cnndm_pairs/cnndm_pairs.jsonl").open(encoding="utf-8")]
    records = records[::step]
    examples = [Example(r["doc_id"], r["source"]) for r in records]
    summaries = [
        Summary(r["doc_id"], "\n".join(r["reference_sentences"]), tuple(r["reference_sentences"])) for r in records
    ]
    return examples, summaries


def summeval(documents: int) -> tuple[list[Example], list[Summary]]:
    examples, summaries, seen = [], [], []
    for line in shared_file("summeval/summeval.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r["doc_id"] not in seen:
            if len(seen) == documents:
                continue
            seen.append(r["doc_id"])
        examples.append(Example(r["doc_id"], r["source"]))
        summaries.append(to_summary(r["doc_id"], r["summary"]))
    return examples, summaries


def test_cnndm_reference_bullets_score_as_the_reference_implementation():
    examples, summaries = cnndm_pairs(step=8)
    assert len(examples) > 60
    assert assert_same(examples, summaries, SupportOptions()) > 200


def test_summeval_system_summaries_score_as_the_reference_implementation():
    examples, summaries = summeval(documents=12)
    assert len(summaries) == 12 * 16
    assert assert_same(examples, summaries, OPTIONS[2]) > 500


@pytest.mark.slow
def test_all_real_data_scores_as_the_reference_implementation():
    # every document with the shipped options; a quarter of them with each other option set
    for step, options in [(1, OPTIONS[0]), *((4, o) for o in OPTIONS[1:])]:
        for examples, summaries in (cnndm_pairs(step), summeval(documents=100 // step)):
            assert assert_same(examples, summaries, options) > 2000 // step


# Generated texts: words that match, stem alike, differ by a number or a name; numbers split as
# tokenized text splits them; accented words; short and long sentences.
WORDS = (
    "the council approved plan homes Paris McCoy NASA café naïve Zoë 1,056 1, 056 2 . 5 3.7 2027 "
    "running runs ran build builds building of and to said after said. approved. home? Homes! argued told "
    "$48 million 48m dollars about 22,000 five per cent 5% three Smith's not no didn't never She she "
    "Governor Maria Chen Ruiz said. expects "
    "'quoted' \"Great\" (aside) engineers engineering cities city's ponies flying skies"
).split()
texts = st.lists(st.sampled_from(WORDS), min_size=0, max_size=40).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    source=st.lists(texts, min_size=0, max_size=8).map(". ".join),
    claims=st.lists(texts, min_size=1, max_size=4),
    fusion=st.booleans(),
    min_segment=st.integers(1, 8),
    word_weight=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    novel_penalty=st.sampled_from([0.5, 0.25, 1.0]),
    three=st.sampled_from([0, 2, 3, 6]),
)
def test_alignment_of_generated_texts_equals_the_reference(
    source, claims, fusion, min_segment, word_weight, novel_penalty, three
):
    passage, reference = Passage.from_text(source), RefPassage.from_text(source)
    assert passage.sentences == reference.sentences
    for claim in claims:
        a = align(claim, passage, fusion, min_segment, novel_penalty, word_weight, three)
        score, evidence, numbers, names, coverage, negation, speakers = ref_align(
            claim, reference, fusion, min_segment, novel_penalty, word_weight, three
        )
        assert (a.score, a.evidence, a.novel_numbers, a.novel_names, a.coverage, a.novel_negation, a.other_speaker) == (
            score,
            evidence,
            numbers,
            names,
            coverage,
            negation,
            speakers,
        )
        for i in evidence:
            assert matched_words(claim, passage.sentences[i]) == ref_matched(claim, reference.sentences[i])


@settings(max_examples=150, deadline=None)
@given(source=st.lists(texts, min_size=0, max_size=8).map(". ".join), claims=st.lists(texts, min_size=1, max_size=4))
def test_a_passages_word_and_bigram_hits_equal_the_reference(source, claims):
    # the index itself, key by key: words and bigrams repeated within and across sentences, ones
    # the passage lacks, and each pair of tokens across a sentence break (never a bigram)
    passage, reference = Passage.from_text(source), RefPassage.from_text(source)
    across = [(a[-1], b[0]) for a, b in zip(reference.tokens, reference.tokens[1:]) if a and b]
    for claim in claims:
        toks = ref_tokens(claim)
        words = toks + [t for s in reference.tokens for t in s]
        grams = list(zip(toks, toks[1:])) + across + [g for s in reference.tokens for g in zip(s, s[1:])]
        found, hits = passage.hits(words, grams)
        assert found.tolist() == [[float(w in toks_i) for w in words] for toks_i in reference.tokens]
        assert hits.tolist() == reference.bigram_hits(grams).tolist()
