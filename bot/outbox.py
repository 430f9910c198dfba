"""Alerts: the outbox of (article, chat) rows, and the delivery loop that empties it.

Matching queues rows (``INSERT OR IGNORE`` on the unique pair, so an article can never be
queued twice for a chat, however often it is edited or re-published). The :class:`Deliverer`
sends due rows as one digest per chat, at most ``per_second`` messages overall and one per
second per chat, and maps Telegram's answers onto the outbox: sent, retry later, or failed.
A row is marked sent right after Telegram accepted it; rows still pending at a restart are
sent afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from retrieval.models import Article

if TYPE_CHECKING:
    from .service import Service

log = logging.getLogger(__name__)

DIGEST_SIZE = 10  # articles in one alert message; more wait for the next one
MAX_ATTEMPTS = 8  # network failures before a row is given up
RETRY_CAP = 3600.0  # seconds: the longest wait between two tries of a row


@dataclass(frozen=True)
class Alert:
    """One pending outbox row."""

    id: int
    article_key: int
    chat_id: int
    keywords: str
    title: str
    url: str | None
    published: datetime | None
    source: str | None
    lead: str
    attempts: int


_ALERT_COLUMNS = "id, article_key, chat_id, keywords, title, url, published, source, lead, attempts"


def _alert(row: tuple) -> Alert:
    values = list(row)
    values[6] = datetime.fromisoformat(values[6]) if values[6] else None
    return Alert(*values)


def _lead(article: Article, limit: int = 280) -> str:
    text = article.summary or (article.paragraphs[0] if article.paragraphs else "")
    return text if len(text) <= limit else text[: text.rfind(" ", 0, limit)] + " …"


class Outbox:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def queue(self, article_key: int, article: Article, chat_id: int, keywords: str) -> bool:
        """Queue an alert; False when this chat already had one for this article."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO outbox (article_key, chat_id, keywords, title, url, published, source, lead,"
            " queued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article_key, chat_id, keywords, article.display_title, article.url,
             article.published.isoformat() if article.published else None, article.source, _lead(article),
             datetime.now(UTC).isoformat(timespec="seconds")),
        )
        return cursor.rowcount == 1

    def due(self, now: float, limit: int = 2000) -> list[Alert]:
        rows = self._db.execute(
            f"SELECT {_ALERT_COLUMNS} FROM outbox WHERE status = 'pending' AND next_try <= ? ORDER BY id LIMIT ?",
            (now, limit),
        )
        return [_alert(r) for r in rows]

    def _update(self, ids: list[int], assignments: str, values: tuple) -> None:
        self._db.executemany(f"UPDATE outbox SET {assignments} WHERE id = ?", [(*values, i) for i in ids])

    def mark_sent(self, ids: list[int], now: float) -> None:
        self._update(ids, "status = 'sent', sent_at = ?, error = NULL", (now,))

    def retry_later(self, ids: list[int], error: str, when: float, count: bool = True) -> None:
        self._update(ids, f"next_try = ?, error = ?{', attempts = attempts + 1' if count else ''}", (when, error))

    def fail(self, ids: list[int], error: str) -> None:
        self._update(ids, "status = 'failed', error = ?", (error,))

    def fail_chat(self, chat_id: int, error: str) -> None:
        self._db.execute("UPDATE outbox SET status = 'failed', error = ? WHERE chat_id = ? AND status = 'pending'",
                         (error, chat_id))

    def migrate(self, old_chat: int, new_chat: int) -> None:
        self._db.execute("UPDATE OR IGNORE outbox SET chat_id = ? WHERE chat_id = ?", (new_chat, old_chat))
        self._db.execute("DELETE FROM outbox WHERE chat_id = ? AND status = 'pending'", (old_chat,))

    def pending(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]

    def sent_since(self, moment: float) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at >= ?", (moment,)).fetchone()[0]

    def rows(self) -> list[tuple[int, int, str]]:
        """(article_key, chat_id, status) of every row, for tests and diagnostics."""
        return self._db.execute("SELECT article_key, chat_id, status FROM outbox ORDER BY id").fetchall()


class Deliverer:
    """The loop that sends due alerts; ``wake`` it when rows were queued."""

    def __init__(self, service: Service, bot: Bot, per_second: float = 25.0, per_chat_seconds: float = 1.0) -> None:
        self.service = service
        self.bot = bot
        self.per_chat_seconds = per_chat_seconds
        # One token every 1/per_second s and no burst: a leaky bucket with room for many would
        # let a full bucket plus a second's refill through in one second, over Telegram's limit.
        self._limiter = AsyncLimiter(1, 1.0 / per_second)
        self._last_sent: dict[int, float] = {}
        self._hold_until = 0.0  # Telegram asked the whole bot to wait (429 beyond the rate limiter)
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; a failure in one round is logged and the next round runs."""
        while not self._stopping:
            try:
                sent = await self.deliver_due()
            except Exception:  # noqa: BLE001 — the loop must outlive any one round
                log.exception("alert delivery round failed; retrying in a second")
                sent = 0
            if not sent:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def deliver_due(self) -> int:
        """One round: a digest to every chat with due alerts that may receive now; messages sent."""
        now = time.time()
        if now < self._hold_until:
            return 0
        alerts = await self.service.call(self.service.outbox.due, now)
        by_chat: dict[int, list[Alert]] = {}
        for alert in alerts:
            by_chat.setdefault(alert.chat_id, []).append(alert)
        ready = []
        for chat_id, pending in by_chat.items():
            if now - self._last_sent.get(chat_id, 0.0) < self.per_chat_seconds:
                continue
            state = await self.service.call(self.service.chats.state, chat_id)
            if state.quiet_at(datetime.now(UTC)):
                continue
            ready.append((state.lang, pending[:DIGEST_SIZE]))
        results = await asyncio.gather(*(self._send(lang, digest) for lang, digest in ready))
        return sum(results)

    async def _send(self, lang: str, digest: list[Alert]) -> int:
        from .formatting import (
            html_digest,  # here, not at the top: formatting imports Alert from this module
        )

        chat_id = digest[0].chat_id
        ids = [a.id for a in digest]
        outbox, call = self.service.outbox, self.service.call
        async with self._limiter:
            if self._stopping:  # shutting down: the rows stay pending and go out after the restart
                return 0
            self._last_sent[chat_id] = time.time()
            try:
                await self.bot.send_message(chat_id, html_digest(digest, lang))
            except RetryAfter as exc:
                wait = float(exc.retry_after if not hasattr(exc.retry_after, "total_seconds")
                             else exc.retry_after.total_seconds())
                self._hold_until = max(self._hold_until, time.time() + wait)
                log.warning("Telegram asked to wait %.0f s (chat %s); alerts held", wait, chat_id)
                await call(outbox.retry_later, ids, "429", time.time() + wait, False)
                return 0
            except Forbidden as exc:
                await self._unreachable(chat_id, f"blocked: {exc.message}")
                return 0
            except ChatMigrated as exc:
                log.info("chat %s is now %s; its subscriptions and alerts follow", chat_id, exc.new_chat_id)
                await call(self.service.migrate_chat, chat_id, exc.new_chat_id)
                return 0
            except BadRequest as exc:
                if "chat not found" in exc.message.lower():
                    await self._unreachable(chat_id, "chat not found")
                else:
                    log.error("alerts %s to chat %s refused: %s", ids, chat_id, exc.message)
                    await call(outbox.fail, ids, exc.message)
                return 0
            except NetworkError as exc:  # includes timeouts: try again later, longer each time
                attempts = digest[0].attempts + 1
                if attempts >= MAX_ATTEMPTS:
                    log.error("alerts %s to chat %s given up after %d tries: %s", ids, chat_id, attempts, exc)
                    await call(outbox.fail, ids, f"network: {exc}")
                else:
                    delay = min(RETRY_CAP, 2.0**attempts)
                    log.warning("alerts to chat %s failed (%s); retry in %.0f s", chat_id, exc, delay)
                    await call(outbox.retry_later, ids, f"network: {exc}", time.time() + delay)
                return 0
            except TelegramError as exc:
                log.error("alerts %s to chat %s failed: %s", ids, chat_id, exc)
                await call(outbox.fail, ids, str(exc))
                return 0
        await call(outbox.mark_sent, ids, time.time())
        log.info("sent %d alert(s) to chat %s", len(ids), chat_id)
        return 1

    async def _unreachable(self, chat_id: int, reason: str) -> None:
        log.warning("chat %s unreachable (%s): its alerts are paused", chat_id, reason)
        await self.service.call(self.service.pause_unreachable, chat_id, reason)
