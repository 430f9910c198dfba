"""When articles were published, as arrays: time filters, newer-first preferences, trends.

:class:`PublicationDates` reads every dated article's publication time once per state of
the store (the store's change number says when to read again); a time filter is then an
array comparison, not a query over text dates with mixed offsets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

from .answer import Candidate
from .clock import VIETNAM
from .store import Store
from .timeframe import TimeFrame

# With "mới nhất" (or a question about now), candidates within this fraction of the best score,
# or of its coverage of the question, count as good answers and are ordered newest first;
# without any time, a newer article wins ties by this much.
GOOD_ANSWER = 0.8
TIE_BREAK = 1e-6


@dataclass(frozen=True)
class PublicationDates:
    seq: int  # the store's change number when read
    keys: np.ndarray  # int64 article keys, ascending
    moments: np.ndarray  # float64 Unix times, one per key

    @classmethod
    def read(cls, store: Store) -> PublicationDates:
        seq = store.seq
        rows = store.publication_times()
        keys = np.fromiter((k for k, _ in rows), dtype=np.int64, count=len(rows))
        moments = np.fromiter((m.timestamp() for _, m in rows), dtype=np.float64, count=len(rows))
        order = np.argsort(keys)
        return cls(seq, keys[order], moments[order])

    def span(self) -> tuple[datetime | None, datetime | None]:
        """The first and last publication times (None, None for an undated archive)."""
        if not self.moments.size:
            return None, None
        return (datetime.fromtimestamp(float(self.moments.min()), VIETNAM),
                datetime.fromtimestamp(float(self.moments.max()), VIETNAM))

    def keys_in(self, frame: TimeFrame) -> np.ndarray:
        """The keys of the articles published within ``frame`` (undated ones are not)."""
        keep = np.ones(self.keys.size, dtype=bool)
        if frame.start is not None:
            keep &= self.moments >= frame.start.timestamp()
        if frame.end is not None:
            keep &= self.moments < frame.end.timestamp()
        return self.keys[keep]

    def keys_outside(self, frame: TimeFrame) -> np.ndarray:
        """The keys of the articles known to be published outside ``frame``."""
        return np.setdiff1d(self.keys, self.keys_in(frame), assume_unique=True)

    def newest_first(self, keys: np.ndarray) -> np.ndarray:
        """A sort key per article key: newer articles first, undated ones last."""
        return np.nan_to_num(-self.of(keys), nan=np.inf)

    def of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's Unix publication time, NaN when undated."""
        at = np.searchsorted(self.keys, keys)
        at = np.minimum(at, max(self.keys.size - 1, 0))
        found = self.keys[at] == keys if self.keys.size else np.zeros(keys.size, dtype=bool)
        return np.where(found, self.moments[at] if self.keys.size else np.nan, np.nan)


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
