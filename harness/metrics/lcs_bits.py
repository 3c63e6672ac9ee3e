"""Bit-parallel longest common subsequence on Python ints, exact to rouge-score's DP.

Rows of the LCS table are bit positions (row 1 = bit 0), so one column of the table is one int
and one candidate token advances every row at once (Allison-Dix / Hyyrö). Bit r of the column
"delta" D_j is set when t[r+1][j] > t[r][j].

rouge-score reads out one LCS by walking back from (m, n): take the cell if the tokens match,
else step left if t[i][j-1] > t[i-1][j], else up. Off a match, t[i][j] = max(up, left), so
"left is strictly larger" is exactly "D_j has bit i-1 set". Within column j the walk therefore
climbs to the highest row below i whose bit is set in (D_j | match mask): a match there is
taken (and the walk continues below it), otherwise the walk moves left at that row. Highest set
bit *per sentence* is not an arithmetic operation, so the read-out runs on bit-reversed ints,
where it becomes lowest set bit per sentence: x & ~(x - lows) with a guard bit per sentence.

Tokens may be any hashable values; the harness uses strings.
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Sequence

Token = Hashable

_REVERSED_BYTE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def match_masks(tokens: Sequence[Token], offset: int = 0) -> dict[Token, int]:
    """Token -> int with bit (offset + i) set where tokens[i] is that token."""
    masks: dict[Token, int] = {}
    for i, token in enumerate(tokens):
        masks[token] = masks.get(token, 0) | (1 << (offset + i))
    return masks


def lcs_length(masks: dict[Token, int], length: int, other: Sequence[Token]) -> int:
    """LCS length of the text behind `masks` (`length` tokens) and `other`."""
    v = (1 << length) - 1  # zero bits mark rows where the LCS grew; carries above `length` are ignored
    get = masks.get
    for token in other:
        m = get(token)
        if m:
            u = v & m
            v = (v + u) | (v - u)
    return length - (v & ((1 << length) - 1)).bit_count()


class SentenceTarget:
    """A target's sentences laid out in one int for rouge-score's summary-level (Lsum) LCS.

    Natural layout: a zero guard bit, sentence 1's rows, a guard, sentence 2's rows, ..., a guard;
    guards stop carries between sentences. `rev_*` are the same bits reversed, for the read-out.
    Empty sentences are left out: they contribute no LCS.
    """

    def __init__(self, sentences: Sequence[Sequence[Token]]):
        self.length = sum(len(s) for s in sentences)
        self.counts: Counter = Counter()
        for sentence in sentences:
            self.counts.update(sentence)
        rows = 0
        self.masks: dict[Token, int] = {}
        guards_below: list[int] = []
        tops: list[int] = []
        position = 0  # the guard below the next sentence
        for sentence in sentences:
            if not sentence:
                continue
            for token, m in match_masks(sentence, position + 1).items():
                self.masks[token] = self.masks.get(token, 0) | m
            rows |= ((1 << len(sentence)) - 1) << (position + 1)
            guards_below.append(position)
            tops.append(position + len(sentence))
            position += len(sentence) + 1
        self.rows = rows
        self.nbytes = position // 8 + 1
        top_bit = 8 * self.nbytes - 1
        self.rev_rows = self.reverse(rows)
        self.rev_masks = {token: self.reverse(m) for token, m in self.masks.items()}
        # In reversed order a sentence's guard sits just above it and its top row is its lowest bit.
        self.rev_guards = sum(1 << (top_bit - g) for g in guards_below)
        self.rev_lows = sum(1 << (top_bit - t) for t in tops)

    def reverse(self, x: int) -> int:
        return int.from_bytes(x.to_bytes(self.nbytes, "little").translate(_REVERSED_BYTE), "big")

    def union_lcs(self, candidate_sentences: Sequence[Sequence[Token]]) -> int:
        """Reversed-layout bits of every target row in rouge-score's union LCS, i.e. for each
        target sentence the union over candidate sentences of `lcs_ind(target, candidate)`."""
        union = 0
        for sentence in candidate_sentences:
            union |= self._lcs_rows(sentence)
        return union

    def _lcs_rows(self, candidate: Sequence[Token]) -> int:
        masks_get = self.masks.get
        rows = self.rows
        v = rows
        columns = []
        shared = False
        for token in candidate:
            m = masks_get(token)
            if m:
                shared = True
                u = v & m
                v = ((v + u) | (v - u)) & rows
            columns.append(v)
        if not shared:
            return 0
        rev_masks_get = self.rev_masks.get
        guards, lows, reverse = self.rev_guards, self.rev_lows, self.reverse
        allowed = self.rev_rows  # per sentence: the rows the walk may still visit
        found = 0
        for token, v in zip(reversed(candidate), reversed(columns)):
            m = rev_masks_get(token, 0)
            x = ((reverse(v ^ rows) | m) & allowed) | guards
            lowest = x & ~(x - lows)  # per sentence; the guard itself if nothing is left
            matched = lowest & m
            found |= matched
            # Rows at or above `lowest` stay allowed; a matched row is used up.
            allowed = (guards - lowest) ^ matched
            if not allowed:
                break
        return found

    def summary_hits(self, candidate_sentences: Sequence[Sequence[Token]], candidate_counts: Counter) -> int:
        """rouge-score's Lsum hit count: union-LCS tokens, each token capped by its count in the
        candidate (the cap by the target's count never binds, union rows are target rows)."""
        union = self.union_lcs(candidate_sentences)
        hits = 0
        for token, count in candidate_counts.items():
            m = self.rev_masks.get(token)
            if m:
                hits += min((union & m).bit_count(), count)
        return hits
