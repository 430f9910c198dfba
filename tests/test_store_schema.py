"""The article store's schema versions: migrations from version 0, and evidence kept current."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from retrieval.articles import EVIDENCE_VERSION, Article
from retrieval.errors import StoreError
from retrieval.store.store import MIGRATIONS, SCHEMA, Store, content_hash
from retrieval.text import words_syllables


def version_0_store(path: Path) -> None:
    """A store as the code before schema versions wrote it: no evidence column, user_version 0."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute(
        "INSERT INTO articles (key, id, url, content_hash, title, published, source, author, category, summary,"
        " paragraphs, captions, tags, seq) VALUES (1, 'a', NULL, 'h', 'Cầu', NULL, NULL, NULL, NULL, NULL, ?, '[]', '[]', 1)",
        (json.dumps(["Cầu Long Biên được xây dựng năm 1899."]),),
    )
    db.execute("INSERT INTO sentences (article, paragraph, position, text, words) VALUES "
               "(1, 1, 0, 'Cầu Long Biên được xây dựng năm 1899.', 'cầu long_biên được xây_dựng năm 1899')")
    db.execute("INSERT INTO meta (key, value) VALUES ('seq', '1')")
    db.commit()
    db.close()


def test_a_version_0_store_is_migrated_and_its_sentences_get_their_evidence(tmp_path: Path) -> None:
    path = tmp_path / "articles.sqlite3"
    version_0_store(path)
    store = Store(path)
    assert store.version == len(MIGRATIONS)
    [(text, words, evidence, ids)] = store.sentence_rows([(1, 1, 0, 5)]).values()
    assert evidence.startswith("t"), "the year 1899 is found as a time"
    assert store.syllables.spell(store.syllables.decode(ids), False) == tuple(words_syllables(words, False)), \
        "the stored sentence got its syllable ids"
    stored = store.get(1)
    assert stored is not None and stored.article.title == "Cầu" and store.seq == 1, "the data survives the migration"
    assert store.title_syllables([1, 2]) == {1: "cầu"}, "the stored title got its syllables"
    store.close()
    again = Store(path)  # opening again migrates nothing and recomputes nothing
    assert again.version == len(MIGRATIONS)
    meta = again._db.execute("SELECT value FROM meta WHERE key = 'evidence'").fetchone()[0]
    assert int(meta) == EVIDENCE_VERSION
    again.close()


def test_evidence_is_recomputed_when_its_rules_change(tmp_path: Path) -> None:
    path = tmp_path / "articles.sqlite3"
    version_0_store(path)
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE sentences SET evidence = 'stale'")
    db.execute("UPDATE meta SET value = '0' WHERE key = 'evidence'")
    db.commit()
    db.close()
    store = Store(path)
    assert store.sentence_rows([(1, 1, 0, 0)])[(1, 1, 0)][2].startswith("t")
    store.close()


def test_a_store_from_newer_code_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "articles.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer than this code"):
        Store(path)


def test_a_written_title_keeps_its_syllables_and_a_rewrite_updates_them(tmp_path: Path) -> None:
    store = Store(tmp_path / "articles.sqlite3")
    body = ("Nước lũ dâng cao.",)
    [(_, key)] = store.write([(a := Article("x", "Hoà Bình: Lũ_quét ở xã Tân Pheo", body), content_hash(a), [])])
    assert store.title_syllables([key]) == {key: "hòa bình lũ_quét ở xã tân pheo"}
    [(outcome, again)] = store.write([(b := Article("x", "Lũ rút", body), content_hash(b), [])])
    assert (outcome, again) == ("replaced", key) and store.title_syllables([key]) == {key: "lũ rút"}
    assert words_syllables(store.title_syllables([key])[key], True) == ["~lu", "~rut"]
    store.close()
