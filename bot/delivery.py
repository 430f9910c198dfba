"""The delivery loop: due alerts out as one digest per chat, within Telegram's rate limits.

It sends at most ``per_second`` messages overall and one per :data:`PER_CHAT_SECONDS` per
chat, and maps Telegram's answers onto the outbox through the service: sent, retry later
(network trouble, backing off; 429, as long as Telegram asks), or failed; a chat that
blocked the bot or is gone is paused, a group that became a supergroup is followed, and a
forum topic that was deleted has its subscriptions paused.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time

from aiolimiter import AsyncLimiter
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from retrieval.text import utc_now

from .formatting import digest_preview, html_digest
from .metrics import Metrics, telegram_code
from .outbox import Alert
from .service import Service

log = logging.getLogger(__name__)

DIGEST_SIZE = 10  # articles in one alert message; more wait for the next one
MAX_ATTEMPTS = 8  # network failures before a row is given up
RETRY_CAP = 3600.0  # seconds: the longest wait between two tries of a row
PER_CHAT_SECONDS = 1.0  # Telegram: about one message a second to one chat
LEASE_SECONDS = 30.0  # a chat is one sender's this long at most; a sender that died frees it so
ROUND_SECONDS = 2.0  # a round claims the chats this sender can send to in this time: the rest stay
                     # free for other senders, and a chat's next alert is never held up long


class Deliverer:
    """The loop that sends due alerts; ``wake`` it when rows were queued. ``per_second`` is
    this sender's: with several, their sum must stay under Telegram's 30 a second."""

    def __init__(self, service: Service, bot: Bot, per_second: float, metrics: Metrics, owner: str) -> None:
        self.service = service
        self.metrics = metrics
        self.bot = bot
        self.per_second = per_second
        # One token every 1/per_second s and no burst: a leaky bucket with room for many would
        # let a full bucket plus a second's refill through in one second, over Telegram's limit.
        self._limiter = AsyncLimiter(1, 1.0 / per_second)
        self.owner = owner  # this process, in the chats' leases
        self._hold_until = 0.0  # Telegram asked the whole bot to wait (429 beyond the rate limiter)
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; a failure in one round is logged and the next round runs."""
        while not self._stopping:
            try:
                sent = await self.deliver_due()
            except Exception:  # the loop must outlive any one round
                log.exception("alert delivery round failed; retrying in a second")
                sent = 0
            if not sent:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def deliver_due(self) -> int:
        """One round: a digest to every chat with due alerts that may receive now; messages sent."""
        now = time.time()
        if now < self._hold_until:
            return 0
        alerts = await self.service.alerts.claim(self.owner, now, LEASE_SECONDS, PER_CHAT_SECONDS,
                                                 math.ceil(self.per_second * ROUND_SECONDS))
        by_place: dict[tuple[int, int], list[Alert]] = {}  # (chat, forum topic) → its alerts, oldest first
        for alert in alerts:
            by_place.setdefault((alert.chat_id, alert.thread_id), []).append(alert)
        ready = []
        chosen: set[int] = set()  # one message per chat a round: its topics take turns
        for (chat_id, _), pending in by_place.items():
            if chat_id in chosen:
                continue
            chosen.add(chat_id)
            state = await self.service.chats.state(chat_id)
            if state.quiet_at(utc_now()):
                await self.service.alerts.release_chat(self.owner, chat_id, None)
                continue
            ready.append((state.lang, pending[:DIGEST_SIZE]))
        results = await asyncio.gather(*(self._send(lang, digest) for lang, digest in ready))
        return sum(results)

    async def _send(self, lang: str, digest: list[Alert]) -> int:
        """Deliver one digest, then give its chat's lease back (with the time of the try: the
        pace of one message a second holds across senders)."""
        attempted: list[float] = []
        try:
            return await self._deliver(lang, digest, attempted)
        finally:
            await self.service.alerts.release_chat(self.owner, digest[0].chat_id, attempted[0] if attempted else None)

    async def _deliver(self, lang: str, digest: list[Alert], attempted: list[float]) -> int:
        chat_id, thread_id = digest[0].chat_id, digest[0].thread_id
        ids = [a.id for a in digest]
        service = self.service
        async with self._limiter:
            if self._stopping:  # shutting down: the rows stay pending and go out after the restart
                return 0
            attempted.append(time.time())
            await service.alerts.sending(ids)
            try:
                await self._send_message(chat_id, thread_id, html_digest(digest, lang), digest)
            except RetryAfter as exc:
                self.metrics.waits_429.inc()
                wait = float(exc.retry_after if not hasattr(exc.retry_after, "total_seconds")
                             else exc.retry_after.total_seconds())
                self._hold_until = max(self._hold_until, time.time() + wait)
                log.warning("Telegram asked to wait %.0f s (chat %s); alerts held", wait, chat_id)
                await service.alerts.retry(ids, "429", time.time() + wait, False)
                return 0
            except Forbidden as exc:
                await self._unreachable(chat_id, f"blocked: {exc.message}")
                return 0
            except ChatMigrated as exc:
                log.info("chat %s is now %s; its subscriptions and alerts follow", chat_id, exc.new_chat_id)
                await service.chats.migrate(chat_id, exc.new_chat_id)
                return 0
            except BadRequest as exc:
                if "chat not found" in exc.message.lower():
                    await self._unreachable(chat_id, "chat not found")
                elif thread_id and "thread not found" in exc.message.lower():
                    paused = await service.chats.topic_gone(chat_id, thread_id, "topic deleted")
                    log.warning("topic %s of chat %s is gone (%s): %d subscription(s) paused", thread_id, chat_id,
                                exc.message, paused)
                else:
                    log.error("alerts %s to chat %s refused: %s", ids, chat_id, exc.message)
                    await service.alerts.failed(ids, exc.message)
                return 0
            except NetworkError as exc:  # includes timeouts: try again later, longer each time
                attempts = digest[0].attempts + 1
                if attempts >= MAX_ATTEMPTS:
                    log.error("alerts %s to chat %s given up after %d tries: %s", ids, chat_id, attempts, exc)
                    await service.alerts.failed(ids, f"network: {exc}")
                else:
                    delay = min(RETRY_CAP, 2.0**attempts)
                    log.warning("alerts to chat %s failed (%s); retry in %.0f s", chat_id, exc, delay)
                    await service.alerts.retry(ids, f"network: {exc}", time.time() + delay)
                return 0
            except TelegramError as exc:
                log.error("alerts %s to chat %s failed: %s", ids, chat_id, exc)
                await service.alerts.failed(ids, str(exc))
                return 0
        await service.alerts.sent(ids, time.time())
        log.info("sent %d alert(s) to chat %s", len(ids), chat_id)
        return 1

    async def _send_message(self, chat_id: int, thread_id: int, html: str, digest: list[Alert]) -> None:
        """The digest to the chat (its topic), every refusal counted by code before it is handled."""
        try:
            await self.bot.send_message(chat_id, html, message_thread_id=thread_id or None,
                                        link_preview_options=digest_preview(digest))
        except TelegramError as exc:
            self.metrics.telegram_error(telegram_code(exc))
            raise

    async def _unreachable(self, chat_id: int, reason: str) -> None:
        log.warning("chat %s unreachable (%s): its alerts are paused", chat_id, reason)
        await self.service.chats.unreachable(chat_id, reason)
