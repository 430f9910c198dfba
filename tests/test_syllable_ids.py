"""Sentences' syllables stored as ids: the table, and the store keeping it whole across
processes and rolled-back writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.articles import Article, Sentence
from retrieval.store.ingest import articles_sentences
from retrieval.store.store import Store, content_hash
from retrieval.text import SyllableTable, words_syllables

WORDS = "Trương_Thị_Mai chủ_trì hội_nghị tại Hà_Nội , trí_tuệ 2020"


def test_ids_spell_the_same_syllables_as_the_words_accented_and_folded() -> None:
    table = SyllableTable()
    stored, added = table.encode(WORDS)
    assert added == list(dict.fromkeys(words_syllables(WORDS, False)))
    ids = table.decode(stored)
    assert table.spell(ids, False) == tuple(words_syllables(WORDS, False))
    assert table.spell(ids, True) == tuple(words_syllables(WORDS, True))
    # "trì" and "trí" are two accented ids and one folded id ("~tri")
    both = table.ids(["trì", "trí"], folded=False)
    assert len(set(both.values())) == 2
    assert len({int(table.folded_of[i]) for i in both.values()}) == 1
    assert table.ids(["~tri", "~xyz"], folded=True) == {"~tri": int(table.folded_of[both["trì"]])}
    assert table.encode(WORDS)[1] == [], "known syllables are not added twice"


def test_truncate_forgets_the_last_ids_and_their_folded_terms() -> None:
    table = SyllableTable(["mưa", "lũ"])
    table.extend(["mứa"])
    table.truncate(2)
    assert table.texts == ["mưa", "lũ"] and table.folded_texts == ["~mua", "~lu"]
    assert table.ids(["mứa"], folded=False) == {}


def article(name: str, body: str) -> tuple[Article, str, list[Sentence]]:
    a = Article(name, f"Tin {name}", (body,))
    return a, content_hash(a), articles_sentences([a])[0]


def spelled_rows(store: Store) -> dict[tuple[int, int, int], tuple[str, ...]]:
    rows = store.sentence_rows([(s.key, 1, 0, 99) for s in store.changed_since(0)])
    return {place: store.syllables.spell(store.syllables.decode(ids), False) for place, (_, _, _, ids) in rows.items()}


def test_a_reader_spells_ids_another_connection_wrote(tmp_path: Path) -> None:
    path = tmp_path / "articles.sqlite3"
    reader, writer = Store(path), Store(path)
    writer.write([article("a", "Mưa lớn ở Huế.")])
    reader.sentence_rows([])  # nothing read, nothing to catch up
    writer.write([article("b", "Bão số 9 đổ bộ Quảng Ngãi.")])
    assert sorted(spelled_rows(reader).values()) == [("bão", "số", "9", "đổ", "bộ", "quảng", "ngãi"),
                                                     ("mưa", "lớn", "ở", "huế")]
    reader.close()
    writer.close()


def test_a_write_that_fails_leaves_no_id_behind(tmp_path: Path) -> None:
    path = tmp_path / "articles.sqlite3"
    store = Store(path)
    store.write([article("a", "Mưa lớn ở Huế.")])
    known = len(store.syllables)

    def failing() -> Iterator[tuple[Article, str, list[Sentence]]]:
        yield article("b", "Sạt lở vùi lấp nhà dân.")
        raise OSError("a worker died")

    with pytest.raises(OSError):
        store.write(failing())
    assert len(store.syllables) == known, "the rolled-back syllables are forgotten"
    other = Store(path)  # another process then takes the same ids for other syllables
    other.write([article("c", "Lũ quét cuốn trôi cầu tạm.")])
    store.write([article("d", "Nước rút chậm.")])
    expected = {"Mưa lớn ở Huế.", "Lũ quét cuốn trôi cầu tạm.", "Nước rút chậm."}
    for reader in (store, Store(path)):
        rows = reader.sentence_rows([(s.key, 1, 0, 99) for s in reader.changed_since(0)])
        spelled = {text: reader.syllables.spell(reader.syllables.decode(ids), False) for text, _, _, ids in rows.values()}
        assert set(spelled) == expected
        assert all(spelled[text] == tuple(words_syllables(words, False)) for text, words, _, _ in rows.values())
