"""Settings from the environment (and ``.env``); ``.env.example`` lists every one."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.archive import Cluster, ClusterError
from retrieval.articles import ReadLimits

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


class Role(StrEnum):
    """What one process of the bot does (``--role`` or ``HOITIN_ROLE``)."""

    ALL = "all"  # everything, in one process: the default, what `make run` starts
    WEB = "web"  # answers Telegram's updates (polling or webhook); follows the index the workers save
    WORKER = "worker"  # ingest (inbox, feeds, the store's changes), alert matching and delivery

    @property
    def answers(self) -> bool:
        """Whether the process takes Telegram's updates."""
        return self is not Role.WORKER

    @property
    def works(self) -> bool:
        """Whether the process ingests and sends alerts."""
        return self is not Role.WEB


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = None
    role: Role = Role.ALL
    data_dir: Path = Path("data")
    seeds_dir: Path = Path("seeds")
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    api_base_url: str = DEFAULT_API_BASE_URL
    inbox_dir: Path | None = None  # None: data_dir / "inbox"
    feeds: tuple[str, ...] = ()
    feed_allow: tuple[str, ...] = ()  # "host" or "host:port" fetched although not public (an intranet feed)
    feed_interval: float = 300.0  # seconds between two polls of a feed
    feed_timeout: float = 10.0
    feed_max_bytes: int = 5_000_000
    read_limits: ReadLimits = field(default_factory=ReadLimits)  # what an inbox file may hold
    poll_seconds: float = 2.0  # how often the inbox and the store are looked at
    alert_max_age_hours: float = 48.0
    alerts_per_second: float = 25.0
    chat_replies_per_second: float = 1.0  # replies to one chat, after a short burst (Telegram: about 1/s)
    database_url: str | None = None  # postgresql://… for the bot's state (None: bot.sqlite3 in data_dir)
    metrics_port: int | None = None  # /healthz and /metrics over HTTP on this port (None: not served)
    metrics_listen: str = "127.0.0.1"
    webhook_url: str | None = None  # the public https URL Telegram posts updates to (None: long polling)
    webhook_listen: str = "127.0.0.1"  # where the bot listens for them (behind a reverse proxy)
    webhook_port: int = 8443
    webhook_secret: str | None = None  # required with webhook_url: Telegram sends it in every request
    opensearch: Cluster | None = None  # the archive's passages on this cluster (None: the embedded index)

    @property
    def inbox(self) -> Path:
        return self.inbox_dir or self.data_dir / "inbox"

    def __repr__(self) -> str:  # never print the token
        token = "set" if self.telegram_token else "unset"
        return (f"Settings(telegram_token={token}, role={self.role}, data_dir={self.data_dir}, seeds_dir={self.seeds_dir}, "
                f"api_base_url={self.api_base_url}, inbox={self.inbox}, feeds={len(self.feeds)}, "
                f"webhook={self.webhook_url or 'off'}, "
                f"opensearch={','.join(self.opensearch.urls) if self.opensearch else 'off'})")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


DEFAULTS = Settings()


def load_settings(env: dict[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Read the settings; ``.env`` in the working folder fills what the environment lacks.

    A variable that is unset or empty keeps the default of :class:`Settings`.
    """
    if env is None:
        if dotenv:
            from dotenv import load_dotenv

            load_dotenv()
        env = dict(os.environ)
    admins: set[int] = set()
    for part in (env.get("HOITIN_ADMIN_IDS") or "").replace(";", ",").split(","):
        if part.strip():
            try:
                admins.add(int(part))
            except ValueError:
                raise ConfigError(f"HOITIN_ADMIN_IDS must list numeric Telegram user ids, not {part.strip()!r}") from None
    d = DEFAULTS
    webhook_url, webhook_secret = _webhook(env)
    return Settings(
        telegram_token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
        role=_role(env.get("HOITIN_ROLE") or d.role),
        data_dir=Path(env.get("HOITIN_DATA_DIR") or d.data_dir),
        seeds_dir=Path(env.get("HOITIN_SEEDS_DIR") or d.seeds_dir),
        admin_ids=frozenset(admins),
        log_level=_log_level(env.get("HOITIN_LOG_LEVEL") or d.log_level),
        api_base_url=_base_url(env.get("TELEGRAM_API_BASE_URL") or d.api_base_url),
        inbox_dir=Path(env["HOITIN_INBOX_DIR"]) if env.get("HOITIN_INBOX_DIR") else d.inbox_dir,
        feeds=_words(env.get("HOITIN_FEEDS")),
        feed_allow=tuple(h.lower() for h in _words(env.get("HOITIN_FEED_ALLOW"))),
        feed_interval=_number(env, "HOITIN_FEED_INTERVAL", d.feed_interval, minimum=10),
        feed_timeout=_number(env, "HOITIN_FEED_TIMEOUT", d.feed_timeout, minimum=1),
        feed_max_bytes=_count(env, "HOITIN_FEED_MAX_BYTES", d.feed_max_bytes, minimum=10_000),
        read_limits=ReadLimits(
            line_bytes=_count(env, "HOITIN_MAX_LINE_BYTES", d.read_limits.line_bytes, minimum=10_000),
            file_bytes=_count(env, "HOITIN_MAX_FILE_BYTES", d.read_limits.file_bytes, minimum=100_000),
            article_chars=_count(env, "HOITIN_MAX_ARTICLE_CHARS", d.read_limits.article_chars, minimum=1_000),
            paragraphs=_count(env, "HOITIN_MAX_PARAGRAPHS", d.read_limits.paragraphs, minimum=10),
            json_depth=_count(env, "HOITIN_MAX_JSON_DEPTH", d.read_limits.json_depth, minimum=3),
            bad_records=_count(env, "HOITIN_MAX_BAD_RECORDS", d.read_limits.bad_records, minimum=1),
        ),
        poll_seconds=_number(env, "HOITIN_POLL_SECONDS", d.poll_seconds, minimum=0.1),
        alert_max_age_hours=_number(env, "HOITIN_ALERT_MAX_AGE_HOURS", d.alert_max_age_hours, minimum=0),
        alerts_per_second=_number(env, "HOITIN_ALERTS_PER_SECOND", d.alerts_per_second, minimum=0.1),
        chat_replies_per_second=_number(env, "HOITIN_CHAT_REPLIES_PER_SECOND", d.chat_replies_per_second, minimum=0.1),
        database_url=_database_url(env.get("HOITIN_DATABASE_URL")),
        metrics_port=_port(env, "HOITIN_METRICS_PORT") if env.get("HOITIN_METRICS_PORT") else d.metrics_port,
        metrics_listen=(env.get("HOITIN_METRICS_LISTEN") or d.metrics_listen).strip(),
        webhook_url=webhook_url,
        webhook_listen=(env.get("HOITIN_WEBHOOK_LISTEN") or d.webhook_listen).strip(),
        webhook_port=_port(env, "HOITIN_WEBHOOK_PORT") if env.get("HOITIN_WEBHOOK_PORT") else d.webhook_port,
        webhook_secret=webhook_secret,
        opensearch=_opensearch(env),
    )


_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _webhook(env: dict[str, str]) -> tuple[str | None, str | None]:
    """The webhook's URL and secret, checked together: a URL needs a secret Telegram accepts."""
    url = (env.get("HOITIN_WEBHOOK_URL") or "").strip() or None
    secret = (env.get("HOITIN_WEBHOOK_SECRET") or "").strip() or None
    if url is not None:
        if not url.startswith("https://") or not urlsplit(url).hostname:
            raise ConfigError(f"HOITIN_WEBHOOK_URL must be the public https:// address Telegram posts to, not {url!r}")
        if secret is None:
            raise ConfigError("HOITIN_WEBHOOK_SECRET must be set with HOITIN_WEBHOOK_URL: without it anyone who "
                              "finds the address could post updates")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise ConfigError("HOITIN_WEBHOOK_SECRET may hold 1–256 of A–Z, a–z, 0–9, _ and - (Telegram's rule)")
    return url, secret


def _opensearch(env: dict[str, str]) -> Cluster | None:
    """The cluster of ``HOITIN_OPENSEARCH_URL``, logged in with ``…_USER`` and the password in the
    file ``…_PASSWORD_FILE`` (a secret never sits in the environment), ``…_CA`` for https."""
    urls = (env.get("HOITIN_OPENSEARCH_URL") or "").strip()
    if not urls:
        return None
    password = None
    if path := (env.get("HOITIN_OPENSEARCH_PASSWORD_FILE") or "").strip():
        try:
            password = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"HOITIN_OPENSEARCH_PASSWORD_FILE cannot be read: {exc}") from None
    try:
        return Cluster.parse(urls, (env.get("HOITIN_OPENSEARCH_USER") or "").strip() or None, password,
                             (env.get("HOITIN_OPENSEARCH_CA") or "").strip() or None)
    except ClusterError as exc:
        raise ConfigError(f"HOITIN_OPENSEARCH_URL: {exc}") from None


def _role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ConfigError(f"HOITIN_ROLE must be one of {', '.join(Role)}, not {value!r}") from None


def _database_url(value: str | None) -> str | None:
    url = (value or "").strip() or None
    if url is not None and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError("HOITIN_DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host/db); "
                          "leave it unset for the SQLite file in the data folder")
    return url


def _port(env: dict[str, str], name: str) -> int:
    port = _count(env, name, 0, minimum=1)
    if port > 65535:
        raise ConfigError(f"{name} must be a TCP port (1–65535), not {env[name]!r}")
    return port


def _words(value: str | None) -> tuple[str, ...]:
    """A list setting: items separated by spaces or commas."""
    return tuple((value or "").replace(",", " ").split())


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in _LEVELS:
        raise ConfigError(f"HOITIN_LOG_LEVEL must be one of {', '.join(_LEVELS)}, not {value!r}")
    return level


def _number(env: dict[str, str], name: str, default: float, minimum: float) -> float:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum:g}, not {raw}")
    return value


def _count(env: dict[str, str], name: str, default: int, minimum: int) -> int:
    value = _number(env, name, default, minimum)
    if value != int(value):
        raise ConfigError(f"{name} must be a whole number, not {env[name]!r}")
    return int(value)


def _base_url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8081/bot, not {value!r}"
        )
    return value
