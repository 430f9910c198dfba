"""Buttons under the bot's messages and the callback data they carry: what each button says
(from :mod:`bot.texts`), and encoding and decoding its data within Telegram's 64 bytes. A press
is decoded before anything trusts it: data that does not parse is :class:`BadCallback`."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TypeGuard

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from retrieval.answer import Excerpt, SearchPage

from .answers import Answered
from .subscriptions import Subscription
from .texts import text

CALLBACK_LIMIT = 64  # bytes of callback data
_URL_RE = re.compile(r"https?://[^\s<>\"]+\Z", re.IGNORECASE)


def web_url(url: str | None) -> TypeGuard[str]:
    """Whether ``url`` is an http(s) address Telegram will take for a link or a button."""
    return bool(url and _URL_RE.match(url))


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
    return [InlineKeyboardButton(text("open_link", lang), url=url)] if web_url(url) else []


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
