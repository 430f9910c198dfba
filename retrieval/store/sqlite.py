"""SQLite the way both of our files use it: one connection setting, transactions, schema versions.

The article store (``articles.sqlite3``) and the bot database (``bot.sqlite3``) open their
files with :func:`connect`, write inside :func:`transaction` and evolve with :func:`migrate`,
so the three rules below hold for both:

- WAL journal and ``synchronous=NORMAL``: readers never block the writer, a process crash
  loses nothing (a power cut, the last commits), and a second process waits up to
  ``BUSY_SECONDS`` for the write lock instead of failing with "database is locked".
- A transaction is all or nothing, also when it is nested (an inner block is a savepoint) and
  when COMMIT itself fails (a deferred constraint, a full disk): it is rolled back, never left
  open for the next statement to join.
- The schema version is ``PRAGMA user_version``; step *n* of a migration list takes it from
  *n* to *n + 1*, each step in its own transaction, so a crash mid-way resumes at the step
  that did not finish, and a file newer than the code is refused with a reason.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

BUSY_SECONDS = 30.0  # how long a writer waits for another process's write lock

Migration = str | Callable[[sqlite3.Connection], None]
"""One schema step: SQL statements, or a function given the connection (inside the transaction)."""

_savepoints = itertools.count(1)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating the folder) a database for use by one thread at a time, in autocommit mode.

    ``check_same_thread`` is off because the owner hands the connection to its worker thread;
    the owner serialises its use. Statements outside :func:`transaction` commit one by one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error:
        db.close()
        raise
    return db


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, or a savepoint when a transaction is already open.

    Any exception rolls the block back (an inner block only its own part) and propagates. A
    COMMIT that fails is rolled back too before its error propagates.
    """
    if db.in_transaction:
        name = f"nested_{next(_savepoints)}"
        db.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            db.execute(f"ROLLBACK TO {name}")
            db.execute(f"RELEASE {name}")
            raise
        db.execute(f"RELEASE {name}")
        return
    db.execute("BEGIN IMMEDIATE")  # take the write lock now: a read-then-write never deadlocks
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def schema_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


class SchemaTooNew(sqlite3.DatabaseError):
    """The file was written by newer code than this; the message says what to do."""


def migrate(db: sqlite3.Connection, steps: Sequence[Migration], what: str) -> int:
    """Run the steps the file has not had; returns the version it is at now.

    Two processes opening an old file at once are safe: each step re-reads the version after
    taking the write lock, so a step the other process just ran is not run again.
    """
    while (version := schema_version(db)) < len(steps):
        with transaction(db):
            version = schema_version(db)
            if version >= len(steps):
                break
            step = steps[version]
            if isinstance(step, str):
                for statement in _statements(step):
                    db.execute(statement)
            else:
                step(db)
            db.execute(f"PRAGMA user_version = {version + 1}")
        log.info("%s: schema %d → %d", what, version, version + 1)
    if version > len(steps):
        raise SchemaTooNew(
            f"{what} has schema version {version}, newer than this code knows ({len(steps)}): "
            f"run the newer Hỏi Tin, or move the file away to start afresh"
        )
    return version


def _statements(script: str) -> list[str]:
    """The statements of a SQL script, in order (``executescript`` would COMMIT on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return [s for s in statements if s.rstrip(";").strip()]
