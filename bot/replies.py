"""Which of the bot's messages carried which answer, so that a reply to one is a follow-up.

A reader who replies "vì sao?" to an answer asks within that answer's articles; Telegram
tells us only the message replied to, so each answer's message ids are kept here with the
number of the answer in the answer log (:mod:`retrieval.answer.feedback`). Kept for as long as
button numbers are (:data:`bot.refs.EXPIRY_DAYS`).
"""

from __future__ import annotations

import time

from .database import Database
from .refs import EXPIRY_DAYS


class Replies:
    def __init__(self, db: Database) -> None:
        self._db = db

    def remember(self, chat_id: int, message_ids: list[int], answer_id: int) -> None:
        now = time.time()
        self._db.executemany("INSERT INTO replies (chat_id, message_id, answer_id, sent) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT (chat_id, message_id) DO UPDATE SET answer_id = excluded.answer_id,"
                             " sent = excluded.sent", [(chat_id, m, answer_id, now) for m in message_ids])

    def answer_of(self, chat_id: int, message_id: int) -> int | None:
        """The answer the chat's message ``message_id`` carried, if it carried one."""
        row = self._db.execute("SELECT answer_id FROM replies WHERE chat_id = ? AND message_id = ?",
                               (chat_id, message_id)).fetchone()
        return int(row[0]) if row else None

    def prune(self, now: float) -> int:
        return self._db.execute("DELETE FROM replies WHERE sent < ?", (now - EXPIRY_DAYS * 86400.0,)).rowcount
