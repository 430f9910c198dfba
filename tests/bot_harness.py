"""A running bot over the fake Bot API, jobs and alert delivery included, for the new-article tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.config import Settings
from bot.service import Service, service_for
from retrieval.service import Library

from .fake_telegram import FakeBotAPI, FakeRequest, message, visible_text

TOKEN = "123456:SECRET-test-token"
ADMIN = 7
FAST = Settings(telegram_token=TOKEN, admin_ids=frozenset({ADMIN}), poll_seconds=0.2, save_seconds=1.0)


@dataclass
class Running:
    app: Application
    api: FakeBotAPI
    service: Service
    settings: Settings

    async def say(self, text: str, **kwargs: Any) -> str:
        before = len(self.api.calls)
        await self.app.process_update(Update.de_json({"update_id": 1, **message(text, **kwargs)}, self.app.bot))
        return "\n".join(visible_text(c.params["text"]) for c in self.api.calls[before:] if c.method == "sendMessage")

    def sent_to(self, chat_id: int) -> list[str]:
        return [visible_text(p["text"]) for p in self.api.sent() if int(p["chat_id"]) == chat_id]

    def alerts_to(self, chat_id: int) -> list[str]:
        return [t for t in self.sent_to(chat_id) if t.startswith("🔔")]

    async def wait_for(self, condition: Callable[[], object], seconds: float = 20.0) -> None:
        for _ in range(int(seconds * 20)):
            if condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"still waiting after {seconds} s; Bot API calls: {[c.method for c in self.api.calls]}")


@asynccontextmanager
async def running_bot(data_dir: Path, api: FakeBotAPI | None = None, **overrides: Any) -> AsyncIterator[Running]:
    """The application started as run_polling starts it (post_init, jobs, delivery), minus polling."""
    api = api or FakeBotAPI()
    settings = replace(FAST, data_dir=data_dir, **overrides)
    service = service_for(settings, Library(data_dir))
    app = build_application(settings, service, request=FakeRequest(api))
    await app.initialize()
    await app.post_init(app)
    await app.start()
    try:
        yield Running(app, api, service, settings)
    finally:
        await app.stop()
        await app.post_stop(app)
        await app.shutdown()
        await app.post_shutdown(app)
