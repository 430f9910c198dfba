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
from bot.database import MIGRATIONS, open_database
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
    with psycopg.connect(url) as check:
        columns = {tuple(r) for r in check.execute("SELECT table_name, column_name FROM information_schema.columns"
                                                   " WHERE table_schema = 'public'")}
    # The same tables and columns as SQLite after all its migrations: the two schemas never drift apart.
    sqlite = open_database(str(tmp_path / "bot.sqlite3"))
    tables = [r[0] for r in sqlite.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert columns == {(t, c[1]) for t in tables for c in sqlite.execute(f"PRAGMA table_info({t})")}
    assert {t for t, _ in columns} == {"meta", "subscriptions", "refs", "chats", "outbox", "feeds", "replies", "leases"}
    with psycopg.connect(url) as check:  # and the same indexes (those of primary keys and UNIQUE aside)
        indexes = {r[0] for r in check.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
                                               " AND indexname NOT LIKE '%\\_pkey' AND indexname NOT LIKE '%\\_key'")}
    assert indexes == {r[0] for r in sqlite.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                                    " AND name NOT LIKE 'sqlite_%'")} >= {"outbox_chat"}


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
