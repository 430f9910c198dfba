"""The read side's common ground: articles, excerpts, citations, passages and dates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from ..answer import PERSON_RE, Citation, Excerpt, Hit
from ..archive import Scope
from ..articles import Article
from ..errors import EmptyQuery
from ..store import PublicationDates, body_paragraphs
from ..text import TimeFrame, query_terms, read_time, utc_now
from .folder import LibraryFolder


@dataclass(frozen=True)
class PassageText:
    """A retrieved passage's article id and text, for evaluation."""

    article_id: str
    text: str


class Reading(LibraryFolder):
    """Reading articles and their passages; what answering and searching stand on."""

    @property
    def dates(self) -> PublicationDates:
        """When each dated article was published, read again whenever the store changed."""
        if self._dates is None or self._dates.seq != self.store.seq:
            self._dates = PublicationDates.read(self.store)
        return self._dates

    def article(self, article_id: str) -> Article | None:
        stored = self.store.get_by_id(article_id)
        return stored.article if stored else None

    def latest(self, limit: int = 5) -> list[Article]:
        return [s.article for s in self.store.latest(limit)]

    def excerpt(self, article_id: str, paragraph: int) -> Excerpt | None:
        """A paragraph of an article with its citation; None when either is gone."""
        stored = self.store.get_by_id(article_id)
        if stored is None:
            return None
        sentences = self.store.sentences(stored.key, paragraph)
        if not sentences:
            return None
        return Excerpt(self._citation(stored.key, paragraph), " ".join(s.text for s in sentences))

    def example_questions(self, limit: int = 3, scan: int = 20) -> list[str]:
        """Questions the newest articles can answer: "<person> là ai?" for people they name."""
        out: list[str] = []
        for article in self.latest(scan):
            for paragraph in article.paragraphs[:3]:
                people = (m for m in PERSON_RE.finditer(paragraph) if not _PLACE_BEFORE_RE.search(paragraph, 0, m.start()))
                found = next(people, None)
                if found:
                    question = f"{found.group(0)} là ai?"
                    if question not in out:
                        out.append(question)
                    break
            if len(out) >= limit:
                break
        return out

    def retrieve(self, query: str, k: int) -> list[Hit]:
        """The k best passages for a question or keyword query."""
        terms = query_terms(query)
        if not terms:
            raise EmptyQuery("the query has no word to search for")
        return self._hits(terms, k)

    def _hits(self, terms: list[str] | tuple[str, ...], k: int, scope: Scope | None = None) -> list[Hit]:
        """BM25's k best passages; of passages scored exactly alike, the newer article's first."""
        top = self.archive.top(terms, k, scope)
        if self.dates.keys.size:
            newest_first = self.dates.newest_first(np.array([p.article for p, _ in top], dtype=np.int64))
            top = [top[i] for i in sorted(range(len(top)), key=lambda i: (-top[i][1], newest_first[i], i))]
        return [Hit(p, score, rank) for rank, (p, score) in enumerate(top, start=1)]

    def passage_texts(self, hits: list[Hit]) -> list[PassageText]:
        out = []
        for hit in hits:
            p = hit.passage
            stored = self.store.get(p.article)
            sentences = self.store.sentences(p.article, p.paragraph, p.first, p.last)
            out.append(PassageText(stored.article.id if stored else "", " ".join(s.text for s in sentences)))
        return out

    def time_frame(self, question: str, now: datetime | None = None) -> tuple[str, TimeFrame | None]:
        """The question without its time expression and the frame it names, when that frame is
        about publication in this archive (else the question as it is, and None)."""
        rest, frame = read_time(question, now or utc_now())
        if frame is None or not self.settings.time_aware or not frame.covers(*self.dates.span()):
            return question, None
        return rest, frame

    @staticmethod
    def time_scope(frame: TimeFrame) -> Scope:
        """The passages a time frame keeps: for "hôm qua" (relative) only those of articles
        published then; for a calendar date ("năm 2017", often the time of the event rather
        than of the article) all but those of articles known to be published at another time
        (news of a period comes out a little before it and after it: :meth:`TimeFrame.reported`)."""
        if frame.relative:
            return Scope(published=frame)
        return Scope(published=frame.reported(), undated_too=True)

    def _citation(self, key: int, paragraph: int) -> Citation:
        return self._citations([(key, paragraph)])[0]

    def _citations(self, places: Sequence[tuple[int, int]]) -> list[Citation]:
        """The citation of each (article key, paragraph), each article read from the store once
        (an answer's sentences often share one, and reading an article decodes all its text)."""
        cited: dict[int, Citation] = {}
        for key in dict.fromkeys(key for key, _ in places):
            stored = self.store.get(key)
            assert stored is not None, f"article {key} is indexed but not stored"
            a = stored.article
            captions_from = len(body_paragraphs(a)) + 1 if a.captions else 0
            cited[key] = Citation(a.id, a.display_title, a.published, a.source, a.url, 0, captions_from)
        return [replace(cited[key], paragraph=paragraph) for key, paragraph in places]


_PLACE_BEFORE_RE = re.compile(r"(?:TP\.|[Tt]hành phố|[Tt]ỉnh|[Qq]uận|[Hh]uyện|[Đđ]ường|[Pp]hố)\s*$")
