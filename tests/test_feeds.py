"""RSS/Atom feeds served by a local aiohttp server on 127.0.0.1: polling, validators, failures, alerts."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from aiohttp import web

from bot.feeds import FeedPoller
from bot.service import Service
from retrieval.feeds import canonical_url
from retrieval.service import Library

from .bot_harness import ADMIN, running_bot

ALICE = 1001
BODY = ("Sáng nay, Sở Giao thông vận tải Đà Nẵng cho biết cầu Rồng sẽ phun lửa vào tối thứ Bảy để phục vụ du khách. "
        "Ông Lê Văn Hòa, giám đốc sở, nói thêm rằng cầu sẽ tạm cấm xe từ 20 giờ đến 21 giờ. ") * 2


def rss(items: list[dict[str, str]], title: str = "Báo Thử") -> bytes:
    now = format_datetime(datetime.now(UTC))
    body = "".join(
        f"<item><title>{escape(i['title'])}</title><link>{escape(i['link'])}</link><guid>{i['guid']}</guid>"
        f"<pubDate>{i.get('date', now)}</pubDate><description>{escape(i['description'])}</description></item>"
        for i in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://x/</link>{body}</channel></rss>").encode()


@dataclass
class Site:
    """What the local news site serves; tests change it between polls."""

    feed: bytes = b""
    pages: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""

    def app(self) -> web.Application:
        async def feed(request: web.Request) -> web.StreamResponse:
            self.requests.append((request.path, dict(request.headers)))
            etag = f'"v{hash(self.feed)}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304)
            return web.Response(body=self.feed, content_type="application/rss+xml", headers={"ETag": etag})

        async def slow(request: web.Request) -> web.Response:
            await asyncio.sleep(2)  # the poller gives up after 1 s
            return web.Response(body=self.feed)

        async def huge(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()  # no Content-Length: the cap must act while reading
            await response.prepare(request)
            chunk = b"<!-- " + b"x" * (1 << 20) + b" -->"
            try:
                for _ in range(10):
                    await response.write(chunk)
            except (ConnectionResetError, ConnectionError):
                pass
            return response

        async def broken(request: web.Request) -> web.Response:
            return web.Response(body="<rss><channel><title>Hỏng</ti".encode(), content_type="application/rss+xml")

        async def page(request: web.Request) -> web.Response:
            self.requests.append((request.path, dict(request.headers)))
            return web.Response(text=self.pages[request.match_info["name"]], content_type="text/html")

        app = web.Application()
        app.router.add_get("/rss", feed)
        app.router.add_get("/slow", slow)
        app.router.add_get("/huge", huge)
        app.router.add_get("/broken", broken)
        app.router.add_get("/page/{name}", page)
        return app


@pytest.fixture
async def site() -> Site:
    served = Site()
    runner = web.AppRunner(served.app())
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    served.base = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield served
    await runner.cleanup()


@pytest.fixture
def data_dir(seed_library_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(seed_library_dir, folder)
    return folder


@pytest.fixture
async def service(data_dir: Path) -> Service:
    served = Service(Library(data_dir))
    yield served
    served.close()


def _item(site: Site, guid: str, title: str, description: str = BODY, link: str | None = None) -> dict[str, str]:
    return {"guid": guid, "title": title, "description": description, "link": link or f"{site.base}/bai/{guid}.html"}


async def _feed_state(service: Service, url: str):  # noqa: ANN202
    return next(f for f in await service.call(service.feeds.all) if f.url == url)


async def test_new_entries_then_not_modified(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.feed = rss([_item(site, "1", "Cầu Rồng phun lửa tối thứ Bảy"), _item(site, "2", "Tin thứ hai", BODY + " Hai.")])
    await service.call(service.feeds.add, url)
    poller = FeedPoller(service, interval=0.01)
    try:
        assert await poller.poll(await _feed_state(service, url)) == 2
        answer = await service.answer("Ai là giám đốc Sở Giao thông vận tải Đà Nẵng?")
        assert any("Ông Lê Văn Hòa, giám đốc sở" in s.text for s in answer.sentences)
        assert answer.sentences[0].citation.source == "Báo Thử"
        assert answer.sentences[0].citation.url.startswith(f"{site.base}/bai/")
        assert await poller.poll(await _feed_state(service, url)) == 0  # unchanged: 304
    finally:
        await poller.close()
    assert site.requests[-1][1].get("If-None-Match", "").startswith('"v')
    state = await _feed_state(service, url)
    assert state.last_success and state.last_error is None and state.failures == 0


@pytest.mark.parametrize(("path", "error"), [
    ("/broken", "malformed XML"),
    ("/slow", "timed out after 1 s"),
    ("/huge", "over the 5,000,000-byte cap"),
    ("/missing", "HTTP 404"),
])
async def test_failing_feeds_back_off_and_say_why(site: Site, service: Service, path: str, error: str) -> None:
    url = site.base + path
    await service.call(service.feeds.add, url)
    articles = service.library.stats().articles
    poller = FeedPoller(service, interval=30, timeout=1.0)
    try:
        assert await poller.poll_due() == 0
        first = await _feed_state(service, url)
        assert error in first.last_error and first.failures == 1
        assert await service.call(service.feeds.due, 1e18)  # it will be tried again …
        assert not await service.call(service.feeds.due, datetime.now().timestamp() + 29)  # … but not now
    finally:
        await poller.close()
    assert service.library.stats().articles == articles


async def test_summary_only_entry_takes_its_text_from_the_page(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.pages["cau-rong.html"] = (
        "<html><head><title>Cầu Rồng</title></head><body><nav>Trang chủ | Thời sự</nav><article>"
        "<h1>Cầu Rồng phun lửa tối thứ Bảy</h1>" + "".join(f"<p>{escape(s)}.</p>" for s in BODY.split(". ") if s)
        + "</article><footer>© Báo Thử</footer></body></html>")
    site.feed = rss([_item(site, "7", "Cầu Rồng phun lửa tối thứ Bảy", "Cầu Rồng sẽ phun lửa.",
                           f"{site.base}/page/cau-rong.html?utm_source=rss")])
    await service.call(service.feeds.add, url)
    poller = FeedPoller(service)
    try:
        assert await poller.poll(await _feed_state(service, url)) == 1
    finally:
        await poller.close()
    answer = await service.answer("Cầu Rồng cấm xe từ mấy giờ?")
    assert "20 giờ đến 21 giờ" in answer.sentences[0].text
    assert answer.sentences[0].citation.url == f"{site.base}/page/cau-rong.html"


async def test_feed_entry_alerts_once_and_edits_update_quietly(site: Site, data_dir: Path) -> None:
    url = f"{site.base}/rss"
    site.feed = rss([_item(site, "old", "Tin cũ về thời tiết", "Trời nắng. " * 80)])
    async with running_bot(data_dir, feed_interval=0.5, feeds=(url,)) as bot:
        await bot.wait_for(lambda: any(p == "/rss" for p, _ in site.requests))
        await bot.wait_for(lambda: bot.service.library.stats().articles == 5)
        assert "Đã đăng ký" in await bot.say("/subscribe cầu Rồng", user_id=ALICE)
        entry = _item(site, "42", "Cầu Rồng phun lửa tối thứ Bảy")
        site.feed = rss([entry])
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        [alert] = bot.alerts_to(ALICE)
        assert "Cầu Rồng phun lửa tối thứ Bảy" in alert and "Báo Thử" in alert
        polls = len(site.requests)
        await bot.wait_for(lambda: len(site.requests) >= polls + 2)  # seen again (304 and 200)
        site.feed = rss([entry, {**entry, "guid": "42-copy"}])  # re-published under another GUID, same link
        await bot.wait_for(lambda: len(site.requests) >= polls + 4)
        site.feed = rss([{**entry, "description": BODY + " Lịch có thể thay đổi."}])  # edited
        article_id = "feed-" + __import__("hashlib").sha1(b"42").hexdigest()[:16]

        def edited() -> bool:
            stored = bot.service.library.article(article_id)
            return stored is not None and stored.paragraphs[-1].endswith("Lịch có thể thay đổi.")

        await bot.wait_for(edited)
        await asyncio.sleep(1.0)
        assert len(bot.alerts_to(ALICE)) == 1
        feeds = await bot.say("/feeds", user_id=ADMIN)
        assert f"1. {url}" in feeds and "lỗi: —" in feeds
        assert "Chưa có" not in feeds and canonical_url(entry["link"]) == entry["link"]


async def test_admins_manage_feeds(data_dir: Path) -> None:
    async with running_bot(data_dir, feed_interval=3600) as bot:
        assert "chỉ dành cho quản trị viên" in await bot.say("/addfeed https://example.invalid/rss")
        assert "Chưa có nguồn tin" in await bot.say("/feeds", user_id=ADMIN)
        assert "không phải địa chỉ http(s)" in await bot.say("/addfeed ftp://x", user_id=ADMIN)
        assert "Đã thêm nguồn tin" in await bot.say("/addfeed http://127.0.0.1:9/rss", user_id=ADMIN)
        assert "đã có rồi" in await bot.say("/addfeed http://127.0.0.1:9/rss", user_id=ADMIN)
        await bot.wait_for(lambda: (bot.service.feeds.all()[0].last_error or "").startswith("ConnectError"))
        stats = await bot.say("/stats", user_id=ADMIN)
        assert "• http://127.0.0.1:9/rss: được lúc chưa có; lỗi: ConnectError" in stats
        assert "Đã bỏ nguồn tin http://127.0.0.1:9/rss" in await bot.say("/delfeed 1", user_id=ADMIN)
        assert "Không có nguồn tin “1”" in await bot.say("/delfeed 1", user_id=ADMIN)
