"""Ingest: dedupe by id, URL and text; replacement; bad files reported; the CLI's summary and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.__main__ import main as cli
from retrieval.articles import Article, read_file
from retrieval.library import Library
from retrieval.store.ingest import articles_sentences, indexed_paragraphs, read_articles
from retrieval.store.store import Store, StoredArticle, content_hash


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def test_same_id_url_or_text_is_stored_once_and_changes_replace(tmp_path: Path) -> None:
    library = Library(tmp_path / "data")
    first = [
        {"id": "a", "title": "Giá xăng tăng", "body": "Giá xăng RON 95 tăng 500 đồng mỗi lít từ chiều nay.",
         "url": "https://tin.vn/xang"},
        {"id": "b", "title": "Mưa lớn ở Huế", "body": "Huế có mưa lớn kéo dài ba ngày."},
    ]
    report = library.ingest(read_file(write_jsonl(tmp_path / "1.jsonl", first)), workers=1)
    assert (report.ingested, report.replaced, report.unchanged) == (2, 0, 0)

    again = [
        first[0],  # same id, same text
        {"id": "copy-of-b", "title": "Mưa lớn ở  Huế", "body": "HUẾ có mưa lớn kéo dài ba ngày."},  # same text
        {"id": "a2", "title": "Giá xăng tăng mạnh", "body": "Giá xăng RON 95 tăng 700 đồng mỗi lít.",
         "url": "https://tin.vn/xang"},  # same URL, new text
        {"id": "b", "title": "Mưa lớn ở Huế", "body": "Huế có mưa lớn kéo dài bốn ngày."},  # same id, new text
    ]
    report = library.ingest(read_file(write_jsonl(tmp_path / "2.jsonl", again)), workers=1)
    assert (report.ingested, report.replaced, report.unchanged) == (0, 2, 2)
    assert library.store.count() == 2
    assert library.article("a") is None and _paragraphs(library, "a2")[0].endswith("700 đồng mỗi lít.")
    assert "bốn ngày" in _paragraphs(library, "b")[0]
    assert library.index.n_articles == 2
    answer = library.answer("Giá xăng RON 95 tăng bao nhiêu?")
    assert "700" in answer.sentences[0].text, "the replaced text is what is answered"
    assert all("500" not in s.text for s in answer.sentences)
    library.close()


def _paragraphs(library: Library, article_id: str) -> tuple[str, ...]:
    """The stored paragraphs of an article the library holds."""
    article = library.article(article_id)
    assert article is not None, article_id
    return article.paragraphs


def test_a_url_claimed_by_another_article_is_skipped_not_fatal(tmp_path: Path) -> None:
    library = Library(tmp_path / "data")
    first = [{"id": "x", "body": "Tin X.", "url": "https://tin.vn/x"}, {"id": "y", "body": "Tin Y.", "url": "https://tin.vn/y"}]
    library.ingest(read_file(write_jsonl(tmp_path / "1.jsonl", first)), workers=1)
    clash = [{"id": "x", "body": "Tin X sửa.", "url": "https://tin.vn/y"}, {"id": "z", "body": "Tin Z."}]
    report = library.ingest(read_file(write_jsonl(tmp_path / "2.jsonl", clash)), workers=1)
    assert report.ingested == 1 and len(report.skipped) == 1
    assert "belongs to another stored article" in report.skipped[0].reason
    assert _paragraphs(library, "x") == ("Tin X.",) and library.article("z") is not None
    library.close()


def test_bad_files_are_skipped_with_reasons_and_the_rest_goes_on(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "nested").mkdir(parents=True)
    (inbox / "nested" / "good.txt").write_text("Tiêu đề tốt\nXã hội 01/02/2023 - 10:00\nNội dung tốt.", encoding="utf-8")
    (inbox / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    (inbox / "latin.txt").write_bytes(b"Ti\xeau \xf0\xe8 Windows-1258\nN\xf4i dung")
    (inbox / "empty.txt").write_text("   \n", encoding="utf-8")
    write_jsonl(inbox / "mixed.jsonl", [{"id": "ok", "body": "Được."}, {"id": "no-body"}])
    (inbox / "ignored.md").write_text("# not an article", encoding="utf-8")
    library = Library(tmp_path / "data")
    report = library.ingest(read_articles([inbox, tmp_path / "missing"]), workers=1)
    assert report.ingested == 2
    reasons = {Path(b.where.split(":")[0]).name: b.reason for b in report.skipped}
    assert set(reasons) == {"binary.txt", "latin.txt", "empty.txt", "mixed.jsonl", "missing"}
    assert "binary" in reasons["binary.txt"] and "UTF-8" in reasons["latin.txt"]
    assert "no such file" in reasons["missing"]
    assert report.summary() == "ingested 2, replaced 0, unchanged 0, skipped 5"
    library.close()


def test_cli_prints_summary_and_fails_only_when_nothing_was_read(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = tmp_path / "good.jsonl"
    write_jsonl(good, [{"id": "1", "body": "Một câu."}, {"id": "2"}])
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x00")
    data = str(tmp_path / "data")
    assert cli(["--data-dir", data, "-q", "ingest", str(good), str(bad)]) == 0
    out, err = capsys.readouterr()
    assert "ingested 1, replaced 0, unchanged 0, skipped 2" in out
    assert "bad.txt: binary file" in err and "good.jsonl:2: the record has no 'body'" in err
    assert cli(["--data-dir", data, "-q", "ingest", str(bad)]) == 1
    assert cli(["--data-dir", data, "-q", "ingest", str(good)]) == 0
    assert "unchanged 1" in capsys.readouterr().out


def test_summary_becomes_the_lead_paragraph_unless_the_body_repeats_it() -> None:
    with_lead = Article("x", "T", ("Thân bài.",), summary="Tóm tắt riêng.")
    repeated = Article("y", "T", ("Tóm tắt riêng. Thân bài.",), summary="Tóm tắt riêng.")
    assert indexed_paragraphs(with_lead) == ["Tóm tắt riêng.", "Thân bài."]
    assert indexed_paragraphs(repeated) == ["Tóm tắt riêng. Thân bài."]


def test_parallel_segmentation_gives_the_same_store_as_one_process(tmp_path: Path) -> None:
    records = [{"id": str(i), "title": f"Tin {i}", "body": f"Bài số {i} nói về Hà Nội và thành phố Huế."} for i in range(20)]
    path = write_jsonl(tmp_path / "many.jsonl", records)
    one = Library(tmp_path / "one")
    two = Library(tmp_path / "two")
    one.ingest(read_file(path), workers=1)
    two.ingest(read_file(path), workers=2)
    for key in range(1, 21):
        assert one.store.all_sentences(key) == two.store.all_sentences(key)
    one.close()
    two.close()


def test_the_index_takes_just_written_sentences_only_at_their_own_version(tmp_path: Path) -> None:
    # A store keeps the sentences it just wrote for the index (no reading back); a version
    # written since by another process (here another Store on the same file) is read from the file.
    def write(store: Store, body: str) -> StoredArticle:
        article = Article("a", "Mưa", tuple(body.split("\n")))
        store.write([(article, content_hash(article), articles_sentences([article])[0])])
        return next(s for s in store.changed_since(0) if s.article.id == "a")

    mine, other = Store(tmp_path / "s.sqlite3"), Store(tmp_path / "s.sqlite3")
    first = write(mine, "Huế có mưa lớn. Đường ngập sâu.")
    assert mine.sentences_of(first) == mine.all_sentences(first.key)
    assert [s.text for s in mine.sentences_of(first)] == ["Huế có mưa lớn.", "Đường ngập sâu."]  # now read back
    write(mine, "Huế có mưa lớn. Đường ngập sâu hơn.")  # kept in memory again, at its version
    newer = write(other, "Huế hết mưa.\nNắng lên.")
    assert [s.text for s in mine.sentences_of(newer)] == ["Huế hết mưa.", "Nắng lên."]
    assert [(s.paragraph, s.position) for s in mine.sentences_of(newer)] == [(1, 0), (2, 0)]
    mine.close()
    other.close()


def test_the_answer_path_reads_every_wanted_sentence_once_in_one_query(tmp_path: Path) -> None:
    # Overlapping spans give each sentence once; a gap between two spans of a paragraph is not
    # read; spans past one query's batch and an article that is gone are handled.
    store = Store(tmp_path / "s.sqlite3")
    body = " ".join(f"Câu số {n} nói về mưa." for n in range(12))
    for name in ("a", "b"):
        article = Article(name, f"Tin {name}", (body, "Đoạn hai."))
        store.write([(article, content_hash(article), articles_sentences([article])[0])])
    a, b = (next(s.key for s in store.changed_since(0) if s.article.id == name) for name in ("a", "b"))
    rows = store.sentence_rows([(a, 1, -1, 2), (a, 1, 1, 3), (a, 1, 8, 9), (b, 2, 0, 0), (999, 1, 0, 5)])
    assert sorted(rows) == [(a, 1, n) for n in (0, 1, 2, 3, 8, 9)] + [(b, 2, 0)]
    assert rows[(a, 1, 8)][0] == "Câu số 8 nói về mưa." and rows[(b, 2, 0)][0] == "Đoạn hai."
    assert rows[(a, 1, 8)][1].split()[-1] == "mưa"
    many = store.sentence_rows([(a, 1, n, n + k) for n in range(12) for k in range(30)])  # 360 spans: two queries
    assert sorted(many) == [(a, 1, n) for n in range(12)]
    assert store.title_syllables([b, 999, a, a]) == {a: "tin a", b: "tin b"}
    store.close()
