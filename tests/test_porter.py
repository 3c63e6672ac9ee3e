"""harness.text.porter.stem equals NLTK's PorterStemmer().stem (mode NLTK_EXTENSIONS), the
stemmer rouge-score uses: on every word of the real data, on generated words built from the
suffixes of the rules, on all short words over a small alphabet, and on classic examples."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys

import pytest
from conftest import shared_file
from hypothesis import given, settings
from hypothesis import strategies as st
from nltk.stem.porter import PorterStemmer as NltkPorterStemmer

from harness.metrics import fast_rouge
from harness.text import porter

NLTK = NltkPorterStemmer()  # the oracle, with rouge-score's (default) mode
WORD_RE = re.compile(r"[a-z0-9]+")  # the words rouge-score's tokenizer gives the stemmer


def mismatches(words) -> list[tuple[str, str, str]]:
    """(word, NLTK's stem, ours) wherever the two differ."""
    return [(w, NLTK.stem(w), porter.stem(w)) for w in words if porter.stem(w) != NLTK.stem(w)]


def long_words(texts) -> set[str]:
    """The words the ROUGE tokenizer stems: lower-cased [a-z0-9] runs longer than 3."""
    return {w for text in texts for w in WORD_RE.findall(text.lower()) if len(w) > 3}


def jsonl_texts(relative: str, fields: tuple[str, ...]):
    for line in shared_file(relative).open(encoding="utf-8"):
        row = json.loads(line)
        for field in fields:
            value = row.get(field)
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))


# (a) Every word the real data gives the stemmer.


def test_every_summeval_word_stems_as_in_nltk():
    words = long_words(jsonl_texts("summeval/summeval.jsonl", ("source", "summary", "reference", "references")))
    assert len(words) > 6_000
    assert mismatches(sorted(words)) == []


def test_every_cnndm_pairs_word_stems_as_in_nltk():
    words = long_words(jsonl_texts("cnndm_pairs/cnndm_pairs.jsonl", ("source", "reference", "reference_sentences")))
    assert len(words) > 10_000
    assert mismatches(sorted(words)) == []


# (b) Generated words: concatenations of the rules' suffixes (and of what they are replaced by),
# letters that change the vowel/consonant pattern (y, w, x, doubled letters) and digits.

PIECES = [
    # step 2
    "ational", "tional", "enci", "anci", "izer", "abli", "bli", "alli", "entli", "eli", "ousli",
    "ization", "ation", "ator", "alism", "iveness", "fulness", "ousness", "aliti", "iviti", "biliti",
    "fulli", "logi",
    # step 3
    "icate", "ative", "alize", "iciti", "ical", "ful", "ness",
    # step 4
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "sion",
    "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
    # steps 1 and 5
    "sses", "ies", "ied", "ss", "s", "eed", "ed", "ing", "at", "bl", "iz", "y", "yy", "e", "ll", "l",
    # irregular forms, as parts of longer words
    "sky", "dying", "news", "inning", "howe", "ceed",
]  # fmt: skip
LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
SHAPING = list(LETTERS) + list("aeiouy") * 2 + ["w", "x", "ll", "ss", "zz", "tt"]


def _fits(word: str) -> bool:
    return 4 <= len(word) <= 20


suffix_words = st.lists(st.sampled_from(PIECES + SHAPING), min_size=1, max_size=6).map("".join).filter(_fits)
plain_words = st.text(alphabet=LETTERS, min_size=4, max_size=20)
vowelish_words = st.text(alphabet="aeiouywxlszt1", min_size=4, max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(suffix_words, min_size=1, max_size=40))
def test_words_built_from_suffixes_stem_as_in_nltk(words):
    assert mismatches(words) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(plain_words, vowelish_words), min_size=1, max_size=40))
def test_arbitrary_plain_words_stem_as_in_nltk(words):
    assert mismatches(words) == []


# Lower-case words with other letters (accents, ligatures, other scripts) take the fast path too:
# NLTK counts every character but a, e, i, o, u (and y after a consonant) as a consonant.
OTHER_LETTERS = "aeiouy" + "bdlnstwx" + "éèëïíóöüñçßøåæœﬂ½αωя" + "'-.1"
other_words = st.text(alphabet=OTHER_LETTERS, min_size=0, max_size=14)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(other_words, suffix_words.map(lambda w: w.replace("e", "é", 1))), min_size=1, max_size=40))
def test_lower_case_words_with_other_letters_stem_as_in_nltk(words):
    assert mismatches(words) == []


def test_every_word_support_stems_in_real_data_stems_as_in_nltk_without_importing_it():
    from harness.text.tokens import _STEMMED_TOKEN

    texts = jsonl_texts("cnndm_pairs/cnndm_pairs.jsonl", ("source", "reference_sentences"))
    words = {w for text in texts for w in _STEMMED_TOKEN.findall(text.lower()) if not w[0].isdigit()}
    accented = sorted(w for w in words if not WORD_RE.fullmatch(w))
    assert len(accented) > 20  # "café", "québec", ...
    assert mismatches(sorted(words)) == []
    code = f"import sys; from harness.text import porter; [porter.stem(w) for w in {accented!r}]; print('nltk' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_all_short_words_over_a_small_alphabet_stem_as_in_nltk():
    # Lengths 1..4: NLTK's special cases for short words (four-letter "ies"/"ied", two-letter
    # cvc stems, one-letter stems before y, the length <= 2 return) and every y/w/x pattern.
    alphabet = "aeiouywxlsdtn1"
    words = ["".join(t) for n in range(1, 5) for t in itertools.product(alphabet, repeat=n)]
    assert mismatches(words) == []


# (c) Classic examples (Porter's paper and NLTK's extensions). The expected stems were taken from
# NLTK 3.10; NLTK itself is checked too, so a change of NLTK's behaviour shows here.

KNOWN = [
    # step 1a
    ("caresses", "caress"), ("ponies", "poni"), ("ties", "tie"), ("caress", "caress"), ("cats", "cat"),
    # step 1b: "feed" matches -eed, which fails, so -ed is not tried
    ("feed", "feed"), ("agreed", "agre"), ("plastered", "plaster"), ("bled", "bled"),
    ("motoring", "motor"), ("sing", "sing"), ("conflated", "conflat"), ("troubled", "troubl"),
    ("sized", "size"), ("hopping", "hop"), ("tanned", "tan"), ("falling", "fall"),
    ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"), ("filing", "file"),
    # step 1c
    ("happy", "happi"), ("sky", "sky"), ("enjoy", "enjoy"), ("enjoyment", "enjoy"), ("syzygy", "syzygi"),
    # step 2
    ("relational", "relat"), ("conditional", "condit"), ("rational", "ration"), ("valenci", "valenc"),
    ("hesitanci", "hesit"), ("digitizer", "digit"), ("conformabli", "conform"), ("radicalli", "radic"),
    ("differentli", "differ"), ("vileli", "vile"), ("analogousli", "analog"),
    ("vietnamization", "vietnam"), ("predication", "predic"), ("operator", "oper"),
    ("feudalism", "feudal"), ("decisiveness", "decis"), ("hopefulness", "hope"),
    ("callousness", "callous"), ("formaliti", "formal"), ("sensitiviti", "sensit"),
    ("sensibiliti", "sensibl"), ("generalli", "gener"), ("skillfully", "skill"),
    ("geologi", "geolog"), ("archaeologi", "archaeolog"), ("traditionalli", "tradit"),
    ("tionalli", "tional"), ("sensational", "sensat"),
    # step 3
    ("triplicate", "triplic"), ("formative", "form"), ("formalize", "formal"),
    ("electriciti", "electr"), ("electrical", "electr"), ("hopeful", "hope"), ("goodness", "good"),
    # step 4: "agreement" matches -ement, which fails, so -ent ("agreem", m = 2) is not tried
    ("revival", "reviv"), ("allowance", "allow"), ("inference", "infer"), ("airliner", "airlin"),
    ("gyroscopic", "gyroscop"), ("adjustable", "adjust"), ("defensible", "defens"),
    ("irritant", "irrit"), ("replacement", "replac"), ("adjustment", "adjust"),
    ("dependent", "depend"), ("adoption", "adopt"), ("homologou", "homolog"),
    ("communism", "commun"), ("activate", "activ"), ("angulariti", "angular"),
    ("homologous", "homolog"), ("effective", "effect"), ("bowdlerize", "bowdler"),
    ("agreement", "agreement"), ("cement", "cement"),
    # step 5
    ("probate", "probat"), ("rate", "rate"), ("cease", "ceas"), ("controll", "control"), ("roll", "roll"),
    # NLTK's extensions and irregular forms
    ("dies", "die"), ("died", "die"), ("spied", "spi"), ("flies", "fli"), ("flying", "fli"),
    ("crying", "cri"), ("dying", "die"), ("lying", "lie"), ("tying", "tie"), ("skies", "sky"),
    ("news", "news"), ("innings", "inning"), ("outings", "outing"), ("cannings", "canning"),
    ("howe", "howe"), ("proceed", "proceed"), ("exceed", "exceed"), ("succeed", "succeed"),
    ("owing", "owe"), ("fully", "fulli"),
    # y's and digits
    ("toying", "toy"), ("sayings", "say"), ("eyeing", "eye"), ("yyyy", "yyyi"), ("1990s", "1990"),
    ("4x4s", "4x4"), ("b2b2", "b2b2"),
]  # fmt: skip


@pytest.mark.parametrize("word, expected", KNOWN, ids=[w for w, _ in KNOWN])
def test_known_stems(word, expected):
    assert porter.stem(word) == NLTK.stem(word) == expected


@pytest.mark.parametrize(
    "word", ["", "a", "Is", "CARESSES", "Running", "naïve", "straße", "don't", "x-ray", "ﬂying", "İyi"]
)
def test_other_inputs_go_to_nltk(word):
    # Not from the tokenizer (not lower-case [a-z0-9]): handed to NLTK, which lower-cases first.
    assert porter.stem(word) == NLTK.stem(word)
    assert porter.PorterStemmer().stem(word) == NLTK.stem(word)


def test_fast_rouge_stems_with_this_stemmer():
    assert isinstance(
        fast_rouge._Tokenizer(use_stemmer=True, split_summaries=False)._words._stemmer, porter.PorterStemmer
    )
    tokens = (
        fast_rouge.FastRougeScorer(["rouge1"], use_stemmer=True)
        ._text("The ponies were flying, relational 1990s")
        .tokens
    )
    assert tokens == ["the", "poni", "were", "fli", "relat", "1990"]
