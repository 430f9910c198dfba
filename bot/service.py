"""What the bot can do, as named awaitable methods: the one way handlers and loops reach its state.

Behind it: the articles (:class:`~retrieval.library.Library`) and the bot database (chats,
subscriptions, refs, outbox, feeds: one storage class each). Callers get records back and
leave formatting to :mod:`bot.formatting`. Nothing here knows of Telegram.

Two sides, each with its own thread (:class:`~bot.worker.Worker`) and its own connections,
so that a question never waits behind ingest:

- the answer side reads: questions, searches, buttons, chats' settings. Its library answers
  from the index generation last saved, memory-mapped;
- the ingest side writes articles: it stores, segments (in child processes for big batches),
  indexes, matches alerts, saves a new index generation and hands it to the answer side,
  which starts using it between two questions.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import BadArticle, IndexFormatError
from retrieval.index import Index
from retrieval.ingest import IngestReport
from retrieval.library import Library
from retrieval.models import Answer, Article, Excerpt, SearchPage
from retrieval.sqlite import transaction

from .chats import Chats, ChatState
from .database import open_database
from .feedstore import FeedState, FeedStore, Polled
from .matching import AlertMatcher
from .outbox import Alert, Outbox
from .refs import Refs
from .subscriptions import Subscription, Subscriptions
from .worker import Worker

log = logging.getLogger(__name__)

QUERY, ARTICLE = "query", "article"  # kinds of refs
SEGMENT_IN_PROCESSES_FROM = 8  # articles in one ingest from which pyvi runs in child processes
SEGMENT_PROCESSES = max(1, (os.cpu_count() or 1))


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
    """The library and the bot database, each method one unit of work on one side's thread.

    ``library`` is the answer side's; the ingest side opens its own over the same folder.
    ``db_path`` is the bot database; ``alert_max_age_hours``: older articles never alert.
    ``on_queued`` is told how many alerts were queued (the delivery loop wakes up on it).
    """

    def __init__(self, library: Library, db_path: Path, alert_max_age_hours: float) -> None:
        self.library = library
        self._db = open_database(db_path)
        self._subscriptions = Subscriptions(self._db)
        self._refs = Refs(self._db)
        self._chats = Chats(self._db)
        self._outbox = Outbox(self._db)
        self._feeds = FeedStore(self._db)
        self._worker = Worker("answer")
        # The ingest side: its own library (store connection, index in memory), its own bot
        # database connection for matching, its own thread.
        self._writer = Library(library.data_dir, library.settings)
        self._ingest_db = open_database(db_path)
        self._matcher = AlertMatcher(self._ingest_db, self._writer, Subscriptions(self._ingest_db),
                                     Chats(self._ingest_db), Outbox(self._ingest_db), alert_max_age_hours)
        self._ingest = Worker("ingest")
        self.on_queued: Callable[[int], None] | None = None

    @property
    def alert_max_age_hours(self) -> float:
        return self._matcher.max_age_hours

    def close(self) -> None:
        self._ingest.close()
        self._worker.close()
        self._ingest_db.close()
        self._db.close()
        self._writer.close()
        self.library.close()

    # --- articles ------------------------------------------------------------------------

    async def answer(self, question: str) -> Answer:
        return await self._worker.run(self.library.answer, question)

    async def search(self, owner: int, query: str, page: int, per_page: int) -> Found:
        """A page of results; the numbers its buttons carry belong to ``owner`` (the chat)."""
        return await self._worker.run(self._search, owner, query, page, per_page)

    def _search(self, owner: int, query: str, page: int, per_page: int) -> Found:
        found = self.library.search(query, page=page, per_page=per_page)
        articles = [self._refs.number(ARTICLE, r.citation.article_id, owner) for r in found.results]
        return Found(found, self._refs.number(QUERY, found.query, owner), articles)

    async def search_again(self, owner: int, query_ref: int, page: int, per_page: int) -> Found | None:
        """A page of a search a button refers to; None when the number is not ``owner``'s (or expired)."""
        return await self._worker.run(self._search_again, owner, query_ref, page, per_page)

    def _search_again(self, owner: int, query_ref: int, page: int, per_page: int) -> Found | None:
        query = self._refs.value(QUERY, query_ref, owner)
        return None if query is None else self._search(owner, query, page, per_page)

    async def excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        """A paragraph of the article a button refers to; None when either is gone or not ``owner``'s."""
        return await self._worker.run(self._excerpt, owner, article_ref, paragraph)

    def _excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        article_id = self._refs.value(ARTICLE, article_ref, owner)
        return None if article_id is None else self.library.excerpt(article_id, paragraph)

    async def prune_refs(self) -> int:
        """Forget button numbers unused for a month; how many."""
        return await self._worker.run(self._refs.prune, time.time())

    async def article(self, article_id: str) -> Article | None:
        return await self._worker.run(self.library.article, article_id)

    async def latest(self, limit: int) -> list[Article]:
        return await self._worker.run(self.library.latest, limit)

    async def examples(self, limit: int) -> list[str]:
        return await self._worker.run(self.library.example_questions, limit)

    async def stats(self) -> BotStats:
        return await self._worker.run(self._stats)

    def _stats(self) -> BotStats:
        s = self.library.stats()
        return BotStats(s.articles, s.passages, s.terms, s.index_bytes, self._subscriptions.count(),
                        self._outbox.pending(), self._outbox.sent_since(time.time() - 3600),
                        len(self._chats.unreachable()), self._feeds.all())

    # --- new articles --------------------------------------------------------------------

    async def ingest(self, items: Sequence[Article | BadArticle]) -> IngestReport:
        """Store, index and match new articles on the ingest side (answerable when this returns)."""
        report, queued, fresh = await self._ingest.run(self._ingest_items, items)
        await self._take(fresh)
        self._queued(queued)
        return report

    def _ingest_items(self, items: Sequence[Article | BadArticle]) -> tuple[IngestReport, int, Index | None]:
        workers = SEGMENT_PROCESSES if len(items) >= SEGMENT_IN_PROCESSES_FROM else 1
        report = self._writer.ingest(items, workers=workers, save=False)
        return report, self._matcher.queue_new(), self._publish()

    async def sync(self) -> int:
        """Index what other processes stored meanwhile and queue its alerts; articles indexed."""
        indexed, queued, fresh = await self._ingest.run(self._sync)
        await self._take(fresh)
        self._queued(queued)
        return indexed

    def _sync(self) -> tuple[int, int, Index | None]:
        return self._writer.refresh(), self._matcher.queue_new(), self._publish()

    async def save_index(self) -> bool:
        """Save and hand over the ingest side's index if it moved; whether it did."""
        fresh = await self._ingest.run(self._publish)
        await self._take(fresh)
        return fresh is not None

    def _publish(self) -> Index | None:
        """On the ingest side: save the index when it moved, and load what is on disk (saved by
        this side or by another process) when the answer side does not have it yet."""
        if self._writer.unsaved:
            self._writer.save_index()
        if Index.current_generation(self._writer.index_dir) == self._answering:
            return None
        try:
            return self._writer.load_saved()
        except IndexFormatError as exc:  # being replaced by another process this very moment: next time
            log.warning("the saved index could not be loaded (%s); trying again at the next sync", exc)
            return None

    @property
    def _answering(self) -> str:
        return self.library.index.generation

    async def _take(self, fresh: Index | None) -> None:
        """Hand a loaded generation to the answer side, between two of its calls."""
        if fresh is not None and fresh.generation != self._answering:
            await self._worker.run(self.library.use_index, fresh)
            log.info("answering from index %s (%d passages)", fresh.generation, fresh.n_passages)

    def _queued(self, count: int) -> None:
        if count and self.on_queued is not None:
            self.on_queued(count)

    # --- alerts (the delivery loop) --------------------------------------------------------

    async def due_alerts(self, now: float) -> list[Alert]:
        return await self._worker.run(self._outbox.due, now)

    async def alerts_sent(self, ids: list[int], now: float) -> None:
        await self._worker.run(self._outbox.mark_sent, ids, now)

    async def retry_alerts(self, ids: list[int], error: str, when: float, count: bool = True) -> None:
        """Try the rows again at ``when``; ``count`` off for waits Telegram asked for (429)."""
        await self._worker.run(self._outbox.retry_later, ids, error, when, count)

    async def alerts_failed(self, ids: list[int], error: str) -> None:
        await self._worker.run(self._outbox.fail, ids, error)

    async def migrate_chat(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its subscriptions, settings and pending alerts follow it."""
        await self._worker.run(self._migrate_chat, old_chat, new_chat)

    def _migrate_chat(self, old_chat: int, new_chat: int) -> None:
        with transaction(self._db):
            self._subscriptions.migrate(old_chat, new_chat)
            self._chats.migrate(old_chat, new_chat)
            self._outbox.migrate(old_chat, new_chat)

    async def chat_unreachable(self, chat_id: int, reason: str) -> None:
        """Telegram refuses the chat (blocked, gone): pause it and give up its pending alerts."""
        await self._worker.run(self._chat_unreachable, chat_id, reason)

    def _chat_unreachable(self, chat_id: int, reason: str) -> None:
        with transaction(self._db):
            self._chats.mark_unreachable(chat_id, reason)
            self._outbox.fail_chat(chat_id, reason)

    # --- chats ---------------------------------------------------------------------------

    async def chat_state(self, chat_id: int) -> ChatState:
        return await self._worker.run(self._chats.state, chat_id)

    async def pause(self, chat_id: int) -> None:
        await self._worker.run(self._chats.pause, chat_id)

    async def resume(self, chat_id: int) -> None:
        await self._worker.run(self._chats.resume, chat_id)

    async def set_quiet(self, chat_id: int, hours: tuple[int, int] | None) -> None:
        await self._worker.run(self._chats.set_quiet, chat_id, hours)

    # --- subscriptions -------------------------------------------------------------------

    async def subscribe(self, chat_id: int, keywords: str, lang: str) -> Subscription:
        """Subscribe; alerts will come in ``lang``. Raises ``SubscriptionRefused`` with the reason."""
        return await self._worker.run(self._subscribe, chat_id, keywords, lang)

    def _subscribe(self, chat_id: int, keywords: str, lang: str) -> Subscription:
        with transaction(self._db):
            subscription = self._subscriptions.add(chat_id, keywords)
            self._chats.remember_language(chat_id, lang)
        return subscription

    async def subscriptions_of(self, chat_id: int) -> list[Subscription]:
        return await self._worker.run(self._subscriptions.of_chat, chat_id)

    async def unsubscribe(self, chat_id: int, which: str) -> Subscription:
        """Remove by list number or keywords. Raises ``SubscriptionRefused`` when none matches."""
        return await self._worker.run(self._subscriptions.remove, chat_id, which)

    async def unsubscribe_id(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self._worker.run(self._subscriptions.remove_id, chat_id, subscription_id)

    # --- feeds ---------------------------------------------------------------------------

    async def feeds(self) -> list[FeedState]:
        return await self._worker.run(self._feeds.all)

    async def add_feed(self, url: str) -> bool:
        """Add a feed, due at once; False when it was already there."""
        return await self._worker.run(self._feeds.add, url)

    async def remove_feed(self, which: str) -> str | None:
        """Remove by list number or URL; the URL removed, or None."""
        return await self._worker.run(self._feeds.remove, which)

    async def due_feeds(self, now: float) -> list[FeedState]:
        return await self._worker.run(self._feeds.all, now)

    async def feed_polled(self, url: str, next_poll: float, polled: Polled) -> None:
        await self._worker.run(self._feeds.succeeded, url, next_poll, polled)

    async def feed_failed(self, url: str, error: str, interval: float) -> float:
        """Record a failed poll; the seconds until the next try (backing off)."""
        return await self._worker.run(self._feeds.failed, url, error, interval)
