"""The outbox: one row per (article, chat, topic) alert, from queued to sent or failed.

Matching queues rows (``ON CONFLICT DO NOTHING`` on the unique triple, so an article can never be
queued twice for a chat, however often it is edited or re-published); the delivery loop
(:mod:`bot.delivery`) reads the due rows and records what Telegram answered.

Delivery is at least once. A row is marked ``sending`` just before its message goes to Telegram
and ``sent`` right after Telegram accepted it. A row claimed but not yet sending when its sender
stopped was never offered to Telegram: it goes out once after the restart. A row left ``sending``
is the one case nobody can know (Telegram takes no request id to ask about later): it goes out
again, logged as such, so a chat may see that one alert twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from retrieval.articles import Article
from retrieval.text import utc_stamp

from .database import Database
from .leases import gone

log = logging.getLogger(__name__)

LEAD_CHARS = 280  # characters of an article's lead an alert quotes
DUE_BATCH = 2000  # rows one delivery round looks at


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
    thread_id: int = 0  # the forum topic it goes to (0: the chat itself)


_ALERT_COLUMNS = "id, article_key, chat_id, keywords, title, url, published, source, lead, attempts, thread_id"


def _alert(row: tuple) -> Alert:
    values = list(row)
    values[6] = datetime.fromisoformat(values[6]) if values[6] else None
    return Alert(*values)


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    def queue(self, article_key: int, article: Article, chat_id: int, keywords: str, thread_id: int = 0) -> bool:
        """Queue an alert; False when this chat's topic already had one for this article."""
        cursor = self._db.execute(
            "INSERT INTO outbox (article_key, chat_id, thread_id, keywords, title, url, published, source,"
            " lead, queued) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (article_key, chat_id, thread_id, keywords, article.display_title, article.url,
             article.published.isoformat() if article.published else None, article.source,
             article.lead(LEAD_CHARS), utc_stamp()),
        )
        return cursor.rowcount == 1

    def claim(self, owner: str, now: float, lease: float, gap: float, chats: int) -> list[Alert]:
        """Lease up to ``chats`` chats with due alerts to ``owner`` for ``lease`` seconds; their due
        rows, oldest first.

        A chat is claimable when no other sender holds an unexpired lease on it (so its alerts go
        out in order, from one sender) and nothing was sent to it in the last ``gap`` seconds,
        by anyone. A sender that dies loses its leases when they expire; the row it was sending
        may then go out once more, never be lost.
        """
        with self._db.transaction():
            taken = [row[0] for row in self._db.execute(
                "SELECT c.chat_id FROM chats c WHERE (c.lease_until <= ? OR c.lease_owner = ?) AND c.last_sent <= ?"
                " AND EXISTS (SELECT 1 FROM outbox o WHERE o.chat_id = c.chat_id AND o.status IN ('pending', 'sending')"
                " AND o.next_try <= ?) ORDER BY c.last_sent, c.chat_id LIMIT ?" + self._db.skip_locked,
                (now, owner, now - gap, now, chats))]
            if not taken:
                return []
            marks = ",".join("?" * len(taken))
            self._db.execute(f"UPDATE chats SET lease_owner = ?, lease_until = ? WHERE chat_id IN ({marks})",
                             (owner, now + lease, *taken))
            unknown = self._db.execute(
                "UPDATE outbox SET status = 'pending', error = 'unknown: its sender stopped during the send'"
                f" WHERE status = 'sending' AND chat_id IN ({marks})", tuple(taken)).rowcount
            if unknown:
                log.warning("%d alert(s) were being sent when their sender stopped; whether Telegram took them "
                            "is unknown: they go out again (at least once: a chat may see them twice)", unknown)
            rows = self._db.execute(
                f"SELECT {_ALERT_COLUMNS} FROM outbox WHERE status = 'pending' AND next_try <= ?"
                f" AND chat_id IN ({marks}) ORDER BY id LIMIT ?", (now, *taken, DUE_BATCH))
            return [_alert(r) for r in rows]

    def free_gone(self, now: float) -> int:
        """End the chat leases of senders of this host that are gone (see :func:`bot.leases.gone`):
        a sender restarted after a crash goes on at once, not after its old leases end. Chats freed."""
        holders = [row[0] for row in self._db.execute(
            "SELECT DISTINCT lease_owner FROM chats WHERE lease_until > ? AND lease_owner IS NOT NULL", (now,))]
        freed = 0
        for holder in filter(gone, holders):
            freed += self._db.execute("UPDATE chats SET lease_until = 0 WHERE lease_owner = ? AND lease_until > ?",
                                      (holder, now)).rowcount
        return freed

    def release(self, owner: str, chat_id: int, sent_at: float | None) -> None:
        """Give a chat's lease back; ``sent_at``: a message went to it then (the shared pace)."""
        self._db.execute("UPDATE chats SET lease_until = 0, last_sent = COALESCE(CAST(? AS DOUBLE PRECISION),"
                         " last_sent) WHERE chat_id = ? AND lease_owner = ?", (sent_at, chat_id, owner))

    def due(self, now: float) -> list[Alert]:
        """Pending rows whose next try has come (Unix time ``now``), oldest first."""
        rows = self._db.execute(
            f"SELECT {_ALERT_COLUMNS} FROM outbox WHERE status = 'pending' AND next_try <= ? ORDER BY id LIMIT ?",
            (now, DUE_BATCH),
        )
        return [_alert(r) for r in rows]

    def _update(self, ids: list[int], assignments: str, values: tuple) -> None:
        self._db.executemany(f"UPDATE outbox SET {assignments} WHERE id = ?", [(*values, i) for i in ids])

    def mark_sending(self, ids: list[int]) -> None:
        """The rows' message is about to go to Telegram: from now on its fate is unknown until marked."""
        self._update(ids, "status = 'sending'", ())

    def mark_sent(self, ids: list[int], now: float) -> None:
        self._update(ids, "status = 'sent', sent_at = ?, error = NULL", (now,))

    def retry_later(self, ids: list[int], error: str, when: float, count: bool) -> None:
        """Try again at ``when``; ``count`` says whether this failure counts towards giving up."""
        self._update(ids, f"status = 'pending', next_try = ?, error = ?{', attempts = attempts + 1' if count else ''}",
                     (when, error))

    def fail(self, ids: list[int], error: str) -> None:
        self._update(ids, "status = 'failed', error = ?", (error,))

    def fail_chat(self, chat_id: int, error: str) -> None:
        self._db.execute("UPDATE outbox SET status = 'failed', error = ? WHERE chat_id = ?"
                         " AND status IN ('pending', 'sending')",
                         (error, chat_id))

    def fail_topic(self, chat_id: int, thread_id: int, error: str) -> None:
        self._db.execute("UPDATE outbox SET status = 'failed', error = ? WHERE chat_id = ? AND thread_id = ?"
                         " AND status IN ('pending', 'sending')", (error, chat_id, thread_id))

    def migrate(self, old_chat: int, new_chat: int) -> None:
        """The old chat's rows follow it (Telegram refused the send that told us: none is in doubt)."""
        self._db.execute("UPDATE outbox SET status = 'pending' WHERE chat_id = ? AND status = 'sending'", (old_chat,))
        self._db.execute("UPDATE outbox SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM outbox o"
                         " WHERE o.chat_id = ? AND o.article_key = outbox.article_key AND o.thread_id = outbox.thread_id)",
                         (new_chat, old_chat, new_chat))
        self._db.execute("DELETE FROM outbox WHERE chat_id = ? AND status = 'pending'", (old_chat,))

    def counts(self) -> dict[str, int]:
        """Rows by status (pending, sending, sent, failed), 0 for a status with none."""
        counts = dict.fromkeys(("pending", "sending", "sent", "failed"), 0)
        counts.update(self._db.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
        return counts

    def pending(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'pending'").fetchone()[0]

    def sent_since(self, moment: float) -> int:
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE sent_at >= ?", (moment,)).fetchone()[0]
