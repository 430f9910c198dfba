"""Webhook mode: ``python -m bot`` registers its webhook and answers updates posted to it on
127.0.0.1; a request without the right secret gets 403 and is never processed. Polling
deletes a webhook left from before."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.config import ConfigError, load_settings

from .bot_harness import BotProcess, free_port, until
from .conftest import SEEDS
from .fake_telegram import FakeBotAPI, message, serve, visible_text

TOKEN = "424242:WEBHOOK-test-token"
SECRET = "hoitin-s3cret_token"


async def test_webhook_answers_real_updates_and_refuses_forged_ones(tmp_path: Path) -> None:
    api = FakeBotAPI()
    runner, base_url = await serve(api, TOKEN)
    port = free_port()
    bot = BotProcess(tmp_path, {
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url, "HOITIN_DATA_DIR": str(tmp_path / "data"),
        "HOITIN_SEEDS_DIR": str(SEEDS), "HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/telegram/hook",
        "HOITIN_WEBHOOK_LISTEN": "127.0.0.1", "HOITIN_WEBHOOK_PORT": str(port), "HOITIN_WEBHOOK_SECRET": SECRET})
    await bot.start()
    try:
        await until(lambda: api.sent("setWebhook"), 90, "setWebhook")
        [registered] = api.sent("setWebhook")
        assert registered["url"] == "https://hoitin.example.vn/telegram/hook"
        assert registered["secret_token"] == SECRET and registered["drop_pending_updates"] in (False, "false")
        assert set(json.loads(registered["allowed_updates"]) if isinstance(registered["allowed_updates"], str)
                   else registered["allowed_updates"]) == {"message", "callback_query", "inline_query"}
        hook = f"http://127.0.0.1:{port}/telegram/hook"
        update = {"update_id": 7, **message("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")}
        async with ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}):
                async with http.post(hook, json=update, headers=headers) as refused:
                    assert refused.status == 403
            assert await _huge_post_refused(port)
            await asyncio.sleep(1.5)
            assert api.sent() == []  # nothing was processed
            async with http.post(hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as ok:
                assert ok.status == 200
            await until(lambda: api.sent(), 30, "the answer")
        [answer] = api.sent()
        assert "Trương Thị Mai" in visible_text(answer["text"])
        assert not api.sent("getUpdates") and not [c for c in api.calls if c.method == "getUpdates"]
    finally:
        log = await bot.stop()
        await runner.cleanup()
    assert bot.returncode == 0, log[-3000:]
    assert TOKEN not in log and SECRET not in log


async def _huge_post_refused(port: int) -> bool:
    """A post declaring 90 MB is refused from its Content-Length, before its body is read: the
    answer comes while 89.9 MB of it are still unsent (tornado's default read all 90 MB first)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"POST /telegram/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (90 << 20) + b"[" * 65536)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    return status.startswith(b"HTTP/1.1 400")


@pytest.mark.parametrize(("env", "says"), [
    ({"HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/hook"}, "HOITIN_WEBHOOK_SECRET must be set"),
    ({"HOITIN_WEBHOOK_URL": "http://hoitin.example.vn/hook", "HOITIN_WEBHOOK_SECRET": "x"}, "https://"),
    ({"HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/hook", "HOITIN_WEBHOOK_SECRET": "có dấu"}, "Telegram's rule"),
    ({"HOITIN_WEBHOOK_PORT": "70000"}, "TCP port"),
])
def test_webhook_settings_are_checked(env: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings(env, dotenv=False)

