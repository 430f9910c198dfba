"""``Archive``: what :class:`~retrieval.library.Library` asks of the place its passages are
searched, so the library, the answer ranker, the bot and ``eval`` never know which one runs.

Two implement it: :class:`~retrieval.archive.EmbeddedArchive` (the memory-mapped index in the
data folder, the default) and :class:`~retrieval.archive.OpenSearchArchive` (an OpenSearch
cluster, for an archive past one machine). The store stays the source of truth in both: an
archive reflects the store up to a change number (``seq``) and is brought up to it with
:meth:`Archive.replace`, a batch of articles at a time.

A query's scope is a :class:`Scope` of filters (these articles, published within a frame, or
undated), not a mask over one index's passage numbers, so a cluster can apply it as a filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from ..articles import Passage, Sentence, Window, passage_terms
from ..store import StoredArticle
from ..text import TimeFrame


@dataclass(frozen=True)
class Scope:
    """Which articles' passages a query may return; every part that is given must hold."""

    keys: frozenset[int] | None = None  # only these articles (a follow-up's cited ones, a source's)
    published: TimeFrame | None = None  # published within this frame ...
    undated_too: bool = False  # ... or not dated at all (news of a date often carries none)

    def __and__(self, other: Scope) -> Scope:
        if self.published is not None and other.published is not None:
            raise ValueError("a scope holds one time frame; these two both have one")
        keys = (other.keys if self.keys is None else self.keys if other.keys is None
                else self.keys & other.keys)
        dated = self if self.published is not None else other
        return Scope(keys, dated.published, dated.undated_too)


@dataclass(frozen=True)
class CutArticle:
    """A stored article as an archive holds it: its sentences, cut into passages."""

    stored: StoredArticle
    sentences: list[Sentence]
    windows: list[Window]  # each passage and the slice of ``sentences`` it holds
    title: list[str]  # the title's syllables: their terms join every passage

    @cached_property
    def passages(self) -> list[tuple[Passage, list[str]]]:
        """Each passage with its index terms as strings (what OpenSearch is sent; the embedded
        index numbers them straight from the sentences, :mod:`retrieval.archive.postings`)."""
        return passage_terms(self.sentences, self.windows, self.title)


@dataclass(frozen=True)
class ArchiveStats:
    passages: int
    terms: int | None  # distinct terms (None where the engine does not say)
    postings: int | None
    bytes: int


class Archive(Protocol):
    """The searchable half of the archive: passages and their BM25 statistics."""

    writable: bool  # False: this process only reads it (another one keeps it up to the store)

    @property
    def seq(self) -> int:
        """The store's change number this archive reflects."""

    @property
    def store_id(self) -> str:
        """The identity of the store it was built from ("" when new)."""

    def reset(self, store_id: str) -> None:
        """Forget every passage: the archive is rebuilt from the store ``store_id``."""

    def replace(self, articles: Sequence[CutArticle]) -> None:
        """Add these articles, replacing every passage an earlier version of them had; the
        archive then reflects the store up to the last one's change number."""

    def persist(self) -> None:
        """Make what :meth:`replace` did durable and visible to other processes."""

    @property
    def unsaved(self) -> bool:
        """Whether :meth:`persist` has something to do."""

    @property
    def generation(self) -> str:
        """The saved state this process answers from ("": there is none to load, a cluster)."""

    def current_generation(self) -> str:
        """The saved state in force now, whichever process saved it ("": none)."""

    def top(self, terms: Sequence[str], k: int, scope: Scope | None = None) -> list[tuple[Passage, float]]:
        """The k best passages for the terms (repeated terms count again), best first."""

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """``ln(1 + (N − df + 0.5)/(df + 0.5))`` of each term the archive holds; of the others,
        only single syllables (df 0): an unknown pair is just a word boundary no article crosses."""

    def articles_in(self, scope: Scope, limit: int) -> list[int]:
        """Keys of up to ``limit`` articles with passages within ``scope``."""

    def stats(self) -> ArchiveStats: ...

    def close(self) -> None: ...
