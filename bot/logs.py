"""Logging set-up for the bot process: one format, and the token never written out."""

from __future__ import annotations

import logging
import sys

from telegram.error import TelegramError

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    """Replaces secrets wherever they appear in a formatted record, tracebacks included.

    The token is part of every Bot API URL, and HTTP libraries put URLs in their messages
    and exceptions; redacting the finished text catches all of them.
    """

    def __init__(self, secrets: list[str], fmt: str = FORMAT) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        out = super().format(record)
        for secret in self._secrets:
            out = out.replace(secret, "<TELEGRAM_BOT_TOKEN>")
        return out


class TelegramErrorsInOneLine(logging.Filter):
    """python-telegram-bot logs a Telegram or network error with its whole traceback (50 lines
    for a wrong token, 100 a retry while the Bot API is unreachable). Those are conditions, not
    bugs: the record keeps its message and the error's own line, and drops the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], TelegramError):
            record.msg = f"{record.getMessage()} ({type(record.exc_info[1]).__name__}: {record.exc_info[1]})"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    handler.addFilter(TelegramErrorsInOneLine())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO, the job scheduler every run of
    # every job (2.4 lines a second): only their warnings are news.
    for noisy in ("httpx", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
