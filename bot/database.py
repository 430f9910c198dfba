"""The bot's own SQLite database (``bot.sqlite3`` in the data folder).

Subscriptions, refs (numbers in callback data), chats (pause, quiet hours, unreachable),
the alert outbox and the feeds.
Articles live in the retrieval store; this file holds what belongs to chats. The schema is
migrated forward by ``PRAGMA user_version``: each entry of ``MIGRATIONS`` runs once, in a
transaction, so a database is never left half-migrated.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
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
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chats (
        chat_id INTEGER PRIMARY KEY,
        lang TEXT NOT NULL DEFAULT 'vi',
        paused INTEGER NOT NULL DEFAULT 0,      -- /pause
        unreachable TEXT,                       -- why Telegram refused delivery (blocked, gone)
        unreachable_since TEXT,
        quiet_start INTEGER,                    -- quiet hours, Vietnam time: start ≤ h or h < end
        quiet_end INTEGER
    );
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        article_key INTEGER NOT NULL,           -- the store's stable article number
        chat_id INTEGER NOT NULL,
        keywords TEXT NOT NULL,                 -- the subscription that matched
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        source TEXT,
        lead TEXT NOT NULL,
        queued TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try REAL NOT NULL DEFAULT 0,       -- unix time
        sent_at REAL,
        error TEXT,
        UNIQUE (article_key, chat_id)
    );
    CREATE INDEX outbox_due ON outbox (status, next_try);
    CREATE INDEX outbox_sent ON outbox (sent_at);
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        etag TEXT,
        last_modified TEXT,
        added TEXT NOT NULL,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_poll REAL NOT NULL DEFAULT 0
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
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: a process crash loses nothing, a power cut the last commits
        db.execute("PRAGMA foreign_keys=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"cannot open the bot database {path}: {exc}") from exc
    if version > len(MIGRATIONS):
        raise DatabaseError(f"{path} has schema version {version}; this code knows up to {len(MIGRATIONS)}")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any exception: all of it or none of it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
