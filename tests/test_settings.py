"""Settings flow one way: every HOITIN_* / TELEGRAM_* variable, changed from its default, takes
effect in ``python -m bot`` (``bot.__main__.main``, as ``make run`` starts it).

One bot process, every setting changed at once, watched from outside: the fake Bot API it
talks to, the local news site it polls, the folders it writes and the log it prints.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.config import DEFAULTS, ConfigError, Settings, load_settings
from retrieval.text import VIETNAM

from .bot_harness import BotProcess, free_port, until
from .conftest import ROOT
from .fake_telegram import FakeBotAPI, message, serve, visible_text
from .news_site import Site, rss, serving

TOKEN = "777000:SETTINGS-test-token"
ADMIN, READER = 4242, 5151
SEED = ("Cầu Rồng phun lửa tối thứ Bảy\n\nThời sự 01/12/2026 - 08:00\n\n"
        "Ông Lê Văn Hòa, giám đốc Sở Giao thông vận tải Đà Nẵng, cho biết cầu Rồng sẽ phun lửa vào tối thứ Bảy.\n")


def environment(tmp_path: Path, base_url: str, site: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "HOITIN_DATA_DIR": str(tmp_path / "store"),
        "HOITIN_SEEDS_DIR": str(tmp_path / "my-seeds"),
        "HOITIN_ADMIN_IDS": str(ADMIN),
        "HOITIN_LOG_LEVEL": "DEBUG",
        "HOITIN_INBOX_DIR": str(tmp_path / "drop"),
        "HOITIN_FEEDS": f"{site}/rss {site}/slow {site}/huge",
        "HOITIN_FEED_ALLOW": site.removeprefix("http://"),
        "HOITIN_FEED_INTERVAL": "10",
        "HOITIN_FEED_TIMEOUT": "1",
        "HOITIN_FEED_MAX_BYTES": "10000",
        "HOITIN_POLL_SECONDS": "0.5",
        "HOITIN_ALERT_MAX_AGE_HOURS": "1",
        "HOITIN_ALERTS_PER_SECOND": "3",
        "HOITIN_CHAT_REPLIES_PER_SECOND": "7",
        "HOITIN_MAX_LINE_BYTES": "100000",
        "HOITIN_MAX_FILE_BYTES": "2000000",
        "HOITIN_MAX_ARTICLE_CHARS": "20000",
        "HOITIN_MAX_PARAGRAPHS": "50",
        "HOITIN_MAX_JSON_DEPTH": "5",
        "HOITIN_MAX_BAD_RECORDS": "4",
        "HOITIN_METRICS_PORT": str(free_port()),
        "HOITIN_METRICS_LISTEN": "localhost",
    }


WEBHOOK = {"HOITIN_WEBHOOK_URL": "https://hoitin.example.vn/telegram", "HOITIN_WEBHOOK_LISTEN": "localhost",
           "HOITIN_WEBHOOK_PORT": "9443", "HOITIN_WEBHOOK_SECRET": "s3cret-Token_1",  # tests/test_webhook.py runs it
           "HOITIN_DATABASE_URL": "postgresql://hoitin@127.0.0.1/hoitin",  # the backend fixture runs it
           "HOITIN_ROLE": "worker"}  # tests/test_roles.py and test_processes.py run it


def opensearch_env(tmp_path: Path) -> dict[str, str]:
    secret = tmp_path / "opensearch-password"
    secret.write_text("pa55-w0rd\n", encoding="utf-8")
    return {"HOITIN_OPENSEARCH_URL": "http://10.0.0.5:9200, http://10.0.0.6:9200", "HOITIN_OPENSEARCH_USER": "hoitin",
            "HOITIN_OPENSEARCH_PASSWORD_FILE": str(secret), "HOITIN_OPENSEARCH_CA": "/etc/ssl/cluster-ca.pem"}


def test_the_environment_names_every_setting(tmp_path: Path) -> None:
    """Each field of Settings is read from a variable, and every variable here changes it."""
    env = {**environment(tmp_path, "http://127.0.0.1:1/bot", "http://127.0.0.1:2"), **WEBHOOK,
           **opensearch_env(tmp_path)}
    settings = load_settings(env)
    unchanged = [f.name for f in fields(Settings) if getattr(settings, f.name) == getattr(DEFAULTS, f.name)]
    assert unchanged == []
    names = {line.split("=")[0] for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")}
    compose_only = {"PUBLIC_HOST", "POSTGRES_PASSWORD"}  # deploy/docker-compose.yml's (tests/test_deploy.py)
    assert names - compose_only == set(env), ".env.example lists exactly the variables the bot reads"


async def replies(api: FakeBotAPI, chat: int, text: str, seconds: float = 30.0) -> str:
    """Send ``text`` from ``chat``; the visible text of the bot's reply."""
    before = len([p for p in api.sent() if int(p["chat_id"]) == chat])
    api.queue(message(text, user_id=chat))
    for _ in range(int(seconds * 10)):
        sent = [p for p in api.sent() if int(p["chat_id"]) == chat]
        if len(sent) > before:
            return visible_text(sent[before]["text"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no reply to {text!r} within {seconds} s")


async def test_every_setting_takes_effect_in_python_m_bot(tmp_path: Path) -> None:
    (tmp_path / "my-seeds").mkdir()
    (tmp_path / "my-seeds" / "cau-rong.txt").write_text(SEED, encoding="utf-8")
    drop, store = tmp_path / "drop", tmp_path / "store"
    api = FakeBotAPI()
    runner, base_url = await serve(api, TOKEN)
    async with serving() as site:
        site.feed = rss([{"guid": "1", "title": "Giá xăng giảm nhẹ", "link": f"{site.base}/bai/1.html",
                          "description": "Giá xăng giảm nhẹ từ chiều nay theo quyết định của liên bộ. " * 3}])
        env = environment(tmp_path, base_url, site.base)
        bot = BotProcess(tmp_path, env)
        await bot.start()
        try:
            # TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL: the fake answers only that token at that address.
            # HOITIN_SEEDS_DIR, HOITIN_DATA_DIR: the answer comes from our seed, stored where we said.
            answer = await replies(api, READER, "Ai là giám đốc Sở Giao thông vận tải Đà Nẵng?", 90)
            assert "Lê Văn Hòa" in answer
            assert (store / "articles.sqlite3").exists() and (store / "bot.sqlite3").exists()
            assert not (tmp_path / "data").exists()
            # HOITIN_METRICS_PORT, HOITIN_METRICS_LISTEN
            async with ClientSession() as http:
                async with http.get(f"http://localhost:{env['HOITIN_METRICS_PORT']}/healthz") as health:
                    assert health.status == 200 and await health.text() == "ok\n"
            # HOITIN_ADMIN_IDS
            assert "chỉ dành cho quản trị viên" in await replies(api, READER, "/stats")
            assert "Bài báo:" in await replies(api, ADMIN, "/stats")
            generation = (store / "index" / "CURRENT").read_text()
            await _only_fresh_articles_alert(api, drop)
            await _files_over_the_limits_say_which(drop)
            await _feeds_time_out_cap_and_repeat(api, site)
            # The ingest side saved a new generation for the answer side (there is no save interval any more).
            assert (store / "index" / "CURRENT").read_text() != generation
        finally:
            log = await bot.stop()
            await runner.cleanup()
    assert bot.returncode == 0, log[-3000:]
    # HOITIN_LOG_LEVEL=DEBUG
    assert " DEBUG " in log and TOKEN not in log
    # The start-up line is written from the live loops, not from the settings.
    assert (f"background: inbox {drop} every 0.5 s; 3 feed(s), each every 10 s (timeout 1 s, cap 10000 bytes); "
            "alerts up to 3/s, for articles up to 1 h old; replies up to 7/s a chat") in log


async def _only_fresh_articles_alert(api: FakeBotAPI, drop: Path) -> None:
    """HOITIN_ALERT_MAX_AGE_HOURS (1 h): of two matching articles, the one from 3 hours ago never
    alerts. HOITIN_INBOX_DIR (and HOITIN_POLL_SECONDS, in the start-up line)."""
    assert "Đã đăng ký" in await replies(api, READER, "/subscribe cầu Rồng")
    now = datetime.now(VIETNAM)
    records = [
        {"id": "moi", "title": "Cầu Rồng đóng cửa sửa chữa", "published": now.isoformat(),
         "body": "Cầu Rồng sẽ đóng cửa để sửa chữa trong hai ngày cuối tuần."},
        {"id": "cu", "title": "Cầu Rồng đón khách dịp lễ", "published": (now - timedelta(hours=3)).isoformat(),
         "body": "Cầu Rồng đón hàng nghìn khách du lịch trong dịp lễ."},
    ]
    (drop / "two.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                                    encoding="utf-8")
    await until(lambda: (drop / "processed" / "two.jsonl").exists(), 20, "the inbox file handled")
    await until(lambda: any(t.startswith("🔔") for t in _texts(api, READER)), 20, "an alert")
    await asyncio.sleep(2.0)
    [alert] = [t for t in _texts(api, READER) if t.startswith("🔔")]
    assert "Cầu Rồng đóng cửa sửa chữa" in alert and "đón khách" not in alert


async def _files_over_the_limits_say_which(drop: Path) -> None:
    """HOITIN_MAX_*: each record over one limit is skipped with that limit in its reason;
    HOITIN_MAX_BAD_RECORDS (4): the fifth unreadable record rejects the file, its good record too."""
    _drop_over_the_limits(drop)
    await until(lambda: (drop / "processed" / "limits.jsonl.reason.txt").exists(), 20, "limits.jsonl handled")
    await until(lambda: (drop / "rejected" / "big.jsonl.reason.txt").exists(), 20, "big.jsonl handled")
    await until(lambda: (drop / "rejected" / "many-bad.jsonl.reason.txt").exists(), 20, "many-bad.jsonl handled")
    reasons = (drop / "processed" / "limits.jsonl.reason.txt").read_text(encoding="utf-8")
    for said in ("line is over 100,000 bytes", "nested deeper than 5 levels", "over the 50 allowed",
                 "over the 20,000 allowed"):
        assert said in reasons, reasons
    assert "over 2,000,000 bytes (decompressed)" in (drop / "rejected" / "big.jsonl.reason.txt").read_text()
    assert "over 4 unreadable records" in (drop / "rejected" / "many-bad.jsonl.reason.txt").read_text()


async def _feeds_time_out_cap_and_repeat(api: FakeBotAPI, site: Site) -> None:
    """HOITIN_FEEDS, HOITIN_FEED_TIMEOUT (1 s), HOITIN_FEED_MAX_BYTES (10,000); HOITIN_FEED_INTERVAL
    (10 s): the good feed is asked again (the default waits 300 s)."""
    feeds = ""
    for _ in range(40):
        feeds = await replies(api, ADMIN, "/feeds")
        if "timed out after 1 s" in feeds and "over the 10,000-byte cap" in feeds:
            break
        await asyncio.sleep(0.5)
    assert f"{site.base}/rss" in feeds and "timed out after 1 s" in feeds
    assert "over the 10,000-byte cap" in feeds
    await until(lambda: sum(p == "/rss" for p, _ in site.requests) >= 2, 25, "a second poll of the feed")


def _drop_over_the_limits(drop: Path) -> None:
    """Two files: one record under every limit and one over each; a file over the file limit."""
    def record(number: int, body: str, **extra: object) -> str:
        return json.dumps({"id": f"gioi-han-{number}", "title": f"Bài thử {number}", "body": body, **extra},
                          ensure_ascii=False)

    sentence = "Nông dân Tiền Giang thu hoạch lúa sớm."
    lines = [
        record(1, sentence),
        record(2, sentence + " x" * 60_000),  # a line over 100,000 bytes
        record(3, sentence, tags=[[[[[["sâu"]]]]]]),  # nested 6 deep
        record(4, "\n".join([sentence] * 60)),  # 60 paragraphs
        record(5, (sentence + " ") * 600),  # about 23,000 characters
    ]
    (drop / "limits.jsonl.part").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (drop / "limits.jsonl.part").rename(drop / "limits.jsonl")
    (drop / "big.jsonl.part").write_bytes(b"\n" * 2_500_000 + record(6, sentence).encode() + b"\n")
    (drop / "big.jsonl.part").rename(drop / "big.jsonl")
    (drop / "many-bad.jsonl.part").write_text(record(7, sentence) + "\n" + "1\n" * 5, encoding="utf-8")
    (drop / "many-bad.jsonl.part").rename(drop / "many-bad.jsonl")


def _texts(api: FakeBotAPI, chat: int) -> list[str]:
    return [visible_text(p["text"]) for p in api.sent() if int(p["chat_id"]) == chat]


def test_the_opensearch_settings_are_read_checked_and_never_show_the_password(tmp_path: Path) -> None:
    settings = load_settings(opensearch_env(tmp_path))
    cluster = settings.opensearch
    assert cluster is not None and cluster.urls == ("http://10.0.0.5:9200", "http://10.0.0.6:9200")
    assert (cluster.user, cluster.password, cluster.ca_file) == ("hoitin", "pa55-w0rd", "/etc/ssl/cluster-ca.pem")
    assert "pa55" not in repr(settings) and "pa55" not in repr(cluster)
    assert "10.0.0.5:9200" in repr(settings)
    with pytest.raises(ConfigError, match="HOITIN_OPENSEARCH_URL: .*http\\(s\\):// URLs"):
        load_settings({"HOITIN_OPENSEARCH_URL": "10.0.0.5:9200"})
    with pytest.raises(ConfigError, match="HOITIN_OPENSEARCH_PASSWORD_FILE cannot be read"):
        load_settings({"HOITIN_OPENSEARCH_URL": "http://x:9200", "HOITIN_OPENSEARCH_PASSWORD_FILE": str(tmp_path / "no")})
