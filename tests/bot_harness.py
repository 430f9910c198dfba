"""The one test harness for the Telegram bot: the real Application, built by ``bot.app.build``,
talking to the fake Bot API (tests/fake_telegram.py) through python-telegram-bot's HTTP layer.

``running_bot(...)`` starts it as ``run_polling`` would (post_init: command menu, jobs, alert
delivery), minus the polling: tests hand updates to ``process_update`` themselves. With
``background=False`` only the handlers run, for tests of one reply at a time. ``polling(...)``
is the other way round: real long polling over HTTP against the fake served on 127.0.0.1;
:class:`BotProcess` is ``python -m bot`` itself, as ``make run`` starts it.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

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
        return bot_rows(self.settings, "SELECT article_key, chat_id, status FROM outbox ORDER BY id")

    async def wait_for(self, condition: Callable[[], object], seconds: float = 20.0) -> None:
        await until(condition, seconds, f"Bot API calls: {[c.method for c in self.api.calls]}")


async def until(condition: Callable[[], object], seconds: float, what: str) -> None:
    """Return once ``condition()`` (awaited, when it is a coroutine) is true; fail saying
    ``what`` was awaited when it never is."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still waiting after {seconds} s: {what}")


async def lifecycle(callback: Callable[[Application], Awaitable[None]] | None, app: Application) -> None:
    """One of the callbacks ``run_polling`` calls around the application (post_init, post_stop,
    post_shutdown), called as it would: ``bot.app.build`` sets all three."""
    assert callback is not None, "bot.app.build sets post_init, post_stop and post_shutdown"
    await callback(app)


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on (the system's choice, released at once)."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_rows(where: Path | Settings, sql: str) -> list[tuple[Any, ...]]:
    """Rows of the bot database (of a data folder, or of a bot's settings, PostgreSQL included),
    through a connection of the test's own, as another process would read them."""
    url = where.database_url if isinstance(where, Settings) else None
    if url is not None:
        import psycopg

        with psycopg.connect(url) as db:
            return [tuple(row) for row in db.execute(sql).fetchall()]
    folder = where.data_dir if isinstance(where, Settings) else where
    with closing(sqlite3.connect(folder / BOT_DATABASE)) as db:
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
        await lifecycle(app.post_init, app)
        await app.start()
    try:
        yield Running(app, api, bot.service, settings)
    finally:
        if background:
            await app.stop()
            await lifecycle(app.post_stop, app)
        await app.shutdown()
        await lifecycle(app.post_shutdown, app)


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


class BotProcess:
    """``python -m bot`` as a process a test can start, stop, kill and start again; ``env`` is
    the bot's whole configuration (on top of this environment), ``cwd`` its working folder.
    Its log (stderr) is read as it comes, so a bot that logs much never blocks on a full pipe."""

    running: ClassVar[set[BotProcess]] = set()  # started and not yet seen to end: killed after each test

    def __init__(self, cwd: Path, env: dict[str, str], args: tuple[str, ...] = ()) -> None:
        self.cwd = cwd
        self.env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), **env}
        self.args = args
        self.process: asyncio.subprocess.Process | None = None
        self.returncode: int | None = None
        self._log: list[bytes] = []
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *self.args, cwd=self.cwd, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, start_new_session=True)
        BotProcess.running.add(self)
        self._reader = asyncio.create_task(self._read(self.process))

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        while chunk := await process.stderr.read(1 << 16):
            self._log.append(chunk)

    @property
    def log(self) -> str:
        """Everything it logged so far, over all its starts."""
        return b"".join(self._log).decode(errors="replace")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no clean-up of any kind

    async def stop(self, signum: int = signal.SIGTERM, *, group: bool = False) -> str:
        """``signum`` (unless it ended), to the bot or, with ``group``, to its whole process group
        (the ingest child too, as Ctrl-C in a terminal and systemd do); then its log.
        ``returncode`` says how it ended."""
        assert self.process is not None and self._reader is not None
        try:
            if self.process.returncode is None:
                if group:
                    os.killpg(self.process.pid, signum)
                else:
                    self.process.send_signal(signum)
            await asyncio.wait_for(self.process.wait(), timeout=120)
            await asyncio.wait_for(self._reader, timeout=10)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        self.returncode = self.process.returncode
        BotProcess.running.discard(self)
        return self.log

    def kill_group(self) -> None:
        """SIGKILL to the bot and every process of its group (its ingest process too): what is left
        of a test that failed before it stopped its bot."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        BotProcess.running.discard(self)
