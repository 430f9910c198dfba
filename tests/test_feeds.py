"""RSS/Atom feeds served by a local aiohttp server on 127.0.0.1: polling, validators, failures, alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.app import build_service
from bot.config import DEFAULTS
from bot.feeds import canonical_url
from bot.fetcher import Fetcher, OutboundPolicy
from bot.leases import lease_owner
from bot.poller import FeedPoller
from bot.service import Service
from retrieval.articles import Article, feed_article_id
from retrieval.library import Library

from .bot_harness import ADMIN, bot_rows, running_bot
from .news_site import Site, rss, serving

ALICE = 1001
BODY = ("Sáng nay, Sở Giao thông vận tải Đà Nẵng cho biết cầu Rồng sẽ phun lửa vào tối thứ Bảy để phục vụ du khách. "
        "Ông Lê Văn Hòa, giám đốc sở, nói thêm rằng cầu sẽ tạm cấm xe từ 20 giờ đến 21 giờ. ") * 2


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    async with serving() as served:
        yield served


@pytest.fixture
async def service(data_dir: Path) -> AsyncIterator[Service]:
    served = build_service(DEFAULTS, Library(data_dir))
    yield served
    served.close()


def _item(site: Site, guid: str, title: str, description: str = BODY, link: str | None = None) -> dict[str, str]:
    return {"guid": guid, "title": title, "description": description, "link": link or f"{site.base}/bai/{guid}.html"}


async def _feed_state(service: Service, url: str):  # noqa: ANN202
    return next(f for f in await service.feeds.all() if f.url == url)


def poller(service: Service, site: Site, interval: float = DEFAULTS.feed_interval,
           timeout: float = DEFAULTS.feed_timeout) -> FeedPoller:
    """A poller as the bot builds one (a process's own, in leases), allowed to fetch from the
    test site, default settings otherwise."""
    fetcher = Fetcher(OutboundPolicy(frozenset({site.allow})), timeout, DEFAULTS.feed_max_bytes)
    return FeedPoller(service, fetcher, interval, service.metrics, lease_owner())


async def test_new_entries_then_not_modified(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.feed = rss([_item(site, "1", "Cầu Rồng phun lửa tối thứ Bảy"), _item(site, "2", "Tin thứ hai", BODY + " Hai.")])
    await service.feeds.add(url)
    feeds = poller(service, site, interval=0.01)
    try:
        assert await feeds.poll(await _feed_state(service, url)) == 2
        answer = (await service.answers.answer(1, "Ai là giám đốc Sở Giao thông vận tải Đà Nẵng?")).answer
        assert any("Ông Lê Văn Hòa, giám đốc sở" in s.text for s in answer.sentences)
        assert answer.sentences[0].citation.source == "Báo Thử"
        assert (answer.sentences[0].citation.url or "").startswith(f"{site.base}/bai/")
        assert await feeds.poll(await _feed_state(service, url)) == 0  # unchanged: 304
    finally:
        await feeds.close()
    assert site.requests[-1][1].get("If-None-Match", "").startswith('"v')
    state = await _feed_state(service, url)
    assert state.last_success and state.last_error is None and state.failures == 0


@pytest.mark.parametrize(("path", "error"), [
    ("/broken", "malformed XML"),
    ("/slow", "timed out after 1 s"),
    ("/huge", "over the 5,000,000-byte cap"),
    ("/trickle", "timed out after 1 s"),  # a byte every 0.3 s: the deadline is the whole fetch's, not a read's
    ("/missing", "HTTP 404"),
])
async def test_failing_feeds_back_off_and_say_why(site: Site, service: Service, path: str, error: str) -> None:
    url = site.base + path
    await service.feeds.add(url)
    articles = service.library.stats().articles
    feeds = poller(service, site, interval=30, timeout=1.0)
    try:
        assert await feeds.poll_due() == 0
        first = await _feed_state(service, url)
        assert error in first.last_error and first.failures == 1
        assert await service.feeds.due(1e18)  # it will be tried again …
        assert not await service.feeds.due(datetime.now().timestamp() + 29)  # … but not now
    finally:
        await feeds.close()
    assert service.library.stats().articles == articles


async def test_summary_only_entry_takes_its_text_from_the_page(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.pages["cau-rong.html"] = (
        "<html><head><title>Cầu Rồng</title></head><body><nav>Trang chủ | Thời sự</nav><article>"
        "<h1>Cầu Rồng phun lửa tối thứ Bảy</h1>" + "".join(f"<p>{escape(s)}.</p>" for s in BODY.split(". ") if s)
        + "</article><footer>© Báo Thử</footer></body></html>")
    site.feed = rss([_item(site, "7", "Cầu Rồng phun lửa tối thứ Bảy", "Cầu Rồng sẽ phun lửa.",
                           f"{site.base}/page/cau-rong.html?utm_source=rss")])
    await service.feeds.add(url)
    feeds = poller(service, site)
    try:
        assert await feeds.poll(await _feed_state(service, url)) == 1
    finally:
        await feeds.close()
    answer = (await service.answers.answer(1, "Cầu Rồng cấm xe từ mấy giờ?")).answer
    assert "20 giờ đến 21 giờ" in answer.sentences[0].text
    assert answer.sentences[0].citation.url == f"{site.base}/page/cau-rong.html"


async def test_feed_entry_alerts_once_and_edits_update_quietly(site: Site, data_dir: Path) -> None:
    url = f"{site.base}/rss"
    site.feed = rss([_item(site, "old", "Tin cũ về thời tiết", "Trời nắng. " * 80)])
    async with running_bot(data_dir, feed_interval=0.5, feeds=(url,), feed_allow=(site.allow,)) as bot:
        await bot.wait_for(lambda: any(p == "/rss" for p, _ in site.requests))
        await bot.wait_for(lambda: bot.service.library.stats().articles == 5)
        assert "Đã đăng ký" in await bot.say("/subscribe cầu Rồng", user_id=ALICE)
        entry = _item(site, "42", "Cầu Rồng phun lửa tối thứ Bảy")
        site.feed = rss([entry])
        await bot.wait_for(lambda: bot.alerts_to(ALICE))
        [alert] = bot.alerts_to(ALICE)
        assert "Cầu Rồng phun lửa tối thứ Bảy" in alert and "Báo Thử" in alert
        [sent] = [p for p in bot.api.sent() if p["chat_id"] == ALICE and str(p["text"]).startswith("🔔")]
        assert sent["link_preview_options"] == {"is_disabled": False, "url": entry["link"], "prefer_small_media": True}
        polls = len(site.requests)
        await bot.wait_for(lambda: len(site.requests) >= polls + 2)  # seen again (304 and 200)
        site.feed = rss([entry, {**entry, "guid": "42-copy"}])  # re-published under another GUID, same link
        await bot.wait_for(lambda: len(site.requests) >= polls + 4)
        site.feed = rss([{**entry, "description": BODY + " Lịch có thể thay đổi."}])  # edited
        article_id = feed_article_id(url, "42")

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
    async with running_bot(data_dir, feed_interval=3600, feed_allow=("127.0.0.1:9",)) as bot:
        assert "chỉ dành cho quản trị viên" in await bot.say("/addfeed https://example.invalid/rss")
        assert "Chưa có nguồn tin" in await bot.say("/feeds", user_id=ADMIN)
        assert "không phải địa chỉ http(s)" in await bot.say("/addfeed ftp://x", user_id=ADMIN)
        assert "Đã thêm nguồn tin" in await bot.say("/addfeed http://127.0.0.1:9/rss", user_id=ADMIN)
        assert "đã có rồi" in await bot.say("/addfeed http://127.0.0.1:9/rss", user_id=ADMIN)
        await bot.wait_for(lambda: (bot_rows(data_dir, "SELECT last_error FROM feeds")[0][0] or "").startswith("ConnectError"))
        stats = await bot.say("/stats", user_id=ADMIN)
        assert "• http://127.0.0.1:9/rss: được lúc chưa có; lỗi: ConnectError" in stats
        assert "Đã bỏ nguồn tin http://127.0.0.1:9/rss" in await bot.say("/delfeed 1", user_id=ADMIN)
        assert "Không có nguồn tin “1”" in await bot.say("/delfeed 1", user_id=ADMIN)


async def test_an_entry_seen_again_does_not_fetch_its_page_again(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.pages["cau-rong.html"] = (
        "<html><body><article><h1>Cầu Rồng phun lửa tối thứ Bảy</h1>"
        + "".join(f"<p>{escape(s)}.</p>" for s in BODY.split(". ") if s) + "</article></body></html>")
    teaser = _item(site, "7", "Cầu Rồng phun lửa tối thứ Bảy", "Cầu Rồng sẽ phun lửa.", f"{site.base}/page/cau-rong.html")
    site.feed = rss([teaser])
    await service.feeds.add(url)
    feeds = poller(service, site, interval=0.01)
    try:
        assert await feeds.poll(await _feed_state(service, url)) == 1
        site.feed = rss([teaser, _item(site, "8", "Tin thứ hai", BODY + " Hai.")])  # the feed changed, not this entry
        assert await feeds.poll(await _feed_state(service, url)) == 1
    finally:
        await feeds.close()
    assert [p for p, _ in site.requests].count("/page/cau-rong.html") == 1
    stored = await service.answers.article(_feed_id(site, "7"))
    assert stored is not None and "20 giờ đến 21 giờ" in " ".join(stored.paragraphs), "the page's text is kept"


async def test_a_page_that_redirects_to_a_malformed_url_keeps_its_teaser_and_the_rest(
        site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.redirect_to = "http:x"  # httpx.InvalidURL, which is no httpx.HTTPError, once failed the whole poll
    site.pages["cau-rong.html"] = "<html><body><article>" + "".join(
        f"<p>{escape(s)}.</p>" for s in BODY.split(". ") if s) + "</article></body></html>"
    site.feed = rss([_item(site, "9", "Tin bị chuyển hướng", "Tin ngắn về cầu Rồng.", f"{site.base}/redirect"),
                     _item(site, "10", "Cầu Rồng phun lửa", "Cầu Rồng sẽ phun lửa.", f"{site.base}/page/cau-rong.html")])
    await service.feeds.add(url)
    feeds = poller(service, site)
    try:
        assert await feeds.poll(await _feed_state(service, url)) == 2
    finally:
        await feeds.close()
    state = await _feed_state(service, url)
    assert state.failures == 0 and state.last_error is None, "the feed itself polled fine"
    redirected, paged = await service.answers.article(_feed_id(site, "9")), await service.answers.article(_feed_id(site, "10"))
    assert redirected is not None and redirected.paragraphs == ("Tin ngắn về cầu Rồng.",)
    assert paged is not None and "20 giờ đến 21 giờ" in " ".join(paged.paragraphs)


async def test_a_slow_feed_holds_up_no_other_and_pages_are_fetched_a_few_at_a_time(
        site: Site, service: Service) -> None:
    site.page_delay = 1.5
    site.pages["bai.html"] = "<html><body><article>" + "".join(
        f"<p>{escape(s)}.</p>" for s in BODY.split(". ") if s) + "</article></body></html>"
    site.feed = rss([_item(site, f"p{n}", f"Tin ngắn số {n}", f"Tin ngắn {n}.", f"{site.base}/page/bai.html?{n}")
                     for n in range(16)])
    slow, fast = f"{site.base}/rss", f"{site.base}/fast"
    await service.feeds.add(slow)
    await service.feeds.add(fast)
    site.fast_feed = rss([_item(site, "f1", "Tin đầy đủ về cầu Rồng")])  # its text is in the feed: no page
    feeds = poller(service, site, timeout=2.0)
    try:
        await feeds.poll_due()  # returns after the timeout and a second: sixteen pages of 1.5 s take 6 s
        assert slow in feeds.polling(), "the feed of slow pages polls on, a task of its own"
        for _ in range(150):
            if fast not in feeds.polling():
                break
            await asyncio.sleep(0.1)
        assert (await _feed_state(service, fast)).last_success is not None
        assert slow in feeds.polling(), "the other feed was done while the slow one was still polling"
        for _ in range(150):
            if not feeds.polling():
                break
            await asyncio.sleep(0.1)
    finally:
        await feeds.close()
    assert site.most_pages_in_flight == 4, "pages of one feed are fetched four at a time"
    assert (await _feed_state(service, slow)).last_success is not None
    stored = [await service.answers.article(_feed_id(site, f"p{n}")) for n in range(16)]
    assert all(article is not None and "20 giờ đến 21 giờ" in " ".join(article.paragraphs) for article in stored)


async def test_a_poll_takes_the_first_hundred_entries(site: Site, service: Service) -> None:
    url = f"{site.base}/rss"
    site.feed = rss([_item(site, f"e{n}", f"Tin số {n} về cầu Rồng") for n in range(150)])
    await service.feeds.add(url)
    feeds = poller(service, site)
    try:
        assert await feeds.poll(await _feed_state(service, url)) == 100
    finally:
        await feeds.close()
    assert await service.answers.article(_feed_id(site, "e99")) is not None
    assert await service.answers.article(_feed_id(site, "e100")) is None
    assert "150 entries, 100 taken a poll" in ((await _feed_state(service, url)).last_error or ""), "/feeds says so"


async def test_a_feed_never_replaces_another_feeds_or_a_files_article(site: Site, service: Service) -> None:
    """Issue 27, M6: feed B publishing feed A's GUID and link replaced A's article under A's name."""
    link = f"{site.base}/bai/cau-rong.html"
    site.feed = rss([_item(site, "42", "Cầu Rồng phun lửa tối thứ Bảy", BODY, link)], title="Báo A")
    site.fast_feed = rss([_item(site, "42", "Cầu Rồng bị đánh sập", "Tin bịa: cầu Rồng đã bị đánh sập đêm qua. " * 5,
                                link)], title="Báo B")
    await service.new_articles.ingest([replace(read_file_article(), url=f"{site.base}/bai/tu-file.html")])
    for url in (f"{site.base}/rss", f"{site.base}/fast"):
        await service.feeds.add(url)
    feeds = poller(service, site)
    try:
        for url in (f"{site.base}/rss", f"{site.base}/fast"):
            await feeds.poll(await _feed_state(service, url))
        site.fast_feed = rss([_item(site, "43", "Tin của B", "Tin bịa về một bài của tệp. " * 5,
                                    f"{site.base}/bai/tu-file.html")], title="Báo B")
        await feeds.poll(await _feed_state(service, f"{site.base}/fast"))
    finally:
        await feeds.close()
    a = await service.answers.article(_feed_id(site, "42"))
    b = await service.answers.article(feed_article_id(f"{site.base}/fast", "42"))
    assert a is not None and a.title == "Cầu Rồng phun lửa tối thứ Bảy" and a.source == "Báo A"
    assert b is None, "skipped: its link belongs to another source's article"
    kept = await service.answers.article("tu-file")
    assert kept is not None and kept.title == "Bài từ tệp", "a file's article is no feed's to replace"


def read_file_article() -> Article:
    return Article(id="tu-file", title="Bài từ tệp", paragraphs=("Nông dân Cái Bè thu hoạch lúa sớm hơn mọi năm.",))


def _feed_id(site: Site, guid: str) -> str:
    return feed_article_id(f"{site.base}/rss", guid)


async def test_two_workers_poll_a_due_feed_once(site: Site, data_dir: Path, backend: str | None) -> None:
    settings = replace(DEFAULTS, database_url=backend)
    first, second = build_service(settings, Library(data_dir)), build_service(settings, Library(data_dir))
    try:
        url = f"{site.base}/rss"
        site.feed = rss([_item(site, "1", "Cầu Rồng phun lửa tối thứ Bảy")])
        await first.feeds.add(url)
        polled = await asyncio.gather(poller(first, site).poll_due(), poller(second, site).poll_due())
        assert sorted(polled) == [0, 1]  # one worker polled it and ingested its article, the other left it
        assert [path for path, _ in site.requests] == ["/rss"]
        # A worker that read the feed list before that poll ended finds it no longer due.
        assert await second.feeds.claim(url, "late worker", 600) is None
        assert await first.feeds.claim(url, "late worker", 600) is None
        assert [path for path, _ in site.requests] == ["/rss"]
    finally:
        first.close()
        second.close()


def test_canonical_links_keep_ipv6_brackets_and_take_a_bad_port_as_it_came() -> None:
    assert canonical_url("http://[::1]/x") == "http://[::1]/x"
    assert canonical_url("HTTP://[2001:DB8::1]:8080/a?utm_source=x&b=1#top") == "http://[2001:db8::1]:8080/a?b=1"
    assert canonical_url("https://Example.com:443/tin?utm_medium=rss") == "https://example.com/tin"
    assert canonical_url(" http://a:99999/x ") == "http://a:99999/x"
