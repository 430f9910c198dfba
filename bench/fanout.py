"""Alert fan-out: one new article to N subscribed chats, against a Bot API that enforces Telegram's limits.

    python bench/fanout.py [--chats 10000] [--rate 25] [--workers 2] [--only sqlite|postgresql]

The fake Bot API (tests/fake_telegram.py, served on 127.0.0.1) accepts at most 30 messages in
any second overall and one per second per chat, answering 429 with ``retry_after`` beyond
that, as Telegram does. Two runs, one after the other in this process:

- ``sqlite``: the embedded default, one process (the real application in this process: rate
  limiter, delivery loop, outbox in bot.sqlite3), the article given to it directly;
- ``postgresql``: ``--workers`` processes ``python -m bot --role worker`` on a throwaway
  PostgreSQL (tests/postgres.py), each sending ``rate / workers`` a second so that together
  they keep to the same overall rate; the article dropped into the inbox they share.

Prints one JSON object: per run, messages per second (overall, from the first message to the
last, and per 10-second window: median, p95, min, max), the 429s received, chats that got
nothing, chats that got more than one message, the outbox at the end; and the PostgreSQL
throughput as a ratio of the SQLite one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import summary  # noqa: E402

from bot.app import build, build_service  # noqa: E402
from bot.config import Role, Settings  # noqa: E402
from retrieval.articles import Article  # noqa: E402
from retrieval.library import Library  # noqa: E402
from tests.bot_harness import BotProcess, bot_rows, free_port, lifecycle, until  # noqa: E402
from tests.conftest import fresh_database  # noqa: E402
from tests.fake_telegram import FakeBotAPI, serve  # noqa: E402
from tests.postgres import postgres_server  # noqa: E402

TOKEN = "1:fanout"
OVERALL_PER_SECOND = 30
PER_CHAT_SECONDS = 1.0
KEYWORDS = "cầu Rồng"
ARTICLE = {"id": "fanout-1", "title": "Cầu Rồng phun lửa tối thứ Bảy", "url": "https://example.vn/cau-rong",
           "body": "Cầu Rồng ở Đà Nẵng sẽ phun lửa vào tối thứ Bảy.", "source": "Báo Thử"}


class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API with Telegram's broadcast limits on sendMessage."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: deque[float] = deque()
        self.last_by_chat: dict[int, float] = {}
        self.too_many = 0
        self.delivered: Counter[int] = Counter()
        self.times: list[float] = []

    async def handle(self, method: str, params: dict[str, Any],
                     files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return await super().handle(method, params, files)
        now = time.monotonic()
        chat = int(params["chat_id"])
        while self.accepted and now - self.accepted[0] >= 1.0:
            self.accepted.popleft()
        if len(self.accepted) >= OVERALL_PER_SECOND or now - self.last_by_chat.get(chat, -9.0) < PER_CHAT_SECONDS:
            self.too_many += 1
            return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                         "parameters": {"retry_after": 1}}
        self.accepted.append(now)
        self.last_by_chat[chat] = now
        self.delivered[chat] += 1
        self.times.append(now)
        return await super().handle(method, params)


def _windows(times: list[float], width: float = 10.0) -> list[float]:
    """Messages per second in consecutive windows of ``width`` seconds (the last, partial one dropped)."""
    if not times:
        return []
    start, counts = times[0], Counter(int((t - times[0]) // width) for t in times)
    full = int((times[-1] - start) // width)
    return [counts.get(i, 0) / width for i in range(full)] or [len(times) / max(times[-1] - start, 1e-9)]


async def embedded(chats: int, rate: float) -> dict[str, Any]:
    """The default: one process, the bot database in SQLite."""
    api = LimitedBotAPI()
    runner, base_url = await serve(api, TOKEN)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        settings = replace(Settings(telegram_token=TOKEN, api_base_url=base_url, data_dir=data),
                           alerts_per_second=rate, poll_seconds=3600)
        bot = build(settings, library=Library(data))
        service, app = bot.service, bot.application
        for chat in range(1, chats + 1):
            await service.chats.subscribe(chat, KEYWORDS, "vi")
        await service.new_articles.sync()  # start the alert cursor
        await app.initialize()
        await lifecycle(app.post_init, app)
        await app.start()
        article = Article(ARTICLE["id"], ARTICLE["title"], (ARTICLE["body"],), url=ARTICLE["url"],
                          published=datetime.now(UTC), source=ARTICLE["source"])
        started = time.monotonic()
        await service.new_articles.ingest([article])
        while (await service.stats()).pending_alerts:
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        rows = bot_rows(data, "SELECT article_key, chat_id, status FROM outbox")
        await app.stop()
        await lifecycle(app.post_stop, app)
        await app.shutdown()
        await lifecycle(app.post_shutdown, app)
    await runner.cleanup()
    return _result(api, chats, {"backend": "sqlite", "processes": 1, "alerts_per_second": rate}, elapsed, rows)


async def workers_on_postgresql(chats: int, rate: float, workers: int) -> dict[str, Any]:
    """``workers`` worker processes sharing a PostgreSQL bot database and one data folder."""
    api = LimitedBotAPI()
    runner, base_url = await serve(api, TOKEN)
    with tempfile.TemporaryDirectory() as folder, postgres_server(free_port()) as server:
        data = Path(folder) / "data"
        url = fresh_database(server.url)
        settings = Settings(telegram_token=TOKEN, api_base_url=base_url, data_dir=data, database_url=url,
                            role=Role.WEB)  # subscribing needs no ingest process
        service = build_service(settings, Library(data))
        for chat in range(1, chats + 1):
            await service.chats.subscribe(chat, KEYWORDS, "vi")
        service.close()
        each = rate / workers
        processes = [BotProcess(Path(folder), {
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url, "HOITIN_DATA_DIR": str(data),
            "HOITIN_SEEDS_DIR": str(Path(folder) / "no-seeds"), "HOITIN_DATABASE_URL": url,
            "HOITIN_ALERTS_PER_SECOND": str(each), "HOITIN_POLL_SECONDS": "0.5", "HOITIN_LOG_LEVEL": "WARNING",
        }, ("--role", "worker")) for _ in range(workers)]
        await asyncio.gather(*(p.start() for p in processes))
        try:
            def count(sql: str) -> Awaitable[list[tuple[Any, ...]]]:
                # In a thread: a blocking query here would stall the fake Bot API on this event loop,
                # which would then take the requests held up meanwhile all at once (and answer 429).
                return asyncio.to_thread(bot_rows, settings, sql)

            async def counted(sql: str) -> int:
                return int((await count(sql))[0][0])

            await until(lambda: counted("SELECT count(*) FROM meta WHERE key = 'alerts_seq'"), 120,
                        "a worker started the alert cursor")
            inbox = data / "inbox"
            part = inbox / "fanout.jsonl.part"
            part.write_text(json.dumps({**ARTICLE, "published": datetime.now(UTC).isoformat()}, ensure_ascii=False)
                            + "\n", encoding="utf-8")
            started = time.monotonic()
            os.replace(part, inbox / "fanout.jsonl")
            await until(lambda: _equal(counted("SELECT count(*) FROM outbox"), chats), 120, "alerts queued")
            while await counted("SELECT count(*) FROM outbox WHERE status = 'pending'"):
                await asyncio.sleep(0.5)
            elapsed = time.monotonic() - started
            rows = await count("SELECT article_key, chat_id, status FROM outbox")
        finally:
            logs = await asyncio.gather(*(p.stop() for p in processes))
    await runner.cleanup()
    problems = [line for log in logs for line in log.splitlines() if " ERROR " in line]
    return {**_result(api, chats, {"backend": "postgresql", "processes": workers, "alerts_per_second_each": each},
                      elapsed, rows), "errors_logged": len(problems)}


async def _equal(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


def _result(api: LimitedBotAPI, chats: int, run: dict[str, Any], elapsed: float, rows: list[tuple[Any, ...]]
            ) -> dict[str, Any]:
    windows = _windows(api.times)
    span = api.times[-1] - api.times[0] if len(api.times) > 1 else elapsed
    return {
        **run,
        "seconds": round(elapsed, 1),
        "messages_per_second": round(len(api.times) / span, 2),
        "per_10s_window": summary(windows, 2) if windows else None,
        "status_429": api.too_many,
        "delivered": sum(api.delivered.values()),
        "lost": chats - len(api.delivered),
        "sent_twice": sum(1 for n in api.delivered.values() if n > 1),
        "outbox": dict(Counter(status for _, _, status in rows)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chats", type=int, default=10_000, help="subscribed chats (default 10000)")
    parser.add_argument("--rate", type=float, default=25.0, help="the bot's alert rate over all its senders, "
                        "messages/s (default 25)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes of the PostgreSQL run (default 2)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one of the two runs")
    args = parser.parse_args()
    runs: list[dict[str, Any]] = []
    if args.only != "postgresql":
        runs.append(asyncio.run(embedded(args.chats, args.rate)))
    if args.only != "sqlite":
        runs.append(asyncio.run(workers_on_postgresql(args.chats, args.rate, args.workers)))
    out: dict[str, Any] = {
        "benchmark": "alert fan-out",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "chats": args.chats,
        "telegram": {"overall_per_second": OVERALL_PER_SECOND, "per_chat_seconds": PER_CHAT_SECONDS},
        "runs": runs,
    }
    if len(runs) == 2:
        out["postgresql_over_sqlite_throughput"] = round(runs[1]["messages_per_second"] / runs[0]["messages_per_second"], 3)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
