"""``build_application``: the one place the Telegram bot is wired together."""

from __future__ import annotations

import logging

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

from .background import Background
from .config import ConfigError, Settings
from .handlers import Handlers
from .service import Service, prepare_library, service_for
from .texts import COMMANDS, EN, VI, text

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 32  # updates handled at once: one slow question never holds up other chats
RATE_LIMIT_RETRIES = 3  # times a request answered 429 is retried, after the wait Telegram asks for


def build_application(
    settings: Settings, service: Service | None = None, request: BaseRequest | None = None
) -> Application:
    """The bot: handlers, error handler, rate limiter, start-up and shut-down hooks.

    ``service`` defaults to the data folder of ``settings`` with the seeds ingested;
    ``request`` replaces the HTTP layer (tests pass a fake Bot API), by default httpx talking
    to ``settings.api_base_url``.
    """
    if not settings.telegram_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: the Telegram bot needs the token from @BotFather")
    if service is None:
        library = prepare_library(settings.data_dir, settings.seeds_dir)
        service = service_for(settings, library)
    handlers = Handlers(service, settings)
    background = Background(service, settings)

    async def post_init(application: Application) -> None:
        await register_commands(application)
        await background.start(application)

    async def post_stop(application: Application) -> None:
        await background.stop()

    async def post_shutdown(application: Application) -> None:
        service.close()

    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    application = builder.build()

    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    new_text = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
    commands = {
        "start": handlers.start, "help": handlers.help, "ask": handlers.ask, "search": handlers.search,
        "latest": handlers.latest, "stats": handlers.stats, "subscribe": handlers.subscribe,
        "subscriptions": handlers.subscriptions, "unsubscribe": handlers.unsubscribe,
        "pause": handlers.pause, "resume": handlers.resume, "quiet": handlers.quiet,
        "feeds": handlers.feeds, "addfeed": handlers.add_feed, "delfeed": handlers.remove_feed,
    }
    application.add_handlers([CommandHandler(name, callback) for name, callback in commands.items()])
    application.add_handlers([
        MessageHandler(new_text & private, handlers.private_text),
        MessageHandler(new_text & groups, handlers.group_text),
        MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND & private, handlers.unknown_command),
        MessageHandler(filters.UpdateType.MESSAGE & private & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                       handlers.not_text),
        CallbackQueryHandler(handlers.button),
        InlineQueryHandler(handlers.inline),
    ])
    application.add_error_handler(handlers.on_error)
    return application


async def register_commands(application: Application) -> None:
    """The command menu, in Vietnamese (default) and English; a failure only costs the menu."""
    for lang, code in ((VI, None), (EN, EN)):
        menu = [BotCommand(name, text(f"cmd_{name}", lang)) for name in COMMANDS]
        try:
            await application.bot.set_my_commands(menu, language_code=code)
        except TelegramError as exc:
            log.warning("could not register the %s command menu (%s); the bot runs without it", lang, exc)


ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
