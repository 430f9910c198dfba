"""``EmbeddedArchive``: the archive's passages in the data folder's own index (the default).

The index (:mod:`retrieval.index.index`) is memory-mapped from its current generation; a scope becomes
a mask over its passage numbers, dates read from the store (:class:`PublicationDates`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..articles import Passage
from ..errors import IndexFormatError
from ..index import Index
from ..store import PublicationDates
from .archive import ArchiveStats, CutArticle, Scope
from .postings import encode

log = logging.getLogger(__name__)


class EmbeddedArchive:
    """The index in ``folder``, built the way ``analysis`` says (else rebuilt from the store)."""

    def __init__(self, folder: Path, analysis: dict[str, object], dates: Callable[[], PublicationDates]) -> None:
        self.folder = folder
        self.analysis = analysis
        self._dates = dates
        self.index = self._load()
        self._saved_seq = self.index.seq

    def _load(self) -> Index:
        """The persisted index if it was built the way this code builds one, else a new one."""
        try:
            index = Index.load(self.folder, mmap=True)
        except IndexFormatError as exc:
            if Index.has_pointer(self.folder):
                log.warning("%s; rebuilding from the store", exc)
        else:
            if index.analysis == self.analysis:
                return index
            log.warning("the index was built with %s, this code uses %s; rebuilding", index.analysis, self.analysis)
        return Index()

    writable = True  # in memory, always; persist() saves it unless another process saved a later one

    @property
    def seq(self) -> int:
        return self.index.seq

    @property
    def store_id(self) -> str:
        return self.index.store_id

    def reset(self, store_id: str) -> None:
        self.index = Index()
        self.index.analysis = self.analysis
        self.index.store_id = store_id

    def replace(self, articles: Sequence[CutArticle]) -> None:
        if not articles:
            return
        self.index.remove_articles(a.stored.key for a in articles)
        self.index.add_numbered(*encode(articles, self.index.vocab))
        self.index.seq = articles[-1].stored.seq
        if not self.index.analysis:
            self.index.analysis = self.analysis

    def persist(self) -> None:
        """Save a new generation, made current atomically."""
        self.index.save(self.folder)
        self._saved_seq = self.index.seq

    @property
    def unsaved(self) -> bool:
        return self.index.seq != self._saved_seq

    @property
    def generation(self) -> str:
        return self.index.generation

    def current_generation(self) -> str:
        return Index.current_generation(self.folder)

    def use(self, index: Index) -> None:
        """Answer from ``index`` (a generation another process saved and this one loaded) from now on."""
        self.index = index
        self._saved_seq = index.seq

    def top(self, terms: Sequence[str], k: int, scope: Scope | None = None) -> list[tuple[Passage, float]]:
        index = self.index
        top = index.top(terms, k, self.mask(scope))
        return list(zip(index.passages([n for n, _ in top]), [score for _, score in top]))

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        unique = list(dict.fromkeys(terms))
        known = [t for t, n in zip(unique, self.index.vocab.lookup(unique)) if n is not None or "_" not in t]
        return dict(zip(known, self.index.idf(known).tolist()))

    def articles_in(self, scope: Scope, limit: int) -> list[int]:
        keep = self.mask(scope)
        assert keep is not None
        return list(dict.fromkeys(self.index.articles_of(keep)))[:limit]

    def mask(self, scope: Scope | None) -> np.ndarray | None:
        """The passages ``scope`` keeps, as a mask over passage numbers (None: all of them)."""
        if scope is None:
            return None
        index = self.index
        keep: np.ndarray | None = None
        if scope.keys is not None:
            keep = index.passages_of(scope.keys)
        if scope.published is not None:
            dates = self._dates()
            dated = (~index.passages_of(dates.keys_outside(scope.published)) if scope.undated_too
                     else index.passages_of(dates.keys_in(scope.published)))
            keep = dated if keep is None else keep & dated
        return keep

    def stats(self) -> ArchiveStats:
        """The index in memory, and the bytes of the generation in force on disk. Another process
        may be saving meanwhile and removing older generations: a file gone between being listed
        and measured counts nothing, it raises no error."""
        size = 0
        generation = Index.current_generation(self.folder)
        for folder, _, files in os.walk(self.folder / generation) if generation else ():
            for name in files:
                with contextlib.suppress(FileNotFoundError):
                    size += os.stat(os.path.join(folder, name)).st_size
        return ArchiveStats(self.index.n_passages, len(self.index.vocab), self.index.n_postings, size)

    def close(self) -> None:
        pass
