"""``Library``: what the bot and the CLIs ask of the articles: ingest, answer, search, read, stats.

A :class:`Library` owns one data folder: the SQLite store (source of truth) and the persisted
index, which it brings up to date with the store whenever it opens or ingests.

It is put together from its sides, each a module of this package: the write side
(:class:`~.writing.Writing`: ingest, catch-up, rebuild, save, following an index another process
saved) and the read side (:class:`~.answering.Answering` for questions, :class:`~.searching.Searching`
for ``/search`` and ``/trend``, both on :class:`~.reading.Reading`: articles, excerpts, citations,
dates). All share one :class:`~.folder.LibraryFolder`: the data folder, its store and archive.
Answering is split three ways: :meth:`Library.gather` collects candidate sentences around BM25's
best passages, :mod:`retrieval.answer.features` scores them, :mod:`retrieval.answer.candidates` picks (pure functions), and the
citations come back from the store. Search snippets are :mod:`retrieval.answer.search`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..archive import Archive, EmbeddedArchive
from ..index import Index
from ..store import PublicationDates, Store
from ..text import TERMS_VERSION
from .answering import Answering
from .folder import INDEX_FOLDER, STORE_FILE, LibrarySettings
from .searching import Searching
from .writing import Writing

if TYPE_CHECKING:
    from ..archive import Cluster


@dataclass(frozen=True)
class Stats:
    articles: int
    passages: int
    terms: int | None  # distinct terms (None: the archive's engine does not say)
    postings: int | None
    index_bytes: int


class Library(Answering, Searching, Writing):
    """Articles in one data folder, searchable and answerable."""

    def __init__(self, data_dir: Path, settings: LibrarySettings | None = None, archive: Archive | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        """``archive``: where the passages are searched (by default the index in ``data_dir``),
        brought up to the store now unless it is read-only (``progress``: articles indexed)."""
        self.data_dir = Path(data_dir)
        self.settings = settings or LibrarySettings()
        self.store = Store(self.data_dir / STORE_FILE)
        self.index_dir = self.data_dir / INDEX_FOLDER
        self._dates: PublicationDates | None = None
        self.archive: Archive = archive or EmbeddedArchive(self.index_dir, self.analysis(), lambda: self.dates)
        if self.archive.writable:
            if not self.archive.store_id:
                self.archive.reset(self.store.identity)
            if self.check_store() or self.catch_up(progress):
                self._save_if_possible()

    @classmethod
    def open(cls, data_dir: Path, cluster: Cluster | None = None, *, writes: bool = True) -> Library:
        """The one way the bot opens a data folder: its passages in the embedded index, or on
        ``cluster`` (a process that ``writes`` nothing only reads them there)."""
        if cluster is None:
            return cls(data_dir)
        from ..archive import OpenSearchArchive

        return cls(data_dir, archive=OpenSearchArchive(cluster, writable=writes))

    def analysis(self) -> dict[str, object]:
        """How this code cuts passages and makes terms: an index built otherwise is rebuilt."""
        shape = self.settings.shape
        return {"terms": TERMS_VERSION, "window": shape.window, "stride": shape.stride}

    @property
    def index(self) -> Index:
        """The embedded index (only when the archive is the embedded one)."""
        if not isinstance(self.archive, EmbeddedArchive):
            raise TypeError("this library's archive is not the embedded index")
        return self.archive.index

    def close(self) -> None:
        self.store.close()
        self.archive.close()

    def stats(self) -> Stats:
        if self.check_store():
            self._save_if_possible()
        held = self.archive.stats()
        return Stats(articles=self.store.count(), passages=held.passages, terms=held.terms, postings=held.postings,
                     index_bytes=held.bytes)
