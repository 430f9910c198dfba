"""What the bot can do, as awaitable calls: the one surface handlers use.

Retrieval and SQLite work is blocking and shares connections, so it all runs on one worker
thread, in order, off the event loop: a slow question never stalls the loop, and no two
threads ever use one SQLite connection. Handlers get records back and leave formatting to
:mod:`bot.formatting`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

from retrieval.errors import BadArticle
from retrieval.ingest import IngestReport, read_articles
from retrieval.keywords import article_terms
from retrieval.models import Answer, Article, Excerpt, SearchPage
from retrieval.service import Library

from .alerts import Outbox
from .chats import Chats, ChatState
from .config import Settings
from .database import connect, transaction
from .feeds import FeedState, FeedStore
from .refs import Refs
from .subscriptions import Subscription, Subscriptions

T = TypeVar("T")
log = logging.getLogger(__name__)

QUERY, ARTICLE = "query", "article"
MAX_MESSAGE = 1000  # characters of a question or query; longer ones are refused with a message
SEARCH_PAGE = 5  # articles a /search page shows


def service_for(settings: Settings, library: Library) -> Service:
    """The bot's service over ``library`` as ``settings`` configure it: the one place that reads
    the settings the service needs, so that every way of starting the bot gets them."""
    return Service(library, alert_max_age=settings.alert_max_age_hours)


def prepare_library(data_dir: Path, seeds_dir: Path) -> Library:
    """Open the data folder and make sure the seed articles are in it (unchanged ones are skipped)."""
    library = Library(data_dir)
    if seeds_dir.is_dir():
        report = library.ingest(read_articles([seeds_dir]))
        log.info("seeds: %s", report.summary())
        for bad in report.skipped:
            log.warning("seed skipped: %s", bad)
    else:
        log.warning("no seeds folder at %s", seeds_dir)
    return library


@dataclass(frozen=True)
class Found:
    """A search page with the numbers its buttons use for the query and for each result."""

    page: SearchPage
    query_ref: int
    article_refs: list[int]


@dataclass(frozen=True)
class BotStats:
    articles: int
    passages: int
    terms: int
    index_bytes: int
    subscriptions: int
    pending_alerts: int
    sent_last_hour: int
    unreachable_chats: int
    feeds: list[FeedState]


class Service:
    """The library and the bot database behind one worker thread.

    ``call`` runs any of their blocking methods there; the async methods below are the ones
    handlers use. ``alert_max_age`` (hours): older articles arriving late never alert.
    """

    def __init__(self, library: Library, db_path: Path | None = None, alert_max_age: float = 48.0) -> None:
        self.library = library
        self.alert_max_age = alert_max_age
        self._db = connect(db_path or library.data_dir / "bot.sqlite3")
        self.subscriptions = Subscriptions(self._db)
        self.refs = Refs(self._db)
        self.chats = Chats(self._db)
        self.outbox = Outbox(self._db)
        self.feeds = FeedStore(self._db)
        self.on_queued: Callable[[int], None] | None = None  # told how many alerts were queued
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrieval")

    async def call(self, function: Callable[..., T], *args: object) -> T:
        """Run a blocking library or database call on the worker thread."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, partial(function, *args))

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._db.close()
        self.library.close()

    # --- articles ------------------------------------------------------------------------

    async def answer(self, question: str) -> Answer:
        return await self.call(self.library.answer, question)

    async def search(self, query: str, page: int = 1, per_page: int = SEARCH_PAGE) -> Found:
        return await self.call(self._search, query, page, per_page)

    def _search(self, query: str, page: int, per_page: int) -> Found:
        found = self.library.search(query, page=page, per_page=per_page)
        articles = [self.refs.number(ARTICLE, r.citation.article_id) for r in found.results]
        return Found(found, self.refs.number(QUERY, found.query), articles)

    async def search_again(self, query_ref: int, page: int) -> Found | None:
        """A page of a search a button refers to; None when the number is unknown."""
        return await self.call(self._search_again, query_ref, page)

    def _search_again(self, query_ref: int, page: int) -> Found | None:
        query = self.refs.value(QUERY, query_ref)
        return None if query is None else self._search(query, page, SEARCH_PAGE)

    async def excerpt(self, article_ref: int, paragraph: int) -> Excerpt | None:
        return await self.call(self._excerpt, article_ref, paragraph)

    def _excerpt(self, article_ref: int, paragraph: int) -> Excerpt | None:
        article_id = self.refs.value(ARTICLE, article_ref)
        return None if article_id is None else self.library.excerpt(article_id, paragraph)

    async def latest(self, limit: int = 5) -> list[Article]:
        return await self.call(self.library.latest, limit)

    async def examples(self, limit: int = 3) -> list[str]:
        return await self.call(self.library.example_questions, limit)

    async def stats(self) -> BotStats:
        return await self.call(self._stats)

    def _stats(self) -> BotStats:
        s = self.library.stats()
        return BotStats(s.articles, s.passages, s.terms, s.index_bytes, self.subscriptions.count(),
                        self.outbox.pending(), self.outbox.sent_since(time.time() - 3600),
                        len(self.chats.unreachable()), self.feeds.all())

    # --- new articles and alerts ----------------------------------------------------------

    async def ingest(self, items: Sequence[Article | BadArticle]) -> IngestReport:
        """Store, index and match new articles (they are answerable when this returns)."""
        report, queued = await self.call(self._ingest, items)
        self._queued(queued)
        return report

    def _ingest(self, items: Sequence[Article | BadArticle]) -> tuple[IngestReport, int]:
        report = self.library.ingest(items, workers=1, save=False)
        return report, self._queue_alerts()

    async def sync(self) -> int:
        """Index what other processes stored meanwhile and queue its alerts; articles indexed."""
        indexed, queued = await self.call(self._sync)
        self._queued(queued)
        return indexed

    def _sync(self) -> tuple[int, int]:
        indexed = self.library.catch_up() if self.library.seq != self.library.index.seq else 0
        return indexed, self._queue_alerts()

    async def save_index(self) -> bool:
        """Persist the index if it moved since the last save; whether it did."""
        return await self.call(self._save_index)

    def _save_index(self) -> bool:
        if not self.library.unsaved:
            return False
        self.library.save_index()
        return True

    def _queued(self, count: int) -> None:
        if count and self.on_queued is not None:
            self.on_queued(count)

    def _queue_alerts(self) -> int:
        """Match articles stored since the last call against every subscription; rows queued.

        The cursor (the store's change number) moves in the same transaction as the rows it
        produced, so a crash repeats or skips nothing. On first use it starts at the present:
        the articles already stored never alert.
        """
        row = self._db.execute("SELECT value FROM meta WHERE key = 'alerts_seq'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta (key, value) VALUES ('alerts_seq', ?)", (str(self.library.seq),))
            return 0
        since, queued = int(row[0]), 0
        oldest = datetime.now(UTC) - timedelta(hours=self.alert_max_age)
        while changes := self.library.changes(since, 200):
            with transaction(self._db):
                for stored in changes:
                    published = stored.article.published
                    if published is not None and published < oldest:
                        continue
                    for sub in self.subscriptions.matching(article_terms(stored.article)):
                        if self.chats.state(sub.chat_id).receives:
                            queued += self.outbox.queue(stored.key, stored.article, sub.chat_id, sub.query.text)
                since = changes[-1].seq
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'alerts_seq'", (str(since),))
        if queued:
            log.info("queued %d alert(s)", queued)
        return queued

    def migrate_chat(self, old_chat: int, new_chat: int) -> None:
        with transaction(self._db):
            self.subscriptions.migrate(old_chat, new_chat)
            self.chats.migrate(old_chat, new_chat)
            self.outbox.migrate(old_chat, new_chat)

    def pause_unreachable(self, chat_id: int, reason: str) -> None:
        with transaction(self._db):
            self.chats.mark_unreachable(chat_id, reason)
            self.outbox.fail_chat(chat_id, reason)

    # --- chats ---------------------------------------------------------------------------

    async def chat_state(self, chat_id: int) -> ChatState:
        return await self.call(self.chats.state, chat_id)

    async def pause(self, chat_id: int) -> None:
        await self.call(self.chats.pause, chat_id)

    async def resume(self, chat_id: int) -> None:
        await self.call(self.chats.resume, chat_id)

    async def set_quiet(self, chat_id: int, hours: tuple[int, int] | None) -> None:
        await self.call(self.chats.set_quiet, chat_id, hours)

    # --- subscriptions -------------------------------------------------------------------

    async def subscribe(self, chat_id: int, keywords: str, lang: str = "vi") -> Subscription:
        return await self.call(self._subscribe, chat_id, keywords, lang)

    def _subscribe(self, chat_id: int, keywords: str, lang: str) -> Subscription:
        subscription = self.subscriptions.add(chat_id, keywords)
        self.chats.remember_language(chat_id, lang)
        return subscription

    async def subscriptions_of(self, chat_id: int) -> list[Subscription]:
        return await self.call(self.subscriptions.of_chat, chat_id)

    async def unsubscribe(self, chat_id: int, which: str) -> Subscription:
        return await self.call(self.subscriptions.remove, chat_id, which)

    async def unsubscribe_id(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self.call(self.subscriptions.remove_id, chat_id, subscription_id)


def inline_result_id(article_id: str) -> str:
    """An inline result id (≤ 64 bytes) for an article id of any length."""
    if len(article_id.encode()) <= 64:
        return article_id
    return hashlib.blake2s(article_id.encode(), digest_size=16).hexdigest()
