"""Alert matching: articles the store gained since last time, against every subscription.

The cursor (the store's change number, in ``meta.alerts_seq``) moves in the same transaction
as the outbox rows it produced, so a crash repeats or skips nothing; several workers share it. On first use it starts
at the present: the articles already stored never alert. Articles published more than
``max_age_hours`` ago (arriving late, or re-published) never alert either.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from retrieval.library import Library
from retrieval.text import utc_now

from .chats import Chats
from .database import Database
from .keywords import article_terms
from .outbox import Outbox
from .subscriptions import Subscriptions

log = logging.getLogger(__name__)

MATCH_BATCH = 200  # articles matched per transaction


class AlertMatcher:
    def __init__(self, db: Database, library: Library, subscriptions: Subscriptions, chats: Chats,
                 outbox: Outbox, max_age_hours: float) -> None:
        self._db = db
        self._library = library
        self._subscriptions = subscriptions
        self._chats = chats
        self._outbox = outbox
        self.max_age_hours = max_age_hours

    def start(self) -> None:
        """Start the alert cursor at the store's newest article unless it has started: what was
        stored before the first bot ran is not news. The ingest side calls it as it opens, so an
        article ingested at once, before the first ``queue_new``, still gets its alerts."""
        self._db.execute("INSERT INTO meta (key, value) VALUES ('alerts_seq', ?) ON CONFLICT DO NOTHING",
                         (str(self._library.seq),))

    def queue_new(self) -> int:
        """Queue the alerts of every article stored since the last call; rows queued."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'alerts_seq'").fetchone()
        if row is None:
            self.start()
            return 0
        since, queued = int(row[0]), 0
        oldest = utc_now() - timedelta(hours=self.max_age_hours)
        while changes := self._library.changes(since, MATCH_BATCH):
            with self._db.transaction():
                for stored in changes:
                    published = stored.article.published
                    if published is not None and published < oldest:
                        continue
                    for sub in self._subscriptions.matching(article_terms(stored.article)):
                        if self._chats.state(sub.chat_id).receives:
                            queued += self._outbox.queue(stored.key, stored.article, sub.chat_id, sub.query.text,
                                                         sub.thread_id)
                since = changes[-1].seq
                # Never backwards: another worker matching the same changes may be ahead (what
                # both queue is queued once, the outbox is unique per article and chat).
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'alerts_seq' AND CAST(value AS BIGINT) < ?",
                                 (str(since), since))
        if queued:
            log.info("queued %d alert(s)", queued)
        return queued
