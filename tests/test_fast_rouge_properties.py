"""FastRougeScorer and its bit-parallel LCS against rouge-score 0.1.2 on random inputs built to
hit LCS ties: tiny vocabularies, repeated tokens, empty lines and texts, Unicode, long texts."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rouge_score import rouge_scorer

from harness.metrics.fast_rouge import FastRougeScorer
from harness.metrics.lcs_bits import StackedTargets

ROUGE_TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

# Few distinct words so that LCSs tie; words that stem alike; characters that lowercase or
# vanish in interesting ways (Kelvin sign -> "k", dotted I -> "i" + combining dot, sigma).
WORDS = ["a", "b", "c", "a", "the", "cat", "cats", "running", "runs", "run", "x1", "K", "İs", "Σσς", "é", "日本"]
SEPARATORS = [" ", " ", " ", "\n", "\n\n", " . ", ", ", "\t", "-", " \n "]


@st.composite
def texts(draw, max_words: int = 20) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), max_size=max_words))
    pieces = []
    for word in words:
        pieces.append(word)
        pieces.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(pieces[: draw(st.integers(len(pieces) - 1, len(pieces)))] if pieces else [])


def rows_of(layout: StackedTargets, reversed_bits: int, segments: list[list[int]]) -> list[list[int]]:
    """Turn the read-out's reversed-layout bits back into row indices per (non-empty) segment."""
    top = 8 * layout.nbytes - 1
    position, out = 0, []
    for segment in segments:
        if segment:
            out.append([k for k in range(len(segment)) if reversed_bits >> (top - (position + 1 + k)) & 1])
            position += len(segment) + 1
        else:
            out.append([])
    return out


small_token_lists = st.lists(st.integers(0, 3), max_size=9)


@settings(max_examples=600, deadline=None)
@given(
    targets=st.lists(st.lists(small_token_lists, min_size=1, max_size=4), min_size=1, max_size=3),
    candidates=st.lists(small_token_lists, min_size=1, max_size=4),
)
def test_union_lcs_rows_are_rouge_scores_backtrack(targets, candidates):
    layout = StackedTargets(targets)
    got = rows_of(layout, layout.union_lcs(candidates), [s for t in targets for s in t])
    want = [sorted(set().union(*(rouge_scorer.lcs_ind(s, c) for c in candidates))) for t in targets for s in t]
    assert got == want


@settings(max_examples=300, deadline=None)
@given(targets=st.lists(small_token_lists, min_size=1, max_size=4), candidate=small_token_lists)
def test_lcs_lengths_match_the_dp_table(targets, candidate):
    layout = StackedTargets([[t] for t in targets])
    want = [rouge_scorer._lcs_table(t, candidate)[-1][-1] for t in targets]
    assert layout.lcs_lengths(candidate) == want


def assert_identical(expected: dict, actual: dict) -> None:
    """Same keys and the same numbers of the same types (rouge-score returns int 0 when empty)."""
    assert list(actual) == list(expected)
    for rouge_type, score in expected.items():
        got = actual[rouge_type]
        assert type(got) is type(score)
        assert [(type(x), x) for x in got] == [(type(x), x) for x in score], rouge_type


SCORER_PAIRS = {
    stem: (rouge_scorer.RougeScorer(ROUGE_TYPES, use_stemmer=stem), FastRougeScorer(ROUGE_TYPES, use_stemmer=stem))
    for stem in (False, True)
}


@pytest.mark.parametrize("use_stemmer", [False, True])
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(targets=st.lists(texts(), min_size=1, max_size=4), prediction=texts())
def test_scores_equal_rouge_score(use_stemmer, targets, prediction):
    oracle, fast = SCORER_PAIRS[use_stemmer]
    assert_identical(oracle.score(targets[0], prediction), fast.score(targets[0], prediction))
    assert_identical(oracle.score_multi(targets, prediction), fast.score_multi(targets, prediction))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(target=texts(max_words=400), prediction=texts(max_words=150))
def test_long_texts_equal_rouge_score(target, prediction):
    oracle, fast = SCORER_PAIRS[True]
    assert_identical(oracle.score(target, prediction), fast.score(target, prediction))


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60))
def test_arbitrary_unicode_equal_rouge_score(text):
    oracle, fast = SCORER_PAIRS[True]
    other = "a b\n" + text[::-1]
    assert_identical(oracle.score(text, other), fast.score(text, other))
    assert_identical(oracle.score(other, text), fast.score(other, text))


@pytest.mark.parametrize("rouge_types", [["rougeLsum"], ["rouge3", "rougeL"], ["rouge9"], ["rougeL", "rouge1"]])
@settings(max_examples=50, deadline=None)
@given(target=texts(), prediction=texts())
def test_other_type_selections_equal_rouge_score(rouge_types, target, prediction):
    oracle = rouge_scorer.RougeScorer(rouge_types)
    fast = FastRougeScorer(rouge_types)
    assert_identical(oracle.score(target, prediction), fast.score(target, prediction))


def test_invalid_rouge_types_are_rejected():
    for rouge_type in ("rougen", "rouge0", "rouge10", "rougeLSum"):
        with pytest.raises(ValueError):
            FastRougeScorer([rouge_type])


def test_score_multi_needs_a_sequence_of_targets():
    scorer = FastRougeScorer()
    with pytest.raises(ValueError):
        scorer.score_multi([], "a b")
    with pytest.raises(TypeError):
        scorer.score_multi("a b", "a b")
