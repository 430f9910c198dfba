"""/healthz and /metrics (HOITIN_METRICS_PORT) of a running bot, read over HTTP and parsed."""

from __future__ import annotations

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
