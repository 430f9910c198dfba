"""What a ``/search`` query asks besides its words: a period, a source, newest first.

``từ:1/10 đến:15/10`` (or ``tu:``/``den:``, dates as d/m or d/m/yyyy, Vietnam time, both ends
included), ``nguồn:vnexpress`` (``nguon:``: articles whose source or address contains it), and
any time expression a question may carry ("tuần trước", "năm 2024", "mới nhất", see
:mod:`retrieval.text.timeframe`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..errors import RetrievalError
from ..text import TimeFrame, day_start, normalize, read_time

_OPERATOR_RE = re.compile(r"(?<!\S)(từ|tu|đến|den|nguồn|nguon):(\S+)", re.IGNORECASE)
_DATE_RE = re.compile(r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?\Z")
MAX_SOURCE = 100  # characters of a nguồn: value
YEARS = range(1900, 2101)  # a từ:/đến: year outside these is no news date (year 9999 overflowed a period's end)


class BadSearch(RetrievalError):
    """A từ:/đến: value that is no date (``từ:32/13``), or one outside :data:`YEARS`
    (``out_of_range``); ``value`` is what was typed."""

    def __init__(self, value: str, why: str, out_of_range: bool = False) -> None:
        super().__init__(f"“{value}” {why}")
        self.value = value
        self.out_of_range = out_of_range

    @property
    def text_key(self) -> str:
        """The key of the reader's message in ``bot/texts.py`` (which names the same years)."""
        return "search_bad_year" if self.out_of_range else "search_bad"


@dataclass(frozen=True)
class SearchQuery:
    words: str  # what is left to match
    frame: TimeFrame | None = None  # the period asked, or newest first
    source: str | None = None
    explicit: bool = False  # the period was given by từ:/đến:, so it holds whatever the archive covers
    typed: str = ""  # the words with the time expression still in (for when it is not about publication)

    @property
    def newest(self) -> bool:
        return self.frame is not None and self.frame.newest


def _date(value: str, now: datetime) -> date:
    match = _DATE_RE.match(value)
    if not match:
        raise BadSearch(value, "is not a date like 15/10 or 15/10/2024")
    day, month = int(match.group(1)), int(match.group(2))
    year = int(match.group(3)) if match.group(3) else now.year
    if year not in YEARS:
        raise BadSearch(value, f"is not a date between {YEARS[0]} and {YEARS[-1]}", out_of_range=True)
    try:
        return date(year, month, day)
    except ValueError:
        raise BadSearch(value, "is not a date of the calendar") from None


def parse_search(query: str, now: datetime) -> SearchQuery:
    """Split the operators and the time expression off a query (see the module docstring)."""
    query = normalize(query)
    start: date | None = None
    end: date | None = None
    source: str | None = None
    for name, value in _OPERATOR_RE.findall(query):
        kind = name.lower()
        if kind in ("từ", "tu"):
            start = _date(value, now)
        elif kind in ("đến", "den"):
            end = _date(value, now)
        else:
            source = value[:MAX_SOURCE]
    words = " ".join(_OPERATOR_RE.sub(" ", query).split())
    if start is not None or end is not None:
        if start is not None and end is not None and end < start:
            start, end = end, start
        phrase = " ".join(f"{k}:{v}" for k, v in _OPERATOR_RE.findall(query) if k.lower() not in ("nguồn", "nguon"))
        period = TimeFrame(day_start(start) if start else None, day_start(end + timedelta(days=1)) if end else None,
                          phrase=phrase, relative=False)
        return SearchQuery(words, period, source, explicit=True, typed=words)
    rest, frame = read_time(words, now)
    return SearchQuery(rest if frame else words, frame, source, typed=words)
