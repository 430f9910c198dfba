"""RSS/Atom documents and article web pages → :class:`Article`. Parsing only; no network here.

An entry's identity is its GUID, else its canonical link; the article id is a hash of that,
so the same entry seen again, or edited, lands on the same stored article. Entries that carry
only a summary are marked ``needs_page``: the caller fetches the link and completes them
with :func:`complete_from_page` (main text extracted by trafilatura).
"""

from __future__ import annotations

import calendar
import html
import logging
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from retrieval.articles import Article, feed_article_id
from retrieval.errors import BadArticle
from retrieval.text import believable, clean

log = logging.getLogger(__name__)

FULL_TEXT_CHARS = 600  # an entry body shorter than this is a teaser: the page is fetched
_TRACKING_PARAMS = re.compile(r"^(utm_|fbclid$|gclid$|zarsrc$|zalo_|ref$|source$)", re.IGNORECASE)
_BLOCK_RE = re.compile(r"<\s*(?:/p|br\s*/?|/div|/li|/h\d|/blockquote)\s*>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>]+>")


def canonical_url(url: str) -> str:
    """The link without fragment, tracking parameters or default ports; host in lower case."""
    parts = urlsplit(url.strip())
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not _TRACKING_PARAMS.match(k)])
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets, or the URL means another host and port
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:  # "host:99999" or "host:x": no port to read, the link kept as it came
        return url.strip()
    if port and port != default_port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def html_paragraphs(markup: str) -> list[str]:
    """Paragraphs of a small HTML fragment (an entry's summary or content)."""
    text = _BLOCK_RE.sub("\n", markup)
    text = html.unescape(_TAG_RE.sub(" ", text))
    return [p for p in (clean(line) for line in text.split("\n")) if p]


@dataclass(frozen=True)
class FeedEntry:
    article: Article
    needs_page: bool  # only a teaser came with the entry: fetch ``article.url`` for the text


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    skipped: list[BadArticle]
    problem: str | None = None  # the XML was broken; entries are what the lenient parser recovered


def _detail_paragraphs(value: str, detail: dict | None) -> list[str]:
    """Paragraphs of a feed text construct: HTML unless the feed says it is plain text."""
    if detail is not None and detail.get("type") == "text/plain":
        return [p for p in (clean(line) for line in value.split("\n")) if p]
    return html_paragraphs(value)


def _published(entry: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return believable(datetime.fromtimestamp(calendar.timegm(value), tz=UTC))
    return None


def parse_feed(content: bytes, feed_url: str) -> ParsedFeed:
    """The articles of an RSS or Atom document; :class:`BadArticle` when nothing can be read."""
    import feedparser  # a heavy import, needed only where feeds are polled

    parsed = feedparser.parse(content)
    problem = None
    if parsed.bozo and not isinstance(parsed.bozo_exception, (feedparser.CharacterEncodingOverride,
                                                               feedparser.NonXMLContentType)):
        problem = f"malformed XML ({parsed.bozo_exception})"
        if not parsed.entries:
            raise BadArticle(feed_url, problem)
    if not parsed.entries and not parsed.get("version"):
        raise BadArticle(feed_url, "not an RSS or Atom feed")
    source = clean(parsed.feed.get("title", "")) or urlsplit(feed_url).hostname or feed_url
    entries, skipped = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        link = entry.get("link")
        key = entry.get("id") or (canonical_url(link) if link else None)
        title = " ".join(_detail_paragraphs(entry.get("title", ""), entry.get("title_detail")))
        if not key or not title:
            skipped.append(BadArticle(f"{feed_url} entry {number}", "no GUID, link or title"))
            continue
        richest = max(entry.get("content", []), key=lambda c: len(c.get("value", "")), default=None)
        summary = _detail_paragraphs(entry.get("summary", ""), entry.get("summary_detail"))
        body = (_detail_paragraphs(richest.get("value", ""), richest) if richest else []) or summary
        article = Article(
            id=feed_article_id(feed_url, key),
            title=title,
            paragraphs=tuple(body),
            url=canonical_url(link) if link else None,
            published=_published(entry),
            source=source,
            author=clean(entry.get("author", "")) or None,
            summary=" ".join(summary) or None,
            tags=tuple(t["term"] for t in entry.get("tags", []) if t.get("term")),
        )
        needs_page = bool(article.url) and sum(len(p) for p in body) < FULL_TEXT_CHARS
        if not body and not needs_page:
            skipped.append(BadArticle(f"{feed_url} entry {number}", "no text and no link to fetch it from"))
            continue
        entries.append(FeedEntry(article, needs_page))
    return ParsedFeed(source, entries, skipped, problem)


def complete_from_page(article: Article, page: str | bytes) -> Article:
    """The article with its body taken from its web page; unchanged when no main text is found."""
    import trafilatura

    text = trafilatura.extract(page, include_comments=False, include_tables=False, favor_precision=True)
    paragraphs = [p for p in (clean(line) for line in (text or "").split("\n")) if p]
    if paragraphs and paragraphs[0] == article.title:
        paragraphs = paragraphs[1:]
    if sum(len(p) for p in paragraphs) <= sum(len(p) for p in article.paragraphs):
        return article
    return replace(article, paragraphs=tuple(paragraphs))
