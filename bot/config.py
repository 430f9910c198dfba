"""Settings from the environment (and ``.env``); ``.env.example`` lists every one."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class Settings:
    telegram_token: str | None = None
    data_dir: Path = Path("data")
    seeds_dir: Path = Path("seeds")
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    api_base_url: str = DEFAULT_API_BASE_URL

    def __repr__(self) -> str:  # never print the token
        token = "set" if self.telegram_token else "unset"
        return (f"Settings(telegram_token={token}, data_dir={self.data_dir}, seeds_dir={self.seeds_dir}, "
                f"api_base_url={self.api_base_url})")


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def load_settings(env: dict[str, str] | None = None, dotenv: bool = True) -> Settings:
    """Read the settings; ``.env`` in the working folder fills what the environment lacks."""
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
    return Settings(
        telegram_token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
        data_dir=Path(env.get("HOITIN_DATA_DIR") or "data"),
        seeds_dir=Path(env.get("HOITIN_SEEDS_DIR") or "seeds"),
        admin_ids=frozenset(admins),
        log_level=(env.get("HOITIN_LOG_LEVEL") or "INFO").upper(),
        api_base_url=_base_url(env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL),
    )


def _base_url(value: str) -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")):
        raise ConfigError(
            f"TELEGRAM_API_BASE_URL must be an http(s) URL such as http://127.0.0.1:8081/bot, not {value!r}"
        )
    return value
