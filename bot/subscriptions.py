"""Subscriptions: keyword queries a chat wants alerts for, kept in the bot database.

The matching rule is :mod:`bot.keywords`; here are the limits a chat lives with and
the storage. Numbers shown to users are positions in the chat's list (1, 2, …), not row ids.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

from retrieval.errors import EmptyQuery
from retrieval.text import FOLDED, fold, syllables, utc_stamp

from .database import Database
from .keywords import KeywordQuery, parse_keywords

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
    thread_id: int = 0  # the forum topic its alerts go to (0: the chat itself)
    paused: str | None = None  # why its alerts stopped (its topic was deleted)


class Subscriptions:
    """The subscriptions of every chat."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_anchor: dict[str, list[Subscription]] = {}
        self._indexed_version = -1

    @property
    def version(self) -> int:
        """Grows with every change, made through any connection or process (it lives in the
        database, moved in the transaction of the change); the term index follows it."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'subscriptions_version'").fetchone()
        return int(row[0]) if row else 0

    def _changed(self) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES ('subscriptions_version', '1') ON CONFLICT (key)"
                         " DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")

    def add(self, chat_id: int, keywords: str, thread_id: int = 0) -> Subscription:
        """Subscribe the chat (in topic ``thread_id``); at most MAX_PER_CHAT over all its topics."""
        keywords = " ".join(keywords.split())
        if len(keywords) > MAX_KEYWORDS_CHARS:
            raise SubscriptionRefused(Refusal.TOO_LONG, limit=MAX_KEYWORDS_CHARS, length=len(keywords))
        try:
            query = parse_keywords(keywords)
        except EmptyQuery:
            raise SubscriptionRefused(Refusal.EMPTY) from None
        with self._db.transaction() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM subscriptions WHERE chat_id = ?", (chat_id,)).fetchone()
            if count >= MAX_PER_CHAT:
                raise SubscriptionRefused(Refusal.TOO_MANY, limit=MAX_PER_CHAT)
            same = db.execute(
                "SELECT keywords, paused FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND match_key = ?",
                (chat_id, thread_id, query.key)).fetchone()
            if same and same[1] is None:
                raise SubscriptionRefused(Refusal.DUPLICATE, keywords=same[0])
            if same:  # paused (its topic was deleted, then made again): subscribing again resumes it
                db.execute("DELETE FROM subscriptions WHERE chat_id = ? AND thread_id = ? AND match_key = ?",
                           (chat_id, thread_id, query.key))
            (new_id,) = db.execute(
                "INSERT INTO subscriptions (chat_id, thread_id, keywords, match_key, terms, created)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (chat_id, thread_id, query.text, query.key, json.dumps(sorted(query.terms), ensure_ascii=False),
                 utc_stamp()),
            ).fetchone()
            self._changed()
        return Subscription(int(new_id), chat_id, query, thread_id)

    def of_chat(self, chat_id: int, thread_id: int = 0) -> list[Subscription]:
        """The subscriptions of the chat's topic ``thread_id`` (0: the chat itself)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE chat_id = ? AND thread_id = ? ORDER BY id",
            (chat_id, thread_id))
        return [_subscription(row) for row in rows]

    def pause_topic(self, chat_id: int, thread_id: int, reason: str) -> int:
        """Stop the alerts of a topic's subscriptions (the topic is gone); how many."""
        with self._db.transaction():
            paused = self._db.execute(
                "UPDATE subscriptions SET paused = ? WHERE chat_id = ? AND thread_id = ? AND paused IS NULL",
                (reason, chat_id, thread_id)).rowcount
            self._changed()
        return paused

    def remove(self, chat_id: int, which: str, thread_id: int = 0) -> Subscription:
        """Remove by list number ("2") or by keywords, in the topic's list; refuses with NOT_FOUND otherwise."""
        mine = self.of_chat(chat_id, thread_id)
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
            f"SELECT {_COLUMNS} FROM subscriptions WHERE id = ? AND chat_id = ?", (subscription_id, chat_id),
        ).fetchone()
        if row is None:
            return None
        with self._db.transaction():
            self._db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,))
            self._changed()
        return _subscription(row)

    def all(self) -> list[Subscription]:
        """Every subscription that alerts (paused ones do not)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM subscriptions WHERE paused IS NULL ORDER BY id")
        return [_subscription(row) for row in rows]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM subscriptions").fetchone()[0]

    def migrate(self, old_chat: int, new_chat: int) -> None:
        """A group became a supergroup: its subscriptions follow it (duplicates dropped)."""
        self._db.execute("UPDATE subscriptions SET chat_id = ? WHERE chat_id = ? AND NOT EXISTS (SELECT 1 FROM"
                         " subscriptions s WHERE s.chat_id = ? AND s.thread_id = subscriptions.thread_id"
                         " AND s.match_key = subscriptions.match_key)", (new_chat, old_chat, new_chat))
        self._db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (old_chat,))
        self._changed()

    def matching(self, terms: frozenset[str]) -> list[Subscription]:
        """Subscriptions an article with these terms matches, in the order they were made.

        Each subscription is filed under one of its terms (its anchor, the most selective
        one), so an article is checked only against subscriptions whose anchor it contains:
        the cost follows the article's terms, not the number of subscriptions.
        """
        by_anchor = self._index()
        keys = by_anchor.keys()
        anchors = [t for t in terms if t in by_anchor] if len(terms) < len(keys) else [k for k in keys if k in terms]
        found = [s for a in anchors for s in by_anchor[a] if s.query.matches(terms)]
        return sorted(found, key=lambda s: s.id)

    def _index(self) -> dict[str, list[Subscription]]:
        version = self.version
        if self._indexed_version != version:
            by_anchor: dict[str, list[Subscription]] = {}
            for s in self.all():
                by_anchor.setdefault(_anchor(s.query.terms), []).append(s)
            self._by_anchor, self._indexed_version = by_anchor, version
        return self._by_anchor


def _anchor(terms: frozenset[str]) -> str:
    """The term that rules out most articles: a pair before a syllable, accented before folded,
    longer before shorter (rare words are long)."""
    return max(terms, key=lambda t: ("_" in t, not t.startswith(FOLDED), len(t), t))


def _loose(keywords: str) -> str:
    """Keywords without accents, case or punctuation: "bao lu" names the subscription "Bão, lũ"."""
    return " ".join(fold(s) for s in syllables(keywords))


_COLUMNS = "id, chat_id, keywords, terms, thread_id, paused"


def _subscription(row: tuple) -> Subscription:
    sub_id, chat_id, keywords, terms, thread_id, paused = row
    return Subscription(sub_id, chat_id, KeywordQuery(keywords, frozenset(json.loads(terms))), thread_id, paused)
