"""Per-chat fairness: no chat can take the bot's time or Telegram's send budget from the others.

:class:`ChatGate` lets each chat have at most ``bound`` updates in hand at once (being answered
or waiting for the worker); what one chat sends beyond that is dropped, with one notice per
burst, so a chat that floods the bot cannot fill the worker's queue and every other chat's
question is taken as soon as it comes. :class:`ReplyPacer` spaces the replies to one chat
(Telegram allows about one message a second per chat): a short burst at once, then
``per_second``.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from enum import Enum

from aiolimiter import AsyncLimiter

PENDING_PER_CHAT = 4  # updates of one chat in hand at once
REPLY_BURST = 5  # replies to one chat sent at once before the pace applies
PACED_CHATS = 10_000  # chats whose pace is remembered (the least recent are forgotten)


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
