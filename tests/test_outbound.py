"""Outbound fetches go to public addresses only (bot/fetcher.py): feeds, redirects, entry pages.

The live tests run the real bot against a feed site on 127.0.0.1 (allowed by port, as an
operator would allow an intranet feed) and an "internal" server beside it, not allowed, that
holds a secret page. The bot must never ask the internal server for anything.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.fetcher import Fetcher, FetchError, FetchRefused, OutboundPolicy, address_refusal
from retrieval.articles import feed_article_id

from .bot_harness import ADMIN, running_bot
from .news_site import rss, serving

SECRET = "Mật khẩu quản trị nội bộ là hoa-sen-42."


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"), ("172.16.5.4", "private"),
    ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"), ("224.0.0.251", "multicast"),
    ("100.64.0.1", "non-public"), ("240.0.0.1", "reserved"), ("::1", "loopback"), ("fe80::1", "link-local"),
    ("fc00::5", "private"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:169.254.169.254", "link-local"), ("::", "unspecified"),
    # IPv6 addresses that lead to an IPv4 one: 6to4, NAT64 and Teredo (server 65.54.227.120, client 127.0.0.1)
    ("2002:7f00:1::", "carries 127.0.0.1: 127.0.0.1 is a loopback"), ("2002:a9fe:a9fe::1", "link-local"),
    ("64:ff9b::a00:1", "carries 10.0.0.1"), ("2001:0:4136:e378:8000:63bf:80ff:fffe", "carries 127.0.0.1"),
])
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    assert kind in (address_refusal(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize("address", ["8.8.8.8", "203.119.8.1", "2001:4860:4860::8888", "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("url", "reason"), [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://localhost/admin", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://example.com:8080/rss", "port 8080 is not the standard http port"),
    ("ftp://example.com/rss", "only http and https"),
    ("http://127.0.0.1:5000/other", "port 5000"),  # allowed is 127.0.0.1:4000, not every port of it
])
async def test_urls_the_bot_will_not_fetch(url: str, reason: str) -> None:
    policy = OutboundPolicy(frozenset({"127.0.0.1:4000"}))
    with pytest.raises(FetchRefused, match=reason.replace("[", r"\[")):
        await policy.check(url)
    assert (await policy.check("http://127.0.0.1:4000/rss")).address == "127.0.0.1"


async def test_a_redirect_to_a_malformed_url_is_a_fetch_error_not_a_crash() -> None:
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["to"]})

    app = web.Application()
    app.router.add_get("/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fetcher = Fetcher(OutboundPolicy(frozenset({f"127.0.0.1:{port}"})), timeout=2, max_bytes=100_000)
    try:
        for location, said in (("http:x", "InvalidURL"), ("//[zz]/", "Invalid IPv6"), ("https:///", "with a host")):
            with pytest.raises(FetchError, match=said.replace("[", r"\[")):
                await fetcher.fetch(f"http://127.0.0.1:{port}/page?to={location}")
    finally:
        await fetcher.close()
        await runner.cleanup()


class Internal:
    """A server on 127.0.0.1 that the bot must never reach: it counts every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.base = ""

    async def secret(self, request: web.Request) -> web.Response:
        self.requests.append(request.path)
        return web.Response(text=f"<html><body><article><p>{SECRET}</p></article></body></html>", content_type="text/html")


@pytest.fixture
async def internal() -> AsyncIterator[Internal]:
    served = Internal()
    app = web.Application()
    app.router.add_get("/{tail:.*}", served.secret)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    served.base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    yield served
    await runner.cleanup()


async def test_metadata_and_loopback_feeds_are_refused_in_the_chat(data_dir: Path) -> None:
    async with running_bot(data_dir, feed_interval=3600) as bot:
        refused = await bot.say("/addfeed http://169.254.169.254/latest/meta-data/", user_id=ADMIN)
        assert "Không thêm nguồn tin" in refused and "169.254.169.254 is a link-local address" in refused
        assert "loopback" in await bot.say("/addfeed http://localhost/rss", user_id=ADMIN)
        assert "Chưa có nguồn tin" in await bot.say("/feeds", user_id=ADMIN)


async def test_entry_links_and_redirects_to_internal_addresses_are_never_fetched(
        data_dir: Path, internal: Internal) -> None:
    async with serving() as site:
        site.redirect_to = f"{internal.base}/admin"
        site.feed = rss([{"guid": "1", "title": "Cầu Rồng phun lửa tối thứ Bảy", "link": f"{internal.base}/admin",
                          "description": "Cầu Rồng ở Đà Nẵng sẽ phun lửa vào tối thứ Bảy để phục vụ du khách."}])
        feeds = (f"{site.base}/rss", f"{site.base}/redirect")
        async with running_bot(data_dir, feed_interval=3600, feeds=feeds, feed_allow=(site.allow,)) as bot:
            await bot.wait_for(lambda: (bot.settings.data_dir / "bot.sqlite3").exists())
            await bot.wait_for(lambda: sum(p in ("/rss", "/redirect") for p, _ in site.requests) >= 2)
            await bot.wait_for(lambda: bot.service.library.article(feed_article_id(f"{site.base}/rss", "1")) is not None)
            listing = ""
            for _ in range(50):
                listing = await bot.say("/feeds", user_id=ADMIN)
                if "not the standard http port" in listing:
                    break
            assert f"{site.base}/redirect" in listing and "not the standard http port" in listing
            stored = bot.service.library.article(feed_article_id(f"{site.base}/rss", "1"))
            assert stored is not None and "phun lửa" in " ".join(stored.paragraphs)  # the feed's own text
            assert "hoa-sen-42" not in await bot.say("/search mật khẩu quản trị nội bộ")
    assert internal.requests == []
