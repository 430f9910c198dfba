"""Telegram handlers: read the update, call the service once, format, reply.

Each public method is registered by :func:`bot.app.build_application`. Sending goes through
:meth:`Handlers.reply`, which splits long messages and retries a send that failed on the
network (not one Telegram refused: those go to :meth:`Handlers.on_error`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from retrieval.errors import EmptyQuery

from . import formatting as fmt
from .chats import parse_quiet
from .config import Settings
from .service import MAX_MESSAGE, Service, inline_result_id
from .subscriptions import Subscription, SubscriptionRefused
from .texts import language, text

log = logging.getLogger(__name__)

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
SEND_ATTEMPTS = 3


async def with_retries(send: Callable[[], Awaitable[T]], attempts: int = SEND_ATTEMPTS) -> T:
    """Run a Bot API call, retrying network failures with backoff.

    Refusals (``BadRequest``, ``Forbidden``) and timeouts are not retried: the first would fail
    again, and a timed-out send may have arrived. ``RetryAfter`` is the rate limiter's job.
    """
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except (BadRequest, TimedOut):
            raise
        except NetworkError as exc:
            if attempt == attempts:
                raise
            log.warning("Bot API call failed (%s); retry %d of %d", exc, attempt, attempts - 1)
            await asyncio.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def _lang(update: Update) -> str:
    user = update.effective_user
    return language(user.language_code if user else None)


_Part = TypeVar("_Part")


def _present(part: _Part | None, what: str) -> _Part:
    """A part of the update that the handler's filters guarantee; its absence is a routing bug."""
    if part is None:
        raise TypeError(f"an update without {what} reached a handler that needs one")
    return part


def _chat_id(update: Update) -> int:
    return _present(update.effective_chat, "a chat").id


def _message(update: Update) -> Message:
    return _present(update.effective_message, "a message")


class Handlers:
    """The bot's handlers, bound to the service and settings (nothing kept in loose ``bot_data`` keys)."""

    def __init__(self, service: Service, settings: Settings) -> None:
        self.service = service
        self.settings = settings

    async def reply(self, update: Update, html: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        """Send ``html`` to the update's chat in as many messages as it takes; buttons on the last."""
        message = _message(update)
        assert message is not None
        parts = fmt.split_html(html)
        quote = message.chat.type != ChatType.PRIVATE  # in a group, show which message is answered
        for number, part in enumerate(parts, start=1):
            markup = keyboard if number == len(parts) else None
            await with_retries(partial(message.reply_html, part, reply_markup=markup, do_quote=quote and number == 1))

    # --- questions -----------------------------------------------------------------------

    async def answer(self, update: Update, question: str) -> None:
        lang = _lang(update)
        question = question.strip()
        if len(question) > MAX_MESSAGE:
            await self.reply(update, text("too_long", lang, length=len(question), limit=MAX_MESSAGE))
            return
        try:
            answer = await self.service.answer(question)
        except EmptyQuery:
            await self.reply(update, text("empty_question", lang))
            return
        await self.reply(update, fmt.html_answer(answer, lang))

    async def private_text(self, update: Update, context: Context) -> None:
        """Any text in a private chat is a question."""
        await self.answer(update, _message(update).text or "")

    async def group_text(self, update: Update, context: Context) -> None:
        """In groups, a question is a message that mentions the bot or replies to it."""
        message = _message(update)
        question = _addressed_text(message, context.bot.username, context.bot.id)
        if question is not None:
            await self.answer(update, question)

    async def ask(self, update: Update, context: Context) -> None:
        """/ask <question>, the way to ask in a group."""
        question = " ".join(context.args or [])
        if not question.strip():
            await self.reply(update, text("ask_usage", _lang(update)))
            return
        await self.answer(update, question)

    async def not_text(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice…: a hint that only text is read."""
        await self.reply(update, text("not_text", _lang(update)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        command = (_message(update).text or "").split()[0]
        await self.reply(update, text("unknown_command", _lang(update), command=fmt.escape(command[:64])))

    # --- commands ------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        examples = await self.service.examples(3) or ["Ai chủ trì hội nghị?"]
        listed = "\n".join(f"• <i>{fmt.escape(q)}</i>" for q in examples)
        await self.reply(update, text("welcome", lang, examples=listed))

    async def help(self, update: Update, context: Context) -> None:
        await self.reply(update, text("help", _lang(update), username=fmt.escape(context.bot.username or "bot")))

    async def search(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        query = " ".join(context.args or [])
        if not query.strip():
            await self.reply(update, text("search_usage", lang))
        elif len(query) > MAX_MESSAGE:
            await self.reply(update, text("too_long", lang, length=len(query), limit=MAX_MESSAGE))
        else:
            try:
                found = await self.service.search(query)
            except EmptyQuery:
                await self.reply(update, text("search_empty", lang))
                return
            await self.reply(update, fmt.html_search(found.page, lang),
                             fmt.search_keyboard(found.page, found.query_ref, found.article_refs, lang))

    async def latest(self, update: Update, context: Context) -> None:
        await self.reply(update, fmt.html_latest(await self.service.latest(5), _lang(update)))

    async def _refuse_non_admin(self, update: Update) -> bool:
        """True (after saying so) when the sender is not an admin."""
        user = update.effective_user
        if user is not None and user.id in self.settings.admin_ids:
            return False
        await self.reply(update, text("admins_only", _lang(update)))
        return True

    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): the library, subscriptions, alerts and feeds."""
        if await self._refuse_non_admin(update):
            return
        lang = _lang(update)
        s = await self.service.stats()
        lines = [
            text("stats", lang, articles=s.articles, passages=s.passages, terms=s.terms,
                 index_mb=f"{s.index_bytes / 1e6:.1f}", subscriptions=s.subscriptions),
            text("stats_alerts", lang, pending=s.pending_alerts, last_hour=s.sent_last_hour,
                 unreachable=s.unreachable_chats),
        ]
        never = text("never", lang)
        lines.extend(text("stats_feed", lang, url=fmt.escape(f.url), success=fmt.escape(f.last_success or never),
                          error=fmt.escape(f.last_error or "—")) for f in s.feeds)
        await self.reply(update, "\n".join(lines))

    async def pause(self, update: Update, context: Context) -> None:
        await self.service.pause(_chat_id(update))
        await self.reply(update, text("paused", _lang(update)))

    async def resume(self, update: Update, context: Context) -> None:
        await self.service.resume(_chat_id(update))
        await self.reply(update, text("resumed", _lang(update)))

    async def quiet(self, update: Update, context: Context) -> None:
        """/quiet 22-7 (Vietnam time), /quiet off, or /quiet alone to see the current setting."""
        lang = _lang(update)
        chat_id = _chat_id(update)
        try:
            hours = parse_quiet(" ".join(context.args or []))
        except ValueError:  # nothing given, or not hours: show how, and what is set now
            state = await self.service.chat_state(chat_id)
            current = f"{state.quiet[0]}-{state.quiet[1]}" if state.quiet else text("quiet_none", lang)
            await self.reply(update, text("quiet_usage", lang, current=current))
            return
        await self.service.set_quiet(chat_id, hours)
        await self.reply(update, text("quiet_off", lang) if hours is None
                         else text("quiet_set", lang, start=hours[0], end=hours[1]))

    async def feeds(self, update: Update, context: Context) -> None:
        """/feeds (admins): every feed with its last success and last error."""
        if await self._refuse_non_admin(update):
            return
        lang = _lang(update)
        feeds = await self.service.call(self.service.feeds.all)
        if not feeds:
            await self.reply(update, text("feeds_none", lang))
            return
        lines = [text("feeds_header", lang)]
        never = text("never", lang)
        lines.extend(text("feed_line", lang, number=i, url=fmt.escape(f.url), success=fmt.escape(f.last_success or never),
                          error=fmt.escape(f.last_error or "—")) for i, f in enumerate(feeds, start=1))
        await self.reply(update, "\n".join(lines))

    async def add_feed(self, update: Update, context: Context) -> None:
        """/addfeed <url> (admins)."""
        if await self._refuse_non_admin(update):
            return
        lang = _lang(update)
        url = " ".join(context.args or []).strip()
        if not url:
            await self.reply(update, text("addfeed_usage", lang))
        elif not re.fullmatch(r"https?://\S+", url, re.IGNORECASE) or len(url) > 1000:
            await self.reply(update, text("addfeed_bad", lang, url=fmt.escape(url[:200])))
        else:
            added = await self.service.call(self.service.feeds.add, url)
            await self.reply(update, text("addfeed_ok" if added else "addfeed_dup", lang, url=fmt.escape(url)))

    async def remove_feed(self, update: Update, context: Context) -> None:
        """/delfeed <number|url> (admins)."""
        if await self._refuse_non_admin(update):
            return
        lang = _lang(update)
        which = " ".join(context.args or []).strip()
        if not which:
            await self.reply(update, text("delfeed_usage", lang))
            return
        removed = await self.service.call(self.service.feeds.remove, which)
        await self.reply(update, text("delfeed_ok", lang, url=fmt.escape(removed)) if removed
                         else text("delfeed_missing", lang, which=fmt.escape(which[:200])))

    async def subscribe(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        subscribe = partial(self.service.subscribe, lang=lang)  # alerts come in the subscriber's language
        await self._change_subscription(update, context, subscribe, "sub_usage", "sub_ok")

    async def subscriptions(self, update: Update, context: Context) -> None:
        lang = _lang(update)
        subs = await self.service.subscriptions_of(_chat_id(update))
        await self.reply(update, fmt.html_subscriptions(subs, lang), fmt.subscriptions_keyboard(subs, lang))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        await self._change_subscription(update, context, self.service.unsubscribe, "unsub_usage", "unsub_ok")

    async def _change_subscription(
        self, update: Update, context: Context, change: Callable[[int, str], Awaitable[Subscription]],
        usage: str, done: str,
    ) -> None:
        """/subscribe and /unsubscribe: the arguments, the change, its outcome or refusal."""
        lang = _lang(update)
        argument = " ".join(context.args or [])
        if not argument.strip():
            await self.reply(update, text(usage, lang))
            return
        try:
            subscription = await change(_chat_id(update), argument)
        except SubscriptionRefused as refused:
            await self.reply(update, _refusal(refused, lang))
            return
        await self.reply(update, text(done, lang, keywords=fmt.escape(subscription.query.text)))

    # --- buttons and inline mode ---------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        """Every inline button: search pages, opening a result, removing a subscription."""
        query = _present(update.callback_query, "a button press")
        lang = _lang(update)
        try:
            pressed = fmt.decode(query.data)
        except fmt.BadCallback:
            log.info("update %s: unknown callback data %r", update.update_id, query.data)
            await query.answer(text("stale_button", lang), show_alert=True)
            return
        if isinstance(pressed, fmt.PageButton):
            found = await self.service.search_again(pressed.query, pressed.page)
            if found is None:
                await query.answer(text("stale_button", lang), show_alert=True)
                return
            await _edit(query, fmt.html_search(found.page, lang),
                        fmt.search_keyboard(found.page, found.query_ref, found.article_refs, lang))
        elif isinstance(pressed, fmt.OpenButton):
            excerpt = await self.service.excerpt(pressed.article, pressed.paragraph)
            if excerpt is None:
                await query.answer(text("article_gone", lang), show_alert=True)
                return
            await _edit(query, fmt.html_excerpt(excerpt, lang),
                        fmt.excerpt_keyboard(excerpt, pressed.query, pressed.page, lang))
        else:
            chat_id = _chat_id(update)
            removed = await self.service.unsubscribe_id(chat_id, pressed.subscription)
            subs = await self.service.subscriptions_of(chat_id)
            await _edit(query, fmt.html_subscriptions(subs, lang), fmt.subscriptions_keyboard(subs, lang))
            note = text("removed", lang, keywords=removed.query.text) if removed else text("already_removed", lang)
            await query.answer(note)
            return
        await query.answer()

    async def inline(self, update: Update, context: Context) -> None:
        """``@bot query`` in any chat: the best matching articles, ready to share."""
        inline_query = _present(update.inline_query, "an inline query")
        lang = _lang(update)
        words = inline_query.query.strip()[:MAX_MESSAGE]
        results: list[fmt.InlineArticle] = []
        if words:
            try:
                found = await self.service.search(words, 1, 10)
            except EmptyQuery:
                found = None
            if found:
                results = [fmt.inline_article(r, inline_result_id(r.citation.article_id), lang)
                           for r in found.page.results]
        else:
            results = [fmt.inline_latest(a, inline_result_id(a.id), lang) for a in await self.service.latest(10)]
        await inline_query.answer(
            [
                InlineQueryResultArticle(
                    id=r.id, title=r.title, description=r.description, url=r.url,
                    input_message_content=InputTextMessageContent(r.message, parse_mode=ParseMode.HTML),
                )
                for r in results
            ],
            cache_time=60,
        )

    # --- errors --------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log every failure with its update id; tell the user briefly; never show a traceback."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, Forbidden):
            log.warning("update %s: Telegram refused to deliver (%s): the user blocked the bot or left; "
                        "not retried", update_id, error)
            return
        log.error("update %s failed: %s", update_id, error, exc_info=error)
        if not isinstance(update, Update):
            return
        lang = _lang(update)
        try:
            if update.callback_query:
                await update.callback_query.answer(text("error", lang), show_alert=True)
            elif update.effective_message and update.effective_chat:
                await update.effective_message.reply_html(text("error", lang))
        except TelegramError as exc:
            log.warning("update %s: could not tell the user about the failure either (%s)", update_id, exc)


def _addressed_text(message: Message, username: str | None, bot_id: int) -> str | None:
    """The question of a group message addressed to the bot (mention stripped), else None."""
    body = message.text or ""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return body
    if username:
        mention = "@" + username.lower()
        if any(v.lower() == mention for v in message.parse_entities([MessageEntity.MENTION]).values()):
            return re.sub(re.escape(mention), " ", body, flags=re.IGNORECASE).strip()
    return None


def _refusal(refused: SubscriptionRefused, lang: str) -> str:
    details = {k: fmt.escape(v) if isinstance(v, str) else v for k, v in refused.details.items()}
    return text(refused.reason.value, lang, **details)


async def _edit(query: CallbackQuery, html: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the message a button sits on; pressing the same button twice is not an error."""
    try:
        await query.edit_message_text(html, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
