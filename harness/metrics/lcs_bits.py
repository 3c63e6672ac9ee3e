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
from collections.abc import Hashable, Sequence

Token = Hashable

_REVERSED_BYTE = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def match_masks(tokens: Sequence[Token], offset: int = 0) -> dict[Token, int]:
    """Token -> int with bit (offset + i) set where tokens[i] is that token."""
    masks: dict[Token, int] = {}
    for i, token in enumerate(tokens):
        masks[token] = masks.get(token, 0) | (1 << (offset + i))
    return masks


class StackedTargets:
    """Several targets, each a list of segments (its sentences, or its whole token list), laid
    out in one int so that one pass over a candidate serves every segment of every target.

    Natural layout: a zero guard bit, segment 1's rows, a guard, segment 2's rows, ..., a guard;
    guards stop carries between segments. `rev_*` are the same bits reversed, for the read-out.
    Empty segments are left out: they contribute no LCS.
    """

    def __init__(self, targets: Sequence[Sequence[Sequence[Token]]]):
        self.masks: dict[Token, int] = {}
        self.target_rows: list[int] = []
        self.target_lengths = [sum(map(len, segments)) for segments in targets]
        guards_below: list[int] = []
        tops: list[int] = []
        position = 0  # the guard below the next segment
        for segments in targets:
            target_rows = 0
            for segment in segments:
                if not segment:
                    continue
                for token, m in match_masks(segment, position + 1).items():
                    self.masks[token] = self.masks.get(token, 0) | m
                target_rows |= ((1 << len(segment)) - 1) << (position + 1)
                guards_below.append(position)
                tops.append(position + len(segment))
                position += len(segment) + 1
            self.target_rows.append(target_rows)
        self.rows = sum(self.target_rows)
        self.rows_and_guards = self.rows | sum(1 << g for g in guards_below) | (1 << position)
        self.nbytes = position // 8 + 1
        top_bit = 8 * self.nbytes - 1
        self.rev_rows = self.reverse(self.rows)
        self.rev_target_rows = [self.reverse(r) for r in self.target_rows]
        self.rev_masks = {token: self.reverse(m) for token, m in self.masks.items()}
        # In reversed order a segment's guard sits just above it and its top row is its lowest bit.
        self.rev_guards = sum(1 << (top_bit - g) for g in guards_below)
        self.rev_lows = sum(1 << (top_bit - t) for t in tops)

    def reverse(self, x: int) -> int:
        return int.from_bytes(x.to_bytes(self.nbytes, "little").translate(_REVERSED_BYTE), "big")

    def lcs_lengths(self, candidate: Sequence[Token]) -> list[int]:
        """Per target, the sum over its segments of the LCS length with `candidate`."""
        masks_get = self.masks.get
        rows = self.rows
        v = rows  # zero bits mark rows where the LCS grew
        for token in candidate:
            m = masks_get(token)
            if m:
                u = v & m
                v = ((v + u) | (v - u)) & rows
        return [(r ^ (v & r)).bit_count() for r in self.target_rows]

    def union_lcs(self, candidate_sentences: Sequence[Sequence[Token]]) -> int:
        """Reversed-layout bits of every row in rouge-score's union LCS: for each segment, the
        union over candidate sentences of `lcs_ind(segment, candidate_sentence)`."""
        masks_get, rev_masks = self.masks.get, self.rev_masks
        rows, rows_and_guards, nbytes = self.rows, self.rows_and_guards, self.nbytes
        # Forward pass, one candidate sentence after the other. Kept are the columns the read-out
        # needs, left to right: each column's D (rows where t grew, plus the guard bits) as
        # little-endian bytes, and its token's reversed match mask. A column whose token is not
        # in the target repeats the previous column, and the read-out steps through a run of such
        # columns exactly as through one, so one per run is kept (none before the sentence's
        # first match: no match can happen there).
        columns: list[bytes] = []
        column_masks: list[int] = []
        spans: list[tuple[int, int]] = []  # per candidate sentence, its kept columns
        for sentence in candidate_sentences:
            start = len(columns)
            v = rows
            in_run = True  # nothing kept yet in this sentence
            for token in sentence:
                m = masks_get(token)
                if m:
                    u = v & m
                    v = ((v + u) | (v - u)) & rows
                    columns.append((v ^ rows_and_guards).to_bytes(nbytes, "little"))
                    column_masks.append(rev_masks[token])
                    in_run = False
                elif not in_run:
                    columns.append(columns[-1])
                    column_masks.append(0)
                    in_run = True
            if len(columns) > start:
                spans.append((start, len(columns)))
        if not spans:
            return 0
        # One translate reverses every column's bits; column j is then bytes [j*nbytes, (j+1)*nbytes).
        packed = b"".join(columns).translate(_REVERSED_BYTE)
        from_bytes = int.from_bytes
        reversed_columns = [from_bytes(packed[i : i + nbytes], "big") for i in range(0, len(packed), nbytes)]
        guards, guards_above, lows = self.rev_guards, self.rev_guards << 1, self.rev_lows
        everything = self.rev_rows | guards
        union = 0
        for start, end in spans:
            # Per segment: the rows the walk may still visit, plus the segment's guard (always set).
            allowed = everything
            for j in range(end - 1, start - 1, -1):
                m = column_masks[j]
                x = (reversed_columns[j] | m) & allowed
                lowest = x & ~(x - lows)  # per segment; the guard itself if nothing is left
                matched = lowest & m
                union |= matched
                # Rows at or above `lowest` (and the guard) stay allowed; a matched row is used up.
                allowed = (guards_above - lowest) ^ matched
                if allowed == guards:
                    break
        return union

    def summary_hits(self, candidate_sentences: Sequence[Sequence[Token]], candidate_counts: Counter) -> list[int]:
        """Per target, rouge-score's Lsum hit count: its union-LCS tokens, each token capped by
        its count in the candidate (the cap by the target's count never binds: union rows are
        distinct target rows)."""
        union = self.union_lcs(candidate_sentences)
        hits = [(union & r).bit_count() for r in self.rev_target_rows]
        rev_masks = self.rev_masks
        for token in candidate_counts.keys() & rev_masks.keys():
            count = candidate_counts[token]
            used = union & rev_masks[token]
            if used.bit_count() > count:  # rare: then some target may exceed the cap
                for k, r in enumerate(self.rev_target_rows):
                    excess = (used & r).bit_count() - count
                    if excess > 0:
                        hits[k] -= excess
        return hits
