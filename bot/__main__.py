"""python -m bot: the main job. Ingests ``seeds/`` when the store lacks them, then chats.

With ``TELEGRAM_BOT_TOKEN`` set this is the Telegram bot; without it, a console chat over
the same articles and the same answers. ``--role web`` / ``--role worker`` split the bot
over several processes (see docs/operations.md, "Running in production").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import io
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import TelegramError

from retrieval.errors import RetrievalError
from retrieval.library import Library, tune_collector

from .app import ALLOWED_UPDATES, HoiTin, build, open_library
from .config import ConfigError, Role, Settings, load_settings
from .console import run_console
from .database import DatabaseError
from .logs import setup_logging
from .stopping import StopSignals, raise_system_exit
from .webhook import limit_webhook_bodies

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Hỏi Tin: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise a console chat "
                    "over the articles in the data folder (seeds/ are ingested first).",
    )
    parser.add_argument("--data-dir", type=Path, help="data folder (default: $HOITIN_DATA_DIR or ./data)")
    parser.add_argument("--console", action="store_true", help="console chat even when a token is set")
    parser.add_argument("--role", choices=[r.value for r in Role],
                        help="all: everything in this process (the default); web: answer Telegram's updates; "
                             "worker: ingest (inbox, feeds, the store's changes), match and send alerts. "
                             "Default: $HOITIN_ROLE or all")
    args = parser.parse_args(argv)
    tune_collector()
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.telegram_token or ""])
    if args.data_dir:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    if args.role:
        settings = dataclasses.replace(settings, role=Role(args.role))
    if settings.role is not Role.ALL and not (settings.telegram_token and not args.console):
        print(f"error: --role {settings.role} is a part of the Telegram bot: set TELEGRAM_BOT_TOKEN "
              "(the console chat is --role all)", file=sys.stderr)
        return 2
    try:
        library = open_library(settings)
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.telegram_token and not args.console:
        return run_telegram(settings, library)
    # Undecodable bytes from a terminal become U+FFFD, which the text cleaner drops.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
    stops = StopSignals()
    stops.in_main_thread()
    try:
        run_console(library, stdin=stdin)
    except KeyboardInterrupt:
        print()
    return stops.exit_code


def run_telegram(settings: Settings, library: Library) -> int:
    """Long polling (or, with ``HOITIN_WEBHOOK_URL``, a webhook) until Ctrl-C (exit code 130) or
    SIGTERM (0)."""
    try:
        bot = build(settings, library=library)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = bot.application
    # The loop python-telegram-bot runs on, with our stop signals in place of its own, which do
    # not tell Ctrl-C from SIGTERM (``stop_signals=None`` below).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stops = StopSignals()
    try:
        if not settings.role.answers:
            log.info("starting a worker: ingest and alerts, no updates (Bot API at %s)", settings.api_base_url)
            with contextlib.closing(loop):
                loop.run_until_complete(work(bot, stops))
            return stops.exit_code
        stops.on_loop(loop, raise_system_exit)
        if settings.webhook_url:
            # Telegram posts to the public URL; a reverse proxy hands it to listen:port. Updates
            # sent while the bot was away are kept (drop_pending_updates=False).
            log.info("starting the Telegram bot: webhook %s, listening on %s:%d (Bot API at %s)",
                     settings.webhook_url, settings.webhook_listen, settings.webhook_port, settings.api_base_url)
            limit_webhook_bodies()
            app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                            url_path=urlsplit(settings.webhook_url).path.lstrip("/"), webhook_url=settings.webhook_url,
                            secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES,
                            drop_pending_updates=False, stop_signals=None)
        else:
            # run_polling deletes any webhook first (Telegram sends no updates to getUpdates while one is set).
            log.info("starting the Telegram bot: long polling (Bot API at %s)", settings.api_base_url)
            app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False, stop_signals=None)
    except TelegramError as exc:  # start-up failed: a wrong token, an unreachable Bot API
        log.error("the bot could not start: %s", exc)
        return 1
    return stops.exit_code


async def work(bot: HoiTin, stops: StopSignals) -> None:
    """A worker: the application's hooks and jobs as ``run_polling`` would run them, but no
    updates taken, until SIGTERM or Ctrl-C."""
    app = bot.application
    stop = asyncio.Event()
    stops.on_loop(asyncio.get_running_loop(), stop.set)
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await stop.wait()
        log.info("stopping the worker")
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    finally:
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


if __name__ == "__main__":
    sys.exit(main())
