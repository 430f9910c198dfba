"""The index on disk: round trip, a crash mid-save, damage, and catching up with the store."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from retrieval.articles import Article, Passage
from retrieval.errors import IndexFormatError
from retrieval.index import Index
from retrieval.library import Library
from retrieval.store.ingest import articles_sentences
from retrieval.store.store import content_hash


def small_index() -> Index:
    index = Index()
    index.add([(Passage(1, 1, 0, 2), ["hà", "nội", "hà_nội"]), (Passage(2, 3, 1, 1), ["huế", "mưa", "mưa"])])
    index.seq = 9
    index.analysis = {"terms": 1}
    return index


def test_round_trip_keeps_scores_vocab_and_sequence(tmp_path: Path) -> None:
    index = small_index()
    index.save(tmp_path / "index")
    loaded = Index.load(tmp_path / "index")
    assert loaded.seq == 9 and loaded.analysis == {"terms": 1}
    assert list(loaded.vocab.terms()) == list(index.vocab.terms())
    assert loaded.passage(1) == Passage(2, 3, 1, 1)
    assert np.array_equal(loaded.dense_scores(["mưa", "hà"]), index.dense_scores(["mưa", "hà"]))
    assert not list((tmp_path / "index").glob("*.pkl")), "no pickle on disk"
    for array in (tmp_path / "index").glob("gen-*/*.npy"):
        np.load(array, allow_pickle=False)  # would raise for an object array


def test_a_mapped_index_reads_its_files_as_plain_read_only_arrays(tmp_path: Path) -> None:
    index = small_index()
    index.save(tmp_path / "index")
    mapped = Index.load(tmp_path / "index", mmap=True)
    assert np.array_equal(mapped.dense_scores(["mưa", "hà"]), index.dense_scores(["mưa", "hà"]))
    assert mapped.top(["mưa", "hà"], 2) == index.top(["mưa", "hà"], 2)
    arrays = [mapped._a.docs, mapped._a.tfs, mapped._approximate(), mapped.vocab._blob, mapped.vocab._hashes]
    # np.memmap runs Python code on every slice (the answer path slices postings hundreds of
    # times a question); the mapped pages are read through plain views, which stay read-only.
    assert all(type(a) is np.ndarray and not a.flags.writeable for a in arrays)
    assert all(isinstance(a.base, np.memmap) for a in arrays), "still mapped, not read into memory"


def test_crash_mid_save_leaves_the_old_index_in_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "index"
    small_index().save(folder)
    bigger = small_index()
    bigger.add([(Passage(3, 1, 0, 0), ["mới"])])
    bigger.seq = 10
    real_save = np.save
    calls = {"n": 0}

    def failing_save(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError):
        bigger.save(folder)
    monkeypatch.setattr(np, "save", real_save)
    survivor = Index.load(folder)
    assert survivor.seq == 9 and survivor.n_passages == 2 and "mới" not in survivor.vocab
    assert not list(folder.glob(".gen-tmp-*")), "the half-written generation is cleaned up"
    bigger.save(folder)
    assert Index.load(folder).seq == 10
    assert len(list(folder.glob("gen-*"))) == 1, "older generations are removed after a good save"


def test_damaged_or_missing_index_says_so(tmp_path: Path) -> None:
    with pytest.raises(IndexFormatError, match="no index"):
        Index.load(tmp_path / "nothing")
    folder = tmp_path / "index"
    generation = small_index().save(folder)
    (generation / "docs.npy").write_bytes(b"garbage")
    with pytest.raises(IndexFormatError, match="damaged"):
        Index.load(folder)
    meta = json.loads((generation / "meta.json").read_text())
    (generation / "meta.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(IndexFormatError, match="format 99"):
        Index.load(folder)


def test_library_rebuilds_a_damaged_index_from_the_store(seed_library: Library) -> None:
    before = seed_library.answer("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
    folder = seed_library.data_dir
    seed_library.close()
    current = (folder / "index" / "CURRENT").read_text()
    (folder / "index" / current / "tfs.npy").write_bytes(b"\x00broken")
    reopened = Library(folder)
    assert reopened.index.n_articles == 4
    assert reopened.answer("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?") == before
    reopened.close()


def test_articles_stored_but_not_yet_indexed_are_caught_up_at_start(seed_library: Library) -> None:
    # As after a crash between the store's commit and the index's save, or another process's ingest.
    article = Article(id="late", title="Bão số 9 đổ bộ Quảng Ngãi", paragraphs=("Bão số 9 đổ bộ Quảng Ngãi chiều qua.",))
    seed_library.store.write([(article, content_hash(article), articles_sentences([article])[0])])
    folder = seed_library.data_dir
    seed_library.close()
    reopened = Library(folder)
    assert reopened.index.n_articles == 5
    hits = reopened.retrieve("bão số 9 Quảng Ngãi", 1)
    stored = reopened.store.get(hits[0].passage.article)
    assert stored is not None and stored.article.id == "late"
    assert Index.load(folder / "index").seq == reopened.store.seq, "the caught-up index is saved"
    reopened.close()


def test_a_writer_behind_the_saved_index_never_takes_it_back(tmp_path: Path) -> None:
    # Two workers over one data folder: the one that indexed more saved first.
    ahead, behind = small_index(), small_index()
    ahead.seq, behind.seq = 12, 10
    saved = ahead.save(tmp_path / "index")
    assert behind.save(tmp_path / "index") == saved  # nothing written: the index in force stays
    assert Index.load(tmp_path / "index").seq == 12
    rebuilt = small_index()
    rebuilt.analysis = {"terms": 2}  # built another way (a new version of the code): written, seq or not
    rebuilt.seq = 1
    assert rebuilt.save(tmp_path / "index") != saved
    assert Index.load(tmp_path / "index").analysis == {"terms": 2}


def test_stats_hold_while_another_process_replaces_the_generation(seed_library: Library) -> None:
    """A bot's /stats (and /healthz) count the index folder's bytes while the ingest process may
    be saving a new generation and removing the old one: a file gone between being listed and
    measured is gone, not an error (it raised FileNotFoundError in a test once)."""
    other = Library(seed_library.data_dir)  # another process's view: its saves replace the generation
    stop = threading.Event()

    def save_again() -> None:
        while not stop.is_set():
            other.index.seq += 1
            other.save_index()

    saver = threading.Thread(target=save_again)
    saver.start()
    try:
        sizes = [seed_library.archive.stats().bytes for _ in range(300)]
    finally:
        stop.set()
        saver.join()
    assert max(sizes) > 0  # (one read between a pointer switch and the walk may find the folder gone: 0)
