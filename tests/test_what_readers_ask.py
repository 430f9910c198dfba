"""Issue 26's questions, asked as a reader would, through the real python-telegram-bot
application over the fake Bot API: the seeds plus a few dated articles written here."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.store import read_articles
from retrieval.text import has_diacritics, strip_marks

from .bot_harness import Running, message, running_bot
from .conftest import SEEDS
from .fake_telegram import visible_text
from .test_answer import NOW_ARTICLES

FOOTBALL = [
    {"id": "bong-da", "title": "U23 Việt Nam thắng Yemen", "published": "2025-09-09T21:00:00+07:00",
     "body": "Đội tuyển bóng đá U23 Việt Nam thắng Yemen 1-0. Người hâm mộ bóng đá cả nước vui mừng."},
    {"id": "bong", "title": "Em bé bị bỏng", "published": "2025-09-01T09:00:00+07:00",
     "body": "Một em bé bị bỏng nước sôi. Các bác sĩ đã cấp cứu kịp thời."},
]
PETROL = [  # the rise is said only in the title
    {"id": "gia-xang", "title": "Giá xăng tăng 303 đồng/lít từ 15h chiều nay", "published": "2025-10-21T15:30:00+07:00",
     "body": "Liên Bộ Công Thương - Tài chính vừa điều chỉnh giá bán lẻ xăng dầu trong nước. "
             "Giá xăng E5 RON92 và xăng RON95 cùng tăng so với kỳ điều hành trước. Giá dầu diesel giảm nhẹ."},
]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Running]:
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in [*NOW_ARTICLES, *FOOTBALL, *PETROL]),
                        encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_articles([SEEDS, articles]), workers=1)
    async with running_bot(library, background=False) as running:
        yield running


@pytest.mark.parametrize(("question", "first_line"), [
    ("Cầu tạm ở xã nào bị nước cuốn trôi?", "[1] Cầu tạm ở xã Hải Phú bị nước cuốn trôi chiều 18/10. (chú thích ảnh 1)"),
    ("cau tam o xa nao bi nuoc cuon troi", "[1] Cầu tạm ở xã Hải Phú bị nước cuốn trôi chiều 18/10. (chú thích ảnh 1)"),
    ("Ai viết bài về mưa lũ miền Trung?",
     "Bài “Mưa lũ kéo dài ở miền Trung, hàng nghìn hộ dân phải sơ tán” do Lê Hoài An viết."),
    ("Tổng giám đốc VPF là ai?", "Theo bài mới nhất trả lời được câu này, đăng ngày 15/06/2022:"),
    ("Ai là HLV trưởng đội tuyển Việt Nam mới nhất?", "Theo bài mới nhất trả lời được câu này, đăng ngày 20/11/2024:"),
    ("Giá xăng tăng bao nhiêu?", "[1] Giá xăng tăng 303 đồng/lít từ 15h chiều nay (tiêu đề)"),
    ("gia xang tang bao nhieu", "[1] Giá xăng tăng 303 đồng/lít từ 15h chiều nay (tiêu đề)"),
])
async def test_the_questions_readers_asked(bot: Running, question: str, first_line: str) -> None:
    shown = (await bot.say(question)).splitlines()
    assert shown[0] == first_line, "\n".join(shown)
    if first_line.startswith("Theo bài mới nhất"):
        assert any(name in shown[1] for name in ("Nguyễn Minh Ngọc", "Kim Sang-sik")), "\n".join(shown)


async def test_search_for_football_without_diacritics(bot: Running) -> None:
    shown = (await bot.say("/search bong da")).splitlines()
    assert shown[2].startswith("1. U23 Việt Nam thắng Yemen") and shown[3] == "Đội tuyển bóng đá U23 Việt Nam thắng Yemen 1-0."
    assert not any("Hội sách" in line for line in shown), "\n".join(shown)


async def test_a_question_read_with_marks_it_was_not_typed_with_says_how_it_was_read(bot: Running) -> None:
    """Nothing here is about a boy ("cậu bé sống"), but folded, the words meet a bridge ("cầu")
    and a river ("sông"): the reply opens with how it read the question, so the reader sees
    the misreading rather than an answer that seems to ignore what was asked."""
    typed = "Cau be song o thanh pho nao?"
    [reply] = await bot.send(message(typed))
    first = reply["text"].splitlines()[0]
    read = re.fullmatch(r"<i>Hiểu câu hỏi là: “(.+)”</i>", first)
    assert read is not None, reply["text"]
    assert has_diacritics(read.group(1)) and strip_marks(read.group(1)) == typed
    assert visible_text(reply["text"]).splitlines()[1].startswith("[1] ")
