"""Per-chat alert settings: language, /pause, quiet hours, and chats Telegram will not deliver to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from retrieval.text import VIETNAM, utc_stamp

from .database import Database


@dataclass(frozen=True)
class ChatState:
    chat_id: int
    lang: str = "vi"
    paused: bool = False
    unreachable: str | None = None
    quiet: tuple[int, int] | None = None  # (start hour, end hour), Vietnam time
    chosen_lang: str | None = None  # /lang; None: every user reads their own Telegram language

    @property
    def receives(self) -> bool:
        """Whether alerts are queued for this chat at all."""
        return not self.paused and self.unreachable is None

    def quiet_at(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the chat's quiet hours (start inclusive, end exclusive)."""
        if self.quiet is None:
            return False
        start, end = self.quiet
        hour = moment.astimezone(VIETNAM).hour
        return start <= hour < end if start < end else hour >= start or hour < end


class Chats:
    def __init__(self, db: Database) -> None:
        self._db = db

    def state(self, chat_id: int) -> ChatState:
        row = self._db.execute(
            "SELECT lang, paused, unreachable, quiet_start, quiet_end, chosen_lang FROM chats WHERE chat_id = ?",
            (chat_id,)).fetchone()
        if row is None:
            return ChatState(chat_id)
        lang, paused, unreachable, start, end, chosen = row
        return ChatState(chat_id, lang, bool(paused), unreachable, None if start is None else (start, end), chosen)

    def chosen_language(self, chat_id: int) -> str | None:
        row = self._db.execute("SELECT chosen_lang FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
        return row[0] if row else None

    def _set(self, chat_id: int, column: str, value: object) -> None:
        self._db.execute("INSERT INTO chats (chat_id) VALUES (?) ON CONFLICT DO NOTHING", (chat_id,))
        self._db.execute(f"UPDATE chats SET {column} = ? WHERE chat_id = ?", (value, chat_id))

    def remember_language(self, chat_id: int, lang: str) -> None:
        """The language alerts to this chat are written in."""
        self._set(chat_id, "lang", lang)

    def choose_language(self, chat_id: int, lang: str) -> None:
        """/lang: the chat's replies and alerts in ``lang``, whatever each user's Telegram says."""
        self._set(chat_id, "chosen_lang", lang)
        self._set(chat_id, "lang", lang)

    def pause(self, chat_id: int) -> None:
        self._set(chat_id, "paused", 1)

    def resume(self, chat_id: int) -> None:
        """Alerts flow again, whether the user paused them or Telegram once refused the chat."""
        self._set(chat_id, "paused", 0)
        self._set(chat_id, "unreachable", None)

    def set_quiet(self, chat_id: int, hours: tuple[int, int] | None) -> None:
        self._set(chat_id, "quiet_start", None if hours is None else hours[0])
        self._set(chat_id, "quiet_end", None if hours is None else hours[1])

    def mark_unreachable(self, chat_id: int, reason: str) -> None:
        self._set(chat_id, "unreachable", reason)
        self._set(chat_id, "unreachable_since", utc_stamp())

    def unreachable(self) -> list[tuple[int, str]]:
        return self._db.execute(
            "SELECT chat_id, unreachable FROM chats WHERE unreachable IS NOT NULL ORDER BY unreachable_since"
        ).fetchall()

    def migrate(self, old_chat: int, new_chat: int) -> None:
        self._db.execute("UPDATE chats SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS"
                         " (SELECT 1 FROM chats WHERE chat_id = ?)", (new_chat, old_chat, new_chat))
        self._db.execute("DELETE FROM chats WHERE chat_id = ?", (old_chat,))
        self._db.execute("UPDATE chats SET lease_until = 0 WHERE chat_id = ?", (new_chat,))  # free to send to


def parse_quiet(text: str) -> tuple[int, int] | None:
    """``22-7`` → (22, 7); ``off`` → None; ValueError for anything else."""
    text = text.strip().lower().replace("h", "")
    if text in ("off", "tắt", "tat", "0"):
        return None
    start, sep, end = text.partition("-")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise ValueError(f"quiet hours look like 22-7, not {text!r}")
    hours = int(start), int(end)
    if not all(0 <= h <= 23 for h in hours) or hours[0] == hours[1]:
        raise ValueError(f"quiet hours are two different hours 0–23, not {text!r}")
    return hours
