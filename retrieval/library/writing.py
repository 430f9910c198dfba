"""The write side: the archive kept in step with the store (ingest, catch-up, rebuild, save) and
following the index another process saved."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable

from ..archive import CutArticle, EmbeddedArchive
from ..articles import Article, passage_windows
from ..errors import BadArticle, IndexFormatError
from ..index import Index
from ..store import IngestReport, StoredArticle, ingest
from ..text import syllables
from .folder import LibraryFolder

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 2000  # articles merged into the index at a time


class Writing(LibraryFolder):
    """Storing articles and keeping the archive in step with the store."""

    def check_store(self) -> bool:
        """Rebuild the archive when it was not built from this store as it is now (the store was
        replaced, restored from an older copy, or deleted and made anew); whether it did.

        Without this, an archive ahead of its store answers with articles the store no longer has
        and never indexes the new ones (their change numbers are below the archive's)."""
        archive, store = self.archive, self.store
        if not archive.writable or (archive.store_id == store.identity and archive.seq <= store.seq):
            return False
        why = ("it was built from another store" if archive.store_id != store.identity
               else f"it reflects change {archive.seq:,} and the store is at {store.seq:,}")
        log.warning("the index of %s's passages does not belong to the store (%s); rebuilding it from the store",
                    self.data_dir, why)
        self.archive.reset(store.identity)
        self.catch_up()
        return True

    def catch_up(self, progress: Callable[[int], None] | None = None) -> int:
        """Index what the store changed since the archive last saw it; returns articles indexed."""
        done = 0
        batch: list[StoredArticle] = []
        for stored in self.store.changed_since(self.archive.seq):
            batch.append(stored)
            if len(batch) >= CATCH_UP_BATCH:
                done += self._index_batch(batch, progress)
        done += self._index_batch(batch, progress)
        return done

    def refresh(self) -> int:
        """Bring the archive up to the store as other processes left it; articles indexed (a
        rebuild counts every article)."""
        if self.check_store():
            return self.store.count()
        return self.catch_up() if self.store.seq != self.archive.seq else 0

    def _index_batch(self, batch: list[StoredArticle], progress: Callable[[int], None] | None) -> int:
        if not batch:
            return 0
        self.archive.replace([self.cut(stored) for stored in batch])
        if progress:
            progress(len(batch))
        count = len(batch)
        batch.clear()
        return count

    def cut(self, stored: StoredArticle) -> CutArticle:
        """A stored article's sentences, and the passages an archive holds of it with their terms
        (what both archives and the benchmarks' references index)."""
        sentences = self.store.sentences_of(stored)
        return CutArticle(stored, sentences, passage_windows(stored.key, sentences, self.settings.shape),
                          syllables(stored.article.title))

    def rebuild(self, progress: Callable[[int], None] | None = None) -> None:
        """Index every stored article from scratch (no re-segmentation)."""
        self.archive.reset(self.store.identity)
        self.catch_up(progress)
        self.save_index()

    def ingest(
        self,
        items: Iterable[Article | BadArticle],
        workers: int | None = None,
        progress: Callable[[int], None] | None = None,
        save: bool = True,
    ) -> IngestReport:
        """Store new and changed articles and index them; persist the index unless ``save`` is off.

        A long-running writer passes ``save=False`` and saves when it chooses (the bot's ingest
        process after each batch): the store is the source of truth, so an index saved late
        loses nothing on a restart.
        """
        indexed = 0

        def index_written() -> None:  # while the workers segment the next batches
            nonlocal indexed
            if self.store.seq - self.archive.seq >= CATCH_UP_BATCH:
                indexed += self.catch_up()

        report = ingest(self.store, items, workers=workers, progress=progress, written=index_written)
        indexed += self.catch_up()
        if indexed and save:
            self.save_index()
        return report

    def _save_if_possible(self) -> None:
        """Save the index, or say why not and go on with it in memory: a full disk must not stop
        a reader (the store is intact, and the next save or start writes the index)."""
        try:
            self.save_index()
        except OSError as exc:
            log.warning("the index could not be saved (%s); answering from memory, the store is intact", exc)

    def use_index(self, index: Index) -> None:
        """Answer from ``index`` (a generation another side saved and loaded) from now on."""
        if isinstance(self.archive, EmbeddedArchive):
            self.archive.use(index)

    def saved_index(self, generation: str, store_id: str) -> Index | None:
        """The embedded index's generation ``generation`` as another process saved it, loaded
        (mapped, every file checked), when it is not the one answering and was built from the
        store ``store_id``; else None (a cluster, the same generation, or one replaced while it
        was read: the next look takes it). Reads files only, so any thread may call it."""
        if not isinstance(self.archive, EmbeddedArchive) or generation in ("", self.archive.generation):
            return None
        try:
            fresh = Index.load(self.index_dir, mmap=True)
        except IndexFormatError as exc:
            log.warning("the saved index could not be loaded (%s); trying again at the next look", exc)
            return None
        if fresh.store_id != store_id or fresh.generation == self.archive.generation:
            return None
        return fresh

    def follow(self) -> bool:
        """Answer from the index another process saved last (``python -m retrieval ingest``, a
        worker), when it is not the one answering; whether it changed. The console looks before
        each reply; the bot looks at every sync, loading on a thread of its own."""
        fresh = self.saved_index(self.archive.current_generation(), self.store.identity)
        if fresh is not None:
            self.use_index(fresh)
            log.info("answering from index %s (%d passages)", fresh.generation, fresh.n_passages)
        return fresh is not None

    def save_index(self) -> None:
        """Make the archive's changes durable and visible to other processes (the embedded
        index: a new generation, made current atomically)."""
        self.archive.persist()

    @property
    def unsaved(self) -> bool:
        """Whether the archive has changes :meth:`save_index` has not made durable yet."""
        return self.archive.unsaved

    @property
    def seq(self) -> int:
        """The store's change number: it grows with every article written, by any process."""
        return self.store.seq

    def changes(self, since: int, limit: int = 500) -> list[StoredArticle]:
        """Articles written after change number ``since``, oldest first (``key`` is stable)."""
        return list(itertools.islice(self.store.changed_since(since), limit))
