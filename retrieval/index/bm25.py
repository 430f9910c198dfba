"""BM25 as small vectorised functions, the same formulas as rank-bm25's ``BM25Okapi``.

Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and Beyond" (2009):

    score(D, Q) = Σ_{q ∈ Q} idf(q) · tf(q, D) · (k1 + 1) / (tf(q, D) + k1 · (1 − b + b · |D| / avgdl))
    idf(q)      = ln(N − df(q) + 0.5) − ln(df(q) + 0.5)

rank-bm25 floors a negative idf (a term in more than half the documents) at
``epsilon · mean(idf over the vocabulary)``; we do the same so that scores match it exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


def okapi_idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    """idf per term; terms with ``df == 0`` (not in the corpus) get 0 and do not count in the mean."""
    present = df > 0
    idf = np.zeros(df.shape, dtype=np.float64)
    if not present.any():
        return idf
    raw = np.log(n_docs - df[present] + 0.5) - np.log(df[present] + 0.5)
    floor = epsilon * raw.mean()
    idf[present] = np.where(raw < 0, floor, raw)
    return idf


def length_norm(doc_len: np.ndarray, avgdl: float, params: BM25Params) -> np.ndarray:
    """The per-document denominator term ``k1 · (1 − b + b · |D| / avgdl)``."""
    return params.k1 * (1 - params.b + params.b * doc_len / avgdl)


def saturated(tf: Any, norm: Any, k1: float) -> Any:
    """The saturated term frequency ``tf · (k1 + 1) / (tf + norm)``: of one posting (floats, as
    the compiled top-k kernel calls it) or of a run of them (arrays)."""
    return tf * (k1 + 1) / (tf + norm)


def term_weights(tf: np.ndarray, norm: np.ndarray, params: BM25Params) -> np.ndarray:
    """:func:`saturated` of a run of postings."""
    return saturated(tf, norm, params.k1)
