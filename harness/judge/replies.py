"""LLM replies that should hold JSON, or one verdict word, read robustly.

FineSurE-style judges (Song et al., ACL 2024) reply with a JSON list, one object per summary
sentence. Real models fence the list in ```json, wrap it in prose, stop at max_tokens inside an
item, number the items wrongly, add trailing commas or comments, write Python (single quotes,
True/False/None), wrap the list in an object ({"sentences": [...]}) or reply with two blocks.

- `read_json`: the first value of the expected kind, with the list of what was repaired.
- `numbered_items`: items mapped to positions 1..count; a position without a readable item is
  None, which the caller counts as unreadable, never as supported.
- `read_label`: a one-word verdict ("Yes.", "**No**", "Answer: supported").

The reader is a small scanner, not a regex over brackets: a candidate value is read token by
token with an explicit stack (nesting deeper than MAX_DEPTH gives None), and a candidate that
fails is not read again from the brackets still open where it failed (they fail at the same
place), so the work stays linear in the reply's length (`_read` counts it for the tests).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

__all__ = ["JsonReply", "read_json", "numbered_items", "read_label", "MAX_DEPTH", "NUMBER_KEYS"]

MAX_DEPTH = 64  # no judge reply nests deeper; a deeper reply is junk (or an attack) and gives None
NUMBER_KEYS = ("sentence", "id", "index", "number", "fact", "bullet")


@dataclass
class JsonReply:
    value: Any
    repairs: list[str] = field(default_factory=list)  # what was repaired, in the order met


class _Fail(Exception):
    """The candidate cannot be read; `open_starts`: brackets still open there (they fail too)."""

    def __init__(self, open_starts: list[int], at: int):
        self.open_starts, self.at = open_starts, at


class _TooDeep(Exception):
    def __init__(self, at: int):
        self.at = at


class _End(Exception):
    """The reply ended inside a token (a string, a number, an escape): the item is partial."""


_VALUE, _KEY, _COLON, _AFTER = range(4)  # what a frame expects next


@dataclass
class _Frame:
    start: int
    items: list[Any] | dict[str, Any]
    state: int
    key: str = ""
    after_comma: bool = False

    def add(self, value: Any) -> None:
        if isinstance(self.items, list):
            self.items.append(value)
        else:
            self.items[self.key] = value
        self.state, self.after_comma = _AFTER, False


_SPACE = re.compile(r"\s*")
_OPENER = re.compile(r"[\[{]")
_BARE = re.compile(r"""[^\s\[\]{}(),:;"'/#]+""")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_PYTHON: dict[str, Any] = {"True": True, "False": False, "None": None}
_STRING_STOP = {'"': re.compile(r'["\\]'), "'": re.compile(r"['\\]")}
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
# A quote ends its string only when a delimiter follows (or a line break, or the end): valid JSON
# always has one there, and a model's unescaped inner quote ("he said "no" to it") does not.
_AFTER_STRING = frozenset(",:]}/#")
_SURROGATE = re.compile("[\ud800-\udfff]")
_FENCE = re.compile(r"```[\w-]*")


def _skip(text: str, i: int, repairs: dict[str, None]) -> int:
    """The position of the next token after whitespace and comments (//, /* */, #)."""
    n = len(text)
    while True:
        i = _SPACE.match(text, i).end()  # type: ignore[union-attr]  # \s* always matches
        if i >= n:
            return i
        if text[i] == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            return i
        repairs["comments"] = None


def _string(text: str, i: int, repairs: dict[str, None]) -> tuple[str, int]:
    """The string opened by the quote at `i` and the position after it."""
    quote, n = text[i], len(text)
    if quote == "'":
        repairs["single quotes"] = None
    parts: list[str] = []
    j = i + 1
    while True:
        m = _STRING_STOP[quote].search(text, j)
        if m is None:
            raise _End
        k = m.start()
        parts.append(text[j:k])
        if text[k] == "\\":
            if k + 1 >= n:
                raise _End
            e = text[k + 1]
            if e in _ESCAPES:
                parts.append(_ESCAPES[e])
                j = k + 2
            elif e == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[k + 2 : k + 6]):
                parts.append(chr(int(text[k + 2 : k + 6], 16)))
                j = k + 6
            elif e == "u" and k + 6 > n:
                raise _End
            else:  # kept as written, as Python keeps "\s"
                repairs["bad escape"] = None
                parts.append(text[k : k + 2])
                j = k + 2
            continue
        after = _SPACE.match(text, k + 1).end()  # type: ignore[union-attr]
        if after >= n or text[after] in _AFTER_STRING or "\n" in text[k + 1 : after]:
            return _clean("".join(parts), repairs), k + 1
        repairs["unescaped quote"] = None
        parts.append(quote)
        j = k + 1


def _clean(s: str, repairs: dict[str, None]) -> str:
    """Escaped surrogate pairs joined; a lone surrogate (which no UTF-8 file can hold) becomes U+FFFD."""
    if not _SURROGATE.search(s):
        return s
    joined = s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if _SURROGATE.search(joined) or joined.count("\ufffd") > s.count("\ufffd"):
        repairs["lone surrogate"] = None
        joined = _SURROGATE.sub("\ufffd", joined)
    return joined


def _scalar(word: str, repairs: dict[str, None]) -> Any:
    if word in _LITERALS:
        return _LITERALS[word]
    if word in _PYTHON:
        repairs["python literals"] = None
        return _PYTHON[word]
    if len(word) > 64 or not _NUMBER.fullmatch(word):  # a 10,000-digit int is junk, and slow to convert
        raise ValueError(word)
    if word.lstrip("-").isdigit():
        return int(word)
    number = float(word)
    if not math.isfinite(number):
        raise ValueError(word)
    return number


def _parse(text: str, start: int, cut_list: bool) -> tuple[Any, int, dict[str, None]]:
    """The value opened at `start`: (value, end, repairs). Raises _Fail, _TooDeep (with the position reached)."""
    repairs: dict[str, None] = {}
    stack: list[_Frame] = []
    n, i = len(text), start
    partial = False  # the reply ended inside a token
    while True:
        i = _skip(text, i, repairs) if stack else i
        if i >= n:
            break
        c = text[i]
        top = stack[-1] if stack else None
        is_list = top is not None and isinstance(top.items, list)
        value_here = top is None or top.state == _VALUE or (is_list and top.state == _AFTER)
        key_here = top is not None and not is_list and top.state in (_KEY, _AFTER)
        try:
            if c in "[{":
                if not value_here:
                    raise _Fail([f.start for f in stack], i)
                if len(stack) >= MAX_DEPTH:
                    raise _TooDeep(i)
                if top is not None and top.state == _AFTER:
                    repairs["missing comma"] = None
                stack.append(_Frame(i, [] if c == "[" else {}, _VALUE if c == "[" else _KEY))
                i += 1
                continue
            assert top is not None  # the first character of a candidate is an opener
            if c in "]}":
                if (c == "]") != is_list or top.state in (_COLON,) or (not is_list and top.state == _VALUE):
                    raise _Fail([f.start for f in stack], i)
                if top.after_comma:
                    repairs["trailing comma"] = None
                stack.pop()
                i += 1
                if not stack:
                    return top.items, i, repairs
                stack[-1].add(top.items)
            elif c == ",":
                if top.state != _AFTER:
                    raise _Fail([f.start for f in stack], i)
                top.state, top.after_comma = (_VALUE if is_list else _KEY), True
                i += 1
            elif c == ":":
                if top.state != _COLON:
                    raise _Fail([f.start for f in stack], i)
                top.state = _VALUE
                i += 1
            elif c in "\"'" and (key_here or value_here):
                s, i = _string(text, i, repairs)
                if top.state == _AFTER:
                    repairs["missing comma"] = None
                if key_here:
                    top.key, top.state = s, _COLON
                else:
                    top.add(s)
            else:
                m = _BARE.match(text, i)
                if m is None or not (key_here or value_here):
                    raise _Fail([f.start for f in stack], i)
                if m.end() >= n:
                    raise _End  # "[1, 2, 3" may have been "[1, 2, 35]"
                if top.state == _AFTER:
                    repairs["missing comma"] = None
                if key_here:
                    repairs["unquoted key"] = None
                    top.key, top.state = m.group(), _COLON
                else:
                    try:
                        top.add(_scalar(m.group(), repairs))
                    except ValueError:
                        raise _Fail([f.start for f in stack], i) from None
                i = m.end()
        except _End:
            partial = True
            break
    try:
        return _truncated(stack, cut_list, partial, repairs), n, repairs
    except _Fail as failed:
        raise _Fail(failed.open_starts, n) from None


def _truncated(stack: list[_Frame], cut_list: bool, partial: bool, repairs: dict[str, None]) -> Any:
    """The reply ended inside the value: the items of the cut frame (the outermost list when a
    list is expected, else the outermost frame) that were complete are kept, the partial one is
    dropped, and every frame round them is closed."""
    k = next((j for j, f in enumerate(stack) if isinstance(f.items, list)), 0) if cut_list else 0
    frame = stack[k]
    pending_pair = isinstance(frame.items, dict) and frame.state in (_COLON, _VALUE)
    dropped = int(len(stack) > k + 1 or (partial and k == len(stack) - 1) or pending_pair)
    repairs[f"truncated: {dropped} item{'' if dropped == 1 else 's'} dropped"] = None
    value = frame.items
    if not value:
        raise _Fail([f.start for f in stack], 0)  # nothing complete was read: no value here (`at` set by _parse)
    for outer in reversed(stack[:k]):
        outer.add(value)
        value = outer.items
    return value


def _unwrap(value: Any) -> list[Any] | None:
    """The one list a wrapper object holds ({"sentences": [...]}, also one level down)."""
    for _ in range(MAX_DEPTH):
        if not isinstance(value, dict):
            return None
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
        if lists or len(value) != 1:
            return None
        value = next(iter(value.values()))
    return None


def _read(text: str | None, expect: type = list) -> tuple[JsonReply | None, int]:
    """read_json and the characters its candidates read, summed (the tests bound the work with it)."""
    if expect not in (list, dict):
        raise ValueError(f"read_json: expect must be list or dict, not {expect!r}")
    if not text:
        return None, 0
    work, pos, known_bad = 0, 0, set[int]()
    while (m := _OPENER.search(text, pos)) is not None:
        start = m.start()
        if start in known_bad:
            pos = start + 1
            continue
        try:
            value, end, repairs = _parse(text, start, cut_list=expect is list)
        except _Fail as failed:
            work += failed.at - start + 1
            known_bad.update(failed.open_starts)
            pos = start + 1
            continue
        except _TooDeep as deep:
            return None, work + deep.at - start + 1
        work += end - start
        if not isinstance(value, expect):
            unwrapped = _unwrap(value) if expect is list else None
            if unwrapped is None:
                pos = end
                continue
            value, repairs = unwrapped, {**repairs, "unwrapped": None}
        before, after = text[:start], text[end:]
        around = {"fenced": None} if "```" in before else {}
        if _FENCE.sub("", before).strip() or _FENCE.sub("", after).strip():
            around["prose around"] = None
        return JsonReply(value, list({**around, **repairs})), work
    return None, work


def read_json(text: str | None, expect: type = list) -> JsonReply | None:
    """The first JSON value of the expected kind (list or dict) in a reply, repaired where a
    model's habits broke it (see JsonReply.repairs); None when none can be read. With
    expect=list, an object holding exactly one list ({"sentences": [...]}) gives that list."""
    return _read(text, expect)[0]


_NUMBER_TEXT = re.compile(r"\s*(?:(?:sentence|fact|bullet|item|claim|no\.?|#)\s*)?(\d{1,6})\s*[.:)]?\s*", re.IGNORECASE)


def _number(item: Mapping[Any, Any], keys: Sequence[str]) -> int | None:
    """The item's own number: the first of `keys` (any case) holding an int or "3", "#3", "Sentence 3"."""
    lowered = {str(k).strip().lower(): v for k, v in item.items()}
    for key in keys:
        v = lowered.get(key)
        if isinstance(v, bool):
            continue
        if isinstance(v, int):
            return v
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e6:
            return int(v)
        if isinstance(v, str) and len(v) <= 40 and (m := _NUMBER_TEXT.fullmatch(v)):
            return int(m.group(1))
    return None


def numbered_items(
    items: list[Any], count: int, number_keys: Sequence[str] = NUMBER_KEYS
) -> tuple[list[dict[str, Any] | None], list[str]]:
    """Items mapped to positions 1..count: (one dict or None per position, problems).

    The items' own numbers place them when every item has one and they are distinct and in
    range (1-based, or 0-based when 0 is used and `count` is not); else, when there are exactly
    `count` items and no item's own unique number names another position, their order does;
    else the numbered items that fit are placed. Items that
    cannot be placed (not an object, unnumbered, out of range, two different items for one
    position) are dropped and reported; a position left without an item is None.
    """
    if count < 0:
        raise ValueError(f"numbered_items: count must be >= 0, not {count}")
    keys = [k.lower() for k in number_keys]
    numbers = [_number(it, keys) if isinstance(it, dict) else None for it in items]
    given = [n for n in numbers if n is not None]
    base = 0 if 0 in given and count not in given else 1
    places = [None if n is None else n - base + 1 for n in numbers]
    problems: list[str] = []
    consistent = (
        bool(items)
        and len(given) == len(items)
        and len(set(places)) == len(places)
        and all(p is not None and 1 <= p <= count for p in places)
    )
    # Order may place items only where their numbers fail: an item whose number is its own
    # (unique, in range) and names another position is never moved to where it stands.
    per_place = Counter(places)
    order_agrees = all(p is None or per_place[p] > 1 or not 1 <= p <= count or p == i for i, p in enumerate(places, 1))
    out: list[dict[str, Any] | None] = [None] * count
    if consistent or (given and (len(items) != count or not order_agrees)):
        if base == 0:
            problems.append("items numbered from 0")
        claims: dict[int, list[dict[str, Any]]] = {}
        for index, (item, place, number) in enumerate(zip(items, places, numbers), 1):
            if not isinstance(item, dict):
                problems.append(f"item {index}: not an object, dropped")
            elif place is None:
                problems.append(f"item {index}: no number, dropped")
            elif not 1 <= place <= count:
                problems.append(f"item {index}: number {number} out of range for {count} positions, dropped")
            else:
                claims.setdefault(place, []).append(item)
        for place, claimed in sorted(claims.items()):
            if all(c == claimed[0] for c in claimed):
                out[place - 1] = claimed[0]
                if len(claimed) > 1:
                    problems.append(f"position {place}: {len(claimed) - 1} duplicate item(s) dropped")
            else:
                problems.append(f"position {place}: {len(claimed)} different items, all dropped")
    elif len(items) == count:
        if given:
            problems.append("numbering inconsistent: items placed in order")
        for index, item in enumerate(items):
            if isinstance(item, dict):
                out[index] = item
            else:
                problems.append(f"item {index + 1}: not an object, dropped")
    elif items:
        problems.append(f"{len(items)} unnumbered item(s) for {count} positions: none placed")
    missing = [str(p) for p, item in enumerate(out, 1) if item is None]
    if missing:
        problems.append(f"no item for position(s) {', '.join(missing)}")
    return out, problems


@lru_cache(maxsize=64)
def _label_pattern(labels: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = (r"\s+".join(map(re.escape, label.split())) for label in sorted(labels, key=len, reverse=True))
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])", re.IGNORECASE)


def read_label(text: str | None, labels: Mapping[str, str]) -> str | None:
    """The verdict of a short reply: `labels` maps each word or phrase (any case; "not supported"
    is read before "supported") to its verdict. None when no label is there or two verdicts are."""
    canonical = {" ".join(k.lower().split()): v for k, v in labels.items() if k.split()}
    if not text or not canonical:
        return None
    found = {canonical[" ".join(m.group().lower().split())] for m in _label_pattern(tuple(canonical)).finditer(text)}
    return found.pop() if len(found) == 1 else None
