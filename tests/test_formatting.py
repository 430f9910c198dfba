"""Telegram output rules: the 4096 split, callback data, escaping of article text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.buttons import CALLBACK_LIMIT, BadCallback, OpenButton, PageButton, RemoveButton, decode, encode
from bot.formatting import html_answer, split_html
from retrieval.answer import Answer, AnswerSentence, Citation

from .fake_telegram import visible_text


def _units(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def test_short_message_is_one_part() -> None:
    assert split_html("<b>a</b>\nb") == ["<b>a</b>\nb"]


def test_split_prefers_line_breaks() -> None:
    lines = [f"<b>{i}.</b> " + "chữ " * 50 for i in range(60)]
    parts = split_html("\n".join(lines), limit=1000)
    assert len(parts) > 1
    assert "\n".join(parts) == "\n".join(lines)  # cut only between lines
    assert all(_units(p) <= 1000 for p in parts)


def test_split_inside_a_tag_closes_and_reopens_it() -> None:
    body = '<a href="https://vnexpress.net/a?x=1&amp;y=2">' + "Hà Nội &amp; Huế " * 400 + "</a> hết 🙂"
    parts = split_html(body, limit=500)
    assert len(parts) > 5
    for part in parts:
        assert _units(part) <= 500
        visible_text(part)  # valid HTML on its own: balanced tags, no broken entity
    assert parts[1].startswith('<a href="https://vnexpress.net/a?x=1&amp;y=2">')
    joined = "".join(visible_text(p) for p in parts).replace(" ", "")
    assert joined == visible_text(body).replace(" ", "")


def test_split_counts_utf16_units() -> None:
    parts = split_html("🙂" * 3000, limit=4096)
    assert [_units(p) for p in parts] == [4096, 1904]


@pytest.mark.parametrize("button", [
    PageButton(query=2**62, page=999_999),
    OpenButton(article=2**62, paragraph=10_000, query=2**62, page=10_000),
    RemoveButton(subscription=2**62),
])
def test_callback_data_round_trip_within_64_bytes(button: PageButton | OpenButton | RemoveButton) -> None:
    data = encode(button)
    assert len(data.encode()) <= CALLBACK_LIMIT
    assert decode(data) == button


@pytest.mark.parametrize("data", [None, "", "p", "p:1", "p:1:2:3:4", "o:1:2:3", "q:1:1", "p:-1:2", "p:1:x", "u:" + "1" * 30])
def test_forged_callback_data_is_refused(data: str | None) -> None:
    with pytest.raises(BadCallback):
        decode(data)


def test_answer_escapes_article_text_and_links_only_web_urls() -> None:
    published = datetime(2021, 1, 14, 20, 0, tzinfo=UTC)  # 15/01 in Vietnam
    safe = Citation("a", 'Tin "nóng" <b>&', published, "Báo <X>", "https://x.vn/a?b=1&c=2", 3)
    unsafe = Citation("b", "Hai", None, None, "javascript:alert(1)", 1)
    answer = Answer("q", (AnswerSentence("1 < 2 & 3 > 2", 1.0, safe), AnswerSentence("x", 0.5, unsafe)))
    html = html_answer(answer, "vi")
    assert '<a href="https://x.vn/a?b=1&amp;c=2">Tin &quot;nóng&quot; &lt;b&gt;&amp;</a>' in html
    assert "1 &lt; 2 &amp; 3 &gt; 2" in html and "Báo &lt;X&gt;" in html and "15/01/2021" in html
    assert "javascript" not in html and "<b>Hai</b> — không rõ ngày" in html
    assert visible_text(html).startswith("[1] 1 < 2 & 3 > 2 (đoạn 3)\n[2] x (đoạn 1)\n\nNguồn:")


def test_how_a_question_was_read_is_escaped_and_said_in_the_readers_language() -> None:
    """``read_as`` is the reader's own question with marks added: their text, so escaped."""
    citation = Citation("a", "Tin", None, None, None, 1)
    answer = Answer("<b>ai</b> chu tri", (AnswerSentence("Bà Mai chủ trì.", 1.0, citation),), read_as="<b>ai</b> chủ trì")
    assert html_answer(answer, "vi").startswith("<i>Hiểu câu hỏi là: “&lt;b&gt;ai&lt;/b&gt; chủ trì”</i>\n<b>[1]</b>")
    assert html_answer(answer, "en").startswith("<i>Read as: “&lt;b&gt;ai&lt;/b&gt; chủ trì”</i>\n")
    assert not html_answer(replace(answer, read_as=""), "vi").startswith("<i>")
