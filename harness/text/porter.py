"""The Porter stemmer exactly as NLTK's `PorterStemmer()` (mode NLTK_EXTENSIONS) stems, faster.

`stem(word)` equals `nltk.stem.porter.PorterStemmer().stem(word)` for every word; lower-case
words (all that rouge-score's and support's tokenizers give the stemmer, accented letters
included: "café") take the fast path here, any other word is handed to NLTK itself. Tests check
equality with NLTK as the oracle.

Faster because each step looks its rules up by the word's last two letters instead of testing
every suffix with endswith, and the vowel/consonant pattern behind Porter's measure comes from one
str.translate. NLTK's own rules are kept to the letter, including where they differ from the paper:
- Within a step only the *first* rule whose suffix matches counts: if its condition fails, the
  step leaves the word unchanged; no later rule of the step is tried ("feed" stays "feed").
  A suffix that matches ends with the word's last two letters, so the word's bucket holds every
  rule that can match, in NLTK's order.
- Only step 5a tries its second condition after the first failed.
- NLTK's extensions: the irregular forms, "ies"/"ied" -> "ie" for four-letter words ("dies",
  "died") and -> "i" otherwise, y -> i only after a consonant and not for a one-letter stem
  ("fly" -> "fli", "enjoy" stays), "alli" -> "al" first (then step 2 again), "fulli" -> "ful",
  "logi" -> "log" measured with the "l", and a two-letter stem vowel+consonant counting as
  cvc (*o) with no exception for w, x or y.
"""

from __future__ import annotations

import re
from typing import Protocol

# Irregular forms: the whole (lower-cased) word is looked up before any step.
_IRREGULAR = {
    "sky": "sky",
    "skies": "sky",
    "dying": "die",
    "lying": "lie",
    "tying": "tie",
    "news": "news",
    "innings": "inning",
    "inning": "inning",
    "outings": "outing",
    "outing": "outing",
    "cannings": "canning",
    "canning": "canning",
    "howe": "howe",
    "proceed": "proceed",
    "exceed": "exceed",
    "succeed": "succeed",
}

_PLAIN_PATTERN = re.compile(r"[cvy]*").fullmatch

# Each letter as 'v' (vowel) or 'c' (consonant); 'y' depends on the letter before it (_pattern).
# Digits are consonants, as in NLTK (anything but a, e, i, o, u, y is).
_CV = str.maketrans({**{c: "c" for c in "bcdfghjklmnpqrstvwxz0123456789"}, **{c: "v" for c in "aeiou"}})
_OTHER = re.compile(r"[^cvy]")


def _pattern(s: str) -> str:
    """s as a string of 'c' and 'v'. A letter's class depends only on the letters before it, so the
    pattern of a prefix of s is the same prefix of s's pattern."""
    p = s.translate(_CV)
    if not _PLAIN_PATTERN(p):
        p = _OTHER.sub("c", p)  # any other character ("é", "ß") is a consonant to NLTK
    if "y" not in p:
        return p
    # y is a consonant at the start or after a vowel, a vowel after a consonant (so a run of y's
    # alternates).
    out = []
    previous = "v"
    for c in p:
        if c == "y":
            c = "c" if previous == "v" else "v"
        out.append(c)
        previous = c
    return "".join(out)


def _measure(s: str) -> int:
    """Porter's m in [C](VC){m}[V]: the number of vowel-to-consonant changes."""
    return _pattern(s).count("vc")


def _ends_cvc(s: str, pattern: str) -> bool:
    """Porter's *o: s ends consonant-vowel-consonant, the last not w, x or y; NLTK adds a whole
    two-letter s that is vowel-consonant, with no exception for the last letter."""
    if len(s) >= 3:
        return pattern[-3:] == "cvc" and s[-1] not in "wxy"
    return pattern == "vc"


def _rule_buckets(rules: list[tuple[str, str]]) -> dict[str, tuple[tuple[str, str], ...]]:
    """The rules by the last two letters of their suffix (all at least two long), in NLTK's order."""
    buckets: dict[str, list[tuple[str, str]]] = {}
    for suffix, replacement in rules:
        assert len(suffix) >= 2
        buckets.setdefault(suffix[-2:], []).append((suffix, replacement))
    return {key: tuple(rules) for key, rules in buckets.items()}


# Step 2, condition m > 0 on what is left, except "logi" (see _step2). NLTK's list, in its order,
# with its "bli" (not the paper's "abli") and its "fulli" and "logi" at the end.
_STEP2 = _rule_buckets([
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ("fulli", "ful"), ("logi", "log"),
])  # fmt: skip

# Step 3, condition m > 0.
_STEP3 = _rule_buckets([
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
    ("ness", ""),
])  # fmt: skip

# Step 4, condition m > 1 (and for "ion" a stem ending in s or t): the suffix is removed.
_STEP4 = _rule_buckets([
    (s, "") for s in (
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou",
        "ism", "ate", "iti", "ous", "ive", "ize",
    )
])  # fmt: skip


def _first_rule(word: str, table: dict[str, tuple[tuple[str, str], ...]]) -> tuple[str, str] | None:
    """The step's first (suffix, replacement) rule whose suffix the word ends with: the only rule
    NLTK tries, even when its condition then fails."""
    for rule in table.get(word[-2:], ()):
        if word.endswith(rule[0]):
            return rule
    return None


def _step1a(word: str) -> str:
    if word[-1] != "s":
        return word
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies"):
        return word[:-1] if len(word) == 4 else word[:-2]  # "ties" -> "tie", "ponies" -> "poni"
    if word.endswith("ss"):
        return word
    return word[:-1]


def _step1b(word: str) -> str:
    if word.endswith("ed"):
        if word.endswith("ied"):
            return word[:-3] + ("ie" if len(word) == 4 else "i")
        if word.endswith("eed"):
            # Matched, so the "ed" rule is not tried even when m = 0 ("feed" stays).
            stem = word[:-3]
            return stem + "ee" if _measure(stem) > 0 else word
        stem = word[:-2]
    elif word.endswith("ing"):
        stem = word[:-3]
    else:
        return word
    pattern = _pattern(stem)
    if "v" not in pattern:
        return word
    # Tidying up after -ed/-ing: the first of these rules that matches decides.
    if stem[-2:] in ("at", "bl", "iz"):
        return stem + "e"
    if len(stem) >= 2 and stem[-1] == stem[-2] and pattern[-1] == "c":
        return stem if stem[-1] in "lsz" else stem[:-1]
    if pattern.count("vc") == 1 and _ends_cvc(stem, pattern):
        return stem + "e"
    return stem


def _step1c(word: str) -> str:
    # y -> i when the letter before it is a consonant and is not the whole stem.
    if word[-1] == "y" and len(word) > 2 and _pattern(word)[-2] == "c":
        return word[:-1] + "i"
    return word


def _step2(word: str) -> str:
    if word.endswith("alli") and _measure(word[:-4]) > 0:
        # NLTK applies "alli" -> "al" before the table, then step 2 again ("...tionalli").
        return _step2(word[:-2])
    rule = _first_rule(word, _STEP2)
    if rule is None:
        return word
    suffix, replacement = rule
    stem = word[: -len(suffix)]
    # "logi" -> "log" counts the measure with the "l" ("geologi" -> "geolog").
    measured = word[:-3] if suffix == "logi" else stem
    return stem + replacement if _measure(measured) > 0 else word


def _step3(word: str) -> str:
    rule = _first_rule(word, _STEP3)
    if rule is None:
        return word
    suffix, replacement = rule
    stem = word[: -len(suffix)]
    return stem + replacement if _measure(stem) > 0 else word


def _step4(word: str) -> str:
    rule = _first_rule(word, _STEP4)
    if rule is None:
        return word
    stem = word[: -len(rule[0])]
    return stem if _measure(stem) > 1 and (rule[0] != "ion" or stem[-1] in "st") else word


def _step5(word: str) -> str:
    # 5a: -e goes if m > 1, or if m = 1 and the stem does not end cvc (both conditions tried).
    if word[-1] == "e":
        stem = word[:-1]
        pattern = _pattern(stem)
        m = pattern.count("vc")
        if m > 1 or (m == 1 and not _ends_cvc(stem, pattern)):
            word = stem
    # 5b: -ll -> -l if m > 1, measured on the word without its last letter (with one "l").
    if word.endswith("ll") and _measure(word[:-1]) > 1:
        word = word[:-1]
    return word


class _Stemmer(Protocol):
    """What is used of NLTK's PorterStemmer (NLTK ships no types)."""

    def stem(self, word: str) -> str: ...


_nltk_stemmer: _Stemmer | None = None


def stem(word: str) -> str:
    """nltk.stem.porter.PorterStemmer().stem(word), exactly."""
    # NLTK looks up irregular forms and short words before lower-casing: a word that lower-casing
    # changes ("Skies") is handed to NLTK itself.
    if word != word.lower():
        global _nltk_stemmer
        if _nltk_stemmer is None:
            from nltk.stem.porter import PorterStemmer as NltkPorterStemmer

            _nltk_stemmer = NltkPorterStemmer()
        return _nltk_stemmer.stem(word)
    irregular = _IRREGULAR.get(word)
    if irregular is not None:
        return irregular
    if len(word) <= 2:
        return word
    return _step5(_step4(_step3(_step2(_step1c(_step1b(_step1a(word)))))))


class PorterStemmer:
    """Drop-in for NLTK's PorterStemmer() (default mode) where only `stem(word)` is used."""

    @staticmethod
    def stem(word: str) -> str:
        return stem(word)
