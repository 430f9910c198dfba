"""Subscriptions: keyword queries a chat wants alerts for, kept in the bot database.

The matching rule is :mod:`retrieval.keywords`; here are the limits a chat lives with and
the storage. Numbers shown to users are positions in the chat's list (1, 2, …), not row ids.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

from retrieval.errors import EmptyQuery
from retrieval.keywords import KeywordQuery, parse_keywords
from retrieval.text import fold, syllables

MAX_PER_CHAT = 20
MAX_KEYWORDS_CHARS = 100


class Refusal(Enum):
    """Why a subscription request was refused; each has a message in :mod:`bot.texts`."""

    EMPTY = "sub_empty"
    TOO_LONG = "sub_too_long"
    TOO_MANY = "sub_too_many"
    DUPLICATE = "sub_duplicate"
    NOT_FOUND = "unsub_not_found"


class SubscriptionRefused(Exception):
    """A subscribe or unsubscribe request that cannot be carried out, and why."""

    def __init__(self, reason: Refusal, **details: object) -> None:
        super().__init__(f"{reason.name.lower()}: {details}")
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Subscription:
    id: int
    chat_id: int
    query: KeywordQuery


class Subscriptions:
    """The subscriptions of every chat."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def add(self, chat_id: int, keywords: str) -> Subscription:
        keywords = " ".join(keywords.split())
        if len(keywords) > MAX_KEYWORDS_CHARS:
            raise SubscriptionRefused(Refusal.TOO_LONG, limit=MAX_KEYWORDS_CHARS, length=len(keywords))
        try:
            query = parse_keywords(keywords)
        except EmptyQuery:
            raise SubscriptionRefused(Refusal.EMPTY) from None
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            (count,) = db.execute("SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)).fetchone()
            if count >= MAX_PER_CHAT:
                raise SubscriptionRefused(Refusal.TOO_MANY, limit=MAX_PER_CHAT)
            same = db.execute(
                "SELECT keywords FROM subscriptions WHERE chat_id = ? AND match_key = ?", (chat_id, query.key)
            ).fetchone()
            if same:
                raise SubscriptionRefused(Refusal.DUPLICATE, keywords=same[0])
            cursor = db.execute(
                "INSERT INTO subscriptions (chat_id, keywords, match_key, terms, created) VALUES (?, ?, ?, ?, ?)",
                (chat_id, query.text, query.key, json.dumps(sorted(query.terms), ensure_ascii=False),
                 datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Subscription(cursor.lastrowid, chat_id, query)

    def of_chat(self, chat_id: int) -> list[Subscription]:
        rows = self._db.execute(
            "SELECT id, chat_id, keywords, terms FROM subscriptions WHERE chat_id = ? ORDER BY id", (chat_id,)
        )
        return [_subscription(row) for row in rows]

    def remove(self, chat_id: int, which: str) -> Subscription:
        """Remove by list number ("2") or by keywords; refuses with NOT_FOUND otherwise."""
        mine = self.of_chat(chat_id)
        which = which.strip()
        target: Subscription | None = None
        if which.isdigit():
            number = int(which)
            target = mine[number - 1] if 1 <= number <= len(mine) else None
        else:
            try:
                key = parse_keywords(which).key
            except EmptyQuery:
                key = None
            loose = _loose(which)
            target = next((s for s in mine if s.query.key == key or _loose(s.query.text) == loose), None)
        if target is None:
            raise SubscriptionRefused(Refusal.NOT_FOUND, which=which, count=len(mine))
        self.remove_id(chat_id, target.id)
        return target

    def remove_id(self, chat_id: int, subscription_id: int) -> Subscription | None:
        """Remove one subscription by its row id (from a button); None when it is already gone."""
        row = self._db.execute(
            "SELECT id, chat_id, keywords, terms FROM subscriptions WHERE id = ? AND chat_id = ?",
            (subscription_id, chat_id),
        ).fetchone()
        if row is None:
            return None
        self._db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
        return _subscription(row)

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]

    def matching(self, terms: frozenset[str]) -> list[Subscription]:
        """Subscriptions an article with these terms matches (a scan; issue 4 indexes them by term)."""
        rows = self._db.execute("SELECT id, chat_id, keywords, terms FROM subscriptions ORDER BY id")
        return [s for s in map(_subscription, rows) if s.query.matches(terms)]


def _loose(keywords: str) -> str:
    """Keywords without accents, case or punctuation: "bao lu" names the subscription "Bão, lũ"."""
    return " ".join(fold(s) for s in syllables(keywords))


def _subscription(row: tuple) -> Subscription:
    sub_id, chat_id, keywords, terms = row
    return Subscription(sub_id, chat_id, KeywordQuery(keywords, frozenset(json.loads(terms))))
