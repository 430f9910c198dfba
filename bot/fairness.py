"""Per-chat fairness: no chat can take the bot's time or Telegram's send budget from the others.

:class:`ChatGate` lets each chat have at most ``bound`` updates in hand at once (being answered
or waiting for the worker); what one chat sends beyond that is dropped, with one notice per
burst, so a chat that floods the bot cannot fill the worker's queue and every other chat's
question is taken as soon as it comes. :class:`ReplyPacer` spaces the replies to one chat
(Telegram allows about one message a second per chat): a short burst at once, then
``per_second``. :class:`Turns` bounds how many updates run at once and, when more wait,
gives the next turn to the chat that asks least (turns lately plus updates waiting): a crowd of
chats asking all the time waits behind a reader who asks once, not the other way round.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from enum import Enum

from aiolimiter import AsyncLimiter

PENDING_PER_CHAT = 4  # updates of one chat in hand at once
REPLY_BURST = 5  # replies to one chat sent at once before the pace applies
PACED_CHATS = 10_000  # chats whose pace is remembered (the least recent are forgotten)
TURN_HALF_LIFE = 60.0  # seconds: a chat's count of recent turns halves in this time


class Admission(Enum):
    ADMITTED = "admitted"
    REFUSED = "refused"  # the chat was already told to slow down in this burst
    REFUSED_FIRST = "refused, tell the chat"


class ChatGate:
    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._in_hand: Counter[int] = Counter()
        self._told: set[int] = set()

    def enter(self, chat: int) -> Admission:
        if self._in_hand[chat] >= self.bound:
            if chat in self._told:
                return Admission.REFUSED
            self._told.add(chat)
            return Admission.REFUSED_FIRST
        self._in_hand[chat] += 1
        return Admission.ADMITTED

    def leave(self, chat: int) -> None:
        self._in_hand[chat] -= 1
        if self._in_hand[chat] <= 0:
            del self._in_hand[chat]
            self._told.discard(chat)  # the burst is over: a later one is told again


class ReplyPacer:
    def __init__(self, per_second: float, burst: int) -> None:
        self.per_second = per_second
        self.burst = burst
        self._limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()

    async def wait(self, chat: int) -> None:
        """Return when a message to ``chat`` may go out."""
        limiter = self._limiters.pop(chat, None) or AsyncLimiter(self.burst, self.burst / self.per_second)
        self._limiters[chat] = limiter
        while len(self._limiters) > PACED_CHATS:
            self._limiters.popitem(last=False)
        await limiter.acquire()


class Turns:
    """At most ``slots`` updates at work at once; the next turn goes to the waiting chat that asks
    least: its turns lately (a count halved every ``half_life`` seconds) plus its updates waiting,
    the longest waiting among equals. First come, first served let 300 chats asking four
    questions each hold up a chat that asked one for 8.8 s; now it waits for the turns at work."""

    def __init__(self, slots: int, half_life: float = TURN_HALF_LIFE) -> None:
        self._free = slots
        self._half_life = half_life
        self._waiting: dict[int, deque[tuple[int, asyncio.Future[None]]]] = {}  # chat → (arrival, wake-up)
        self._arrivals = itertools.count()
        self._lately: dict[int, tuple[float, float]] = {}  # chat → (turns, when counted)

    @asynccontextmanager
    async def turn(self, chat: int) -> AsyncIterator[None]:
        await self._wait(chat)
        self._count(chat)
        try:
            yield
        finally:
            self._hand_on()

    def recent(self, chat: int, now: float | None = None) -> float:
        """The chat's turns lately, decayed."""
        turns, when = self._lately.get(chat, (0.0, 0.0))
        return turns * 0.5 ** (((time.monotonic() if now is None else now) - when) / self._half_life)

    async def _wait(self, chat: int) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        entry = (next(self._arrivals), asyncio.get_running_loop().create_future())
        self._waiting.setdefault(chat, deque()).append(entry)
        try:
            await entry[1]
        except asyncio.CancelledError:
            if entry[1].done() and not entry[1].cancelled():
                self._hand_on()  # the turn came as the update was cancelled: the next one has it
            else:
                self._forget(chat, entry)
            raise

    def _count(self, chat: int) -> None:
        now = time.monotonic()
        self._lately[chat] = (self.recent(chat, now) + 1.0, now)
        if len(self._lately) > PACED_CHATS:
            self._lately = {c: (turns, when) for c, (turns, when) in self._lately.items()
                            if self.recent(c, now) >= 0.5}

    def _hand_on(self) -> None:
        """A turn ended: the next chat's oldest waiter has it, or it is free."""
        now = time.monotonic()
        while self._waiting:
            chat = min(self._waiting, key=lambda c: (self.recent(c, now) + len(self._waiting[c]), self._waiting[c][0][0]))
            queue = self._waiting[chat]
            _, wake = queue.popleft()
            if not queue:
                del self._waiting[chat]
            if not wake.done():
                wake.set_result(None)
                return
        self._free += 1

    def _forget(self, chat: int, entry: tuple[int, asyncio.Future[None]]) -> None:
        queue = self._waiting.get(chat)
        if queue is not None and entry in queue:
            queue.remove(entry)
            if not queue:
                del self._waiting[chat]
