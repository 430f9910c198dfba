"""The article store's syllable ids in SQLite: the ``syllables`` table behind a
:class:`~retrieval.text.SyllableTable`, and the schema step that gives every stored sentence
its ids (``sentences.syllables``, little-endian int32); and the step that keeps each article's
title's syllables beside it (``articles.title_syllables``).

Ids are dense (0, 1, 2 …) and only ever appended, inside the transaction that writes the
sentences using them, so a reader that sees a sentence also sees its ids once it has caught up
(:func:`catch_up`), whichever process wrote it.
"""

from __future__ import annotations

import sqlite3

from ..text import SyllableTable, syllables

FILL_BATCH = 5000  # sentences given their ids per statement batch while migrating


def catch_up(db: sqlite3.Connection, table: SyllableTable) -> None:
    """Bring ``table`` level with the file: append what other processes added, forget what a
    rolled-back transaction of this one had added (the file is the truth)."""
    row = db.execute("SELECT id, text FROM syllables ORDER BY id DESC LIMIT 1").fetchone()
    size = row[0] + 1 if row else 0
    known = len(table)
    if size == known and (not row or table.texts[-1] == row[1]):
        return
    if known > size or (known and table.texts[known - 1] != _text(db, known - 1)):
        table.truncate(0)  # rolled back, or another file under the same name: read it whole
    table.extend(text for (text,) in db.execute("SELECT text FROM syllables WHERE id >= ? ORDER BY id", (len(table),)))


def _text(db: sqlite3.Connection, syllable: int) -> str | None:
    row = db.execute("SELECT text FROM syllables WHERE id = ?", (syllable,)).fetchone()
    return row[0] if row else None


def save(db: sqlite3.Connection, table: SyllableTable, start: int) -> None:
    """Write the syllables from id ``start`` on (inside the caller's transaction)."""
    db.executemany("INSERT INTO syllables (id, text) VALUES (?, ?)",
                   [(n, table.texts[n]) for n in range(start, len(table))])


def add_syllable_ids(db: sqlite3.Connection) -> None:
    """Schema step 1 → 2: the ``syllables`` table, and every stored sentence's ids."""
    db.execute("CREATE TABLE syllables (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE)")
    db.execute("ALTER TABLE sentences ADD COLUMN syllables BLOB NOT NULL DEFAULT x''")
    table = SyllableTable()
    last: tuple[int, int, int] = (-1, 0, 0)
    while rows := db.execute(
        "SELECT article, paragraph, position, words FROM sentences WHERE (article, paragraph, position) > (?, ?, ?)"
        " ORDER BY article, paragraph, position LIMIT ?", (*last, FILL_BATCH)
    ).fetchall():
        db.executemany("UPDATE sentences SET syllables = ? WHERE article = ? AND paragraph = ? AND position = ?",
                       [(table.encode(words)[0], a, p, n) for a, p, n, words in rows])
        last = rows[-1][:3]
    save(db, table, 0)


def title_syllables(title: str) -> str:
    """What ``articles.title_syllables`` holds: the title's syllables, lower-cased, space-separated
    (``words_syllables`` reads them in either half, as it reads a sentence's words)."""
    return " ".join(syllables(title))


def add_title_syllables(db: sqlite3.Connection) -> None:
    """Schema step 2 → 3: every article's title's syllables, computed once."""
    db.execute("ALTER TABLE articles ADD COLUMN title_syllables TEXT NOT NULL DEFAULT ''")
    rows = db.execute("SELECT key, title FROM articles").fetchall()
    db.executemany("UPDATE articles SET title_syllables = ? WHERE key = ?", [(title_syllables(t), k) for k, t in rows])
