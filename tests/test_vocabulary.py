"""The vocabulary: numbers survive saving and loading, lookups are exact, new terms extend it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrieval.index.vocabulary import Vocabulary, hashes


def test_round_trip_and_growth(tmp_path: Path) -> None:
    terms = ["chủ", "trì", "chủ_trì", "~chu", "~tri", "~chu_tri", "hội", "nghị", "a" * 300, "🙂"]
    vocab = Vocabulary(terms)
    vocab.save(tmp_path)
    loaded = Vocabulary.load(tmp_path)
    assert len(loaded) == len(terms) and list(loaded.terms()) == terms
    assert loaded.lookup(terms + ["không", "chu"]) == list(range(len(terms))) + [None, None]
    assert "hội" in loaded and "hoi" not in loaded
    assert loaded.setdefault("mới") == len(terms) and loaded.setdefault("chủ") == 0
    assert loaded.get("mới") == len(terms) and list(loaded.terms())[-1] == "mới"
    kept = loaded.keep(np.array([i % 2 == 0 for i in range(len(loaded))]))
    assert list(kept.terms()) == terms[::2] + ["mới"]


def test_many_terms_all_found(tmp_path: Path) -> None:
    terms = [f"t{i}_{i * 7919 % 1000}" for i in range(50_000)]
    Vocabulary(terms).save(tmp_path)
    loaded = Vocabulary.load(tmp_path)
    assert loaded.lookup(terms) == list(range(len(terms)))
    assert loaded.lookup([f"x{i}" for i in range(1000)]) == [None] * 1000


def test_hashes_are_fnv1a_of_the_utf8_bytes() -> None:
    # Reference values of 64-bit FNV-1a (the published test vectors for "" and "a"), and the
    # same function written out byte by byte for terms of every length in one call.
    def fnv1a(data: bytes) -> int:
        h = 0xCBF29CE484222325
        for byte in data:
            h = ((h ^ byte) * 0x100000001B3) % (1 << 64)
        return h - (1 << 64) if h >= 1 << 63 else h

    assert hashes(["", "a"]).tolist() == [fnv1a(b""), fnv1a(b"a")]
    assert fnv1a(b"a") == 0xAF63DC4C8601EC8C - (1 << 64)
    terms = ["chủ_trì", "~chu", "", "a" * 300, "🙂", "b", "nghị", "~chu_tri"]
    assert hashes(terms).tolist() == [fnv1a(t.encode()) for t in terms]
    assert hashes([]).size == 0


def test_terms_are_saved_byte_exact_even_one_holding_a_nul(tmp_path: Path) -> None:
    # The save encodes all new terms at once, split at NULs; a term with a NUL of its own (never
    # made by ingest) must not shift the others.
    for terms in (["chủ", "", "trì", "日本", "a" * 70], ["x\x00y", "z", "đ"]):
        Vocabulary(terms).save(tmp_path)
        loaded = Vocabulary.load(tmp_path)
        assert list(loaded.terms()) == terms
        assert loaded.lookup(terms) == list(range(len(terms)))


def test_a_term_found_missing_is_found_once_added(tmp_path: Path) -> None:
    # Lookups remember what the loaded base lacks too; a term added afterwards must still be found.
    Vocabulary(["chủ", "trì"]).save(tmp_path)
    loaded = Vocabulary.load(tmp_path)
    assert loaded.lookup(["hội", "chủ", "hội"]) == [None, 0, None]
    assert loaded.lookup(["hội"]) == [None]  # now from the memo
    assert loaded.setdefault("hội") == 2
    assert loaded.lookup(["hội", "trì", "nghị"]) == [2, 1, None]
    assert loaded.number_distinct(["nghị", "hội"]).tolist() == [3, 2]
