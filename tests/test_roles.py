"""Roles: a web process answers and follows the index, a worker ingests and sends alerts, over one
data folder and one bot database (both backends). Each is the real Application over the fake
Bot API; tests/test_processes.py runs them as ``python -m bot --role …`` processes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Role

from .bot_harness import running_bot
from .fake_telegram import FakeBotAPI, message
from .test_alerts import ALICE, RICE, article_file

RICE_QUESTION = "Thương lái thu mua lúa với giá bao nhiêu mỗi kg?"


async def test_a_web_process_and_a_worker_share_the_work(data_dir: Path, backend: str | None) -> None:
    web_api, worker_api = FakeBotAPI(), FakeBotAPI()
    async with (running_bot(data_dir, web_api, role=Role.WEB, database_url=backend) as web,
                running_bot(data_dir, worker_api, role=Role.WORKER, database_url=backend) as worker):
        assert "Đã đăng ký" in await web.say("/subscribe lúa gạo", user_id=ALICE)
        article_file(worker.settings.inbox, "lua.txt", *RICE)
        # The worker ingests the file and sends the alert; the web process sends no alert at all.
        await worker.wait_for(lambda: worker.alerts_to(ALICE))
        assert not web.alerts_to(ALICE)
        # The web process answers from the generation the worker saved, without a restart.
        await web.wait_for(lambda: web.service.library.index.n_articles == worker.service.library.index.n_articles,
                           seconds=10)
        assert "9.000 đồng" in await web.say(RICE_QUESTION, user_id=ALICE)
        # A worker takes no updates: a message handed to it is not answered, and it has no menu.
        assert await worker.send(message(RICE_QUESTION, user_id=ALICE)) == []
        assert worker.app.updater is None and not worker_api.sent("setMyCommands")
        assert web_api.sent("setMyCommands")


async def test_a_web_process_leaves_the_inbox_to_the_workers(data_dir: Path) -> None:
    inbox = data_dir / "inbox"
    inbox.mkdir()
    dropped = article_file(inbox, "lua.txt", *RICE)
    async with running_bot(data_dir, role=Role.WEB) as web:
        await asyncio.sleep(2.0)  # ten looks at the inbox, were it looking
        assert dropped.exists() and not (inbox / "processed").exists()
        assert web.service.library.index.n_articles == 4  # the seeds only
