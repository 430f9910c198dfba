"""The feed polling loop: due feeds fetched (conditional GET), parsed, completed, ingested.

The HTTP side, with its address checks, is :mod:`bot.fetcher`; parsing an answered feed, and
taking an article's text from its page, is :mod:`retrieval.feeds`; the feed list with its
backoff is :mod:`bot.feedstore`. A failing feed's last error shows in ``/feeds`` and ``/stats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace

from retrieval.errors import BadArticle
from retrieval.feeds import ParsedFeed, complete_from_page, parse_feed
from retrieval.models import Article

from .feedstore import FeedState, Polled
from .fetcher import Fetcher, FetchError
from .metrics import Metrics
from .service import Service

log = logging.getLogger(__name__)

POLL_LEASE_SECONDS = 120.0  # a feed's poll is one worker's this long at most (a worker that died mid-poll
                            # delays that feed this long); a poll is its fetch and its pages', each
                            # bounded by HOITIN_FEED_TIMEOUT, fetched side by side


class FeedPoller:
    """Polls due feeds and hands their articles to the service. With several workers on one
    database each feed's poll is leased to one of them (``owner``: this process)."""

    def __init__(self, service: Service, fetcher: Fetcher, interval: float, metrics: Metrics, owner: str) -> None:
        self.service = service
        self.metrics = metrics
        self.fetcher = fetcher
        self.interval = interval
        self.owner = owner

    async def close(self) -> None:
        await self.fetcher.close()

    async def poll_due(self) -> int:
        """Poll every feed whose time has come and that no other worker polls; articles
        ingested (new or changed)."""
        feeds = await self.service.due_feeds(time.time())
        results = await asyncio.gather(*(self._claimed(feed.url) for feed in feeds))
        return sum(results)

    async def _claimed(self, url: str) -> int:
        feed = await self.service.claim_feed(url, self.owner, POLL_LEASE_SECONDS)
        if feed is None:  # another worker polls it, or just did
            return 0
        try:
            return await self.poll(feed)
        finally:
            await self.service.feed_done(url, self.owner)

    async def poll(self, feed: FeedState) -> int:
        service = self.service
        try:
            fetched = await self.fetcher.fetch(feed.url, feed.etag, feed.last_modified)
            if fetched.status == 304:
                self.metrics.feed_polls.labels("not_modified").inc()
                log.info("feed %s: not modified", feed.url)
                await service.feed_polled(feed.url, time.time() + self.interval, Polled())
                return 0
            # Parsing touches no database: a thread of its own, not the service's worker.
            parsed: ParsedFeed = await asyncio.to_thread(parse_feed, fetched.body, feed.url)
            articles = await asyncio.gather(*(self._complete(e.article) if e.needs_page else _same(e.article)
                                              for e in parsed.entries))
            report = await service.ingest([*articles, *parsed.skipped])
        except (FetchError, BadArticle) as exc:
            error = str(exc.reason) if isinstance(exc, BadArticle) else str(exc)
            self.metrics.feed_polls.labels("error").inc()
            delay = await service.feed_failed(feed.url, error, self.interval)
            log.warning("feed %s: %s; next try in %.0f s", feed.url, error, delay)
            return 0
        self.metrics.feed_polls.labels("changed").inc()
        log.info("feed %s: %d entries; %s", feed.url, len(parsed.entries), report.summary())
        await service.feed_polled(feed.url, time.time() + self.interval,
                                  Polled(fetched.etag, fetched.last_modified, parsed.title, parsed.problem))
        return report.ingested + report.replaced

    async def _complete(self, article: Article) -> Article:
        """The entry with the main text of its page; the entry as it came when the page fails.

        The entry's teaser is kept as the summary: an entry seen again with the same title,
        link and teaser is the stored article, and its page is not fetched again."""
        teaser = article.summary or " ".join(article.paragraphs)
        stored = await self.service.article(article.id)
        if stored is not None and (stored.title, stored.url, stored.summary) == (article.title, article.url, teaser):
            return stored
        try:
            page = await self.fetcher.fetch(article.url or "")
            completed = await asyncio.to_thread(complete_from_page, article, page.body)
            return completed if completed is article else replace(completed, summary=teaser)
        except FetchError as exc:
            log.warning("page %s: %s; keeping the feed's summary", article.url, exc)
            return article


async def _same(article: Article) -> Article:
    return article
