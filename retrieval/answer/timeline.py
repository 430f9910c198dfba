"""Publication time in answers and trends: newer-first preferences, time filters' boost, counts
over time. The dates themselves are read by :class:`~retrieval.store.PublicationDates`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from ..store import PublicationDates
from ..text import VIETNAM, TimeFrame
from .candidates import Candidate

# With "mới nhất" (or a question about now), candidates within this fraction of the best score,
# or of its coverage of the question, count as good answers and are ordered newest first;
# without any time, a newer article wins ties by this much.
GOOD_ANSWER = 0.8
TIE_BREAK = 1e-6


def prefer_in_time(candidates: Iterable[Candidate], dates: PublicationDates, frame: TimeFrame | None) -> None:
    """Adjust candidate scores for publication time, in place.

    Among the good answers (within :data:`GOOD_ANSWER` of the best), "mới nhất" / "gần đây"
    puts each newer article's sentences before every older one's, and a calendar date
    ("năm 2023") puts the articles dated then before the undated ones it also keeps. With no
    time asked, a newer article only wins a tie (by :data:`TIE_BREAK`, scaled by how new it is).
    """
    scored = [c for c in candidates if c.features is not None]
    if not scored or not dates.keys.size:
        return
    moments = dates.of(np.array([c.key for c in scored], dtype=np.int64))
    dated = ~np.isnan(moments)
    if not dated.any():
        return
    if frame is None or not (frame.newest or frame.is_range):
        low, high = float(np.nanmin(moments)), float(np.nanmax(moments))
        for c, moment, has in zip(scored, moments, dated):
            if has and high > low:
                c.score += TIE_BREAK * (moment - low) / (high - low)
        return
    first = max(scored, key=lambda c: c.score)
    best = first.score
    floor = best - (1 - GOOD_ANSWER) * abs(best)
    step = (best - floor) + 1.0
    # A good answer scores near the best, or covers nearly as much of the question (the same
    # fraction) and is likelier right than wrong: a newer article stating the same role in other
    # words scores far lower only because the older one's passage repeats the question's words.
    covers = GOOD_ANSWER * first.coverage
    good = [(c, float(m)) for c, m, has in zip(scored, moments, dated)
            if has and (c.score >= floor or (frame.newest and c.coverage >= covers and c.score > 0))]
    if frame.newest:
        # Oldest first: rank r lifts by r + 1 steps, each wider than the good answers' spread,
        # so the newest article's good answers come first, in their own order.
        order = sorted({m for _, m in good})
        wide = best - min((c.score for c, _ in good), default=best) + 1.0
        for c, m in good:
            c.score += wide * (order.index(m) + 1)
        return
    reported = frame.reported()
    for c, m in good:
        if reported.holds(datetime.fromtimestamp(m, VIETNAM)):
            c.score += step


TREND_DAYS = 90  # the period a trend shows when the query names none
TREND_WEEKS_OVER = 92  # days: a longer period is counted by week
TREND_MAX_DAYS = 10 * 366  # the longest period a trend counts (522 weekly bars): a longer one ends where it
                           # ends and starts this much earlier, and never before the archive's first date


@dataclass(frozen=True)
class Trend:
    """Matching articles over time: ``counts`` by day, or by week (each key a Monday)."""

    query: str
    first: date
    last: date
    counts: dict[date, int]
    weekly: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def by_week(daily: dict[date, int]) -> dict[date, int]:
    """Daily counts summed by week, each under its Monday."""
    weeks: dict[date, int] = {}
    for day, count in daily.items():
        monday = day - timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + count
    return weeks


def daily_counts(moments: Iterable[float], first: date, last: date) -> dict[date, int]:
    """How many of these Unix times fall on each Vietnam day from ``first`` to ``last``."""
    counts = {first + timedelta(days=n): 0 for n in range((last - first).days + 1)}
    for moment in moments:
        day = datetime.fromtimestamp(moment, VIETNAM).date()
        if day in counts:
            counts[day] += 1
    return counts
