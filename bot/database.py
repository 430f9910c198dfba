"""The bot's own SQLite database (``bot.sqlite3`` in the data folder).

Subscriptions, refs (numbers in callback data), chats (language, pause, quiet hours,
unreachable), the alert outbox, the feeds, and which messages carried an answer.
Articles live in the retrieval store; this file holds what belongs to chats. The schema is
migrated forward by ``PRAGMA user_version`` (:func:`retrieval.sqlite.migrate`): each entry of
``MIGRATIONS`` runs once, in a transaction, so a database is never left half-migrated.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from retrieval.sqlite import connect, migrate

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
    # 2 → 3: refs belong to the chat that made them (numbers from before point nowhere: their
    # buttons say they are stale) and remember when they were last used, to expire.
    """
    CREATE TABLE refs_by_chat (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        chat_id INTEGER NOT NULL,
        used REAL NOT NULL,
        UNIQUE (kind, value, chat_id)
    );
    DROP TABLE refs;
    ALTER TABLE refs_by_chat RENAME TO refs;
    CREATE INDEX refs_used ON refs (used);
    """,
    # 3 → 4: the language a chat chose with /lang (NULL: each user's own Telegram language).
    """
    ALTER TABLE chats ADD COLUMN chosen_lang TEXT;
    """,
    # 4 → 5: the bot's messages that carried an answer (a reply to one is a follow-up).
    """
    CREATE TABLE replies (
        chat_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        answer_id INTEGER NOT NULL,             -- its number in the answer log (answers.sqlite3)
        sent REAL NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX replies_sent ON replies (sent);
    """,
    # 5 → 6: forum topics. A subscription and its alerts belong to a topic of the chat
    # (thread 0: the chat itself, or a forum's General); a subscription whose topic was
    # deleted is paused with the reason. SQLite cannot change a UNIQUE constraint in place,
    # so both tables are rebuilt (rows and ids kept).
    """
    CREATE TABLE subscriptions_by_topic (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL,
        match_key TEXT NOT NULL,
        terms TEXT NOT NULL,
        created TEXT NOT NULL,
        paused TEXT,                            -- why alerts stopped (the topic was deleted)
        UNIQUE (chat_id, thread_id, match_key)
    );
    INSERT INTO subscriptions_by_topic (id, chat_id, keywords, match_key, terms, created)
        SELECT id, chat_id, keywords, match_key, terms, created FROM subscriptions;
    DROP TABLE subscriptions;
    ALTER TABLE subscriptions_by_topic RENAME TO subscriptions;
    CREATE TABLE outbox_by_topic (
        id INTEGER PRIMARY KEY,
        article_key INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        thread_id INTEGER NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        source TEXT,
        lead TEXT NOT NULL,
        queued TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try REAL NOT NULL DEFAULT 0,
        sent_at REAL,
        error TEXT,
        UNIQUE (article_key, chat_id, thread_id)
    );
    INSERT INTO outbox_by_topic (id, article_key, chat_id, keywords, title, url, published, source, lead, queued,
                                 status, attempts, next_try, sent_at, error)
        SELECT id, article_key, chat_id, keywords, title, url, published, source, lead, queued, status, attempts,
               next_try, sent_at, error FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_by_topic RENAME TO outbox;
    CREATE INDEX outbox_due ON outbox (status, next_try);
    CREATE INDEX outbox_sent ON outbox (sent_at);
    """,
)


class DatabaseError(RuntimeError):
    """The bot database cannot be opened or is newer than this code."""


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating or migrating) the bot database; the caller serialises its use."""
    try:
        db = connect(path)
        migrate(db, MIGRATIONS, f"the bot database {path}")
    except (sqlite3.DatabaseError, OSError) as exc:
        raise DatabaseError(f"cannot open the bot database {path}: {exc}") from exc
    return db
