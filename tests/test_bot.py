"""The Telegram bot end to end: the real Application over a fake Bot API (tests/fake_telegram.py)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import register_commands
from bot.buttons import CALLBACK_LIMIT
from bot.subscriptions import MAX_PER_CHAT
from retrieval.library import Library
from retrieval.store import read_articles

from .bot_harness import ADMIN, TOKEN, Running, bot_rows, running_bot
from .fake_telegram import (
    BOT_ID,
    BOT_USERNAME,
    GROUP_ID,
    USER_ID,
    callback,
    inline_query,
    message,
    visible_text,
)

SEED_QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"


@pytest.fixture
async def bot(seed_library: Library, backend: str | None) -> AsyncIterator[Running]:
    async with running_bot(seed_library, background=False, database_url=backend) as running:
        yield running


# --- asking ------------------------------------------------------------------------------------


async def test_question_answered_with_citation(bot: Running) -> None:
    [sent] = await bot.send(message(SEED_QUESTION))
    assert sent["parse_mode"] == "HTML" and sent["chat_id"] == USER_ID
    shown = visible_text(sent["text"])
    assert "Trương Thị Mai" in shown and "chủ trì Hội nghị" in shown
    assert "[1]" in shown and "(đoạn 2)" in shown
    assert "Nguồn:" in shown and "15/01/2021" in shown
    assert "Người làm công tác quần chúng phải làm tốt trách nhiệm" in shown


async def test_question_without_diacritics(bot: Running) -> None:
    shown = await bot.say("ai chu tri hoi nghi")
    assert "Trương Thị Mai" in shown.splitlines()[0] and "Nguồn:" in shown


@pytest.mark.parametrize("question", ["Cầu tạm ở xã nào bị nước cuốn trôi?", "cau tam o xa nao bi nuoc cuon troi"])
async def test_a_photo_caption_answers_and_is_cited_as_one(bot: Running, question: str) -> None:
    """Issue 26: the seed's caption held the answer, and the question got "not found"."""
    shown = (await bot.say(question)).splitlines()
    assert shown[0] == "[1] Cầu tạm ở xã Hải Phú bị nước cuốn trôi chiều 18/10. (chú thích ảnh 1)"
    assert any(line.startswith("[1] Mưa lũ kéo dài ở miền Trung") for line in shown)


@pytest.mark.parametrize("question", ["Ai viết bài về mưa lũ miền Trung?", "ai viet bai ve mua lu mien trung"])
async def test_who_wrote_an_article_is_answered_from_its_byline(bot: Running, question: str) -> None:
    """Issue 26: the seed's byline is stored as its author, and the question got "not found"."""
    shown = (await bot.say(question)).splitlines()
    assert shown[0] == "Bài “Mưa lũ kéo dài ở miền Trung, hàng nghìn hộ dân phải sơ tán” do Lê Hoài An viết."
    assert shown[1].startswith("[1] ") and any(line.startswith("[1] Mưa lũ kéo dài") for line in shown)


async def test_not_found_is_a_helpful_message(bot: Running) -> None:
    shown = await bot.say("Giá vé máy bay đi Sao Hỏa năm 2090 là bao nhiêu?")
    assert "chưa tìm thấy câu trả lời" in shown and "/search" in shown


async def test_english_user_reads_english(bot: Running) -> None:
    shown = await bot.say("Giá vé máy bay đi Sao Hỏa năm 2090 là bao nhiêu?", lang="en")
    assert "I found no answer" in shown
    assert "Sources:" in await bot.say(SEED_QUESTION, lang="en-US")


@pytest.mark.parametrize(("text", "expected"), [
    ("???", "chưa có từ nào để tìm"),
    ("ai " * 600, "quá dài (1799 ký tự)"),
    ("<b>Ai</b> & \"gì\" <script>", "chưa tìm thấy câu trả lời"),
])
async def test_bad_questions_get_a_clear_answer(bot: Running, text: str, expected: str) -> None:
    assert expected in await bot.say(text)


async def test_a_lone_surrogate_is_read_as_an_unknown_character(bot: Running) -> None:
    # Telegram's JSON may carry "\\ud800" alone; no UTF-8 encoder takes it (the answer log, the reply).
    assert "Trương Thị Mai" in (await bot.say("ai chu tri hoi nghi \ud800")).splitlines()[0]
    assert "Người làm công tác quần chúng" in await bot.say("/search hội nghị tổng kết \udfff")


@pytest.mark.parametrize("media", [
    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 10, "height": 10}]},
    {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                 "is_video": False, "type": "regular"}},
    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
])
async def test_non_text_messages_get_a_hint(bot: Running, media: dict[str, Any]) -> None:
    [sent] = await bot.send(message(None, **media))
    assert "chỉ đọc được chữ" in visible_text(sent["text"])


async def test_unknown_command(bot: Running) -> None:
    assert "Không có lệnh /foo" in await bot.say("/foo bar")


# --- groups --------------------------------------------------------------------------------------


async def test_group_stays_quiet_unless_addressed(bot: Running) -> None:
    assert await bot.send(message(SEED_QUESTION, chat_id=GROUP_ID)) == []
    assert await bot.send(message(None, chat_id=GROUP_ID, sticker={
        "file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False, "is_video": False,
        "type": "regular"})) == []


async def test_group_answers_ask_mention_and_reply(bot: Running) -> None:
    mention = f"@{BOT_USERNAME} {SEED_QUESTION}"
    asked = [
        message(f"/ask {SEED_QUESTION}", chat_id=GROUP_ID),
        message(f"/ask@{BOT_USERNAME} {SEED_QUESTION}", chat_id=GROUP_ID),
        message(mention, chat_id=GROUP_ID, entities=[{"type": "mention", "offset": 0, "length": len(BOT_USERNAME) + 1}]),
        message(SEED_QUESTION, chat_id=GROUP_ID, reply_to={
            "message_id": 9, "date": 0, "chat": {"id": GROUP_ID, "type": "supergroup", "title": "g"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Hỏi Tin"}, "text": "…"}),
    ]
    for update in asked:
        [sent] = await bot.send(update)
        assert sent["chat_id"] == GROUP_ID
        assert "Trương Thị Mai" in visible_text(sent["text"])
        assert sent["reply_parameters"]["message_id"] == 1  # quotes the question in a group
    other_bot = message("@someone_else_bot " + SEED_QUESTION, chat_id=GROUP_ID,
                        entities=[{"type": "mention", "offset": 0, "length": 17}])
    assert await bot.send(other_bot) == []
    assert "/ask" in await bot.say("/ask", chat_id=GROUP_ID)


# --- escaping and splitting ----------------------------------------------------------------------


def _library_with(tmp_path: Path, name: str, body: str) -> Library:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / name).write_text(body, encoding="utf-8")
    library = Library(tmp_path / "data")
    report = library.ingest(read_articles([folder]), workers=1)
    assert report.ingested == 1, report.summary()
    return library


async def test_article_html_is_escaped(tmp_path: Path) -> None:
    body = ("Mẫu <b>HTML</b> & \"ký tự\" đặc biệt\n\nThời sự 02/03/2024 - 08:00\n\n"
            "Kỹ sư Phan Văn Tâm viết lệnh <script>alert(\"x\")</script> & các thẻ <i> trong mã nguồn AT&T.\n")
    async with running_bot(_library_with(tmp_path, "escape.txt", body), background=False) as harness:
        [sent] = await harness.send(message("Phan Văn Tâm viết lệnh gì trong mã nguồn?"))
        html = sent["text"]
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; các thẻ &lt;i&gt;" in html
        assert "Mẫu &lt;b&gt;HTML&lt;/b&gt; &amp; &quot;ký tự&quot;" in html
        shown = visible_text(html)  # the fake rejects what Telegram would reject
        assert '<script>alert("x")</script> & các thẻ <i>' in shown
        found = await harness.send(message("/search mã nguồn AT&T"))
        assert "trong <b>mã nguồn AT</b>&amp;<b>T</b>." in found[0]["text"]


async def test_long_answer_split_under_4096(tmp_path: Path) -> None:
    clause = "đội cứu hộ của tỉnh Quảng Trị tiếp tục tìm kiếm người mất tích ở vùng lũ & <sạt lở>"
    giant = ", ".join(f"{clause} số {i}" for i in range(120)) + "."
    body = f"Lũ lớn ở Quảng Trị\n\nThời sự 20/10/2020 - 07:30\n\n{giant}\n\n{giant}\n"
    async with running_bot(_library_with(tmp_path, "long.txt", body), background=False) as harness:
        sent = await harness.send(message("Đội cứu hộ tỉnh Quảng Trị tìm kiếm người mất tích ở đâu?"))
        assert len(sent) >= 2
        for part in sent:
            assert len(visible_text(part["text"]).encode("utf-16-le")) // 2 <= 4096
            assert len(part["text"].encode("utf-16-le")) // 2 <= 4096
        joined = "".join(visible_text(p["text"]) for p in sent)
        assert joined.count("số 119") >= 1 and "Nguồn:" in joined


# --- search, paging, opening -----------------------------------------------------------------


async def test_search_pages_and_opens_a_result(bot: Running) -> None:
    [first] = await bot.send(message("/search hội nghị"))
    shown = visible_text(first["text"])
    assert "Kết quả cho “hội nghị”" in shown and "trang 1/" in shown
    keyboard = first["reply_markup"]["inline_keyboard"]
    datas = [b["callback_data"] for row in keyboard for b in row if "callback_data" in b]
    assert all(len(d.encode()) <= CALLBACK_LIMIT for d in datas)
    opens = [b for b in keyboard[0]]
    assert [b["text"] for b in opens][:1] == ["1"]
    [opened] = await bot.send(callback(opens[0]["callback_data"], first))
    text = visible_text(opened["text"])
    assert opened["message_id"] == 555 and "(đoạn" in text and "Hội nghị" in text
    back, read = opened["reply_markup"]["inline_keyboard"][0][:2]
    assert back["text"] == "« Danh sách" and read["text"] == "📖 Đọc bài"
    [again] = await bot.send(callback(back["callback_data"], first))
    assert visible_text(again["text"]) == shown
    assert any(c.method == "answerCallbackQuery" for c in bot.api.calls)


async def test_search_paging_with_many_articles(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(12):
        (folder / f"{i:02d}.txt").write_text(
            f"Hội thảo nông nghiệp số {i}\n\nKinh tế 0{1 + i % 9}/03/2024 - 08:00\n\n"
            f"Hội thảo nông nghiệp lần thứ {i} bàn về giống lúa mới cho đồng bằng.\n", encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_articles([folder]), workers=1)
    async with running_bot(library, background=False) as harness:
        [page1] = await harness.send(message("/search hội thảo nông nghiệp"))
        assert "trang 1/3 (12 bài, liên quan nhất trước)" in visible_text(page1["text"])
        reads, moves = page1["reply_markup"]["inline_keyboard"][1:]
        assert [b["text"] for b in reads] == ["📖 1", "📖 2", "📖 3", "📖 4", "📖 5"]
        assert [b["text"] for b in moves] == ["Sau ›", "🕒 Mới nhất"]
        [page2] = await harness.send(callback(moves[0]["callback_data"], page1))
        shown = visible_text(page2["text"])
        assert "trang 2/3" in shown and "\n6. " in shown and "\n1. " not in shown
        assert [b["text"] for b in page2["reply_markup"]["inline_keyboard"][2]] == ["‹ Trước", "Sau ›", "🕒 Mới nhất"]
        assert page2["reply_markup"]["inline_keyboard"][1][0]["text"] == "📖 6"
    # The buttons name the query by a stored number: they work after a restart.
    async with running_bot(tmp_path / "data", background=False) as harness:
        data = page2["reply_markup"]["inline_keyboard"][2][1]["callback_data"]
        [page3] = await harness.send(callback(data, page1))
        assert "trang 3/3" in visible_text(page3["text"])


@pytest.mark.parametrize("data", ["p:99999:1", "o:1:2", "x:1", "p:abc:1", "", "u:" + "9" * 40])
async def test_stale_or_forged_callback_is_answered_politely(bot: Running, data: str) -> None:
    sent = await bot.send(callback(data, {"chat_id": USER_ID}))
    assert sent == []
    [answered] = [c.params for c in bot.api.calls if c.method == "answerCallbackQuery"]
    assert answered["show_alert"] is True and ("Nút này đã cũ" in answered["text"] or "không còn" in answered["text"])


async def test_search_usage_and_no_match(bot: Running) -> None:
    assert "Hãy gõ từ khóa sau /search" in await bot.say("/search")
    assert "Không có bài nào khớp với “xyzzy quux”" in await bot.say("/search xyzzy quux")


# --- subscriptions -------------------------------------------------------------------------------


async def test_subscribe_list_unsubscribe(bot: Running) -> None:
    assert "Đã đăng ký “bão lũ miền Trung”" in await bot.say("/subscribe bão lũ miền Trung")
    assert "Đã đăng ký" in await bot.say('/subscribe "Trương Thị Mai"')
    assert "đã đăng ký “bão lũ miền Trung” rồi" in await bot.say("/subscribe miền Trung, bão lũ")
    [listing] = await bot.send(message("/subscriptions"))
    assert "1. bão lũ miền Trung\n2. \"Trương Thị Mai\"" in visible_text(listing["text"])
    buttons = listing["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Hủy 1", "Hủy 2"]
    [edited] = await bot.send(callback(buttons[0]["callback_data"], listing))
    assert visible_text(edited["text"]) == "Đăng ký của bạn (bấm nút để hủy):\n1. \"Trương Thị Mai\""
    answered = [c.params for c in bot.api.calls if c.method == "answerCallbackQuery"][-1]
    assert answered["text"] == "Đã hủy “bão lũ miền Trung”."
    assert "Đã hủy đăng ký “\"Trương Thị Mai\"”" in await bot.say("/unsubscribe 1")
    assert "chưa đăng ký nhận tin nào" in await bot.say("/subscriptions")


async def test_subscription_limits(bot: Running) -> None:
    assert "Hãy gõ từ khóa sau /subscribe" in await bot.say("/subscribe")
    assert "chưa có từ nào để theo dõi" in await bot.say("/subscribe ??? !!!")
    assert "quá dài (120 ký tự), tối đa 100" in await bot.say("/subscribe " + "a" * 120)
    assert "Đã đăng ký" in await bot.say("/subscribe bão lũ")
    assert "đã đăng ký “bão lũ” rồi" in await bot.say("/subscribe lũ,  bão")
    for i in range(1, MAX_PER_CHAT):
        assert "Đã đăng ký" in await bot.say(f"/subscribe chủ đề {i}")
    assert f"đã có {MAX_PER_CHAT} đăng ký, mức tối đa" in await bot.say("/subscribe thêm nữa")
    assert "Không có đăng ký “99”" in await bot.say("/unsubscribe 99")
    assert "Đã hủy đăng ký “bão lũ”" in await bot.say("/unsubscribe bao lu")
    assert "Đã đăng ký “thêm nữa”" in await bot.say("/subscribe thêm nữa")
    # Another chat has its own 20.
    assert "Đã đăng ký" in await bot.say("/subscribe bão lũ", user_id=USER_ID + 1)


async def test_subscriptions_survive_a_restart(seed_library: Library) -> None:
    async with running_bot(seed_library, background=False) as harness:
        assert "Đã đăng ký" in await harness.say("/subscribe dân vận")
    async with running_bot(seed_library.data_dir, background=False) as harness:
        assert "1. dân vận" in await harness.say("/subscriptions")


# --- the rest ----------------------------------------------------------------------------------


async def test_start_help_latest(bot: Running) -> None:
    start = await bot.say("/start")
    assert "Chào bạn! Mình là Hỏi Tin" in start and "Trương Thị Mai là ai?" in start
    assert f"@{BOT_USERNAME} từ khóa" in await bot.say("/help")
    latest = await bot.say("/latest")
    assert latest.startswith("Các bài mới nhất\n1. ")
    assert "Người làm công tác quần chúng" in latest and "15/01/2021" in latest


async def test_stats_for_admins_only(bot: Running) -> None:
    assert "chỉ dành cho quản trị viên" in await bot.say("/stats")
    await bot.say("/subscribe bão")
    stats = await bot.say("/stats", user_id=ADMIN)
    assert "Bài báo: 4" in stats and "Đăng ký: 1" in stats and "Đoạn đã lập chỉ mục:" in stats


async def test_inline_query_offers_articles(bot: Running) -> None:
    await bot.send(inline_query("dân vận"))
    [answer] = bot.api.sent("answerInlineQuery")
    results = answer["results"]
    assert results and results[0]["type"] == "article"
    assert results[0]["title"].startswith("Người làm công tác quần chúng")
    assert "15/01/2021" in results[0]["description"]
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert "<b>dân vận</b>" in content["message_text"].lower() and "15/01/2021" in content["message_text"]
    assert all(len(r["id"].encode()) <= 64 for r in results)
    await bot.send(inline_query(""))
    assert len(bot.api.sent("answerInlineQuery")[1]["results"]) == 4  # the newest articles


async def test_commands_registered_in_two_languages(bot: Running) -> None:
    await register_commands(bot.app)
    menus = bot.api.sent("setMyCommands")
    assert [m.get("language_code") for m in menus] == [None, "en"]
    assert menus[0]["commands"][3] == {"command": "search", "description": "Tìm bài báo"}
    assert menus[1]["commands"][3] == {"command": "search", "description": "Search articles"}


async def test_command_registration_failure_is_not_fatal(bot: Running, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.fail("setMyCommands", 500, "Internal Server Error", times=2)
    with caplog.at_level(logging.WARNING):
        await register_commands(bot.app)
    assert "could not register the vi command menu" in caplog.text
    assert "Trương Thị Mai" in await bot.say(SEED_QUESTION)


# --- Telegram errors -----------------------------------------------------------------------------


async def test_403_is_logged_not_retried(bot: Running, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=5)
    with caplog.at_level(logging.WARNING):
        await bot.send(message(SEED_QUESTION))
    assert len(bot.api.sent()) == 1
    assert "blocked the bot" in caplog.text
    assert "Trương Thị Mai" in await bot.say(SEED_QUESTION)


async def test_429_waits_as_told_then_sends(bot: Running) -> None:
    bot.api.fail("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    sent = await bot.send(message(SEED_QUESTION))
    assert len(sent) == 2  # refused once, then delivered
    assert "Trương Thị Mai" in visible_text(sent[1]["text"])


async def test_500_retried_then_delivered(bot: Running) -> None:
    bot.api.fail("sendMessage", 500, "Internal Server Error")
    sent = await bot.send(message(SEED_QUESTION))
    assert len(sent) == 2 and "Trương Thị Mai" in visible_text(sent[1]["text"])


async def test_persistent_500_is_reported_and_the_bot_goes_on(bot: Running, caplog: pytest.LogCaptureFixture) -> None:
    bot.api.fail("sendMessage", 500, "Internal Server Error", times=4)
    with caplog.at_level(logging.WARNING):
        sent = await bot.send(message(SEED_QUESTION))
    assert len(sent) == 4  # three tries of the answer, one of the apology
    assert "update 1 failed" in caplog.text and "Traceback" not in "".join(p["text"] for p in sent)
    assert TOKEN not in caplog.text
    assert "Trương Thị Mai" in await bot.say(SEED_QUESTION)


async def test_error_handler_apologises_without_traceback(bot: Running) -> None:
    bot.api.fail("sendMessage", 400, "Bad Request: chat not found")
    sent = await bot.send(message(SEED_QUESTION))
    assert [visible_text(p["text"]) for p in sent[1:]] == [
        "Xin lỗi, mình gặp lỗi khi xử lý tin nhắn này. Bạn thử lại sau nhé."]


async def test_state_is_stored_in_the_configured_database(bot: Running, seed_library: Library) -> None:
    await bot.say("/subscribe bão")
    rows = bot_rows(bot.settings, "SELECT chat_id, keywords, terms FROM subscriptions")
    assert rows == [(USER_ID, "bão", json.dumps(["bão"], ensure_ascii=False))]
    # With PostgreSQL, nothing of the bot's state goes to a file in the data folder.
    assert (seed_library.data_dir / "bot.sqlite3").exists() == (bot.settings.database_url is None)


# --- button privacy (issue 11, row 8) --------------------------------------------------------------


async def test_another_chat_cannot_replay_or_guess_a_search_button(bot: Running) -> None:
    [mine] = await bot.send(message("/search hội nghị mật khẩu riêng của Lan"))
    buttons = [b["callback_data"] for row in mine["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b]
    intruder = USER_ID + 77
    guesses = [*buttons, *(f"p:{n}:1" for n in range(1, 30)), *(f"o:{n}:2:1:1" for n in range(1, 30))]
    for data in guesses:
        sent = await bot.send(callback(data, {"chat_id": intruder, "message_id": 9}, user_id=intruder))
        assert sent == [], f"{data} showed something to another chat"
    alerts = [c.params for c in bot.api.calls if c.method == "answerCallbackQuery"]
    assert len(alerts) == len(guesses) and all(a["show_alert"] for a in alerts)
    assert not any("mật khẩu" in str(c.params) for c in bot.api.calls if c.params.get("chat_id") == intruder)
    [again] = await bot.send(callback(buttons[0], mine))  # the owner's own button still works
    assert "(đoạn" in visible_text(again["text"])


async def test_unused_button_numbers_expire(seed_library: Library) -> None:
    import sqlite3
    import time

    from bot.refs import EXPIRY_DAYS

    async with running_bot(seed_library, background=False) as harness:
        [page] = await harness.send(message("/search hội nghị"))
        data = page["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        db = sqlite3.connect(seed_library.data_dir / "bot.sqlite3")
        db.execute("UPDATE refs SET used = ?", (time.time() - (EXPIRY_DAYS + 1) * 86400,))
        db.commit()
        assert await harness.send(callback(data, page)) == []  # stale: a polite alert, nothing shown
        assert await harness.service.answers.prune() > 0
        assert db.execute("SELECT count(*) FROM refs").fetchone() == (0,)
        db.close()
