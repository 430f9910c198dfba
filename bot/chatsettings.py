"""A chat's settings and subscriptions, on the answer side's thread: /lang, /pause, /quiet,
/subscribe … and what Telegram says of a chat (migrated, unreachable, a topic gone)."""

from __future__ import annotations

from .chats import Chats, ChatState
from .database import Database
from .outbox import Outbox
from .subscriptions import Subscription, Subscriptions
from .worker import Worker


class ChatSettings:
    """Each call one unit of work on the worker; changes to several tables are one transaction."""

    def __init__(self, worker: Worker, db: Database, chats: Chats, subscriptions: Subscriptions, outbox: Outbox) -> None:
        self._worker = worker
        self._db = db
        self._chats = chats
        self._subscriptions = subscriptions
        self._outbox = outbox

    async def state(self, chat_id: int) -> ChatState:
        return await self._worker.run(self._chats.state, chat_id)

    async def chosen_language(self, chat_id: int) -> str | None:
        """The language the chat chose with /lang, or None."""
        return await self._worker.run(self._chats.chosen_language, chat_id)

    async def choose_language(self, chat_id: int, lang: str) -> None:
        await self._worker.run(self._chats.choose_language, chat_id, lang)

    async def pause(self, chat_id: int) -> None:
        await self._worker.run(self._chats.pause, chat_id)

    async def resume(self, chat_id: int) -> None:
        await self._worker.run(self._chats.resume, chat_id)

    async def set_quiet(self, chat_id: int, hours: tuple[int, int] | None) -> None:
        await self._worker.run(self._chats.set_quiet, chat_id, hours)

    async def subscribe(self, chat_id: int, keywords: str, lang: str, thread_id: int = 0) -> Subscription:
        """Subscribe the chat (its forum topic ``thread_id``); alerts will come in ``lang``.
        Raises ``SubscriptionRefused`` with the reason."""
        return await self._worker.run(self._subscribe, chat_id, keywords, lang, thread_id)

    def _subscribe(self, chat_id: int, keywords: str, lang: str, thread_id: int) -> Subscription:
        with self._db.transaction():
            subscription = self._subscriptions.add(chat_id, keywords, thread_id)
            self._chats.remember_language(chat_id, lang)
        return subscription

    async def subscriptions_of(self, chat_id: int, thread_id: int = 0) -> list[Subscription]:
        """The subscriptions of the chat's topic ``thread_id`` (0: the chat itself)."""
        return await self._worker.run(self._subscriptions.of_chat, chat_id, thread_id)

    async def unsubscribe(self, chat_id: int, which: str, thread_id: int = 0) -> Subscription:
        """Remove by list number or keywords. Raises ``SubscriptionRefused`` when none matches."""
        return await self._worker.run(self._subscriptions.remove, chat_id, which, thread_id)

    async def unsubscribe_id(self, chat_id: int, subscription_id: int) -> Subscription | None:
        return await self._worker.run(self._subscriptions.remove_id, chat_id, subscription_id)

    async def topic_gone(self, chat_id: int, thread_id: int, reason: str) -> int:
        """Telegram says the chat's topic is gone: pause its subscriptions, give up its pending
        alerts; how many subscriptions were paused."""
        return await self._worker.run(self._topic_gone, chat_id, thread_id, reason)

    def _topic_gone(self, chat_id: int, thread_id: int, reason: str) -> int:
        with self._db.transaction():
            self._outbox.fail_topic(chat_id, thread_id, reason)
            return self._subscriptions.pause_topic(chat_id, thread_id, reason)

    async def migrate(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its subscriptions, settings and pending alerts follow it."""
        await self._worker.run(self._migrate, old_chat, new_chat)

    def _migrate(self, old_chat: int, new_chat: int) -> None:
        with self._db.transaction():
            self._subscriptions.migrate(old_chat, new_chat)
            self._chats.migrate(old_chat, new_chat)
            self._outbox.migrate(old_chat, new_chat)

    async def unreachable(self, chat_id: int, reason: str) -> None:
        """Telegram refuses the chat (blocked, gone): pause it and give up its pending alerts."""
        await self._worker.run(self._unreachable, chat_id, reason)

    def _unreachable(self, chat_id: int, reason: str) -> None:
        with self._db.transaction():
            self._chats.mark_unreachable(chat_id, reason)
            self._outbox.fail_chat(chat_id, reason)
