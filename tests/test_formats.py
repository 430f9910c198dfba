"""The seed plain-text format and JSON Lines records."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from retrieval.articles import Article
from retrieval.articles.formats import parse_record, parse_text_article, read_file
from retrieval.errors import BadArticle

from .conftest import SEED_ARTICLE


def test_seed_article_is_parsed_into_its_parts() -> None:
    article = parse_text_article(SEED_ARTICLE.read_text(encoding="utf-8"), SEED_ARTICLE.stem)
    assert article.id == "000_f6a358e694b004d6"
    assert article.title.startswith("Người làm công tác quần chúng phải làm tốt trách nhiệm")
    assert article.category == "Xã hội"
    assert article.published == datetime.fromisoformat("2021-01-15T00:08:00+07:00")
    assert article.published.utcoffset() == timedelta(hours=7)
    assert article.author == "Minh Châu"
    assert article.captions == ("Đồng chí Trương Thị Mai phát biểu tại hội nghị",)
    assert not any("ảnh 1" in p for p in article.paragraphs)
    assert not any(p == article.captions[0] for p in article.paragraphs)
    assert article.paragraphs[1].startswith("Ngày 14/1, tại Hà Nội")
    assert article.paragraphs[-1].startswith("Về nhiệm vụ trọng tâm")
    assert len(article.paragraphs) == 18


TRICKY = """\ufeffTiêu đề có   khoảng trắng thừa\r
\r
Thời sự 5/3/2022 - 9:05\r
Đoạn một.\r
Ảnh minh họa - Ảnh 2\r
Chú thích ảnh hai\r
Đoạn hai có dấu “ngoặc” & ký tự <b>HTML</b>.\r
Bài và ảnh: Nguyễn An\r
"""


def test_tricky_variant_with_bom_crlf_time_without_padding_and_byline() -> None:
    article = parse_text_article(TRICKY, "tricky")
    assert article.title == "Tiêu đề có khoảng trắng thừa"
    assert article.category == "Thời sự"
    assert article.published == datetime.fromisoformat("2022-03-05T09:05:00+07:00")
    assert article.captions == ("Chú thích ảnh hai",)
    assert article.paragraphs == ("Đoạn một.", "Đoạn hai có dấu “ngoặc” & ký tự <b>HTML</b>.")
    assert article.author == "Nguyễn An"


def test_article_without_date_line_keeps_its_second_line_as_body() -> None:
    article = parse_text_article("Tiêu đề\nNội dung thứ nhất.\nNội dung thứ hai.", "x")
    assert article.published is None and article.category is None
    assert article.paragraphs == ("Nội dung thứ nhất.", "Nội dung thứ hai.")


def test_impossible_date_is_not_a_date_line() -> None:
    article = parse_text_article("Tiêu đề\nXã hội 31/02/2021 - 10:00\nNội dung.", "x")
    assert article.published is None
    assert article.paragraphs[0] == "Xã hội 31/02/2021 - 10:00"


@pytest.mark.parametrize("text", ["", "\n\n  \n", "Chỉ có tiêu đề", "Tiêu đề\nXã hội 15/01/2021 - 00:08\n"])
def test_article_without_body_is_refused(text: str) -> None:
    with pytest.raises(BadArticle):
        parse_text_article(text, "empty")


def test_json_record_fields() -> None:
    article = parse_record(
        {"id": 7, "title": "T", "body": "Một.\n\nHai.", "url": "https://x.vn/a", "published": "2024-05-01T08:00:00",
         "tags": ["a", " "], "source": "VnExpress", "summary": "Tóm tắt"},
        "f:1",
    )
    assert article == Article(
        id="7", title="T", paragraphs=("Một.", "Hai."), url="https://x.vn/a",
        published=datetime.fromisoformat("2024-05-01T08:00:00+07:00"), source="VnExpress", summary="Tóm tắt",
        tags=("a",),
    )


@pytest.mark.parametrize(
    "record, reason",
    [
        ([1, 2], "JSON object"),
        ({"body": "x"}, "'id'"),
        ({"id": "a"}, "'body'"),
        ({"id": "a", "body": "  \n "}, "empty"),
        ({"id": "a", "body": "x", "published": "hôm qua"}, "ISO 8601"),
        ({"id": "a", "body": "x", "title": 5}, "'title'"),
    ],
)
def test_bad_records_say_why(record: object, reason: str) -> None:
    with pytest.raises(BadArticle, match=reason):
        parse_record(record, "f:3")


def test_jsonl_file_skips_broken_lines_and_honours_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl.gz"
    lines = [json.dumps({"id": "1", "body": "Một."}), "{broken", "", json.dumps({"id": "2", "body": "Hai."}),
             json.dumps({"id": "3", "body": "Ba."})]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    items = list(read_file(path))
    assert [getattr(i, "id", None) for i in items] == ["1", None, "2", "3"]
    assert isinstance(items[1], BadArticle) and items[1].where.endswith(":2") and "broken JSON" in items[1].reason
    assert [i.id for i in read_file(path, limit=2) if isinstance(i, Article)] == ["1"]


def test_unreadable_files_become_reasons(tmp_path: Path) -> None:
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01\x02 PNG")
    latin = tmp_path / "l.txt"
    latin.write_bytes("Tiêu đề\nNội dung".encode("cp1258", errors="replace") + b"\xff\xfe")
    gz = tmp_path / "g.jsonl.gz"
    gz.write_bytes(b"not gzip at all")
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF")
    results = {p.name: next(iter(read_file(p))) for p in (binary, latin, gz, other)}
    reasons = {name: r for name, r in results.items() if isinstance(r, BadArticle)}
    assert reasons.keys() == results.keys()
    assert "binary" in reasons["b.txt"].reason
    assert "not UTF-8" in reasons["l.txt"].reason
    assert "cannot read" in reasons["g.jsonl.gz"].reason
    assert "not an article file" in reasons["x.pdf"].reason
