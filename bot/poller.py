"""The feed polling loop: conditional GET with timeouts and a size cap, then ingest.

Parsing an answered feed, and taking an article's text from its page, is
:mod:`retrieval.feeds`; the feed list with its backoff is :mod:`bot.feedstore`; here is the
HTTP side. A failing feed's last error shows in ``/feeds`` and ``/stats``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import httpx

from retrieval.errors import BadArticle
from retrieval.feeds import ParsedFeed, complete_from_page, parse_feed
from retrieval.models import Article

from .feedstore import FeedState, Polled
from .service import Service

log = logging.getLogger(__name__)

USER_AGENT = "HoiTin/0.1 (+https://github.com/; news question answering bot)"


class FeedError(Exception):
    """A feed or page could not be fetched; the message says why, for /feeds and the logs."""


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 (not modified)
    body: bytes
    etag: str | None
    last_modified: str | None


class FeedPoller:
    """Polls due feeds and hands their articles to the service."""

    def __init__(self, service: Service, interval: float, timeout: float, max_bytes: int,
                 client: httpx.AsyncClient | None = None) -> None:
        self.service = service
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=True, headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        await self._client.aclose()

    async def poll_due(self) -> int:
        """Poll every feed whose time has come; articles ingested (new or changed)."""
        feeds = await self.service.due_feeds(time.time())
        results = await asyncio.gather(*(self.poll(feed) for feed in feeds))
        return sum(results)

    async def poll(self, feed: FeedState) -> int:
        service = self.service
        try:
            fetched = await self.fetch(feed.url, feed.etag, feed.last_modified)
            if fetched.status == 304:
                log.info("feed %s: not modified", feed.url)
                await service.feed_polled(feed.url, time.time() + self.interval, Polled())
                return 0
            # Parsing touches no database: a thread of its own, not the service's worker.
            parsed: ParsedFeed = await asyncio.to_thread(parse_feed, fetched.body, feed.url)
            articles = await asyncio.gather(*(self._complete(e.article) if e.needs_page else _same(e.article)
                                              for e in parsed.entries))
            report = await service.ingest([*articles, *parsed.skipped])
        except (FeedError, BadArticle) as exc:
            error = str(exc.reason) if isinstance(exc, BadArticle) else str(exc)
            delay = await service.feed_failed(feed.url, error, self.interval)
            log.warning("feed %s: %s; next try in %.0f s", feed.url, error, delay)
            return 0
        log.info("feed %s: %d entries; %s", feed.url, len(parsed.entries), report.summary())
        await service.feed_polled(feed.url, time.time() + self.interval,
                                  Polled(fetched.etag, fetched.last_modified, parsed.title, parsed.problem))
        return report.ingested + report.replaced

    async def _complete(self, article: Article) -> Article:
        """The entry with the main text of its page; the entry as it came when the page fails."""
        try:
            page = await self.fetch(article.url or "", None, None)
            return await asyncio.to_thread(complete_from_page, article, page.body)
        except FeedError as exc:
            log.warning("page %s: %s; keeping the feed's summary", article.url, exc)
            return article

    async def fetch(self, url: str, etag: str | None, last_modified: str | None) -> Fetched:
        """GET with validators and a size cap; FeedError for anything but 200 or 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                if response.status_code == 304:
                    return Fetched(304, b"", etag, last_modified)
                if response.status_code != 200:
                    raise FeedError(f"HTTP {response.status_code}")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise FeedError(f"response of {int(declared):,} bytes is over the {self.max_bytes:,}-byte cap")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FeedError(f"response is over the {self.max_bytes:,}-byte cap")
                return Fetched(200, bytes(body), response.headers.get("ETag"), response.headers.get("Last-Modified"))
        except httpx.TimeoutException:
            raise FeedError(f"timed out after {self._client.timeout.read:.0f} s") from None
        except httpx.HTTPError as exc:
            raise FeedError(f"{type(exc).__name__}: {exc}") from None


async def _same(article: Article) -> Article:
    return article
