"""The one test harness for the Telegram bot: the real Application, built by ``bot.app.build``,
talking to the fake Bot API (tests/fake_telegram.py) through python-telegram-bot's HTTP layer.

``running_bot(...)`` starts it as ``run_polling`` would (post_init: command menu, jobs, alert
delivery), minus the polling: tests hand updates to ``process_update`` themselves. With
``background=False`` only the handlers run, for tests of one reply at a time. ``polling(...)``
is the other way round: real long polling over HTTP against the fake served on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import BOT_DATABASE, build
from bot.config import Settings
from bot.service import Service
from retrieval.library import Library

from .fake_telegram import FakeBotAPI, FakeRequest, message, serve, visible_text

TOKEN = "123456:SECRET-test-token"
ADMIN = 7
FAST = Settings(telegram_token=TOKEN, admin_ids=frozenset({ADMIN}), poll_seconds=0.2,
                chat_replies_per_second=1000.0)  # tests talk fast; tests/test_fairness.py keeps Telegram's pace


@dataclass
class Running:
    app: Application
    api: FakeBotAPI
    service: Service
    settings: Settings

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Process one update; the parameters of the sendMessage/editMessageText calls it caused."""
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json({"update_id": 1, **update}, self.app.bot))
        return [c.params for c in self.api.calls[before:] if c.method in ("sendMessage", "editMessageText")]

    async def say(self, text: str, **kwargs: Any) -> str:
        """Send a text; the visible text of everything the bot sent back, joined."""
        return "\n".join(visible_text(p["text"]) for p in await self.send(message(text, **kwargs)))

    def sent_to(self, chat_id: int) -> list[str]:
        return [visible_text(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]

    def alerts_to(self, chat_id: int) -> list[str]:
        return [t for t in self.sent_to(chat_id) if t.startswith("🔔")]

    def outbox(self) -> list[tuple[int, int, str]]:
        """(article_key, chat_id, status) of every outbox row, read as another process would."""
        return bot_rows(self.settings.data_dir, "SELECT article_key, chat_id, status FROM outbox ORDER BY id")

    async def wait_for(self, condition: Callable[[], object], seconds: float = 20.0) -> None:
        for _ in range(int(seconds * 20)):
            if condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"still waiting after {seconds} s; Bot API calls: {[c.method for c in self.api.calls]}")


def bot_rows(data_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of the bot database in ``data_dir``, through a connection of the test's own."""
    with closing(sqlite3.connect(data_dir / BOT_DATABASE)) as db:
        return db.execute(sql).fetchall()


@asynccontextmanager
async def running_bot(data: Path | Library, api: FakeBotAPI | None = None, *, background: bool = True,
                      **overrides: Any) -> AsyncIterator[Running]:
    """The bot over a data folder (or an opened library), with ``FAST`` settings plus ``overrides``."""
    api = api or FakeBotAPI()
    library = data if isinstance(data, Library) else Library(data)
    settings = replace(FAST, data_dir=library.data_dir, **overrides)
    bot = build(settings, library=library, request=FakeRequest(api))
    app = bot.application
    await app.initialize()
    if background:
        await app.post_init(app)
        await app.start()
    try:
        yield Running(app, api, bot.service, settings)
    finally:
        if background:
            await app.stop()
            await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)


@asynccontextmanager
async def polling(library: Library, api: FakeBotAPI, token: str) -> AsyncIterator[None]:
    """The bot long-polling the fake Bot API over HTTP (``TELEGRAM_API_BASE_URL``), for the block."""
    runner, base_url = await serve(api, token)
    settings = Settings(telegram_token=token, api_base_url=base_url, data_dir=library.data_dir)
    app = build(settings, library=library).application
    try:
        async with app:
            await app.start()
            assert app.updater is not None, "built with an updater"
            await app.updater.start_polling(poll_interval=0, timeout=1)
            yield
            await app.updater.stop()
            await app.stop()
    finally:
        await runner.cleanup()
