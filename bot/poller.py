"""The feed polling loop: due feeds fetched (conditional GET), parsed, completed, ingested.

The HTTP side, with its address checks, is :mod:`bot.fetcher`; parsing an answered feed, and
taking an article's text from its page, is :mod:`bot.feeds`; the feed list with its
backoff is :mod:`bot.feedstore`. A failing feed's last error shows in ``/feeds`` and ``/stats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from retrieval.articles import Article
from retrieval.errors import BadArticle

from .feeds import ParsedFeed, complete_from_page, parse_feed
from .feedstore import FeedState, Polled
from .fetcher import Fetcher, FetchError
from .metrics import Metrics
from .service import Service

log = logging.getLogger(__name__)

POLL_LEASE_SECONDS = 120.0  # a feed's poll is one worker's this long at most (a worker that died mid-poll
                            # delays that feed this long); a poll is its fetch and its pages', each
                            # bounded by HOITIN_FEED_TIMEOUT in all, PAGES_PER_FEED at a time
ENTRIES_PER_POLL = 100  # a feed's entries taken in one poll, in the feed's order; the rest wait for the next
PAGES_PER_FEED = 4  # pages of one feed fetched at once
PAGES_IN_ALL = 8  # pages fetched at once, all feeds together: 1,500 at once starved the answers
WAIT_SLACK = 1.0  # seconds past the fetch timeout that poll_due waits for the polls it started


class FeedPoller:
    """Polls due feeds and hands their articles to the service. With several workers on one
    database each feed's poll is leased to one of them (``owner``: this process)."""

    def __init__(self, service: Service, fetcher: Fetcher, interval: float, metrics: Metrics, owner: str) -> None:
        self.service = service
        self.metrics = metrics
        self.fetcher = fetcher
        self.interval = interval
        self.owner = owner
        self._polling: dict[str, asyncio.Task[int]] = {}  # each feed's poll is a task of its own
        self._pages = asyncio.Semaphore(PAGES_IN_ALL)

    async def close(self) -> None:
        for task in self._polling.values():
            task.cancel()
        await asyncio.gather(*self._polling.values(), return_exceptions=True)
        await self.fetcher.close()

    def polling(self) -> list[str]:
        """The feeds whose poll is under way."""
        return [url for url, task in self._polling.items() if not task.done()]

    async def poll_due(self) -> int:
        """Start a poll of every feed whose time has come and that is not being polled (by this
        process or, through its lease, another worker), each a task of its own; wait for them up
        to the fetch timeout and a second; the articles those that finished ingested (new or changed). A feed
        slower than that goes on polling on its own and holds up no other feed."""
        started = []
        for feed in await self.service.feeds.due(time.time()):
            if feed.url not in self.polling():
                task = asyncio.create_task(self._claimed(feed.url), name=f"feed {feed.url}")
                task.add_done_callback(_log_failure)
                self._polling[feed.url] = task
                started.append(task)
        self._polling = {url: task for url, task in self._polling.items() if not task.done() or task in started}
        if not started:
            return 0
        done, _ = await asyncio.wait(started, timeout=self.fetcher.timeout + WAIT_SLACK)
        return sum(task.result() for task in done if not task.cancelled() and task.exception() is None)

    async def _claimed(self, url: str) -> int:
        feed = await self.service.feeds.claim(url, self.owner, POLL_LEASE_SECONDS)
        if feed is None:  # another worker polls it, or just did
            return 0
        try:
            return await self.poll(feed)
        finally:
            await self.service.feeds.done(url, self.owner)

    async def poll(self, feed: FeedState) -> int:
        service = self.service
        try:
            fetched = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
            if fetched.status == 304:
                self.metrics.feed_polls.labels("not_modified").inc()
                log.info("feed %s: not modified", feed.url)
                await service.feeds.polled(feed.url, time.time() + self.interval, Polled())
                return 0
            # Parsing touches no database: a thread of its own, not the service's worker.
            parsed: ParsedFeed = await asyncio.to_thread(parse_feed, fetched.body, feed.url)
            entries = parsed.entries[:ENTRIES_PER_POLL]
            if len(parsed.entries) > len(entries):
                over = f"{len(parsed.entries):,} entries, {len(entries)} taken a poll"
                parsed = replace(parsed, problem=f"{parsed.problem}; {over}" if parsed.problem else over)
            pages = asyncio.Semaphore(PAGES_PER_FEED)
            articles = await asyncio.gather(*(self._complete(e.article, pages) if e.needs_page else _same(e.article)
                                              for e in entries))
            report = await service.new_articles.ingest([*articles, *parsed.skipped])
        except (FetchError, BadArticle) as exc:
            error = str(exc.reason) if isinstance(exc, BadArticle) else str(exc)
            self.metrics.feed_polls.labels("error").inc()
            delay = await service.feeds.failed(feed.url, error, self.interval)
            log.warning("feed %s: %s; next try in %.0f s", feed.url, error, delay)
            return 0
        self.metrics.feed_polls.labels("changed").inc()
        log.info("feed %s: %d entries; %s", feed.url, len(entries), report.summary())
        await service.feeds.polled(feed.url, time.time() + self.interval,
                                  Polled(fetched.etag, fetched.last_modified, parsed.title, parsed.problem))
        return report.ingested + report.replaced

    async def _complete(self, article: Article, pages: asyncio.Semaphore) -> Article:
        """The entry with the main text of its page; the entry as it came when the page fails.

        The entry's teaser is kept as the summary: an entry seen again with the same title,
        link and teaser is the stored article, and its page is not fetched again."""
        teaser = article.summary or " ".join(article.paragraphs)
        stored = await self.service.answers.article(article.id)
        if stored is not None and (stored.title, stored.url, stored.summary) == (article.title, article.url, teaser):
            return stored
        try:
            async with pages, self._pages:
                page = await self.fetcher.fetch(article.url or "")
            completed = await asyncio.to_thread(complete_from_page, article, page.body)
            return completed if completed is article else replace(completed, summary=teaser)
        except FetchError as exc:
            log.warning("page %s: %s; keeping the feed's summary", article.url, exc)
            return article


async def _same(article: Article) -> Article:
    return article


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("%s failed", task.get_name(), exc_info=task.exception())
