"""Postings as CSR arrays (terms as rows), the per-passage arrays beside them, and merging
added postings into place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ARRAY_NAMES = ("indptr", "docs", "tfs", "doc_len", "alive", "article", "paragraph", "first", "last")


@dataclass
class Arrays:
    indptr: np.ndarray  # int64, len(vocab) + 1
    docs: np.ndarray  # int32 passage numbers, grouped by term, ascending within a term
    tfs: np.ndarray  # float32 term frequencies
    doc_len: np.ndarray  # float64 terms per passage
    alive: np.ndarray  # bool; False for passages of replaced or removed articles
    article: np.ndarray  # int64 store key of each passage's article
    paragraph: np.ndarray  # int32
    first: np.ndarray  # int32
    last: np.ndarray  # int32


def empty_arrays() -> Arrays:
    return Arrays(
        indptr=np.zeros(1, dtype=np.int64),
        docs=np.zeros(0, dtype=np.int32),
        tfs=np.zeros(0, dtype=np.float32),
        doc_len=np.zeros(0, dtype=np.float64),
        alive=np.zeros(0, dtype=bool),
        article=np.zeros(0, dtype=np.int64),
        paragraph=np.zeros(0, dtype=np.int32),
        first=np.zeros(0, dtype=np.int32),
        last=np.zeros(0, dtype=np.int32),
    )


def merged_postings(old: Arrays, chunks: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                     vocab_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR postings (indptr, docs, tfs) of ``old``'s with ``chunks`` of new ones after them.

    Each chunk is (terms, docs, tfs) sorted by term, then passage, and its passages come after
    those of ``old`` and of the chunks before it, so every term's run stays sorted when a
    chunk's postings of term ``t`` go after what is already there: posting ``i`` of a chunk
    lands at ``indptr[t] + filled[t] + (i − first of t in the chunk)``, and the old postings
    fill the remaining slots in their order. One pass over everything, however many chunks
    (``np.insert`` per chunk cost a pass over the whole index each time: quadratic in an ingest).
    """
    old_counts = np.zeros(vocab_size, dtype=np.int64)
    old_counts[: old.indptr.size - 1] = np.diff(old.indptr)
    total = old_counts.copy()
    for terms, _, _ in chunks:  # counted again below: a list of counts would be chunks × vocabulary
        total += np.bincount(terms, minlength=vocab_size)
    indptr = np.zeros(vocab_size + 1, dtype=np.int64)
    np.cumsum(total, out=indptr[1:])
    docs = np.empty(int(indptr[-1]), dtype=old.docs.dtype)
    tfs = np.empty(docs.size, dtype=old.tfs.dtype)
    is_old = np.ones(docs.size, dtype=bool)
    filled = old_counts
    for terms, chunk_docs, chunk_tfs in chunks:
        count = np.bincount(terms, minlength=vocab_size)
        first = np.cumsum(count) - count
        places = indptr[terms] + filled[terms] + np.arange(terms.size, dtype=np.int64) - first[terms]
        docs[places], tfs[places], is_old[places] = chunk_docs, chunk_tfs, False
        filled = filled + count
    docs[is_old], tfs[is_old] = old.docs, old.tfs
    return indptr, docs, tfs
