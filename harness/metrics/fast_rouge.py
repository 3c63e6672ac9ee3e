"""ROUGE-N, -L and -Lsum with results identical to rouge-score 0.1.2, and much faster.

Identical: the same tokenization (rouge-score's own regexes; NLTK's Porter stemmer, reimplemented
exactly and faster in porter.py), the same integer counts (n-gram overlap, LCS length, Lsum
union-LCS hits with its exact read-out tie-breaking, see lcs_bits) and the same float operations
on them (rouge-score's `scoring.fmeasure`). Tests check equality with rouge-score as the oracle.

Faster: each distinct text is tokenized once and its n-gram counts and LCS bit masks are kept
(a source or reference is shared by every system's summary), each distinct word is stemmed once,
and LCS runs bit-parallel on Python ints instead of filling an m x n table.
"""

from __future__ import annotations

import gc
import multiprocessing
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from rouge_score import tokenize as rouge_tokenize
from rouge_score.scoring import Score, fmeasure

from harness.metrics.lcs_bits import StackedTargets
from harness.text import porter
from harness.text.tokens import ROUGE_WORD

DEFAULT_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_NGRAM_TYPE = re.compile(r"rouge[1-9]")
_WORD_RE = ROUGE_WORD  # the complement of rouge_score.tokenize.NON_ALPHANUM_PATTERN
# Distinct texts whose tokens and masks are kept; a long article costs ~100 kB.
TEXT_CACHE_SIZE = 1024
# Score rouge-score returns when a side has no tokens (ints, not floats).
_EMPTY = Score(precision=0, recall=0, fmeasure=0)

RougeResult = dict[str, Score]


class cached_property:  # noqa: N801 - functools.cached_property without its per-instance lock (Python < 3.12)
    """Computed on first access, then stored in the instance's __dict__ (which shadows this)."""

    def __init__(self, function):
        self._function = function
        self._name = function.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._function(instance)
        return value


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
        # rouge-score's DefaultTokenizer builds NLTK's PorterStemmer() with its default mode, which
        # porter.PorterStemmer reproduces exactly.
        self._words = _WordTokens(porter.PorterStemmer() if use_stemmer else None)
        self._split_summaries = split_summaries
        self.splits_on_newlines = not split_summaries

    def tokens(self, text: str) -> list[str]:
        return self._tokens_of_lowercased(text.lower())

    def sentences(self, text: str) -> list[list[str]]:
        """rougeLsum's sentences: lines (or NLTK sentences), empty ones dropped before tokenizing."""
        if self._split_summaries:
            import nltk  # only here: importing nltk costs more CPU than a small run

            return [self.tokens(s) for s in nltk.sent_tokenize(text) if s]
        # Lower-casing before splitting into lines is the same: it never adds or removes a newline.
        return [self._tokens_of_lowercased(line) for line in text.lower().split("\n") if line]

    def _tokens_of_lowercased(self, text: str) -> list[str]:
        # rouge-score replaces runs of NON_ALPHANUM_RE by a space and splits on spaces: the words
        # are exactly the runs of its complement, found here in one pass.
        return [t for t in map(self._words.__getitem__, _WORD_RE.findall(text)) if t]


class _Text:
    """What scoring needs from one text, each part computed on first use and then kept."""

    def __init__(self, text: str, tokenizer: _Tokenizer):
        self._text = text
        self._tokenizer = tokenizer
        self._ngrams: dict[int, _NGrams] = {}

    @cached_property
    def tokens(self) -> list[str]:
        if self._tokenizer.splits_on_newlines:
            # Same tokens: a newline is a separator like any other non-alphanumeric character.
            return [t for sentence in self.sentences for t in sentence]
        return self._tokenizer.tokens(self._text)

    @cached_property
    def sentences(self) -> list[list[str]]:
        return self._tokenizer.sentences(self._text)

    @cached_property
    def token_counts(self) -> Counter:
        return Counter(self.tokens)

    @cached_property
    def sentence_counts(self) -> Counter:
        if self._tokenizer.splits_on_newlines:
            return self.token_counts
        counts: Counter = Counter()
        for sentence in self.sentences:
            counts.update(sentence)
        return counts

    def ngrams(self, n: int) -> _NGrams:
        if n not in self._ngrams:
            tokens = self.tokens
            if n == 1:
                self._ngrams[n] = _NGrams(tokens, self.token_counts)
            else:
                self._ngrams[n] = _NGrams(list(zip(*(tokens[k:] for k in range(n)))))
        return self._ngrams[n]


class _NGrams:
    """A text's n-grams (tokens for n = 1, tuples of tokens otherwise) as a multiset: the distinct
    ones, how many there are in all and, counted only when needed, the repeated ones."""

    __slots__ = ("grams", "distinct", "total", "has_repeats", "_counts", "_repeated")

    def __init__(self, grams: list, counts: Counter | None = None):
        self.grams = grams
        self.distinct = set(grams)
        self.total = len(grams)
        self.has_repeats = len(self.distinct) < self.total
        self._counts = counts
        self._repeated: dict | None = None

    def repeated(self) -> dict:
        if self._repeated is None:
            counts = self._counts if self._counts is not None else Counter(self.grams)
            self._repeated = {gram: c for gram, c in counts.items() if c > 1}
        return self._repeated

    def overlap(self, other: _NGrams) -> int:
        """rouge-score's overlap count, the sum over n-grams of the smaller count."""
        shared = len(self.distinct & other.distinct)
        # Counted once above; only n-grams repeated on both sides have more to add.
        if self.has_repeats and other.has_repeats:
            mine, theirs = self.repeated(), other.repeated()
            for gram in mine.keys() & theirs.keys():
                shared += min(mine[gram], theirs[gram]) - 1
        return shared


class _Targets:
    """One or more target texts scored together: their bit layouts serve every prediction."""

    def __init__(self, texts: list[_Text]):
        self.texts = texts

    @cached_property
    def whole(self) -> StackedTargets:
        return StackedTargets([[t.tokens] for t in self.texts])

    @cached_property
    def sentences(self) -> StackedTargets:
        return StackedTargets([t.sentences for t in self.texts])


def _score(hits: int, prediction_total: int, target_total: int) -> Score:
    precision = hits / prediction_total
    recall = hits / target_total
    return Score(precision=precision, recall=recall, fmeasure=fmeasure(precision, recall))


def _ngram_scores(targets: _Targets, prediction: _Text, n: int) -> list[Score]:
    predicted = prediction.ngrams(n)
    scores = []
    for target in targets.texts:
        grams = target.ngrams(n)
        scores.append(_score(grams.overlap(predicted), max(predicted.total, 1), max(grams.total, 1)))
    return scores


def _lcs_scores(targets: _Targets, prediction: _Text) -> list[Score]:
    n = len(prediction.tokens)
    if not n:
        return [_EMPTY] * len(targets.texts)
    lengths = targets.whole.lcs_lengths(prediction.tokens)
    return [_score(lcs, n, len(t.tokens)) if t.tokens else _EMPTY for t, lcs in zip(targets.texts, lengths)]


def _summary_lcs_scores(targets: _Targets, prediction: _Text) -> list[Score]:
    n = sum(prediction.sentence_counts.values())
    if not n:
        return [_EMPTY] * len(targets.texts)
    hits = targets.sentences.summary_hits(prediction.sentences, prediction.sentence_counts)
    scores = []
    for m, target_hits in zip(targets.sentences.target_lengths, hits):
        scores.append(_score(target_hits, n, m) if m else _EMPTY)
    return scores


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
        self._targets = lru_cache(maxsize=TEXT_CACHE_SIZE)(lambda texts: _Targets(list(map(self._text, texts))))
        self._workers: _Workers | None = None

    def __getstate__(self) -> dict:
        # Caches stay behind: a worker process builds its own.
        return {
            "rouge_types": self.rouge_types,
            "use_stemmer": self.use_stemmer,
            "split_summaries": self.split_summaries,
        }

    def __setstate__(self, state: dict) -> None:
        type(self).__init__(self, **state)

    def __del__(self) -> None:
        # At interpreter exit multiprocessing also stops leftover (daemonic) workers itself.
        try:
            self.close()
        except Exception:
            pass

    def score(self, target: str, prediction: str) -> RougeResult:
        return self._score_each((target,), prediction)[0]

    def score_multi(self, targets: Sequence[str], prediction: str) -> RougeResult:
        """Per rouge type, the score of the target with the highest F1 (the first on ties)."""
        if isinstance(targets, str):
            raise TypeError("targets must be a sequence of texts, not one text")
        if not targets:
            raise ValueError("score_multi needs at least one target")
        per_target = self._score_each(tuple(targets), prediction)
        if len(per_target) == 1:
            return per_target[0]
        return {k: max(per_target, key=lambda scores: scores[k].fmeasure)[k] for k in self.rouge_types}

    def score_batch(self, items: Sequence[tuple[Sequence[str], str]], workers: int = 1) -> list[RougeResult]:
        """`score_multi` for each (targets, prediction), in order; equal results for any `workers`.

        With `workers` > 1 the items are cut into chunks of consecutive items (items sharing a
        source or references mostly stay in one process and hit its caches): this process scores
        chunks from the front, `workers - 1` worker processes from the back, until they meet. The
        workers are started on first use (forked where possible, inheriting the caches this
        scorer has then) and kept, with their own caches, for later calls with the same
        `workers`, until `close()` or interpreter exit.
        Batches with fewer than MIN_ITEMS_PER_WORKER items per worker use fewer workers (none
        below 2 x MIN_ITEMS_PER_WORKER items): below that, starting and feeding a process costs
        more than it saves."""
        items = list(items)
        workers = min(workers, len(items) // MIN_ITEMS_PER_WORKER)
        if workers <= 1:
            return [self.score_multi(targets, prediction) for targets, prediction in items]
        if self._workers is None or len(self._workers) != workers - 1:
            self.close()
            self._workers = _Workers(self, workers - 1)
        return self._workers.score(self, items)

    def close(self) -> None:
        """Stop the worker processes of score_batch, if any (also done at interpreter exit)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def _score_each(self, targets: tuple[str, ...], prediction: str) -> list[RougeResult]:
        """One result per target."""
        stacked, predicted = self._targets(targets), self._text(prediction)
        columns = {}
        for rouge_type in self.rouge_types:
            if rouge_type == "rougeL":
                columns[rouge_type] = _lcs_scores(stacked, predicted)
            elif rouge_type == "rougeLsum":
                columns[rouge_type] = _summary_lcs_scores(stacked, predicted)
            else:
                columns[rouge_type] = _ngram_scores(stacked, predicted, int(rouge_type[5:]))
        return [{k: columns[k][i] for k in self.rouge_types} for i in range(len(targets))]


# Multi-process scoring. A worker is a child process with its own copy of the scorer, serving
# chunks of batches over a pipe until it is told to stop; it keeps its caches between calls, so a
# worker that scored some documents' pairs for one model has their sources and references ready
# for the next model's (it takes chunks from the back of each batch: mostly the same documents
# when the batches list the same documents in the same order).
Row = tuple[tuple[float, float, float], ...]
# score_batch's threshold for using worker processes (see its docstring).
MIN_ITEMS_PER_WORKER = 100
# Batches are handed out in about this many chunks per process, of at least MIN_CHUNK items.
CHUNKS_PER_PROCESS = 8
MIN_CHUNK = 25


def _score_rows(scorer: FastRougeScorer, items: list) -> list[Row]:
    rows = []
    for targets, prediction in items:
        result = scorer.score_multi(targets, prediction)
        rows.append(tuple(tuple(result[k]) for k in scorer.rouge_types))
    return rows


def _serve(connection, scorer: FastRougeScorer, ends) -> None:
    # Objects inherited from the parent stay out of this process's garbage collections: a
    # collection writes to every object it visits, copying the shared memory pages.
    gc.freeze()
    try:
        while True:
            chunks = connection.recv()
            if chunks is None:
                return
            try:
                rows = []
                while (j := _claim(ends, from_back=True)) is not None:
                    rows.append((j, _score_rows(scorer, chunks[j])))
                connection.send(("rows", rows))
            except Exception as error:  # reported by the parent, which raises
                connection.send(("error", f"{type(error).__name__}: {error}"))
    except EOFError:  # the parent went away
        return
    finally:
        connection.close()


def _claim(ends, from_back: bool) -> int | None:
    """The next chunk not yet handed out, from the front or the back; None when none is left."""
    with ends.get_lock():
        front, back = ends[0], ends[1]
        if front >= back:
            return None
        if from_back:
            ends[1] = back - 1
            return back - 1
        ends[0] = front + 1
        return front


class _Workers:
    """`count` worker processes for one scorer; the calling process scores its share too."""

    def __init__(self, scorer: FastRougeScorer, count: int):
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._processes = []
        self._connections = []
        # Shared by all: the first and one past the last chunk of the batch not yet handed out.
        self._ends = context.Array("q", 2)
        for _ in range(count):
            mine, theirs = context.Pipe(duplex=True)
            process = context.Process(target=_serve, args=(theirs, scorer, self._ends), daemon=True)
            process.start()
            theirs.close()
            self._processes.append(process)
            self._connections.append(mine)

    def __len__(self) -> int:
        return len(self._processes)

    def score(self, scorer: FastRougeScorer, items: list) -> list[RougeResult]:
        # Chunks of consecutive items: this process takes them from the front, the workers from
        # the back, one at a time through a shared pair of counters, until they meet; a process
        # that runs slower (a busier core) takes fewer. Every worker gets the whole batch.
        size = max(MIN_CHUNK, -(-len(items) // (CHUNKS_PER_PROCESS * (len(self._processes) + 1))))
        chunks = [items[lo : lo + size] for lo in range(0, len(items), size)]
        done: list[list[RougeResult] | None] = [None] * len(chunks)
        types = scorer.rouge_types
        # This process's objects stay out of its garbage collections meanwhile (as in _serve).
        gc.freeze()
        try:
            with self._ends.get_lock():
                self._ends[0], self._ends[1] = 0, len(chunks)
            for connection in self._connections:
                connection.send(chunks)
            while (j := _claim(self._ends, from_back=False)) is not None:
                done[j] = [scorer.score_multi(targets, prediction) for targets, prediction in chunks[j]]
            for process, connection in zip(self._processes, self._connections):
                try:
                    kind, payload = connection.recv()
                except EOFError:
                    raise RuntimeError(f"a ROUGE worker process failed (exit code {process.exitcode})") from None
                if kind == "error":
                    raise RuntimeError(f"a ROUGE worker process failed: {payload}")
                for j, rows in payload:
                    done[j] = [{k: Score(*values) for k, values in zip(types, row)} for row in rows]
        except BaseException:
            self.kill()  # replies may be left unread in the pipes: start afresh next time
            raise
        finally:
            gc.unfreeze()
        scored = [chunk for chunk in done if chunk is not None]
        if len(scored) != len(chunks):  # each chunk is claimed once, by this process or a worker
            raise RuntimeError("a ROUGE chunk was left unscored")
        return [result for chunk in scored for result in chunk]

    def close(self, wait: bool = False) -> None:
        """Tell the workers to stop. They exit by themselves once idle; the caller does not wait
        for their teardown (~10 ms, freeing a copy of its heap) unless `wait`. multiprocessing
        reaps them later, and stops any left (they are daemonic) at exit."""
        for connection in self._connections:
            try:
                connection.send(None)
            except OSError:
                pass
            connection.close()
        if wait:
            for process in self._processes:
                process.join(timeout=5)
        self._processes, self._connections = [], []

    def kill(self) -> None:
        """Stop the workers now, whatever they are doing (their replies are no longer wanted)."""
        for process in self._processes:
            process.terminate()
        self.close(wait=True)
