"""New articles while the bot runs: the inbox, other processes, the outbox and its delivery."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bot.app import BOT_DATABASE, build_service
from bot.config import Settings
from bot.ingester import Ingester, IngestSettings
from retrieval.library import Library
from retrieval.store import read_articles
from retrieval.text import VIETNAM

from .bot_harness import ADMIN, bot_rows, running_bot
from .conftest import ROOT
from .fake_telegram import FakeBotAPI

ALICE, BOB = 1001, 1002
OUTBOX = "SELECT article_key, chat_id, status FROM outbox ORDER BY id"


def article_file(folder: Path, name: str, title: str, body: str, when: datetime | None = None) -> Path:
    """A seed-format article, written under a temporary name and renamed (as a careful sender does)."""
    when = (when or datetime.now(VIETNAM)).astimezone(VIETNAM)
    path = folder / name
    tmp = folder / (name + ".part")
    tmp.write_text(f"{title}\n\nKinh tế {when:%d/%m/%Y - %H:%M}\n\n{body}\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


RICE = ("Giá lúa gạo ở Đồng bằng sông Cửu Long tăng mạnh",
        "Giá lúa gạo tại các tỉnh Đồng bằng sông Cửu Long tăng mạnh trong tuần qua. "
        "Ông Nguyễn Hữu Phước, chủ một vựa lúa ở Cần Thơ, cho biết thương lái thu mua lúa với giá 9.000 đồng mỗi kg.")
MATCH = ("Đội tuyển bóng chuyền nữ thắng trận mở màn",
         "Đội tuyển bóng chuyền nữ Việt Nam thắng trận mở màn giải vô địch châu Á với tỉ số 3-1.")


async def test_inbox_file_alerts_the_subscribed_chat_only(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        assert "Đã đăng ký" in await bot.say("/subscribe lúa gạo", user_id=ALICE)
        assert "Đã đăng ký" in await bot.say("/subscribe bóng đá", user_id=BOB)
        dropped = article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        [alert] = bot.alerts_to(ALICE)
        assert [p["link_preview_options"] for p in bot.api.sent() if p["chat_id"] == ALICE][-1] == {"is_disabled": True}
        assert alert.startswith("🔔 Bài mới khớp “lúa gạo”:\nGiá lúa gạo ở Đồng bằng sông Cửu Long tăng mạnh — ")
        assert alert.splitlines()[2].startswith("Giá lúa gạo tại các tỉnh Đồng bằng sông Cửu Long tăng mạnh")
        answered = await bot.service.answers.answer(ALICE, "Ông Nguyễn Hữu Phước chủ vựa lúa ở đâu?")
        assert "Cần Thơ" in answered.answer.sentences[0].text
        await asyncio.sleep(1.0)
        assert bot.alerts_to(BOB) == []
        assert not dropped.exists() and (bot.settings.inbox / "processed" / "lua.txt").exists()
        stats = await bot.say("/stats", user_id=ADMIN)
        assert "Đã gửi trong 1 giờ qua: 1" in stats and "Đang chờ gửi: 0" in stats
    reopened = Library(data_dir)  # the index was saved at shut-down: nothing to catch up
    assert reopened.index.seq == reopened.seq and reopened.stats().articles == 5
    reopened.close()


async def test_bad_inbox_files_are_rejected_with_a_reason(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        inbox = bot.settings.inbox
        (inbox / "hong.jsonl").write_bytes(b'{"id": "x1", "body": "Th\xff\xfe"}\n{not json\n')
        (inbox / "anh.png").write_bytes(b"\x89PNG")
        await bot.wait_for(lambda: (inbox / "rejected" / "anh.png").exists() and not (inbox / "hong.jsonl").exists())
        reason = (inbox / "rejected" / "anh.png.reason.txt").read_text(encoding="utf-8")
        assert "not an article file" in reason
        filed = next(p for p in (inbox / "rejected").iterdir() if p.name == "hong.jsonl.reason.txt")
        reasons = filed.read_text(encoding="utf-8")
        assert "hong.jsonl:1: not UTF-8 text" in reasons and "hong.jsonl:2: broken JSON" in reasons
        assert "Trương Thị Mai" in await bot.say("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")


async def test_a_file_still_being_written_is_not_read(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        growing = bot.settings.inbox / "dang-ghi.txt"
        with open(growing, "w", encoding="utf-8") as handle:
            handle.write(f"{RICE[0]}\n\n")
            for _ in range(10):  # keeps changing for 2 s: never read half-way
                handle.write(RICE[1] + "\n\n")
                handle.flush()
                await asyncio.sleep(0.2)
            assert growing.exists()
        await bot.wait_for(lambda: (bot.settings.inbox / "processed" / "dang-ghi.txt").exists())
        stored = await bot.service.answers.article("dang-ghi")
        assert stored is not None and len(stored.paragraphs) == 10


async def test_another_process_ingests_and_the_bot_answers_and_alerts(data_dir: Path, tmp_path: Path,
                                                                     backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        await bot.say("/subscribe bóng chuyền", user_id=ALICE)
        drop = tmp_path / "cli"
        drop.mkdir()
        article_file(drop, "bong.txt", *MATCH)
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "retrieval", "--data-dir", str(data_dir), "ingest", str(drop)],
            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, done.stderr
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        assert "3-1" in await bot.say("Đội tuyển bóng chuyền nữ thắng trận mở màn với tỉ số bao nhiêu?")


async def test_429_is_honoured(data_dir: Path, backend: str | None) -> None:
    api = FakeBotAPI()
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        api.fail("sendMessage", 429, "Too Many Requests: retry after 2", {"retry_after": 2})
        article_file(bot.settings.inbox, "lua.txt", *RICE)

        def tries() -> list[float]:  # the refused attempt and the one after the wait
            return [c.at for c in api.calls if c.method == "sendMessage" and c.params["text"].startswith("🔔")]

        await bot.wait_for(lambda: len(tries()) == 2)
        first, second = tries()
        assert second - first >= 2.0
        await bot.wait_for(lambda: bot.outbox()[0][2] == "sent")


async def test_403_pauses_the_chat(data_dir: Path, backend: str | None) -> None:
    api = FakeBotAPI()
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        await bot.say("/subscribe lúa gạo", user_id=BOB)
        api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")  # the first alert: Alice's
        article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: bot.alerts_to(BOB))
        await asyncio.sleep(0.3)
        stats = await bot.say("/stats", user_id=ADMIN)
        assert "Nhóm/người không nhận được: 1" in stats
        state = await bot.service.chats.state(ALICE)
        assert state.unreachable and state.unreachable.startswith("blocked")
        article_file(bot.settings.inbox, "lua2.txt", RICE[0] + " lần nữa", RICE[1].replace("9.000", "9.500"))
        await bot.wait_for(lambda: len(bot.alerts_to(BOB)) == 2)
        alice = [c for c in api.calls if c.method == "sendMessage" and c.params["chat_id"] == ALICE]
        assert [c.params["text"][:1] for c in alice] == ["Đ", "🔔"]  # the /subscribe reply, the refused alert
        assert "bật lại" in await bot.say("/resume", user_id=ALICE)
        assert (await bot.service.chats.state(ALICE)).unreachable is None


async def test_chat_migration_moves_subscriptions_and_alerts(data_dir: Path, backend: str | None) -> None:
    api = FakeBotAPI()
    group, supergroup = -555, -1005550000
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", chat_id=group)
        api.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                 {"migrate_to_chat_id": supergroup})
        article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: bot.alerts_to(supergroup))
        assert "1. lúa gạo" in await bot.say("/subscriptions", chat_id=supergroup)


async def test_pending_alerts_survive_a_restart_and_go_out_once(data_dir: Path, tmp_path: Path, backend: str | None) -> None:
    # Alerts queued by a bot that stopped before delivering them (no Telegram at all here).
    settings = Settings(data_dir=data_dir, database_url=backend)
    service = build_service(settings, Library(data_dir))
    await service.chats.subscribe(ALICE, "lúa gạo", "vi")
    await service.chats.subscribe(BOB, "bóng chuyền", "vi")
    await service.new_articles.sync()  # the alert cursor starts now
    drop = tmp_path / "drop"
    drop.mkdir()
    article_file(drop, "lua.txt", *RICE)
    article_file(drop, "bong.txt", *MATCH)
    await service.new_articles.ingest(list(read_articles([drop])))
    assert sorted(row[1:] for row in bot_rows(settings, OUTBOX)) == [(ALICE, "pending"), (BOB, "pending")]
    service.close()

    api = FakeBotAPI()
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await bot.wait_for(lambda: bot.alerts_to(ALICE) and bot.alerts_to(BOB))
        await asyncio.sleep(1.5)
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await asyncio.sleep(1.5)
        assert [row[2] for row in bot.outbox()] == ["sent", "sent"]
    assert len(bot.alerts_to(ALICE)) == 1 and len(bot.alerts_to(BOB)) == 1


async def test_the_ingest_side_queues_alerts_only_when_the_answer_side_has_the_index(
        data_dir: Path, tmp_path: Path, backend: str | None) -> None:
    """The ingest process queued an article's alerts with the ingest itself, before the answer
    side had mapped the index holding it; the delivery loop, which also looks for due alerts
    every second, could send one first, and a reader asking at once was told "not found" (a CI
    run under load did). Now the alerts wait for their own call, which the bot makes after it
    switched to the new index (bot/newarticles.py). The alert cursor starts as the ingest side
    opens: started by the first call to queue alerts, an article ingested before it (an inbox
    file while the first sync waited for its index) was never announced."""
    settings = Settings(data_dir=data_dir, database_url=backend)
    service = build_service(settings, Library(data_dir))
    await service.chats.subscribe(BOB, "bóng chuyền", "vi")
    ingester = Ingester(IngestSettings(data_dir, backend or str(data_dir / BOT_DATABASE), 48.0, "WARNING", None))
    try:
        drop = tmp_path / "drop"
        drop.mkdir()
        article_file(drop, "bong.txt", *MATCH)
        report, generation = await ingester.ingest(list(read_articles([drop])))
        assert report.ingested == 1 and generation
        assert bot_rows(settings, OUTBOX) == [], "no alert before the answer side has taken the index"
        assert await ingester.queue_alerts() == 1
        assert [row[1:] for row in bot_rows(settings, OUTBOX)] == [(BOB, "pending")]
    finally:
        ingester.close()
        service.close()


async def test_same_article_twice_alerts_once_and_digests_merge(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        await bot.say("/subscribe lúa", user_id=ALICE)
        await bot.say("/pause", user_id=BOB)
        inbox = bot.settings.inbox
        today = datetime.now(VIETNAM).isoformat()
        records = [{"id": "a", "title": RICE[0], "body": RICE[1], "published": today},
                   {"id": "b", "title": "Xuất khẩu lúa gạo đạt kỷ lục", "published": today,
                    "body": "Xuất khẩu lúa gạo năm nay đạt kỷ lục 8 triệu tấn."}]
        (inbox / "two.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                         encoding="utf-8")
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        [digest] = bot.alerts_to(ALICE)
        assert digest.startswith("🔔 2 bài mới khớp đăng ký của bạn:\n1. ") and "\n2. " in digest
        article_file(inbox, "a-again.txt", *RICE)  # the same text under another id: stored once, no alert
        edited = {**records[0], "body": RICE[1] + " Giá dự kiến còn tăng."}  # same id, edited: no alert
        (inbox / "edit.jsonl").write_text(json.dumps(edited, ensure_ascii=False) + "\n", encoding="utf-8")
        await bot.wait_for(lambda: (inbox / "processed" / "a-again.txt").exists())
        await bot.wait_for(lambda: (inbox / "processed" / "edit.jsonl").exists())
        await asyncio.sleep(1.5)
        assert len(bot.alerts_to(ALICE)) == 1
        stored = await bot.service.answers.article("a")
        assert stored is not None and stored.paragraphs[-1].endswith("Giá dự kiến còn tăng.")


async def test_quiet_hours_hold_alerts(data_dir: Path, backend: str | None) -> None:
    hour = datetime.now(VIETNAM).hour
    async with running_bot(data_dir, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        reply = await bot.say(f"/quiet {hour}-{(hour + 1) % 24}", user_id=ALICE)
        assert f"Giờ yên lặng: {hour} giờ đến {(hour + 1) % 24} giờ" in reply
        article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: (bot.settings.inbox / "processed" / "lua.txt").exists())
        await asyncio.sleep(2.0)
        assert bot.alerts_to(ALICE) == []
        assert [row[2] for row in bot.outbox()] == ["pending"]
        assert "Đã tắt giờ yên lặng" in await bot.say("/quiet off", user_id=ALICE)
        await bot.wait_for(lambda: bot.alerts_to(ALICE))


async def test_old_articles_arriving_late_do_not_alert(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        article_file(bot.settings.inbox, "cu.txt", *RICE, when=datetime.now(VIETNAM) - timedelta(days=5))
        await bot.wait_for(lambda: (bot.settings.inbox / "processed" / "cu.txt").exists())
        await asyncio.sleep(1.0)
        assert bot.alerts_to(ALICE) == []
        assert "Cần Thơ" in await bot.say("Ông Nguyễn Hữu Phước chủ vựa lúa ở đâu?", user_id=ALICE)


async def test_network_errors_are_retried_later(data_dir: Path, backend: str | None) -> None:
    api = FakeBotAPI()
    async with running_bot(data_dir, api, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        api.fail("sendMessage", 502, "Bad Gateway")
        article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: len(bot.alerts_to(ALICE)) == 2)  # refused, then sent on the retry
        await bot.wait_for(lambda: bot.outbox()[0][2] == "sent")
        tries = [c.at for c in api.calls if c.method == "sendMessage" and c.params["text"].startswith("🔔")]
        assert tries[1] - tries[0] >= 2.0  # backoff: 2 s after the first failure


async def test_paused_chats_get_nothing_until_they_resume(data_dir: Path, backend: str | None) -> None:
    async with running_bot(data_dir, database_url=backend) as bot:
        await bot.say("/subscribe lúa gạo", user_id=ALICE)
        assert "Đã tạm dừng nhận tin" in await bot.say("/pause", user_id=ALICE)
        article_file(bot.settings.inbox, "lua.txt", *RICE)
        await bot.wait_for(lambda: (bot.settings.inbox / "processed" / "lua.txt").exists())
        await asyncio.sleep(1.0)
        assert bot.alerts_to(ALICE) == [] and bot.outbox() == []
        assert "Đã bật lại nhận tin" in await bot.say("/resume", user_id=ALICE)
        article_file(bot.settings.inbox, "bong.txt", MATCH[0], MATCH[1] + " Giá lúa gạo không đổi.")
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        assert MATCH[0] in bot.alerts_to(ALICE)[0]
