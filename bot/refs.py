"""Small numbers standing for queries and article ids inside callback data.

Telegram caps callback data at 64 bytes, which a Vietnamese query or a long article id can
exceed; a number always fits. The numbers are stored, so buttons keep working after a restart.
"""

from __future__ import annotations

import sqlite3


class Refs:
    """Persistent two-way map between (kind, value) and a number."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def number(self, kind: str, value: str) -> int:
        self._db.execute("INSERT OR IGNORE INTO refs (kind, value) VALUES (?, ?)", (kind, value))
        return self._db.execute("SELECT id FROM refs WHERE kind = ? AND value = ?", (kind, value)).fetchone()[0]

    def value(self, kind: str, number: int) -> str | None:
        row = self._db.execute("SELECT value FROM refs WHERE kind = ? AND id = ?", (kind, number)).fetchone()
        return row[0] if row else None
