"""What the bot can do, as named awaitable methods in a few parts: the one way handlers and
loops reach its state.

Behind it: the articles (:class:`~retrieval.library.Library`) and the bot database (chats,
subscriptions, refs, outbox, feeds: one storage class each). Each part of :class:`Service`
(:class:`~bot.answers.Answers`, :class:`~bot.chatsettings.ChatSettings`, :class:`~bot.alerts.Alerts`,
:class:`~bot.feedlist.FeedList`, :class:`~bot.leasing.Leasing`, :class:`~bot.newarticles.NewArticles`)
is made once, here. Callers get records back and leave formatting to :mod:`bot.formatting`.
Nothing here knows of Telegram.

Two sides, so that a question never waits behind ingest:

- the answer side, on one thread of this process (:class:`~bot.worker.Worker`): questions,
  searches, buttons, chats' settings. Its library answers from the index generation last
  saved, memory-mapped;
- the ingest side, in a process of its own (:class:`~bot.ingester.Ingester`): it stores,
  segments, indexes, matches alerts and saves a new index generation, which the answer side
  maps (on another thread) and starts using between two questions.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass

from retrieval.answer import ANSWER_LOG, AnswerLog, Ratings
from retrieval.errors import RetrievalError
from retrieval.library import Library

from .alerts import Alerts
from .answers import Answers
from .chats import Chats
from .chatsettings import ChatSettings
from .database import open_database
from .feedlist import FeedList
from .feedstore import FeedState, FeedStore
from .ingester import Ingester
from .leases import Leases
from .leasing import Leasing
from .metrics import Metrics
from .newarticles import NewArticles
from .outbox import Outbox
from .subscriptions import Subscriptions
from .trouble import Troubles
from .worker import Worker

HEALTH_TIMEOUT = 2.0  # seconds the answer side has to say it is well


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` and ``/metrics`` read: what fails (empty: all well) and the state."""

    problems: list[str]
    outbox: dict[str, int]
    index_generation: str
    index_passages: int
    index_saved: float | None  # Unix time the generation answered from was saved


@dataclass(frozen=True)
class BotStats:
    articles: int
    passages: int
    terms: int | None
    index_bytes: int
    subscriptions: int
    pending_alerts: int
    sent_last_hour: int
    unreachable_chats: int
    feeds: list[FeedState]
    ratings: Ratings


class Service:
    """What the bot can do, by feature: ``answers`` (questions, searches, buttons), ``chats``
    (settings and subscriptions), ``alerts`` (the outbox, for delivery), ``feeds`` (the feed list
    and its polls), ``leases`` (work one process of several does) and ``new_articles`` (ingest
    and the index generations it saves). Every part runs its calls on the one answer-side
    worker, so no two touch the library or the bot database at once.

    ``library`` is the answer side's; the ingest side (``ingester``, None in a process that
    only answers) opens its own over the same folder. ``database`` is the bot database (a
    SQLite path or a PostgreSQL URL).
    """

    def __init__(self, library: Library, database: str, metrics: Metrics,
                 ingester: Ingester | None) -> None:
        self.library = library
        self.metrics = metrics
        self.troubles = Troubles()
        self._worker = Worker("answer")
        self._db = open_database(database)
        self._log = AnswerLog(library.data_dir / ANSWER_LOG)
        self._chats, self._outbox = Chats(self._db), Outbox(self._db)
        self._subscriptions, self._feeds = Subscriptions(self._db), FeedStore(self._db)
        writes = self.troubles.new("the answer log", "cannot be written", "can be written again",
                                   "answers go out without their buttons until it can")
        self.answers = Answers(self._worker, library, self._db, self._log, writes)
        self.chats = ChatSettings(self._worker, self._db, self._chats, self._subscriptions, self._outbox)
        self.alerts = Alerts(self._worker, self._outbox)
        leases = Leases(self._db)
        self.feeds = FeedList(self._worker, self._feeds, leases)
        self.leases = Leasing(self._worker, leases)
        self.new_articles = NewArticles(self._worker, library, ingester, metrics)

    def close(self) -> None:
        self.new_articles.close()
        self._worker.close()
        self._log.close()
        self._db.close()
        self.library.close()

    async def health(self, timeout: float = HEALTH_TIMEOUT) -> Health:
        """Whether the store, the index and the bot database answer, on the answer side; a
        side too busy to answer within ``timeout`` seconds is a problem too."""
        try:
            return await asyncio.wait_for(self._worker.run(self._health), timeout)
        except TimeoutError:
            return Health([f"answer side: no answer within {timeout:g} s"], {}, "", 0, None)

    def _health(self) -> Health:
        problems: list[str] = []
        outbox: dict[str, int] = {}
        try:
            articles = self.library.store.count()
        except sqlite3.Error as exc:
            problems.append(f"article store: {exc}")
            articles = 0
        try:
            outbox = self._outbox.counts()
        except Exception as exc:  # SQLite's or PostgreSQL's: whatever it is, the check reports it
            problems.append(f"bot database: {exc}")
        archive = self.library.archive
        try:
            passages = archive.stats().passages
        except RetrievalError as exc:  # the cluster is down: the check says so, it does not fail
            problems.append(f"archive: {exc}")
            passages = 0
        if articles and not passages and not problems:
            problems.append(f"index: empty while the store holds {articles} articles")
        problems += self.troubles.problems()
        folder = self.library.index_dir / archive.generation if archive.generation else None
        saved = folder.stat().st_mtime if folder is not None and folder.exists() else None
        return Health(problems, outbox, archive.generation, passages, saved)

    async def stats(self) -> BotStats:
        return await self._worker.run(self._stats)

    def _stats(self) -> BotStats:
        s = self.library.stats()
        return BotStats(s.articles, s.passages, s.terms, s.index_bytes, self._subscriptions.count(),
                        self._outbox.pending(), self._outbox.sent_since(time.time() - 3600),
                        len(self._chats.unreachable()), self._feeds.all(), self._log.ratings())
