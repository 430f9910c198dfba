"""One thread for the answer side's blocking work, run in order, off the event loop.

Retrieval and SQLite are blocking and the connections they hold are not to be shared
between threads at once: every call of the answer side therefore runs here, one after the
other, and a slow question never stalls the event loop (ingest has a process of its own,
:mod:`bot.ingester`). Only :class:`bot.service.Service` makes one; each of its parts runs its calls there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

T = TypeVar("T")


class Worker:
    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """``function(*args)`` on the worker thread, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, partial(function, *args))

    def close(self) -> None:
        """Finish the calls already queued, then stop the thread."""
        self._pool.shutdown(wait=True)
