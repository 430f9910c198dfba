"""Leases on work one process of several does at a time (the inbox, a feed's poll), on the
answer side's thread (see :class:`~bot.leases.Leases`)."""

from __future__ import annotations

import time

from .leases import Leases
from .worker import Worker


class Leasing:
    def __init__(self, worker: Worker, leases: Leases) -> None:
        self._worker = worker
        self._leases = leases

    async def take(self, name: str, owner: str, seconds: float) -> bool:
        """Take or renew lease ``name`` for ``seconds``; whether ``owner`` holds it."""
        return await self._worker.run(lambda: self._leases.take(name, owner, time.time(), seconds))

    async def give_back(self, name: str, owner: str) -> None:
        await self._worker.run(self._leases.give_back, name, owner)
