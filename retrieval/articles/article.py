"""An article and the pieces it is cut into: its sentences and passages. No I/O here."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ..text import shorten, split_sentences

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
        first = self.paragraphs[0] if self.paragraphs else ""
        return (split_sentences(first) or [""])[0]

    def lead(self, limit: int) -> str:
        """The summary, or the first paragraph, cut at a word to about ``limit`` characters."""
        return shorten(self.summary or (self.paragraphs[0] if self.paragraphs else ""), limit)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a stored article, with its pyvi words and evidence (both computed once, at ingest)."""

    paragraph: int  # 1-based paragraph number
    position: int  # 0-based sentence number within the paragraph
    text: str
    words: tuple[str, ...]
    evidence: str = ""  # where it says a time, a quantity, a person … (retrieval/articles/evidence.py)

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

