"""Everything HTML about output: messages, the 4096-character split, link previews, inline
results. The buttons under them and their callback data are :mod:`bot.buttons`.

Article text and user input are untrusted: every piece goes through :func:`escape` before it
meets a tag (:func:`html_text` escapes the values it puts into a string of :mod:`bot.texts`).
Handlers and loops never build HTML or callback data themselves.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from html import escape as _escape

from telegram import InlineQueryResultArticle, InputTextMessageContent, LinkPreviewOptions
from telegram.constants import ParseMode

from retrieval.answer import Answer, Citation, Excerpt, SearchPage, SearchResult, Snippet, Trend, fact_text
from retrieval.articles import Article
from retrieval.text import date_text, shorten

from .buttons import web_url
from .chats import ChatState
from .feedstore import FeedState
from .outbox import Alert
from .service import BotStats
from .subscriptions import Subscription, SubscriptionRefused
from .texts import text

MESSAGE_LIMIT = 4096  # Telegram's cap on a message's text, in UTF-16 code units


def escape(value: str) -> str:
    return _escape(value, quote=True)


def html_text(key: str, lang: str, **values: object) -> str:
    """A string of :mod:`bot.texts` with ``values`` filled in, the text ones escaped."""
    return text(key, lang, **{k: escape(v) if isinstance(v, str) else v for k, v in values.items()})


def _link(title: str, url: str | None) -> str:
    """The title as a link when the URL is one Telegram accepts, else in bold."""
    if web_url(url):
        return f'<a href="{escape(url)}">{escape(title)}</a>'
    return f"<b>{escape(title)}</b>"


def _source_line(c: Citation | Article, lang: str) -> str:
    title = c.title if isinstance(c, Citation) else c.display_title
    parts = [_link(title or "…", c.url), date_text(c.published) or text("no_date", lang)]
    if c.source:
        parts.append(escape(c.source))
    return " — ".join(parts)


def html_answer(answer: Answer, lang: str) -> str:
    """Numbered sentences, each with its source number and paragraph, then the sources."""
    if not answer.found:
        return text("not_found", lang)
    lines = [html_text("read_as", lang, question=answer.read_as)] if answer.read_as else []
    if answer.widened:
        lines.append(html_text("widened", lang, when=answer.when))
    if answer.fact is not None:
        key, values = fact_text(answer.fact)
        lines.append(html_text(key, lang, **values))
    if answer.as_of is not None:
        lines.append(html_text("as_of", lang, date=date_text(answer.as_of)))
    lines += [
        f"<b>[{number}]</b> {escape(s.text)} <i>({_where(s.citation, lang)})</i>"
        for number, s in answer.numbered()
    ]
    lines.append("")
    lines.append(f"<b>{text('sources', lang)}:</b>")
    lines.extend(f"[{i}] {_source_line(c, lang)}" for i, c in enumerate(answer.sources(), start=1))
    return "\n".join(lines)


def html_snippet(snippet: Snippet) -> str:
    """The snippet with the query's words in bold."""
    return "".join(f"<b>{escape(piece)}</b>" if hit else escape(piece) for piece, hit in snippet.pieces())


def html_search(page: SearchPage, lang: str) -> str:
    if not page.results:
        return text("search_none", lang, query=escape(page.query))
    lines = [text("search_header", lang, query=escape(page.query), page=page.page, pages=page.pages, total=page.total,
                  order=text("by_newest_header" if page.newest else "by_relevance_header", lang))]
    for number, r in enumerate(page.results, start=(page.page - 1) * page.per_page + 1):
        lines.append("")
        lines.append(f"<b>{number}.</b> {_source_line(r.citation, lang)}")
        lines.append(html_snippet(r.snippet))
    return "\n".join(lines)


EXCERPT_LIMIT = 3000  # characters of a paragraph shown in place of a search page (one message)


def html_excerpt(excerpt: Excerpt, lang: str) -> str:
    c = excerpt.citation
    body = shorten(excerpt.text, EXCERPT_LIMIT)
    return f"{_source_line(c, lang)}\n<i>({_where(c, lang)})</i>\n\n{escape(body)}"


def _where(citation: Citation, lang: str) -> str:
    """Where in the article: "đoạn 3", "chú thích ảnh 1"."""
    part, number = citation.where()
    return text(part, lang, number=number)


def html_latest(articles: list[Article], lang: str) -> str:
    if not articles:
        return text("latest_none", lang)
    lines = [f"<b>{text('latest_header', lang)}</b>"]
    lines.extend(f"{i}. {_source_line(a, lang)}" for i, a in enumerate(articles, start=1))
    return "\n".join(lines)


def html_subscriptions(subscriptions: list[Subscription], lang: str) -> str:
    if not subscriptions:
        return text("subs_none", lang)
    lines = [text("subs_header", lang)]
    lines.extend(f"{i}. {escape(s.query.text)}" + (f" <i>({text('sub_paused', lang)})</i>" if s.paused else "")
                 for i, s in enumerate(subscriptions, start=1))
    return "\n".join(lines)


def html_welcome(examples: list[str], lang: str) -> str:
    listed = "\n".join(f"• <i>{escape(q)}</i>" for q in examples)
    return text("welcome", lang, examples=listed)


def html_stats(s: BotStats, lang: str) -> str:
    """/stats: the library, subscriptions, alerts, then one line per feed."""
    lines = [
        text("stats", lang, articles=s.articles, passages=s.passages, terms=s.terms if s.terms is not None else "—",
             index_mb=f"{s.index_bytes / 1e6:.1f}", subscriptions=s.subscriptions),
        text("stats_alerts", lang, pending=s.pending_alerts, last_hour=s.sent_last_hour,
             unreachable=s.unreachable_chats),
        text("stats_ratings", lang, up=s.ratings.up, down=s.ratings.down, rated=s.ratings.answers_rated),
    ]
    never = text("never", lang)
    lines.extend(html_text("stats_feed", lang, url=f.url, success=f.last_success or never, error=f.last_error or "—")
                 for f in s.feeds)
    return "\n".join(lines)


def html_feeds(feeds: list[FeedState], lang: str) -> str:
    """/feeds: every feed with its last success and last error, numbered for /delfeed."""
    if not feeds:
        return text("feeds_none", lang)
    never = text("never", lang)
    lines = [text("feeds_header", lang)]
    lines.extend(html_text("feed_line", lang, number=i, url=f.url, success=f.last_success or never,
                           error=f.last_error or "—") for i, f in enumerate(feeds, start=1))
    return "\n".join(lines)


def html_opml_import(outcomes: list[tuple[str, str, str]], lang: str, shown: int = 30) -> str:
    """What an OPML import did: how many feeds were added, then each one skipped and why."""
    added = sum(outcome == "ok" for _, outcome, _ in outcomes)
    skipped = [(url, outcome, why) for url, outcome, why in outcomes if outcome != "ok"]
    lines = [text("opml_summary", lang, added=added, skipped=len(skipped))]
    lines.extend(html_text(f"opml_skip_{outcome}", lang, url=url[:200], reason=why) for url, outcome, why in skipped[:shown])
    if len(skipped) > shown:
        lines.append(text("opml_more", lang, count=len(skipped) - shown))
    return "\n".join(lines)


def html_trend(trend: Trend, lang: str) -> str:
    """The chart's caption (its total and period), or the reply when nothing matched."""
    return html_text("trend_caption" if trend.total else "trend_none", lang, query=shorten(trend.query, 200),
                     total=trend.total, first=trend.first.strftime("%d/%m/%Y"), last=trend.last.strftime("%d/%m/%Y"))


def html_quiet_usage(state: ChatState, lang: str) -> str:
    """How to set quiet hours, and what is set now."""
    current = f"{state.quiet[0]}-{state.quiet[1]}" if state.quiet else text("quiet_none", lang)
    return text("quiet_usage", lang, current=current)


def html_refusal(refused: SubscriptionRefused, lang: str) -> str:
    """Why a subscription change was refused, in the reader's language."""
    return html_text(refused.reason.value, lang, **refused.details)


def html_digest(alerts: list[Alert], lang: str) -> str:
    """One alert message: the new articles for a chat, each with the keywords it matched."""
    if len(alerts) == 1:
        a = alerts[0]
        head = text("alert_one", lang, keywords=escape(a.keywords))
        return f"{head}\n{_source_line(_alert_citation(a), lang)}\n{escape(a.lead)}"
    lines = [text("alert_many", lang, count=len(alerts))]
    for number, a in enumerate(alerts, start=1):
        lines.append(f"{number}. {_source_line(_alert_citation(a), lang)} <i>({escape(a.keywords)})</i>")
    return "\n".join(lines)


def _alert_citation(a: Alert) -> Citation:
    return Citation("", a.title, a.published, a.source, a.url, 1)


# --- link previews -----------------------------------------------------------------------

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def preview(urls: list[str | None]) -> LinkPreviewOptions:
    """The preview of the first URL Telegram accepts, small; none when there is no such URL."""
    url = next((u for u in urls if web_url(u)), None)
    # is_disabled said outright: python-telegram-bot fills the fields left unset from the
    # application's defaults, which disable previews.
    return NO_PREVIEW if url is None else LinkPreviewOptions(is_disabled=False, url=url, prefer_small_media=True)


def answer_preview(answer: Answer) -> LinkPreviewOptions:
    """An answer previews its first cited article."""
    return preview([c.url for c in answer.sources()])


def digest_preview(alerts: list[Alert]) -> LinkPreviewOptions:
    return preview([a.url for a in alerts])


# --- reading an article in the chat ----------------------------------------------------------

PAGE_LIMIT = MESSAGE_LIMIT - 96  # room left for the page line under each page
QUOTE_OVER = 600  # characters: a longer paragraph is shown as an expandable quote


def article_pages(article: Article, lang: str) -> list[str]:
    """The article as HTML pages of at most :data:`MESSAGE_LIMIT` units, each ending in its page
    line: title, date and source on the first, paragraphs packed in order, long ones as
    expandable quotes, one longer than a page cut between words (tags closed and reopened)."""
    blocks = [_source_line(article, lang)]
    for paragraph in article.paragraphs:
        body = escape(paragraph)
        blocks.append(f"<blockquote expandable>{body}</blockquote>" if len(paragraph) > QUOTE_OVER else body)
    pages: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_html(block, PAGE_LIMIT):
            candidate = f"{current}\n\n{piece}" if current else piece
            if _units(candidate) <= PAGE_LIMIT:
                current = candidate
            else:
                pages.append(current)
                current = piece
    pages.append(current)
    return [f"{page}\n\n<i>{text('page_of', lang, page=n, pages=len(pages))}</i>"
            for n, page in enumerate(pages, start=1)]


# --- splitting ---------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"<[^>]*>|&[#\w]+;|\s+|[^<&\s]+|[<&]")
_TAG_RE = re.compile(r"<(/?)([a-zA-Z]+)[^>]*>")


def _units(s: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


def split_html(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut a message into parts of at most ``limit`` units, each valid HTML on its own.

    Cuts fall between lines when possible, else between words, else anywhere but inside a
    tag or an entity; tags open at a cut are closed before it and reopened after it.
    """
    if _units(html) <= limit:
        return [html]
    parts: list[str] = []
    current = ""
    for line in html.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if _units(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        if _units(line) <= limit:
            current = line
        else:
            pieces = _split_line(line, limit)
            parts.extend(pieces[:-1])
            current = pieces[-1]
    if current:
        parts.append(current)
    return parts


def _split_line(line: str, limit: int) -> list[str]:
    """One over-long line cut between tokens, keeping the tags balanced in every piece."""
    pieces: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, opening tag as written)
    current = ""

    def closing() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(open_tags))

    tokens: list[str] = []
    for token in _TOKEN_RE.findall(line):
        if _units(token) > limit // 2 and not token.startswith(("<", "&")):
            tokens.extend(token)  # a "word" as long as a message: cut anywhere
        else:
            tokens.append(token)
    for token in tokens:
        if _units(current + token + closing()) > limit and current.strip():
            pieces.append(current.rstrip() + closing())
            current = "".join(tag for _, tag in open_tags)
            if token.isspace():
                continue
        current += token
        tag = _TAG_RE.fullmatch(token)
        if tag:
            closing_tag, name = tag.group(1), tag.group(2).lower()
            if closing_tag:
                if open_tags and open_tags[-1][0] == name:
                    open_tags.pop()
            else:
                open_tags.append((name, token))
    if current.strip():
        pieces.append(current)
    return pieces


# --- inline mode --------------------------------------------------------------------------


@dataclass(frozen=True)
class InlineArticle:
    """One result offered in inline mode, before it becomes a Telegram object."""

    id: str
    title: str
    description: str
    message: str
    url: str | None


INLINE_LEAD_CHARS = 300  # characters of a recent article's lead shown in inline mode
INLINE_ID_BYTES = 64  # Telegram's cap on an inline result id


def inline_result_id(article_id: str) -> str:
    """An inline result id (≤ 64 bytes) for an article id of any length."""
    if len(article_id.encode()) <= INLINE_ID_BYTES:
        return article_id
    return hashlib.blake2s(article_id.encode(), digest_size=16).hexdigest()


def inline_results(articles: list[InlineArticle]) -> list[InlineQueryResultArticle]:
    return [
        InlineQueryResultArticle(
            id=a.id, title=a.title, description=a.description, url=a.url,
            input_message_content=InputTextMessageContent(a.message, parse_mode=ParseMode.HTML),
        )
        for a in articles
    ]


def inline_article(result: SearchResult, result_id: str, lang: str) -> InlineArticle:
    """A search result to share: its title, date and snippet."""
    return _inline(result.citation, result.snippet, result_id, lang)


def inline_latest(article: Article, result_id: str, lang: str) -> InlineArticle:
    """A recent article to share when the inline query is still empty: its lead as the snippet."""
    lead = article.lead(INLINE_LEAD_CHARS)
    citation = Citation(article.id, article.display_title, article.published, article.source, article.url, 1)
    return _inline(citation, Snippet(lead), result_id, lang)


def _inline(c: Citation, snippet: Snippet, result_id: str, lang: str) -> InlineArticle:
    date = date_text(c.published) or text("no_date", lang)
    message = f"{_source_line(c, lang)}\n\n{html_snippet(snippet)}"
    url = c.url if web_url(c.url) else None
    return InlineArticle(result_id, c.title or "…", f"{date} — {snippet.text}"[:200], message, url)
