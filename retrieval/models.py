"""Records that flow through retrieval: articles in, hits and cited answers out. No I/O here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

FEED_PREFIX = "feed-"


def feed_article_id(feed_url: str, key: str) -> str:
    """The id of a feed entry's article: ``feed-<feed>-<entry>``, hashes of the feed's URL and
    of the entry's GUID (or link), so no feed can name another feed's article."""
    feed = hashlib.sha1(feed_url.encode("utf-8")).hexdigest()[:8]
    return f"{FEED_PREFIX}{feed}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:16]}"


def id_origin(article_id: str) -> str:
    """Where an article came from, as its id tells: one feed (``feed-1a2b3c4d``), a feed before
    ids named theirs (``feed``), or files and the command line (``""``)."""
    if not article_id.startswith(FEED_PREFIX):
        return ""
    feed, dash, _ = article_id[len(FEED_PREFIX):].partition("-")
    return f"{FEED_PREFIX}{feed}" if dash else "feed"


def may_replace(new_id: str, old_id: str) -> bool:
    """Whether an article may replace a stored one found under the same link: only from the same
    origin (a feed's entry never replaces another feed's article nor a file's; an entry stored
    before ids named their feed may be replaced by any feed)."""
    new, old = id_origin(new_id), id_origin(old_id)
    return new == old or (old == "feed" and new.startswith(FEED_PREFIX))


@dataclass(frozen=True)
class Article:
    """One news article as parsed from a file, a JSON record or a feed entry.

    ``paragraphs`` is the body only; image captions are kept apart in ``captions``.
    ``published`` is timezone-aware when known.
    """

    id: str
    title: str
    paragraphs: tuple[str, ...]
    url: str | None = None
    published: datetime | None = None
    source: str | None = None
    author: str | None = None
    category: str | None = None
    summary: str | None = None
    captions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def display_title(self) -> str:
        """The title, or the first sentence of the body when the title is empty."""
        if self.title:
            return self.title
        from .text import split_sentences

        first = self.paragraphs[0] if self.paragraphs else ""
        return (split_sentences(first) or [""])[0]

    def lead(self, limit: int) -> str:
        """The summary, or the first paragraph, cut at a word to about ``limit`` characters."""
        from .text import shorten

        return shorten(self.summary or (self.paragraphs[0] if self.paragraphs else ""), limit)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a stored article, with its pyvi words and evidence (both computed once, at ingest)."""

    paragraph: int  # 1-based paragraph number
    position: int  # 0-based sentence number within the paragraph
    text: str
    words: tuple[str, ...]
    evidence: str = ""  # where it says a time, a quantity, a person … (retrieval/evidence.py)

    def __reduce__(self) -> tuple[object, tuple[int, int, str, str | None, str]]:
        # Ingest workers send every sentence back to the parent: the words as one string
        # unpickle 1.7× faster than a tuple of them (no word holds a control character).
        joined = "\x1f".join(self.words) if self.words else None
        return _sentence, (self.paragraph, self.position, self.text, joined, self.evidence)


def _sentence(paragraph: int, position: int, text: str, words: str | None, evidence: str) -> Sentence:
    return Sentence(paragraph, position, text, tuple(words.split("\x1f")) if words is not None else (), evidence)


@dataclass(frozen=True)
class Passage:
    """A window of sentences inside one paragraph: the unit the index scores."""

    article: int  # the article's store key
    paragraph: int
    first: int  # first sentence position (inclusive)
    last: int  # last sentence position (inclusive)


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
    paragraph: int  # the store's paragraph number: the body's, then the captions'
    captions_from: int = 0  # the first paragraph number that is a photo caption (0: none is)

    def where(self) -> tuple[str, int]:
        """("paragraph", n) for the body's n-th paragraph, ("caption", n) for its n-th photo caption."""
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
