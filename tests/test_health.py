"""/healthz and /metrics (HOITIN_METRICS_PORT) of a running bot, read over HTTP and parsed."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from retrieval.library import Library

from .bot_harness import Running, free_port, running_bot
from .fake_telegram import message
from .test_alerts import article_file


async def _get(bot: Running, path: str) -> tuple[int, str]:
    async with ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{bot.settings.metrics_port}{path}") as response:
            return response.status, await response.text()


async def _samples(bot: Running) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = await _get(bot, "/metrics")
    assert status == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


async def test_metrics_move_with_what_the_bot_does(seed_library: Library) -> None:
    async with running_bot(seed_library, metrics_port=free_port()) as bot:
        assert await _get(bot, "/healthz") == (200, "ok\n")
        before = await _samples(bot)
        assert before[("hoitin_questions_total", (("outcome", "answered"),))] == 0
        await bot.say("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
        await bot.say("Giá vé máy bay đi Sao Hỏa năm 2090 là bao nhiêu?")
        await bot.say("?" * 2000)
        bot.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await bot.send(message("Ai chủ trì hội nghị?"))
        article_file(bot.settings.inbox, "moi.txt", "Giá lúa gạo tăng", "Giá lúa gạo tăng mạnh trong tuần qua.")
        # Filed away once ingest returned (and counted): the store shows the article a moment sooner.
        await bot.wait_for(lambda: (bot.settings.inbox / "processed" / "moi.txt").exists())
        after = await _samples(bot)
    assert after[("hoitin_questions_total", (("outcome", "answered"),))] == 2
    assert after[("hoitin_questions_total", (("outcome", "not_found"),))] == 1
    assert after[("hoitin_questions_total", (("outcome", "too_long"),))] == 1
    assert after[("hoitin_answer_seconds_count", ())] == 3
    assert after[("hoitin_telegram_errors_total", (("code", "403"),))] == 1
    assert after[("hoitin_articles_total", (("outcome", "ingested"),))] == 1
    assert after[("hoitin_index_passages", ())] > 0 and after[("hoitin_index_generation", ())] >= 1
    assert after[("hoitin_outbox_alerts", (("status", "pending"),))] == 0


async def test_healthz_says_what_fails(seed_library: Library) -> None:
    async with running_bot(seed_library, metrics_port=free_port(), background=True) as bot:
        assert (await _get(bot, "/healthz"))[0] == 200
        seed_library.store.close()  # the article store stops answering
        status, body = await _get(bot, "/healthz")
        assert status == 503 and body.startswith("article store: ")


async def test_a_full_disk_still_answers_and_healthz_says_so_once(seed_library: Library,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Issue 27, M5: the answer log's insert failed on a full disk, and every question got the
    generic error while /healthz said "ok"."""
    caplog.set_level(logging.INFO, logger="bot.trouble")
    async with running_bot(seed_library, metrics_port=free_port(), background=True) as bot:
        log = bot.service._log._db  # SQLite's own "database or disk is full", on the real file
        pages = log.execute("PRAGMA page_count").fetchone()[0]
        log.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for _ in range(10_000):  # the free room of the pages there are, filled with answers
                log.execute("INSERT INTO answers (question, sentence, article_id, paragraph, cited, created)"
                            " VALUES (?, '', '', 1, '[]', '')", ("x" * 100,))
        for _ in range(3):
            [sent] = await bot.send(message("ai chu tri hoi nghi"))
            assert "Trương Thị Mai" in sent["text"] and "reply_markup" not in sent, "answered, without 👍 / 👎"
        status, body = await _get(bot, "/healthz")
        assert status == 503 and body.startswith("the answer log: cannot be written (database or disk is full)")
        said = [r.getMessage() for r in caplog.records if r.name == "bot.trouble"]
        assert said == ["the answer log cannot be written: the disk is full (database or disk is full); "
                        "answers go out without their buttons until it can"], "said once, not at every question"
        log.execute(f"PRAGMA max_page_count = {pages * 1000}")  # space again
        [sent] = await bot.send(message("ai chu tri hoi nghi"))
        assert "👍" in str(sent["reply_markup"])
        assert (await _get(bot, "/healthz"))[0] == 200
        assert [r.getMessage() for r in caplog.records if r.name == "bot.trouble"][-1] == "the answer log can be written again"


async def test_background_work_that_keeps_failing_is_said_once(seed_library: Library,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """Issue 27, M5: the inbox failed every 2 s on a full disk, and each time the log got
    "background work 'inbox' failed" with a traceback while /healthz said "ok"."""
    caplog.set_level(logging.INFO, logger="bot.trouble")
    async with running_bot(seed_library, metrics_port=free_port(), background=True) as bot:
        inbox = bot.settings.inbox
        moved = inbox.rename(inbox.with_name("inbox-away"))  # the inbox's disk unmounted, say
        runs = 6
        await asyncio.sleep(runs * bot.settings.poll_seconds)
        said = [r for r in caplog.records if r.name == "bot.trouble"]
        assert [r.getMessage().split(":")[0] for r in said] == ["background work 'inbox' fails"], "once, not every run"
        assert said[0].exc_info is None, "a missing folder is not a bug: no traceback"
        status, body = await _get(bot, "/healthz")
        assert status == 503 and body.startswith("background work 'inbox': fails (")
        moved.rename(inbox)
        await bot.wait_for(lambda: any(r.getMessage() == "background work 'inbox' works again" for r in caplog.records))
        assert (await _get(bot, "/healthz"))[0] == 200
