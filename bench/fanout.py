"""Alert fan-out: one new article to N subscribed chats, against a Bot API that enforces Telegram's limits.

    python bench/fanout.py [--chats 10000] [--rate 25]

The fake Bot API (tests/fake_telegram.py, served on 127.0.0.1) accepts at most 30 messages in
any second overall and one per second per chat, answering 429 with ``retry_after`` beyond
that, as Telegram does. The bot is the real application (rate limiter, delivery loop,
outbox) pointed at it with ``TELEGRAM_API_BASE_URL``. Prints one JSON object: messages per
second (overall and per 10-second window: median, p95, min, max), the 429s received, chats
that got nothing, and chats that got more than one message.
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
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import summary  # noqa: E402

from bot.app import build  # noqa: E402
from bot.config import Settings  # noqa: E402
from retrieval.library import Library  # noqa: E402
from retrieval.models import Article  # noqa: E402
from tests.bot_harness import bot_rows  # noqa: E402
from tests.fake_telegram import FakeBotAPI, serve  # noqa: E402

TOKEN = "1:fanout"
OVERALL_PER_SECOND = 30
PER_CHAT_SECONDS = 1.0


class LimitedBotAPI(FakeBotAPI):
    """The fake Bot API with Telegram's broadcast limits on sendMessage."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: deque[float] = deque()
        self.last_by_chat: dict[int, float] = {}
        self.too_many = 0
        self.delivered: Counter[int] = Counter()
        self.times: list[float] = []

    async def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return await super().handle(method, params)
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


async def run(chats: int, rate: float) -> dict[str, Any]:
    api = LimitedBotAPI()
    runner, base_url = await serve(api, TOKEN)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        settings = replace(Settings(telegram_token=TOKEN, api_base_url=base_url, data_dir=data),
                           alerts_per_second=rate, poll_seconds=3600)
        bot = build(settings, library=Library(data))
        service, app = bot.service, bot.application
        for chat in range(1, chats + 1):
            await service.subscribe(chat, "cầu Rồng", "vi")
        await service.sync()  # start the alert cursor
        await app.initialize()
        await app.post_init(app)
        await app.start()
        article = Article("fanout-1", "Cầu Rồng phun lửa tối thứ Bảy",
                          ("Cầu Rồng ở Đà Nẵng sẽ phun lửa vào tối thứ Bảy.",), url="https://example.vn/cau-rong",
                          published=datetime.now(UTC), source="Báo Thử")
        started = time.monotonic()
        await service.ingest([article])
        while True:
            if not (await service.stats()).pending_alerts:
                break
            await asyncio.sleep(0.5)
        elapsed = time.monotonic() - started
        rows = bot_rows(data, "SELECT article_key, chat_id, status FROM outbox")
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)
    await runner.cleanup()
    windows = _windows(api.times)
    return {
        "benchmark": "alert fan-out",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "chats": chats,
        "settings": {"alerts_per_second": rate, "telegram_overall_limit": OVERALL_PER_SECOND,
                     "telegram_per_chat_seconds": PER_CHAT_SECONDS},
        "seconds": round(elapsed, 1),
        "messages_per_second": round(len(api.times) / elapsed, 2),
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
    parser.add_argument("--rate", type=float, default=25.0, help="the bot's alert rate, messages/s (default 25)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.chats, args.rate)), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
