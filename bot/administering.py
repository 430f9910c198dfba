"""Handlers for admins: /stats and the feed list (/feeds, /addfeed, /removefeed, OPML)."""

from __future__ import annotations

import logging
import re
from functools import partial

from telegram import InputFile, Update

from . import formatting as fmt
from .limits import MAX_FEED_URL
from .opml import MAX_OPML_BYTES, BadOPML, feed_urls, write_opml
from .replying import Context, Replying, admin_only, command_argument, message_of, present
from .texts import text

log = logging.getLogger(__name__)


class AdminHandlers(Replying):
    @admin_only
    async def stats(self, update: Update, context: Context) -> None:
        """/stats (admins): the library, subscriptions, alerts and feeds."""
        await self.reply(update, fmt.html_stats(await self.service.stats(), await self.lang(update)))

    @admin_only
    async def feeds(self, update: Update, context: Context) -> None:
        """/feeds (admins): every feed with its last success and last error."""
        await self.reply(update, fmt.html_feeds(await self.service.feeds.all(), await self.lang(update)))

    @admin_only
    async def add_feed(self, update: Update, context: Context) -> None:
        """/addfeed <url> (admins)."""
        lang = await self.lang(update)
        url = command_argument(context)
        if not url:
            await self.reply(update, text("addfeed_usage", lang))
            return
        outcome, reason = await self._add_feed(url)
        await self.reply(update, fmt.html_text(f"addfeed_{outcome}", lang, url=url[:200], reason=reason))

    async def _add_feed(self, url: str) -> tuple[str, str]:
        """Add a feed after the checks every new feed passes: ("ok" | "dup" | "bad" | "refused", why)."""
        if not re.fullmatch(r"https?://\S+", url, re.IGNORECASE) or len(url) > MAX_FEED_URL:
            return "bad", ""
        if (refusal := await self.outbound.refusal(url)) is not None:
            log.info("feed %s refused: %s", url[:200], refusal)
            return "refused", refusal
        return ("ok" if await self.service.feeds.add(url) else "dup"), ""

    @admin_only
    async def import_opml(self, update: Update, context: Context) -> None:
        """An .opml document (admins): each feed in it added as /addfeed would, then a summary."""
        lang = await self.lang(update)
        document = present(message_of(update).document, "a document")
        if document.file_size is not None and document.file_size > MAX_OPML_BYTES:
            await self.reply(update, fmt.html_text("opml_bad", lang, reason=text("opml_too_big", lang,
                                                                                   limit=MAX_OPML_BYTES)))
            return
        data = await (await document.get_file()).download_as_bytearray()
        try:
            urls = feed_urls(bytes(data))
        except BadOPML as bad:
            await self.reply(update, fmt.html_text("opml_bad", lang, reason=str(bad)))
            return
        outcomes = [(url, *await self._add_feed(url)) for url in urls]
        log.info("OPML import: %d feeds, %d added", len(outcomes), sum(o == "ok" for _, o, _ in outcomes))
        await self.reply(update, fmt.html_opml_import(outcomes, lang))

    @admin_only
    async def export_opml(self, update: Update, context: Context) -> None:
        """/exportopml (admins): the feed list as an .opml document."""
        lang = await self.lang(update)
        feeds = await self.service.feeds.all()
        if not feeds:
            await self.reply(update, text("feeds_none", lang))
            return
        data = write_opml([(f.url, f.title) for f in feeds], "Hỏi Tin")
        await self._paced(update, partial(message_of(update).reply_document,
                                              InputFile(data, filename="hoitin-feeds.opml"),
                                              caption=text("opml_export", lang, count=len(feeds))))

    @admin_only
    async def remove_feed(self, update: Update, context: Context) -> None:
        """/delfeed <number|url> (admins)."""
        lang = await self.lang(update)
        which = command_argument(context)
        if not which:
            await self.reply(update, text("delfeed_usage", lang))
            return
        removed = await self.service.feeds.remove(which)
        await self.reply(update, fmt.html_text("delfeed_ok", lang, url=removed) if removed
                         else fmt.html_text("delfeed_missing", lang, which=which[:200]))
