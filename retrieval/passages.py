"""Passages: overlapping windows of sentences inside one paragraph, the unit the index scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from .models import Passage, Sentence
from .text import index_terms


@dataclass(frozen=True)
class PassageShape:
    """``window`` sentences per passage, a new passage every ``stride`` sentences."""

    window: int = 12
    stride: int = 6


def build_passages(
    article_key: int, sentences: Sequence[Sentence], shape: PassageShape, title_words: Sequence[str] = ()
) -> list[tuple[Passage, list[str]]]:
    """Passages of one article with their index terms; every sentence lands in at least one.

    The title's terms join every passage: a passage is about its article's subject even when
    it does not name it.
    """
    out: list[tuple[Passage, list[str]]] = []
    title_terms = index_terms(title_words)
    for paragraph, group in groupby(sentences, key=lambda s: s.paragraph):
        run = list(group)
        starts = list(range(0, max(len(run) - shape.window, 0) + 1, shape.stride))
        if starts[-1] + shape.window < len(run):
            starts.append(len(run) - shape.window)
        for start in starts:
            window = run[start : start + shape.window]
            terms = [t for s in window for t in index_terms(s.words)] + title_terms
            out.append((Passage(article_key, paragraph, window[0].position, window[-1].position), terms))
    return out
