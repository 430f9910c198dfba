"""Term numbers of passages, straight from their sentences' syllables, for the embedded index.

A passage's terms are :func:`~retrieval.text.index_terms` of its sentences and its article's
title: every syllable and each adjacent pair, accented and folded. Spelled out as strings, 5,000
articles make ~18 million of them (windows overlap, so each sentence is counted twice, and the
title joins every passage), and numbering them one Python string at a time was most of the
ingest's own work after pyvi. Here strings are made and looked up only once per *distinct*
syllable and pair of a batch; everything per occurrence is numpy over integer arrays.

The result is the same multiset of terms per passage as :attr:`CutArticle.passages
<retrieval.archive.CutArticle.passages>` (``tests/test_postings.py``), with terms numbered by the
index's :class:`~retrieval.index.Vocabulary`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from ..articles import Passage
from ..index import Vocabulary
from ..text import FOLDED, fold_syllable
from .archive import CutArticle


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of ``range(start, start + length)`` for each pair, as one array."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


def _grouped(blocks: list[tuple[np.ndarray, np.ndarray]], units: int) -> tuple[np.ndarray, np.ndarray]:
    """Values of several blocks, each given with its (non-decreasing) unit numbers, gathered
    unit by unit (block order within a unit), and how many each unit has: a counting sort,
    O(values), where a stable argsort of the units took a tenth of the parent's ingest time."""
    counts = [np.bincount(unit, minlength=units) for unit, _ in blocks]
    unit_count = np.stack(counts).sum(axis=0)
    before = np.cumsum(unit_count) - unit_count  # where each unit starts
    out = np.empty(int(unit_count.sum()), dtype=np.int64)
    for (unit, values), count in zip(blocks, counts):
        block_start = np.cumsum(count) - count  # where each unit's run starts in this block
        out[before[unit] + np.arange(unit.size, dtype=np.int64) - block_start[unit]] = values
        before = before + count
    return out, unit_count


def _syllables(words: Sequence[str]) -> list[str]:
    """The syllables of pyvi words, as :func:`~retrieval.text.vietnamese.sentence_terms` splits them."""
    return "_".join(words).split("_") if words else []


def _pair_terms(vocab: Vocabulary, names: list[str], left: np.ndarray, right: np.ndarray,
                prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """The term numbers of the distinct pairs (``prefix`` + left ``_`` right) and which one each
    occurrence is; each distinct pair is spelled once."""
    base = max(len(names), 1)
    keys, which = np.unique(left * base + right, return_inverse=True)
    firsts, seconds = np.divmod(keys, base)
    return vocab.number_distinct([f"{prefix}{names[a]}_{names[b]}" for a, b in zip(firsts.tolist(), seconds.tolist())]), which


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
    # Folded syllables get local numbers of their own (several accented ones fold to one), so
    # folded pairs are spelled once per distinct folded pair, fewer than the accented ones.
    bare_of = [fold_syllable(p) for p in distinct]
    bare = list(dict.fromkeys(bare_of))
    bare_number = {b: i for i, b in enumerate(bare)}
    folded_of = np.fromiter(map(bare_number.__getitem__, bare_of), dtype=np.int64, count=len(bare_of))
    accented_term = vocab.number_distinct(distinct)
    folded_term = vocab.number_distinct([FOLDED + b for b in bare])[folded_of]

    # Pairs: each syllable with the next one of its unit.
    unit_of = np.repeat(np.arange(unit_len.size, dtype=np.int64), unit_len)
    has_next = np.zeros(syllable.size, dtype=bool)
    has_next[:-1] = unit_of[:-1] == unit_of[1:]
    left = syllable[:-1][has_next[:-1]] if syllable.size else syllable
    right = syllable[1:][has_next[:-1]] if syllable.size else syllable
    pair_accented, pair_of = _pair_terms(vocab, distinct, left, right, "")
    pair_folded, folded_pair_of = _pair_terms(vocab, bare, folded_of[left], folded_of[right], FOLDED)

    # Every term occurrence of every unit, grouped by unit.
    pair_unit = unit_of[has_next]
    unit_terms, unit_count = _grouped(
        [(unit_of, accented_term[syllable]), (unit_of, folded_term[syllable]),
         (pair_unit, pair_accented[pair_of]), (pair_unit, pair_folded[folded_pair_of])], unit_len.size)
    unit_start = np.cumsum(unit_count) - unit_count

    # A passage's terms: its sentence units' (contiguous) and its title's.
    run = np.array(runs, dtype=np.int64).reshape(-1, 3)
    body_start = unit_start[run[:, 1]] if run.size else np.zeros(0, dtype=np.int64)
    body_end = np.append(unit_start, unit_terms.size)[run[:, 2]] if run.size else np.zeros(0, dtype=np.int64)
    title_start, title_len = unit_start[run[:, 0]], unit_count[run[:, 0]]
    lengths = (body_end - body_start) + title_len
    starts = np.stack([body_start, title_start], axis=1).ravel()
    spans = np.stack([body_end - body_start, title_len], axis=1).ravel()
    return passages, lengths, unit_terms[_ranges(starts, spans)]
