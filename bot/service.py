"""What the bot can do, as named awaitable methods: the one way handlers and loops reach its state.

Behind it: the articles (:class:`~retrieval.library.Library`) and the bot database (chats,
subscriptions, refs, outbox, feeds: one storage class each). Callers get records back and
leave formatting to :mod:`bot.formatting`. Nothing here knows of Telegram.

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
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from retrieval.answer import ANSWER_LOG, Answer, AnswerLog, Excerpt, FollowUp, Ratings, SearchPage, Trend
from retrieval.articles import Article
from retrieval.errors import BadArticle, RetrievalError
from retrieval.library import Library
from retrieval.store import IngestReport

from .chats import Chats, ChatState
from .database import open_database
from .feedstore import FeedState, FeedStore, Polled
from .ingester import Ingester
from .leases import Leases
from .metrics import Metrics
from .outbox import Alert, Outbox
from .refs import EXPIRY_DAYS, Refs
from .replies import Replies
from .subscriptions import Subscription, Subscriptions
from .trouble import Troubles
from .worker import Worker

log = logging.getLogger(__name__)

QUERY, ARTICLE, ANSWER = "query", "article", "answer"  # kinds of refs
FEED_LEASE = "feed:"  # + the feed's URL: the lease on its poll
HEALTH_TIMEOUT = 2.0  # seconds the answer side has to say it is well


@dataclass(frozen=True)
class Found:
    """A search page with the numbers its buttons use for the query and for each result."""

    page: SearchPage
    query_ref: int
    article_refs: list[int]


@dataclass(frozen=True)
class Answered:
    """An answer with the numbers its buttons use: its rating (None when nothing was found) and
    each cited article, in the order of ``answer.sources()``."""

    answer: Answer
    answer_id: int | None
    rating_ref: int | None
    article_refs: list[int]


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
    """The library and the bot database, each method one unit of work on one side's thread.

    ``library`` is the answer side's; the ingest side (``ingester``, None in a process that
    only answers) opens its own over the same folder. ``database`` is the bot database (a
    SQLite path or a PostgreSQL URL).
    ``on_queued`` is told how many alerts were queued (the delivery loop wakes up on it).
    """

    def __init__(self, library: Library, database: str, metrics: Metrics,
                 ingester: Ingester | None) -> None:
        self.library = library
        self.metrics = metrics
        self._db = open_database(database)
        self._subscriptions = Subscriptions(self._db)
        self._refs = Refs(self._db)
        self._chats = Chats(self._db)
        self._outbox = Outbox(self._db)
        self._feeds = FeedStore(self._db)
        self._replies = Replies(self._db)
        self._leases = Leases(self._db)
        self._answers = AnswerLog(library.data_dir / ANSWER_LOG)
        self.troubles = Troubles()
        self._answer_writes = self.troubles.new("the answer log", "cannot be written", "can be written again",
                                                "answers go out without their buttons until it can")
        self._worker = Worker("answer")
        self._store_identity = library.store.identity
        self._ingester = ingester
        self.on_queued: Callable[[int], None] | None = None

    def close(self) -> None:
        if self._ingester is not None:
            self._ingester.close()
        self._worker.close()
        self._answers.close()
        self._db.close()
        self.library.close()

    # --- articles ------------------------------------------------------------------------

    async def answer(self, chat_id: int, question: str, replying_to: int | None = None) -> Answered:
        """Answer ``question`` in ``chat_id``; asked in reply to the bot's message ``replying_to``,
        within the articles that message's answer cited (a follow-up)."""
        return await self._worker.run(self._answer, chat_id, question, replying_to)

    def _answer(self, chat_id: int, question: str, replying_to: int | None) -> Answered:
        follow_up = None
        if replying_to is not None and (earlier := self._replies.answer_of(chat_id, replying_to)) is not None:
            logged = self._answers.get(earlier)
            follow_up = FollowUp(logged.question, logged.cited) if logged else None
        answer = self.library.answer(question, follow_up=follow_up)
        if not answer.found:
            return Answered(answer, None, None, [])
        try:
            answer_id = self._answers.record(answer)
            with self._db.transaction():
                rating = self._refs.number(ANSWER, str(answer_id), chat_id)
                articles = [self._refs.number(ARTICLE, c.article_id, chat_id) for c in answer.sources()]
        except (sqlite3.Error, OSError) as exc:  # a full disk: the answer goes out all the same
            self._answer_writes.failed(exc)
            return Answered(answer, None, None, [])
        self._answer_writes.worked()
        return Answered(answer, answer_id, rating, articles)

    async def answer_sent(self, chat_id: int, message_ids: list[int], answer_id: int) -> None:
        """The messages that carried answer ``answer_id``: replies to them are follow-ups."""
        await self._worker.run(self._replies.remember, chat_id, message_ids, answer_id)

    async def rate(self, chat_id: int, user_id: int, rating_ref: int, good: bool) -> bool | None:
        """A reader's 👍 or 👎 on an answer shown in ``chat_id``; whether it changed anything,
        None when the button's number is not this chat's (or expired)."""
        return await self._worker.run(self._rate, chat_id, user_id, rating_ref, good)

    def _rate(self, chat_id: int, user_id: int, rating_ref: int, good: bool) -> bool | None:
        answer_id = self._refs.value(ANSWER, rating_ref, chat_id)
        return None if answer_id is None else self._answers.rate(int(answer_id), user_id, good)

    async def read(self, owner: int, article_ref: int) -> Article | None:
        """The article a 📖 button refers to; None when it is gone or the number not ``owner``'s."""
        return await self._worker.run(self._read, owner, article_ref)

    def _read(self, owner: int, article_ref: int) -> Article | None:
        article_id = self._refs.value(ARTICLE, article_ref, owner)
        return None if article_id is None else self.library.article(article_id)

    async def search(self, owner: int, query: str, page: int, per_page: int, newest: bool = False) -> Found:
        """A page of results (newest first if asked); the numbers its buttons carry belong to
        ``owner`` (the chat). Raises ``BadSearch`` / ``EmptyQuery`` for a query that means nothing."""
        return await self._worker.run(self._search, owner, query, page, per_page, newest)

    def _search(self, owner: int, query: str, page: int, per_page: int, newest: bool) -> Found:
        found = self.library.search(query, page=page, per_page=per_page, newest=newest)
        articles = [self._refs.number(ARTICLE, r.citation.article_id, owner) for r in found.results]
        return Found(found, self._refs.number(QUERY, found.query, owner), articles)

    async def search_again(self, owner: int, query_ref: int, page: int, per_page: int, newest: bool
                           ) -> Found | None:
        """A page of a search a button refers to; None when the number is not ``owner``'s (or expired)."""
        return await self._worker.run(self._search_again, owner, query_ref, page, per_page, newest)

    def _search_again(self, owner: int, query_ref: int, page: int, per_page: int, newest: bool) -> Found | None:
        query = self._refs.value(QUERY, query_ref, owner)
        return None if query is None else self._search(owner, query, page, per_page, newest)

    async def excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        """A paragraph of the article a button refers to; None when either is gone or not ``owner``'s."""
        return await self._worker.run(self._excerpt, owner, article_ref, paragraph)

    def _excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        article_id = self._refs.value(ARTICLE, article_ref, owner)
        return None if article_id is None else self.library.excerpt(article_id, paragraph)

    async def prune_refs(self) -> int:
        """Forget button numbers unused for a month, and answers' messages as old; how many."""
        return await self._worker.run(self._prune, time.time())

    def _prune(self, now: float) -> int:
        with self._db.transaction():
            forgotten = self._refs.prune(now) + self._replies.prune(now)
        return forgotten + self._answers.prune(EXPIRY_DAYS)

    async def article(self, article_id: str) -> Article | None:
        return await self._worker.run(self.library.article, article_id)

    async def latest(self, limit: int) -> list[Article]:
        return await self._worker.run(self.library.latest, limit)

    async def trend(self, query: str) -> Trend:
        """Matching articles per day or week (see :meth:`Library.trend`)."""
        return await self._worker.run(self.library.trend, query)

    async def examples(self, limit: int) -> list[str]:
        return await self._worker.run(self.library.example_questions, limit)

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
                        len(self._chats.unreachable()), self._feeds.all(), self._answers.ratings())

    # --- new articles --------------------------------------------------------------------

    async def ingest(self, items: Sequence[Article | BadArticle]) -> IngestReport:
        """Store, index and match new articles on the ingest side (answerable when this returns)."""
        report, queued, generation = await self._ingest_side().ingest(items)
        self.metrics.ingested(report)
        await self._take(generation)
        self._queued(queued)
        return report

    async def sync(self) -> int:
        """Catch up with what other processes did meanwhile: index what they stored and queue its
        alerts (articles indexed); a process that only answers takes up the index generation
        they saved last (0)."""
        if self._ingester is None:
            await self._take(self.library.archive.current_generation())
            return 0
        indexed, queued, generation = await self._ingester.sync()
        await self._take(generation)
        self._queued(queued)
        return indexed

    async def save_index(self) -> bool:
        """Have the ingest side save its index if it moved, and answer from it; whether it was new."""
        return self._ingester is not None and await self._take(await self._ingester.publish())

    def _ingest_side(self) -> Ingester:
        if self._ingester is None:
            raise RuntimeError("this process only answers (role web): articles are ingested by the workers")
        return self._ingester

    async def _take(self, generation: str) -> bool:
        """Map ``generation`` (on a thread of its own: loading checks every file) and hand it to
        the answer side between two of its calls; whether it was a new one."""
        fresh = await asyncio.to_thread(self.library.saved_index, generation, self._store_identity)
        if fresh is None:
            return False
        await self._worker.run(self.library.use_index, fresh)
        log.info("answering from index %s (%d passages)", fresh.generation, fresh.n_passages)
        return True

    def _queued(self, count: int) -> None:
        if count and self.on_queued is not None:
            self.on_queued(count)

    # --- alerts (the delivery loop) --------------------------------------------------------

    async def claim_alerts(self, owner: str, now: float, lease: float, gap: float, chats: int) -> list[Alert]:
        """The due alerts of up to ``chats`` chats, leased to ``owner`` (see :meth:`Outbox.claim`)."""
        return await self._worker.run(self._outbox.claim, owner, now, lease, gap, chats)

    async def free_gone_senders(self) -> int:
        """Free the chats leased to senders of this host that are gone; how many."""
        return await self._worker.run(lambda: self._outbox.free_gone(time.time()))

    async def release_chat(self, owner: str, chat_id: int, sent_at: float | None) -> None:
        await self._worker.run(self._outbox.release, owner, chat_id, sent_at)

    async def alerts_sending(self, ids: list[int]) -> None:
        await self._worker.run(self._outbox.mark_sending, ids)

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
        with self._db.transaction():
            self._subscriptions.migrate(old_chat, new_chat)
            self._chats.migrate(old_chat, new_chat)
            self._outbox.migrate(old_chat, new_chat)

    async def chat_unreachable(self, chat_id: int, reason: str) -> None:
        """Telegram refuses the chat (blocked, gone): pause it and give up its pending alerts."""
        await self._worker.run(self._chat_unreachable, chat_id, reason)

    def _chat_unreachable(self, chat_id: int, reason: str) -> None:
        with self._db.transaction():
            self._chats.mark_unreachable(chat_id, reason)
            self._outbox.fail_chat(chat_id, reason)

    # --- chats ---------------------------------------------------------------------------

    async def chat_state(self, chat_id: int) -> ChatState:
        return await self._worker.run(self._chats.state, chat_id)

    async def chosen_language(self, chat_id: int) -> str | None:
        """The language the chat chose with /lang, or None."""
        return await self._worker.run(self._chats.chosen_language, chat_id)

    async def choose_language(self, chat_id: int, lang: str) -> None:
        await self._worker.run(self._chats.choose_language, chat_id, lang)

    async def pause(self, chat_id: int) -> None:
        await self._worker.run(self._chats.pause, chat_id)

    async def resume(self, chat_id: int) -> None:
        await self._worker.run(self._chats.resume, chat_id)

    async def set_quiet(self, chat_id: int, hours: tuple[int, int] | None) -> None:
        await self._worker.run(self._chats.set_quiet, chat_id, hours)

    # --- subscriptions -------------------------------------------------------------------

    async def subscribe(self, chat_id: int, keywords: str, lang: str, thread_id: int = 0) -> Subscription:
        """Subscribe the chat (its forum topic ``thread_id``); alerts will come in ``lang``.
        Raises ``SubscriptionRefused`` with the reason."""
        return await self._worker.run(self._subscribe, chat_id, keywords, lang, thread_id)

    def _subscribe(self, chat_id: int, keywords: str, lang: str, thread_id: int) -> Subscription:
        with self._db.transaction():
            subscription = self._subscriptions.add(chat_id, keywords, thread_id)
            self._chats.remember_language(chat_id, lang)
        return subscription

    async def subscriptions_of(self, chat_id: int, thread_id: int = 0) -> list[Subscription]:
        """The subscriptions of the chat's topic ``thread_id`` (0: the chat itself)."""
        return await self._worker.run(self._subscriptions.of_chat, chat_id, thread_id)

    async def unsubscribe(self, chat_id: int, which: str, thread_id: int = 0) -> Subscription:
        """Remove by list number or keywords. Raises ``SubscriptionRefused`` when none matches."""
        return await self._worker.run(self._subscriptions.remove, chat_id, which, thread_id)

    async def topic_gone(self, chat_id: int, thread_id: int, reason: str) -> int:
        """Telegram says the chat's topic is gone: pause its subscriptions, give up its pending
        alerts; how many subscriptions were paused."""
        return await self._worker.run(self._topic_gone, chat_id, thread_id, reason)

    def _topic_gone(self, chat_id: int, thread_id: int, reason: str) -> int:
        with self._db.transaction():
            self._outbox.fail_topic(chat_id, thread_id, reason)
            return self._subscriptions.pause_topic(chat_id, thread_id, reason)

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

    async def claim_feed(self, url: str, owner: str, seconds: float) -> FeedState | None:
        """Lease the poll of feed ``url`` to ``owner`` for ``seconds``: the feed as it is now if
        it is still due and no other process polls it, else None (see :meth:`give_back`)."""
        return await self._worker.run(self._claim_feed, url, owner, seconds)

    def _claim_feed(self, url: str, owner: str, seconds: float) -> FeedState | None:
        now = time.time()
        if not self._leases.take(f"{FEED_LEASE}{url}", owner, now, seconds):
            return None
        feed = self._feeds.due(url, now)  # read after the lease: a poll that just ended moved next_poll
        if feed is None:
            self._leases.give_back(f"{FEED_LEASE}{url}", owner)
        return feed

    async def feed_polled(self, url: str, next_poll: float, polled: Polled) -> None:
        await self._worker.run(self._feeds.succeeded, url, next_poll, polled)

    async def feed_failed(self, url: str, error: str, interval: float) -> float:
        """Record a failed poll; the seconds until the next try (backing off)."""
        return await self._worker.run(self._feeds.failed, url, error, interval)

    async def feed_done(self, url: str, owner: str) -> None:
        """The poll of ``url`` (claimed with :meth:`claim_feed`) is over: its lease is given back."""
        await self._worker.run(self._leases.give_back, f"{FEED_LEASE}{url}", owner)

    # --- leases (one process of several at a time) ---------------------------------------

    async def take_lease(self, name: str, owner: str, seconds: float) -> bool:
        """Take or renew lease ``name`` for ``seconds``; whether ``owner`` holds it (see :class:`Leases`)."""
        return await self._worker.run(lambda: self._leases.take(name, owner, time.time(), seconds))

    async def give_back(self, name: str, owner: str) -> None:
        await self._worker.run(self._leases.give_back, name, owner)
