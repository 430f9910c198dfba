"""RSS/Atom feeds: the list (bot database), polling with conditional GET, timeouts, backoff, a size cap.

Parsing an answered feed, and taking an article's text from its page, is
:mod:`retrieval.feeds`; here is the HTTP side. A failing feed is retried later and later
(doubling from the poll interval up to six hours); its last error shows in ``/feeds`` and
``/stats``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx

from retrieval.errors import BadArticle
from retrieval.feeds import ParsedFeed, complete_from_page, parse_feed
from retrieval.models import Article

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger(__name__)

BACKOFF_CAP = 6 * 3600.0  # seconds between two tries of a feed that keeps failing
USER_AGENT = "HoiTin/0.1 (+https://github.com/; news question answering bot)"


@dataclass(frozen=True)
class FeedState:
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    last_success: str | None
    last_error: str | None
    failures: int


class FeedStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, url: str) -> bool:
        """Add a feed (due at once); False when it was already there."""
        cursor = self._db.execute("INSERT OR IGNORE INTO feeds (url, added) VALUES (?, ?)", (url, _now_text()))
        return cursor.rowcount == 1

    def remove(self, which: str) -> str | None:
        """Remove by list number or by URL; the URL removed, or None."""
        feeds = self.all()
        url = feeds[int(which) - 1].url if which.isdigit() and 1 <= int(which) <= len(feeds) else which
        cursor = self._db.execute("DELETE FROM feeds WHERE url = ?", (url,))
        return url if cursor.rowcount else None

    def all(self, due_by: float | None = None) -> list[FeedState]:
        """Every feed, or those whose next poll is due by ``due_by`` (a Unix time)."""
        rows = self._db.execute(
            "SELECT url, title, etag, last_modified, last_success, last_error, failures FROM feeds"
            " WHERE ? IS NULL OR next_poll <= ? ORDER BY added, url", (due_by, due_by)
        )
        return [FeedState(*row) for row in rows]

    def due(self, now: float) -> list[FeedState]:
        return self.all(due_by=now)

    def succeeded(self, url: str, next_poll: float, etag: str | None, last_modified: str | None,
                  title: str | None, warning: str | None = None) -> None:
        self._db.execute(
            "UPDATE feeds SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),"
            " title = coalesce(?, title), last_success = ?, failures = 0, next_poll = ?,"
            " last_error = coalesce(?, last_error), last_error_at = CASE WHEN ? IS NULL THEN last_error_at ELSE ? END"
            " WHERE url = ?",
            (etag, last_modified, title, _now_text(), next_poll, warning, warning, _now_text(), url),
        )

    def failed(self, url: str, error: str, interval: float) -> float:
        """Record a failure; returns the seconds until the next try."""
        failures = self._db.execute("SELECT failures FROM feeds WHERE url = ?", (url,)).fetchone()
        count = (failures[0] if failures else 0) + 1
        delay = min(BACKOFF_CAP, interval * 2 ** (count - 1))
        self._db.execute(
            "UPDATE feeds SET failures = ?, last_error = ?, last_error_at = ?, next_poll = ? WHERE url = ?",
            (count, error, _now_text(), time.time() + delay, url),
        )
        return delay


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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

    def __init__(self, service: Service, interval: float = 300.0, timeout: float = 10.0,
                 max_bytes: int = 5_000_000, client: httpx.AsyncClient | None = None) -> None:
        self.service = service
        self.interval = interval
        self.max_bytes = max_bytes
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout), follow_redirects=True, headers={"User-Agent": USER_AGENT})

    async def close(self) -> None:
        await self._client.aclose()

    async def poll_due(self) -> int:
        """Poll every feed whose time has come; articles ingested (new or changed)."""
        feeds = await self.service.call(self.service.feeds.due, time.time())
        results = await asyncio.gather(*(self.poll(feed) for feed in feeds))
        return sum(results)

    async def poll(self, feed: FeedState) -> int:
        store, call = self.service.feeds, self.service.call
        try:
            fetched = await self.fetch(feed.url, feed.etag, feed.last_modified)
            if fetched.status == 304:
                log.info("feed %s: not modified", feed.url)
                await call(store.succeeded, feed.url, time.time() + self.interval, None, None, None)
                return 0
            parsed: ParsedFeed = await call(parse_feed, fetched.body, feed.url)
            articles = await asyncio.gather(*(self._complete(e.article) if e.needs_page else _same(e.article)
                                              for e in parsed.entries))
            report = await self.service.ingest([*articles, *parsed.skipped])
        except (FeedError, BadArticle) as exc:
            error = str(exc.reason) if isinstance(exc, BadArticle) else str(exc)
            delay = await call(store.failed, feed.url, error, self.interval)
            log.warning("feed %s: %s; next try in %.0f s", feed.url, error, delay)
            return 0
        log.info("feed %s: %d entries; %s", feed.url, len(parsed.entries), report.summary())
        await call(store.succeeded, feed.url, time.time() + self.interval, fetched.etag, fetched.last_modified,
                   parsed.title, parsed.problem)
        return report.ingested + report.replaced

    async def _complete(self, article: Article) -> Article:
        """The entry with the main text of its page; the entry as it came when the page fails."""
        try:
            page = await self.fetch(article.url or "", None, None)
            return await self.service.call(complete_from_page, article, page.body)
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
