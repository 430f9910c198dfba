"""The article store (SQLite): articles and their segmented sentences, the source of truth.

Every change bumps a sequence number, so an index (or another process) can tell what it has
not seen yet. Writes happen inside transactions: a crash leaves the old state or the new one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator, Literal

from .errors import StoreError
from .models import Article, Sentence
from .text import fold

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    url TEXT UNIQUE,
    content_hash TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    source TEXT,
    author TEXT,
    category TEXT,
    summary TEXT,
    paragraphs TEXT NOT NULL,
    captions TEXT NOT NULL,
    tags TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_hash ON articles (content_hash);
CREATE INDEX IF NOT EXISTS articles_seq ON articles (seq);
CREATE TABLE IF NOT EXISTS sentences (
    article INTEGER NOT NULL REFERENCES articles (key) ON DELETE CASCADE,
    paragraph INTEGER NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    words TEXT NOT NULL,
    PRIMARY KEY (article, paragraph, position)
) WITHOUT ROWID;
"""

Outcome = Literal["ingested", "replaced", "unchanged", "conflict"]


def content_hash(article: Article) -> str:
    """Hash of the article's text with case, accents and spacing folded away."""
    text = "\n".join([article.title, *article.paragraphs])
    return hashlib.sha1(" ".join(fold(text).split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoredArticle:
    key: int
    article: Article
    seq: int


class Store:
    """SQLite file of articles and sentences. One writer at a time; readers never block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the article store {path}: {exc}") from exc

    def close(self) -> None:
        self._db.close()

    # --- reading -----------------------------------------------------------------------

    @property
    def seq(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        return int(row[0]) if row else 0

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def classify(self, article: Article, digest: str) -> tuple[Outcome, int | None]:
        """What storing this article would do, and the key of the article it would replace."""
        row = self._db.execute("SELECT key, content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row is None and article.url:
            row = self._db.execute("SELECT key, content_hash FROM articles WHERE url = ?", (article.url,)).fetchone()
        if row is not None:
            return ("unchanged" if row[1] == digest else "replaced"), row[0]
        same = self._db.execute("SELECT key FROM articles WHERE content_hash = ?", (digest,)).fetchone()
        if same is not None:
            return "unchanged", same[0]
        return "ingested", None

    def get(self, key: int) -> StoredArticle | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE key = ?", (key,)).fetchone()
        return _stored(row) if row else None

    def title(self, key: int) -> str:
        """An article's title alone ("" when it has none or is gone), without decoding its body."""
        row = self._db.execute("SELECT title FROM articles WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def get_by_id(self, article_id: str) -> StoredArticle | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _stored(row) if row else None

    def changed_since(self, seq: int) -> Iterator[StoredArticle]:
        """Articles written after change number ``seq``, oldest change first."""
        for row in self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE seq > ? ORDER BY seq", (seq,)):
            yield _stored(row)

    def latest(self, limit: int) -> list[StoredArticle]:
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM articles ORDER BY published IS NULL, published DESC, seq DESC LIMIT ?", (limit,)
        )
        return [_stored(row) for row in rows]

    def sentences(self, key: int, paragraph: int, first: int = 0, last: int = 1 << 30) -> list[Sentence]:
        rows = self._db.execute(
            "SELECT paragraph, position, text, words FROM sentences"
            " WHERE article = ? AND paragraph = ? AND position BETWEEN ? AND ? ORDER BY position",
            (key, paragraph, first, last),
        )
        return [Sentence(p, n, text, tuple(words.split())) for p, n, text, words in rows]

    def paragraph_rows(self, key: int, paragraph: int) -> list[tuple[int, str, str]]:
        """A paragraph's sentences as stored: (position, text, space-separated pyvi words).

        The answer path reads these raw: splitting words into ``Sentence`` records it would
        only join again costs more than the query itself.
        """
        return self._db.execute(
            "SELECT position, text, words FROM sentences WHERE article = ? AND paragraph = ? ORDER BY position",
            (key, paragraph),
        ).fetchall()

    def all_sentences(self, key: int) -> list[Sentence]:
        rows = self._db.execute(
            "SELECT paragraph, position, text, words FROM sentences WHERE article = ? ORDER BY paragraph, position",
            (key,),
        )
        return [Sentence(p, n, text, tuple(words.split())) for p, n, text, words in rows]

    # --- writing -----------------------------------------------------------------------

    def write(self, items: Iterable[tuple[Article, str, list[Sentence]]]) -> list[tuple[Outcome, int]]:
        """Store articles with their sentences in one transaction; returns (outcome, key) each.

        Each article is classified again inside the transaction, so duplicates within one
        batch, or written meanwhile by another process, are still stored once. An article
        whose URL another stored article already holds comes back as ``conflict``, unwritten.
        """
        outcomes: list[tuple[Outcome, int]] = []
        try:
            self._db.execute("BEGIN IMMEDIATE")
            seq = self.seq
            for article, digest, sentences in items:
                outcome, key = self.classify(article, digest)
                if outcome == "unchanged":
                    outcomes.append((outcome, key))
                    continue
                values = _row_values(article, digest, seq + 1)
                self._db.execute("SAVEPOINT article")
                try:
                    if key is None:
                        cursor = self._db.execute(
                            f"INSERT INTO articles ({_WRITE_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
                        )
                        key = cursor.lastrowid
                    else:
                        assignments = ", ".join(f"{c} = ?" for c in _WRITE_COLUMNS.split(", "))
                        self._db.execute(f"UPDATE articles SET {assignments} WHERE key = ?", (*values, key))
                        self._db.execute("DELETE FROM sentences WHERE article = ?", (key,))
                    self._db.executemany(
                        "INSERT INTO sentences (article, paragraph, position, text, words) VALUES (?, ?, ?, ?, ?)",
                        [(key, s.paragraph, s.position, s.text, " ".join(s.words)) for s in sentences],
                    )
                except sqlite3.IntegrityError:
                    self._db.execute("ROLLBACK TO article")
                    self._db.execute("RELEASE article")
                    outcomes.append(("conflict", key or 0))
                    continue
                self._db.execute("RELEASE article")
                seq += 1
                outcomes.append((outcome, key))
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (str(seq),))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(f"cannot write to the article store {self.path}: {exc}") from exc
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        return outcomes


_WRITE_COLUMNS = (
    "id, url, content_hash, title, published, source, author, category, summary, paragraphs, captions, tags, seq"
)
_COLUMNS = "key, " + _WRITE_COLUMNS


def _row_values(article: Article, digest: str, seq: int) -> tuple:
    return (
        article.id,
        article.url,
        digest,
        article.title,
        article.published.isoformat() if article.published else None,
        article.source,
        article.author,
        article.category,
        article.summary,
        json.dumps(list(article.paragraphs), ensure_ascii=False),
        json.dumps(list(article.captions), ensure_ascii=False),
        json.dumps(list(article.tags), ensure_ascii=False),
        seq,
    )


def _stored(row: tuple) -> StoredArticle:
    (key, id_, url, _digest, title, published, source, author, category, summary, paragraphs, captions, tags, seq) = row
    article = Article(
        id=id_,
        title=title,
        paragraphs=tuple(json.loads(paragraphs)),
        url=url,
        published=datetime.fromisoformat(published) if published else None,
        source=source,
        author=author,
        category=category,
        summary=summary,
        captions=tuple(json.loads(captions)),
        tags=tuple(json.loads(tags)),
    )
    return StoredArticle(key, article, seq)
