"""The work the bot does between updates: new articles in, alerts out.

Jobs on python-telegram-bot's JobQueue look at the inbox and the store every few seconds
(so articles another process ingested become answerable too), poll due feeds and save the
index now and then; one long-lived task delivers alerts. :meth:`Background.start` runs in the
application's ``post_init``, :meth:`Background.stop` in ``post_stop``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import Application

from .alerts import Deliverer
from .config import Settings
from .feeds import FeedPoller
from .inbox import Inbox, scan
from .service import Service

log = logging.getLogger(__name__)

FEED_CHECK_SECONDS = 5.0  # how often the feed list is looked at for feeds that are due


class Background:
    def __init__(self, service: Service, settings: Settings) -> None:
        self.service = service
        self.settings = settings
        self.inbox = Inbox(settings.inbox)
        self.poller = FeedPoller(service, settings.feed_interval, settings.feed_timeout, settings.feed_max_bytes)
        self.deliverer: Deliverer | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._tasks: dict[str, asyncio.Task[object]] = {}

    async def start(self, application: Application) -> None:
        for url in self.settings.feeds:
            await self.service.call(self.service.feeds.add, url)
        self.deliverer = Deliverer(self.service, application.bot, self.settings.alerts_per_second)
        self.service.on_queued = lambda count: self.deliverer.wake() if self.deliverer else None
        self._delivery = asyncio.create_task(self.deliverer.run(), name="alert delivery")
        jobs = application.job_queue
        if jobs is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        poll, check = self.settings.poll_seconds, min(FEED_CHECK_SECONDS, self.settings.feed_interval)
        for name, work, interval, first in (
            ("sync with the store", self._sync, poll, 0.1),
            ("inbox", self._inbox, poll, 0.2),
            ("feeds", self.poller.poll_due, check, 0.3),
            ("save the index", self.service.save_index, self.settings.save_seconds, None),
        ):
            jobs.run_repeating(self._spawner(name, work), interval=interval, first=first, name=name)
        log.info("watching %s; %d feed(s); alerts up to %g/s", self.settings.inbox,
                 len(await self.service.call(self.service.feeds.all)), self.settings.alerts_per_second)

    def _spawner(
        self, name: str, work: Callable[[], Coroutine[Any, Any, object]]
    ) -> Callable[[object], Coroutine[Any, Any, None]]:
        """A job callback that starts ``work`` as a task unless the previous one is still running.

        Jobs then never pile up (a poll of a slow feed, an ingest into a large index) and the
        scheduler never has to skip a run.
        """

        async def job(context: object) -> None:
            running = self._tasks.get(name)
            if running is None or running.done():
                task = asyncio.create_task(work(), name=name)
                task.add_done_callback(_log_failure)
                self._tasks[name] = task

        return job

    async def stop(self) -> None:
        if self.deliverer is not None:
            self.deliverer.stop()
        for task in self._tasks.values():
            task.cancel()  # work cut short is done again at the next start: the store is the truth
        for pending in [self._delivery, *self._tasks.values()]:
            if pending is not None:
                try:
                    await pending
                except asyncio.CancelledError:
                    pass
        await self.poller.close()
        if await self.service.save_index():
            log.info("index saved at shut-down")

    async def _sync(self) -> None:
        indexed = await self.service.sync()
        if indexed:
            log.info("indexed %d article(s) stored by another process", indexed)

    async def _inbox(self) -> None:
        await scan(self.inbox, self.service)


def _log_failure(task: asyncio.Task[object]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("background work %r failed", task.get_name(), exc_info=task.exception())
