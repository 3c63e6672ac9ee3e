"""harness/judge/replies.py: judge replies read robustly. Each table row is a reply as models write
them and the value and repairs read by hand from it."""

from __future__ import annotations

import json
import random

import pytest

from harness.judge.replies import MAX_DEPTH, JsonReply, _read, numbered_items, read_json, read_label

ITEMS = [{"sentence": 1, "category": "no error"}, {"sentence": 2, "category": "out-of-context error"}]
ITEMS_JSON = json.dumps(ITEMS)


@pytest.mark.parametrize(
    "reply, value, repairs",
    [
        (ITEMS_JSON, ITEMS, []),
        ("```json\n" + ITEMS_JSON + "\n```", ITEMS, ["fenced"]),
        ("```\n" + ITEMS_JSON + "\n```\n", ITEMS, ["fenced"]),
        ("Here is my answer:\n" + ITEMS_JSON + "\nLet me know if you need more.", ITEMS, ["prose around"]),
        ("Sure!\n```json\n" + ITEMS_JSON + "\n```\nDone.", ITEMS, ["fenced", "prose around"]),
        # cut at max_tokens: the complete items are kept, the partial one dropped
        (ITEMS_JSON[:-1] + ', {"sentence": 3, "categ', ITEMS, ["truncated: 1 item dropped"]),
        (ITEMS_JSON[:-1] + ', {"sentence": 3, "category": "no', ITEMS, ["truncated: 1 item dropped"]),
        (ITEMS_JSON[:-1] + ", ", ITEMS, ["truncated: 0 items dropped"]),
        ("[1, 2, 3", [1, 2], ["truncated: 1 item dropped"]),  # the 3 may have been 35
        ("[1, 2, 3,", [1, 2, 3], ["truncated: 0 items dropped"]),
        ('["a", "b\\u00', ["a"], ["truncated: 1 item dropped"]),
        ('[{"a": 1}, {"b": 2},]', [{"a": 1}, {"b": 2}], ["trailing comma"]),
        ('[{"a": 1, "b": 2,}]', [{"a": 1, "b": 2}], ["trailing comma"]),
        ("[{'a': 'x', 'b': 'y'}]", [{"a": "x", "b": "y"}], ["single quotes"]),
        ("[{'reason': 'the man's dog'}]", [{"reason": "the man's dog"}], ["single quotes", "unescaped quote"]),
        (
            "[{'a': True, 'b': False, 'c': None}]",
            [{"a": True, "b": False, "c": None}],
            ["single quotes", "python literals"],
        ),
        ('[{"a": true, "b": null}]', [{"a": True, "b": None}], []),
        ("[1, // one\n2 /* two */, 3 # three\n]", [1, 2, 3], ["comments"]),
        ('{"sentences": [1, 2]}', [1, 2], ["unwrapped"]),
        ('{"summary_id": 7, "sentences": [1, 2]}', [1, 2], ["unwrapped"]),
        ('{"result": {"sentences": [1, 2]}}', [1, 2], ["unwrapped"]),  # a nested wrapper
        ('{"sentences": [{"a": 1}, {"b": 2', [{"a": 1}], ["truncated: 1 item dropped", "unwrapped"]),
        ("[1, 2]\n\nOr, on reflection:\n[3]", [1, 2], ["prose around"]),  # two blocks: the first
        ('[{"a": 1} {"b": 2}]', [{"a": 1}, {"b": 2}], ["missing comma"]),
        ('[{"a": 1 "b": 2}]', [{"a": 1, "b": 2}], ["missing comma"]),
        ("[{sentence: 1}]", [{"sentence": 1}], ["unquoted key"]),
        ('[{"reason": "he said "no" to it", "x": 1}]', [{"reason": 'he said "no" to it', "x": 1}], ["unescaped quote"]),
        ('["tab\\there", "\\u00e9", "\\ud83d\\ude00", "a\\/b"]', ["tab\there", "é", "😀", "a/b"], []),
        ('["a\\sb"]', ["a\\sb"], ["bad escape"]),
        ('["\\ud800", "x\ud800"]', ["\ufffd", "x\ufffd"], ["lone surrogate"]),
        ("[-1, 0, 2.5, 1e3, -0.5E-2]", [-1, 0, 2.5, 1000.0, -0.005], []),
        ("The list [of sentences] is:\n[1]", [1], ["prose around"]),  # a bracket of prose is no value
        ("[]", [], []),
        ("[[1], [2]]", [[1], [2]], []),
    ],
)
def test_a_reply_is_read_with_its_repairs(reply, value, repairs):
    assert read_json(reply) == JsonReply(value, repairs)


@pytest.mark.parametrize(
    "reply, value, repairs",
    [
        ('{"verdict": "yes", "score": 0.5}', {"verdict": "yes", "score": 0.5}, []),
        ('[1, 2] then {"a": 1}', {"a": 1}, ["prose around"]),  # a list is not the kind asked for
        ('{"x": 0, "a": {"b": [1, 2', {"x": 0}, ["truncated: 1 item dropped"]),  # the outermost object is cut
        ('{"a": 1, "b": "x', {"a": 1}, ["truncated: 1 item dropped"]),
    ],
)
def test_an_object_is_read_when_an_object_is_expected(reply, value, repairs):
    assert read_json(reply, expect=dict) == JsonReply(value, repairs)


@pytest.mark.parametrize(
    "reply",
    [
        None,
        "",
        "No JSON here.",
        "[not json]",
        "[1, 2, x]",
        '[{"a": 1]',  # the wrong bracket closes
        "[NaN]",
        "[1e999]",  # not finite
        "[" + "9" * 100 + "]",  # a number no judge writes
        '{"a": 1, "b": 2}',  # an object without a list
        '{"a": [1], "b": [2]}',  # two lists: which one is ambiguous
        '[{"a": 1',  # cut before any item was complete
        "[",
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
    ],
)
def test_no_value_gives_none(reply):
    assert read_json(reply) is None


def test_a_truncated_wrapper_is_cut_at_the_kind_asked_for():
    """A list is cut at its items; an object at its pairs, and one cut inside its first pair has none."""
    reply = '{"a": {"b": [1, 2'
    assert read_json(reply) == JsonReply([1], ["truncated: 1 item dropped", "unwrapped"])
    assert read_json(reply, expect=dict) is None


def test_nesting_up_to_the_cap_is_read():
    assert read_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


def test_expect_must_be_list_or_dict():
    with pytest.raises(ValueError, match="expect must be list or dict"):
        read_json("[]", expect=str)


def junk(n: int) -> str:
    rng = random.Random(7)
    return bytes(rng.getrandbits(8) for _ in range(n)).decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    "reply",
    [
        "[" * 200_000,
        "{" * 200_000,
        "[{" * 100_000,
        '"' * 200_000,
        "['" + "'" * 200_000,
        "[" * (MAX_DEPTH - 1) + "1," * 100_000 + "x",  # a long candidate that fails at its end
        '[{"a": [1, [2, {"b": [3' + ", 4" * 50_000 + " x",
        '{"a":1}' * 30_000,
        junk(200_000),
        "\ud800\udfff" * 50_000 + "[1]",
    ],
    ids=[
        "brackets",
        "braces",
        "list-object",
        "quotes",
        "single-quotes",
        "long-fail",
        "deep-fail",
        "objects",
        "binary",
        "surrogates",
    ],
)
def test_adversarial_replies_are_read_in_linear_work(reply):
    """Work is counted in characters read by all candidates together: a few passes, never one
    per bracket (200,000 brackets would be 2 * 10^10 characters)."""
    _, work = _read(reply)
    assert work <= 3 * len(reply) + 100


def test_a_long_real_reply_is_read_whole():
    items = [{"sentence": i, "reason": "because " * 20, "category": "no error"} for i in range(1, 1001)]
    reply = "```json\n" + json.dumps(items, indent=2) + "\n```"
    assert len(reply) > 200_000
    assert read_json(reply) == JsonReply(items, ["fenced"])


def test_lone_surrogates_in_the_reply_are_no_trouble_outside_strings():
    assert read_json("\ud800 [1, 2] \udfff") == JsonReply([1, 2], ["prose around"])


# numbered_items --------------------------------------------------------------------------------

A, B, C = {"sentence": 1, "v": "a"}, {"sentence": 2, "v": "b"}, {"sentence": 3, "v": "c"}


@pytest.mark.parametrize(
    "items, count, placed, problems",
    [
        ([A, B, C], 3, [A, B, C], []),
        ([C, A, B], 3, [A, B, C], []),  # out of order: the numbers place them
        (
            [{"id": 0}, {"id": 1}, {"id": 2}],
            3,
            [{"id": 0}, {"id": 1}, {"id": 2}],
            ["items numbered from 0"],
        ),
        ([{"Sentence": "2"}, {"Sentence": "Sentence 1"}], 2, [{"Sentence": "Sentence 1"}, {"Sentence": "2"}], []),
        ([{"fact": "#2"}, {"fact": 1.0}], 2, [{"fact": 1.0}, {"fact": "#2"}], []),
        # gaps: a sentence the judge skipped stays unread
        ([A, C], 3, [A, None, C], ["no item for position(s) 2"]),
        # a duplicate number with the right count: the numbers are wrong, the order is used
        (
            [A, {"sentence": 1, "v": "b"}, C],
            3,
            [A, {"sentence": 1, "v": "b"}, C],
            ["numbering inconsistent: items placed in order"],
        ),
        # two items say opposite things of sentence 1 and the third is numbered 2: in order, the
        # one about sentence 2 would judge sentence 3. An item's own unique number is never overruled.
        (
            [A, {"sentence": 1, "v": "x"}, B],
            3,
            [None, B, None],
            ["position 1: 2 different items, all dropped", "no item for position(s) 1, 3"],
        ),
        # the same item twice: one is kept
        ([A, A, C], 4, [A, None, C, None], ["position 1: 1 duplicate item(s) dropped", "no item for position(s) 2, 4"]),
        # two different items for one position: neither is trusted
        (
            [A, {"sentence": 1, "v": "x"}],
            3,
            [None, None, None],
            ["position 1: 2 different items, all dropped", "no item for position(s) 1, 2, 3"],
        ),
        (
            [A, {"sentence": 9}],
            3,
            [A, None, None],
            ["item 2: number 9 out of range for 3 positions, dropped", "no item for position(s) 2, 3"],
        ),
        # FineSurE's "sentence" holds the sentence's text: no numbers, so order places them
        (
            [{"sentence": "The cat sat."}, {"sentence": "It left."}],
            2,
            [{"sentence": "The cat sat."}, {"sentence": "It left."}],
            [],
        ),
        (
            [{"sentence": "The cat sat."}, "junk"],
            2,
            [{"sentence": "The cat sat."}, None],
            ["item 2: not an object, dropped", "no item for position(s) 2"],
        ),
        # the wrong count without numbers: nothing can be placed
        (
            [{"sentence": "x"}, {"sentence": "y"}],
            3,
            [None, None, None],
            ["2 unnumbered item(s) for 3 positions: none placed", "no item for position(s) 1, 2, 3"],
        ),
        # the wrong count with numbers: the numbered items that fit are placed
        (
            [A, {"v": "no number"}],
            3,
            [A, None, None],
            ["item 2: no number, dropped", "no item for position(s) 2, 3"],
        ),
        ([], 2, [None, None], ["no item for position(s) 1, 2"]),
        ([], 0, [], []),
        (
            [{"sentence": True}, {"sentence": False}],
            2,
            [{"sentence": True}, {"sentence": False}],
            [],
        ),  # bools are no numbers
    ],
)
def test_items_are_placed_by_their_numbers_or_order(items, count, placed, problems):
    assert numbered_items(items, count) == (placed, problems)


def test_the_number_keys_can_be_chosen():
    items = [{"claim_no": 2}, {"claim_no": 1}]
    assert numbered_items(items, 2, number_keys=("claim_no",)) == ([items[1], items[0]], [])
    assert numbered_items(items, 2)[0] == items  # unknown keys: placed in order


# read_label ------------------------------------------------------------------------------------

LABELS = {"yes": "supported", "no": "unsupported", "supported": "supported", "Not Supported": "unsupported"}


@pytest.mark.parametrize(
    "reply, verdict",
    [
        ("Yes.", "supported"),
        ("**No**", "unsupported"),
        ("Answer: yes", "supported"),
        ("YES", "supported"),
        ("Not supported.", "unsupported"),  # the longer label is read first
        ("not\nsupported", "unsupported"),
        ("Supported. Yes.", "supported"),  # two labels, one verdict
        ("Yes, no.", None),  # conflicting
        ("Maybe.", None),
        ("Nobody knows.", None),  # a label inside a word is not the label
        ("yes_no", None),
        ("", None),
        (None, None),
    ],
)
def test_a_verdict_word_is_read(reply, verdict):
    assert read_label(reply, LABELS) == verdict


def test_no_labels_read_nothing():
    assert read_label("Yes", {}) is None
