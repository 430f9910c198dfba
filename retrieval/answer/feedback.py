"""The answer log: answers given, and readers' 👍 / 👎 on them (``answers.sqlite3``).

Two uses. A follow-up question ("vì sao?", replying to an answer) is asked within the
articles that answer cited; and ratings grow the evaluation set: :meth:`AnswerLog.export`
writes the rated answers in the question-file format of ``../shared/data/README.md``.

Nobody is named here: a rating is kept under a salted hash of the rater (the salt is made
once per log and never leaves it), so one rater has one rating per answer, and the
export carries no user id at all.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ..store import connect, migrate, transaction
from ..text import utc_now, utc_stamp
from .question import Kind, analyse_question
from .records import Answer

ANSWER_LOG = "answers.sqlite3"  # in the data folder, beside the article store

# The ``type`` of a question in the news dev set, for each kind the analysis reads.
DEV_TYPES = {Kind.PERSON: "ai", Kind.PLACE: "o_dau", Kind.TIME: "khi_nao", Kind.NUMBER: "bao_nhieu",
             Kind.THING: "gi", Kind.REASON: "vi_sao", Kind.MANNER: "nhu_the_nao"}

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        question TEXT NOT NULL,
        sentence TEXT NOT NULL,        -- the first sentence, the one readers judge
        article_id TEXT NOT NULL,      -- its article
        paragraph INTEGER NOT NULL,
        cited TEXT NOT NULL,           -- JSON list of every cited article id, in order
        created TEXT NOT NULL
    );
    CREATE TABLE ratings (
        answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
        rater TEXT NOT NULL,           -- salted hash of the rater, never the id itself
        good INTEGER NOT NULL,         -- 1: 👍, 0: 👎
        at TEXT NOT NULL,
        PRIMARY KEY (answer_id, rater)
    );
    """,
)


@dataclass(frozen=True)
class Logged:
    """An answer as the log remembers it."""

    id: int
    question: str
    cited: tuple[str, ...]


@dataclass(frozen=True)
class Ratings:
    up: int
    down: int
    answers_rated: int


class AnswerLog:
    """Answers and their ratings; one connection, used by one thread at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path)
        migrate(self._db, MIGRATIONS, f"the answer log {path}")
        with transaction(self._db):
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('salt', ?)", (secrets.token_hex(16),))
        self._salt = self._db.execute("SELECT value FROM meta WHERE key = 'salt'").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def record(self, answer: Answer) -> int:
        """Log a found answer; its number."""
        first = answer.sentences[0]
        cited = [c.article_id for c in answer.sources()]
        with transaction(self._db):
            cursor = self._db.execute(
                "INSERT INTO answers (question, sentence, article_id, paragraph, cited, created)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (answer.question, first.text, first.citation.article_id, first.citation.paragraph,
                 json.dumps(cited, ensure_ascii=False), utc_stamp()))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def get(self, answer_id: int) -> Logged | None:
        row = self._db.execute("SELECT id, question, cited FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return None if row is None else Logged(row[0], row[1], tuple(json.loads(row[2])))

    def _rater(self, rater: int | str) -> str:
        return hashlib.blake2b(f"{self._salt}:{rater}".encode(), digest_size=12).hexdigest()

    def rate(self, answer_id: int, rater: int | str, good: bool) -> bool:
        """Store one rater's 👍 (``good``) or 👎, replacing their earlier one; whether it changed."""
        key = self._rater(rater)
        with transaction(self._db):
            before = self._db.execute("SELECT good FROM ratings WHERE answer_id = ? AND rater = ?",
                                      (answer_id, key)).fetchone()
            self._db.execute(
                "INSERT INTO ratings (answer_id, rater, good, at) VALUES (?, ?, ?, ?) ON CONFLICT (answer_id, rater)"
                " DO UPDATE SET good = excluded.good, at = excluded.at", (answer_id, key, int(good), utc_stamp()))
        return before is None or bool(before[0]) != good

    def prune(self, days: float) -> int:
        """Forget unrated answers older than ``days`` (rated ones are evaluation data); how many."""
        with transaction(self._db):
            return self._db.execute(
                "DELETE FROM answers WHERE created < ? AND id NOT IN (SELECT answer_id FROM ratings)",
                ((utc_now() - timedelta(days=days)).isoformat(timespec="seconds"),)).rowcount

    def ratings(self) -> Ratings:
        up, down, rated = self._db.execute(
            "SELECT COALESCE(SUM(good), 0), COALESCE(SUM(1 - good), 0), COUNT(DISTINCT answer_id) FROM ratings"
        ).fetchone()
        return Ratings(int(up), int(down), int(rated))

    def export(self, path: Path) -> tuple[int, int]:
        """Write every rated answer as a question record; (positives, negatives) written.

        Each line: ``id``, ``question``, ``article_id``, ``type`` (as in the news set), the
        votes, and either ``answers`` + ``sentence`` (more 👍 than 👎: this sentence answers
        it) or ``not_sentence`` (more 👎: not this one). Ties say nothing and are left out.
        The file is written beside ``path`` and renamed over it, whole or not at all.
        """
        rows = self._db.execute(
            "SELECT a.id, a.question, a.sentence, a.article_id, SUM(r.good), SUM(1 - r.good) FROM answers a"
            " JOIN ratings r ON r.answer_id = a.id GROUP BY a.id ORDER BY a.id").fetchall()
        positives = negatives = 0
        temp = path.with_name(path.name + ".tmp")
        with temp.open("w", encoding="utf-8") as out:
            for answer_id, question, sentence, article_id, up, down in rows:
                if up == down:
                    continue
                record: dict[str, object] = {
                    "id": f"feedback-{answer_id}", "question": question, "article_id": article_id,
                    "type": DEV_TYPES.get(analyse_question(question).kind, "khac"), "votes": {"up": up, "down": down},
                }
                if up > down:
                    record.update(answers=[sentence], sentence=sentence)
                    positives += 1
                else:
                    record.update(answers=[], not_sentence=sentence)
                    negatives += 1
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        temp.replace(path)
        return positives, negatives

