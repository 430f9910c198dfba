"""The work the bot does between updates: new articles in, alerts out.

Jobs on python-telegram-bot's JobQueue look at the inbox and the store every few seconds
(so articles another process ingested become answerable too), poll due feeds and save the
index now and then; one long-lived task delivers alerts. :meth:`Background.start` runs in the
application's ``post_init``, :meth:`Background.stop` in ``post_stop``.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, ContextTypes

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
        self._feeds: asyncio.Task[int] | None = None

    async def start(self, application: Application) -> None:
        for url in self.settings.feeds:
            await self.service.call(self.service.feeds.add, url)
        self.deliverer = Deliverer(self.service, application.bot, self.settings.alerts_per_second)
        self.service.on_queued = lambda count: self.deliverer.wake() if self.deliverer else None
        self._delivery = asyncio.create_task(self.deliverer.run(), name="alert delivery")
        jobs = application.job_queue
        if jobs is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        poll = self.settings.poll_seconds
        jobs.run_repeating(self._sync, interval=poll, first=0.1, name="sync with the store")
        jobs.run_repeating(self._inbox, interval=poll, first=0.2, name="inbox")
        check = min(FEED_CHECK_SECONDS, self.settings.feed_interval)
        jobs.run_repeating(self._feeds_due, interval=check, first=0.3, name="feeds")
        jobs.run_repeating(self._save, interval=self.settings.save_seconds, name="save the index")
        log.info("watching %s; %d feed(s); alerts up to %g/s", self.settings.inbox,
                 len(await self.service.call(self.service.feeds.all)), self.settings.alerts_per_second)

    async def stop(self) -> None:
        if self.deliverer is not None:
            self.deliverer.stop()
        if self._feeds is not None and not self._feeds.done():
            self._feeds.cancel()  # a poll cut short is simply done again at the next start
        for task in (self._delivery, self._feeds):
            if task is not None:
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        await self.poller.close()
        if await self.service.save_index():
            log.info("index saved at shut-down")

    async def _sync(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        indexed = await self.service.sync()
        if indexed:
            log.info("indexed %d article(s) stored by another process", indexed)

    async def _inbox(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await scan(self.inbox, self.service)

    async def _feeds_due(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Start a round of feed polling unless the previous one is still going."""
        if self._feeds is None or self._feeds.done():
            self._feeds = asyncio.create_task(self.poller.poll_due(), name="feed polling")
            self._feeds.add_done_callback(_log_failure)

    async def _save(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.service.save_index()


def _log_failure(task: asyncio.Task[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("feed polling failed", exc_info=task.exception())
