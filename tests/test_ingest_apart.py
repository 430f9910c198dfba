"""Questions never wait behind ingest (issue 11, row 4): answered while a big inbox file goes in."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from .bot_harness import running_bot
from .test_kill import drop, records

QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"


async def test_a_question_is_answered_while_a_big_file_is_ingested(seed_library_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(seed_library_dir, data_dir)
    async with running_bot(data_dir) as bot:
        inbox = bot.settings.inbox
        drop(inbox, "big.jsonl", records(600, "tai"))
        await asyncio.sleep(2.0)  # settled and picked up: the ingest side is segmenting
        answered = []
        for _ in range(5):
            reply = await bot.say(QUESTION)
            answered.append((reply, (inbox / "processed" / "big.jsonl").exists()))
        await bot.wait_for(lambda: (inbox / "processed" / "big.jsonl").exists(), 180)
        assert "Vụ lúa số 599" in await bot.say("/search vụ lúa số 599")  # and then it is searchable
    assert all("Trương Thị Mai" in reply for reply, _ in answered)
    assert not any(done for _, done in answered), "the questions were answered before the ingest ended"
