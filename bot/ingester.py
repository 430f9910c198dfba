"""The ingest side of the bot, in a process of its own.

Ingest is heavy Python and numpy (segmentation, the store's writes, merging postings, saving a
generation); in a thread of the bot's own process it held the interpreter lock long enough to
keep questions waiting for seconds. Here it runs in a child process (started with ``spawn``:
nothing of the parent's threads or locks is inherited) with its own library and its own
connection to the bot database for alert matching. It segments in-line, on one core, so the
answering process keeps the other core on a two-core machine.

The child answers four calls. Three (ingest, sync, publish) return the name of the index
generation now on disk, which the answering side then maps and switches to; the fourth
(queue_alerts) matches the subscriptions against what was indexed, and the parent makes it only
after that switch: an alert is sent when the article it announces can be asked about. (Queued
with the ingest itself, the delivery loop, which also looks for due alerts every second, sent
one before the answer side had the new index: a reader who asked at once was told "not found".)
Matching follows its own cursor in the bot database, so what a stop between the two calls
leaves unmatched is matched by the next call.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from retrieval.archive import Cluster
from retrieval.articles import Article
from retrieval.errors import BadArticle
from retrieval.library import Library
from retrieval.store import IngestReport

from .chats import Chats
from .database import open_database
from .logs import setup_logging
from .matching import AlertMatcher
from .outbox import Outbox
from .stopping import ignore_stop_signals
from .subscriptions import Subscriptions

log = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 0.5


@dataclass(frozen=True)
class IngestSettings:
    """What the child needs to open its side: plain values, sent to it once at start."""

    data_dir: Path
    database: str  # the bot database: a SQLite path or a PostgreSQL URL
    alert_max_age_hours: float
    log_level: str
    opensearch: Cluster | None  # the archive's passages on this cluster (None: the embedded index)


class _Side:
    """The ingest side itself (it lives in the child)."""

    def __init__(self, settings: IngestSettings) -> None:
        self.library = Library.open(settings.data_dir, settings.opensearch)
        db = open_database(settings.database)
        self.matcher = AlertMatcher(db, self.library, Subscriptions(db), Chats(db), Outbox(db),
                                    settings.alert_max_age_hours)
        self.matcher.start()

    def ingest(self, items: Sequence[Article | BadArticle]) -> tuple[IngestReport, str]:
        report = self.library.ingest(items, workers=1, save=False)
        return report, self.publish()

    def sync(self) -> tuple[int, str]:
        return self.library.refresh(), self.publish()

    def queue_alerts(self) -> int:
        return self.matcher.queue_new()

    def publish(self) -> str:
        if self.library.unsaved:
            self.library.save_index()
        return self.library.archive.current_generation()


_side: _Side | None = None


def _open(settings: IngestSettings, parent: int) -> None:
    global _side
    ignore_stop_signals()
    setup_logging(settings.log_level, [])
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent watch").start()
    _side = _Side(settings)


def _exit_with_parent(parent: int) -> None:
    """Leave when the bot (process ``parent``) is gone: killed with SIGKILL, it cannot say so, and
    an orphan would go on holding the bot's output and writing its store beside the next bot.
    ``parent`` is the bot's own pid, sent at start: asked here, a bot killed while this process
    was starting would already be gone, and the orphan would watch init instead, for ever."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)  # mid-transaction at worst: SQLite rolls it back, the store is the truth


def _call(name: str, *args: object) -> object:
    assert _side is not None, "the ingest process starts with _open"
    return getattr(_side, name)(*args)


class Ingester:
    """The parent's handle on the ingest process: awaitable calls, and a restart if it dies."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_open, initargs=(self.settings, os.getpid()))

    async def _run(self, name: str, *args: object) -> Any:
        call: Callable[[], object] = partial(_call, name, *args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, call)
        except BrokenProcessPool:
            log.error("the ingest process died; starting another (the store is the truth: nothing is lost)")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            raise

    async def ingest(self, items: Sequence[Article | BadArticle]) -> tuple[IngestReport, str]:
        """Store and index ``items``: the report and the generation on disk."""
        return await self._run("ingest", list(items))

    async def sync(self) -> tuple[int, str]:
        """Index what other processes stored: articles indexed, the generation on disk."""
        return await self._run("sync")

    async def queue_alerts(self) -> int:
        """Match the articles indexed since the last call against the subscriptions and queue
        their alerts (how many). Call it once the answer side has taken the generation."""
        return await self._run("queue_alerts")

    async def publish(self) -> str:
        """Save the index if it moved; the generation on disk."""
        return await self._run("publish")

    def close(self) -> None:
        self._pool.shutdown(wait=True)
