"""Answers, searches and reading, on the answer side's thread: what a reader's message or button asks.

Each answer is logged (follow-ups and 👍/👎 refer to it) and every button carries a number
(:class:`~bot.refs.Refs`) that only the chat it was shown in can use.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from retrieval.answer import Answer, AnswerLog, Excerpt, FollowUp, SearchPage, Trend
from retrieval.articles import Article
from retrieval.library import Library

from .database import Database
from .refs import EXPIRY_DAYS, Refs
from .replies import Replies
from .trouble import Trouble
from .worker import Worker

QUERY, ARTICLE, ANSWER = "query", "article", "answer"  # kinds of refs


@dataclass(frozen=True)
class Found:
    """A search page with the numbers its buttons use for the query and for each result."""

    page: SearchPage
    query_ref: int
    article_refs: list[int]


@dataclass(frozen=True)
class Answered:
    """An answer with the numbers its buttons use: its rating (None when nothing was found) and
    each cited article, in the order of ``answer.sources()``."""

    answer: Answer
    answer_id: int | None
    rating_ref: int | None
    article_refs: list[int]


class Answers:
    """Questions, searches, articles and excerpts for a chat; each call one unit of work on the worker."""

    def __init__(self, worker: Worker, library: Library, db: Database, log: AnswerLog, writes: Trouble) -> None:
        """``writes``: the trouble an answer log that cannot be written is reported as."""
        self._worker = worker
        self._library = library
        self._db = db
        self._refs = Refs(db)
        self._replies = Replies(db)
        self._log = log
        self._writes = writes

    async def answer(self, chat_id: int, question: str, replying_to: int | None = None) -> Answered:
        """Answer ``question`` in ``chat_id``; asked in reply to the bot's message ``replying_to``,
        within the articles that message's answer cited (a follow-up)."""
        return await self._worker.run(self._answer, chat_id, question, replying_to)

    def _answer(self, chat_id: int, question: str, replying_to: int | None) -> Answered:
        follow_up = None
        if replying_to is not None and (earlier := self._replies.answer_of(chat_id, replying_to)) is not None:
            logged = self._log.get(earlier)
            follow_up = FollowUp(logged.question, logged.cited) if logged else None
        answer = self._library.answer(question, follow_up=follow_up)
        if not answer.found:
            return Answered(answer, None, None, [])
        try:
            answer_id = self._log.record(answer)
            with self._db.transaction():
                rating = self._refs.number(ANSWER, str(answer_id), chat_id)
                articles = [self._refs.number(ARTICLE, c.article_id, chat_id) for c in answer.sources()]
        except (sqlite3.Error, OSError) as exc:  # a full disk: the answer goes out all the same
            self._writes.failed(exc)
            return Answered(answer, None, None, [])
        self._writes.worked()
        return Answered(answer, answer_id, rating, articles)

    async def sent(self, chat_id: int, message_ids: list[int], answer_id: int) -> None:
        """The messages that carried answer ``answer_id``: replies to them are follow-ups."""
        await self._worker.run(self._replies.remember, chat_id, message_ids, answer_id)

    async def rate(self, chat_id: int, user_id: int, rating_ref: int, good: bool) -> bool | None:
        """A reader's 👍 or 👎 on an answer shown in ``chat_id``; whether it changed anything,
        None when the button's number is not this chat's (or expired)."""
        return await self._worker.run(self._rate, chat_id, user_id, rating_ref, good)

    def _rate(self, chat_id: int, user_id: int, rating_ref: int, good: bool) -> bool | None:
        answer_id = self._refs.value(ANSWER, rating_ref, chat_id)
        return None if answer_id is None else self._log.rate(int(answer_id), user_id, good)

    async def read(self, owner: int, article_ref: int) -> Article | None:
        """The article a 📖 button refers to; None when it is gone or the number not ``owner``'s."""
        return await self._worker.run(self._read, owner, article_ref)

    def _read(self, owner: int, article_ref: int) -> Article | None:
        article_id = self._refs.value(ARTICLE, article_ref, owner)
        return None if article_id is None else self._library.article(article_id)

    async def search(self, owner: int, query: str, page: int, per_page: int, newest: bool = False) -> Found:
        """A page of results (newest first if asked); the numbers its buttons carry belong to
        ``owner`` (the chat). Raises ``BadSearch`` / ``EmptyQuery`` for a query that means nothing."""
        return await self._worker.run(self._search, owner, query, page, per_page, newest)

    def _search(self, owner: int, query: str, page: int, per_page: int, newest: bool) -> Found:
        found = self._library.search(query, page=page, per_page=per_page, newest=newest)
        articles = [self._refs.number(ARTICLE, r.citation.article_id, owner) for r in found.results]
        return Found(found, self._refs.number(QUERY, found.query, owner), articles)

    async def search_again(self, owner: int, query_ref: int, page: int, per_page: int, newest: bool
                           ) -> Found | None:
        """A page of a search a button refers to; None when the number is not ``owner``'s (or expired)."""
        return await self._worker.run(self._search_again, owner, query_ref, page, per_page, newest)

    def _search_again(self, owner: int, query_ref: int, page: int, per_page: int, newest: bool) -> Found | None:
        query = self._refs.value(QUERY, query_ref, owner)
        return None if query is None else self._search(owner, query, page, per_page, newest)

    async def excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        """A paragraph of the article a button refers to; None when either is gone or not ``owner``'s."""
        return await self._worker.run(self._excerpt, owner, article_ref, paragraph)

    def _excerpt(self, owner: int, article_ref: int, paragraph: int) -> Excerpt | None:
        article_id = self._refs.value(ARTICLE, article_ref, owner)
        return None if article_id is None else self._library.excerpt(article_id, paragraph)

    async def prune(self) -> int:
        """Forget button numbers unused for a month, and answers' messages as old; how many."""
        return await self._worker.run(self._prune, time.time())

    def _prune(self, now: float) -> int:
        with self._db.transaction():
            forgotten = self._refs.prune(now) + self._replies.prune(now)
        return forgotten + self._log.prune(EXPIRY_DAYS)

    async def article(self, article_id: str) -> Article | None:
        return await self._worker.run(self._library.article, article_id)

    async def latest(self, limit: int) -> list[Article]:
        return await self._worker.run(self._library.latest, limit)

    async def trend(self, query: str) -> Trend:
        """Matching articles per day or week (see :meth:`Library.trend`)."""
        return await self._worker.run(self._library.trend, query)

    async def examples(self, limit: int) -> list[str]:
        return await self._worker.run(self._library.example_questions, limit)
