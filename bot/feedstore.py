"""The feed list (bot database): each feed's validators, last success, last error and next poll.

A failing feed is retried later and later: the poll interval doubled with each failure in a
row, up to :data:`BACKOFF_CAP`. The polling itself is :mod:`bot.poller`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from retrieval.text import utc_stamp

from .database import Database

BACKOFF_CAP = 6 * 3600.0  # seconds between two tries of a feed that keeps failing
_COLUMNS = "url, title, etag, last_modified, last_success, last_error, failures"  # of FeedState


@dataclass(frozen=True)
class FeedState:
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    last_success: str | None
    last_error: str | None
    failures: int


@dataclass(frozen=True)
class Polled:
    """What a successful poll learnt: the validators for the next one, the feed's title, and a
    problem worth showing although the feed was read (entries skipped)."""

    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None
    warning: str | None = None


class FeedStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, url: str) -> bool:
        """Add a feed (due at once); False when it was already there."""
        cursor = self._db.execute("INSERT INTO feeds (url, added) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                  (url, utc_stamp()))
        return cursor.rowcount == 1

    def remove(self, which: str) -> str | None:
        """Remove by list number or by URL; the URL removed, or None."""
        feeds = self.all()
        url = feeds[int(which) - 1].url if which.isdigit() and 1 <= int(which) <= len(feeds) else which
        cursor = self._db.execute("DELETE FROM feeds WHERE url = ?", (url,))
        return url if cursor.rowcount else None

    def all(self, due_by: float | None = None) -> list[FeedState]:
        """Every feed, or those whose next poll is due by ``due_by`` (a Unix time)."""
        rows = (self._db.execute(f"SELECT {_COLUMNS} FROM feeds ORDER BY added, url") if due_by is None else
                self._db.execute(f"SELECT {_COLUMNS} FROM feeds WHERE next_poll <= ? ORDER BY added, url", (due_by,)))
        return [FeedState(*row) for row in rows]

    def due(self, url: str, now: float) -> FeedState | None:
        """The feed as it is now, if its next poll is due by ``now`` (a Unix time); else None."""
        row = self._db.execute(f"SELECT {_COLUMNS} FROM feeds WHERE url = ? AND next_poll <= ?", (url, now)).fetchone()
        return FeedState(*row) if row else None

    def succeeded(self, url: str, next_poll: float, polled: Polled) -> None:
        now = utc_stamp()
        self._db.execute(
            "UPDATE feeds SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),"
            " title = coalesce(?, title), last_success = ?, failures = 0, next_poll = ?,"
            " last_error = coalesce(?, last_error),"
            " last_error_at = CASE WHEN CAST(? AS TEXT) IS NULL THEN last_error_at ELSE ? END"
            " WHERE url = ?",
            (polled.etag, polled.last_modified, polled.title, now, next_poll, polled.warning, polled.warning, now, url),
        )

    def failed(self, url: str, error: str, interval: float) -> float:
        """Record a failure; returns the seconds until the next try."""
        failures = self._db.execute("SELECT failures FROM feeds WHERE url = ?", (url,)).fetchone()
        count = (failures[0] if failures else 0) + 1
        delay = min(BACKOFF_CAP, interval * 2 ** (count - 1))
        self._db.execute(
            "UPDATE feeds SET failures = ?, last_error = ?, last_error_at = ?, next_poll = ? WHERE url = ?",
            (count, error, utc_stamp(), time.time() + delay, url),
        )
        return delay
