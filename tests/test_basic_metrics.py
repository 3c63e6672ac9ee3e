"""Known-answer tests for the format and extractiveness metrics, and the declared-fields contract."""

from __future__ import annotations

import pytest

from harness.metrics.extractive import Extractiveness, fragments, novel_ratio, tokens
from harness.metrics.format import BulletFormat, FormatOptions
from harness.metrics.loading import build_metrics, metric_spec, packaged_metric_names
from harness.records import Example, Summary


def test_fragments_follow_grusky_greedy_matching():
    article = tokens("The cat sat on the mat")
    summary = tokens("the cat on the mat today")
    # "the cat" (2), then "on the mat" (3), "today" unmatched
    assert fragments(article, summary) == [2, 3]
    assert novel_ratio(article, [summary], 1) == pytest.approx(1 / 6)
    assert novel_ratio(article, [summary], 2) == pytest.approx(2 / 5)  # (cat on), (mat today)


def test_extractiveness_fields():
    example = Example("d", "The cat sat on the mat")
    row = Extractiveness().score([example], [Summary("d", "", ("the cat on the mat today",))])[0].values
    assert row["coverage"] == pytest.approx(5 / 6)
    assert row["density"] == pytest.approx((2 * 2 + 3 * 3) / 6)
    assert row["compression"] == pytest.approx(1.0)
    assert row["novel_3gram"] == pytest.approx(3 / 4)  # only (on the mat) is in the article


def test_format_counts_bullets_compliance_words_and_preamble():
    metric = BulletFormat(FormatOptions(n_bullets=3))
    rows = metric.score(
        [Example("a", "s"), Example("b", "s")],
        [
            Summary("a", "", ("one two", "three four five", "six"), "", style="dash"),
            Summary("b", "", ("only one bullet",), "Here is a summary:", style="dash"),
        ],
    )
    assert rows[0].values == {
        "bullets": 3.0,
        "compliant": 1.0,
        "words_per_bullet": 2.0,
        "length_compliant": 1.0,
        "preamble": 0.0,
        "outro": 0.0,
        "truncated": 0.0,
        "redundancy": 0.0,
    }
    assert rows[1].values == {
        "bullets": 1.0,
        "compliant": 0.0,
        "words_per_bullet": 3.0,
        "length_compliant": 1.0,
        "preamble": 1.0,
        "outro": 0.0,
        "truncated": 0.0,
        "redundancy": None,
    }


@pytest.mark.parametrize("name", ["rouge", "format", "extractive"])
def test_each_metric_emits_exactly_its_declared_fields(name):
    (metric,) = build_metrics(metric_spec([name]))
    example = Example("d", "The council approved the budget. It takes effect in May.", ("Council approves budget.",))
    (row,) = metric.score([example], [Summary("d", "", ("The council approved a budget.", "It starts in May."))])
    assert set(row.values) == set(metric.fields)
    assert all(v is None or isinstance(v, float) for v in row.values.values())


def test_every_shipped_metric_config_builds_or_says_why():
    from harness.errors import MetricUnavailable

    for name in packaged_metric_names():
        try:
            metrics = build_metrics(metric_spec([name]))
        except MetricUnavailable as e:  # model-based metrics without weights must say why
            assert str(e)
            continue
        assert metrics and all(m.fields for m in metrics)
