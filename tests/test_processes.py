"""The bot as a public deployment runs it: two web processes behind the webhook and two workers,
all ``python -m bot --role …``, over one data folder and one PostgreSQL (started by the suite).

100 chats subscribe through the webhooks; five articles arrive in the inbox one after another,
500 alerts in all, sent while 200 questions are asked; one worker is killed with SIGKILL in the
middle of sending. Every alert arrives, none twice while both workers run and at most once more
after the kill; each chat gets its alerts in order; every question is answered once; both web
processes answer from the index the workers saved; one feed is polled by one worker.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bot.app import prepare_library
from bot.config import DEFAULTS
from retrieval.index import Index

from .bot_harness import BotProcess, bot_rows, free_port, until
from .conftest import SEEDS, fresh_database
from .fake_telegram import FakeBotAPI, message, serve, visible_text
from .news_site import Site, rss, serving
from .test_kill import drop

TOKEN = "556677:PROCESSES-token"
SECRET = "several-processes"
CHATS, WAVES, QUESTIONS = 100, 5, 200
SUBSCRIBER, ASKER = 10_000, 20_000  # first chat id of each kind
SUBSCRIBERS = range(SUBSCRIBER, SUBSCRIBER + CHATS)
QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"
WAVE = re.compile(r"HQ-18(\d)")


PORTS = ["Cam Ranh", "Hải Phòng", "Đà Nẵng", "Quy Nhơn", "Vũng Tàu"]
COMMANDERS = ["Nguyễn Văn Hải", "Trần Minh Đức", "Lê Quang Vinh", "Phạm Hữu Tài", "Hoàng Gia Bảo"]


def submarine(n: int) -> dict[str, str]:
    port, commander = PORTS[n - 1], COMMANDERS[n - 1]
    return {"id": f"tau-ngam-{n}", "title": f"Tàu ngầm HQ-18{n} về cảng {port}",
            "body": f"Sáng nay, tàu ngầm HQ-18{n} đã về đến cảng {port} sau chuyến huấn luyện thứ {n}. "
                    f"Chỉ huy tàu là đại tá {commander}, người đã phục vụ trong lực lượng tàu ngầm "
                    f"{10 + n} năm. Chuyến đi kéo dài {20 + n} ngày."}


async def _post(http: ClientSession, port: int, update: dict[str, Any]) -> None:
    async with http.post(f"http://127.0.0.1:{port}/hook", json=update,
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 200, await response.text()


async def _healthy(http: ClientSession, port: int) -> bool:
    try:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status == 200
    except OSError:
        return False


async def _generation(http: ClientSession, port: int) -> int:
    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
        found = re.search(r"^hoitin_index_generation (\S+)$", await response.text(), re.M)
        return int(float(found.group(1))) if found else -1


async def test_two_web_processes_and_two_workers_on_postgresql(tmp_path: Path, postgres_server_url: str) -> None:
    database = fresh_database(postgres_server_url)
    data = tmp_path / "data"
    prepare_library(data, SEEDS).close()  # the seeds stored once, before four processes open the folder
    (data / "inbox").mkdir()
    api = FakeBotAPI()
    runner, base_url = await serve(api, TOKEN)
    async with serving() as site, ClientSession() as http:
        site.feed = rss([{"guid": "f1", "title": "Tin từ nguồn RSS", "link": f"{site.base}/bai/f1.html",
                          "description": "Một tin thử từ nguồn RSS của báo, để xem ai lấy nó về."}])
        common = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url, "HOITIN_DATA_DIR": str(data),
                  "HOITIN_SEEDS_DIR": str(SEEDS), "HOITIN_DATABASE_URL": database, "HOITIN_POLL_SECONDS": "0.5",
                  "HOITIN_CHAT_REPLIES_PER_SECOND": "100"}
        web_ports, metric_ports = [free_port(), free_port()], [free_port() for _ in range(4)]
        webs, workers = _processes(tmp_path, common, site, web_ports, metric_ports)
        processes = [*webs, *workers]
        try:
            await asyncio.gather(*(p.start() for p in processes))
            for port in metric_ports:
                await until(partial(_healthy, http, port), 120, f"/healthz on {port}")
            await _subscribe_then_ask_while_articles_arrive(http, api, web_ports, data, database)
            # Both web processes answer from the generation the workers saved last, within 10 s (the
            # last file is filed away once its articles are indexed and that generation saved).
            await until(lambda: (data / "inbox" / "processed" / f"wave{WAVES}.jsonl").exists(), 30, "the last file read")
            saved = int(Index.current_generation(data / "index").removeprefix("gen-"))
            for port in metric_ports[:2]:
                await until(partial(_at_least, http, port, saved), 10, "the new index taken up")
            for n, port in enumerate(web_ports):
                await _post(http, port, {"update_id": 5000 + n, **message(
                    "Ai chỉ huy tàu ngầm về cảng Vũng Tàu?", user_id=30_000 + n)})

            before_kill = Counter(_alerts(api))
            workers[0].kill()
            killed_at = len(api.arrived)
            assert sum(before_kill.values()) < CHATS * WAVES, "killed while alerts were still going out"
            await until(lambda: len(set(_alerts(api))) == CHATS * WAVES, 240, "every alert delivered")
            await until(lambda: len(_answers(api, range(ASKER, ASKER + QUESTIONS))) == QUESTIONS, 60,
                        "every question answered")
            await asyncio.sleep(2.0)  # nothing more should come
        finally:
            logs = await asyncio.gather(*(p.stop() for p in processes))
            await runner.cleanup()

    _each_alert_once_and_in_order(api, before_kill, killed_at)
    _every_question_answered_once(api)
    assert [path for path, _ in site.requests if path == "/rss"] == ["/rss"], "one worker polled the feed, once"
    assert bot_rows_pg(database, "SELECT count(*) FROM outbox WHERE status = 'sent'") == [(CHATS * WAVES,)]
    for process, log in zip(processes[:2] + processes[3:], logs[:2] + logs[3:], strict=True):
        assert process.returncode == 0, log[-3000:]
        assert TOKEN not in log and SECRET not in log


def _processes(tmp_path: Path, common: dict[str, str], site: Site, web_ports: list[int],
               metric_ports: list[int]) -> tuple[list[BotProcess], list[BotProcess]]:
    """Two web processes (webhook on ``web_ports``) and two workers, each with its metrics port."""
    webs = [BotProcess(tmp_path, {**common, "HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/hook",
                                  "HOITIN_WEBHOOK_PORT": str(port), "HOITIN_WEBHOOK_SECRET": SECRET,
                                  "HOITIN_METRICS_PORT": str(metric_ports[i])}, ("--role", "web"))
            for i, port in enumerate(web_ports)]
    # Each worker sends at most 8 alerts a second (16 together, under Telegram's 30), so the
    # 500 take half a minute and the kill lands while they go out.
    workers = [BotProcess(tmp_path, {**common, "HOITIN_ALERTS_PER_SECOND": "8", "HOITIN_FEEDS": f"{site.base}/rss",
                                     "HOITIN_FEED_ALLOW": site.allow, "HOITIN_FEED_INTERVAL": "3600",
                                     "HOITIN_METRICS_PORT": str(metric_ports[2 + i])}, ("--role", "worker"))
               for i in range(2)]
    return webs, workers


async def _subscribe_then_ask_while_articles_arrive(http: ClientSession, api: FakeBotAPI, web_ports: list[int],
                                                    data: Path, database: str) -> None:
    """Every subscriber subscribes through either web process; then the questions come in while
    the waves of articles are dropped in the inbox, one after another."""
    await asyncio.gather(*(_post(http, web_ports[n % 2], {"update_id": n, **message(
        "/subscribe tàu ngầm", user_id=chat)}) for n, chat in enumerate(SUBSCRIBERS)))
    await until(lambda: len(api.sent()) == CHATS, 60, "every subscription confirmed")
    assert all("Đã đăng ký" in visible_text(p["text"]) for p in api.sent())
    for chat in SUBSCRIBERS:
        api.delays[chat] = 0.2  # a send takes a while: some are in flight when a worker dies
    questions = [_post(http, web_ports[n % 2], {"update_id": 1000 + n, **message(QUESTION, user_id=chat)})
                 for n, chat in enumerate(range(ASKER, ASKER + QUESTIONS))]
    asking = asyncio.gather(*questions)
    for n in range(1, WAVES + 1):  # one article after another: each its own alert to each chat
        drop(data / "inbox", f"wave{n}.jsonl", [submarine(n)])
        await until(partial(_queued_at_least, database, n * CHATS), 60, f"the alerts of article {n} queued")
    await asking


def _each_alert_once_and_in_order(api: FakeBotAPI, before_kill: Counter[tuple[int, int]], killed_at: int) -> None:
    """Every alert reached every subscriber, none twice while both workers ran, at most once more
    after the kill, and each chat's in the order they were queued."""
    delivered = Counter(_alerts(api))
    assert set(delivered) == {(chat, n) for chat in SUBSCRIBERS for n in range(1, WAVES + 1)}
    assert max(before_kill.values()) == 1, "no alert twice while both workers ran"
    repeated = [row for row, count in delivered.items() if count > 1]
    assert max(delivered.values()) <= 2, "at most once more after the kill"
    print(f"\n{len(repeated)} of {CHATS * WAVES} alerts went out a second time after the SIGKILL "
          f"({killed_at} Bot API calls had arrived)")
    for chat in SUBSCRIBERS:  # each chat's alerts in the order they were queued (a digest the dead
        waves = [n for c, n in _alerts(api) if c == chat]  # worker had in flight may come again, whole)
        assert list(dict.fromkeys(waves)) == list(range(1, WAVES + 1)), (chat, waves)


def _every_question_answered_once(api: FakeBotAPI) -> None:
    """Each asker got one answer, Trương Thị Mai's; each web process answered from the article the
    workers ingested last."""
    answers = _answers(api, range(ASKER, ASKER + QUESTIONS))
    assert len(answers) == QUESTIONS and all(len(texts) == 1 for texts in answers.values())
    assert all("Trương Thị Mai" in texts[0] for texts in answers.values())
    for n in range(2):
        [reply] = [visible_text(p["text"]) for p in api.sent() if int(p["chat_id"]) == 30_000 + n]
        assert reply.startswith(f"[1] Chỉ huy tàu là đại tá {COMMANDERS[-1]}"), reply


def _alerts(api: FakeBotAPI) -> list[tuple[int, int]]:
    """(chat, article number) of every alert as it reached the Bot API, in arrival order (a digest
    of several counts once for each)."""
    out = []
    for call in api.arrived:
        if call.method == "sendMessage" and (text := visible_text(call.params["text"])).startswith("🔔"):
            numbers = dict.fromkeys(WAVE.findall(text))  # an article's number is in its title and its lead
            out += [(int(call.params["chat_id"]), int(n)) for n in numbers]
    return out


def _answers(api: FakeBotAPI, chats: range) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for params in api.sent():
        if int(params["chat_id"]) in chats:
            out.setdefault(int(params["chat_id"]), []).append(visible_text(params["text"]))
    return out


def _queued_at_least(database: str, count: int) -> bool:
    return int(bot_rows_pg(database, "SELECT count(*) FROM outbox")[0][0]) >= count


def bot_rows_pg(database: str, sql: str) -> list[tuple[Any, ...]]:
    return bot_rows(replace(DEFAULTS, database_url=database), sql)


async def _at_least(http: ClientSession, port: int, generation: int) -> bool:
    return await _generation(http, port) >= generation
