"""The alerts waiting in the outbox, for the delivery loop, on the answer side's thread."""

from __future__ import annotations

import time

from .outbox import Alert, Outbox
from .worker import Worker


class Alerts:
    """Claiming, marking and retrying outbox rows (see :class:`~bot.outbox.Outbox`)."""

    def __init__(self, worker: Worker, outbox: Outbox) -> None:
        self._worker = worker
        self._outbox = outbox

    async def claim(self, owner: str, now: float, lease: float, gap: float, chats: int) -> list[Alert]:
        """The due alerts of up to ``chats`` chats, leased to ``owner`` (see :meth:`Outbox.claim`)."""
        return await self._worker.run(self._outbox.claim, owner, now, lease, gap, chats)

    async def free_gone_senders(self) -> int:
        """Free the chats leased to senders of this host that are gone; how many."""
        return await self._worker.run(lambda: self._outbox.free_gone(time.time()))

    async def release_chat(self, owner: str, chat_id: int, sent_at: float | None) -> None:
        await self._worker.run(self._outbox.release, owner, chat_id, sent_at)

    async def sending(self, ids: list[int]) -> None:
        """These rows are about to go to Telegram: after a crash, only they are in doubt."""
        await self._worker.run(self._outbox.mark_sending, ids)

    async def sent(self, ids: list[int], now: float) -> None:
        await self._worker.run(self._outbox.mark_sent, ids, now)

    async def retry(self, ids: list[int], error: str, when: float, count: bool = True) -> None:
        """Try the rows again at ``when``; ``count`` off for waits Telegram asked for (429)."""
        await self._worker.run(self._outbox.retry_later, ids, error, when, count)

    async def failed(self, ids: list[int], error: str) -> None:
        await self._worker.run(self._outbox.fail, ids, error)
