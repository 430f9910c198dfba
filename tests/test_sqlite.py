"""Transactions and schema versions of both SQLite files (retrieval/store/sqlite.py, bot/database.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.database import MIGRATIONS, DatabaseError, open_database, schema_steps
from bot.subscriptions import Subscriptions
from retrieval.store.sqlite import Migration, SchemaTooNew, connect, migrate, schema_version, transaction


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(tmp_path / "t.sqlite3")
    connection.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    yield connection
    connection.close()


def values(db: sqlite3.Connection) -> list[int]:
    return [x for (x,) in db.execute("SELECT x FROM t ORDER BY x")]


def test_a_transaction_is_all_or_nothing(db: sqlite3.Connection) -> None:
    with transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(RuntimeError), transaction(db):
        db.execute("INSERT INTO t VALUES (2)")
        raise RuntimeError("stop")
    assert values(db) == [1] and not db.in_transaction


def test_an_inner_transaction_is_a_savepoint(db: sqlite3.Connection) -> None:
    with transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(sqlite3.IntegrityError), transaction(db):
            db.execute("INSERT INTO t VALUES (2)")
            db.execute("INSERT INTO t VALUES (1)")  # duplicate key: this inner block only is undone
        with transaction(db):
            db.execute("INSERT INTO t VALUES (3)")
        assert db.in_transaction, "the outer transaction is still open after its inner blocks"
    assert values(db) == [1, 3]


def test_an_outer_failure_undoes_the_inner_blocks_too(db: sqlite3.Connection) -> None:
    with pytest.raises(RuntimeError), transaction(db):
        with transaction(db):
            db.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("stop")
    assert values(db) == [] and not db.in_transaction


def test_a_failed_commit_is_rolled_back(db: sqlite3.Connection) -> None:
    """A deferred foreign key is checked at COMMIT; SQLite then leaves the transaction open, and
    the next statement would silently join it. Ours rolls back."""
    db.execute("CREATE TABLE child (parent INTEGER REFERENCES t (x) DEFERRABLE INITIALLY DEFERRED)")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"), transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("INSERT INTO child VALUES (99)")  # no such parent: COMMIT fails
    assert not db.in_transaction
    assert values(db) == [] and db.execute("SELECT count(*) FROM child").fetchone() == (0,)
    with transaction(db):
        db.execute("INSERT INTO t VALUES (2)")
    assert values(db) == [2]


def test_migrations_run_in_order_once_and_a_failed_step_is_undone(tmp_path: Path) -> None:
    db = connect(tmp_path / "m.sqlite3")
    calls: list[int] = []

    def third(connection: sqlite3.Connection) -> None:
        calls.append(3)
        connection.execute("INSERT INTO a VALUES ('three')")

    steps: list[Migration] = ["CREATE TABLE a (v TEXT);\nINSERT INTO a VALUES ('one');", "INSERT INTO a VALUES ('two');", third]
    assert migrate(db, steps[:2], "m") == 2
    assert migrate(db, steps, "m") == 3 and migrate(db, steps, "m") == 3 and calls == [3]
    assert [v for (v,) in db.execute("SELECT v FROM a")] == ["one", "two", "three"]

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO a VALUES ('four')")
        raise sqlite3.OperationalError("disk on fire")

    with pytest.raises(sqlite3.OperationalError):
        migrate(db, [*steps, broken], "m")
    assert schema_version(db) == 3 and db.execute("SELECT count(*) FROM a").fetchone() == (3,)
    with pytest.raises(SchemaTooNew, match="schema version 3, newer than this code knows \\(2\\)"):
        migrate(db, steps[:2], "m")


def version_1_bot_database(path: Path) -> None:
    """A bot database as the first release left it: subscriptions and refs only, user_version 1."""
    db = sqlite3.connect(path)
    db.executescript(schema_steps("sqlite")[0])
    db.execute("INSERT INTO subscriptions (chat_id, keywords, match_key, terms, created) VALUES "
               "(5, 'bão lũ', 'bão lũ', '[\"bão\", \"lũ\"]', '2024-01-01T00:00:00+00:00')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_the_bot_database_migrates_from_version_0_and_from_version_1(tmp_path: Path) -> None:
    fresh = open_database(tmp_path / "new.sqlite3")
    assert fresh.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    assert {"subscriptions", "refs", "meta", "chats", "outbox", "feeds"} <= {
        name for (name,) in fresh.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    old = tmp_path / "old.sqlite3"
    version_1_bot_database(old)
    db = open_database(old)
    assert db.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    [subscription] = Subscriptions(db).of_chat(5)
    assert subscription.query.text == "bão lũ", "the data survives the migration"
    db.execute("INSERT INTO outbox (article_key, chat_id, keywords, title, lead, queued) VALUES (1, 5, 'k', 't', 'l', 'q')")


def test_a_bot_database_from_newer_code_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    open_database(path).execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(DatabaseError, match="newer than this code"):
        open_database(path)
