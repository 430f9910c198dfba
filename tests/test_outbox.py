"""The outbox table on its own: what a queued alert keeps of its article."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.database import open_database
from bot.outbox import LEAD_CHARS, Outbox
from retrieval.articles import Article
from retrieval.text import shorten


@pytest.mark.parametrize(("body", "kept"), [
    ("x" * 5001, "x" * LEAD_CHARS),  # no space at all: cut at the limit (this returned 5,001 characters once)
    ("Mưa lớn kéo dài. " * 400, ("Mưa lớn kéo dài. " * 16) + "Mưa lớn"),  # cut after the last whole word
])
def test_an_alert_lead_is_cut_at_a_word_within_the_limit(tmp_path: Path, body: str, kept: str) -> None:
    outbox = Outbox(open_database(tmp_path / "bot.sqlite3"))
    assert outbox.queue(1, Article("a", "Tiêu đề", (body,)), 5, "mưa")
    assert not outbox.queue(1, Article("a", "Tiêu đề", (body,)), 5, "mưa"), "one alert per article and chat"
    [alert] = outbox.due(now=1e18)
    assert alert.lead == kept + " …" and len(alert.lead) <= LEAD_CHARS + 2


def test_shorten_never_exceeds_the_limit_plus_the_ellipsis() -> None:
    for text in ("a" * 50, "ab " * 50, " " + "a" * 50, "Một câu rất dài " * 10):
        for limit in (1, 5, 20, 49):
            cut = shorten(text, limit)
            assert len(cut) <= limit + 2 and (cut == text or cut.endswith(" …"))
