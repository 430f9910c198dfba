"""Handlers of a chat's settings: /lang, /pause, /resume, /quiet and subscriptions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from . import buttons
from . import formatting as fmt
from .chats import parse_quiet
from .replying import Context, Replying, chat_id_of, command_argument, topic_of
from .subscriptions import Subscription, SubscriptionRefused
from .texts import EN, VI, text


class ChatHandlers(Replying):
    async def choose_language(self, update: Update, context: Context) -> None:
        """/lang vi|en: the chat's language; /lang alone shows how and what is set."""
        choice = command_argument(context).lower()
        if choice not in (VI, EN):
            await self.reply(update, text("lang_usage", await self.lang(update)))
            return
        await self.service.chats.choose_language(chat_id_of(update), choice)
        await self.reply(update, text("lang_set", choice))

    async def pause(self, update: Update, context: Context) -> None:
        await self.service.chats.pause(chat_id_of(update))
        await self.reply(update, text("paused", await self.lang(update)))

    async def resume(self, update: Update, context: Context) -> None:
        await self.service.chats.resume(chat_id_of(update))
        await self.reply(update, text("resumed", await self.lang(update)))

    async def quiet(self, update: Update, context: Context) -> None:
        """/quiet 22-7 (Vietnam time), /quiet off, or /quiet alone to see the current setting."""
        lang = await self.lang(update)
        chat_id = chat_id_of(update)
        try:
            hours = parse_quiet(command_argument(context))
        except ValueError:  # nothing given, or not hours: show how, and what is set now
            await self.reply(update, fmt.html_quiet_usage(await self.service.chats.state(chat_id), lang))
            return
        await self.service.chats.set_quiet(chat_id, hours)
        await self.reply(update, text("quiet_off", lang) if hours is None
                         else text("quiet_set", lang, start=hours[0], end=hours[1]))

    async def subscribe(self, update: Update, context: Context) -> None:
        lang = await self.lang(update)

        async def subscribe(chat_id: int, keywords: str, thread_id: int) -> Subscription:
            return await self.service.chats.subscribe(chat_id, keywords, lang, thread_id)  # alerts in their language

        await self._change_subscription(update, context, subscribe, "sub_usage", "sub_ok")

    async def subscriptions(self, update: Update, context: Context) -> None:
        """/subscriptions: those of this topic (in a forum) or of the chat."""
        lang = await self.lang(update)
        subs = await self.service.chats.subscriptions_of(chat_id_of(update), topic_of(update))
        await self.reply(update, fmt.html_subscriptions(subs, lang), buttons.subscriptions_keyboard(subs, lang))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        await self._change_subscription(update, context, self.service.chats.unsubscribe, "unsub_usage", "unsub_ok")

    async def _change_subscription(
        self, update: Update, context: Context, change: Callable[[int, str, int], Awaitable[Subscription]],
        usage: str, done: str,
    ) -> None:
        """/subscribe and /unsubscribe: the arguments, the change, its outcome or refusal."""
        lang = await self.lang(update)
        argument = command_argument(context)
        if not argument:
            await self.reply(update, text(usage, lang))
            return
        try:
            subscription = await change(chat_id_of(update), argument, topic_of(update))
        except SubscriptionRefused as refused:
            await self.reply(update, fmt.html_refusal(refused, lang))
            return
        await self.reply(update, fmt.html_text(done, lang, keywords=subscription.query.text))
