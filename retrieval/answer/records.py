"""What answering gives back: scored passages, cited sentences, answers, search pages. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..articles import Passage


@dataclass(frozen=True)
class Hit:
    """A scored passage."""

    passage: Passage
    score: float
    rank: int


@dataclass(frozen=True)
class Citation:
    """Where a sentence comes from, enough for a reader to find it."""

    article_id: str
    title: str
    published: datetime | None
    source: str | None
    url: str | None
    paragraph: int  # the store's paragraph number: the body's, then the captions' (0: the title)
    captions_from: int = 0  # the first paragraph number that is a photo caption (0: none is)

    def where(self) -> tuple[str, int]:
        """("paragraph", n) for the body's n-th paragraph, ("caption", n) for its n-th photo caption,
        ("title", 0) for the title."""
        if self.paragraph == 0:
            return "title", 0
        if self.captions_from and self.paragraph >= self.captions_from:
            return "caption", self.paragraph - self.captions_from + 1
        return "paragraph", self.paragraph


@dataclass(frozen=True)
class Excerpt:
    """One paragraph of an article, with its citation: what opening a search result shows."""

    citation: Citation
    text: str


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    score: float
    citation: Citation


@dataclass(frozen=True)
class ArticleFact:
    """What a question about an article asked (``kind``: "author", "source" or "published") and
    that article's citation; the value is the citation's (source, published) or ``author``."""

    kind: str
    citation: Citation
    author: str | None = None


@dataclass(frozen=True)
class Answer:
    """The best sentences for a question; empty ``sentences`` is the not-found record (each
    renderer says it in its own words)."""

    question: str
    sentences: tuple[AnswerSentence, ...]
    when: str = ""  # the time the question named ("hôm qua"), as typed, when it kept only those articles
    widened: bool = False  # no article of that time answered: these come from any time
    fact: ArticleFact | None = None  # asked who wrote, which paper ran or when it ran the first cited article
    as_of: datetime | None = None  # asked how things stand now: the first sentence's article's date, newest first
    read_as: str = ""  # typed without marks and answered as read with them ("ai chu tri" → "ai chủ trì"): that reading

    @property
    def found(self) -> bool:
        return bool(self.sentences)

    def sources(self) -> list[Citation]:
        """One citation per cited article, in order of first use: source [n] is item n − 1."""
        return list({s.citation.article_id: s.citation for s in reversed(self.sentences)}.values())[::-1]

    def numbered(self) -> list[tuple[int, AnswerSentence]]:
        """Each sentence with the number of its source in :meth:`sources`."""
        number = {c.article_id: n for n, c in enumerate(self.sources(), start=1)}
        return [(number[s.citation.article_id], s) for s in self.sentences]


@dataclass(frozen=True)
class FollowUp:
    """What a question replying to an earlier answer is asked within: that answer's question
    and the articles it cited."""

    question: str
    articles: tuple[str, ...]


@dataclass(frozen=True)
class Snippet:
    """A short text with the character spans that matched the query."""

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut at the marks: (piece, whether it matched), in order."""
        out, last = [], 0
        for start, end in self.marks:
            out += [(self.text[last:start], False), (self.text[start:end], True)]
            last = end
        out.append((self.text[last:], False))
        return [(piece, marked) for piece, marked in out if piece]


@dataclass(frozen=True)
class SearchResult:
    """An article found by a search: where its best passage is, and a snippet of it."""

    citation: Citation
    snippet: Snippet
    score: float


@dataclass(frozen=True)
class SearchPage:
    """One page of article results; ``page`` is 1-based."""

    query: str
    page: int
    pages: int
    total: int
    results: tuple[SearchResult, ...] = field(default_factory=tuple)
    per_page: int = 5
    newest: bool = False  # ordered newest first rather than by relevance
