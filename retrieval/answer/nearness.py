"""How close a sentence's evidence stands to the question's words, for the whole shortlist
in one compiled pass (numba): the features ``evidence``, ``evidence_first``, ``near_focus``,
``around``, ``around_wide`` and ``around_specific`` of :mod:`.features`.

The inputs are flat arrays over the shortlisted sentences' syllables (``offsets[s]`` to
``offsets[s + 1]`` are sentence ``s``'s), each syllable read once into a number: ``local``,
its place in the question's own syllables (−1: not one of them). Per local syllable:
``column`` (its column among the question's weighed syllables, −1 when none), ``own`` (a
syllable of the question, question words included) and ``focus`` (its weight as a focus word,
NaN when it is none). The evidence spans of the kinds that answer the question come flat too,
``span_offsets[s]`` to ``span_offsets[s + 1]`` for sentence ``s``, in the order the kinds are
tried (most telling first), each with its ``start``, its exclusive ``end`` and whether it is of
the most telling kind.

Per sentence, a span is *new* when one of its syllables is not the question's (what the
question says is no answer). Over the new spans:

- ``near_focus`` is the largest ``w · exp(−d / 4)`` over the sentence's focus words, ``d`` the
  distance from the word to the span's nearer end;
- ``around`` is the largest idf total, over ``total``, of the distinct weighed question
  syllables within ``window`` syllables either side of a span (``around_wide``: 2 · window);
  ``around_specific`` counts only those the article's title lacks, over their total.

Why compiled: the same in Python, one sentence at a time (list comprehensions over each
sentence's syllables, bisections, sums over sets, for some 60 sentences), was about half of
the shortlist's own features; compiled, the answer median at 35,439 articles falls by about
6 % (bench/RESULTS.md). The sums run in syllable order where Python's ran in set order, so a
feature may differ from before in its last bit; no answer of the dev sets changed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

NEARNESS = ("evidence", "evidence_first", "near_focus", "around", "around_wide", "around_specific")
"""The columns :func:`nearness` returns, in its order."""


@njit(cache=True, nogil=True)
def nearness(offsets: np.ndarray, local: np.ndarray, column: np.ndarray, own: np.ndarray, focus: np.ndarray,
             span_offsets: np.ndarray, span_start: np.ndarray, span_end: np.ndarray, span_first: np.ndarray,
             idf: np.ndarray, specific: np.ndarray, specific_total: np.ndarray, total: float,
             window: int) -> np.ndarray:
    """sentences × :data:`NEARNESS`; ``specific[s, c]``: column ``c`` is not in sentence ``s``'s
    article's title (``specific_total[s]`` their idf total, 1 when none)."""
    n = offsets.size - 1
    out = np.zeros((n, 6))
    seen_close = np.full(idf.size, -1, dtype=np.int64)  # the span that last counted a column
    seen_wide = np.full(idf.size, -1, dtype=np.int64)
    mark = 0
    for s in range(n):
        first, length = offsets[s], offsets[s + 1] - offsets[s]
        found = first_found = False
        near = around = wide = around_specific = 0.0
        for j in range(span_offsets[s], span_offsets[s + 1]):
            start, end = span_start[j], span_end[j]
            new = False
            for i in range(min(start, length), min(end, length)):
                u = local[first + i]
                if u < 0 or not own[u]:
                    new = True
                    break
            if not new:
                continue
            found = True
            first_found = first_found or span_first[j]
            mark += 1
            close = further = close_specific = 0.0
            for i in range(length):
                u = local[first + i]
                if u < 0:
                    continue
                if not math.isnan(focus[u]):
                    near = max(near, focus[u] * math.exp(-min(abs(i - start), abs(i - (end - 1))) / 4))
                c = column[u]
                if c < 0:
                    continue
                if start - window <= i < start or end <= i < end + window:
                    if seen_close[c] != mark:
                        seen_close[c] = mark
                        close += idf[c]
                        if specific[s, c]:
                            close_specific += idf[c]
                if start - 2 * window <= i < start or end <= i < end + 2 * window:
                    if seen_wide[c] != mark:
                        seen_wide[c] = mark
                        further += idf[c]
            around = max(around, close / total)
            wide = max(wide, further / total)
            around_specific = max(around_specific, close_specific / specific_total[s])
        if found:
            out[s, 0] = 1.0
            out[s, 1] = 1.0 if first_found else 0.0
            out[s, 2] = near
            out[s, 3] = around
            out[s, 4] = wide
            out[s, 5] = around_specific
    return out
