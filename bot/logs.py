"""Logging set-up for the bot process: one format, and the token never written out."""

from __future__ import annotations

import logging
import sys

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


def setup_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (with the token) at INFO; only its warnings are news.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
