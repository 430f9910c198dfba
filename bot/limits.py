"""The sizes a reader's input may have, shared by the Telegram bot and the console chat."""

from __future__ import annotations

import re

_LONE_SURROGATE_RE = re.compile("[\ud800-\udfff]")

MAX_QUESTION = 1000  # characters of a question, a /search query or an inline query; longer ones are refused
SEARCH_PAGE = 5  # articles a /search page shows
INLINE_RESULTS = 10  # articles offered in inline mode
LATEST = 5  # articles /latest lists
MAX_FEED_URL = 1000  # characters of a feed address /addfeed accepts


def readable(text: str) -> str:
    """A reader's text with every lone surrogate (valid in Telegram's JSON, refused by every UTF-8
    encoder: the answer log, the reply) made U+FFFD, which normalisation then drops."""
    return _LONE_SURROGATE_RE.sub("\ufffd", text)
