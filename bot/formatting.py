"""Everything Telegram-shaped about output: HTML, the 4096-character split, buttons, callback
data, inline results.

Article text and user input are untrusted: every piece goes through :func:`escape` before it
meets a tag (:func:`html_text` escapes the values it puts into a string of :mod:`bot.texts`).
Handlers and loops never build HTML or callback data themselves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from html import escape as _escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode

from retrieval.answer import Answer, Citation, Excerpt, SearchPage, SearchResult, Snippet, Trend, fact_text
from retrieval.articles import Article
from retrieval.text import date_text, shorten

from .answers import Answered
from .chats import ChatState
from .feedstore import FeedState
from .outbox import Alert
from .service import BotStats
from .subscriptions import Subscription, SubscriptionRefused
from .texts import text

MESSAGE_LIMIT = 4096  # Telegram's cap on a message's text, in UTF-16 code units
CALLBACK_LIMIT = 64  # bytes of callback data

_URL_RE = re.compile(r"https?://[^\s<>\"]+\Z", re.IGNORECASE)


def escape(value: str) -> str:
    return _escape(value, quote=True)


def html_text(key: str, lang: str, **values: object) -> str:
    """A string of :mod:`bot.texts` with ``values`` filled in, the text ones escaped."""
    return text(key, lang, **{k: escape(v) if isinstance(v, str) else v for k, v in values.items()})


def _link(title: str, url: str | None) -> str:
    """The title as a link when the URL is one Telegram accepts, else in bold."""
    if url and _URL_RE.match(url):
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
    lines = [html_text("widened", lang, when=answer.when)] if answer.widened else []
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
    url = next((u for u in urls if u and _URL_RE.match(u)), None)
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


# --- buttons and callback data ------------------------------------------------------------


class BadCallback(ValueError):
    """Callback data this bot did not make (forged, or from an older version)."""


@dataclass(frozen=True)
class PageButton:
    """Show page ``page`` of the search for query number ``query``, by relevance or (``newest``
    1) newest first."""

    query: int
    page: int
    newest: int = 0


@dataclass(frozen=True)
class OpenButton:
    """Show paragraph ``paragraph`` of article number ``article``; back goes to the search page."""

    article: int
    paragraph: int
    query: int
    page: int
    newest: int = 0


@dataclass(frozen=True)
class RemoveButton:
    """Remove the chat's subscription with row id ``subscription``."""

    subscription: int


@dataclass(frozen=True)
class ReadButton:
    """Show page ``page`` of article number ``article``: in a new message (``turn`` 0, from an
    answer or a search), or in place of the page shown (``turn`` 1, the ‹ › buttons)."""

    article: int
    page: int
    turn: int


@dataclass(frozen=True)
class RateButton:
    """👍 (``good`` 1) or 👎 (0) on the answer with rating number ``answer``."""

    answer: int
    good: int


Button = PageButton | OpenButton | RemoveButton | ReadButton | RateButton
_PREFIXES: dict[type, str] = {PageButton: "p", OpenButton: "o", RemoveButton: "u", ReadButton: "r", RateButton: "f"}
_KINDS = {prefix: kind for kind, prefix in _PREFIXES.items()}


def encode(button: Button) -> str:
    """Compact callback data: a letter, then the fields as decimal numbers."""
    values = [getattr(button, name) for name in button.__dataclass_fields__]
    data = ":".join([_PREFIXES[type(button)], *map(str, values)])
    if len(data.encode()) > CALLBACK_LIMIT:
        raise ValueError(f"callback data {data!r} is over {CALLBACK_LIMIT} bytes")
    return data


def decode(data: str | None) -> Button:
    """The button behind callback data; :class:`BadCallback` for anything else."""
    prefix, _, rest = (data or "").partition(":")
    kind = _KINDS.get(prefix)
    fields = rest.split(":")
    numeric = all(f.isascii() and f.isdigit() and int(f) < 2**63 for f in fields)  # SQLite's integer range
    if kind is None or len(fields) != len(dataclasses.fields(kind)) or not numeric:
        raise BadCallback(f"unknown callback data {data!r}")
    return kind(*map(int, fields))


def _button(label: str, button: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(button))


def _read_row(articles: list[int], first: int) -> list[InlineKeyboardButton]:
    """"📖 n" for each numbered article: its text in the chat."""
    return [_button(f"📖 {first + i}", ReadButton(article, 1, 0)) for i, article in enumerate(articles)]


def search_keyboard(page: SearchPage, query: int, articles: list[int], lang: str) -> InlineKeyboardMarkup | None:
    """A button per result (its number: the matching paragraph) on one row, "📖 n" (the whole
    article) on the next, previous/next under them."""
    if not page.results:
        return None
    first = (page.page - 1) * page.per_page + 1
    order = int(page.newest)
    opens = [
        _button(str(first + i), OpenButton(article, r.citation.paragraph, query, page.page, order))
        for i, (r, article) in enumerate(zip(page.results, articles))
    ]
    moves = []
    if page.page > 1:
        moves.append(_button(text("previous", lang), PageButton(query, page.page - 1, order)))
    if page.page < page.pages:
        moves.append(_button(text("next", lang), PageButton(query, page.page + 1, order)))
    switch = _button(text("by_relevance" if page.newest else "by_newest", lang), PageButton(query, 1, 1 - order))
    return InlineKeyboardMarkup([opens, _read_row(articles, first), [*moves, switch]])


def _link_button(url: str | None, lang: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text("open_link", lang), url=url)] if url and _URL_RE.match(url) else []


def excerpt_keyboard(excerpt: Excerpt, query: int, page: int, newest: int, article: int, lang: str
                     ) -> InlineKeyboardMarkup:
    row = [_button(text("back", lang), PageButton(query, page, newest)),
           _button(text("read", lang), ReadButton(article, 1, 0))]
    return InlineKeyboardMarkup([row + _link_button(excerpt.citation.url, lang)])


def answer_keyboard(answered: Answered, lang: str) -> InlineKeyboardMarkup | None:
    """"📖 n" for each source [n], then 👍 / 👎."""
    if answered.rating_ref is None:
        return None
    rate = [_button("👍", RateButton(answered.rating_ref, 1)), _button("👎", RateButton(answered.rating_ref, 0))]
    return InlineKeyboardMarkup([_read_row(answered.article_refs, 1), rate])


def read_keyboard(article: int, page: int, pages: int, url: str | None, lang: str) -> InlineKeyboardMarkup:
    """‹ and › around the article's pages, and its link."""
    row = []
    if page > 1:
        row.append(_button("‹", ReadButton(article, page - 1, 1)))
    if page < pages:
        row.append(_button("›", ReadButton(article, page + 1, 1)))
    return InlineKeyboardMarkup([row + _link_button(url, lang)])


def subscriptions_keyboard(subscriptions: list[Subscription], lang: str) -> InlineKeyboardMarkup | None:
    if not subscriptions:
        return None
    buttons = [_button(text("remove", lang, number=i), RemoveButton(s.id)) for i, s in enumerate(subscriptions, 1)]
    return InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)])


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
    url = c.url if c.url and _URL_RE.match(c.url) else None
    return InlineArticle(result_id, c.title or "…", f"{date} — {snippet.text}"[:200], message, url)
