"""Time as Hỏi Tin stores and shows it: UTC inside, Vietnam time and dd/mm/yyyy for readers.

Both renderers (``bot/formatting.py`` for Telegram, ``retrieval/plain.py`` for terminals) and
every table that stamps a row take their dates from here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_stamp() -> str:
    """Now, as the ISO text the databases store: ``2026-12-01T22:35:13+00:00``."""
    return utc_now().isoformat(timespec="seconds")


def date_text(value: datetime | None) -> str | None:
    """A date as Vietnamese readers write it, in Vietnam time: dd/mm/yyyy."""
    if value is None:
        return None
    return (value.astimezone(VIETNAM) if value.tzinfo else value).strftime("%d/%m/%Y")
