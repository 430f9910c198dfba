"""``build``: the one place the bot is made, every part of it from one :class:`Settings`.

Settings flow one way: ``load_settings`` → :func:`build` → the library, the service, the
loops and the Telegram application, each given the values it needs. No constructor below
has a default of its own for a setting, so no way of starting the bot can miss one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from retrieval.archive import Cluster
from retrieval.library import Library
from retrieval.store import read_articles

from .background import FEED_CHECK_SECONDS, Background, DrainingJobQueue, Intake, Schedule
from .charts import ChartDrawer
from .config import ConfigError, Settings
from .delivery import Deliverer
from .fairness import REPLY_BURST, ReplyPacer, Turns
from .fetcher import Fetcher, OutboundPolicy
from .handlers import Handlers
from .health import HealthServer
from .inbox import Inbox
from .ingester import Ingester, IngestSettings
from .leases import lease_owner
from .metrics import Metrics
from .poller import FeedPoller
from .service import Service
from .texts import COMMANDS, EN, VI, text

log = logging.getLogger(__name__)

UPDATES_IN_HAND = 4096  # updates python-telegram-bot takes at once: each chat's gate and the turns order them
TURNS = 32  # updates at work at once: one slow question never holds up other chats
RATE_LIMIT_RETRIES = 3  # times a request answered 429 is retried, after the wait Telegram asks for
BOT_DATABASE = "bot.sqlite3"  # in the data folder, beside the article store


def prepare_library(data_dir: Path, seeds_dir: Path, cluster: Cluster | None = None) -> Library:
    """Open the data folder (its passages on ``cluster`` if given) and make sure the seed articles
    are in it (unchanged ones are skipped)."""
    library = Library.open(data_dir, cluster)
    if seeds_dir.is_dir():
        report = library.ingest(read_articles([seeds_dir]))
        log.info("seeds: %s", report.summary())
        for bad in report.skipped:
            log.warning("seed skipped: %s", bad)
    else:
        log.warning("no seeds folder at %s", seeds_dir)
    return library


def open_library(settings: Settings) -> Library:
    """The data folder of ``settings``, with the seeds ingested by a process that ingests (a web
    process only reads what the workers store)."""
    return (prepare_library(settings.data_dir, settings.seeds_dir, settings.opensearch) if settings.role.works
            else Library.open(settings.data_dir, settings.opensearch, writes=False))


def build_service(settings: Settings, library: Library, metrics: Metrics | None = None) -> Service:
    """The bot's service over ``library``, its database in the library's data folder unless
    PostgreSQL's; with an ingest process when the role ingests. ``metrics``: the process's (a
    fresh registry when the caller keeps none)."""
    database = settings.database_url or str(library.data_dir / BOT_DATABASE)
    ingester = (Ingester(IngestSettings(library.data_dir, database, settings.alert_max_age_hours, settings.log_level,
                                        settings.opensearch))
                if settings.role.works else None)
    return Service(library, database, metrics or Metrics(), ingester)


@dataclass(frozen=True)
class HoiTin:
    """The bot as :func:`build` made it; ``application.run_polling()`` runs it."""

    settings: Settings
    service: Service
    background: Background
    application: Application


def build(settings: Settings, *, library: Library | None = None, request: BaseRequest | None = None) -> HoiTin:
    """The Telegram bot: service, loops, handlers, error handler, rate limiter and hooks.

    ``library`` is an already opened data folder (by default ``settings.data_dir`` with the
    seeds ingested); ``request`` replaces the HTTP layer (tests pass a fake Bot API), by
    default httpx talking to ``settings.api_base_url``.
    """
    if not settings.telegram_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: the Telegram bot needs the token from @BotFather")
    if library is None:
        library = open_library(settings)
    role = settings.role
    metrics = Metrics()
    service = build_service(settings, library, metrics)
    policy = OutboundPolicy(frozenset(settings.feed_allow))
    pacer = ReplyPacer(settings.chat_replies_per_second, REPLY_BURST)
    charts = ChartDrawer()
    handlers = Handlers(service, settings.admin_ids, policy, pacer, Turns(TURNS), charts, metrics)
    health = (HealthServer(service, metrics, settings.metrics_listen, settings.metrics_port)
              if settings.metrics_port else None)
    background: Background | None = None

    async def post_init(application: Application) -> None:
        if role.answers:
            await register_commands(application)
        assert background is not None, "built below, before the application can start"
        await background.start(application)
        if health is not None:
            await health.start()

    async def post_stop(application: Application) -> None:
        assert background is not None
        if health is not None:
            await health.stop()
        await background.stop()

    async def post_shutdown(application: Application) -> None:
        charts.close()
        service.close()

    application = _application(settings.telegram_token, settings, request, post_init, post_stop, post_shutdown)
    if role.answers:
        add_handlers(application, handlers)
    owner = lease_owner()
    intake = _intake(settings, service, application, policy, metrics, owner) if role.works else None
    schedule = Schedule(poll=settings.poll_seconds, feed_check=min(FEED_CHECK_SECONDS, settings.feed_interval))
    background = Background(service, schedule, pacer, owner, intake)
    return HoiTin(settings, service, background, application)


Hook = Callable[[Application], Coroutine[Any, Any, None]]


def _application(token: str, settings: Settings, request: BaseRequest | None, post_init: Hook, post_stop: Hook,
                 post_shutdown: Hook) -> Application:
    """python-telegram-bot's application: HTML by default, rate-limited, updates taken
    concurrently; no updater in a process that does not answer."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(UPDATES_IN_HAND)
        .job_queue(DrainingJobQueue())
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if not settings.role.answers:
        builder = builder.updater(None)
    return builder.build()


def _intake(settings: Settings, service: Service, application: Application, policy: OutboundPolicy,
            metrics: Metrics, owner: str) -> Intake:
    """What brings articles in and alerts out, in a process whose role works."""
    return Intake(
        Inbox(settings.inbox, settings.read_limits),
        FeedPoller(service, Fetcher(policy, settings.feed_timeout, settings.feed_max_bytes), settings.feed_interval,
                   metrics, owner),
        Deliverer(service, application.bot, settings.alerts_per_second, metrics, owner),
        settings.feeds,
        settings.alert_max_age_hours,
    )


def add_handlers(application: Application, handlers: Handlers) -> None:
    """Every command, message kind, button and inline query, each to its handler."""
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    new_text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    commands = {
        "start": handlers.start, "help": handlers.help, "ask": handlers.ask, "search": handlers.search,
        "latest": handlers.latest, "trend": handlers.trend, "stats": handlers.stats, "subscribe": handlers.subscribe,
        "subscriptions": handlers.subscriptions, "unsubscribe": handlers.unsubscribe,
        "pause": handlers.pause, "resume": handlers.resume, "quiet": handlers.quiet, "lang": handlers.choose_language,
        "feeds": handlers.feeds, "addfeed": handlers.add_feed, "delfeed": handlers.remove_feed,
        "exportopml": handlers.export_opml,
    }
    fair = handlers.fair
    application.add_handlers([CommandHandler(name, fair(callback)) for name, callback in commands.items()])
    application.add_handlers([
        MessageHandler(filters.UpdateType.MESSAGE & filters.Document.FileExtension("opml"), fair(handlers.import_opml)),
        MessageHandler(new_text & private, fair(handlers.private_text)),
        MessageHandler(new_text & groups, fair(handlers.group_text)),
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND & private, fair(handlers.unknown_command)),
        MessageHandler(filters.UpdateType.MESSAGE & private & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       fair(handlers.not_text)),
        CallbackQueryHandler(fair(handlers.button)),
        InlineQueryHandler(fair(handlers.inline)),
    ])
    application.add_error_handler(handlers.on_error)


async def register_commands(application: Application) -> None:
    """The command menu, in Vietnamese (default) and English; a failure only costs the menu."""
    for lang, code in ((VI, None), (EN, EN)):
        menu = [BotCommand(name, text(f"cmd_{name}", lang)) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(menu, language_code=code)
        except TelegramError as exc:
            log.warning("could not register the %s command menu (%s); the bot runs without it", lang, exc)


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
