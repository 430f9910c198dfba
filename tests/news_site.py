"""A local news site for feed tests: an RSS feed tests change between polls, and pages that fail
in each way a real site can (slow, huge, broken, missing)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web


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
    fast_feed: bytes = b""  # served at /fast, for a second feed on the same site
    pages: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""
    redirect_to: str = ""  # where /redirect sends its visitors
    page_delay: float = 0.0  # seconds each page takes to answer
    pages_in_flight: int = 0
    most_pages_in_flight: int = 0  # the most page requests the site was answering at once

    @property
    def allow(self) -> str:
        """The site's host:port, as HOITIN_FEED_ALLOW names it (it is on 127.0.0.1, never fetched otherwise)."""
        return self.base.removeprefix("http://")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/rss", self._feed)
        app.router.add_get("/fast", self._fast)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/huge", self._huge)
        app.router.add_get("/trickle", self._trickle)
        app.router.add_get("/broken", self._broken)
        app.router.add_get("/redirect", self._redirect)
        app.router.add_get("/page/{name}", self._page)
        return app

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers)))
        etag = f'"v{hash(self.feed)}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=self.feed, content_type="application/rss+xml", headers={"ETag": etag})

    async def _slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(2)  # the poller gives up after 1 s
        return web.Response(body=self.feed)

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # no Content-Length: the cap must act while reading
        await response.prepare(request)
        chunk = b"<!-- " + b"x" * (1 << 20) + b" -->"
        try:
            for _ in range(10):
                await response.write(chunk)
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def _redirect(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers)))
        # The Location header as given: HTTPFound would normalise a malformed one.
        return web.Response(status=302, headers={"Location": self.redirect_to})

    async def _broken(self, request: web.Request) -> web.Response:
        return web.Response(body="<rss><channel><title>Hỏng</ti".encode(), content_type="application/rss+xml")

    async def _page(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.headers)))
        self.pages_in_flight += 1
        self.most_pages_in_flight = max(self.most_pages_in_flight, self.pages_in_flight)
        try:
            await asyncio.sleep(self.page_delay)
            return web.Response(text=self.pages[request.match_info["name"]], content_type="text/html")
        finally:
            self.pages_in_flight -= 1

    async def _fast(self, request: web.Request) -> web.Response:
        return web.Response(body=self.fast_feed, content_type="application/rss+xml")

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # a byte every 0.3 s: no single read ever waits long
        await response.prepare(request)
        try:
            for byte in b'<?xml version="1.0"?><rss>    ':
                await response.write(bytes([byte]))
                await asyncio.sleep(0.3)
        except (ConnectionResetError, ConnectionError):
            pass
        return response


@asynccontextmanager
async def serving() -> AsyncIterator[Site]:
    """The site on a free port of 127.0.0.1 for the duration of the block."""
    served = Site()
    runner = web.AppRunner(served.app())
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    served.base = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield served
    finally:
        await runner.cleanup()
