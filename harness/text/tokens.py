"""Text utilities shared by the bullet parser, baselines and every metric: one sentence splitter,
one stemmer, and the word tokenizers, each a named variant with one job.

- `words`: lowercase letter/digit runs; the unit of overlap metrics (extractive n-grams, redundancy).
- `reader_words`: whitespace-separated words with a letter or digit, as a reader counts them
  ("$2.1 billion" is two words, a PTB " . " none); the unit of length limits.
- `stemmed_tokens`: Porter stems with numbers kept whole ("1,056" and "1, 056" are "1056") in one
  written form per quantity ("$48 million" == "48m dollars", "five per cent" == "5%", "about
  22,000" == "22000"), possessive "s" dropped, and a stopword list left unstemmed; the unit of
  model-free support and fact matching.
- `rouge_tokens`: rouge-score 0.1.2's tokenizer, exactly (fast_rouge caches the same rule).

The splitter is rule-based (no model downloads) and returns stripped substrings of the input,
so extractive baselines keep the source's exact wording, PTB tokens included. It reads both
ordinary prose and PTB-tokenized research data such as CNN/DailyMail ("He said . Then ...").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from itertools import chain, compress
from typing import TypeVar

from harness.text import porter

__all__ = [
    "split_sentences",
    "paragraphs",
    "words",
    "reader_words",
    "stemmed_tokens",
    "rouge_tokens",
    "stem",
    "ngrams",
    "join_numbers",
    "joined_stemmed_tokens",
    "word_tokens",
    "STOPWORDS",
    "ROUGE_WORD",
]

# Abbreviations that precede a name and so never end a sentence ("Dr. Smith", "St. Louis").
_TITLES = frozenset(
    """mr mrs ms mx dr prof rev fr st mt gen lt col maj capt cpt cmdr sgt cpl spc pvt pfc adm sen rep
    gov pres supt det insp hon messrs""".split()
)
# Abbreviations that never end a sentence in news text.
_NEVER_FINAL = frozenset(["e.g", "i.e", "cf", "vs", "viz", "al", "approx"])
# Abbreviations that run on when a number follows ("Jan. 5", "No. 10", "p. 12").
_BEFORE_NUMBER = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos vol p pp fig figs ch sec art".split()
)
# Words that usually open a sentence: after an ambiguous period ("U.S.", an initial) a
# boundary is assumed only when one of these follows, so "U.S. Army" and "J. K. Rowling" hold.
_SENTENCE_STARTERS = frozenset(
    """the a an he she it they we i you his her its their our my this that these those there
    but and so yet or if when while after before as in on at for from by with since although
    though however meanwhile still then now also some many most one two three no not officials
    police what why how who where""".split()
)

_OPENERS = "\"'“‘`([{«"
_PTB_OPENERS = frozenset(["``", "`", "-lrb-", "-lsb-", "-lcb-", '"', "'", "“", "‘", "(", "[", "{", "«"])


def _candidates(first: str) -> re.Pattern[str]:
    """A run of terminal punctuation, opening with `first`, with any quotes/brackets glued to it:
    `.`, `?!`, `."`, `.)`. The first character is matched outside the repeat so that re skips
    ahead to it instead of trying the pattern at every position (twice as fast as `[.?!…]+`).
    It starts a run only (the look-behind): a match inside a run would end where the one from
    the run's first character, tried before, failed; trying each would read a run of N
    terminators N times (quadratic: "." * 40_000 + "a" took 30 s)."""
    return re.compile(rf"""(?P<term>{first}(?<![.?!…].)[.?!…]*)(?P<closers>["'”’»)\]}}]*)(?=\s|$)""")


_CANDIDATE = _candidates("[.?!…]")
# The same in a line without "?", "!" or "…" (most news): re finds a literal "." faster still.
_PERIOD_CANDIDATE = _candidates(r"\.")
# After a standalone PTB terminator, closers come as separate tokens: `. ''`, `. -rrb-`.
_SPACED_CLOSER = re.compile(r"[ \t\u00a0]+(''|'|\"|”|’|»|\)|\]|\}|-rrb-|-rsb-|-rcb-)(?=\s|$)", re.IGNORECASE)
# A quote token that opens or closes a quotation: quotes standing alone (`` or '), or a quote that
# starts a word other than a contraction ('s, 're, '90). A quote glued to the end of a word is not
# one. It opens with the quote itself and looks behind it after, so re skips ahead by its character
# set instead of trying the pattern at every position (a third of the time).
_QUOTE_TOKEN = re.compile(r"[`'](?<!\S[`'])(?:[`']*(?=\s|$)|(?!(?:s|re|ve|ll|d|m|em|\d)\b)(?=\w))", re.IGNORECASE)
_ACRONYM = re.compile(r"^(?:[a-z]\.){2,}$", re.IGNORECASE)  # U.S. a.m. Ph.D.
_INITIAL = re.compile(r"^[A-Z]\.$")
STOPS = frozenset(".?!…:;\"'”’)]")  # a line ending in one of these ends its sentence or item


def ends_with_stop(text: str) -> bool:
    """The text ends in one of STOPS (a final newline aside), as the regex `[...]$` says, but
    reading the last character only: a `$`-anchored search tries every position, so asking it
    again as a line grows would make parsing a long reply quadratic."""
    last = len(text) - (2 if text.endswith("\n") else 1)
    return last >= 0 and text[last] in STOPS


_WORD = re.compile(r"[^\W_]+")


def split_sentences(text: str) -> list[str]:
    """Split English text into sentences; newlines and paragraph breaks are boundaries too.

    A single newline inside a sentence (a hard-wrapped line that ends without punctuation,
    followed by a line starting in lowercase) is read as a space. Sentences without any
    letter or digit (stray "." in scraped text) are attached to the previous sentence.
    """
    sentences: list[str] = []
    for group in paragraphs(text):
        for line in group:
            _split_block(line, sentences)
    return sentences


def words(text: str) -> list[str]:
    """Lowercase alphanumeric runs: the simple tokenization shared by overlap metrics."""
    return _WORD.findall(text.lower())


def reader_words(text: str) -> list[str]:
    """Whitespace-separated words that hold a letter or digit: the words a reader counts."""
    return [w for w in text.split() if _has_alnum(w)]


# Function words, auxiliaries and reporting verbs: they carry no fact on their own.
STOPWORDS = frozenset(
    """a an the and or but if then than so of to in on at by for with from into onto over under about as
    is are was were be been being am has have had having do does did doing it its this that these those
    there here he him his she her hers they them their theirs we us our you your i me my mine who whom
    whose which what when where why how not no nor will would shall should can could may might must also
    just only very too up down out off again further once all any both each few more most other some such
    own same s t d ll m re ve nt said says say after before while during because until against between
    through since per via like one""".split()
)
# Words, whole numbers, and the currency and percent signs (normalised with the number they mark).
_STEMMED_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[$£€%]")
# Number pieces that tokenized text pulls apart: "235, 000" / "235 , 000" (a thousands gap, rejoined
# with ",") and "1. 3" / "1 . 3" (a decimal gap, rejoined with "."). One pattern for both, so the text
# is scanned once: it opens with the digit before the gap (kept by the replacement) rather than a
# lookbehind, so re scans for a digit instead of trying the pattern at every position, and the
# replacement keeps the gap's one separator (the groups that did not match are empty). The same
# matches as the two rules applied in turn: a gap holds no digit, so no match holds the digit
# before the next gap, and a thousands gap never makes or breaks a decimal one.
_NUMBER_GAP = re.compile(r"(\d)(?:(?:\s+(,)\s*|(,)\s+)(?=\d{3}(?!\d))|(?:\s+(\.)\s*|(\.)\s+)(?=\d))")


# Both rules need a digit followed by whitespace, "," or ".": most sentences have none.
_JOINABLE = re.compile(r"\d[\s.,]")


def join_numbers(text: str) -> str:
    """Rejoin numbers split by tokenization ("1, 056" -> "1,056", "1. 3" -> "1.3")."""
    if not _JOINABLE.search(text):
        return text
    return _NUMBER_GAP.sub(r"\1\2\3\4\5", text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """NLTK's Porter stemmer, exactly (the one ROUGE uses), on one lowercase word."""
    return porter.stem(word)


def stemmed_tokens(text: str) -> list[str]:
    """Stemmed lowercase words and whole numbers, in order; stopwords are kept unstemmed."""
    return list(_stemmed_tokens(join_numbers(text)))


def joined_stemmed_tokens(joined: str) -> tuple[str, ...]:
    """`stemmed_tokens` of a text that join_numbers has already rewritten (the sentences of a
    rewritten article), without rewriting it again: join_numbers is idempotent (tests/test_text.py),
    so these are the same tokens. Not cached: the passage that holds them is (an article's
    sentences would only push the bullets out of the cache of texts, at a cost per sentence)."""
    return _tokenize(joined)


# Each text is tokenized once: support, facts and format read the same bullets, and support the
# same words of each evidence sentence again. Bounded (least recently used out): at most
# CACHED_TEXTS texts, about 0.9 KB each for news sentences (~130 characters), so under 30 MB.
# Keyed by the text after join_numbers.
CACHED_TEXTS = 1 << 15


def word_tokens(word: str) -> tuple[str, ...]:
    """`stemmed_tokens` of one word without whitespace (join_numbers leaves it as it is), not
    cached: a caller that keeps its own cache of words need not fill the cache of texts."""
    if word.isascii() and word.isalpha():
        # one chunk of at most one token, which no number rule changes on its own: its memo entry
        return _CHUNK_TOKENS[word.lower()]
    return _tokenize(word)


def _tokenize(text: str) -> tuple[str, ...]:
    # No token spans whitespace (every character str.split() splits on is \W), so the tokens of a
    # text are those of its whitespace-separated chunks, in order; chunks recur ("said", "U.S.,"),
    # and each one's tokens are looked up instead of matched and stemmed again.
    toks = tuple(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, text.lower().split())))
    # The number rules act only at their places (a number, sign, "one" or "cent"; most sentences
    # have none): found per token through a memo, in C, instead of a Python loop over every token.
    if not any(map(_IS_PLACE.__getitem__, toks)):
        return toks
    return _normalise_numbers(toks, list(compress(range(len(toks)), map(_IS_PLACE.__getitem__, toks))))


_stemmed_tokens = lru_cache(maxsize=CACHED_TEXTS)(_tokenize)


_V = TypeVar("_V")


class _Memo(dict[str, _V]):
    """A bounded memo of a function of one string, looked up as a plain dict (`memo[key]`): a
    hit costs a dict lookup, not an lru_cache's bookkeeping, which counts for the ~25 chunks of
    every sentence. Emptied when full (the recurring entries come back at once)."""

    def __init__(self, function: Callable[[str], _V], size: int) -> None:
        super().__init__()
        self.function, self.size = function, size

    def __missing__(self, key: str) -> _V:
        value = self.function(key)  # may fill entries of its own (a chunk's core): checked after
        if len(self) >= self.size:
            self.clear()
        self[key] = value
        return value


def _chunk_tokens(chunk: str) -> tuple[str, ...]:
    # "s" is a possessive or "is" ("Smith's", "Smith 's", "it's"): dropped, so "Smith's plan" and
    # "Smith plan" share their bigrams.
    # A chunk of letters only (most) is one token: every letter matches [^\W\d_], so findall
    # would give the chunk itself.
    if chunk.isalpha():  # no "-" either: the one token, or none for "s"
        form = _token_form(chunk)
        return () if form == "s" else (form,)
    # Quotes, brackets and stops around a word give no token ("said," "(paris" "u.s."): such a chunk
    # has the tokens of its core, the core's memo entry (computed once for all its spellings). The
    # core is the same findall's input with its first and last tokens whole, and the hyphen rule below
    # reads it as it read the chunk, after the same openers ("-" and signs are never stripped).
    core = chunk.lstrip(_OPENERS).rstrip(_CLOSERS)
    if core != chunk:
        return _CHUNK_TOKENS[core] if core else ()
    parts = _STEMMED_TOKEN.findall(chunk)
    if parts == [chunk]:  # one number or sign ("1,000", "$"), never "s"
        return (_token_form(chunk),)
    # each part's own entry ("smith" of "smith's", stemmed once; none for "s")
    toks = tuple(chain.from_iterable(map(_CHUNK_TOKENS.__getitem__, parts)))
    tens = _HYPHENATED_NUMBER.match(chunk) if "-" in chunk else None
    if tens:  # "thirty-five" is 35
        return (str(int(NUMBER_WORDS[tens[1]]) + int(NUMBER_WORDS.get(tens[2], "1"))), *toks[2:])
    return toks


# Stripped from a chunk's end: closing quotes and brackets and stops, none of them part of a token.
_CLOSERS = ".,;:!?\"'’”)]}»…"
_CHUNK_TOKENS: _Memo[tuple[str, ...]] = _Memo(_chunk_tokens, 200_000)


def _token_form(token: str) -> str:
    # Not cached: each chunk's tokens are (_CHUNK_TOKENS), and most chunks are one word.
    if token[0].isdigit():
        return token.replace(",", "")
    if token in NUMBER_WORDS:
        return NUMBER_WORDS[token]
    return token if token in STOPWORDS else _SYNONYMS.get(token) or porter.stem(token)


# ---- numbers, currencies and units: one written form per quantity ----
# "$48 million", "48 million dollars", "48m dollars" and "US$48 million" are all "48000000 dollar";
# "5%", "5 percent" and "five per cent" are "5 percent"; "about 22,000" is "22000" (a hedge is not
# a different number). Each rule applies to source and claim alike, so a rewritten number matches.

# Number words as digits ("three" == "3"). "one" stays a word ("one of the", "no one") unless a
# scale follows ("one million").
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        """zero _ two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
        sixteen seventeen eighteen nineteen twenty""".split()
    )
    if w != "_"
} | {w: str(10 * i) for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), start=3)}
_HYPHENATED_NUMBER = re.compile(
    r"(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(one|two|three|four|five|six|seven|eight|nine)\b"
)
_SYNONYMS = {"usd": "dollar", "pct": "percent", "gbp": "pound", "eur": "euro"}
_CURRENCY = {"$": "dollar", "£": "pound", "€": "euro"}
# After a number: its scale (stems; "m", "bn", "k" as in "48m", "2.1bn", "30k").
_SCALES = {"thousand": 3, "k": 3, "million": 6, "mn": 6, "m": 6, "billion": 9, "bn": 9, "trillion": 12, "tn": 12}
# Before a number: hedges, which round the number without contradicting it (stems, longest first).
_HEDGES = tuple(
    tuple(h.split())
    for h in ["as mani as", "more than", "at least", "up to", "close to", "an estim", "just over", "about", "around"]
    + ["nearli", "almost", "roughli", "approxim", "some", "over", "estim", "circa", "approx", "just"]
)
_HEDGES_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _hedge in _HEDGES:  # longest first, as listed
    _HEDGES_BY_LAST.setdefault(_hedge[-1], []).append(_hedge)
# Tokens besides numbers where a rule may apply.
_PLACES = frozenset([*_CURRENCY, "%", "one", "cent"])


def _is_place(token: str) -> bool:
    return token[0].isdigit() or token in _PLACES


_IS_PLACE: _Memo[bool] = _Memo(_is_place, 200_000)


def _normalise_numbers(toks: Sequence[str], places: Sequence[int]) -> tuple[str, ...]:
    """The tokens with each number form rewritten; `places`: the indices where a rule may apply
    (_is_place), in order. Only these are visited; the tokens between them are copied as slices."""
    out: list[str] = []
    i, n = 0, len(toks)
    for p in places:
        if p < i:  # taken by the number before ("$" "48" "million")
            continue
        out += toks[i:p]
        t = toks[p]
        if t in _CURRENCY and p + 1 < n and _is_number(toks[p + 1]):
            if out and out[-1] == "us":  # "US$48"
                out.pop()
            value, i = _scaled(toks, p + 1)
            _drop_hedge(out)
            out += [value, _CURRENCY[t]]
        elif _is_number(t) or (t == "one" and p + 1 < n and toks[p + 1] in _SCALES):
            value, i = _scaled(toks, p)
            _drop_hedge(out)
            out.append(value)
            if i < n and toks[i] == "%":
                out.append("percent")
                i += 1
        elif t == "cent" and out and out[-1] == "per":  # "per cent", also after a number
            out[-1] = "percent"
            i = p + 1
        else:  # a sign on its own, or "one"
            out.append(_CURRENCY.get(t) or ("percent" if t == "%" else t))
            i = p + 1
    out += toks[i:]
    return tuple(out)


def _is_number(token: str) -> bool:
    return token[0].isdigit()


def _scaled(toks: Sequence[str], i: int) -> tuple[str, int]:
    """The number at toks[i] times the scale word after it ("48 million" -> "48000000"), and the
    index after both."""
    value = "1" if toks[i] == "one" else toks[i]
    power = _SCALES.get(toks[i + 1]) if i + 1 < len(toks) else None
    if power is None:
        return value, i + 1
    try:
        scaled = Decimal(value).scaleb(power)
    except InvalidOperation:  # not a plain decimal ("1.2.3")
        return value, i + 1
    return (f"{scaled:f}".rstrip("0").rstrip(".") if "." in f"{scaled:f}" else f"{scaled:f}"), i + 2


def _drop_hedge(out: list[str]) -> None:
    """Remove a hedge ("about", "more than") that ends `out`, just before a number."""
    for hedge in _HEDGES_BY_LAST.get(out[-1], ()) if out else ():
        if tuple(out[-len(hedge) :]) == hedge:
            del out[-len(hedge) :]
            return


# rouge-score 0.1.2: lowercase, replace non-[a-z0-9] by spaces, stem words longer than 3
# characters, keep tokens matching [a-z0-9]+. Its words are exactly the runs of this pattern.
ROUGE_WORD = re.compile(r"[a-z0-9]+")


def rouge_tokens(text: str, use_stemmer: bool = True) -> list[str]:
    """rouge_score.tokenize.tokenize(text, stemmer), exactly (checked against it in the tests)."""
    tokens = ROUGE_WORD.findall(text.lower())
    if use_stemmer:
        tokens = [stem(t) if len(t) > 3 else t for t in tokens]
    return [t for t in tokens if ROUGE_WORD.fullmatch(t)]


def ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Contiguous n-grams of `tokens`, in order (empty when there are fewer than n tokens)."""
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


# re's \w is str.isalnum() or "_", character by character: one search instead of a Python loop.
_ALNUM = re.compile(r"[^\W_]")


def _has_alnum(text: str) -> bool:
    return _ALNUM.search(text) is not None


def paragraphs(text: str) -> list[list[str]]:
    """Stripped non-blank lines grouped by blank lines; hard-wrapped lines joined back.

    A line is a wrapped continuation when the line before ends without punctuation and it
    starts in lowercase ("the council voted to" / "raise taxes"): it is joined with a space.
    """
    groups: list[list[list[str]]] = [[]]  # the lines of each paragraph, each a list of its wrapped pieces
    for raw_line in text.splitlines():
        line = raw_line.strip()
        current = groups[-1]
        if not line:
            if current:
                groups.append([])
        elif current and line[0].islower() and not ends_with_stop(current[-1][-1]):
            current[-1].append(line)  # joined once at the end: a long wrapped paragraph stays linear
        else:
            current.append([line])
    return [[" ".join(pieces) for pieces in group] for group in groups if group]


def _split_block(block: str, sentences: list[str]) -> None:
    """Append the sentences of one line to `sentences`."""
    start = 0
    quotes = _QuoteCounter(block)
    candidates = _CANDIDATE if "?" in block or "!" in block or "…" in block else _PERIOD_CANDIDATE
    for match in candidates.finditer(block):
        term, term_start, end = match["term"], match.start(), match.end()
        if term_start == 0 or block[term_start - 1].isspace():  # a standalone PTB token: " . "
            end = _attach_spaced_closers(block, end, quotes)
            # PTB keeps abbreviation periods glued, so a standalone "." always ends a sentence:
            # the common case of PTB text, decided without reading on.
            if term != "." and not _is_boundary(term, _following(block, end)):
                continue
        elif term == ".":
            previous = block[_token_start(block, term_start) : term_start + 1]
            if not _period_is_boundary(previous, _following(block, end)):
                continue
        elif not _is_boundary(term, _following(block, end)):
            continue
        _add_sentence(sentences, block[start:end].strip())
        start = end
    _add_sentence(sentences, block[start:].strip())


def _add_sentence(sentences: list[str], sentence: str) -> None:
    """Append a sentence; one without any letter or digit (a stray ".") joins the one before."""
    if _has_alnum(sentence):
        sentences.append(sentence)
    elif sentence and sentences:
        sentences[-1] = f"{sentences[-1]} {sentence}"


def _following(block: str, end: int) -> list[str]:
    """The next (up to two) whitespace-separated tokens after `end`, within 200 characters
    (bounded: long inputs stay linear)."""
    return block[end : end + 200].split(None, 2)[:2]


class _QuoteCounter:
    """Whether a single/double quote is open at a position, counted once left to right."""

    def __init__(self, block: str) -> None:
        self.block = block
        self.position = 0
        self.single = 0
        self.double = 0

    def is_open(self, mark: str, position: int) -> bool:
        if position > self.position:
            seen = self.block[self.position : position]
            self.single += len(_QUOTE_TOKEN.findall(seen))
            self.double += seen.count('"')
            self.position = position
        return (self.double if mark == '"' else self.single) % 2 == 1


def _attach_spaced_closers(block: str, end: int, quotes: _QuoteCounter) -> int:
    """Extend a standalone terminator over the closing tokens that belong to its sentence.

    A spaced `'` or `"` is ambiguous (it may open the next quote), so it is attached only
    while a quote of that kind is open: `epidemic . '` closes, `ashamed . ' I did` opens.
    """
    while match := _SPACED_CLOSER.match(block, end):
        token = match.group(1)
        if token in ("'", '"') and not quotes.is_open(token, match.start(1)):
            break
        end = match.end()
    return end


def _token_start(block: str, index: int) -> int:
    """Start of the whitespace-delimited token that ends at `index`."""
    while index > 0 and not block[index - 1].isspace():
        index -= 1
    return index


def _is_boundary(term: str, following: list[str]) -> bool:
    """Decide whether the terminator `term` (other than a single ".") ends a sentence;
    `following` holds the next (up to two) whitespace-separated tokens."""
    if not following:
        return True
    if "?" in term or "!" in term:
        return _opens_sentence(following)  # '"Why?" he asked.' runs on
    return _starts_upper(following)  # ellipsis: "waited... then left" runs on


def _period_is_boundary(previous: str, following: list[str]) -> bool:
    """Decide whether a "." glued to a word ends a sentence ("Dr." does not); `previous` is the
    token it ends and `following` the next (up to two) whitespace-separated tokens."""
    if not following:
        return True
    nxt = following[0]
    word = previous.lstrip(_OPENERS).lower()[:-1]
    if word in _TITLES or word in _NEVER_FINAL:
        return False
    if word in _BEFORE_NUMBER and nxt[:1].isdigit():
        return False
    # an acronym has a "." inside and an initial one letter: most words skip both patterns
    if ("." in word or len(word) == 1) and (_ACRONYM.match(word + ".") or _INITIAL.match(previous.lstrip(_OPENERS))):
        core = nxt.lstrip(_OPENERS)
        return core[:1].isupper() and core.lower().strip(",;:") in _SENTENCE_STARTERS
    return _opens_sentence(following)


def _opens_sentence(following: list[str]) -> bool:
    """True when the next token could begin a sentence: capital, digit, or an opening quote."""
    nxt = following[0]
    if nxt[0].isupper() or nxt.lower() in _PTB_OPENERS:  # a capital, the common case, first
        return True
    core = nxt.lstrip(_OPENERS)
    camel = len(core) > 1 and core[0].islower() and core[1].isupper()  # "iPhone", "eBay"
    return bool(core) and (core[0].isupper() or core[0].isdigit() or core[0] in "$£€" or camel)


def _starts_upper(following: list[str]) -> bool:
    nxt = following[0]
    if nxt.lower() in _PTB_OPENERS and len(following) > 1:
        nxt = following[1]
    core = nxt.lstrip(_OPENERS)
    return bool(core) and core[0].isupper()
