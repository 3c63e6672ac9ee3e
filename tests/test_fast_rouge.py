"""FastRougeScorer equals rouge-score 0.1.2 exactly: on SummEval (vs one reference, vs all 11,
vs the source; sentences on lines or not), in batches with any number of workers, and on the
cases of rouge-score's own test file."""

from __future__ import annotations

import json
import multiprocessing
import re
import unittest
from types import SimpleNamespace

import pytest
from conftest import shared_file
from rouge_score import rouge_scorer, tokenizers
from test_fast_rouge_properties import assert_identical

from harness.metrics.fast_rouge import FastRougeScorer

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def sentences_on_lines(text: str) -> str:
    """SummEval text is PTB-tokenized (" . " ends a sentence): one sentence per line."""
    return re.sub(r"(?<= [.!?]) ", "\n", text)


def summeval_rows(docs: int | None) -> list[dict]:
    rows = [json.loads(line) for line in shared_file("summeval/summeval.jsonl").open()]
    if docs is None:
        return rows
    keep = set(list(dict.fromkeys(r["doc_id"] for r in rows))[:docs])
    return [r for r in rows if r["doc_id"] in keep]


class _MemoTokenizer(tokenizers.Tokenizer):
    """rouge-score's DefaultTokenizer, remembering its output per text (it is a pure function),
    so that the full-data oracle does not re-stem each source 16 times."""

    def __init__(self, use_stemmer: bool):
        self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer)
        self._tokens: dict[str, list[str]] = {}

    def tokenize(self, text):
        if text not in self._tokens:
            self._tokens[text] = self._tokenizer.tokenize(text)
        return self._tokens[text]


class _Replay(rouge_scorer.RougeScorer):
    """rouge-score's own `score_multi`, choosing among scores rouge-score already computed."""

    def __init__(self, rouge_types, known: dict):
        super().__init__(rouge_types)
        self._known = known

    def score(self, target, prediction):
        return self._known[(target, prediction)]


def _oracle_scores(job: tuple) -> dict:
    """rouge-score's score for every (target, prediction) pair of the job."""
    rouge_types, use_stemmer, memoize, pairs = job
    tokenizer = _MemoTokenizer(use_stemmer) if memoize else None
    scorer = rouge_scorer.RougeScorer(rouge_types, use_stemmer=use_stemmer, tokenizer=tokenizer)
    return {pair: scorer.score(*pair) for pair in pairs}


def compare_on_summeval(
    rows: list[dict],
    lines: bool,
    rouge_types: list[str],
    use_stemmer: bool = True,
    processes: int = 1,
    memoize: bool = False,
) -> int:
    """Check every setting against rouge-score; returns how many comparisons were made."""
    shape = sentences_on_lines if lines else (lambda text: text)
    items = [
        ([shape(r) for r in row["references"]], shape(row["summary"]), shape(row["reference"]), shape(row["source"]))
        for row in rows
    ]
    pairs = list(
        dict.fromkeys(
            pair for refs, summary, _, source in items for pair in [(t, summary) for t in refs] + [(source, summary)]
        )
    )
    # Whole documents per job keep the memoized tokenizer useful.
    jobs = (
        [(rouge_types, use_stemmer, memoize, pairs[i::processes]) for i in range(processes)]
        if processes > 1
        else [(rouge_types, use_stemmer, memoize, pairs)]
    )
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_oracle_scores, jobs)
    else:
        parts = [_oracle_scores(jobs[0])]
    known = {k: v for part in parts for k, v in part.items()}
    replay = _Replay(rouge_types, known)
    fast = FastRougeScorer(rouge_types, use_stemmer=use_stemmer)
    checked = 0
    for refs, summary, reference, source in items:
        assert_identical(known[(reference, summary)], fast.score(reference, summary))
        assert_identical(known[(source, summary)], fast.score(source, summary))
        assert_identical(replay.score_multi(refs, summary), fast.score_multi(refs, summary))
        checked += 3
    # The same through score_batch, in one call, as the metric adapter uses it.
    batch = fast.score_batch([(refs, summary) for refs, summary, _, _ in items])
    for (refs, summary, _, _), got in zip(items, batch, strict=True):
        assert_identical(replay.score_multi(refs, summary), got)
    return checked


def test_summeval_original_reference_is_first_of_the_eleven():
    # Makes "vs one reference" a subset of the 11-reference oracle scores.
    for row in summeval_rows(docs=5):
        assert row["references"][0] == row["reference"]


@pytest.mark.parametrize("lines", [True, False], ids=["sentences-on-lines", "as-is"])
def test_summeval_subset_equals_rouge_score(lines):
    rows = summeval_rows(docs=3)
    assert len(rows) == 48
    assert compare_on_summeval(rows, lines, ROUGE_TYPES) == 3 * len(rows)


def test_summeval_subset_without_stemming_equals_rouge_score():
    rows = summeval_rows(docs=2)
    compare_on_summeval(rows, True, ROUGE_TYPES, use_stemmer=False)


@pytest.mark.slow
def test_all_summeval_pairs_equal_rouge_score_sentences_on_lines():
    rows = summeval_rows(docs=None)
    assert len(rows) == 1600
    compare_on_summeval(rows, True, ROUGE_TYPES, processes=2, memoize=True)


@pytest.mark.slow
def test_all_summeval_pairs_equal_rouge_score_as_is():
    # Without newlines each text is one "sentence": only rougeLsum differs from the other test.
    rows = summeval_rows(docs=None)
    compare_on_summeval(rows, False, ["rougeLsum"], processes=2, memoize=True)


def test_score_batch_is_the_same_for_any_number_of_workers():
    rows = summeval_rows(docs=4)
    items = [
        ([sentences_on_lines(t) for t in row["references"][:3]], sentences_on_lines(row["summary"])) for row in rows
    ]
    items += [([row["source"]], row["summary"]) for row in rows[:10]] + [(["x"], ""), ([""], "y z")]
    oracle = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)
    expected = [oracle.score_multi(t, p) for t, p in items]
    for workers in (1, 2, 3):
        got = FastRougeScorer(ROUGE_TYPES, use_stemmer=True).score_batch(items, workers=workers)
        assert len(got) == len(expected)
        for want, result in zip(expected, got):
            assert_identical(want, result)


def test_score_batch_workers_are_kept_between_calls_and_give_equal_results(monkeypatch):
    from harness.metrics import fast_rouge

    monkeypatch.setattr(fast_rouge, "MIN_ITEMS_PER_WORKER", 1)  # small batches use the workers too
    monkeypatch.setattr(fast_rouge, "MIN_CHUNK", 1)  # and are handed out in many small chunks
    rows = summeval_rows(docs=3)
    items = [
        ([sentences_on_lines(t) for t in row["references"][:2]], sentences_on_lines(row["summary"])) for row in rows
    ]
    items += [(["x"], ""), ([""], "y z")]
    oracle = rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=True)
    expected = [oracle.score_multi(t, p) for t, p in items]
    scorer = FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
    try:
        for workers in (2, 2, 3, 1, 3):
            got = scorer.score_batch(items, workers=workers)
            assert len(got) == len(expected)
            for want, result in zip(expected, got):
                assert_identical(want, result)
            if workers > 1:
                assert len(scorer._workers) == workers - 1
        processes = list(scorer._workers._processes)
        assert scorer.score_batch(items[:5], workers=3) == scorer.score_batch(items[:5])
        assert scorer._workers._processes == processes  # the same processes, reused
    finally:
        scorer.close()
    assert scorer._workers is None
    for process in processes:  # told to stop, each exits by itself
        process.join(timeout=30)
        assert process.exitcode == 0


def test_score_batch_stays_in_process_for_small_batches():
    scorer = FastRougeScorer(ROUGE_TYPES, use_stemmer=True)
    scorer.score_batch([(["a b c"], "a b")] * 10, workers=2)
    assert scorer._workers is None


# rouge-score's own test file, shipped in its wheel, run with its RougeScorer swapped for ours.
# Each call is also checked for exact equality with the real RougeScorer. Cases that read the
# testdata files (not shipped) are left out; one that needs NLTK's punkt data skips without it.


class _CheckedFast:
    """Stands in for RougeScorer inside rouge-score's tests: our results, checked against theirs."""

    calls = 0

    def __init__(self, rouge_types, use_stemmer=False, split_summaries=False, tokenizer=None):
        if tokenizer is not None and not isinstance(tokenizer, tokenizers.DefaultTokenizer):
            raise NotImplementedError("FastRougeScorer uses rouge-score's default tokenizer")
        if tokenizer is not None:
            use_stemmer = tokenizer._stemmer is not None
        self._oracle = rouge_scorer.RougeScorer(rouge_types, use_stemmer, split_summaries)
        self._fast = FastRougeScorer(rouge_types, use_stemmer, split_summaries)

    def score(self, target, prediction):
        return self._checked("score", target, prediction)

    def score_multi(self, targets, prediction):
        return self._checked("score_multi", targets, prediction)

    def _checked(self, method, *args):
        got = getattr(self._fast, method)(*args)
        assert_identical(getattr(self._oracle, method)(*args), got)
        _CheckedFast.calls += 1
        return got


def _upstream_cases() -> list[str]:
    module = pytest.importorskip("rouge_score.rouge_scorer_test")
    names = unittest.TestLoader().getTestCaseNames(module.RougeScorerTest)
    return [name for name in names if name not in _INTERNAL_HELPER_CASES | _TESTDATA_CASES]


# Upstream cases that test rouge-score's private table/backtrack helpers, not a scorer; the
# equivalent checks of our read-out are the property tests on random token lists.
_INTERNAL_HELPER_CASES = {"testLcsTable", "testUnionLcs", "testSummaryLevelLcs"}
# Upstream cases that read rouge-score's testdata/ folder, which the pinned release (0.1.2) does
# not ship: they could never run.
_TESTDATA_CASES = {
    "testRouge1AgainstRouge155",
    "testRouge1AgainstRouge155WithStemming",
    "testRouge2AgainstRouge155",
    "testRouge2AgainstRouge155WithStemming",
    "testRougeLAgainstRouge155",
    "testRougeLSumAgainstRouge155WithStemming",
    "testRougeLsumLarge",
}


@pytest.mark.parametrize("name", _upstream_cases())
def test_rouge_score_own_test_cases(name, monkeypatch):
    module = pytest.importorskip("rouge_score.rouge_scorer_test")
    shim = SimpleNamespace(**vars(rouge_scorer))
    shim.RougeScorer = _CheckedFast
    monkeypatch.setattr(module, "rouge_scorer", shim)

    class Case(module.RougeScorerTest):
        def setUp(self):  # reads the testdata files, which the release does not ship
            unittest.TestCase.setUp(self)

    result = unittest.TestResult()
    calls_before = _CheckedFast.calls
    Case(name).run(result)
    problems = result.errors + result.failures
    if problems and all("punkt" in trace for _, trace in problems):
        pytest.skip("needs NLTK punkt data, not installed")
    assert not problems, problems[0][1]
    assert _CheckedFast.calls > calls_before or name.startswith("testInvalid")


@pytest.mark.parametrize("against", ["reference", "source"])
def test_rouge_metric_numbers_do_not_depend_on_the_implementation(against):
    from harness.metrics.rouge import Rouge, RougeOptions
    from harness.records import Example, Summary

    rows = summeval_rows(docs=2)
    examples = [Example(r["doc_id"], r["source"], tuple(r["references"][:4])) for r in rows]
    examples[0] = Example(rows[0]["doc_id"], rows[0]["source"], ())  # no references: None row
    summaries = [Summary(r["doc_id"], r["summary"], tuple(sentences_on_lines(r["summary"]).split("\n"))) for r in rows]
    assert RougeOptions().implementation == "fast"
    expected = Rouge(RougeOptions(against=against, implementation="rouge_score")).score(examples, summaries)
    for workers in (1, 2):
        got = Rouge(RougeOptions(against=against, workers=workers)).score(examples, summaries)
        assert [row.values for row in got] == [row.values for row in expected]
