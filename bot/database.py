"""The bot's own state: chats, subscriptions, refs, the alert outbox, the feeds, and which
messages carried an answer. Articles live in the retrieval store; this is what belongs to chats.

Two backends behind one :class:`Database`: a SQLite file (``bot.sqlite3`` in the data folder,
the default) or PostgreSQL (``HOITIN_DATABASE_URL=postgresql://…``, for several processes on
several hosts). The storage classes write one SQL for both: ``?`` placeholders and the dialect
the two share (``ON CONFLICT … DO NOTHING``, ``RETURNING``, ``CAST`` where PostgreSQL must
know a parameter's type).

Schemas are versioned, with one list of steps for both (``MIGRATIONS``, spelled in each
dialect by :func:`schema_steps`). SQLite carries its version in ``PRAGMA user_version``
(:func:`retrieval.store.migrate`); PostgreSQL in ``meta``, changed under an advisory lock, so
two processes starting together migrate once. A PostgreSQL database made by earlier code from
its one-step schema of version 6 takes the steps after 6 like any other.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from retrieval.store import connect, migrate, transaction

log = logging.getLogger(__name__)

# Every step of the schema, once, for both backends: written in the SQL they share, with
# {key} for an auto-numbered primary key, {big} for a 64-bit integer (Telegram's chat and message
# ids) and {real} for a float, which each dialect spells its own way (DIALECTS). SQLite rebuilds a
# table to change a UNIQUE constraint; PostgreSQL runs the same steps (on a new database, where
# the tables are still empty).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscriptions (
        id {key},
        chat_id {big} NOT NULL,
        keywords TEXT NOT NULL,
        match_key TEXT NOT NULL,
        terms TEXT NOT NULL,
        created TEXT NOT NULL,
        UNIQUE (chat_id, match_key)
    );
    CREATE TABLE refs (
        id {key},
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (kind, value)
    );
    """,
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE chats (
        chat_id {key},
        lang TEXT NOT NULL DEFAULT 'vi',
        paused INTEGER NOT NULL DEFAULT 0,      -- /pause
        unreachable TEXT,                       -- why Telegram refused delivery (blocked, gone)
        unreachable_since TEXT,
        quiet_start INTEGER,                    -- quiet hours, Vietnam time: start ≤ h or h < end
        quiet_end INTEGER
    );
    CREATE TABLE outbox (
        id {key},
        article_key {big} NOT NULL,           -- the store's stable article number
        chat_id {big} NOT NULL,
        keywords TEXT NOT NULL,                 -- the subscription that matched
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        source TEXT,
        lead TEXT NOT NULL,
        queued TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending', -- pending | sent | failed
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try {real} NOT NULL DEFAULT 0,       -- unix time
        sent_at {real},
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
        next_poll {real} NOT NULL DEFAULT 0
    );
    """,
    # 2 → 3: refs belong to the chat that made them (numbers from before point nowhere: their
    # buttons say they are stale) and remember when they were last used, to expire.
    """
    CREATE TABLE refs_by_chat (
        id {key},
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        chat_id {big} NOT NULL,
        used {real} NOT NULL,
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
        chat_id {big} NOT NULL,
        message_id {big} NOT NULL,
        answer_id {big} NOT NULL,             -- its number in the answer log (answers.sqlite3)
        sent {real} NOT NULL,
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
        id {key},
        chat_id {big} NOT NULL,
        thread_id {big} NOT NULL DEFAULT 0,
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
        id {key},
        article_key {big} NOT NULL,
        chat_id {big} NOT NULL,
        thread_id {big} NOT NULL DEFAULT 0,
        keywords TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        published TEXT,
        source TEXT,
        lead TEXT NOT NULL,
        queued TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try {real} NOT NULL DEFAULT 0,
        sent_at {real},
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
    # 6 → 7: several senders. A chat's due alerts are leased to one sender at a time (its
    # order kept), and the last send to it is shared (one message a second, whoever sends).
    """
    ALTER TABLE chats ADD COLUMN lease_owner TEXT;
    ALTER TABLE chats ADD COLUMN lease_until {real} NOT NULL DEFAULT 0;
    ALTER TABLE chats ADD COLUMN last_sent {real} NOT NULL DEFAULT 0;
    """,
    # 7 → 8: several workers. Work only one of them may do at a time (a feed's poll, a look at
    # the inbox) is leased by name.
    """
    CREATE TABLE leases (
        name TEXT PRIMARY KEY,                  -- what is leased: 'inbox', 'feed:<url>'
        owner TEXT NOT NULL,                    -- the process holding it (host:pid:random)
        until {real} NOT NULL                     -- unix time it ends, unless given back first
    );
    """,
    # 8 → 9: a delivery round asks, chat by chat, whether it has due alerts; without this index
    # each asking scanned every pending row (5.8 s a round with 10,000 chats waiting).
    """
    CREATE INDEX outbox_chat ON outbox (chat_id, status, next_try);
    """,
)


DIALECTS: dict[str, dict[str, str]] = {
    "sqlite": {"key": "INTEGER PRIMARY KEY", "big": "INTEGER", "real": "REAL"},
    "postgres": {"key": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "big": "BIGINT",
                 "real": "DOUBLE PRECISION"},
}


def schema_steps(dialect: str) -> tuple[str, ...]:
    """:data:`MIGRATIONS` in ``dialect``'s SQL ("sqlite" or "postgres"), step n reaching version n."""
    return tuple(step.format(**DIALECTS[dialect]) for step in MIGRATIONS)


_MIGRATION_LOCK = 7_160_501  # pg_advisory_xact_lock key: one migrating process at a time
POOL_SIZE = 4  # PostgreSQL connections a process holds at most
POOL_WAIT = 1.5  # seconds a statement waits for a connection (a server that is down fails fast, not in 30 s)


class DatabaseError(RuntimeError):
    """The bot database cannot be opened or is newer than this code."""


class Rows(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass
class Fetched:
    """A statement's rows, read before its connection went back to the pool."""

    rows: list[Any]
    rowcount: int

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[Any]:
        return self.rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)


class Database:
    """The bot database, SQLite or PostgreSQL, used by one thread at a time.

    SQLite: one connection. PostgreSQL: a small pool (psycopg_pool) that checks a connection
    before lending it, so a server that restarted is reconnected to; a transaction keeps one
    connection for its whole block, a statement outside one borrows one for itself.
    """

    def __init__(self, location: str, connection: Any = None, pool: Any = None) -> None:
        self.location = location  # what another process opens the same database with
        self.postgres = pool is not None
        self._connection = connection
        self._pool = pool
        self._held: list[Any] = []  # the connection of the transaction in progress (PostgreSQL)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        if not self.postgres:
            return self._connection.execute(sql, params)
        with self._lend() as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)
            return Fetched(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        if not self.postgres:
            self._connection.executemany(sql, rows)
            return
        with self._lend() as connection, connection.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), list(rows))

    @contextmanager
    def _lend(self) -> Iterator[Any]:
        if self._held:
            yield self._held[-1]
        else:
            with self._pool.connection() as connection:
                yield connection

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """All or nothing; nested blocks are savepoints (see :func:`retrieval.store.transaction`)."""
        if not self.postgres:
            with transaction(self._connection):
                yield self
            return
        with self._lend() as connection, connection.transaction():
            self._held.append(connection)
            try:
                yield self
            finally:
                self._held.pop()

    @property
    def skip_locked(self) -> str:
        """``FOR UPDATE SKIP LOCKED`` for PostgreSQL, where readers of a row to claim must not
        wait for each other; SQLite's transactions already run one writer at a time."""
        return " FOR UPDATE SKIP LOCKED" if self.postgres else ""

    def close(self) -> None:
        if self.postgres:
            self._pool.close()
        else:
            self._connection.close()


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_database(location: str | Path) -> Database:
    """Open (creating or migrating) the bot database: a SQLite file path, or a PostgreSQL URL."""
    location = str(location)
    if is_postgres(location):
        return _open_postgres(location)
    try:
        connection = connect(Path(location))
        migrate(connection, schema_steps("sqlite"), f"the bot database {location}")
    except (sqlite3.DatabaseError, OSError) as exc:
        raise DatabaseError(f"cannot open the bot database {location}: {exc}") from exc
    return Database(location, connection=connection)


def _open_postgres(url: str) -> Database:
    import psycopg  # only a PostgreSQL deployment needs these loaded
    from psycopg_pool import ConnectionPool

    shown = url.split("@")[-1]  # never the password
    pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=False, check=ConnectionPool.check_connection,
                          timeout=POOL_WAIT, kwargs={"autocommit": True, "connect_timeout": 10}, name="hoitin")
    try:
        pool.open(wait=True, timeout=15)
        db = Database(url, pool=pool)
        _migrate_postgres(db, shown)
    except (psycopg.Error, TimeoutError, OSError) as exc:  # PoolTimeout is a psycopg.Error
        pool.close()
        raise DatabaseError(f"cannot open the bot database at {shown}: {exc}") from exc
    except DatabaseError:
        pool.close()
        raise
    return db


def _migrate_postgres(db: Database, shown: str) -> None:
    """The steps from the version found (0 for a new database) to the current one; under an
    advisory lock, so processes starting together wait for the first and migrate once."""
    current = len(MIGRATIONS)
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        version = 0
        if db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
        if version > current:
            raise DatabaseError(f"the bot database at {shown} has schema version {version}, newer than this code "
                                f"knows ({current}): run the newer Hỏi Tin")
        for number, step in enumerate(schema_steps("postgres")[version:], start=version + 1):
            db.execute(step)
            log.info("the bot database at %s: schema → %d", shown, number)
        db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE"
                   " SET value = excluded.value", (str(current),))
