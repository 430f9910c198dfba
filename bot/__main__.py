"""python -m bot: the main job. Ingests ``seeds/`` when the store lacks them, then chats.

With ``TELEGRAM_BOT_TOKEN`` set this is the Telegram bot; without it, a console chat over
the same articles and the same answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from telegram.error import TelegramError

from retrieval.errors import RetrievalError
from retrieval.library import Library

from .app import ALLOWED_UPDATES, build, prepare_library
from .config import ConfigError, Settings, load_settings
from .console import run_console
from .database import DatabaseError
from .logs import setup_logging

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Hỏi Tin: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise a console chat "
                    "over the articles in the data folder (seeds/ are ingested first).",
    )
    parser.add_argument("--data-dir", type=Path, help="data folder (default: $HOITIN_DATA_DIR or ./data)")
    parser.add_argument("--console", action="store_true", help="console chat even when a token is set")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, [settings.telegram_token or ""])
    if args.data_dir:
        settings = dataclasses.replace(settings, data_dir=args.data_dir)
    try:
        library = prepare_library(settings.data_dir, settings.seeds_dir)
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.telegram_token and not args.console:
        return run_telegram(settings, library)
    # Undecodable bytes from a terminal become U+FFFD, which the text cleaner drops.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
    try:
        run_console(library, stdin=stdin)
    except KeyboardInterrupt:
        print()
    return 0


def run_telegram(settings: Settings, library: Library) -> int:
    """Long polling (or, with ``HOITIN_WEBHOOK_URL``, a webhook) until Ctrl-C or SIGTERM."""
    try:
        bot = build(settings, library=library)
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    app = bot.application
    try:
        if settings.webhook_url:
            # Telegram posts to the public URL; a reverse proxy hands it to listen:port. Updates
            # sent while the bot was away are kept (drop_pending_updates=False).
            log.info("starting the Telegram bot: webhook %s, listening on %s:%d (Bot API at %s)",
                     settings.webhook_url, settings.webhook_listen, settings.webhook_port, settings.api_base_url)
            app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                            url_path=urlsplit(settings.webhook_url).path.lstrip("/"), webhook_url=settings.webhook_url,
                            secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES,
                            drop_pending_updates=False)
        else:
            # run_polling deletes any webhook first (Telegram sends no updates to getUpdates while one is set).
            log.info("starting the Telegram bot: long polling (Bot API at %s)", settings.api_base_url)
            app.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
    except TelegramError as exc:  # start-up failed: a wrong token, an unreachable Bot API
        log.error("the bot could not start: %s", exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
