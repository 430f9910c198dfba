"""Real long polling over HTTP against the fake Bot API served by aiohttp on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from retrieval.library import Library

from .bot_harness import BotProcess, polling, running_bot, until
from .conftest import ROOT, SEEDS
from .fake_telegram import USER_ID, FakeBotAPI, message, serve, visible_text
from .test_alerts import RICE, article_file

TOKEN = "654321:POLLING-secret-token"
QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"


async def _wait_for_reply(api: FakeBotAPI, seconds: float) -> list[str]:
    for _ in range(int(seconds * 10)):
        if api.texts():
            return api.texts()
        await asyncio.sleep(0.1)
    raise AssertionError(f"no reply within {seconds} s; calls: {[c.method for c in api.calls]}")


async def test_polling_through_base_url(seed_library: Library) -> None:
    api = FakeBotAPI()
    async with polling(seed_library, api, TOKEN):
        api.queue(message(QUESTION))
        [reply] = await _wait_for_reply(api, 20)
    shown = visible_text(reply)
    assert "Trương Thị Mai" in shown and "Nguồn:" in shown and "15/01/2021" in shown
    assert [c.method for c in api.calls][:1] == ["getMe"]


async def test_a_slow_chat_does_not_hold_up_another(seed_library: Library) -> None:
    """Updates run concurrently: chat A's reply is stuck on a slow network, chat B is answered."""
    api = FakeBotAPI()
    slow_chat, other_chat = USER_ID, USER_ID + 1
    api.delays[slow_chat] = 4.0
    async with polling(seed_library, api, TOKEN):
        api.queue(message(QUESTION, user_id=slow_chat))
        api.queue(message("/help", user_id=other_chat))
        await _wait_for_reply(api, 20)
        first = api.sent()[0]["chat_id"]
        await asyncio.sleep(4.5)
    assert first == other_chat
    assert [p["chat_id"] for p in api.sent()] == [other_chat, slow_chat]


async def test_make_run_answers_over_a_local_bot_api(tmp_path: Path) -> None:
    """``python -m bot`` (what ``make run`` runs) with TELEGRAM_API_BASE_URL at the fake server."""
    api = FakeBotAPI()
    api.fail("setMyCommands", 500, "Internal Server Error")  # non-essential: logged, the bot starts
    runner, base_url = await serve(api, TOKEN)
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url,
           "HOITIN_DATA_DIR": str(tmp_path / "data"), "HOITIN_SEEDS_DIR": str(SEEDS), "HOITIN_LOG_LEVEL": "DEBUG",
           "PYTHONPATH": str(ROOT)}
    bot = BotProcess(tmp_path, env)
    await bot.start()
    try:
        api.queue(message(QUESTION))
        [reply] = await _wait_for_reply(api, 90)
    finally:
        log = await bot.stop()
        await runner.cleanup()
    assert bot.returncode == 0, log
    assert "Trương Thị Mai" in visible_text(reply)
    assert [c.params.get("language_code") for c in api.calls if c.method == "setMyCommands"] == [None, "en"]
    assert "could not register the vi command menu" in log
    assert TOKEN not in log and "<TELEGRAM_BOT_TOKEN>" in log  # DEBUG logs name URLs, redacted
    assert api.sent()[0]["chat_id"] == USER_ID
    # Polling first deletes a webhook left from webhook mode, keeping the updates it holds.
    [deleted] = api.sent("deleteWebhook")
    assert deleted.get("drop_pending_updates") in (False, "false", None)
    assert [c.method for c in api.calls].index("deleteWebhook") < [c.method for c in api.calls].index("getUpdates")


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
async def test_a_stop_signal_to_the_process_group_stops_cleanly(tmp_path: Path, signum: int, exit_code: int) -> None:
    """Issue 27, L6: Ctrl-C (or systemd's SIGTERM) reaches the ingest child too. It died with a
    KeyboardInterrupt traceback, the parent started another, the final save met a broken pool,
    and the exit code was an error. Now the child ignores it and the parent stops it last."""
    api = FakeBotAPI()
    runner, base_url = await serve(api, TOKEN)
    inbox = tmp_path / "inbox"
    bot = BotProcess(tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url,
                                "HOITIN_DATA_DIR": str(tmp_path / "data"), "HOITIN_SEEDS_DIR": str(SEEDS),
                                "HOITIN_INBOX_DIR": str(inbox), "HOITIN_POLL_SECONDS": "0.2"})
    await bot.start()
    try:
        inbox.mkdir(exist_ok=True)
        article_file(inbox, "moi.txt", *RICE)  # ingested by the child: it is running when the signal comes
        await until(lambda: (inbox / "processed" / "moi.txt").exists(), 90, "the inbox file ingested")
        api.queue(message("Thương lái thu mua lúa giá bao nhiêu?"))
        [reply] = await _wait_for_reply(api, 30)
        assert "9.000 đồng" in visible_text(reply)
        assert bot.process is not None
        trackers = _resource_trackers(bot.process.pid)
    finally:
        log = await bot.stop(signum, group=True)
        await runner.cleanup()
    assert bot.returncode == exit_code, log[-3000:]
    for wrong in ("Traceback", "KeyboardInterrupt", "BrokenProcessPool", "ingest process died"):
        assert wrong not in log, log[-3000:]
    assert bot.process is not None
    group = bot.process.pid
    # CPython's resource tracker (started for the ingest pool's semaphores) ignores SIGINT and
    # SIGTERM by design and leaves when its pipe from the bot closes, so it may still be exiting
    # here; it must be gone soon after. Nothing else of the group may be left.
    assert [pid for pid in _running_in_group(group) if pid not in trackers] == [], "the ingest child stopped with its parent"
    await until(lambda: not set(_running_in_group(group)) & set(trackers), 10, "the resource tracker gone")


async def test_stopping_waits_for_every_job_run_and_cuts_none_short(
        seed_library: Library, caplog: pytest.LogCaptureFixture) -> None:
    """A job run that started while stopping waited for an earlier one was cancelled by
    APScheduler, which logged it as an error with a traceback (a fresh-clone CI run of the
    SIGTERM test above). Once stopping begins, no run starts; those under way finish."""
    started: list[str] = []
    finished: list[str] = []

    def taking(seconds: float, name: str) -> Callable[[object], Coroutine[Any, Any, None]]:
        async def job(context: object) -> None:
            started.append(name)
            await asyncio.sleep(seconds)
            finished.append(name)
        return job

    with caplog.at_level(logging.WARNING):
        async with running_bot(seed_library) as bot:
            jobs = bot.app.job_queue
            assert jobs is not None
            jobs.run_once(taking(0.5, "under way"), when=0)
            await until(lambda: started, 10, "the first job started")
            jobs.run_once(taking(0.5, "due while stopping"), when=0.2)
            # Leaving the block stops the application 0.5 s before the first run ends.
    assert finished == started, started
    assert "under way" in finished
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def _resource_trackers(group: int) -> list[int]:
    """The processes of a group that run multiprocessing's resource tracker."""
    return [pid for pid in _running_in_group(group)
            if b"multiprocessing.resource_tracker" in _read(Path(f"/proc/{pid}/cmdline"))]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _running_in_group(group: int) -> list[int]:
    """Processes of a process group that still run (an exited child left unreaped is not)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (name)": state, ppid, pgrp
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in "ZX":
            running.append(int(stat.parent.name))
    return running
