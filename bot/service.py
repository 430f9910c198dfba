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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, TypeVar

from retrieval.ingest import read_articles
from retrieval.models import Answer, Article, Excerpt, SearchPage
from retrieval.service import Library

from .database import connect
from .refs import Refs
from .subscriptions import Subscription, Subscriptions

T = TypeVar("T")
log = logging.getLogger(__name__)

QUERY, ARTICLE = "query", "article"
MAX_MESSAGE = 1000  # characters of a question or query; longer ones are refused with a message
SEARCH_PAGE = 5  # articles a /search page shows


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


class Service:
    """The library and the bot database behind one worker thread."""

    def __init__(self, library: Library, db_path: Path | None = None) -> None:
        self.library = library
        self._db = connect(db_path or library.data_dir / "bot.sqlite3")
        self.subscriptions = Subscriptions(self._db)
        self.refs = Refs(self._db)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="retrieval")

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, partial(function, *args))

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self._db.close()
        self.library.close()

    # --- articles ------------------------------------------------------------------------

    async def answer(self, question: str) -> Answer:
        return await self._run(self.library.answer, question)

    async def search(self, query: str, page: int = 1, per_page: int = SEARCH_PAGE) -> Found:
        return await self._run(self._search, query, page, per_page)

    def _search(self, query: str, page: int, per_page: int) -> Found:
        found = self.library.search(query, page=page, per_page=per_page)
        articles = [self.refs.number(ARTICLE, r.citation.article_id) for r in found.results]
        return Found(found, self.refs.number(QUERY, found.query), articles)

    async def search_again(self, query_ref: int, page: int) -> Found | None:
        """A page of a search a button refers to; None when the number is unknown."""
        return await self._run(self._search_again, query_ref, page)

    def _search_again(self, query_ref: int, page: int) -> Found | None:
        query = self.refs.value(QUERY, query_ref)
        return None if query is None else self._search(query, page, SEARCH_PAGE)

    async def excerpt(self, article_ref: int, paragraph: int) -> Excerpt | None:
        return await self._run(self._excerpt, article_ref, paragraph)

    def _excerpt(self, article_ref: int, paragraph: int) -> Excerpt | None:
        article_id = self.refs.value(ARTICLE, article_ref)
        return None if article_id is None else self.library.excerpt(article_id, paragraph)

    async def latest(self, limit: int = 5) -> list[Article]:
        return await self._run(self.library.latest, limit)

    async def examples(self, limit: int = 3) -> list[str]:
        return await self._run(self.library.example_questions, limit)

    async def stats(self) -> BotStats:
        return await self._run(self._stats)

    def _stats(self) -> BotStats:
        s = self.library.stats()
        return BotStats(s.articles, s.passages, s.terms, s.index_bytes, self.subscriptions.count())

    # --- subscriptions -------------------------------------------------------------------

    async def subscribe(self, chat_id: int, keywords: str) -> Subscription:
        return await self._run(self.subscriptions.add, chat_id, keywords)

    async def subscriptions_of(self, chat_id: int) -> list[Subscription]:
        return await self._run(self.subscriptions.of_chat, chat_id)

    async def unsubscribe(self, chat_id: int, which: str) -> Subscription:
        return await self._run(self.subscriptions.remove, chat_id, which)

    async def unsubscribe_id(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self._run(self.subscriptions.remove_id, chat_id, subscription_id)


def inline_result_id(article_id: str) -> str:
    """An inline result id (≤ 64 bytes) for an article id of any length."""
    if len(article_id.encode()) <= 64:
        return article_id
    return hashlib.blake2s(article_id.encode(), digest_size=16).hexdigest()
