"""New articles: handed to the ingest side (its own process), and the index generation it
saves taken up by the answer side between two questions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from retrieval.articles import Article
from retrieval.errors import BadArticle
from retrieval.library import Library
from retrieval.store import IngestReport

from .ingester import Ingester
from .metrics import Metrics
from .worker import Worker

log = logging.getLogger(__name__)


class NewArticles:
    """``ingester`` is None in a process that only answers: it follows what the workers save.
    ``on_queued`` is told how many alerts were queued (the delivery loop wakes up on it)."""

    def __init__(self, worker: Worker, library: Library, ingester: Ingester | None, metrics: Metrics) -> None:
        self._worker = worker
        self._library = library
        self._ingester = ingester
        self._metrics = metrics
        self._store_identity = library.store.identity
        self.on_queued: Callable[[int], None] | None = None

    async def ingest(self, items: Sequence[Article | BadArticle]) -> IngestReport:
        """Store and index new articles on the ingest side, answer from them, then queue their
        alerts (answerable before any alert about them goes out)."""
        ingester = self._ingest_side()
        report, generation = await ingester.ingest(items)
        self._metrics.ingested(report)
        await self._take(generation)
        self._queued(await ingester.queue_alerts())
        return report

    async def sync(self) -> int:
        """Catch up with what other processes did meanwhile: index what they stored and queue its
        alerts (articles indexed); a process that only answers takes up the index generation
        they saved last (0)."""
        if self._ingester is None:
            await self._take(self._library.archive.current_generation())
            return 0
        indexed, generation = await self._ingester.sync()
        await self._take(generation)
        self._queued(await self._ingester.queue_alerts())
        return indexed

    async def save_index(self) -> bool:
        """Have the ingest side save its index if it moved, and answer from it; whether it was new."""
        return self._ingester is not None and await self._take(await self._ingester.publish())

    def close(self) -> None:
        if self._ingester is not None:
            self._ingester.close()

    def _ingest_side(self) -> Ingester:
        if self._ingester is None:
            raise RuntimeError("this process only answers (role web): articles are ingested by the workers")
        return self._ingester

    async def _take(self, generation: str) -> bool:
        """Map ``generation`` (on a thread of its own: loading checks every file) and hand it to
        the answer side between two of its calls; whether it was a new one."""
        fresh = await asyncio.to_thread(self._library.saved_index, generation, self._store_identity)
        if fresh is None:
            return False
        await self._worker.run(self._library.use_index, fresh)
        log.info("answering from index %s (%d passages)", fresh.generation, fresh.n_passages)
        return True

    def _queued(self, count: int) -> None:
        if count and self.on_queued is not None:
            self.on_queued(count)
