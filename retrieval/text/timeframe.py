"""Time in questions and searches: "hôm qua", "tuần trước", "tháng 3", "năm 2017", "dịp Tết",
"mới nhất" … read in Vietnam time, relative to a given now.

:func:`read_time` finds the first expression (typed with or without diacritics) and returns
the text without it and the :class:`TimeFrame` it names: a range of publication times
(``start`` inclusive, ``end`` exclusive) or a wish for the newest articles. How a frame is
used is the library's business (:mod:`retrieval.library.library`): a range filters, newest re-orders.

Dates that name a past the archive does not cover are not about publication at all ("năm
1945" in a question about history): :meth:`TimeFrame.covers` lets the caller keep those as
ordinary words. Relative expressions ("hôm qua") always mean publication time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from .clock import VIETNAM
from .vietnamese import fold, has_diacritics, is_mixed, normalize

# Lunar New Year's day (mùng 1 Tết), for "dịp Tết", "Tết 2024", "Tết Giáp Thìn".
TET = {
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28), 2018: date(2018, 2, 16),
    2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1),
    2023: date(2023, 1, 22), 2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
}
TET_BEFORE, TET_AFTER = timedelta(days=14), timedelta(days=10)  # "dịp Tết": the fortnight before to the week after
# "ngày 29/7": what happened that day is reported that day or the next.
DATE_REPORTED = timedelta(days=2)
REPORTED_BEFORE, REPORTED_AFTER = timedelta(days=7), timedelta(days=2)
_CAN = ("giáp", "ất", "bính", "đinh", "mậu", "kỷ", "canh", "tân", "nhâm", "quý")
_CHI = ("tý", "sửu", "dần", "mão", "thìn", "tỵ", "ngọ", "mùi", "thân", "dậu", "tuất", "hợi")


@dataclass(frozen=True)
class TimeFrame:
    """When the asked-for articles were published: ``start`` ≤ published < ``end`` (either may
    be open), or just the newest first (``newest``); ``phrase`` as the reader typed it."""

    start: datetime | None = None
    end: datetime | None = None
    newest: bool = False
    phrase: str = ""
    relative: bool = True  # resolved against now ("hôm qua"), not a calendar date ("năm 2017")

    @property
    def is_range(self) -> bool:
        return self.start is not None or self.end is not None

    def reported(self) -> TimeFrame:
        """The frame widened to when its news is published: previews and call-ups up to
        :data:`REPORTED_BEFORE` ahead, reports up to :data:`REPORTED_AFTER` after."""
        return replace(self, start=self.start - REPORTED_BEFORE if self.start else None,
                       end=self.end + REPORTED_AFTER if self.end else None)

    def holds(self, moment: datetime) -> bool:
        return (self.start is None or moment >= self.start) and (self.end is None or moment < self.end)

    def covers(self, first: datetime | None, last: datetime | None) -> bool:
        """Whether this frame is about publication, for an archive published from ``first`` to
        ``last``: relative frames always are; a calendar date only when it meets that span."""
        if self.relative or not self.is_range:
            return True
        if first is None or last is None:
            return False
        return (self.start is None or self.start <= last) and (self.end is None or self.end > first)


def day_start(d: date) -> datetime:
    """Midnight starting ``d``, Vietnam time."""
    return datetime.combine(d, time(), VIETNAM)


def _month(year: int, month: int) -> tuple[datetime, datetime]:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return day_start(date(year, month, 1)), day_start(following)


def _latest(candidates: list[tuple[datetime, datetime]], now: datetime) -> tuple[datetime, datetime]:
    """The last of these ranges to have begun by ``now`` (else the first)."""
    begun = [r for r in candidates if r[0] <= now]
    return begun[-1] if begun else candidates[0]


def _tet(year: int) -> tuple[datetime, datetime]:
    day = day_start(TET[year])
    return day - TET_BEFORE, day + TET_AFTER


def _valid(year: int, month: int, day: int = 1) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# Written with their marks; matched as written on text typed with marks, folded on text typed
# without (so "Thắng trước", a name, is never "tháng trước", last month). A number just before
# a week, month or year ("3 tháng trước", "40000 năm trước") is a duration, not a calendar time.
_AGO = r"(?<!\d )"
_RULES = (
    ("days_ago", r"(\d{1,3}) ngày (?:qua|gần đây|vừa qua|trước)"),
    ("date", r"ngày (\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?"),
    ("date_words", r"ngày (\d{1,2}) tháng (\d{1,2})(?: năm (\d{4}))?"),
    ("month", r"tháng (\d{1,2})(?:(?:[/-]| năm )(\d{4}))?"),
    ("year", r"năm (\d{4})"),
    ("tet", r"(?:dịp )?tết(?! trung thu)(?: nguyên đán)?(?: (\d{4})| (giáp|ất|bính|đinh|mậu|kỷ|canh|tân|nhâm|quý)"
            r" (tý|sửu|dần|mão|thìn|tỵ|ngọ|mùi|thân|dậu|tuất|hợi))?"),
    ("this_morning", r"sáng nay"),
    ("this_afternoon", r"chiều nay"),
    ("tonight", r"tối nay|đêm nay"),
    ("last_night", r"tối qua|đêm qua"),
    ("today", r"hôm nay"),
    ("yesterday", r"hôm qua"),
    ("day_before", r"hôm kia"),
    ("this_week", _AGO + r"tuần này"),
    ("last_week", _AGO + r"tuần (?:trước|qua|vừa qua)"),
    ("this_month", r"(?<!những )tháng này"),
    ("last_month", _AGO + r"tháng (?:trước|qua|vừa qua)"),
    ("this_year", r"năm nay"),
    ("last_year", _AGO + r"năm (?:ngoái|vừa qua)"),
    ("recent", r"mới nhất|gần đây nhất|gần đây|vừa qua|mới đây"),
)

# A question about the present ("hiện nay", "bây giờ", or "Tổng giám đốc VPF là ai?": who holds a
# role now): of the good answers the newest article's comes first, as with "mới nhất". Unlike a
# time, these words stay in the question: answers often say them ("hiện là", "hiện nay").
_NOW_RE = re.compile(r"(?<!\w)(?:hien nay|hien tai|hien gio|bay gio|duong nhiem|duong kim)(?!\w)"
                     r"|(?<!\w)la ai\W*$")


def asks_now(text: str) -> bool:
    """Whether a question asks how things stand now (see ``_NOW_RE``)."""
    return bool(_NOW_RE.search(fold(text.lower()).strip()))


def _compiled(fold_it: bool) -> list[tuple[str, re.Pattern[str]]]:
    return [(name, re.compile(rf"(?<!\w)(?:{fold(rule) if fold_it else rule})(?!\w)")) for name, rule in _RULES]


_MARKED, _FOLDED = _compiled(False), _compiled(True)


def _folded_same_length(text: str) -> str:
    """``text`` lower-cased and without marks, character for character (so spans carry over)."""
    out = []
    for c in text:
        f = fold(c)
        out.append(f if len(f) == 1 else c.lower())
    return "".join(out)


def _frame(name: str, groups: tuple[str | None, ...], now: datetime) -> TimeFrame | None:
    """The frame one matched expression names at ``now`` (Vietnam time); None if it names none.
    Relative ones here ("hôm qua", "tuần trước" …), calendar ones in :func:`_calendar_frame`."""
    today = now.astimezone(VIETNAM).date()
    midnight = day_start(today)
    numbers = [int(g) if g and g.isdigit() else None for g in groups]
    if name == "recent":
        return TimeFrame(newest=True)
    if name == "days_ago":
        assert numbers[0] is not None
        return TimeFrame(midnight - timedelta(days=numbers[0]), midnight + timedelta(days=1))
    simple = {
        "today": (midnight, midnight + timedelta(days=1)),
        "yesterday": (midnight - timedelta(days=1), midnight),
        "day_before": (midnight - timedelta(days=2), midnight - timedelta(days=1)),
        "this_morning": (midnight, midnight + timedelta(hours=12)),
        "this_afternoon": (midnight + timedelta(hours=12), midnight + timedelta(hours=18)),
        "tonight": (midnight + timedelta(hours=18), midnight + timedelta(days=1)),
        "last_night": (midnight - timedelta(hours=6), midnight + timedelta(hours=6)),
    }
    if name in simple:
        start, end = simple[name]
        return TimeFrame(start, end)
    monday = midnight - timedelta(days=today.weekday())
    if name == "this_week":
        return TimeFrame(monday, monday + timedelta(days=7))
    if name == "last_week":
        return TimeFrame(monday - timedelta(days=7), monday)
    if name == "this_month":
        return TimeFrame(*_month(today.year, today.month))
    if name == "last_month":
        return TimeFrame(*_month(today.year - (today.month == 1), (today.month - 2) % 12 + 1))
    if name == "this_year":
        return TimeFrame(day_start(date(today.year, 1, 1)), day_start(date(today.year + 1, 1, 1)))
    if name == "last_year":
        return TimeFrame(day_start(date(today.year - 1, 1, 1)), day_start(date(today.year, 1, 1)))
    return _calendar_frame(name, groups, numbers, now)


def _calendar_frame(name: str, groups: tuple[str | None, ...], numbers: list[int | None], now: datetime
                    ) -> TimeFrame | None:
    """The frame of a calendar expression (a year, a month, a date, Tết); None if it names none.
    Without a year, the latest such period up to ``now``."""
    today = now.astimezone(VIETNAM).date()
    if name == "year":
        year = numbers[0]
        assert year is not None
        return TimeFrame(day_start(date(year, 1, 1)), day_start(date(year + 1, 1, 1)), relative=False) if year >= 1 else None
    if name == "month":
        month, year = numbers[0], numbers[1]
        assert month is not None
        if not 1 <= month <= 12:
            return None
        if year is not None:
            return TimeFrame(*_month(year, month), relative=False)
        return TimeFrame(*_latest([_month(y, month) for y in (today.year - 1, today.year)], now), relative=False)
    if name in ("date", "date_words"):
        day, month, year = numbers
        assert day is not None and month is not None
        if year is not None:
            if not _valid(year, month, day):
                return None
            start = day_start(date(year, month, day))
            return TimeFrame(start, start + DATE_REPORTED, relative=False)
        years = [y for y in (today.year - 1, today.year) if _valid(y, month, day)]
        if not years:
            return None
        days = [(day_start(date(y, month, day)), day_start(date(y, month, day)) + DATE_REPORTED) for y in years]
        return TimeFrame(*_latest(days, now), relative=False)
    if name == "tet":
        year, can, chi = numbers[0], groups[1], groups[2]
        if year is not None:
            return TimeFrame(*_tet(year), relative=False) if year in TET else None
        if can is not None or chi is not None:
            named = [y for y in TET if fold(_CAN[(y - 4) % 10]) == fold(can or "")
                     and fold(_CHI[(y - 4) % 12]) == fold(chi or "")]
            return TimeFrame(*_tet(named[0]), relative=False) if named else None
        return TimeFrame(*_latest([_tet(y) for y in sorted(TET)], now))
    raise AssertionError(f"no rule for {name}")


def read_time(text: str, now: datetime) -> tuple[str, TimeFrame | None]:
    """The text without its first time expression, and the frame that expression names.

    The earliest expression in the text wins (ties: the order of the patterns, longest
    first). Text with no expression comes back unchanged, with None.
    """
    text = normalize(text)
    marked = has_diacritics(text) and not is_mixed(text)
    seen = text.lower() if marked else _folded_same_length(text)
    found: list[tuple[int, int, str, re.Match[str]]] = []
    for order, (name, pattern) in enumerate(_MARKED if marked else _FOLDED):
        for match in pattern.finditer(seen):
            found.append((match.start(), order, name, match))
    for _, _, name, match in sorted(found, key=lambda f: (f[0], f[1])):
        frame = _frame(name, match.groups(), now)
        if frame is None:
            continue
        start, end = match.span()
        phrase = text[start:end]
        rest = " ".join(f"{text[:start]} {text[end:]}".split())
        return rest, TimeFrame(frame.start, frame.end, frame.newest, phrase, frame.relative)
    return text, None
