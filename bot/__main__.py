"""python -m bot: the main job. Ingests ``seeds/`` when the store lacks them, then chats.

With ``TELEGRAM_BOT_TOKEN`` set this is the Telegram bot; without it, a console chat over
the same articles and the same answers.
"""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

from retrieval.errors import RetrievalError
from retrieval.ingest import read_articles
from retrieval.service import Library

from .config import ConfigError, load_settings
from .console import run_console

log = logging.getLogger("bot")


def prepare_library(data_dir: Path, seeds_dir: Path) -> Library:
    """Open the data folder and make sure the seed articles are in it (unchanged ones are skipped)."""
    library = Library(data_dir)
    if seeds_dir.is_dir():
        report = library.ingest(read_articles([seeds_dir]))
        log.info("seeds: %s", report.summary())
        for bad in report.skipped:
            log.warning("seed skipped: %s", bad)
    else:
        log.warning("no seeds folder at %s", seeds_dir)
    return library


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
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    data_dir = args.data_dir or settings.data_dir
    try:
        library = prepare_library(data_dir, settings.seeds_dir)
    except RetrievalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if settings.telegram_token and not args.console:
        print("The Telegram front end is not part of this version yet (it is the next issue). "
              "Unset TELEGRAM_BOT_TOKEN, or pass --console, to chat in the terminal.", file=sys.stderr)
        return 2
    # Undecodable bytes from a terminal become U+FFFD, which the text cleaner drops.
    stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
    try:
        run_console(library, stdin=stdin)
    except KeyboardInterrupt:
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
