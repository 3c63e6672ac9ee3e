"""The bundled demo dataset: well-formed, and every bullet and fact checkable against its article."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
NAME_WORD = re.compile(r"\b[A-Z][A-Za-z]+")


def load_records() -> list[dict]:
    text = (resources.files("harness") / "resources" / "demo_news.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


RECORDS = load_records()
IDS = [r.get("id", f"line-{i + 1}") for i, r in enumerate(RECORDS)]


def numbers(text: str) -> set[str]:
    """Numbers written with digits, thousands separators removed: '1,200' -> '1200', '3.5' stays."""
    return {re.sub(r",(?=\d{3}\b)", "", n) for n in NUMBER.findall(text)}


def missing_numbers(claim: str, source: str) -> set[str]:
    return numbers(claim) - numbers(source)


def missing_names(fact: str, source: str) -> list[str]:
    """Capitalised words after the first word of the fact that do not occur in the article."""
    words = NAME_WORD.findall(fact.split(" ", 1)[1]) if " " in fact else []
    return [w for w in words if not re.search(rf"\b{re.escape(w)}\b", source)]


def test_enough_records_with_unique_ids():
    assert len(RECORDS) >= 15
    assert all(isinstance(r.get("id"), str) and r["id"] for r in RECORDS)
    assert len(set(IDS)) == len(IDS)


def test_topics_are_varied():
    topics = [r.get("topic") for r in RECORDS]
    assert all(isinstance(t, str) and t for t in topics)
    assert len(set(topics)) == len(topics)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_record_shape(record):
    assert set(record) >= {"id", "topic", "source", "reference", "facts"}
    source = record["source"]
    assert isinstance(source, str) and source.strip()
    assert 150 <= len(source.split()) <= 320
    assert source.count("\n\n") >= 2, "article should have several paragraphs"
    bullets = record["reference"]
    assert isinstance(bullets, list) and len(bullets) == 3
    for bullet in bullets:
        assert isinstance(bullet, str) and bullet.strip()
        assert 8 <= len(bullet.split()) <= 22, bullet
        assert "\n" not in bullet
    facts = record["facts"]
    assert isinstance(facts, list) and 4 <= len(facts) <= 8
    assert all(isinstance(f, str) and f.strip() for f in facts)
    assert len(set(facts)) == len(facts)


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_numbers_in_bullets_and_facts_appear_in_article(record):
    source = record["source"]
    for claim in record["reference"] + record["facts"]:
        assert not missing_numbers(claim, source), f"{claim!r}: {sorted(missing_numbers(claim, source))} not in article"


@pytest.mark.parametrize("record", RECORDS, ids=IDS)
def test_names_in_facts_appear_in_article(record):
    source = record["source"]
    for fact in record["facts"]:
        assert not missing_names(fact, source), f"{fact!r}: {missing_names(fact, source)} not in article"


def test_checks_catch_unsupported_claims():
    source = "The council of Brackley Heath approved 1,200 homes and a £3.5 million park in 2026."
    assert not missing_numbers("Brackley Heath approved 1200 homes.", source)
    assert not missing_numbers("The park cost £3.5 million.", source)
    assert missing_numbers("The park cost £3.6 million.", source) == {"3.6"}
    assert missing_numbers("The homes will be ready in 2027.", source) == {"2027"}
    assert not missing_names("The council of Brackley Heath approved homes.", source)
    assert missing_names("The mayor of Brackley Green approved homes.", source) == ["Green"]
