"""The work the bot does between updates: new articles in, alerts out, the index followed.

Jobs on python-telegram-bot's JobQueue run every few seconds; which ones depends on the
process's role (:class:`bot.config.Role`):

- every process syncs with the store: a worker indexes what other processes stored (and
  queues its alerts), a web process takes up the index generation the workers saved last;
- a worker (or the all-in-one process) also looks at the inbox, polls due feeds, and runs one
  long-lived task that delivers alerts.

:meth:`Background.start` runs in the application's ``post_init``, :meth:`Background.stop` in
``post_stop``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, JobQueue

from retrieval.errors import RetrievalError

from .database import DatabaseError
from .delivery import Deliverer
from .fairness import ReplyPacer
from .inbox import INBOX_LEASE, INBOX_LEASE_SECONDS, Inbox, InboxError, scan
from .poller import FeedPoller
from .service import Service

log = logging.getLogger(__name__)

# Failures of the machine or of the data folder, not of the code: logged without a traceback.
_FORESEEN = (OSError, sqlite3.Error, RetrievalError, DatabaseError, InboxError)

FEED_CHECK_SECONDS = 5.0  # how often the feed list is looked at for feeds that are due
REFS_PRUNE_SECONDS = 3600.0  # how often expired button numbers are forgotten
LEASE_RENEW_SECONDS = 5.0  # how often the inbox lease is renewed while a file is being read


@dataclass(frozen=True)
class Schedule:
    """How often each piece of background work runs (seconds); from the settings."""

    poll: float  # the inbox, and the store (or the saved index) for what other processes did
    feed_check: float  # the feed list looked at for due feeds


@dataclass(frozen=True)
class Intake:
    """A worker's ways in for new articles, and its way out for alerts."""

    inbox: Inbox
    poller: FeedPoller
    deliverer: Deliverer
    feeds: tuple[str, ...]  # feeds from the settings, added to the feed list at start
    alert_max_age_hours: float  # older articles never alert (the ingest side applies it; said at start)


class DrainingJobQueue(JobQueue[CallbackContext[Any, Any, Any, Any]]):
    """python-telegram-bot's job queue, stopped without cutting short a run.

    ``JobQueue.stop`` waits for the runs under way when it is called, then shuts APScheduler
    down, whose asyncio executor cancels every run still pending and logs each one as an error
    with a traceback. A job the scheduler starts while the first runs finish (ours run every
    0.2-2 s) was cancelled that way: a SIGTERM then logged a traceback (a fresh-clone CI run
    of ``test_a_stop_signal_to_the_process_group_stops_cleanly``). Pausing the scheduler first
    means no run starts once stopping has begun, so the wait covers all of them.
    """

    async def stop(self, wait: bool = True) -> None:
        if self.scheduler.running:
            self.scheduler.pause()
        await super().stop(wait)


class Background:
    """The loops and jobs, built elsewhere (:func:`bot.app.build`), started and stopped here.
    ``intake`` is None in a process that only answers; ``owner`` names this process in leases."""

    def __init__(self, service: Service, schedule: Schedule, pacer: ReplyPacer, owner: str,
                 intake: Intake | None) -> None:
        self.service = service
        self.schedule = schedule
        self.pacer = pacer
        self.owner = owner
        self.intake = intake
        self._delivery: asyncio.Task[None] | None = None
        self._tasks: dict[str, asyncio.Task[object]] = {}

    async def start(self, application: Application) -> None:
        jobs = application.job_queue
        if jobs is None:
            raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
        work: list[tuple[str, Callable[[], Coroutine[Any, Any, object]], float, float | None]] = [
            ("sync with the store", self._sync, self.schedule.poll, 0.1),
            ("forget old button numbers", self.service.answers.prune, REFS_PRUNE_SECONDS, None),
        ]
        intake = self.intake
        if intake is not None:
            for url in intake.feeds:
                await self.service.feeds.add(url)
            if freed := await self.service.alerts.free_gone_senders():
                log.info("%d chat(s) were leased to a sender of this host that is gone (a crash): freed", freed)
            self.service.new_articles.on_queued = lambda count: intake.deliverer.wake()
            self._delivery = asyncio.create_task(intake.deliverer.run(), name="alert delivery")
            work += [("inbox", self._inbox, self.schedule.poll, 0.2),
                     ("feeds", intake.poller.poll_due, self.schedule.feed_check, 0.3),
                     ("hold the inbox", self._hold_inbox, LEASE_RENEW_SECONDS, LEASE_RENEW_SECONDS)]
        for name, job, interval, first in work:
            jobs.run_repeating(self._spawner(name, job, interval), interval=interval, first=first, name=name)
        if intake is None:
            log.info("background: following the saved index every %g s; replies up to %g/s a chat",
                     self.schedule.poll, self.pacer.per_second)
            return
        poller = intake.poller
        log.info(
            "background: inbox %s every %g s; %d feed(s), each every %g s (timeout %g s, cap %d bytes); "
            "alerts up to %g/s, for articles up to %g h old; replies up to %g/s a chat",
            intake.inbox.folder, self.schedule.poll, len(await self.service.feeds.all()), poller.interval,
            poller.fetcher.timeout, poller.fetcher.max_bytes, intake.deliverer.per_second,
            intake.alert_max_age_hours, self.pacer.per_second,
        )

    def _spawner(
        self, name: str, work: Callable[[], Coroutine[Any, Any, object]], interval: float
    ) -> Callable[[object], Coroutine[Any, Any, None]]:
        """A job callback that starts ``work`` as a task unless the previous one is still running.

        Jobs then never pile up (a poll of a slow feed, an ingest into a large index) and the
        scheduler never has to skip a run. A failure is logged when it starts or changes, not at
        every run (a full disk failed the inbox every 2 s), and ``/healthz`` reports it meanwhile.
        """
        trouble = self.service.troubles.new(f"background work {name!r}", "fails", "works again",
                                            f"tried again every {interval:g} s")

        def done(task: asyncio.Task[object]) -> None:
            if task.cancelled():
                return
            if (exc := task.exception()) is None:
                trouble.worked()
            else:
                trouble.failed(exc, bug=not isinstance(exc, _FORESEEN))

        async def job(context: object) -> None:
            running = self._tasks.get(name)
            if running is None or running.done():
                task = asyncio.create_task(work(), name=name)
                task.add_done_callback(done)
                self._tasks[name] = task

        return job

    async def stop(self) -> None:
        if self.intake is not None:
            self.intake.deliverer.stop()
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
        if self.intake is not None:
            await self.intake.poller.close()
            await self.service.leases.give_back(INBOX_LEASE, self.owner)  # another worker looks at once
        if await self.service.new_articles.save_index():
            log.info("index saved at shut-down")

    async def _sync(self) -> None:
        indexed = await self.service.new_articles.sync()
        if indexed:
            log.info("indexed %d article(s) stored by another process", indexed)

    async def _inbox(self) -> None:
        assert self.intake is not None, "a job of processes that ingest"
        await scan(self.intake.inbox, self.service, self.owner)

    async def _hold_inbox(self) -> None:
        """Renew the inbox lease while a look at the inbox is reading a file (it renews it itself
        between files): a long file does not let another worker start on it."""
        scanning = self._tasks.get("inbox")
        if scanning is not None and not scanning.done():
            await self.service.leases.take(INBOX_LEASE, self.owner, INBOX_LEASE_SECONDS)

