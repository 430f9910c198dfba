"""Passages: overlapping windows of sentences inside one paragraph, the unit the index scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from ..text import index_terms
from .article import Passage, Sentence


@dataclass(frozen=True)
class PassageShape:
    """``window`` sentences per passage, a new passage every ``stride`` sentences."""

    window: int = 12
    stride: int = 6


Window = tuple[Passage, int, int]  # a passage and its sentences, a slice [start, end) of the article's


def passage_windows(article_key: int, sentences: Sequence[Sentence], shape: PassageShape) -> list[Window]:
    """The passages of one article: windows inside each paragraph; every sentence lands in at least one."""
    out: list[Window] = []
    offset = 0
    for paragraph, group in groupby(sentences, key=lambda s: s.paragraph):
        run = list(group)
        starts = list(range(0, max(len(run) - shape.window, 0) + 1, shape.stride))
        if starts[-1] + shape.window < len(run):
            starts.append(len(run) - shape.window)
        for start in starts:
            end = min(start + shape.window, len(run))
            out.append((Passage(article_key, paragraph, run[start].position, run[end - 1].position),
                        offset + start, offset + end))
        offset += len(run)
    return out


def passage_terms(
    sentences: Sequence[Sentence], windows: Sequence[Window], title_words: Sequence[str] = ()
) -> list[tuple[Passage, list[str]]]:
    """Each passage with its index terms: its sentences' and the title's.

    The title's terms join every passage: a passage is about its article's subject even when
    it does not name it.
    """
    title_terms = index_terms(title_words)
    terms = [index_terms(s.words) for s in sentences]  # once per sentence, though windows overlap
    return [(passage, [t for one in terms[start:end] for t in one] + title_terms) for passage, start, end in windows]
