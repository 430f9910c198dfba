"""Small numbers standing for queries and article ids inside callback data, each bound to its chat.

Telegram caps callback data at 64 bytes, which a Vietnamese query or a long article id can
exceed; a number always fits. Numbers are stored, so buttons keep working after a restart,
and each belongs to the chat (or inline user) it was made for: a number sent from another
chat, forged or guessed, finds nothing, so nobody reads another's searches. A number unused
for :data:`EXPIRY_DAYS` is forgotten (its button then says it is stale), so the table does
not grow with every search forever.
"""

from __future__ import annotations

import time

from .database import Database

EXPIRY_DAYS = 30
PRUNE_EVERY = 256  # new numbers between two clean-ups of expired ones


class Refs:
    """Persistent map between (kind, value, owner) and a number."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def number(self, kind: str, value: str, owner: int) -> int:
        """The number for ``value`` in ``owner``'s chat, made if new; using it keeps it alive."""
        now = time.time()
        made = self._db.execute("INSERT INTO refs (kind, value, chat_id, used) VALUES (?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING RETURNING id", (kind, value, owner, now)).fetchone()
        if made is not None and made[0] % PRUNE_EVERY == 0:
            self.prune(now)
        row = self._db.execute("UPDATE refs SET used = ? WHERE kind = ? AND value = ? AND chat_id = ? RETURNING id",
                               (now, kind, value, owner)).fetchone()
        return int(row[0])

    def value(self, kind: str, number: int, owner: int) -> str | None:
        """What the number stands for, when it is ``owner``'s and not expired; else None."""
        row = self._db.execute("UPDATE refs SET used = ? WHERE kind = ? AND id = ? AND chat_id = ? AND used >= ?"
                               " RETURNING value", (time.time(), kind, number, owner, _oldest(time.time()))).fetchone()
        return row[0] if row else None

    def prune(self, now: float) -> int:
        """Forget numbers unused for EXPIRY_DAYS; how many."""
        return self._db.execute("DELETE FROM refs WHERE used < ?", (_oldest(now),)).rowcount

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM refs").fetchone()[0])


def _oldest(now: float) -> float:
    return now - EXPIRY_DAYS * 86400.0
