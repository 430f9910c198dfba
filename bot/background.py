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
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from .delivery import Deliverer
from .fairness import ReplyPacer
from .inbox import Inbox, scan
from .poller import FeedPoller
from .service import Service

log = logging.getLogger(__name__)

FEED_CHECK_SECONDS = 5.0  # how often the feed list is looked at for feeds that are due
REFS_PRUNE_SECONDS = 3600.0  # how often expired button numbers are forgotten


@dataclass(frozen=True)
class Schedule:
    """How often each piece of background work runs (seconds); from the settings."""

    poll: float  # the inbox, and the store for what other processes ingested
    feed_check: float  # the feed list looked at for due feeds


class Background:
    """The loops and jobs, built elsewhere (:func:`bot.app.build`), started and stopped here."""

    def __init__(self, service: Service, inbox: Inbox, poller: FeedPoller, deliverer: Deliverer,
                 schedule: Schedule, feeds: tuple[str, ...], pacer: ReplyPacer) -> None:
        self.service = service
        self.inbox = inbox
        self.poller = poller
        self.deliverer = deliverer
        self.schedule = schedule
        self.feeds = feeds
        self.pacer = pacer
        self._delivery: asyncio.Task[None] | None = None
        self._tasks: dict[str, asyncio.Task[object]] = {}

    async def start(self, application: Application) -> None:
        for url in self.feeds:
            await self.service.add_feed(url)
        self.service.on_queued = lambda count: self.deliverer.wake()
        self._delivery = asyncio.create_task(self.deliverer.run(), name="alert delivery")
        jobs = application.job_queue
        if jobs is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        for name, work, interval, first in (
            ("sync with the store", self._sync, self.schedule.poll, 0.1),
            ("inbox", self._inbox, self.schedule.poll, 0.2),
            ("feeds", self.poller.poll_due, self.schedule.feed_check, 0.3),
            ("forget old button numbers", self.service.prune_refs, REFS_PRUNE_SECONDS, None),
        ):
            jobs.run_repeating(self._spawner(name, work), interval=interval, first=first, name=name)
        log.info(
            "background: inbox %s every %g s; %d feed(s), each every %g s (timeout %g s, cap %d bytes); "
            "alerts up to %g/s, for articles up to %g h old; replies up to %g/s a chat",
            self.inbox.folder, self.schedule.poll, len(await self.service.feeds()), self.poller.interval,
            self.poller.fetcher.timeout, self.poller.fetcher.max_bytes, self.deliverer.per_second,
            self.service.alert_max_age_hours, self.pacer.per_second,
        )

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
        self.deliverer.stop()
        for task in self._tasks.values():
            task.cancel()  # work cut short is done again at the next start: the store is the truth
        for pending in [self._delivery, *self._tasks.values()]:
            if pending is not None:
                try:
                    await pending
                except asyncio.CancelledError:
                    pass
                except Exception:  # noqa: BLE001 - logged when it failed (_log_failure); stopping goes on
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
