"""Time in questions (retrieval/text/timeframe.py) and how the library uses it, on a fixed clock."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from retrieval.library import Library
from retrieval.store import read_articles
from retrieval.text import VIETNAM, TimeFrame, read_time

NOW = datetime(2025, 3, 20, 10, 0, tzinfo=VIETNAM)  # a Thursday morning, Vietnam time


def _days(question: str) -> tuple[str, date | None, date | None]:
    rest, frame = read_time(question, NOW)
    assert frame is not None and frame.start is not None and frame.end is not None, question
    return rest, frame.start.date(), frame.end.date()


@pytest.mark.parametrize(("question", "rest", "start", "end"), [
    ("Ai ghi bàn hôm qua?", "Ai ghi bàn ?", date(2025, 3, 19), date(2025, 3, 20)),
    ("ai ghi ban hom qua", "ai ghi ban", date(2025, 3, 19), date(2025, 3, 20)),
    ("Hôm nay giá vàng thế nào?", "giá vàng thế nào?", date(2025, 3, 20), date(2025, 3, 21)),
    ("Tuần trước Hà Nội FC thắng ai?", "Hà Nội FC thắng ai?", date(2025, 3, 10), date(2025, 3, 17)),
    ("tuan nay co tran nao", "co tran nao", date(2025, 3, 17), date(2025, 3, 24)),
    ("Tháng 3 có bao nhiêu trận?", "có bao nhiêu trận?", date(2025, 3, 1), date(2025, 4, 1)),
    ("Tháng 12 ai vô địch?", "ai vô địch?", date(2024, 12, 1), date(2025, 1, 1)),  # the last December
    ("Ngày 15/3 có gì mới?", "có gì mới?", date(2025, 3, 15), date(2025, 3, 17)),  # reported then or next day
    ("Trước trận, HLV Hữu Thắng trước đó nói gì?", None, None, None),  # a name, not "tháng trước"
    ("Người ta sống ở đây 40000 năm trước?", None, None, None),  # a duration
    ("Năm 2023 ai vô địch V-League?", "ai vô địch V-League?", date(2023, 1, 1), date(2024, 1, 1)),
    ("tháng 5/2017 giá xăng", "giá xăng", date(2017, 5, 1), date(2017, 6, 1)),
    ("Năm ngoái ai vô địch?", "ai vô địch?", date(2024, 1, 1), date(2025, 1, 1)),
    ("Dịp Tết học sinh nghỉ mấy ngày?", "học sinh nghỉ mấy ngày?", date(2025, 1, 15), date(2025, 2, 8)),
    ("Tết Đinh Dậu học sinh nghỉ mấy ngày?", "học sinh nghỉ mấy ngày?", date(2017, 1, 14), date(2017, 2, 7)),
    ("Sáng nay ai phát biểu?", "ai phát biểu?", date(2025, 3, 20), date(2025, 3, 20)),
])
def test_expressions_name_their_days(question: str, rest: str | None, start: date | None, end: date | None) -> None:
    if rest is None:
        assert read_time(question, NOW) == (question, None)
    else:
        assert _days(question) == (rest, start, end)


def test_newest_and_no_time() -> None:
    rest, frame = read_time("Tin mới nhất về U23 Việt Nam?", NOW)
    assert rest == "Tin về U23 Việt Nam?" and frame is not None and frame.newest and not frame.is_range
    assert read_time("Ai chủ trì hội nghị?", NOW) == ("Ai chủ trì hội nghị?", None)
    assert _frame("Tết trung thu năm nay ở đâu vui?").phrase == "năm nay"  # not Lunar New Year


def test_calendar_dates_outside_the_archive_are_not_about_publication() -> None:
    _, frame = read_time("Năm 1945 ai đọc Tuyên ngôn Độc lập?", NOW)
    assert frame is not None and not frame.relative
    archive = (datetime(2023, 1, 1, tzinfo=VIETNAM), datetime(2025, 3, 1, tzinfo=VIETNAM))
    assert not frame.covers(*archive) and not frame.covers(None, None)
    assert _frame("Năm 2024 ai vô địch?").covers(*archive)
    assert _frame("Hôm qua ai thắng?").covers(None, None)  # relative: always publication time


def _frame(question: str) -> TimeFrame:
    """The time ``question`` names: it names one."""
    _, frame = read_time(question, NOW)
    assert frame is not None, question
    return frame


# --- the library ---------------------------------------------------------------------------------

def _match(n: int, published: str | None, winner: str) -> dict[str, object]:
    record: dict[str, object] = {
        "id": f"tran-{n}", "title": f"Hà Nội FC gặp Hải Phòng ở vòng {n}",
        "body": f"Ở vòng {n}, Hà Nội FC gặp Hải Phòng trên sân Hàng Đẫy.\n"
                f"Cầu thủ {winner} ghi bàn thắng duy nhất cho Hà Nội FC ở phút 80.",
    }
    if published:
        record["published"] = published
    return record


@pytest.fixture(scope="module")
def matches(tmp_path_factory: pytest.TempPathFactory) -> Library:
    folder = tmp_path_factory.mktemp("matches")
    records = [
        _match(1, "2023-08-12T19:00:00+07:00", "Văn Quyết"),
        _match(2, "2025-03-12T19:00:00+07:00", "Văn Quyết"),  # last week, seen from NOW
        _match(3, "2025-03-19T19:00:00+07:00", "Văn Quyết"),  # yesterday
        _match(4, None, "Văn Quyết"),  # undated
    ]
    (folder / "a.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    library = Library(folder / "data")
    library.ingest(read_articles([folder / "a.jsonl"]), workers=1)
    return library


def _scorer(library: Library, question: str) -> str:
    answer = library.answer(question, now=NOW)
    assert answer.found, question
    return answer.sentences[0].citation.article_id


@pytest.mark.parametrize(("question", "article"), [
    ("Ai ghi bàn cho Hà Nội FC trước Hải Phòng hôm qua?", "tran-3"),
    ("Tuần trước ai ghi bàn cho Hà Nội FC trước Hải Phòng?", "tran-2"),
    ("tuan truoc ai ghi ban cho Ha Noi FC truoc Hai Phong?", "tran-2"),
    ("Năm 2023 ai ghi bàn cho Hà Nội FC trước Hải Phòng?", "tran-1"),
    ("Tháng 8/2023 ai ghi bàn cho Hà Nội FC trước Hải Phòng?", "tran-1"),
    ("Ai ghi bàn cho Hà Nội FC trước Hải Phòng gần đây nhất?", "tran-3"),
])
def test_time_picks_the_article_of_that_time(matches: Library, question: str, article: str) -> None:
    assert _scorer(matches, question) == article


def test_no_time_prefers_the_newer_of_equal_answers_and_keeps_undated(matches: Library) -> None:
    answer = matches.answer("Ai ghi bàn cho Hà Nội FC trước Hải Phòng?", k=4, now=NOW)
    assert answer.sentences[0].citation.article_id == "tran-3" and answer.when == ""
    # The undated article is never dropped when no time is asked: it answers when it is the one asked about.
    assert _scorer(matches, "Ở vòng 4 ai ghi bàn cho Hà Nội FC?") == "tran-4"


def test_a_time_with_no_article_widens_and_says_so(matches: Library) -> None:
    answer = matches.answer("Hôm nay ai ghi bàn cho Hà Nội FC trước Hải Phòng?", now=NOW)
    assert answer.found and answer.when == "Hôm nay" and answer.widened
    within = matches.answer("Hôm qua ai ghi bàn cho Hà Nội FC?", now=NOW)
    assert within.when == "Hôm qua" and not within.widened
