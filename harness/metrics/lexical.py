"""Model-free lexical alignment of a claim to a passage: how much of the claim the passage
states, and which of its sentences say it.

One piece of code serves two metrics: `support` aligns each bullet (claim) to the source
sentences (passage, `align`); `facts` matches each source fact (claim) to the summary (passage,
`content_coverage`), with the same tokens and passages.

Tokens are harness.text.tokens's `stemmed_tokens`: lowercased Porter stems; numbers keep their digits
("1,056" and "1, 056" are both "1056") in one written form ("$48 million" and "48m dollars" are
"48000000 dollar"), so a rewritten number matches and a changed one never does. Words from a
short function-word list count as glue: they take part in bigrams but are never content on their own.
"""

from __future__ import annotations

import math
import re
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, count
from threading import Lock

import numpy as np

from harness.text.tokens import STOPWORDS, join_numbers, joined_stemmed_tokens, split_sentences
from harness.text.tokens import stemmed_tokens as tokens  # noqa: F401 - re-exported for support and facts

# A capitalised word not opening a sentence: a likely name ("Paris", "McCoy", "NASA").
_NAME = re.compile(r"[A-Z][a-z]*[A-Z0-9]\w*|[A-Z][a-z]+|[A-Z]{2,}")
_QUOTES = "\"'“”‘’()[]{},;"
_AROUND_NAME = _QUOTES + ".!?:"
_ENDS_SENTENCE = (".", "!", "?", ":")


def is_number(token: str) -> bool:
    return token[:1].isdigit()


def content(toks: Sequence[str]) -> list[str]:
    return [t for t in toks if t not in STOPWORDS]


def names(text: str) -> list[str]:
    """Capitalised words that do not open a sentence (likely names); none in lowercased text."""
    out = []
    opens_sentence = True
    for raw in text.split():
        if not opens_sentence:
            word = raw.strip(_AROUND_NAME)
            if "A" <= word[:1] <= "Z":  # _NAME opens with A-Z: most words are not tried
                for suffix in ("'s", "’s"):
                    word = word.removesuffix(suffix)
                if _NAME.fullmatch(word):
                    out.append(word)
        opens_sentence = raw.rstrip(_QUOTES).endswith(_ENDS_SENTENCE)
    return out


_SENTINEL = np.array([np.iinfo(np.int64).max])  # the last key: above every word's and bigram's


@dataclass
class Passage:
    """A text split into sentences, with each sentence's tokens, and which sentences hold each
    word and each bigram."""

    sentences: list[str]
    tokens: Sequence[Sequence[str]]
    vocabulary: AbstractSet[str] = field(init=False)  # the passage's distinct tokens
    # Token ids; every word and bigram key the passage holds (sorted, then a sentinel) and which
    # sentences hold each (one row per key, then a row of zeros for keys it lacks): a claim's
    # words and bigrams are found in all sentences by one search and one gather of rows.
    _ids: dict[str, int] = field(init=False, repr=False)
    _keys: np.ndarray = field(init=False, repr=False)
    _in_sentence: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # ids in order of first occurrence, given and looked up in C (defaultdict, count, map), not per token
        lengths = list(map(len, self.tokens))
        ids: defaultdict[str, int] = defaultdict(count().__next__)
        flat = np.fromiter(map(ids.__getitem__, chain.from_iterable(self.tokens)), dtype=np.int64, count=sum(lengths))
        ids.default_factory = None  # a plain mapping from now on: a word looked up is not added
        n_ids, n_sentences = len(ids), len(self.tokens)
        sentence = np.repeat(np.arange(n_sentences), lengths)
        within = sentence[1:] == sentence[:-1]  # bigrams do not cross sentences
        self._ids = ids
        self.vocabulary = ids.keys()  # a set view: no copy
        # Rows: each word's id is its key and its row; then the distinct bigrams' keys, sorted
        # (all above the words'), then the sentinel. One sort of (bigram, sentence) codes gives
        # both the distinct bigrams and each one's sentences (cheaper than np.unique's inverse).
        codes = np.sort((self._bigram_key(flat[:-1], flat[1:], n_ids) * n_sentences + sentence[1:])[within])
        gram, gram_sentence = np.divmod(codes, max(n_sentences, 1))
        starts = np.empty(len(gram), dtype=bool)  # the code starts a new bigram
        starts[:1] = True
        np.not_equal(gram[1:], gram[:-1], out=starts[1:])
        self._keys = np.concatenate([np.arange(n_ids), gram[starts], _SENTINEL])
        self._in_sentence = np.zeros((len(self._keys), n_sentences), dtype=bool)
        self._in_sentence[flat, sentence] = True
        self._in_sentence[np.cumsum(starts) + (n_ids - 1), gram_sentence] = True

    @staticmethod
    def _bigram_key(first, second, n_ids: int):
        """Words are keys 0..n_ids-1, bigrams the keys after them."""
        return n_ids + first * n_ids + second

    @classmethod
    def from_text(cls, text: str) -> Passage:
        return cls.from_texts([text])[0]

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> list[Passage]:
        """The passage of each text, built one step at a time over all of them (every text's numbers
        rejoined, then every text split, tokenized, indexed): the same passages as one text at a
        time, about 10% faster on news articles (each step's code and caches stay warm;
        bench/support_speed.md)."""
        # numbers are rejoined once in the whole text: its sentences are tokenized as they are
        sentences = list(map(split_sentences, map(join_numbers, texts)))
        tokens = [list(map(joined_stemmed_tokens, s)) for s in sentences]  # the cached tuples, read-only
        return list(map(cls, sentences, tokens))

    @classmethod
    def from_sentences(cls, sentences: Sequence[str]) -> Passage:
        sentences = [s for s in sentences if s.strip()]
        return cls(list(sentences), [tokens(s) for s in sentences])

    def hits(self, words: Sequence[str], grams: Sequence[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
        """(found, hits): found[i, k] = 1 when sentence i contains word k, hits[i, k] = 1 when it
        contains bigram k."""
        get, n_ids = self._ids.get, len(self._ids)
        keys = [get(w, -1) for w in words]
        for a, b in grams:
            first, second = get(a, -1), get(b, -1)
            # _bigram_key, written out: this loop runs for every bigram of every claim
            keys.append(n_ids + first * n_ids + second if first >= 0 and second >= 0 else -1)
        wanted = np.array(keys, dtype=np.int64)
        row = np.searchsorted(self._keys, wanted)  # at most the sentinel's row, which has no sentence
        row[self._keys[row] != wanted] = len(self._keys) - 1  # a key the passage lacks (or -1)
        found = self._in_sentence[row].T.astype(float)
        return found[:, : len(words)], found[:, len(words) :]


# A source is built into a passage once per process, not once per call: meta-evaluation scores the
# same sources for many systems, in several calls, and with several support variants. Bounded
# (least recently used out) in number and in text: a passage takes about 10-13 bytes per character
# of its source (tracemalloc: 52 KB per news article of cnndm_pairs, 2.1 MB for a 40,000-word
# report), so the cache stays near 25 MB whatever the documents' length.
CACHED_PASSAGES = 256
CACHED_CHARS = 2_000_000
_passages: OrderedDict[str, Passage] = OrderedDict()  # least recently used first
_passages_lock = Lock()


def source_passages(texts: Sequence[str]) -> list[Passage]:
    """`Passage.from_text` of each text, shared: callers read them and never change them. The texts
    not cached are built together (Passage.from_texts)."""
    with _passages_lock:
        new = [t for t in dict.fromkeys(texts) if t not in _passages]
        _passages.update(zip(new, Passage.from_texts(new)))
        out = [_passages[t] for t in texts]  # before any is dropped: a call may hold more than the cache
        for text in dict.fromkeys(texts):
            _passages.move_to_end(text)
        held = sum(map(len, _passages))
        while _passages and (len(_passages) > CACHED_PASSAGES or held > CACHED_CHARS):
            held -= len(_passages.popitem(last=False)[0])
        return out


@dataclass
class Alignment:
    """How well a passage states a claim: `score` in [0, 1], the supporting sentence indices
    (`evidence`, one to three), and the claim's numbers and names absent from the whole passage."""

    score: float
    evidence: list[int]
    novel_numbers: list[str] = field(default_factory=list)
    novel_names: list[str] = field(default_factory=list)
    coverage: float = 0.0  # before the penalty for novel numbers, names and negation
    novel_negation: bool = False  # the claim negates and none of its evidence sentences does
    other_speaker: list[str] = field(default_factory=list)  # a speaker's name none of them has


def align(
    claim: str,
    passage: Passage,
    fusion: bool = True,
    min_segment: int = 10,
    novel_penalty: float = 0.5,
    word_weight: float = 0.5,
    three_part_segment: int = 0,
) -> Alignment:
    """How well the passage's best one, two or three sentences state the claim.

    For a candidate evidence (one sentence, or with `fusion` two sentences that each state one
    contiguous part of the claim, each part at least `min_segment` tokens, or three sentences
    for three parts of at least `three_part_segment` tokens each; 0: no three-part fusion) the
    coverage blends the share of the claim's content words found in the evidence (weight
    `word_weight`: what is said, in any order or wording around them) and the share of its word
    bigrams found there (how the words are connected; across a fusion seam a bigram counts only
    if either sentence has it). The best candidate is the evidence. A claim is never split next
    to a reporting verb ("critics argued that | ..."): who said a thing comes from the sentence
    that says it.

    Each number or name the passage never mentions multiplies the score by `novel_penalty`, and
    so does a negation ("not", "no", "never", ...) that none of the evidence sentences has (the
    one direction of negation a lexical check can see: a negation dropped, or "rose" for "fell",
    it cannot), and a speaker named before a reporting verb whom none of them names ("Governor
    Maria Chen said ..." where the evidence is the fire chief's words).
    """
    toks = tokens(claim)
    novel_numbers = sorted({t for t in toks if t[:1].isdigit() and t not in passage.vocabulary})  # is_number
    claim_names = names(claim)
    novel_names = sorted({n for n in claim_names if not set(tokens(n)) <= passage.vocabulary})
    if not passage.sentences:
        return Alignment(0.0, [], novel_numbers, novel_names)
    coverage, evidence = _coverage(toks, passage, fusion, min_segment, word_weight, three_part_segment)
    penalty = novel_penalty ** (len(novel_numbers) + len(novel_names))
    # a negation that none of its evidence sentences has ("will not replace" against "will replace")
    novel_negation = not NEGATION.isdisjoint(toks) and all(NEGATION.isdisjoint(passage.tokens[i]) for i in evidence)
    # a speaker's name that none of them has (the passage says it, someone else said it here)
    speakers = _speakers(claim_names, toks)
    if speakers:
        said = set(chain.from_iterable(passage.tokens[i] for i in evidence))
        said.update(
            chain.from_iterable(passage.tokens[i - 1] for i in evidence if i and _pronoun_speaks(passage.tokens[i]))
        )
        speakers -= said
    other_speaker = sorted(speakers)
    penalty *= novel_penalty ** (novel_negation + bool(other_speaker))
    return Alignment(coverage * penalty, evidence, novel_numbers, novel_names, coverage, novel_negation, other_speaker)


_PRONOUNS = frozenset("he she they".split())


def _pronoun_speaks(toks: Sequence[str]) -> bool:
    """A pronoun is the speaker ("She said ..."): who it is, the sentence before names."""
    return any(a in _PRONOUNS and b in REPORTING for a, b in zip(toks, toks[1:]))


def _speakers(claim_names: list[str], toks: list[str]) -> set[str]:
    """Name tokens among the REPORTED_WORDS content words before each reporting verb ("Governor
    Maria Chen said": maria, chen; "Governor" opens the sentence, so it is not read as a name)."""
    if REPORTING.isdisjoint(toks):
        return set()
    verbs = [at for at, tok in enumerate(toks) if tok in REPORTING]
    named = set(chain.from_iterable(tokens(n) for n in claim_names))
    out: set[str] = set()
    for at in verbs:
        before = [t for t in toks[:at] if t not in STOPWORDS][-REPORTED_WORDS:]
        out.update(t for t in before if t in named)
    return out


# Stems of reporting verbs. A fused claim is never split inside the REPORTED_WORDS content words
# before one (who speaks: "Governor Maria Chen") or the REPORTED_WORDS after it (what was said):
# who said a thing comes from the sentence that says it.
REPORTING = frozenset(
    """said say says told tell argu claim warn announc insist accord confirm deni admit ad state complain
    expect explain predict urg accus blame prais acknowledg note suggest believ think repli respond promis
    vow pledg voic call""".split()
)
REPORTED_WORDS = 3
# Negation tokens ("don't" is "don", "t"): a claim with one whose evidence has none says the
# opposite of it, or more than it.
NEGATION = frozenset("not no never t nt cannot without none nobody nothing neither nor".split())


def _splittable(toks: list[str]) -> np.ndarray:
    """ok[k]: the claim may be split before token k."""
    ok = np.ones(len(toks) + 1, dtype=bool)
    if REPORTING.isdisjoint(toks):
        return ok
    for at, tok in enumerate(toks):
        if tok in REPORTING:
            start, seen = at, 0  # back to the REPORTED_WORDS-th content word before the verb
            while start > 0 and seen < REPORTED_WORDS:
                start -= 1
                seen += toks[start] not in STOPWORDS
            end, seen = at + 1, 0  # past the REPORTED_WORDS-th content word after it
            while end < len(toks) and seen < REPORTED_WORDS:
                seen += toks[end] not in STOPWORDS
                end += 1
            ok[start + 1 : end] = False
    return ok


def _coverage(
    toks: list[str], passage: Passage, fusion: bool, min_segment: int, word_weight: float, three_part_segment: int = 0
) -> tuple[float, list[int]]:
    words = list(dict.fromkeys(content(toks)))
    grams = list(zip(toks, toks[1:]))
    # found[i, w]: content word w is in sentence i; hits[i, k]: bigram k is in sentence i.
    # Every share below is a count of 0/1 values divided by its total, so whichever way it is
    # summed, each value is the same float.
    found, hits = passage.hits(words, grams)

    def blend(word_share: np.ndarray, bigram_share: np.ndarray) -> np.ndarray:
        if not words:
            word_share = bigram_share
        if not grams:  # one-token claim: its word decides
            bigram_share = word_share
        return word_weight * word_share + (1 - word_weight) * bigram_share

    # sum / count: the mean of 0/1 values, the same float, without np.mean's per-call overhead
    word_share = found.sum(axis=1) / len(words) if words else np.ones(len(passage.tokens))
    single = blend(word_share, hits.sum(axis=1) / len(grams) if grams else np.ones(len(passage.tokens)))
    best = int(single.argmax())  # the method: np.argmax's dispatch costs more than the search on a few sentences
    score, evidence = float(single[best]), [best]
    two = len(toks) >= 2 * min_segment
    three = three_part_segment > 0 and len(toks) >= 3 * three_part_segment
    if not fusion or not grams or not (two or three):  # (no bigram: no split differs)
        return score, evidence
    # No fused evidence can state more than the whole passage does: when even that does not beat
    # the best sentence, no split is tried (a copied bullet). (A bound while the blend's weights
    # are both >= 0.)
    bounded = 0 <= word_weight <= 1
    words_anywhere = found.max(axis=0, initial=0).sum(keepdims=True) / max(len(words), 1)
    anywhere = blend(words_anywhere, hits.max(axis=0).sum(keepdims=True) / len(grams))[0] if bounded else 2.0
    if anywhere <= score + 1e-9:
        return score, evidence
    # prefix[i, k]: bigrams 0..k-1 found in sentence i. A split before token k ends a part at
    # bigram k-2; the seam is bigram k-1 (counted if either side's sentence has it), and the
    # next part starts at bigram k.
    prefix = np.concatenate([np.zeros((hits.shape[0], 1)), hits.cumsum(axis=1)], axis=1)
    ok = _splittable(toks)
    if two:
        score, evidence = _two_parts(toks, found, hits, prefix, ok, min_segment, blend, len(words), score, evidence)
    if three:
        score, evidence = _three_parts(
            toks,
            found,
            hits,
            prefix,
            ok,
            three_part_segment,
            blend,
            len(words),
            score,
            evidence,
            words_anywhere if bounded and words else None,
        )
    return score, evidence


Blend = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _two_parts(
    toks: list[str],
    found: np.ndarray,
    hits: np.ndarray,
    prefix: np.ndarray,
    ok: np.ndarray,
    min_segment: int,
    blend: Blend,
    n_words: int,
    score: float,
    evidence: list[int],
) -> tuple[float, list[int]]:
    """Every split at once: the first part's best sentence is i, the second's j."""
    n = hits.shape[1]
    splits = np.arange(min_segment, len(toks) - min_segment + 1)
    splits = splits[ok[splits]]
    if not len(splits):
        return score, evidence
    head = prefix[:, splits - 1]
    tail = prefix[:, [n]] - prefix[:, splits]
    i, j = head.argmax(axis=0), tail.argmax(axis=0)
    columns = np.arange(len(splits))
    seam = np.maximum(hits[i, splits - 1], hits[j, splits - 1])
    both = np.maximum(found[i], found[j]).sum(axis=1) / n_words if n_words else np.ones(len(splits))
    values = blend(both, (head[i, columns] + tail[j, columns] + seam) / n)
    # the first split that beats the best so far by more than 1e-9 wins, in order, as one sentence
    # (i == j) is already a single candidate
    # (a split not beating the best before any is never one: only the others are visited)
    for at in np.flatnonzero((i != j) & (values > score + 1e-9)).tolist():
        if values[at] > score + 1e-9:
            score, evidence = float(values[at]), [int(i[at]), int(j[at])]
    return score, evidence


def _three_parts(
    toks: list[str],
    found: np.ndarray,
    hits: np.ndarray,
    prefix: np.ndarray,
    ok: np.ndarray,
    size: int,
    blend: Blend,
    n_words: int,
    score: float,
    evidence: list[int],
    words_anywhere: np.ndarray | None = None,
) -> tuple[float, list[int]]:
    """Every pair of splits (k1 < k2) at once: parts' best sentences a, b, c; neighbouring parts
    from different sentences (a part from the same sentence is a two-part or single candidate).
    `words_anywhere`: the share of the claim's words in the whole passage, a bound on each pair's
    word share (the blend's weights >= 0): the word shares are counted only for pairs whose
    bigram share with that bound beats the best so far (the same floats: rounding is monotone)."""
    n, length = hits.shape[1], len(toks)
    k1, k2 = _split_pairs(length, size)
    keep = ok[k1] & ok[k2]
    k1, k2 = k1[keep], k2[keep]
    if not len(k1):
        return score, evidence
    first = prefix[:, k1 - 1]
    middle = prefix[:, k2 - 1] - prefix[:, k1]
    last = prefix[:, [n]] - prefix[:, k2]
    a, b, c = first.argmax(axis=0), middle.argmax(axis=0), last.argmax(axis=0)
    columns = np.arange(len(k1))
    seams = np.maximum(hits[a, k1 - 1], hits[b, k1 - 1]) + np.maximum(hits[b, k2 - 1], hits[c, k2 - 1])
    bigrams = (first[a, columns] + middle[b, columns] + last[c, columns] + seams) / n
    candidate = (a != b) & (b != c)
    if words_anywhere is not None:
        candidate &= blend(np.broadcast_to(words_anywhere, bigrams.shape), bigrams) > score + 1e-9
        pick = np.flatnonzero(candidate)
        a, b, c, bigrams, candidate = a[pick], b[pick], c[pick], bigrams[pick], candidate[pick]
    union = np.maximum(np.maximum(found[a], found[b]), found[c])
    words = union.sum(axis=1) / n_words if n_words else np.ones(len(a))
    values = blend(words, bigrams)
    for at in np.flatnonzero(candidate & (values > score + 1e-9)).tolist():
        if values[at] > score + 1e-9:
            score, evidence = float(values[at]), list(dict.fromkeys([int(a[at]), int(b[at]), int(c[at])]))
    return score, evidence


@lru_cache(maxsize=1024)
def _split_pairs(length: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of splits k1 < k2 of a claim of `length` tokens into three parts of at least
    `size` tokens, in the order of np.triu_indices; the same few lengths recur (read-only)."""
    k1, k2 = np.triu_indices(length + 1, k=size)
    keep = (k1 >= size) & (length - k2 >= size)
    return k1[keep], k2[keep]


def idf_weights(claims: Sequence[str]) -> dict[str, float]:
    """Inverse frequency of each token across a set of claims (e.g. one document's facts): a
    word shared by many facts (the article's main name) says little about which fact is stated."""
    df: Counter[str] = Counter()
    for claim in claims:
        df.update(set(tokens(claim)))
    n = len(claims)
    return {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}


@dataclass
class Coverage:
    """Weighted share of a claim's content words present in a passage, and the sentences
    holding most of them."""

    score: float
    evidence: list[int]
    missing: list[str]


def content_coverage(claim: str, passage: Passage, weights: dict[str, float] | None = None) -> Coverage:
    """Share of the claim's content tokens (weighted) found anywhere in the passage."""
    words = content(tokens(claim))
    if not words:
        return Coverage(1.0, [], [])
    weight = [max((weights or {}).get(w, 1.0), 1e-6) for w in words]
    found = [w in passage.vocabulary for w in words]
    score = sum(x for x, f in zip(weight, found) if f) / sum(weight)
    # evidence: the sentences that hold the most of the found words, best first
    ranked = sorted(
        range(len(passage.sentences)),
        key=lambda i: -sum(x for x, w, f in zip(weight, words, found) if f and w in passage.tokens[i]),
    )
    evidence = [i for i in ranked[:2] if any(f and w in passage.tokens[i] for w, f in zip(words, found))]
    missing = [w for w, f in zip(words, found) if not f]
    return Coverage(float(score), evidence, missing)
