"""Forum topics: answers, subscriptions and alerts stay in the topic they were asked in; a deleted
topic pauses its subscriptions instead of failing over and over."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from retrieval.library import Library

from .bot_harness import Running, bot_rows, running_bot
from .fake_telegram import GROUP_ID, message, visible_text
from .test_alerts import article_file

STORM, RICE = 7, 9  # two topics of the forum GROUP_ID


def in_topic(text: str, thread: int, **kwargs: Any) -> dict[str, Any]:
    update = message(text, chat_id=GROUP_ID, message_thread_id=thread, is_topic_message=True, **kwargs)
    update["message"]["chat"]["is_forum"] = True
    return update


def _sent_to_topic(bot: Running, thread: int) -> list[str]:
    return [visible_text(p["text"]) for p in bot.api.sent() if p.get("message_thread_id") == thread]


async def test_answers_and_lists_stay_in_their_topic(seed_library: Library, backend: str | None) -> None:
    async with running_bot(seed_library, background=False, database_url=backend) as bot:
        [answer] = await bot.send(in_topic("/ask Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?", STORM))
        assert answer["message_thread_id"] == STORM and "Trương Thị Mai" in visible_text(answer["text"])
        await bot.send(in_topic("/subscribe bão", STORM))
        await bot.send(in_topic("/subscribe lúa gạo", RICE))
        [storm] = await bot.send(in_topic("/subscriptions", STORM))
        [rice] = await bot.send(in_topic("/subscriptions", RICE))
        assert "1. bão" in visible_text(storm["text"]) and "lúa" not in visible_text(storm["text"])
        assert "1. lúa gạo" in visible_text(rice["text"]) and rice["message_thread_id"] == RICE
        # The same keywords in another topic are another subscription; in the same topic a duplicate.
        assert "Đã đăng ký" in visible_text((await bot.send(in_topic("/subscribe bão", RICE)))[0]["text"])
        assert "rồi" in visible_text((await bot.send(in_topic("/subscribe bão", STORM)))[0]["text"])
        [gone] = await bot.send(in_topic("/unsubscribe 1", RICE))
        assert "lúa gạo" in visible_text(gone["text"])
        assert bot_rows(bot.settings, "SELECT keywords, thread_id FROM subscriptions ORDER BY id") == [
            ("bão", STORM), ("bão", RICE)]


async def test_alerts_go_to_the_topic_and_a_deleted_topic_pauses(
        seed_library: Library, caplog: pytest.LogCaptureFixture, backend: str | None) -> None:
    async with running_bot(seed_library, database_url=backend) as bot:
        await bot.send(in_topic("/subscribe bão", STORM))
        await bot.send(in_topic("/subscribe lúa gạo", RICE))
        article_file(bot.settings.inbox, "bao.txt", "Bão số 3 đổ bộ vào Quảng Ninh", "Bão số 3 đổ bộ vào Quảng Ninh đêm qua.")
        await bot.wait_for(lambda: _sent_to_topic(bot, STORM)[-1:] and _sent_to_topic(bot, STORM)[-1].startswith("🔔"))
        assert "Bão số 3" in _sent_to_topic(bot, STORM)[-1]

        bot.api.fail("sendMessage", 400, "Bad Request: message thread not found")
        with caplog.at_level(logging.WARNING, logger="bot.delivery"):
            article_file(bot.settings.inbox, "lua.txt", "Giá lúa gạo tăng", "Giá lúa gạo tăng mạnh trong tuần.")
            await bot.wait_for(lambda: bot_rows(bot.settings,
                                                "SELECT paused FROM subscriptions WHERE thread_id = 9") == [
                ("topic deleted",)])
            # The pause is committed a moment before it is logged: another connection may see it first.
            await bot.wait_for(lambda: any("topic 9 of chat" in r.getMessage()
                                           and "1 subscription(s) paused" in r.getMessage() for r in caplog.records),
                               seconds=5)
        # No retry loop: the row is failed and a new matching article queues nothing for the topic.
        article_file(bot.settings.inbox, "lua2.txt", "Lúa gạo xuất khẩu", "Lúa gạo xuất khẩu tăng giá.")
        article_file(bot.settings.inbox, "bao2.txt", "Bão số 4 suy yếu", "Bão số 4 suy yếu thành áp thấp.")
        await bot.wait_for(lambda: any("Bão số 4" in t for t in _sent_to_topic(bot, STORM)))
        await asyncio.sleep(0.5)
        assert bot_rows(bot.settings, "SELECT thread_id, status FROM outbox ORDER BY id") == [
            (STORM, "sent"), (RICE, "failed"), (STORM, "sent")]
        listed = visible_text((await bot.send(in_topic("/subscriptions", RICE)))[0]["text"])
        assert "lúa gạo (tạm dừng: chủ đề đã bị xóa" in listed
        # Subscribing again (the topic made anew) resumes it.
        await bot.send(in_topic("/subscribe lúa gạo", RICE))
        assert bot_rows(bot.settings, "SELECT paused FROM subscriptions WHERE thread_id = 9") == [(None,)]
