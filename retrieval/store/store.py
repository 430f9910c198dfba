"""The article store (SQLite): articles and their segmented sentences, the source of truth.

Every change bumps a sequence number, so an index (or another process) can tell what it has
not seen yet. Writes happen inside transactions: a crash leaves the old state or the new one.

The schema carries its version in ``PRAGMA user_version`` and is brought up to date by the
ordered steps of :data:`MIGRATIONS` when the store opens (each in its own transaction, so a
crash mid-way resumes at the step that did not finish). A sentence's evidence code
(``retrieval/articles/evidence.py``) is recomputed for every stored sentence when the evidence rules
change (``meta.evidence`` older than :data:`EVIDENCE_VERSION`); no re-segmentation is needed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

from ..articles import EVIDENCE_VERSION, Article, Sentence, may_replace, sentences_evidence
from ..errors import StoreError
from ..text import SyllableTable, fold
from .sqlite import Migration, connect, migrate, schema_version, transaction
from .syllables import add_syllable_ids, add_title_syllables, catch_up, save, title_syllables

T = TypeVar("T")

log = logging.getLogger(__name__)

# Articles whose sentences a store keeps in memory after writing them, for the index to take
# (ingest indexes every CATCH_UP_BATCH articles written, well under this).
JUST_WRITTEN = 8192

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


def _add_evidence(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE sentences ADD COLUMN evidence TEXT NOT NULL DEFAULT ''")
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('evidence', '0')")


def _batches(items: list[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter): one query's parameters each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


MIGRATIONS: tuple[Migration, ...] = (
    _add_evidence,  # 0 → 1: each sentence's evidence code, for the answer features
    add_syllable_ids,  # 1 → 2: each sentence's syllables as ids (retrieval/store/syllables.py)
    add_title_syllables,  # 2 → 3: each article's title's syllables (retrieval/store/syllables.py)
)
"""Step n takes the schema from version n to n + 1; the schema of version 0 is :data:`SCHEMA`."""
EVIDENCE_BATCH = 2000  # sentences recomputed per transaction (about half a second of the write lock)

Outcome = Literal["ingested", "replaced", "unchanged", "conflict"]


def content_hash(article: Article) -> str:
    """Hash of the article's text with case, accents and spacing folded away (its captions too,
    when it has any: they are searched and answer questions)."""
    text = "\n".join([article.title, *article.paragraphs, *article.captions])
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
        self._just_written: dict[int, tuple[int, list[Sentence]]] = {}  # key → (seq, sentences)
        self._syllables = SyllableTable()
        try:
            self._db = connect(path)
            self._db.executescript(SCHEMA)
            migrate(self._db, MIGRATIONS, f"the article store {path}")
            # Who this store is: an index built from another store (a file replaced, restored or
            # deleted and made anew) is told apart by it, whatever its change number.
            self._db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            self._refresh_evidence()
            catch_up(self._db, self._syllables)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the article store {path}: {exc}") from exc

    @property
    def version(self) -> int:
        """The schema version (``PRAGMA user_version``)."""
        return schema_version(self._db)

    def _refresh_evidence(self) -> None:
        """Recompute every sentence's evidence code when the rules changed since it was stored."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'evidence'").fetchone()
        if row is not None and int(row[0]) >= EVIDENCE_VERSION:
            return
        total = self._db.execute("SELECT count(*) FROM sentences").fetchone()[0]
        if total:
            log.info("article store %s: computing the evidence of %d sentences", self.path, total)
        last: tuple[int, int, int] = (-1, 0, 0)
        while True:
            rows = self._db.execute(
                "SELECT article, paragraph, position, text, words FROM sentences"
                " WHERE (article, paragraph, position) > (?, ?, ?) ORDER BY article, paragraph, position LIMIT ?",
                (*last, EVIDENCE_BATCH),
            ).fetchall()
            if not rows:
                break
            with transaction(self._db):
                self._db.executemany(
                    "UPDATE sentences SET evidence = ? WHERE article = ? AND paragraph = ? AND position = ?",
                    [(code, a, p, n) for (a, p, n, _, _), code in
                     zip(rows, sentences_evidence([(text, words) for _, _, _, text, words in rows]))],
                )
            last = rows[-1][:3]
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('evidence', ?)", (str(EVIDENCE_VERSION),))

    def close(self) -> None:
        self._db.close()

    # --- reading -----------------------------------------------------------------------

    @property
    def seq(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
        return int(row[0]) if row else 0

    @property
    def identity(self) -> str:
        return str(self._db.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()[0])

    def count(self) -> int:
        return self._db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def classify(self, article: Article, digest: str) -> tuple[Outcome, int | None]:
        """What storing this article would do, and the key of the article it would replace."""
        row = self._db.execute("SELECT key, content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row is None and article.url:
            linked = self._db.execute("SELECT key, content_hash, id FROM articles WHERE url = ?", (article.url,)).fetchall()
            row = next((r[:2] for r in linked if may_replace(article.id, r[2])), None)
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
        return self._column_of([key], "title").get(key, "")

    def title_syllables(self, keys: Iterable[int]) -> dict[int, str]:
        """The syllables of these articles' titles, space-separated (``syllables(title)``, kept at
        ingest: reading a title afresh for every question cost ~0.4 ms of one); gone ones left out."""
        return self._column_of(keys, "title_syllables")

    def _column_of(self, keys: Iterable[int], column: Literal["title", "title_syllables"]) -> dict[int, str]:
        wanted = list(dict.fromkeys(keys))
        out: dict[int, str] = {}
        for chunk in _batches(wanted, 500):
            marks = ",".join("?" * len(chunk))
            out.update(self._db.execute(f"SELECT key, {column} FROM articles WHERE key IN ({marks})", chunk).fetchall())
        return out

    def get_by_id(self, article_id: str) -> StoredArticle | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _stored(row) if row else None

    def publication_times(self) -> list[tuple[int, datetime]]:
        """(key, published) of every dated article."""
        rows = self._db.execute("SELECT key, published FROM articles WHERE published IS NOT NULL")
        return [(key, datetime.fromisoformat(published)) for key, published in rows]

    def keys_from_source(self, name: str) -> list[int]:
        """Articles whose source or address contains ``name`` (any case): ``nguồn:vnexpress``."""
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._db.execute("SELECT key FROM articles WHERE source LIKE ? ESCAPE '\\' OR url LIKE ? ESCAPE '\\'",
                                (pattern, pattern))
        return [k for (k,) in rows]

    def keys_of(self, article_ids: Iterable[str]) -> list[int]:
        """The keys of the stored articles among these ids (the others are gone)."""
        ids = list(article_ids)
        marks = ",".join("?" * len(ids))
        return [k for (k,) in self._db.execute(f"SELECT key FROM articles WHERE id IN ({marks})", ids)] if ids else []

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
            "SELECT paragraph, position, text, words, evidence FROM sentences"
            " WHERE article = ? AND paragraph = ? AND position BETWEEN ? AND ? ORDER BY position",
            (key, paragraph, first, last),
        )
        return [Sentence(p, n, text, tuple(words.split()), ev) for p, n, text, words, ev in rows]

    @property
    def syllables(self) -> SyllableTable:
        """The syllables behind the ids of :meth:`sentence_rows` (all of them, once it returned)."""
        return self._syllables

    def sentence_rows(self, spans: Iterable[tuple[int, int, int, int]]
                      ) -> dict[tuple[int, int, int], tuple[str, str, str, bytes]]:
        """The stored sentences of each (article, paragraph, first, last) span, positions inclusive,
        keyed by (article, paragraph, position): (text, space-separated pyvi words, evidence code,
        syllable ids as stored: :meth:`SyllableTable.decode` and :attr:`syllables` read them).

        The answer path reads these raw, in one query for all its passages: splitting words into
        ``Sentence`` records it would only join again, or a query per paragraph, cost more than
        the BM25 query itself. Overlapping spans may be given; each sentence comes once.
        """
        wanted = list(dict.fromkeys(spans))
        rows: dict[tuple[int, int, int], tuple[str, str, str, bytes]] = {}
        for chunk in _batches(wanted, 200):  # 800 parameters a query, far below SQLite's limit
            values = ",".join("(?, ?, ?, ?)" for _ in chunk)
            found = self._db.execute(
                f"WITH wanted (article, paragraph, first, last) AS (VALUES {values})"
                " SELECT s.article, s.paragraph, s.position, s.text, s.words, s.evidence, s.syllables FROM wanted"
                " JOIN sentences AS s ON s.article = wanted.article AND s.paragraph = wanted.paragraph"
                " AND s.position BETWEEN wanted.first AND wanted.last",
                [n for span in chunk for n in span],
            )
            rows.update(((a, p, n), (text, words, ev, ids)) for a, p, n, text, words, ev, ids in found)
        if rows:
            catch_up(self._db, self._syllables)  # ids another process wrote since
        return rows

    def all_sentences(self, key: int) -> list[Sentence]:
        rows = self._db.execute(
            "SELECT paragraph, position, text, words, evidence FROM sentences WHERE article = ? ORDER BY paragraph, position",
            (key,),
        )
        return [Sentence(p, n, text, tuple(words.split()), ev) for p, n, text, words, ev in rows]

    # --- writing -----------------------------------------------------------------------

    def write(self, items: Iterable[tuple[Article, str, list[Sentence]]]) -> list[tuple[Outcome, int]]:
        """Store articles with their sentences in one transaction; returns (outcome, key) each.

        Each article is classified again inside the transaction, so duplicates within one
        batch, or written meanwhile by another process, are still stored once. An article
        whose URL another stored article already holds comes back as ``conflict``, unwritten.
        """
        outcomes: list[tuple[Outcome, int]] = []
        written: list[tuple[int, int, list[Sentence]]] = []  # key, seq, sentences
        try:
            with transaction(self._db):
                seq = self.seq
                catch_up(self._db, self._syllables)
                known = len(self._syllables)
                for article, digest, sentences in items:
                    outcome, key = self.classify(article, digest)
                    if outcome == "unchanged":
                        assert key is not None, "an unchanged article is a stored one"
                        outcomes.append((outcome, key))
                        continue
                    try:
                        with transaction(self._db):  # a savepoint: a conflict undoes this article only
                            key = self._write_one(article, digest, sentences, seq + 1, key)
                    except sqlite3.IntegrityError:
                        outcomes.append(("conflict", key or 0))
                        continue
                    seq += 1
                    outcomes.append((outcome, key))
                    written.append((key, seq, sentences))
                # After the articles, outside their savepoints: a syllable that an article undone
                # by a conflict added stays, unused, rather than leave the table short of an id.
                save(self._db, self._syllables, known)
                self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq', ?)", (str(seq),))
        except BaseException as exc:
            self._forget_unsaved()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"cannot write to the article store {self.path}: {exc}") from exc
            raise
        if not self._db.in_transaction:  # committed (inside a caller's transaction it may yet roll back)
            self._remember(written)
        return outcomes

    def _forget_unsaved(self) -> None:
        """After a rolled-back write: the syllable ids it added exist in memory only."""
        try:
            catch_up(self._db, self._syllables)
        except sqlite3.Error:
            self._syllables.truncate(0)  # read afresh by the next catch_up that can

    def _remember(self, written: list[tuple[int, int, list[Sentence]]]) -> None:
        """Keep the sentences just written for :meth:`sentences_of`, the newest JUST_WRITTEN."""
        kept = self._just_written
        for key, seq, sentences in written:
            kept.pop(key, None)
            kept[key] = (seq, sentences)
        for key in list(itertools.islice(kept, max(len(kept) - JUST_WRITTEN, 0))):
            del kept[key]

    def sentences_of(self, stored: StoredArticle) -> list[Sentence]:
        """The sentences of ``stored`` as written at its change number: those this store object
        wrote itself are taken from memory, once (the index reads every article it is given
        right after ingest writes it: reading them back was 7 % of the parent's work), else
        read from the file (another process wrote it, or a newer version is stored)."""
        kept = self._just_written.pop(stored.key, None)
        if kept is not None and kept[0] == stored.seq:
            return kept[1]
        return self.all_sentences(stored.key)

    def _write_one(self, article: Article, digest: str, sentences: list[Sentence], seq: int, key: int | None) -> int:
        """Insert (``key`` None) or overwrite one article and its sentences; its key."""
        values = _row_values(article, digest, seq)
        if key is None:
            cursor = self._db.execute(
                f"INSERT INTO articles ({_WRITE_COLUMNS}) VALUES ({', '.join('?' * len(values))})", values
            )
            assert cursor.lastrowid is not None, "an inserted row has a key"
            key = cursor.lastrowid
        else:
            assignments = ", ".join(f"{c} = ?" for c in _WRITE_COLUMNS.split(", "))
            self._db.execute(f"UPDATE articles SET {assignments} WHERE key = ?", (*values, key))
            self._db.execute("DELETE FROM sentences WHERE article = ?", (key,))
        encode = self._syllables.encode
        self._db.executemany(
            "INSERT INTO sentences (article, paragraph, position, text, words, evidence, syllables)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(key, s.paragraph, s.position, s.text, joined, s.evidence, encode(joined)[0])
             for s in sentences for joined in [" ".join(s.words)]],
        )
        return key


_ARTICLE_COLUMNS = (
    "id, url, content_hash, title, published, source, author, category, summary, paragraphs, captions, tags, seq"
)
_WRITE_COLUMNS = _ARTICLE_COLUMNS + ", title_syllables"
_COLUMNS = "key, " + _ARTICLE_COLUMNS


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
        title_syllables(article.title),
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
