"""ROUGE-N, -L and -Lsum with results identical to rouge-score 0.1.2, and much faster.

Identical: the same tokenization (rouge-score's own regexes and the same NLTK Porter stemmer),
the same integer counts (n-gram overlap, LCS length, Lsum union-LCS hits with its exact
read-out tie-breaking, see lcs_bits) and the same float operations on them (rouge-score's
`scoring.fmeasure`). Tests check equality with rouge-score as the oracle.

Faster: each distinct text is tokenized once and its n-gram counts and LCS bit masks are kept
(a source or reference is shared by every system's summary), each distinct word is stemmed once,
and LCS runs bit-parallel on Python ints instead of filling an m x n table.
"""

from __future__ import annotations

import multiprocessing
import re
from collections import Counter
from functools import cached_property, lru_cache
from typing import Sequence

import nltk
from nltk.stem import porter
from rouge_score import tokenize as rouge_tokenize
from rouge_score.scoring import Score, fmeasure

from harness.metrics.lcs_bits import SentenceTarget, lcs_length, match_masks

DEFAULT_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_NGRAM_TYPE = re.compile(r"rouge[1-9]")
# Distinct texts whose tokens and masks are kept; a long article costs ~100 kB.
TEXT_CACHE_SIZE = 1024
# Score rouge-score returns when a side has no tokens (ints, not floats).
_EMPTY = Score(precision=0, recall=0, fmeasure=0)

RougeResult = dict[str, Score]


class _WordTokens(dict):
    """word -> rouge-score token (stemmed if long enough), or None when rouge-score drops it."""

    def __init__(self, stemmer: porter.PorterStemmer | None):
        super().__init__()
        self._stemmer = stemmer

    def __missing__(self, word: str) -> str | None:
        token = word
        if self._stemmer is not None and len(word) > 3:
            token = self._stemmer.stem(word)
        result = token if rouge_tokenize.VALID_TOKEN_RE.match(token) else None
        self[word] = result
        return result


class _Tokenizer:
    """rouge_score.tokenize.tokenize with each distinct word looked up once."""

    def __init__(self, use_stemmer: bool, split_summaries: bool):
        # rouge-score's DefaultTokenizer builds PorterStemmer() with its default mode.
        self._words = _WordTokens(porter.PorterStemmer() if use_stemmer else None)
        self._split_summaries = split_summaries

    def tokens(self, text: str) -> list[str]:
        words = rouge_tokenize.SPACES_RE.split(rouge_tokenize.NON_ALPHANUM_RE.sub(" ", text.lower()))
        return [t for t in map(self._words.__getitem__, words) if t]

    def sentences(self, text: str) -> list[list[str]]:
        """rougeLsum's sentences: lines (or NLTK sentences), empty ones dropped before tokenizing."""
        parts = nltk.sent_tokenize(text) if self._split_summaries else text.split("\n")
        return [self.tokens(s) for s in parts if s]


class _Text:
    """What scoring needs from one text, each part computed on first use and then kept."""

    def __init__(self, text: str, tokenizer: _Tokenizer):
        self._text = text
        self._tokenizer = tokenizer
        self._ngrams: dict[int, tuple[dict[str, int], int]] = {}

    @cached_property
    def tokens(self) -> list[str]:
        return self._tokenizer.tokens(self._text)

    def ngrams(self, n: int) -> tuple[dict[str, int], int]:
        """(n-gram -> count, number of n-grams); n-grams are space-joined tokens."""
        if n not in self._ngrams:
            tokens = self.tokens
            grams = Counter(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            self._ngrams[n] = (dict(grams), max(len(tokens) - n + 1, 0))
        return self._ngrams[n]

    @cached_property
    def masks(self) -> dict[str, int]:
        return match_masks(self.tokens)

    @cached_property
    def sentences(self) -> list[list[str]]:
        return self._tokenizer.sentences(self._text)

    @cached_property
    def sentence_counts(self) -> Counter:
        counts: Counter = Counter()
        for sentence in self.sentences:
            counts.update(sentence)
        return counts

    @cached_property
    def sentence_target(self) -> SentenceTarget:
        return SentenceTarget(self.sentences)


def _ngram_score(target: tuple[dict[str, int], int], prediction: tuple[dict[str, int], int]) -> Score:
    (target_grams, target_total), (prediction_grams, prediction_total) = target, prediction
    small, large = sorted((target_grams, prediction_grams), key=len)
    overlap = sum(min(count, large[g]) for g, count in small.items() if g in large)
    precision = overlap / max(prediction_total, 1)
    recall = overlap / max(target_total, 1)
    return Score(precision=precision, recall=recall, fmeasure=fmeasure(precision, recall))


def _lcs_score(target: _Text, prediction: _Text) -> Score:
    if not target.tokens or not prediction.tokens:
        return _EMPTY
    # LCS length is symmetric: put the longer text in the bit masks, loop over the shorter.
    long, short = (target, prediction) if len(target.tokens) >= len(prediction.tokens) else (prediction, target)
    lcs = lcs_length(long.masks, len(long.tokens), short.tokens)
    precision = lcs / len(prediction.tokens)
    recall = lcs / len(target.tokens)
    return Score(precision=precision, recall=recall, fmeasure=fmeasure(precision, recall))


def _summary_lcs_score(target: _Text, prediction: _Text) -> Score:
    if not target.sentences or not prediction.sentences:
        return _EMPTY
    layout = target.sentence_target
    m = layout.length
    n = sum(prediction.sentence_counts.values())
    if not n or not m:
        return _EMPTY
    hits = layout.summary_hits(prediction.sentences, prediction.sentence_counts)
    recall = hits / m
    precision = hits / n
    return Score(precision=precision, recall=recall, fmeasure=fmeasure(precision, recall))


def _check_rouge_type(rouge_type: str) -> None:
    if rouge_type not in ("rougeL", "rougeLsum") and not _NGRAM_TYPE.fullmatch(rouge_type):
        raise ValueError(f"Invalid rouge type: {rouge_type} (rouge1..rouge9, rougeL or rougeLsum)")


class FastRougeScorer:
    """Drop-in for rouge_score.rouge_scorer.RougeScorer (default tokenizer) with equal results."""

    def __init__(
        self,
        rouge_types: Sequence[str] = DEFAULT_ROUGE_TYPES,
        use_stemmer: bool = False,
        split_summaries: bool = False,
    ):
        for rouge_type in rouge_types:
            _check_rouge_type(rouge_type)
        self.rouge_types = list(rouge_types)
        self.use_stemmer = use_stemmer
        self.split_summaries = split_summaries
        tokenizer = _Tokenizer(use_stemmer, split_summaries)
        self._text = lru_cache(maxsize=TEXT_CACHE_SIZE)(lambda text: _Text(text, tokenizer))

    def __getstate__(self) -> dict:
        # Caches stay behind: a worker process builds its own.
        return {"rouge_types": self.rouge_types, "use_stemmer": self.use_stemmer, "split_summaries": self.split_summaries}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)

    def score(self, target: str, prediction: str) -> RougeResult:
        return self._score_texts(self._text(target), self._text(prediction))

    def score_multi(self, targets: Sequence[str], prediction: str) -> RougeResult:
        """Per rouge type, the score of the target with the highest F1 (the first on ties)."""
        if isinstance(targets, str):
            raise TypeError("targets must be a sequence of texts, not one text")
        if not targets:
            raise ValueError("score_multi needs at least one target")
        predicted = self._text(prediction)
        per_target = [self._score_texts(self._text(t), predicted) for t in targets]
        return {k: max(per_target, key=lambda scores: scores[k].fmeasure)[k] for k in self.rouge_types}

    def score_batch(self, items: Sequence[tuple[Sequence[str], str]], workers: int = 1) -> list[RougeResult]:
        """`score_multi` for each (targets, prediction), in order; equal results for any `workers`."""
        items = list(items)
        if workers <= 1 or len(items) < 2:
            return [self.score_multi(targets, prediction) for targets, prediction in items]
        return _score_in_processes(self, items, workers)

    def _score_texts(self, target: _Text, prediction: _Text) -> RougeResult:
        result = {}
        for rouge_type in self.rouge_types:
            if rouge_type == "rougeL":
                result[rouge_type] = _lcs_score(target, prediction)
            elif rouge_type == "rougeLsum":
                result[rouge_type] = _summary_lcs_score(target, prediction)
            else:
                n = int(rouge_type[5:])
                result[rouge_type] = _ngram_score(target.ngrams(n), prediction.ngrams(n))
        return result


# Multi-process scoring. Workers get the scorer and the items once, at start-up (inherited, not
# pickled, where processes fork), then score contiguous ranges so that consecutive items sharing
# a source or references hit the same worker's cache.
_worker_job: tuple[FastRougeScorer, list] | None = None
_CHUNKS_PER_WORKER = 4


def _start_worker(scorer: FastRougeScorer, items: list) -> None:
    global _worker_job
    _worker_job = (scorer, items)


def _score_range(bounds: tuple[int, int]) -> list[tuple[tuple[float, float, float], ...]]:
    scorer, items = _worker_job
    rows = []
    for targets, prediction in items[bounds[0] : bounds[1]]:
        result = scorer.score_multi(targets, prediction)
        rows.append(tuple(tuple(result[k]) for k in scorer.rouge_types))
    return rows


def _score_in_processes(scorer: FastRougeScorer, items: list, workers: int) -> list[RougeResult]:
    n_chunks = min(len(items), workers * _CHUNKS_PER_WORKER)
    edges = [len(items) * i // n_chunks for i in range(n_chunks + 1)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, initializer=_start_worker, initargs=(scorer, items)) as pool:
        parts = pool.map(_score_range, list(zip(edges, edges[1:])), chunksize=1)
    return [
        {k: Score(*values) for k, values in zip(scorer.rouge_types, row)}
        for part in parts
        for row in part
    ]
