"""Reader features over the real Application and the fake Bot API: language per chat, link
previews, reading an article in the chat, 👍 / 👎 with the feedback export, follow-up questions."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from bot.charts import SERIES_KEY
from retrieval.library import Library
from retrieval.store import read_articles
from retrieval.text import VIETNAM

from .bot_harness import ADMIN, Running, running_bot
from .fake_telegram import GROUP_ID, USER_ID, callback, message, visible_text

FISHERIES = {
    "id": "thuy-san-1", "url": "https://tin.example.vn/thuy-san", "source": "Tin Example",
    "published": "2024-05-10T08:00:00+07:00",
    "title": "Hội nghị tháo gỡ khó khăn cho ngư dân miền Trung",
    "body": "Sáng 10/5, Bộ trưởng Lê Minh Hoan chủ trì hội nghị tháo gỡ khó khăn cho ngư dân miền Trung tại Đà Nẵng.\n"
            "Hội nghị được tổ chức vì giá nhiên liệu tăng cao khiến nhiều tàu cá nằm bờ.\n"
            "Các địa phương đề xuất hỗ trợ vốn vay để ngư dân sửa tàu.",
}
CULTURE = {
    "id": "van-hoa-1", "source": "Báo Khác", "published": "2024-05-12T09:00:00+07:00",
    "title": "Hội nghị văn hóa các dân tộc được tổ chức ở Huế",
    "body": "Hội nghị văn hóa các dân tộc được tổ chức tại Huế vì nhu cầu giao lưu giữa các vùng miền.\n"
            "Hội nghị được tổ chức vì các nghệ nhân muốn trao đổi kinh nghiệm giữ gìn nghề truyền thống, "
            "và hội nghị được tổ chức hằng năm.",
}
LONG_PARAGRAPH = ("Đoạn dài kể lại diễn biến trận đấu từng phút một, từ những đường chuyền đầu tiên ở giữa sân "
                  "đến bàn thắng quyết định ở cuối hiệp hai, kèm lời bình của huấn luyện viên. ") * 6
LONG = {
    "id": "dai-1", "url": "https://tin.example.vn/dai", "published": "2024-05-11T20:00:00+07:00",
    "title": "Toàn cảnh mùa giải bóng đá sinh viên",
    "body": "\n".join([f"Đoạn {n} của bài tường thuật về mùa giải bóng đá sinh viên, với nhiều chi tiết về "
                       f"các đội bóng, cầu thủ và trận đấu thứ {n} của giải." for n in range(1, 40)]
                      + [LONG_PARAGRAPH]),
}


@pytest.fixture
async def bot(tmp_path: Path, backend: str | None) -> AsyncIterator[Running]:
    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in (FISHERIES, CULTURE, LONG)),
                        encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_articles([articles]), workers=1)
    async with running_bot(library, background=False, database_url=backend) as running:
        yield running


def _buttons(sent: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return sent["reply_markup"]["inline_keyboard"]


def _press(bot: Running, sent: dict[str, Any], label: str, **kwargs: Any) -> dict[str, Any]:
    [button] = [b for row in _buttons(sent) for b in row if b["text"] == label]
    return callback(button["callback_data"], sent, **kwargs)


def _toasts(bot: Running) -> list[str]:
    return [str(c.params.get("text")) for c in bot.api.calls if c.method == "answerCallbackQuery"]


# --- language per chat ---------------------------------------------------------------------------


async def test_lang_is_kept_per_chat(bot: Running) -> None:
    assert "/lang vi" in await bot.say("/lang")
    assert await bot.say("/lang en") == "From now on I reply in English."
    assert "Put keywords after /search" in await bot.say("/search", lang="vi")  # the chat's choice wins
    # Another chat still follows its user's Telegram language.
    assert "Hãy gõ từ khóa sau /search" in await bot.say("/search", user_id=55, lang="vi")
    assert "Put keywords after /search" in await bot.say("/search", user_id=56, lang="en")
    # In a group the choice holds for every member.
    await bot.say("/lang en", chat_id=GROUP_ID)
    assert "Put your question after /ask" in await bot.say("/ask", chat_id=GROUP_ID, user_id=57, lang="vi")
    assert await bot.say("/lang vi") == "Từ giờ mình trả lời bằng tiếng Việt."
    assert "Hãy gõ từ khóa sau /search" in await bot.say("/search", lang="en")


# --- answers: previews, 📖, 👍 / 👎 --------------------------------------------------------------------


async def test_answer_previews_its_first_source_and_offers_read_and_rate(bot: Running) -> None:
    [sent] = await bot.send(message("Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?"))
    shown = visible_text(sent["text"])
    assert shown.startswith("[1] Sáng 10/5, Bộ trưởng Lê Minh Hoan chủ trì hội nghị")
    assert sent["link_preview_options"] == {"is_disabled": False, "url": FISHERIES["url"],
                                           "prefer_small_media": True}
    rows = _buttons(sent)
    assert rows[0][0]["text"] == "📖 1" and [b["text"] for b in rows[-1]] == ["👍", "👎"]


async def test_preview_is_the_first_source_with_a_url(bot: Running) -> None:
    [sent] = await bot.send(message("Hội nghị văn hóa được tổ chức vì sao?"))
    shown = visible_text(sent["text"])
    assert "nghệ nhân" in shown.splitlines()[0] and "[2] Hội nghị tháo gỡ khó khăn" in shown  # source 1 has no URL
    assert sent["link_preview_options"]["url"] == FISHERIES["url"]


async def test_which_paper_ran_an_article_and_when(bot: Running) -> None:
    """Issue 26: questions about an article itself are answered from its fields, with its citation."""
    ran = (await bot.say("Báo nào đưa tin về hội nghị tháo gỡ khó khăn cho ngư dân?")).splitlines()
    assert ran[0] == "Bài “Hội nghị tháo gỡ khó khăn cho ngư dân miền Trung” đăng trên Tin Example."
    when = (await bot.say("Bài về hội nghị văn hóa các dân tộc đăng ngày nào?")).splitlines()
    assert when[0] == "Bài “Hội nghị văn hóa các dân tộc được tổ chức ở Huế” đăng ngày 12/05/2024."
    author = (await bot.say("Ai viết bài về hội nghị văn hóa các dân tộc?")).splitlines()
    assert author[0] == "Bài “Hội nghị văn hóa các dân tộc được tổ chức ở Huế” không ghi tên tác giả."


async def test_no_preview_when_no_source_has_a_url(seed_library: Library) -> None:
    async with running_bot(seed_library, background=False) as seeded:  # the seeds have no URLs
        [sent] = await seeded.send(message("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"))
        assert "Trương Thị Mai" in visible_text(sent["text"])
        assert sent["link_preview_options"] == {"is_disabled": True}


async def test_read_the_article_in_pages(bot: Running) -> None:
    [answer] = await bot.send(message("Bài tường thuật mùa giải bóng đá sinh viên có bao nhiêu đoạn?"))
    [page1] = await bot.send(_press(bot, answer, "📖 1"))
    assert "message_id" not in page1  # sent as a new message: the answer stays
    shown = visible_text(page1["text"])
    assert shown.startswith("Toàn cảnh mùa giải bóng đá sinh viên — 11/05/2024")
    assert '<a href="https://tin.example.vn/dai">' in page1["text"]
    pages = int(shown.rsplit("/", 1)[1])
    assert pages >= 2 and shown.endswith(f"Trang 1/{pages}")
    assert [b["text"] for b in _buttons(page1)[0]] == ["›", "Đọc bài gốc"]
    texts, current = [page1["text"]], page1
    for number in range(2, pages + 1):
        [current] = await bot.send(_press(bot, current, "›"))
        assert current["message_id"] == 555  # turned in place
        assert visible_text(current["text"]).endswith(f"Trang {number}/{pages}")
        texts.append(current["text"])
    assert [b["text"] for b in _buttons(current)[0]] == ["‹", "Đọc bài gốc"]
    # Every page within Telegram's limit (the fake refuses longer ones), every paragraph shown once,
    # the long one as an expandable quote.
    whole = "\n".join(visible_text(t) for t in texts)
    assert all(whole.count(f"Đoạn {n} của bài") == 1 for n in range(1, 40))
    assert "<blockquote expandable>Đoạn dài kể lại" in texts[-1]


async def test_read_button_of_another_chat_finds_nothing(bot: Running) -> None:
    [answer] = await bot.send(message("Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?"))
    pressed = _press(bot, answer, "📖 1")
    pressed["callback_query"]["message"]["chat"]["id"] = 31337
    assert await bot.send(pressed) == []
    assert _toasts(bot)[-1] == "Bài này không còn trong kho."


async def test_rating_once_per_user_and_answer(bot: Running, tmp_path: Path) -> None:
    [answer] = await bot.send(message("Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?"))
    await bot.send(_press(bot, answer, "👍"))
    await bot.send(_press(bot, answer, "👍"))
    await bot.send(_press(bot, answer, "👎"))  # changes the vote: still one per user
    await bot.send(_press(bot, answer, "👎", user_id=77))
    assert _toasts(bot) == ["Cảm ơn bạn! Đã ghi nhận 👍", "Bạn đã chọn như vậy rồi.",
                            "Cảm ơn bạn! Đã ghi nhận 👎, mình sẽ cố trả lời tốt hơn.",
                            "Cảm ơn bạn! Đã ghi nhận 👎, mình sẽ cố trả lời tốt hơn."]
    [other] = await bot.send(message("Hội nghị văn hóa các dân tộc được tổ chức ở đâu?"))
    await bot.send(_press(bot, other, "👍"))
    forged = _press(bot, other, "👍")
    forged["callback_query"]["message"]["chat"]["id"] = 31337
    await bot.send(forged)
    assert _toasts(bot)[-1] == "Nút này đã cũ. Hãy tìm lại bằng /search."
    assert "👍 1 · 👎 2 (trên 2 câu trả lời)" in await bot.say("/stats", user_id=ADMIN)

    out = tmp_path / "rated.jsonl"
    done = subprocess.run([sys.executable, "-m", "retrieval", "--data-dir", str(bot.settings.data_dir),
                           "feedback", "export", str(out)], capture_output=True, text=True, check=True)
    assert "wrote 2 rated questions" in done.stdout
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    negative, positive = records
    assert negative["question"] == "Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?" and negative["type"] == "ai"
    assert negative["answers"] == [] and negative["not_sentence"].startswith("Sáng 10/5, Bộ trưởng Lê Minh Hoan")
    assert negative["article_id"] == "thuy-san-1" and negative["votes"] == {"up": 0, "down": 2}
    assert positive["answers"] == [positive["sentence"]] and "Huế" in positive["sentence"]
    assert str(USER_ID) not in out.read_text() and "77" not in json.dumps(records)


# --- follow-ups ----------------------------------------------------------------------------------


async def test_follow_up_is_asked_within_the_answer_s_articles(bot: Running) -> None:
    cold = visible_text((await bot.send(message("Vì sao hội nghị được tổ chức?")))[0]["text"])
    assert cold.startswith("[1] Hội nghị được tổ chức vì giá nhiên liệu tăng cao")  # the fisheries article
    [answer] = await bot.send(message("Nghệ nhân muốn giữ gìn gì?"))
    assert "Nguồn:\n[1] Hội nghị văn hóa các dân tộc" in visible_text(answer["text"])  # the culture one alone
    replied = {"message_id": bot.api.next_message_id,  # the answer is the last message the fake numbered
               "date": 0, "chat": {"id": USER_ID, "type": "private"},
               "from": {"id": 999, "is_bot": True, "first_name": "Hỏi Tin"}, "text": "…"}
    [follow] = await bot.send(message("Vì sao hội nghị được tổ chức?", reply_to=replied))
    assert visible_text(follow["text"]).startswith("[1] Hội nghị được tổ chức vì các nghệ nhân muốn trao đổi")
    # A reply to a message that carried no answer is a cold question.
    replied["message_id"] = 1
    [again] = await bot.send(message("Vì sao hội nghị được tổ chức?", reply_to=replied))
    assert visible_text(again["text"]).splitlines()[0] == cold.splitlines()[0]


async def test_unrated_answers_are_forgotten_after_a_month(bot: Running) -> None:
    [rated] = await bot.send(message("Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?"))
    await bot.send(_press(bot, rated, "👍"))
    await bot.send(message("Nghệ nhân muốn giữ gìn gì?"))
    log = bot.settings.data_dir / "answers.sqlite3"
    with closing(sqlite3.connect(log)) as db, db:
        db.execute("UPDATE answers SET created = '2000-01-01T00:00:00+00:00'")
    assert await bot.service.answers.prune() >= 1
    with closing(sqlite3.connect(log)) as db:
        assert db.execute("SELECT question FROM answers").fetchall() == [
            ("Ai chủ trì hội nghị tháo gỡ khó khăn cho ngư dân?",)]


# --- time and source in searches and questions (the bot's own clock: articles dated from now) --------


def _dated(key: str, days_ago: int, scorer: str, **extra: str) -> dict[str, str]:
    when = (datetime.now(VIETNAM) - timedelta(days=days_ago)).replace(hour=8, minute=0, second=0, microsecond=0)
    return {"id": key, "published": when.isoformat(), "title": f"Hà Nội FC thắng Hải Phòng ({key})",
            "body": f"Hà Nội FC thắng Hải Phòng 2-1 trên sân Hàng Đẫy.\n{scorer} ghi bàn quyết định cho Hà Nội FC.",
            **extra}


# Thursday of last week in Vietnam, whatever today is: a fixed 9 days ago fell two weeks back on
# Mondays and Tuesdays, and "tuần trước" then rightly found only yesterday's article.
_LAST_THURSDAY = datetime.now(VIETNAM).weekday() + 4


@pytest.fixture
async def dated_bot(tmp_path: Path, backend: str | None) -> AsyncIterator[Running]:
    articles = tmp_path / "dated.jsonl"
    records = [_dated("hom-qua", 1, "Văn Quyết", source="Báo Thể thao"),
               _dated("nam-truoc", 400, "Tuấn Hải", source="VnExpress", url="https://vnexpress.net/ha-noi-fc"),
               _dated("tuan-truoc", _LAST_THURSDAY, "Hai Long", source="Báo Thể thao")]
    articles.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_articles([articles]), workers=1)
    async with running_bot(library, background=False, database_url=backend) as running:
        yield running


async def test_search_by_time_source_and_order(dated_bot: Running) -> None:
    shown = await dated_bot.say("/search Hà Nội FC hôm qua")
    assert "(1 bài," in shown and "(hom-qua)" in shown
    shown = await dated_bot.say("/search ha noi fc nguồn:vnexpress")
    assert "(1 bài," in shown and "(nam-truoc)" in shown
    long_ago = (datetime.now(VIETNAM) - timedelta(days=400)).strftime("%d/%m/%Y")
    shown = await dated_bot.say(f"/search Hà Nội FC từ:1/1/2000 đến:{long_ago}")
    assert "(1 bài," in shown and "(nam-truoc)" in shown
    assert "“32/13” không phải là ngày" in await dated_bot.say("/search bão từ:32/13")

    [relevant] = await dated_bot.send(message("/search Hà Nội FC thắng Hải Phòng"))
    assert "(3 bài, liên quan nhất trước)" in visible_text(relevant["text"])
    [newest] = await dated_bot.send(_press(dated_bot, relevant, "🕒 Mới nhất"))
    titles = [line for line in visible_text(newest["text"]).splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert "(3 bài, mới nhất trước)" in visible_text(newest["text"])
    assert ["hom-qua" in titles[0], "tuan-truoc" in titles[1], "nam-truoc" in titles[2]] == [True] * 3
    assert _buttons(newest)[-1][-1]["text"] == "⭐ Liên quan nhất"


async def test_question_with_a_time(dated_bot: Running) -> None:
    assert "Văn Quyết" in (await dated_bot.say("Hôm qua ai ghi bàn quyết định cho Hà Nội FC?")).splitlines()[0]
    # On a Monday yesterday is last week too, and its newer article answers first.
    last_week = "Văn Quyết" if datetime.now(VIETNAM).weekday() == 0 else "Hai Long"
    assert last_week in (await dated_bot.say("Tuần trước ai ghi bàn quyết định cho Hà Nội FC?")).splitlines()[0]
    year = (datetime.now(VIETNAM) - timedelta(days=400)).year
    assert "Tuấn Hải" in (await dated_bot.say(f"nam {year} ai ghi ban quyet dinh cho Ha Noi FC?")).splitlines()[0]
    widened = (await dated_bot.say("Hôm nay ai ghi bàn quyết định cho Hà Nội FC?")).splitlines()
    assert widened[0].startswith("Không có bài nào đăng “Hôm nay” trả lời được câu này")


# --- /trend ---------------------------------------------------------------------------------------


def _series(png: bytes) -> dict[str, int]:
    """The counts a /trend chart drew, as its PNG carries them (``bot.charts.SERIES_KEY``)."""
    picture = Image.open(io.BytesIO(png))
    assert isinstance(picture, PngImagePlugin.PngImageFile), picture.format
    series: dict[str, int] = json.loads(picture.text[SERIES_KEY])
    return series


async def test_trend_is_a_png_of_what_search_counts(dated_bot: Running) -> None:
    await dated_bot.say("/trend Hà Nội FC")
    [(params, files)] = dated_bot.api.uploads("sendPhoto")
    name, data, _ = files["photo"]
    picture = Image.open(io.BytesIO(data))
    assert picture.format == "PNG" and picture.size == (800, 400)
    series = {date.fromisoformat(d): n for d, n in _series(data).items()}
    assert len(series) == 90 and sum(series.values()) == 2  # the 400-day-old article is outside the 90 days
    assert params["caption"].startswith("“Hà Nội FC”: 2 bài từ ")
    for day, count in series.items():
        if count:
            shown = await dated_bot.say(f"/search Hà Nội FC từ:{day:%d/%m/%Y} đến:{day:%d/%m/%Y}")
            assert f"({count} bài," in shown
    year = (datetime.now(VIETNAM) - timedelta(days=400)).year
    await dated_bot.say(f"/trend Hà Nội FC {year}")
    _, files = dated_bot.api.uploads("sendPhoto")[-1]
    weekly = _series(files["photo"][1])
    assert all(date.fromisoformat(d).weekday() == 0 for d in weekly) and sum(weekly.values()) >= 1
    assert "Không có bài nào có ngày đăng khớp “sao Hỏa”" in await dated_bot.say("/trend sao Hỏa")


async def test_trend_over_centuries_and_queries_that_look_like_tex(dated_bot: Running) -> None:
    # Issue 27, M3: từ:1/1/1000 drew 53,535 weekly bars in 47 s of CPU; L4: year 9999, "$\bad{$" and nested
    # square roots got the generic error.
    assert "không phải ngày nào từ 1900 đến 2100" in await dated_bot.say("/trend cá chép từ:1/1/1000 đến:1/1/2026")
    assert "không phải ngày nào từ 1900 đến 2100" in await dated_bot.say("/trend Hà Nội FC từ:1/1/2020 đến:31/12/9999")
    await dated_bot.say("/trend Hà Nội FC từ:1/1/1900")
    _, files = dated_bot.api.uploads("sendPhoto")[-1]
    series = _series(files["photo"][1])
    assert 50 < len(series) <= 523 and sum(series.values()) == 3
    for query in ("Hà Nội FC $\\bad{$", "Hà Nội FC " + "\\sqrt{" * 60 + "x" + "}" * 60):
        before = len(dated_bot.api.uploads("sendPhoto"))
        await dated_bot.say(f"/trend {query} từ:1/1/2020")
        assert len(dated_bot.api.uploads("sendPhoto")) == before + 1, query


async def test_one_chart_at_a_time_per_chat_drawn_off_the_shared_pool(dated_bot: Running) -> None:
    """Issue 27, charts: three /trend at once from one chat drew three charts, each on the event
    loop's default pool, which reading inbox files fills too (all busy: no chart at all)."""
    loop = asyncio.get_running_loop()
    release = threading.Event()
    blockers = [loop.run_in_executor(None, release.wait) for _ in range(64)]  # the default pool, all busy
    before = len(dated_bot.api.uploads("sendPhoto"))
    try:
        await asyncio.wait_for(asyncio.gather(*(dated_bot.say("/trend Hà Nội FC") for _ in range(3))), 60)
    finally:
        release.set()
        await asyncio.gather(*blockers)
    assert len(dated_bot.api.uploads("sendPhoto")) == before + 1
    assert sum("đang vẽ biểu đồ trước cho bạn" in t for t in dated_bot.sent_to(USER_ID)) == 2
    await dated_bot.say("/trend Hà Nội FC")  # that one sent, the next is drawn
    assert len(dated_bot.api.uploads("sendPhoto")) == before + 2
