"""Handlers of what readers ask: questions, /search, /trend, /latest, buttons and inline mode."""

from __future__ import annotations

import logging
import re
import time
from functools import partial

from telegram import CallbackQuery, InputFile, Message, MessageEntity, Update

from retrieval.answer import BadSearch
from retrieval.errors import EmptyQuery

from . import buttons
from . import formatting as fmt
from .limits import INLINE_RESULTS, LATEST, MAX_QUESTION, SEARCH_PAGE, readable
from .replying import Context, Replying, chat_id_of, command_argument, edit_message, message_of, present, topic_of
from .texts import text

log = logging.getLogger(__name__)


class AskingHandlers(Replying):
    """Questions (private text, mentions and replies in groups, /ask) and what readers browse."""

    async def answer(self, update: Update, question: str) -> None:
        """Answer with cited sentences, 📖 per source and 👍 / 👎; a reply to one of the bot's
        answers is a follow-up, asked within that answer's articles first."""
        lang = await self.lang(update)
        question = readable(question).strip()
        if len(question) > MAX_QUESTION:
            self.metrics.questions.labels("too_long").inc()
            await self.reply(update, fmt.html_text("too_long", lang, length=len(question), limit=MAX_QUESTION))
            return
        message = message_of(update)
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
        sent = await self.reply(update, fmt.html_answer(answered.answer, lang), buttons.answer_keyboard(answered, lang),
                                fmt.answer_preview(answered.answer))
        if answered.answer_id is not None:
            await self.service.answers.sent(message.chat.id, [m.message_id for m in sent], answered.answer_id)

    async def private_text(self, update: Update, context: Context) -> None:
        """Any text in a private chat is a question."""
        await self.answer(update, message_of(update).text or "")

    async def group_text(self, update: Update, context: Context) -> None:
        """In groups, a question is a message that mentions the bot or replies to it."""
        message = message_of(update)
        question = _addressed_text(message, context.bot.username, context.bot.id)
        if question is not None:
            await self.answer(update, question)

    async def ask(self, update: Update, context: Context) -> None:
        """/ask <question>, the way to ask in a group."""
        question = command_argument(context)
        if not question:
            await self.reply(update, text("ask_usage", await self.lang(update)))
            return
        await self.answer(update, question)

    async def not_text(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice…: a hint that only text is read."""
        await self.reply(update, text("not_text", await self.lang(update)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        command = (message_of(update).text or "").split()[0]
        await self.reply(update, fmt.html_text("unknown_command", await self.lang(update), command=command[:64]))

    async def start(self, update: Update, context: Context) -> None:
        lang = await self.lang(update)
        examples = await self.service.answers.examples(3) or [text("example_question", lang)]
        await self.reply(update, fmt.html_welcome(examples, lang))

    async def help(self, update: Update, context: Context) -> None:
        await self.reply(update, fmt.html_text("help", await self.lang(update), username=context.bot.username or "bot"))

    async def _query(self, update: Update, context: Context, usage: str, lang: str) -> str | None:
        """The command's words as a search query; None, once the reader was told why, when
        there are none or too many."""
        query = command_argument(context)
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
            found = await self.service.answers.search(chat_id_of(update), query, 1, SEARCH_PAGE)
        except (EmptyQuery, BadSearch) as refused:
            await self._query_refused(update, refused, lang)
            return
        await self.reply(update, fmt.html_search(found.page, lang),
                         buttons.search_keyboard(found.page, found.query_ref, found.article_refs, lang))

    async def trend(self, update: Update, context: Context) -> None:
        """/trend <từ khóa> [năm | period]: a chart of matching articles over time."""
        lang = await self.lang(update)
        if (query := await self._query(update, context, "trend_usage", lang)) is None:
            return
        with self.charts.one_per_chat(chat_id_of(update)) as mine:
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
            await self._paced(update, partial(message_of(update).reply_photo, InputFile(picture, filename="trend.png"),
                                                  caption=fmt.html_trend(trend, lang)))

    async def latest(self, update: Update, context: Context) -> None:
        await self.reply(update, fmt.html_latest(await self.service.answers.latest(LATEST), await self.lang(update)))

    async def button(self, update: Update, context: Context) -> None:
        """Every inline button: search pages, opening a result, removing a subscription."""
        query = present(update.callback_query, "a button press")
        lang = await self.lang(update)
        try:
            pressed = buttons.decode(query.data)
        except buttons.BadCallback:
            log.info("update %s: unknown callback data %r", update.update_id, query.data)
            await query.answer(text("stale_button", lang), show_alert=True)
            return
        if isinstance(pressed, buttons.PageButton):
            found = await self.service.answers.search_again(chat_id_of(update), pressed.query, pressed.page, SEARCH_PAGE,
                                                    bool(pressed.newest))
            if found is None:
                await query.answer(text("stale_button", lang), show_alert=True)
                return
            await edit_message(query, fmt.html_search(found.page, lang),
                        buttons.search_keyboard(found.page, found.query_ref, found.article_refs, lang))
        elif isinstance(pressed, buttons.OpenButton):
            excerpt = await self.service.answers.excerpt(chat_id_of(update), pressed.article, pressed.paragraph)
            if excerpt is None:
                await query.answer(text("article_gone", lang), show_alert=True)
                return
            await edit_message(query, fmt.html_excerpt(excerpt, lang),
                        buttons.excerpt_keyboard(excerpt, pressed.query, pressed.page, pressed.newest, pressed.article, lang))
        elif isinstance(pressed, buttons.ReadButton):
            await self._read(update, query, pressed, lang)
            return
        elif isinstance(pressed, buttons.RateButton):
            changed = await self.service.answers.rate(chat_id_of(update), query.from_user.id, pressed.answer, bool(pressed.good))
            if changed is None:
                await query.answer(text("stale_button", lang), show_alert=True)
            else:
                await query.answer(text(("rated_up" if pressed.good else "rated_down") if changed else "rated_same",
                                        lang))
            return
        else:
            chat_id = chat_id_of(update)
            removed = await self.service.chats.unsubscribe_id(chat_id, pressed.subscription)
            subs = await self.service.chats.subscriptions_of(chat_id, topic_of(update))
            await edit_message(query, fmt.html_subscriptions(subs, lang), buttons.subscriptions_keyboard(subs, lang))
            note = text("removed", lang, keywords=removed.query.text) if removed else text("already_removed", lang)
            await query.answer(note)
            return
        await query.answer()

    async def _read(self, update: Update, query: CallbackQuery, pressed: buttons.ReadButton, lang: str) -> None:
        """📖: the article's page in a new message; ‹ ›: the page shown replaced by another."""
        article = await self.service.answers.read(chat_id_of(update), pressed.article)
        if article is None:
            await query.answer(text("article_gone", lang), show_alert=True)
            return
        pages = fmt.article_pages(article, lang)
        page = min(max(pressed.page, 1), len(pages))
        keyboard = buttons.read_keyboard(pressed.article, page, len(pages), article.url, lang)
        if pressed.turn:
            await edit_message(query, pages[page - 1], keyboard)
        else:
            await self.reply(update, pages[page - 1], keyboard)
        await query.answer()

    async def inline(self, update: Update, context: Context) -> None:
        """``@bot query`` in any chat: the best matching articles, ready to share."""
        inline_query = present(update.inline_query, "an inline query")
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

