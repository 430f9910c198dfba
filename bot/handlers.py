"""Telegram handlers: read the update, call one named method of the service, format, reply.

Each public method is registered by :func:`bot.app.build`. Sending goes through
:meth:`Handlers.reply`, which splits long messages and retries a send that failed on the
network (not one Telegram refused: those go to :meth:`Handlers.on_error`).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial, wraps
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from retrieval.answer import BadSearch
from retrieval.errors import EmptyQuery

from . import formatting as fmt
from .charts import ChartDrawer
from .chats import parse_quiet
from .fairness import PENDING_PER_CHAT, Admission, ChatGate, ReplyPacer, Turns
from .fetcher import OutboundPolicy
from .limits import INLINE_RESULTS, LATEST, MAX_FEED_URL, MAX_QUESTION, SEARCH_PAGE, readable
from .metrics import Metrics, telegram_code
from .opml import MAX_OPML_BYTES, BadOPML, feed_urls, write_opml
from .service import Service
from .subscriptions import Subscription, SubscriptionRefused
from .texts import EN, VI, language, text

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


def _user_lang(update: Update) -> str:
    """The language of the user's Telegram app (Vietnamese unless it says otherwise)."""
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


def _topic(update: Update) -> int:
    """The forum topic the update is in (its ``message_thread_id``), 0 outside topics."""
    message = update.effective_message
    if message is None or not message.is_topic_message or message.message_thread_id is None:
        return 0
    return message.message_thread_id


def _message(update: Update) -> Message:
    return _present(update.effective_message, "a message")


def _argument(context: Context) -> str:
    """What follows the command, white space trimmed ("" when nothing does)."""
    return readable(" ".join(context.args or [])).strip()


Handler = Callable[["Handlers", Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    """The handler for admins (``HOITIN_ADMIN_IDS``); everyone else is told it is not for them."""

    @wraps(handler)
    async def guarded(self: Handlers, update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None or user.id not in self.admin_ids:
            await self.reply(update, text("admins_only", await self.lang(update)))
            return
        await handler(self, update, context)

    return guarded


class Handlers:
    """The bot's handlers, bound to the service (nothing kept in loose ``bot_data`` keys)."""

    def __init__(self, service: Service, admin_ids: frozenset[int], outbound: OutboundPolicy,
                 pacer: ReplyPacer, turns: Turns, charts: ChartDrawer, metrics: Metrics) -> None:
        self.service = service
        self.metrics = metrics
        self.admin_ids = admin_ids
        self.outbound = outbound
        self.pacer = pacer
        self.turns = turns
        self.charts = charts
        self.gate = ChatGate(PENDING_PER_CHAT)

    def fair(self, handler: Callable[[Update, Context], Coroutine[Any, Any, None]]
             ) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        """``handler`` behind the chat's gate, then in its turn: beyond what a chat may have in hand,
        its updates are dropped and it is told once to slow down; the others wait for a turn,
        which goes first to chats that had few lately (see :mod:`bot.fairness`)."""

        @wraps(handler)
        async def gated(update: Update, context: Context) -> None:
            chat = update.effective_chat.id if update.effective_chat else (
                update.effective_user.id if update.effective_user else 0)
            admission = self.gate.enter(chat)
            if admission is Admission.REFUSED_FIRST:
                log.info("chat %s sends faster than it is answered: updates dropped until it slows down", chat)
                if update.effective_message is not None:
                    await self.reply(update, text("slow_down", _user_lang(update)))
            if admission is not Admission.ADMITTED:
                return
            try:
                async with self.turns.turn(chat):
                    await handler(update, context)
            finally:
                self.gate.leave(chat)

        return gated

    async def lang(self, update: Update) -> str:
        """The language to answer in: the chat's choice (/lang), else the user's Telegram language."""
        chat = update.effective_chat
        chosen = await self.service.chats.chosen_language(chat.id) if chat is not None else None
        return chosen or _user_lang(update)

    async def reply(self, update: Update, html: str, keyboard: InlineKeyboardMarkup | None = None,
                    preview: LinkPreviewOptions = fmt.NO_PREVIEW) -> list[Message]:
        """Send ``html`` to the update's chat (its forum topic, if any) in as many messages as it
        takes: the link preview on the first, buttons on the last. The messages sent."""
        message = _message(update)
        parts = fmt.split_html(html)
        quote = message.chat.type != ChatType.PRIVATE  # in a group, show which message is answered
        sent = []
        for number, part in enumerate(parts, start=1):
            markup = keyboard if number == len(parts) else None
            sent.append(await self._paced(update, partial(
                message.reply_html, part, reply_markup=markup, do_quote=quote and number == 1,
                link_preview_options=preview if number == 1 else fmt.NO_PREVIEW)))
        return sent

    # --- questions -----------------------------------------------------------------------

    async def answer(self, update: Update, question: str) -> None:
        """Answer with cited sentences, 📖 per source and 👍 / 👎; a reply to one of the bot's
        answers is a follow-up, asked within that answer's articles first."""
        lang = await self.lang(update)
        question = readable(question).strip()
        if len(question) > MAX_QUESTION:
            self.metrics.questions.labels("too_long").inc()
            await self.reply(update, fmt.html_text("too_long", lang, length=len(question), limit=MAX_QUESTION))
            return
        message = _message(update)
        replied = message.reply_to_message
        replying_to = replied.message_id if replied and replied.from_user and replied.from_user.is_bot else None
        started = time.perf_counter()
        try:
            answered = await self.service.answers.answer(message.chat.id, question, replying_to)
        except EmptyQuery:
            self.metrics.questions.labels("empty").inc()
            await self.reply(update, text("empty_question", lang))
            return
        self.metrics.answer_seconds.observe(time.perf_counter() - started)
        self.metrics.questions.labels("answered" if answered.answer.found else "not_found").inc()
        sent = await self.reply(update, fmt.html_answer(answered.answer, lang), fmt.answer_keyboard(answered, lang),
                                fmt.answer_preview(answered.answer))
        if answered.answer_id is not None:
            await self.service.answers.sent(message.chat.id, [m.message_id for m in sent], answered.answer_id)

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
        question = _argument(context)
        if not question:
            await self.reply(update, text("ask_usage", await self.lang(update)))
            return
        await self.answer(update, question)

    async def not_text(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice…: a hint that only text is read."""
        await self.reply(update, text("not_text", await self.lang(update)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        command = (_message(update).text or "").split()[0]
        await self.reply(update, fmt.html_text("unknown_command", await self.lang(update), command=command[:64]))

    # --- commands ------------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        lang = await self.lang(update)
        examples = await self.service.answers.examples(3) or [text("example_question", lang)]
        await self.reply(update, fmt.html_welcome(examples, lang))

    async def help(self, update: Update, context: Context) -> None:
        await self.reply(update, fmt.html_text("help", await self.lang(update), username=context.bot.username or "bot"))

    async def _query(self, update: Update, context: Context, usage: str, lang: str) -> str | None:
        """The command's words as a search query; None, once the reader was told why, when
        there are none or too many."""
        query = _argument(context)
        if not query:
            await self.reply(update, text(usage, lang))
            return None
        if len(query) > MAX_QUESTION:
            await self.reply(update, fmt.html_text("too_long", lang, length=len(query), limit=MAX_QUESTION))
            return None
        return query

    async def _query_refused(self, update: Update, refused: EmptyQuery | BadSearch, lang: str) -> None:
        if isinstance(refused, BadSearch):
            await self.reply(update, fmt.html_text(refused.text_key, lang, value=refused.value[:40]))
        else:
            await self.reply(update, text("search_empty", lang))

    async def search(self, update: Update, context: Context) -> None:
        lang = await self.lang(update)
        if (query := await self._query(update, context, "search_usage", lang)) is None:
            return
        try:
            found = await self.service.answers.search(_chat_id(update), query, 1, SEARCH_PAGE)
        except (EmptyQuery, BadSearch) as refused:
            await self._query_refused(update, refused, lang)
            return
        await self.reply(update, fmt.html_search(found.page, lang),
                         fmt.search_keyboard(found.page, found.query_ref, found.article_refs, lang))

    async def trend(self, update: Update, context: Context) -> None:
        """/trend <từ khóa> [năm | period]: a chart of matching articles over time."""
        lang = await self.lang(update)
        if (query := await self._query(update, context, "trend_usage", lang)) is None:
            return
        with self.charts.one_per_chat(_chat_id(update)) as mine:
            if not mine:
                await self.reply(update, text("trend_busy", lang))
                return
            try:
                trend = await self.service.answers.trend(query)
            except (EmptyQuery, BadSearch) as refused:
                await self._query_refused(update, refused, lang)
                return
            if not trend.total:
                await self.reply(update, fmt.html_trend(trend, lang))
                return
            picture = await self.charts.draw(trend, lang)
            await self._paced(update, partial(_message(update).reply_photo, InputFile(picture, filename="trend.png"),
                                                  caption=fmt.html_trend(trend, lang)))

    async def _paced(self, update: Update, send: Callable[[], Awaitable[Message]]) -> Message:
        """One send to the update's chat (a message, a photo, a document): paced, then retried."""
        await self.pacer.wait(_chat_id(update))
        return await with_retries(send)

    async def latest(self, update: Update, context: Context) -> None:
        await self.reply(update, fmt.html_latest(await self.service.answers.latest(LATEST), await self.lang(update)))

    @admin_only
    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): the library, subscriptions, alerts and feeds."""
        await self.reply(update, fmt.html_stats(await self.service.stats(), await self.lang(update)))

    async def choose_language(self, update: Update, context: Context) -> None:
        """/lang vi|en: the chat's language; /lang alone shows how and what is set."""
        choice = _argument(context).lower()
        if choice not in (VI, EN):
            await self.reply(update, text("lang_usage", await self.lang(update)))
            return
        await self.service.chats.choose_language(_chat_id(update), choice)
        await self.reply(update, text("lang_set", choice))

    async def pause(self, update: Update, context: Context) -> None:
        await self.service.chats.pause(_chat_id(update))
        await self.reply(update, text("paused", await self.lang(update)))

    async def resume(self, update: Update, context: Context) -> None:
        await self.service.chats.resume(_chat_id(update))
        await self.reply(update, text("resumed", await self.lang(update)))

    async def quiet(self, update: Update, context: Context) -> None:
        """/quiet 22-7 (Vietnam time), /quiet off, or /quiet alone to see the current setting."""
        lang = await self.lang(update)
        chat_id = _chat_id(update)
        try:
            hours = parse_quiet(_argument(context))
        except ValueError:  # nothing given, or not hours: show how, and what is set now
            await self.reply(update, fmt.html_quiet_usage(await self.service.chats.state(chat_id), lang))
            return
        await self.service.chats.set_quiet(chat_id, hours)
        await self.reply(update, text("quiet_off", lang) if hours is None
                         else text("quiet_set", lang, start=hours[0], end=hours[1]))

    @admin_only
    async def feeds(self, update: Update, context: Context) -> None:
        """/feeds (admins): every feed with its last success and last error."""
        await self.reply(update, fmt.html_feeds(await self.service.feeds.all(), await self.lang(update)))

    @admin_only
    async def add_feed(self, update: Update, context: Context) -> None:
        """/addfeed <url> (admins)."""
        lang = await self.lang(update)
        url = _argument(context)
        if not url:
            await self.reply(update, text("addfeed_usage", lang))
            return
        outcome, reason = await self._add_feed(url)
        await self.reply(update, fmt.html_text(f"addfeed_{outcome}", lang, url=url[:200], reason=reason))

    async def _add_feed(self, url: str) -> tuple[str, str]:
        """Add a feed after the checks every new feed passes: ("ok" | "dup" | "bad" | "refused", why)."""
        if not re.fullmatch(r"https?://\S+", url, re.IGNORECASE) or len(url) > MAX_FEED_URL:
            return "bad", ""
        if (refusal := await self.outbound.refusal(url)) is not None:
            log.info("feed %s refused: %s", url[:200], refusal)
            return "refused", refusal
        return ("ok" if await self.service.feeds.add(url) else "dup"), ""

    @admin_only
    async def import_opml(self, update: Update, context: Context) -> None:
        """An .opml document (admins): each feed in it added as /addfeed would, then a summary."""
        lang = await self.lang(update)
        document = _present(_message(update).document, "a document")
        if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
            await self.reply(update, fmt.html_text("opml_bad", lang, reason=text("opml_too_big", lang,
                                                                                   limit=MAX_OPML_BYTES)))
            return
        data = await (await document.get_file()).download_as_bytearray()
        try:
            urls = feed_urls(bytes(data))
        except BadOPML as bad:
            await self.reply(update, fmt.html_text("opml_bad", lang, reason=str(bad)))
            return
        outcomes = [(url, *await self._add_feed(url)) for url in urls]
        log.info("OPML import: %d feeds, %d added", len(outcomes), sum(o == "ok" for _, o, _ in outcomes))
        await self.reply(update, fmt.html_opml_import(outcomes, lang))

    @admin_only
    async def export_opml(self, update: Update, context: Context) -> None:
        """/exportopml (admins): the feed list as an .opml document."""
        lang = await self.lang(update)
        feeds = await self.service.feeds.all()
        if not feeds:
            await self.reply(update, text("feeds_none", lang))
            return
        data = write_opml([(f.url, f.title) for f in feeds], "Hỏi Tin")
        await self._paced(update, partial(_message(update).reply_document,
                                              InputFile(data, filename="hoitin-feeds.opml"),
                                              caption=text("opml_export", lang, count=len(feeds))))

    @admin_only
    async def remove_feed(self, update: Update, context: Context) -> None:
        """/delfeed <number|url> (admins)."""
        lang = await self.lang(update)
        which = _argument(context)
        if not which:
            await self.reply(update, text("delfeed_usage", lang))
            return
        removed = await self.service.feeds.remove(which)
        await self.reply(update, fmt.html_text("delfeed_ok", lang, url=removed) if removed
                         else fmt.html_text("delfeed_missing", lang, which=which[:200]))

    async def subscribe(self, update: Update, context: Context) -> None:
        lang = await self.lang(update)
        async def subscribe(chat_id: int, keywords: str, thread_id: int) -> Subscription:
            return await self.service.chats.subscribe(chat_id, keywords, lang, thread_id)  # alerts in their language

        await self._change_subscription(update, context, subscribe, "sub_usage", "sub_ok")

    async def subscriptions(self, update: Update, context: Context) -> None:
        """/subscriptions: those of this topic (in a forum) or of the chat."""
        lang = await self.lang(update)
        subs = await self.service.chats.subscriptions_of(_chat_id(update), _topic(update))
        await self.reply(update, fmt.html_subscriptions(subs, lang), fmt.subscriptions_keyboard(subs, lang))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        await self._change_subscription(update, context, self.service.chats.unsubscribe, "unsub_usage", "unsub_ok")

    async def _change_subscription(
        self, update: Update, context: Context, change: Callable[[int, str, int], Awaitable[Subscription]],
        usage: str, done: str,
    ) -> None:
        """/subscribe and /unsubscribe: the arguments, the change, its outcome or refusal."""
        lang = await self.lang(update)
        argument = _argument(context)
        if not argument:
            await self.reply(update, text(usage, lang))
            return
        try:
            subscription = await change(_chat_id(update), argument, _topic(update))
        except SubscriptionRefused as refused:
            await self.reply(update, fmt.html_refusal(refused, lang))
            return
        await self.reply(update, fmt.html_text(done, lang, keywords=subscription.query.text))

    # --- buttons and inline mode ---------------------------------------------------------

    async def button(self, update: Update, context: Context) -> None:
        """Every inline button: search pages, opening a result, removing a subscription."""
        query = _present(update.callback_query, "a button press")
        lang = await self.lang(update)
        try:
            pressed = fmt.decode(query.data)
        except fmt.BadCallback:
            log.info("update %s: unknown callback data %r", update.update_id, query.data)
            await query.answer(text("stale_button", lang), show_alert=True)
            return
        if isinstance(pressed, fmt.PageButton):
            found = await self.service.answers.search_again(_chat_id(update), pressed.query, pressed.page, SEARCH_PAGE,
                                                    bool(pressed.newest))
            if found is None:
                await query.answer(text("stale_button", lang), show_alert=True)
                return
            await _edit(query, fmt.html_search(found.page, lang),
                        fmt.search_keyboard(found.page, found.query_ref, found.article_refs, lang))
        elif isinstance(pressed, fmt.OpenButton):
            excerpt = await self.service.answers.excerpt(_chat_id(update), pressed.article, pressed.paragraph)
            if excerpt is None:
                await query.answer(text("article_gone", lang), show_alert=True)
                return
            await _edit(query, fmt.html_excerpt(excerpt, lang),
                        fmt.excerpt_keyboard(excerpt, pressed.query, pressed.page, pressed.newest, pressed.article, lang))
        elif isinstance(pressed, fmt.ReadButton):
            await self._read(update, query, pressed, lang)
            return
        elif isinstance(pressed, fmt.RateButton):
            changed = await self.service.answers.rate(_chat_id(update), query.from_user.id, pressed.answer, bool(pressed.good))
            if changed is None:
                await query.answer(text("stale_button", lang), show_alert=True)
            else:
                await query.answer(text(("rated_up" if pressed.good else "rated_down") if changed else "rated_same",
                                        lang))
            return
        else:
            chat_id = _chat_id(update)
            removed = await self.service.chats.unsubscribe_id(chat_id, pressed.subscription)
            subs = await self.service.chats.subscriptions_of(chat_id, _topic(update))
            await _edit(query, fmt.html_subscriptions(subs, lang), fmt.subscriptions_keyboard(subs, lang))
            note = text("removed", lang, keywords=removed.query.text) if removed else text("already_removed", lang)
            await query.answer(note)
            return
        await query.answer()

    async def _read(self, update: Update, query: CallbackQuery, pressed: fmt.ReadButton, lang: str) -> None:
        """📖: the article's page in a new message; ‹ ›: the page shown replaced by another."""
        article = await self.service.answers.read(_chat_id(update), pressed.article)
        if article is None:
            await query.answer(text("article_gone", lang), show_alert=True)
            return
        pages = fmt.article_pages(article, lang)
        page = min(max(pressed.page, 1), len(pages))
        keyboard = fmt.read_keyboard(pressed.article, page, len(pages), article.url, lang)
        if pressed.turn:
            await _edit(query, pages[page - 1], keyboard)
        else:
            await self.reply(update, pages[page - 1], keyboard)
        await query.answer()

    async def inline(self, update: Update, context: Context) -> None:
        """``@bot query`` in any chat: the best matching articles, ready to share."""
        inline_query = _present(update.inline_query, "an inline query")
        lang = await self.lang(update)
        words = readable(inline_query.query).strip()[:MAX_QUESTION]
        results: list[fmt.InlineArticle] = []
        if words:
            try:
                found = await self.service.answers.search(inline_query.from_user.id, words, 1, INLINE_RESULTS)
            except (EmptyQuery, BadSearch):
                found = None
            if found:
                results = [fmt.inline_article(r, fmt.inline_result_id(r.citation.article_id), lang)
                           for r in found.page.results]
        else:
            results = [fmt.inline_latest(a, fmt.inline_result_id(a.id), lang)
                       for a in await self.service.answers.latest(INLINE_RESULTS)]
        await inline_query.answer(fmt.inline_results(results), cache_time=60)

    # --- errors --------------------------------------------------------------------------

    async def on_error(self, update: object, context: Context) -> None:
        """Log every failure with its update id; tell the user briefly; never show a traceback."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, TelegramError):
            self.metrics.telegram_error(telegram_code(error))
        if isinstance(error, Forbidden):
            log.warning("update %s: Telegram refused to deliver (%s): the user blocked the bot or left; "
                        "not retried", update_id, error)
            return
        log.error("update %s failed: %s", update_id, error, exc_info=error)
        if not isinstance(update, Update):
            return
        lang = _user_lang(update)
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


async def _edit(query: CallbackQuery, html: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the message a button sits on; pressing the same button twice is not an error."""
    try:
        await query.edit_message_text(html, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
