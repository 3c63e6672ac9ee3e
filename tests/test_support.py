"""`support` (model-free) on hand-made cases, and its lexical alignment."""

from __future__ import annotations

import pytest

from harness.metrics.lexical import Passage, align, join_numbers, tokens
from harness.metrics.loading import build_metrics, metric_spec
from harness.metrics.support import Support, SupportOptions
from harness.records import Example, Summary

ARTICLE = (
    "The city council approved a plan on Tuesday to build 1,200 new homes on the site of the old steelworks. "
    "The vote passed by seven votes to two after a three-hour debate. "
    "Mayor Ellen Hart said the homes would be ready by 2027 and that a third of them would be affordable. "
    "Critics argued that the site needs a new school before any families move in. "
    "Construction is expected to begin next spring once the land has been cleaned."
)


def bullets_of(*bullets: str) -> Summary:
    return Summary("d1", "\n".join(bullets), tuple(bullets))


def score(*bullets: str, **options):
    metric = Support(SupportOptions(**options))
    return metric.score([Example("d1", ARTICLE)], [bullets_of(*bullets)])[0]


def test_copied_bullet_scores_high_with_its_sentence_as_evidence():
    row = score("Critics argued that the site needs a new school before any families move in.")
    bullet = row.details["bullets"][0]
    assert bullet["score"] == pytest.approx(1.0)
    assert bullet["supported"] is True
    assert bullet["evidence"] == ["Critics argued that the site needs a new school before any families move in."]
    assert row.values == {"score": pytest.approx(1.0), "unsupported": 0.0}


def test_changed_number_scores_lower_and_is_unsupported():
    right = score("The council approved a plan to build 1,200 new homes on the old steelworks site.")
    wrong = score("The council approved a plan to build 4,500 new homes on the old steelworks site.")
    assert wrong.values["score"] < right.values["score"]
    assert wrong.values["unsupported"] == 1.0
    assert wrong.details["bullets"][0]["novel_numbers"] == ["4500"]
    assert right.details["bullets"][0].get("novel_numbers") is None


def test_entity_from_nowhere_is_unsupported():
    row = score("Mayor Ellen Hart said the homes would be ready by 2027 with help from Governor Brooks.")
    bullet = row.details["bullets"][0]
    assert bullet["novel_names"] == ["Brooks", "Governor"]
    assert bullet["supported"] is False
    # the same bullet without the invented name is supported
    assert score("Mayor Ellen Hart said the homes would be ready by 2027.").details["bullets"][0]["supported"]


def test_fused_sentence_from_two_source_sentences_is_supported_with_both_as_evidence():
    fused = (
        "The city council approved a plan on Tuesday to build 1,200 new homes on the old steelworks site "
        "and Mayor Ellen Hart said the homes would be ready by 2027."
    )
    row = score(fused)
    bullet = row.details["bullets"][0]
    assert bullet["supported"] is True and bullet["score"] > 0.85
    assert bullet["evidence_index"] == [0, 2]
    # without fusion the best single sentence covers only about half of it
    assert score(fused, fusion=False).details["bullets"][0]["score"] < 0.7


@pytest.mark.parametrize(
    "stitched",
    [
        "Critics argued that the homes would be ready by next spring.",
        "The mayor said construction is expected to begin after a three-hour debate.",
    ],
)
def test_stitched_short_parts_are_not_fusion(stitched):
    # false claims stitched from short pieces of two sentences: the parts are shorter than
    # min_segment tokens, so they are not read as a fused sentence
    assert score(stitched).details["bullets"][0]["supported"] is False
    # and a claim is never split next to its reporting verb ("critics argued that | ..."): who said
    # it comes from the sentence that says it, however short the parts may be
    short = score(stitched, min_segment=3, three_part_segment=3).details["bullets"][0]
    assert short["supported"] is False and len(short["evidence_index"]) == 1


def test_word_weight_blends_content_words_and_bigrams():
    # same words, different order: content words all found, few bigrams
    shuffled = "Spring next begin to expected is construction."
    words_only = score(shuffled, word_weight=1.0).details["bullets"][0]["score"]
    bigrams_only = score(shuffled, word_weight=0.0).details["bullets"][0]["score"]
    assert words_only == pytest.approx(1.0)
    assert bigrams_only < 0.2
    assert score(shuffled).details["bullets"][0]["score"] == pytest.approx((words_only + bigrams_only) / 2)


def test_mean_and_min_aggregation_and_unsupported_count():
    good = "Construction is expected to begin next spring once the land has been cleaned."
    bad = "The stadium will host the Olympic final in 2032."
    mean = score(good, bad)
    low = score(good, bad, aggregate="min")
    per_bullet = [b["score"] for b in mean.details["bullets"]]
    assert mean.values["score"] == pytest.approx(sum(per_bullet) / 2)
    assert low.values["score"] == pytest.approx(min(per_bullet))
    assert mean.values["unsupported"] == 1.0


def test_empty_summary_has_no_score_and_nothing_unsupported():
    row = Support().score([Example("d1", ARTICLE)], [Summary("d1", "", ())])[0]
    assert row.values == {"score": None, "unsupported": 0.0}


def test_split_numbers_in_tokenized_text_are_rejoined():
    assert join_numbers("more than 235, 000 times, 1 . 3 billion") == "more than 235,000 times, 1.3 billion"
    assert join_numbers("on March 1, 1969") == "on March 1, 1969"  # a date is not a thousands group
    assert tokens("235,000") == tokens("235 , 000") == ["235000"]
    passage = Passage.from_text("Around 1. 3 billion people marked the festival .")
    assert len(passage.sentences) == 1
    assert align("Around 1.3 billion people marked the festival.", passage).score == pytest.approx(1.0)


def test_shipped_config_builds_the_metric():
    [metric] = build_metrics(metric_spec(["support"]))
    assert isinstance(metric, Support)
    assert metric.keys() == ["support/score", "support/unsupported"]
    assert metric.higher_is_better("unsupported") is False


def test_names_skip_sentence_openers_and_lowercased_text():
    from harness.metrics.lexical import names

    assert names('The Spain forward met NASA staff in Paris\'s centre. It was "Great" for McCoy.') == [
        "Spain",
        "NASA",
        "Paris",
        "Great",
        "McCoy",
    ]
    assert names("officials in Paris confirmed it") == ["Paris"]
    assert names("the spain forward met real madrid") == []


def test_a_negation_the_evidence_lacks_halves_the_score():
    said = score("Critics argued that the site needs a new school before any families move in.")
    negated = score("Critics argued that the site does not need a new school before any families move in.")
    bullet = negated.details["bullets"][0]
    assert bullet["novel_negation"] is True and "novel_negation" not in said.details["bullets"][0]
    assert bullet["score"] == pytest.approx(bullet["coverage"] * 0.5)
    assert bullet["supported"] is False


def test_words_said_by_someone_else_are_unsupported():
    right = score("Mayor Ellen Hart said the homes would be ready by 2027.").details["bullets"][0]
    # "Critics" opens the sentence (not read as a name); a named speaker the evidence lacks is
    wrong = score("The plan's critic Ellen Hart said the homes would be ready by 2027.").details["bullets"][0]
    other = score("Mayor Tom Reid said the homes would be ready by 2027.").details["bullets"][0]
    assert "other_speaker" not in right and right["supported"]
    assert other["other_speaker"] == ["reid", "tom"] and not other["supported"]
    assert "other_speaker" not in wrong  # the name is right; "critic" is not a name: a lexical limit


def test_a_pronoun_speaker_is_read_from_the_sentence_before():
    article = "Dana Ruiz runs the transport department. She said the bridge was safe to use."
    metric = Support()
    [row] = metric.score([Example("d", article)], [bullets_of("Dana Ruiz said the bridge was safe to use.")])
    bullet = row.details["bullets"][0]
    assert "other_speaker" not in bullet and bullet["supported"] and bullet["score"] == bullet["coverage"]
    [row] = metric.score([Example("d", article)], [bullets_of("Mayor Tom Reid said the bridge was safe to use.")])
    assert row.details["bullets"][0]["other_speaker"] == ["reid", "tom"]


def test_numbers_written_another_way_match():
    article = "The state approved a $48 million project. The bridge carries about 22,000 vehicles a day."
    bullets = [
        "The state approved a 48 million dollar project.",
        "The state approved a US$48m project.",
        "The bridge carries 22000 vehicles a day.",
        "The bridge carries nearly 22,000 vehicles each day.",
    ]
    [row] = Support().score([Example("d", article)], [bullets_of(*bullets)])
    for bullet in row.details["bullets"]:
        assert bullet["supported"] and "novel_numbers" not in bullet, bullet
    [row] = Support().score([Example("d", article)], [bullets_of("The state approved a $84 million project.")])
    assert row.details["bullets"][0]["novel_numbers"] == ["84000000"]


def test_a_bullet_joining_three_sentences_is_supported_with_all_three_as_evidence():
    article = (
        "The state approved a $48 million project on Monday. "
        "Crews will replace the corroded steel deck and repaint the girders. "
        "The bridge carries about 22,000 vehicles a day."
    )
    bullet = (
        "The $48 million project will replace a corroded steel deck on a bridge carrying about 22,000 vehicles a day."
    )
    [row] = Support().score([Example("d", article)], [bullets_of(bullet)])
    joined = row.details["bullets"][0]
    [row] = Support(SupportOptions(three_part_segment=0)).score([Example("d", article)], [bullets_of(bullet)])
    alone = row.details["bullets"][0]
    assert joined["supported"] and sorted(joined["evidence_index"]) == [0, 1, 2]
    assert not alone["supported"] and len(alone["evidence_index"]) == 1


def test_a_source_is_built_into_a_passage_once_per_process_and_calls_agree() -> None:
    from harness.metrics import lexical

    source = ARTICLE + " A second call, or a second support variant, reads the same passage."
    summary = bullets_of("The council approved 1,200 new homes.", "Critics want a new school first.")
    first = Support().score([Example("d1", source)], [summary])
    [shared] = lexical.source_passages([source])
    again = Support(SupportOptions(aggregate="min")).score([Example("d1", source)], [summary])
    assert lexical.source_passages([source])[0] is shared  # built once, read by both calls
    assert [row.details["bullets"] for row in again] == [row.details["bullets"] for row in first]
    built = Passage.from_text(source)
    assert (shared.sentences, list(shared.tokens)) == (built.sentences, list(built.tokens))


def test_the_passage_cache_is_bounded_and_a_call_may_hold_more_sources_than_it() -> None:
    from harness.metrics import lexical

    n = lexical.CACHED_PASSAGES + 5
    sources = [f"Source number {k} says the council met. It met on day {k}." for k in range(n)]
    passages = lexical.source_passages(sources)
    assert [p.sentences for p in passages] == [Passage.from_text(s).sentences for s in sources]
    assert len(lexical._passages) == lexical.CACHED_PASSAGES  # the most recently used kept
    assert lexical.source_passages(sources[-1:])[0] is passages[-1]
    assert lexical.source_passages(sources[:1])[0] is not passages[0]  # dropped, built again


def test_the_passage_cache_holds_a_bounded_amount_of_text_not_only_a_number_of_sources() -> None:
    # a passage's memory grows with its text (a 40,000-word source: about 2 MB), so long documents
    # are held up to a budget of characters; one longer than the whole budget is built, never kept
    from harness.metrics import lexical

    long = [f"Report {k:02}. " + "The council met again and voted on the plan. " * 4000 for k in range(16)]
    each = len(long[0])
    lexical.source_passages(long)
    held = [t for t in lexical._passages if t.startswith("Report ")]
    assert len(held) == lexical.CACHED_CHARS // each < 16  # the most recent that fit
    assert held == long[16 - len(held) :]
    assert sum(map(len, lexical._passages)) <= lexical.CACHED_CHARS
    huge = "The council met. " * (lexical.CACHED_CHARS // 16 + 1)
    [passage] = lexical.source_passages([huge])
    assert passage.sentences and huge not in lexical._passages


def test_summaries_beyond_one_block_score_as_each_alone() -> None:
    from harness.metrics import support

    n = support.PAIRS_PER_BLOCK + 3
    examples = [Example(f"d{k}", f"{ARTICLE} The site covers {k + 10} acres.") for k in range(n)]
    summaries = [bullets_of(f"The site covers {k + 10} acres.", "The vote passed seven to two.") for k in range(n)]
    together = Support().score(examples, summaries)
    alone = [Support().score([e], [s])[0] for e, s in zip(examples, summaries)]
    assert [(r.values, r.details) for r in together] == [(r.values, r.details) for r in alone]
