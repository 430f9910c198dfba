"""The bot's own SQLite database (``bot.sqlite3`` in the data folder): subscriptions, refs.

Articles live in the retrieval store; this file holds what belongs to chats. The schema is
migrated forward by ``PRAGMA user_version``: each entry of ``MIGRATIONS`` runs once, in a
transaction, so a database is never left half-migrated.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        keywords TEXT NOT NULL,
        match_key TEXT NOT NULL,
        terms TEXT NOT NULL,
        created TEXT NOT NULL,
        UNIQUE (chat_id, match_key)
    );
    CREATE TABLE refs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (kind, value)
    );
    """,
)


class DatabaseError(RuntimeError):
    """The bot database cannot be opened or is newer than this code."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the bot database; the caller serialises its use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open the bot database {path}: {exc}") from exc
    if version > len(MIGRATIONS):
        raise DatabaseError(f"{path} has schema version {version}; this code knows up to {len(MIGRATIONS)}")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return db
