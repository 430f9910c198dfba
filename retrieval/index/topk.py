"""The k best passages of a query in one compiled pass over its postings (numba).

:meth:`retrieval.index.Index.top` hands this kernel the query's terms and their weights
(``idf · count``); it returns the contenders and their exact scores, and ``top`` orders them.
Two stages:

1. **Rough scores.** Each posting adds ``w · s`` to its passage, in float32, where ``s`` is the
   posting's saturated term frequency precomputed in float32 (``Index._approximate``).
2. **Exact scores of the contenders.** Every passage within a safe margin of the k-th rough
   score (:data:`MARGIN` of the best: a float32 sum of n terms errs by well under ``n · 2⁻²³`` of it)
   is scored again in float64, term by term in the query's order, each term's posting found
   by bisection: ``Σ w · tf · (k1 + 1) / (tf + norm)``, the sum rank-bm25 computes.

Between the two, one scan over every passage finds the k-th best rough score and, in the same
pass, gathers the passages that may be within the margin of it (``slack`` below the k-th
best found so far); a second full scan for them cost 0.2 ms a question at 35,439 articles,
a sixth of the kernel.

A mask (a query's scope, or the passages still alive) keeps only the passages it marks: both
stages see only those.

Why compiled code: numpy did the same with ``np.add.at`` per term, a partition of every passage
and a ``searchsorted`` per term and contender, 2.0 ms a question at 35,439 articles (350,000
postings). The steps below read each posting once and take 1.0 ms; most of it is reading
the postings from memory. ``cache=True`` keeps the machine code beside this file (or in
``NUMBA_CACHE_DIR``), so only a new install compiles, once (about 1.5 s).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .bm25 import saturated

_saturated = njit(inline="always")(saturated)

# The margin under the k-th rough score that still makes a passage a contender (see above).
MARGIN = 1e-4


@njit(cache=True, nogil=True)
def contenders(indptr: np.ndarray, docs: np.ndarray, rough_weights: np.ndarray, tfs: np.ndarray,
               norm: np.ndarray, terms: np.ndarray, weights: np.ndarray, k: int,
               k1: float, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passage numbers ascending, exact float64 scores) of every passage that could be among
    the k best for ``terms`` (vocabulary ids) weighted by ``weights`` (all positive); only
    passages ``keep`` marks True count (an empty ``keep``: all of them)."""
    rough = _rough_scores(indptr, docs, rough_weights, terms, weights, norm.size)
    chosen = _within_margin(rough, keep, k, _slack(weights, k1))
    return chosen, _exact_scores(indptr, docs, tfs, norm, terms, weights, k1, chosen)


@njit(cache=True, nogil=True)
def _rough_scores(indptr: np.ndarray, docs: np.ndarray, rough_weights: np.ndarray, terms: np.ndarray,
                  weights: np.ndarray, n: int) -> np.ndarray:
    """Stage 1: each passage's float32 sum of ``w · s`` over its postings of the query's terms."""
    rough = np.zeros(n, dtype=np.float32)
    for j in range(terms.size):
        w = np.float32(weights[j])
        for i in range(indptr[terms[j]], indptr[terms[j] + 1]):
            rough[docs[i]] += rough_weights[i] * w
    return rough


@njit(cache=True, nogil=True)
def _slack(weights: np.ndarray, k1: float) -> np.float32:
    """Twice the margin of the highest score a passage could reach: a saturated term
    frequency stays below k1 + 1."""
    bound = 0.0
    for j in range(weights.size):
        bound += weights[j] * (k1 + 1)
    return np.float32(2 * MARGIN * bound)


@njit(cache=True, nogil=True)
def _within_margin(rough: np.ndarray, keep: np.ndarray, k: int, slack: np.float32) -> np.ndarray:
    """The passages (ascending) whose rough score is within the margin of the k-th best.

    One scan: how many passages were touched, the best rough score, and the k best kept in
    ``kept`` (ascending, kept[0] the k-th best so far). It also gathers, in order, every
    passage within ``slack`` of the k-th best so far: the final floor (below) is never above
    that, as the k-th best only grows. A second scan for the floor cost as much as this one (a
    pass over every passage). Few touched: all of them (scanned again: rare, and only then are
    those below the k-th needed).
    """
    n = rough.size
    kept = np.zeros(k, dtype=np.float32)
    high = np.empty(n, dtype=np.int64)
    count = 0
    best = np.float32(0)
    touched = 0
    every = keep.size == 0
    for d in range(n):
        v = rough[d]
        if v == 0 or not (every or keep[d]):
            continue
        touched += 1
        best = max(best, v)
        if v >= kept[0] - slack:
            high[count] = d
            count += 1
            if v > kept[0]:
                p = 0
                while p + 1 < k and kept[p + 1] < v:
                    kept[p] = kept[p + 1]
                    p += 1
                kept[p] = v
    c = 0
    if touched <= 4 * k:
        chosen = np.empty(touched, dtype=np.int64)
        for d in range(n):
            if rough[d] != 0 and (every or keep[d]):
                chosen[c] = d
                c += 1
        return chosen[:c]
    floor = kept[0] - np.float32(MARGIN * np.float64(best))
    for i in range(count):
        d = high[i]
        if rough[d] >= floor:
            high[c] = d
            c += 1
    return high[:c]


@njit(cache=True, nogil=True)
def _exact_scores(indptr: np.ndarray, docs: np.ndarray, tfs: np.ndarray, norm: np.ndarray, terms: np.ndarray,
                  weights: np.ndarray, k1: float, chosen: np.ndarray) -> np.ndarray:
    """Stage 2: the float64 BM25 score of each chosen passage, term by term in the query's
    order, each term's posting found by bisection."""
    exact = np.zeros(chosen.size, dtype=np.float64)
    for j in range(terms.size):
        first, end = indptr[terms[j]], indptr[terms[j] + 1]
        for ci in range(chosen.size):
            d = chosen[ci]
            lo, hi = first, end
            while lo < hi:
                mid = (lo + hi) >> 1
                if docs[mid] < d:
                    lo = mid + 1
                else:
                    hi = mid
            if lo < end and docs[lo] == d:
                exact[ci] += weights[j] * _saturated(np.float64(tfs[lo]), norm[d], k1)
    return exact
