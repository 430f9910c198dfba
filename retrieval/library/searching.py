"""Searching and counting: /search pages and /trend counts."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from ..answer import (
    TREND_DAYS,
    TREND_MAX_DAYS,
    TREND_WEEKS_OVER,
    Hit,
    SearchPage,
    SearchQuery,
    SearchResult,
    Trend,
    best_snippet,
    by_week,
    daily_counts,
    parse_search,
    query_marks,
)
from ..archive import Scope
from ..errors import EmptyQuery
from ..text import VIETNAM, TimeFrame, has_diacritics, meant_pairs, query_terms, utc_now
from .reading import Reading

SEARCH_DEPTH = 1000  # passages a search (and a trend, which counts what a search matches) looks at
LISTING_LIMIT = 10_000  # articles a search with no words (a period's, a source's) lists at most
YEAR_AT_END_RE = re.compile(r"(?<=\s)((?:19|20)\d\d)\s*$")  # "/trend bão 2023": a year


class Searching(Reading):
    """Articles matching a search, a page at a time, and how many matched over time."""

    def search(self, query: str, page: int = 1, per_page: int = 5, depth: int = SEARCH_DEPTH, *,
               newest: bool = False, now: datetime | None = None) -> SearchPage:
        """Articles ranked by their best passage (or newest first), a page of them with marked
        snippets. The query may name a period and a source (:mod:`retrieval.answer.searchquery`);
        with those and no words, it lists that period's or source's articles, newest first.
        Raises ``BadSearch`` for an operator that means nothing, ``EmptyQuery`` for nothing at all.
        """
        query = query.strip()
        matched = self._matches(parse_search(query, now or utc_now()), depth)
        places, words = matched.places, matched.words
        newest = newest or matched.newest
        if newest:
            newest_first = self.dates.newest_first(np.array([place[0] for place in places], dtype=np.int64))
            places = [places[i] for i in sorted(range(len(places)), key=lambda i: (newest_first[i], i))]
        pages = max(1, math.ceil(len(places) / per_page))
        page = min(max(page, 1), pages)
        marks = query_marks(words, matched.meant)
        results = []
        for key, paragraph, first, last, score in places[(page - 1) * per_page : page * per_page]:
            sentences = self.store.sentences(key, paragraph, first, last)
            shown = best_snippet([s.text for s in sentences], marks)
            results.append(SearchResult(self._citation(key, paragraph), shown, round(score, 4)))
        return SearchPage(query, page, pages, len(places), tuple(results), per_page, newest)

    def _matches(self, asked: SearchQuery, depth: int) -> _Matched:
        """Every article a search matches (its best passage), within its period and source."""
        frame, words = asked.frame, asked.words
        if frame is not None and not asked.explicit and not frame.covers(*self.dates.span()):
            frame, words = None, asked.typed
        scope: Scope | None = None
        if frame is not None and frame.is_range:
            scope = self.time_scope(frame) if not asked.explicit else Scope(published=frame)
        if asked.source:
            from_source = Scope(keys=frozenset(self.store.keys_from_source(asked.source)))
            scope = from_source if scope is None else scope & from_source
        terms = query_terms(words)
        meant: dict[str, str] = {}
        if terms and not has_diacritics(words):
            terms, meant = meant_pairs(terms, self.archive.idf)
        if terms:
            best: dict[int, Hit] = {}
            for hit in self._hits(terms, depth, scope):
                best.setdefault(hit.passage.article, hit)
            places = [(h.passage.article, h.passage.paragraph, h.passage.first, h.passage.last, h.score)
                      for h in best.values()]
            return _Matched(places, words, frame is not None and frame.newest, frame, meant)
        if scope is not None:
            keys = self.archive.articles_in(scope, LISTING_LIMIT)
            return _Matched([(key, 1, 0, 1 << 30, 0.0) for key in keys], words, True, frame)
        raise EmptyQuery("the query has no word to search for")

    def trend(self, query: str, now: datetime | None = None, days: int = TREND_DAYS) -> Trend:
        """How many articles ``/search query`` matches, per day (per week past
        :data:`TREND_WEEKS_OVER` days), over the period the query names ("bão năm 2023",
        "bão 2023", từ:/đến:) or else the last ``days`` days; only dated articles count."""
        now = now or utc_now()
        query = query.strip()
        asked = parse_search(YEAR_AT_END_RE.sub(r"năm \1", query), now)
        matched = self._matches(asked, SEARCH_DEPTH)
        frame = matched.frame if matched.frame is not None and matched.frame.is_range else None
        today = now.astimezone(VIETNAM).date()
        first = frame.start.astimezone(VIETNAM).date() if frame and frame.start else today - timedelta(days=days - 1)
        last = (frame.end - timedelta(seconds=1)).astimezone(VIETNAM).date() if frame and frame.end else today
        if (last - first).days >= TREND_MAX_DAYS:  # "từ:1/1/1900": from the archive's first date, 10 years at most
            if (oldest := self.dates.span()[0]) is not None:
                first = max(first, min(oldest.date(), last))
            first = max(first, last - timedelta(days=TREND_MAX_DAYS - 1))
        moments = self.dates.of(np.array([p[0] for p in matched.places], dtype=np.int64))
        counts = daily_counts((float(m) for m in moments if not np.isnan(m)), first, min(last, max(first, today)))
        return Trend(query, first, max(counts), by_week(counts) if len(counts) > TREND_WEEKS_OVER else counts,
                     len(counts) > TREND_WEEKS_OVER)


@dataclass(frozen=True)
class _Matched:
    places: list[tuple[int, int, int, int, float]]  # (article key, paragraph, first, last sentence, score), best first
    words: str  # the words matched (marked in snippets)
    newest: bool  # the query asks for newest first
    frame: TimeFrame | None  # the period it kept, if any
    meant: dict[str, str] = field(default_factory=dict)  # folded syllable → the accented one the archive says was meant

