"""Answers with citations, search pages, and the CLI's JSON output, on the seed articles."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from retrieval.__main__ import main as cli
from retrieval.answer import Kind, format_answer
from retrieval.answer.cues import answer_type_cue, answer_type_cues
from retrieval.answer.features import FEATURES, features
from retrieval.articles import read_file
from retrieval.errors import EmptyQuery
from retrieval.library import Library

SEED_QUESTION = "Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?"
SEED_TITLE = "Người làm công tác quần chúng phải làm tốt trách nhiệm đại diện cho các tầng lớp nhân dân"


def test_seed_question_is_answered_with_trương_thị_mai_and_its_citation(seed_library: Library) -> None:
    answer = seed_library.answer(SEED_QUESTION)
    assert answer.found and len(answer.sentences) == 3
    naming = [s for s in answer.sentences if "Trương Thị Mai" in s.text and "chủ trì Hội nghị" in s.text]
    assert naming, [s.text for s in answer.sentences]
    citation = naming[0].citation
    assert citation.title == SEED_TITLE
    assert citation.published == datetime.fromisoformat("2021-01-15T00:08:00+07:00")
    assert citation.article_id == "000_f6a358e694b004d6" and citation.paragraph == 2


@pytest.mark.parametrize("question", ["ai chu tri hoi nghi tong ket nhiem ky 2016-2020", "AI CHỦ TRÌ HỘI NGHỊ?",
                                      "Ai chủ tri hoi nghi tong ket nhiệm kỳ 2016-2020?"])
def test_without_diacritics_or_in_capitals_the_same_sentence_is_found(seed_library: Library, question: str) -> None:
    texts = [s.text for s in seed_library.answer(question).sentences]
    assert any("Trương Thị Mai" in t and "chủ trì Hội nghị" in t for t in texts), texts


@pytest.mark.parametrize("question", [SEED_QUESTION, "ai chu tri hoi nghi tong ket nhiem ky 2016-2020"])
def test_sentence_features_follow_their_definitions(seed_library: Library, question: str) -> None:
    asked = seed_library.analyse(question)
    _, candidates = seed_library.gather(asked)
    features(asked, candidates)
    singles = {t: w for t, w in asked.idf.items() if "_" not in t}
    total = sum(singles.values())
    scored = [(c, dict(zip(FEATURES, c.features.tolist()))) for c in candidates.values() if c.features is not None]
    assert len(scored) >= 5
    for c, row in scored:
        assert row["coverage"] == pytest.approx(sum(w for t, w in singles.items() if t in c.syllables) / total)
        only_title = sum(w for t, w in singles.items() if t in c.title_syllables and t not in c.syllables)
        assert row["title"] == pytest.approx(only_title / total)
        best_here = max(o.coverage for o in candidates.values() if o.key == c.key)
        assert row["article_gap"] == pytest.approx(c.coverage - best_here)
        assert row["lead"] == float(c.paragraph == 1 and c.position == 0)
        compounds = asked.compounds  # pyvi words of an accented question ("chủ_trì"), none when folded
        held = sum(w for t, w in compounds.items() if t in c.words.split())
        assert row["words"] == pytest.approx(held / sum(compounds.values()) if compounds else 0.0)
    if asked.compounds:
        assert 0 < max(row["words"] for _, row in scored) < 1


def test_answers_come_from_the_right_article(seed_library: Library) -> None:
    answer = seed_library.answer("Hội sách TP. Hồ Chí Minh thu hút bao nhiêu lượt khách?")
    assert "200.000 lượt khách" in answer.sentences[0].text
    assert answer.sentences[0].citation.article_id == "102_hoi_sach_tphcm"
    flood = seed_library.answer("muc nuoc song Kien Giang tai Le Thuy")
    assert "4,3 m" in flood.sentences[0].text


@pytest.mark.parametrize("question", ["xyzzy qwerty plugh", "Giá vé máy bay Tết đi Đà Lạt bao nhiêu tiền?"])
def test_a_question_matching_nothing_gets_an_honest_not_found(seed_library: Library, question: str) -> None:
    answer = seed_library.answer(question)
    assert not answer.found and answer.sentences == ()
    assert "Không tìm thấy" in format_answer(answer)


@pytest.mark.parametrize("question", ["", "   ", "??? !!!", "ai? gì? đâu?"])
def test_a_question_without_words_is_an_empty_query(seed_library: Library, question: str) -> None:
    with pytest.raises(EmptyQuery):
        seed_library.answer(question)


def test_near_duplicate_sentences_are_given_once(tmp_path: Path) -> None:
    path = tmp_path / "dup.jsonl"
    repeated = "Nhà máy thủy điện Sơn La có công suất 2.400 MW, lớn nhất Đông Nam Á."
    path.write_text(json.dumps({"id": "d", "title": "Thủy điện", "body": f"{repeated}\nMở đầu khác.\n{repeated}"},
                               ensure_ascii=False), encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_file(path), workers=1)
    texts = [s.text for s in library.answer("Công suất thủy điện Sơn La là bao nhiêu?").sentences]
    assert texts.count(repeated) == 1
    library.close()


def test_title_stands_in_when_empty(tmp_path: Path) -> None:
    path = tmp_path / "untitled.jsonl"
    path.write_text(json.dumps({"id": "u", "title": "", "body": "Cầu Long Biên được xây dựng năm 1899. Cầu dài 2.290 m."}),
                    encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_file(path), workers=1)
    answer = library.answer("Cầu Long Biên xây dựng năm nào?")
    assert answer.sentences[0].citation.title == "Cầu Long Biên được xây dựng năm 1899."
    library.close()


def test_answer_type_cues_need_something_the_question_lacks() -> None:
    assert answer_type_cue(Kind.TIME, "Cầu xây năm 1899.", "cau xay nam nao") == 1.0
    assert answer_type_cue(Kind.TIME, "Cầu xây năm 1899.", "cau xay nam 1899 dung khong") == 0.0
    assert answer_type_cue(Kind.PERSON, "Ông Trương Văn Nam phát biểu.", "ai phat bieu") == 1.0
    assert answer_type_cue(Kind.PERSON, "Họp ở Hà Nội hôm qua.", "ai hop") == 0.5
    assert answer_type_cue(Kind.NUMBER, "Không có gì.", "bao nhieu") == 0.0


def test_sentences_read_together_get_the_cues_each_gets_alone() -> None:
    """Joined for one pass of each pattern, no match runs from one sentence into the next and a
    sentence's first word is still its first: "Văn" / "Nam" is no "Trương Văn Nam", and "Hà
    Nội" opening a sentence is no name found inside one."""
    sentences = ["Họp ở Hà Nội hôm qua.", "Trương Thị Mai chủ trì.", "Ông Trương Văn", "Nam phát biểu năm 2020.",
                 "Hà Nội mưa to.", "Không có gì."]
    for kind in Kind:
        alone = [answer_type_cue(kind, s, "ai hop") for s in sentences]
        assert answer_type_cues(kind, sentences, "ai hop").tolist() == alone
    assert answer_type_cues(Kind.PERSON, sentences, "ai hop").tolist() == [0.5, 1.0, 0.5, 0.0, 0.0, 0.0]
    assert answer_type_cues(Kind.TIME, sentences, "ai hop nam 2020").tolist() == [0.0] * 6


def test_search_pages_mark_matches_and_rank_by_best_passage(seed_library: Library) -> None:
    page = seed_library.search("Trung ương", page=1, per_page=2)
    assert page.total >= 2 and page.pages == -(-page.total // 2) and len(page.results) == 2
    first = page.results[0]
    marked = [first.snippet.text[a:b] for a, b in first.snippet.marks]
    assert marked and all(m.lower().replace("ư", "u") in ("trung ương", "trung", "ương") or "Trung" in m for m in marked)
    assert page.results[0].score >= page.results[1].score
    last = seed_library.search("Trung ương", page=99, per_page=2)
    assert last.page == page.pages, "a page past the end shows the last page"
    assert seed_library.search("xyzzy plugh").results == ()


def test_ask_json_schema(seed_library: Library, capsys: pytest.CaptureFixture) -> None:
    code = cli(["--data-dir", str(seed_library.data_dir), "ask", "--json", SEED_QUESTION])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(result) == {"question", "read_as", "sentences", "elapsed_ms"}
    assert result["question"] == SEED_QUESTION and isinstance(result["elapsed_ms"], float)
    assert result["read_as"] is None, "a question typed with marks is read as typed"
    assert len(result["sentences"]) == 3
    for sentence in result["sentences"]:
        assert set(sentence) == {"text", "article_id", "title", "published", "url", "source", "paragraph", "score"}
        assert isinstance(sentence["paragraph"], int) and isinstance(sentence["score"], float)
    assert any(s["published"] == "2021-01-15T00:08:00+07:00" and "Trương Thị Mai" in s["text"] for s in result["sentences"])


def test_ask_questions_file_answers_each_line_with_its_id(seed_library: Library, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": SEED_QUESTION}, ensure_ascii=False) + "\n\n"
                         + json.dumps({"id": 2, "question": "xyzzy plugh"}) + "\n", encoding="utf-8")
    assert cli(["--data-dir", str(seed_library.data_dir), "ask", "--questions", str(questions)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["q1", 2]
    assert lines[0]["sentences"] and lines[1]["sentences"] == []


def test_the_command_line_answers_with_the_collector_tuned_for_answering(seed_library: Library) -> None:
    """Answering makes thousands of short-lived objects a question: at CPython's default
    thresholds the cycle collector ran several times for each (retrieval/library/collector.py)."""
    default = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert cli(["--data-dir", str(seed_library.data_dir), "ask", SEED_QUESTION]) == 0
        assert gc.get_threshold() == (10_000, 10, 10)
    finally:
        gc.set_threshold(*default)


def test_ask_and_search_plain_text(seed_library: Library, capsys: pytest.CaptureFixture) -> None:
    assert cli(["--data-dir", str(seed_library.data_dir), "ask", SEED_QUESTION]) == 0
    out = capsys.readouterr().out
    assert "Trương Thị Mai" in out and f"[1] {SEED_TITLE} — 15/01/2021" in out
    assert cli(["--data-dir", str(seed_library.data_dir), "ask", "xyzzy plugh"]) == 3
    assert "Không tìm thấy" in capsys.readouterr().out
    assert cli(["--data-dir", str(seed_library.data_dir), "search", "hội sách"]) == 0
    out = capsys.readouterr().out
    assert out.index("Hội sách TP. Hồ Chí Minh") < out.index(SEED_TITLE), "the book fair article ranks first"
    assert "**hội sách**" in out


@contextmanager
def library_of(tmp_path: Path, records: list[dict[str, str]]) -> Iterator[Library]:
    """A library of the given article records (ingested in this process), closed after the block."""
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_file(path), workers=1)
    try:
        yield library
    finally:
        library.close()


def test_sentences_after_the_first_are_not_filler_far_below_it(tmp_path: Path) -> None:
    """Issue 26: sentences 2–3 of an answer came from unrelated articles, far below the first."""
    records = [
        {"id": "cau", "title": "Cầu tạm ở Hải Phú bị cuốn trôi",
         "body": "Chiều 18/10, cây cầu tạm nối hai thôn ở xã Hải Phú, huyện Hải Lăng bị nước lũ cuốn trôi hoàn toàn."},
        {"id": "lua", "title": "Giá lúa tăng",
         "body": "Giá lúa ở Cần Thơ tăng mạnh trong tuần. Thương lái thu mua nhiều. Một người dân cho biết vụ này được mùa."},
        {"id": "sach", "title": "Hội chợ sách",
         "body": "Hội chợ sách mở cửa ở Hà Nội. Nhiều nhà xuất bản tham gia. Chiều nay có buổi giao lưu tác giả."},
    ]
    with library_of(tmp_path, records) as library:
        for question in ("Người dân xã Hải Phú đi lại thế nào khi cầu bị cuốn trôi?",
                         "Chiều nay cầu nào ở Hải Lăng bị cuốn trôi?"):
            cited = [s.citation.article_id for s in library.answer(question).sentences]
            assert cited == ["cau"], (question, cited)


def test_a_short_answer_that_names_its_subject_only_in_the_sentence_before_is_an_answer(tmp_path: Path) -> None:
    """Issue 25: judged alone, "Bà Trương Thị Mai chủ trì." holds too small a share of the
    question ("not found"), although the sentence before it says which conference."""
    records = [
        {"id": "hn", "title": "Tổng kết công tác quần chúng nhiệm kỳ 2016-2020",
         "body": "Ngày 14/1, tại Hà Nội, Hội đồng Công tác quần chúng Trung ương tổ chức Hội nghị tổng kết nhiệm kỳ "
                 "2016-2020, triển khai nhiệm vụ năm 2021. Bà Trương Thị Mai chủ trì. Hội nghị kéo dài một ngày."},
        {"id": "lu", "title": "Mưa lũ miền Trung",
         "body": "Mưa lớn kéo dài khiến nước sông Kiến Giang dâng cao. Hàng nghìn hộ dân phải sơ tán."},
    ]
    with library_of(tmp_path, records) as library:
        for question in ("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?",
                         "ai chu tri hoi nghi tong ket nhiem ky 2016-2020"):
            answer = library.answer(question)
            assert answer.found, question
            assert answer.sentences[0].text == "Bà Trương Thị Mai chủ trì.", question
        assert not library.answer("Giá vé máy bay Tết đi Đà Lạt bao nhiêu tiền?").found


def test_a_question_typed_without_marks_is_asked_again_as_its_sentences_spell_it(tmp_path: Path) -> None:
    """Folded, "doi", "sang", "hoan" also meet the "đội", "sáng", "hoàn" of the sports news
    around, so the sentence that answers held too small a share of the question: "not found".
    Spelled as the sentences found spell it ("dời sang", "bị hoãn"), the question is answered,
    and the answer says how it read the question, first thing in the reply."""
    records = [
        {"id": "hoan", "title": "Bão Damrey: trận Quảng Nam gặp Sông Lam Nghệ An bị hoãn",
         "body": "Bão Damrey đổ bộ vào Quảng Nam khiến mặt sân ngập nước. Trận Quảng Nam gặp Sông Lam Nghệ An "
                 "ở V-League bị hoãn. Ban tổ chức quyết định dời sang chiều 5/11 trận đấu của hai đội."},
        {"id": "tap", "title": "Đội tuyển tập sáng nay",
         "body": "Đội tuyển tập buổi sáng tại sân Mỹ Đình. Các cầu thủ trong đội hoàn thành bài tập thể lực. "
                 "Huấn luyện viên đổi sơ đồ chiến thuật."},
        {"id": "chu", "title": "Đội bóng đổi chủ",
         "body": "Đội bóng thủ đô đổi chủ sở hữu. Cuộc đời cầu thủ gắn với đội bóng. "
                 "Sáng mai đội hoàn tất thủ tục chuyển nhượng."},
        {"id": "kiem", "title": "Trần đấu sáng",
         "body": "Buổi sáng hôm nay, đội trưởng Trần Văn Hùng hoàn thành bài kiểm tra. Đội thay đổi lịch tập vào "
                 "sáng thứ hai. Đời sống của các cầu thủ được cải thiện."},
    ]
    with library_of(tmp_path, records) as library:
        statements: list[str] = []
        library.store._db.set_trace_callback(statements.append)  # what SQLite runs, on the real file
        answer = library.answer("Tran Quang Nam gap Song Lam Nghe An bi hoan duoc doi sang hom nao?")
        library.store._db.set_trace_callback(None)
        accented = library.answer("Trận Quảng Nam gặp Sông Lam Nghệ An bị hoãn được dời sang hôm nào?")
    # The two readings found the same few sentences: the second read none of them again.
    assert sum("JOIN sentences" in s for s in statements) == 1, statements
    assert answer.found, "not found"
    assert answer.sentences[0].text.startswith("Ban tổ chức quyết định dời sang chiều 5/11")
    assert answer.read_as == "Trận Quảng Nam gặp Sông Lam Nghệ An bị hoãn được dời sang hôm nào?"
    assert format_answer(answer).startswith(f"(Hiểu câu hỏi là: “{answer.read_as}”)\n[1] Ban tổ chức")
    assert accented.sentences[0].text == answer.sentences[0].text and accented.read_as == ""


def test_captions_are_searched_and_cited_apart_from_the_body(tmp_path: Path) -> None:
    """Issue 26: photo captions were stored but never searched; now each is a paragraph after the
    body's, cited as a caption (and an article that gains one is stored again, not "unchanged")."""
    text = ("Lũ cuốn trôi cầu tạm\n\nThời sự 20/10/2020 - 07:30\n\nMưa lớn kéo dài nhiều ngày ở Quảng Trị.\n\n"
            "Nước sông lên nhanh trong đêm.\n\nCầu tạm bị cuốn trôi - ảnh 1\n\n"
            "Cầu tạm ở xã Hải Phú bị nước cuốn trôi chiều 18/10.\n")
    path = tmp_path / "lu.txt"
    path.write_text(text, encoding="utf-8")
    library = Library(tmp_path / "data")
    library.ingest(read_file(path), workers=1)
    try:
        [first, *_] = library.answer("Cầu tạm ở xã nào bị nước cuốn trôi?").sentences
        assert first.text == "Cầu tạm ở xã Hải Phú bị nước cuốn trôi chiều 18/10."
        assert first.citation.where() == ("caption", 1) and first.citation.paragraph == 3
        assert "chú thích ảnh 1" in format_answer(library.answer("cau tam o xa nao bi cuon troi"))
        path.write_text(text.replace("chiều 18/10", "chiều 19/10"), encoding="utf-8")
        assert library.ingest(read_file(path), workers=1).replaced == 1, "a changed caption is a changed article"
    finally:
        library.close()


NOW_ARTICLES = [
    {"id": "vpf-2018", "title": "VPF có Tổng giám đốc mới", "published": "2018-03-02T09:00:00+07:00",
     "body": "Hội đồng quản trị Công ty VPF đã bổ nhiệm ông Trần Anh Tú làm Tổng giám đốc VPF. Ông Trần Anh Tú "
             "từng là Phó tổng giám đốc công ty. Tổng giám đốc VPF là ông Trần Anh Tú, nhiệm kỳ ba năm."},
    {"id": "vpf-2022", "title": "V.League khởi tranh vào tháng 9", "published": "2022-06-15T09:00:00+07:00",
     "body": "Tổng giám đốc VPF hiện là ông Nguyễn Minh Ngọc, người thay ông Trần Anh Tú từ năm 2021. "
             "Ông cho biết giải V.League sẽ khởi tranh vào tháng 9."},
    {"id": "hlv-2019", "title": "Ryan Giggs khen bóng đá Việt Nam", "published": "2019-05-09T09:00:00+07:00",
     "body": "Ryan Giggs hiện là HLV trưởng đội tuyển xứ Wales. Ông Park Hang-seo là HLV trưởng đội tuyển Việt Nam."},
    {"id": "hlv-2024", "title": "Đội tuyển Việt Nam tập trung", "published": "2024-11-20T09:00:00+07:00",
     "body": "HLV trưởng đội tuyển Việt Nam Kim Sang-sik triệu tập 30 cầu thủ chuẩn bị cho AFF Cup."},
]


@pytest.mark.parametrize(("question", "says", "dated"), [
    ("Tổng giám đốc VPF là ai?", "Nguyễn Minh Ngọc", "2022-06-15"),
    ("tong giam doc VPF hien nay la ai", "Nguyễn Minh Ngọc", "2022-06-15"),
    ("Ai là HLV trưởng đội tuyển Việt Nam mới nhất?", "Kim Sang-sik", "2024-11-20"),
])
def test_questions_about_now_are_answered_from_the_newest_article_that_answers(
        tmp_path: Path, question: str, says: str, dated: str) -> None:
    """Issue 26: "Tổng giám đốc VPF là ai?" answered from the 2018 article, the newer one below it."""
    with library_of(tmp_path, NOW_ARTICLES) as library:
        answer = library.answer(question)
    assert says in answer.sentences[0].text
    assert answer.as_of is not None and answer.as_of.date().isoformat() == dated
    assert format_answer(answer).startswith(f"Theo bài mới nhất trả lời được câu này, đăng ngày {dated[8:]}/")


def test_search_without_diacritics_reads_the_words_the_archive_holds(tmp_path: Path) -> None:
    """Issue 26: "/search bong da" ranked an article first on the function word "đã" and marked it."""
    records = [
        {"id": "sach", "title": "Hội sách thu hút khách",
         "body": "Hội sách đã thu hút hơn 200.000 lượt khách. Ban tổ chức đã mở thêm gian hàng. Khách đã mua nhiều sách."},
        {"id": "bong-da", "title": "U23 Việt Nam thắng Yemen",
         "body": "Đội tuyển bóng đá U23 Việt Nam thắng Yemen 1-0. Người hâm mộ bóng đá cả nước vui mừng."},
        {"id": "bong", "title": "Em bé bị bỏng", "body": "Một em bé bị bỏng nước sôi. Các bác sĩ đã cấp cứu kịp thời."},
    ]
    with library_of(tmp_path, records) as library:
        for query in ("bong da", "BONG DA", "bóng đá"):
            page = library.search(query)
            assert [r.citation.article_id for r in page.results] == ["bong-da"], query
            assert [page.results[0].snippet.text[a:b] for a, b in page.results[0].snippet.marks] == ["bóng đá"]
        assert {r.citation.article_id for r in library.search("bong").results} == {"bong", "bong-da"}, \
            "a syllable alone stays folded: every spelling"
