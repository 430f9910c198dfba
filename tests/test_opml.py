"""OPML import (a document an admin sends) and export (/exportopml), through the real Application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.opml import feed_urls
from retrieval.library import Library

from .bot_harness import ADMIN, Running, running_bot
from .fake_telegram import message, visible_text

OPML = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>Feeds</title></head><body>
  <outline text="Tin">
    <outline text="VnExpress" type="rss" xmlUrl="https://vnexpress.net/rss/tin-moi-nhat.rss"/>
    <outline text="Local" type="rss" xmlUrl="http://127.0.0.1/rss"/>
  </outline>
  <outline text="FTP" xmlUrl="ftp://example.com/feed"/>
  <outline text="VnExpress again" xmlUrl="https://vnexpress.net/rss/tin-moi-nhat.rss"/>
  <outline text="Tuổi Trẻ" xmlUrl="https://tuoitre.vn/rss/tin-moi-nhat.rss"/>
</body></opml>""".encode()
BOMB = b"""<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><opml version="2.0"><body><outline xmlUrl="https://x.vn/&c;"/></body></opml>"""


@pytest.fixture
async def bot(seed_library: Library) -> AsyncIterator[Running]:
    async with running_bot(seed_library, background=False) as running:
        yield running


async def _send_file(bot: Running, data: bytes, name: str = "feeds.opml", user_id: int = ADMIN) -> str:
    document = bot.api.upload(data, name, "text/x-opml")
    return "\n".join(visible_text(p["text"]) for p in await bot.send(message(None, user_id=user_id, document=document)))


async def test_import_checks_each_feed_like_addfeed(bot: Running) -> None:
    assert "Đã thêm" in await bot.say("/addfeed https://tuoitre.vn/rss/tin-moi-nhat.rss", user_id=ADMIN)
    summary = await _send_file(bot, OPML)
    lines = summary.splitlines()
    assert lines[0] == "Nhập OPML: thêm 1 nguồn tin, bỏ qua 3."
    assert "• http://127.0.0.1/rss: " in summary and "• ftp://example.com/feed: không phải địa chỉ http(s)" in summary
    assert "• https://tuoitre.vn/rss/tin-moi-nhat.rss: đã có" in summary
    feeds = await bot.say("/feeds", user_id=ADMIN)
    assert "https://vnexpress.net/rss/tin-moi-nhat.rss" in feeds and "127.0.0.1" not in feeds


async def test_export_is_an_opml_another_reader_imports(bot: Running, tmp_path: Path) -> None:
    await _send_file(bot, OPML)
    await bot.say("/exportopml", user_id=ADMIN)
    [(params, files)] = bot.api.uploads("sendDocument")
    name, data, _ = files["document"]
    assert name == "hoitin-feeds.opml" and params["caption"].startswith("2 nguồn tin của Hỏi Tin")
    assert sorted(feed_urls(data)) == ["https://tuoitre.vn/rss/tin-moi-nhat.rss",
                                       "https://vnexpress.net/rss/tin-moi-nhat.rss"]
    async with running_bot(tmp_path / "other", background=False) as other:  # another reader: a fresh bot
        assert (await _send_file(other, data)).startswith("Nhập OPML: thêm 2 nguồn tin, bỏ qua 0.")


@pytest.mark.parametrize(("data", "expected"), [
    (BOMB, "Không đọc được tệp OPML: not readable XML"),
    (b"<html><body>hi</body></html>", "the root element is <html>, not <opml>"),
    (b"\xff\xfe garbage", "Không đọc được tệp OPML"),
])
async def test_hostile_files_get_a_reason(bot: Running, data: bytes, expected: str) -> None:
    assert expected in await _send_file(bot, data)
    assert "Chưa có nguồn tin" in await bot.say("/feeds", user_id=ADMIN)


async def test_only_admins_import_and_big_files_are_not_downloaded(bot: Running) -> None:
    assert await _send_file(bot, OPML, user_id=55) == "Lệnh này chỉ dành cho quản trị viên."
    document = bot.api.upload(OPML, "big.opml")
    document["file_size"] = 5_000_000
    shown = visible_text((await bot.send(message(None, user_id=ADMIN, document=document)))[0]["text"])
    assert "tệp lớn hơn 1000000 byte" in shown
    assert not [c for c in bot.api.calls if c.method == "getFile"]
    assert "Chưa có nguồn tin" in await bot.say("/exportopml", user_id=ADMIN)
