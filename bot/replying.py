"""What every handler stands on: the service, fair turns per chat, replying (split, paced,
retried) and the error handler; and the small readers of an update they share."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from functools import partial, wraps
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError, TimedOut
from telegram.ext import ContextTypes

from . import formatting as fmt
from .charts import ChartDrawer
from .fairness import PENDING_PER_CHAT, Admission, ChatGate, ReplyPacer, Turns
from .fetcher import OutboundPolicy
from .limits import readable
from .metrics import Metrics, telegram_code
from .service import Service
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


def user_lang(update: Update) -> str:
    """The language of the user's Telegram app (Vietnamese unless it says otherwise)."""
    user = update.effective_user
    return language(user.language_code if user else None)


_Part = TypeVar("_Part")


def present(part: _Part | None, what: str) -> _Part:
    """A part of the update that the handler's filters guarantee; its absence is a routing bug."""
    if part is None:
        raise TypeError(f"an update without {what} reached a handler that needs one")
    return part


def chat_id_of(update: Update) -> int:
    return present(update.effective_chat, "a chat").id


def topic_of(update: Update) -> int:
    """The forum topic the update is in (its ``message_thread_id``), 0 outside topics."""
    message = update.effective_message
    if message is None or not message.is_topic_message or message.message_thread_id is None:
        return 0
    return message.message_thread_id


def message_of(update: Update) -> Message:
    return present(update.effective_message, "a message")


def command_argument(context: Context) -> str:
    """What follows the command, white space trimmed ("" when nothing does)."""
    return readable(" ".join(context.args or [])).strip()


R = TypeVar("R", bound="Replying")
Handler = Callable[[R, Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler[R]) -> Handler[R]:
    """The handler for admins (``HOITIN_ADMIN_IDS``); everyone else is told it is not for them."""

    @wraps(handler)
    async def guarded(self: R, update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None or user.id not in self.admin_ids:
            await self.reply(update, text("admins_only", await self.lang(update)))
            return
        await handler(self, update, context)

    return guarded


class Replying:
    """The bot's handlers' common ground, bound to the service (nothing kept in loose
    ``bot_data`` keys)."""

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
                    await self.reply(update, text("slow_down", user_lang(update)))
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
        return chosen or user_lang(update)

    async def reply(self, update: Update, html: str, keyboard: InlineKeyboardMarkup | None = None,
                    preview: LinkPreviewOptions = fmt.NO_PREVIEW) -> list[Message]:
        """Send ``html`` to the update's chat (its forum topic, if any) in as many messages as it
        takes: the link preview on the first, buttons on the last. The messages sent."""
        message = message_of(update)
        parts = fmt.split_html(html)
        quote = message.chat.type != ChatType.PRIVATE  # in a group, show which message is answered
        sent = []
        for number, part in enumerate(parts, start=1):
            markup = keyboard if number == len(parts) else None
            sent.append(await self._paced(update, partial(
                message.reply_html, part, reply_markup=markup, do_quote=quote and number == 1,
                link_preview_options=preview if number == 1 else fmt.NO_PREVIEW)))
        return sent

    async def _paced(self, update: Update, send: Callable[[], Awaitable[Message]]) -> Message:
        """One send to the update's chat (a message, a photo, a document): paced, then retried."""
        await self.pacer.wait(chat_id_of(update))
        return await with_retries(send)

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
        lang = user_lang(update)
        try:
            if update.callback_query:
                await update.callback_query.answer(text("error", lang), show_alert=True)
            elif update.effective_message and update.effective_chat:
                await update.effective_message.reply_html(text("error", lang))
        except TelegramError as exc:
            log.warning("update %s: could not tell the user about the failure either (%s)", update_id, exc)


async def edit_message(query: CallbackQuery, html: str, keyboard: InlineKeyboardMarkup | None) -> None:
    """Edit the message a button sits on; pressing the same button twice is not an error."""
    try:
        await query.edit_message_text(html, reply_markup=keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise

