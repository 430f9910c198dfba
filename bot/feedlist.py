"""The feeds the bot polls, on the answer side's thread: the list (/addfeed, /feeds) and each
poll's claim and outcome, for the poller."""

from __future__ import annotations

import time

from .feedstore import FeedState, FeedStore, Polled
from .leases import Leases
from .worker import Worker

FEED_LEASE = "feed:"  # + the feed's URL: the lease on its poll


class FeedList:
    def __init__(self, worker: Worker, feeds: FeedStore, leases: Leases) -> None:
        self._worker = worker
        self._feeds = feeds
        self._leases = leases

    async def all(self) -> list[FeedState]:
        return await self._worker.run(self._feeds.all)

    async def add(self, url: str) -> bool:
        """Add a feed, due at once; False when it was already there."""
        return await self._worker.run(self._feeds.add, url)

    async def remove(self, which: str) -> str | None:
        """Remove by list number or URL; the URL removed, or None."""
        return await self._worker.run(self._feeds.remove, which)

    async def due(self, now: float) -> list[FeedState]:
        return await self._worker.run(self._feeds.all, now)

    async def claim(self, url: str, owner: str, seconds: float) -> FeedState | None:
        """Lease the poll of feed ``url`` to ``owner`` for ``seconds``: the feed as it is now if
        it is still due and no other process polls it, else None (see :meth:`done`)."""
        return await self._worker.run(self._claim, url, owner, seconds)

    def _claim(self, url: str, owner: str, seconds: float) -> FeedState | None:
        now = time.time()
        if not self._leases.take(f"{FEED_LEASE}{url}", owner, now, seconds):
            return None
        feed = self._feeds.due(url, now)  # read after the lease: a poll that just ended moved next_poll
        if feed is None:
            self._leases.give_back(f"{FEED_LEASE}{url}", owner)
        return feed

    async def polled(self, url: str, next_poll: float, polled: Polled) -> None:
        await self._worker.run(self._feeds.succeeded, url, next_poll, polled)

    async def failed(self, url: str, error: str, interval: float) -> float:
        """Record a failed poll; the seconds until the next try (backing off)."""
        return await self._worker.run(self._feeds.failed, url, error, interval)

    async def done(self, url: str, owner: str) -> None:
        """The poll of ``url`` (claimed with :meth:`claim`) is over: its lease is given back."""
        await self._worker.run(self._leases.give_back, f"{FEED_LEASE}{url}", owner)
