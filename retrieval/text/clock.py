"""Time as Hỏi Tin stores and shows it: UTC inside, Vietnam time and dd/mm/yyyy for readers.

Both renderers (``bot/formatting.py`` for Telegram, ``retrieval/answer/plain.py`` for terminals) and
every table that stamps a row take their dates from here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FUTURE_SLACK = timedelta(days=2)  # how far ahead of now a publication date may be (time zones, embargoes)


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_stamp() -> str:
    """Now, as the ISO text the databases store: ``2026-12-01T22:35:13+00:00``."""
    return utc_now().isoformat(timespec="seconds")


def believable(published: datetime | None) -> datetime | None:
    """A publication date as it came, or None when it lies more than :data:`FUTURE_SLACK` ahead:
    a wrong date would pin its article to the top of /latest. Every source of articles (files,
    feeds) passes its dates through here."""
    if published is not None and published > utc_now() + FUTURE_SLACK:
        return None
    return published


def date_text(value: datetime | None) -> str | None:
    """A date as Vietnamese readers write it, in Vietnam time: dd/mm/yyyy."""
    if value is None:
        return None
    return (value.astimezone(VIETNAM) if value.tzinfo else value).strftime("%d/%m/%Y")
