"""Term numbers of passages, straight from their sentences' syllables, for the embedded index.

A passage's terms are :func:`~retrieval.text.index_terms` of its sentences and its article's
title: every syllable and each adjacent pair, accented and folded. Spelled out as strings, 5,000
articles make ~18 million of them (windows overlap, so each sentence is counted twice, and the
title joins every passage), and numbering them one Python string at a time was most of the
ingest's own work after pyvi. Here strings are made and looked up only once per *distinct*
syllable and pair of a batch; everything per occurrence is numpy over integer arrays.

The result is the same multiset of terms per passage as :attr:`CutArticle.passages
<retrieval.archive.CutArticle.passages>` (``tests/test_postings.py``), with terms numbered by the
index's :class:`~retrieval.vocabulary.Vocabulary`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from .archive import CutArticle
from .models import Passage
from .text import FOLDED, fold_syllable
from .vocabulary import Vocabulary


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(start, start + length)`` for each pair, as one array."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def _syllables(words: Sequence[str]) -> list[str]:
    """The syllables of pyvi words, as :func:`~retrieval.text.sentence_terms` splits them."""
    return "_".join(words).split("_") if words else []


def encode(cuts: Sequence[CutArticle], vocab: Vocabulary) -> tuple[list[Passage], np.ndarray, np.ndarray]:
    """The passages of ``cuts``, how many terms each has, and all their term numbers, passage
    after passage (unordered within one)."""
    # Units: each article's title, then its sentences; a passage is its title plus a run of units.
    unit_syllables: list[list[str]] = []
    passages: list[Passage] = []
    runs: list[tuple[int, int, int]] = []  # per passage: title unit, first and end sentence unit
    for cut in cuts:
        title_unit = len(unit_syllables)
        unit_syllables.append(_syllables(cut.title))
        unit_syllables.extend(_syllables(s.words) for s in cut.sentences)
        for passage, start, end in cut.windows:
            passages.append(passage)
            runs.append((title_unit, title_unit + 1 + start, title_unit + 1 + end))
    unit_len = np.fromiter((len(u) for u in unit_syllables), dtype=np.int64, count=len(unit_syllables))

    flat = list(itertools.chain.from_iterable(unit_syllables))
    distinct = list(dict.fromkeys(flat))
    local = {p: i for i, p in enumerate(distinct)}
    syllable = np.fromiter(map(local.__getitem__, flat), dtype=np.int64, count=len(flat))
    del flat
    bare = [fold_syllable(p) for p in distinct]
    accented_term = vocab.numbers(distinct)
    folded_term = vocab.numbers([FOLDED + b for b in bare])

    # Pairs: each syllable with the next one of its unit.
    unit_of = np.repeat(np.arange(unit_len.size, dtype=np.int64), unit_len)
    has_next = np.zeros(syllable.size, dtype=bool)
    has_next[:-1] = unit_of[:-1] == unit_of[1:]
    left = syllable[:-1][has_next[:-1]] if syllable.size else syllable
    right = syllable[1:][has_next[:-1]] if syllable.size else syllable
    pair_keys, pair_of = np.unique(left * max(len(distinct), 1) + right, return_inverse=True)
    firsts, seconds = np.divmod(pair_keys, max(len(distinct), 1))
    pairs = list(zip(firsts.tolist(), seconds.tolist()))
    pair_accented = vocab.numbers([f"{distinct[a]}_{distinct[b]}" for a, b in pairs])
    pair_folded = vocab.numbers([f"{FOLDED}{bare[a]}_{bare[b]}" for a, b in pairs])

    # Every term occurrence of every unit, grouped by unit.
    occurrence_unit = np.concatenate([unit_of, unit_of, unit_of[has_next], unit_of[has_next]])
    occurrence_term = np.concatenate([accented_term[syllable], folded_term[syllable],
                                      pair_accented[pair_of], pair_folded[pair_of]])
    order = np.argsort(occurrence_unit, kind="stable")
    unit_terms = occurrence_term[order]
    unit_count = np.bincount(occurrence_unit, minlength=unit_len.size)
    unit_start = np.concatenate([[0], np.cumsum(unit_count)[:-1]]).astype(np.int64)

    # A passage's terms: its sentence units' (contiguous) and its title's.
    run = np.array(runs, dtype=np.int64).reshape(-1, 3)
    body_start = unit_start[run[:, 1]] if run.size else np.zeros(0, dtype=np.int64)
    body_end = np.append(unit_start, unit_terms.size)[run[:, 2]] if run.size else np.zeros(0, dtype=np.int64)
    title_start, title_len = unit_start[run[:, 0]], unit_count[run[:, 0]]
    lengths = (body_end - body_start) + title_len
    starts = np.stack([body_start, title_start], axis=1).ravel()
    spans = np.stack([body_end - body_start, title_len], axis=1).ravel()
    return passages, lengths, unit_terms[_ranges(starts, spans)]
