"""The bot database on PostgreSQL: migrations safe when processes start together, and a server
that goes away and comes back (the rest of the state suite runs on both backends through the
``backend`` fixture)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from aiohttp import ClientSession

from bot.config import ConfigError, load_settings
from bot.database import MIGRATIONS, open_database, schema_steps
from retrieval.library import Library

from .bot_harness import free_port, running_bot
from .conftest import fresh_database
from .postgres import postgres_server


def test_processes_starting_together_migrate_once(postgres_server_url: str, tmp_path: Path) -> None:
    url = fresh_database(postgres_server_url)
    with ThreadPoolExecutor(4) as pool:  # four connections racing to create the schema
        opened = list(pool.map(lambda _: open_database(url), range(4)))
    for db in opened:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(len(MIGRATIONS)),)
        db.close()
    assert _columns_and_indexes(url) == _columns_and_indexes(str(tmp_path / "bot.sqlite3"))


def _columns_and_indexes(location: str) -> tuple[set[tuple[str, str, str, bool]], set[str]]:
    """Each column as (table, column, kind of value, may be NULL), and the named indexes (those
    of primary keys and UNIQUE aside), of the bot database at ``location``, SQLite or PostgreSQL."""
    kinds = {"INTEGER": "integer", "BIGINT": "integer", "REAL": "float", "DOUBLE PRECISION": "float", "TEXT": "text"}
    db = open_database(location)
    try:
        if db.postgres:
            columns = {(t, c, kinds[kind.upper()], nullable == "YES") for t, c, kind, nullable in db.execute(
                "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_schema = 'public'")}
            indexes = {r[0] for r in db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
                       if not r[0].endswith(("_pkey", "_key"))}
        else:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            columns = {(t, c[1], kinds[c[2]], not c[3] and not c[5]) for t in tables
                       for c in db.execute(f"PRAGMA table_info({t})")}
            indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                                " AND name NOT LIKE 'sqlite_%'")}
    finally:
        db.close()
    assert {c[0] for c in columns} == {"meta", "subscriptions", "refs", "chats", "outbox", "feeds", "replies", "leases"}
    assert "outbox_chat" in indexes
    return columns, indexes


def test_one_list_of_steps_makes_both_schemas_and_an_older_postgresql_database_takes_the_rest(
        postgres_server_url: str) -> None:
    sqlite, postgres = schema_steps("sqlite"), schema_steps("postgres")
    assert len(sqlite) == len(postgres) == len(MIGRATIONS) and "BIGINT" in postgres[0] and "BIGINT" not in sqlite[0]
    url = fresh_database(postgres_server_url)
    with psycopg.connect(url, autocommit=True) as old:  # a database the code of version 6 left
        for step in postgres[:6]:
            old.execute(step)
        old.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        old.execute("INSERT INTO meta VALUES ('schema_version', '6')")
        old.execute("INSERT INTO outbox (article_key, chat_id, keywords, title, lead, queued)"
                    " VALUES (1, -1001234567890, 'k', 't', 'l', 'q')")
    db = open_database(url)
    try:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(len(MIGRATIONS)),)
        assert db.execute("SELECT chat_id, status FROM outbox").fetchall() == [(-1001234567890, "pending")]
        assert db.execute("SELECT count(*) FROM leases").fetchone() == (0,)  # step 8 ran
    finally:
        db.close()


async def test_healthz_follows_the_database_going_away_and_back(seed_library: Library) -> None:
    with postgres_server(free_port()) as server:
        async with running_bot(seed_library, database_url=server.url, metrics_port=free_port()) as bot:
            health = f"http://127.0.0.1:{bot.settings.metrics_port}/healthz"
            async with ClientSession() as http:
                async with http.get(health) as up:
                    assert up.status == 200
                assert "Đã đăng ký" in await bot.say("/subscribe bão")
                server.stop()
                async with http.get(health) as down:
                    assert down.status == 503 and (await down.text()).startswith("bot database: ")
                server.start()
                for _ in range(300):  # the pool reconnects in the background, backing off
                    async with http.get(health) as again:
                        if again.status == 200:
                            break
                    await asyncio.sleep(0.1)
                assert again.status == 200
                assert "1. bão" in await bot.say("/subscriptions")  # the state is still there


def test_the_database_url_must_be_postgresql() -> None:
    with pytest.raises(ConfigError, match="must be a PostgreSQL URL"):
        load_settings({"HOITIN_DATABASE_URL": "mysql://x@y/z"}, dotenv=False)
    assert load_settings({"HOITIN_DATABASE_URL": "postgresql://a@b/c"}, dotenv=False).database_url == "postgresql://a@b/c"
