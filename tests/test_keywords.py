"""The subscription matching rule (bot.keywords) and its storage (bot.subscriptions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.database import open_database
from bot.keywords import article_terms, parse_keywords
from bot.subscriptions import Refusal, SubscriptionRefused, Subscriptions
from retrieval.articles import Article
from retrieval.errors import EmptyQuery

FLOOD = Article(
    id="lu",
    title="Mưa lũ kéo dài ở miền Trung",
    paragraphs=("Bão số 7 gây mưa lớn ở Hà Tĩnh và Quảng Bình.", "Hàng nghìn hộ dân phải sơ tán khỏi vùng ngập."),
)
TERMS = article_terms(FLOOD)


@pytest.mark.parametrize(("keywords", "matches"), [
    ("mưa lũ", True),
    ("mua lu", True),  # without diacritics: any accents
    ("MƯA LŨ", True),
    ("Hà Tĩnh, Quảng Bình", True),
    ("ha tinh sơ tán", True),  # mixed: each syllable by its own spelling
    ("mùa lũ", False),  # with diacritics: that spelling only
    ("mưa lũ Nghệ An", False),  # every word must occur
    ('"miền Trung"', True),
    ('"mien trung"', True),
    ('"Trung miền"', False),  # a quoted phrase keeps its order
    ('"lũ miền"', False),  # … and its words must be adjacent ("lũ kéo dài ở miền")
    ('"bão số 7"', True),
    ("ai sơ tán", True),  # question words are ignored
    ('"hộ dân phải"', True),
    ('"vùng ngập. Mưa"', False),  # a phrase never spans two sentences
])
def test_matching_rule(keywords: str, matches: bool) -> None:
    assert parse_keywords(keywords).matches(TERMS) is matches


def test_same_request_same_key() -> None:
    assert parse_keywords("lũ, bão").key == parse_keywords("Bão   LŨ").key
    assert parse_keywords("bao lu").key != parse_keywords("bão lũ").key
    with pytest.raises(EmptyQuery):
        parse_keywords(" ?! ai gì ")


def test_subscriptions_stored_and_matched(tmp_path: Path) -> None:
    db = open_database(tmp_path / "bot.sqlite3")
    subs = Subscriptions(db)
    subs.add(1, "mua lu")
    subs.add(2, '"Trung miền"')
    subs.add(3, "Quảng Bình sơ tán")
    assert [s.chat_id for s in subs.matching(TERMS)] == [1, 3]
    with pytest.raises(SubscriptionRefused) as refused:
        subs.add(1, "lu mua")
    assert refused.value.reason is Refusal.DUPLICATE and refused.value.details == {"keywords": "mua lu"}
    db.close()
    again = Subscriptions(open_database(tmp_path / "bot.sqlite3"))  # reopened: migrations do not run twice
    assert [s.query.text for s in again.of_chat(1)] == ["mua lu"]
    assert again.remove(3, "quang binh so tan").query.text == "Quảng Bình sơ tán"
    assert again.count() == 2
