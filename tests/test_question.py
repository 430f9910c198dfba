"""Question analysis: the kind asked for, from every common phrasing, and the focus words."""

from __future__ import annotations

import pytest

from retrieval.answer import Fact, Kind, analyse_question, read_fact_question

PHRASINGS = [
    ("Ai chủ trì hội nghị?", Kind.PERSON, "ai"),
    ("Người nào ghi bàn thắng?", Kind.PERSON, "nguoi nao"),
    ("Nghi phạm vụ án là ai?", Kind.PERSON, "la ai"),
    ("Người phụ nữ bị nạn tên là gì?", Kind.PERSON, "ten la gi"),
    ("Cơ quan nào ra cảnh báo?", Kind.PERSON, "co quan nao"),
    ("Thi thể được tìm thấy ở đâu?", Kind.PLACE, "o dau"),
    ("Hội nghị tổ chức tại đâu?", Kind.PLACE, "tai dau"),
    ("Pháo hoa bắn ở nơi nào?", Kind.PLACE, "noi nao"),
    ("Cậu bé sống ở thành phố nào?", Kind.PLACE, "thanh pho nao"),
    ("Khi nào Quốc hội khai mạc?", Kind.TIME, "khi nao"),
    ("Tàu đâm xe lúc nào?", Kind.TIME, "luc nao"),
    ("Bao giờ cầu thông xe?", Kind.TIME, "bao gio"),
    ("Lực lượng được thành lập vào ngày nào?", Kind.TIME, "ngay nao"),
    ("Cầu được xây năm nào?", Kind.TIME, "nam nao"),
    ("Thi thể được tìm thấy lúc mấy giờ?", Kind.TIME, "luc may gio"),
    ("Dự án tốn bao nhiêu tiền?", Kind.NUMBER, "bao nhieu"),
    ("Trường dùng mấy phương thức xét tuyển?", Kind.NUMBER, "may"),
    ("Chuyến bay mất bao lâu?", Kind.NUMBER, "bao lau"),
    ("Vì sao lễ hội bị hủy?", Kind.REASON, "vi sao"),
    ("Tại sao giá vàng tăng?", Kind.REASON, "tai sao"),
    ("Hố tử thần xuất hiện do đâu?", Kind.REASON, "do dau"),
    ("IS tuyên chiến với lý do gì?", Kind.REASON, "ly do gi"),
    ("Bàn thắng được ghi như thế nào?", Kind.MANNER, "nhu the nao"),
    ("Cảnh sát phát hiện bằng cách nào?", Kind.MANNER, "bang cach nao"),
    ("Trận đấu diễn ra ra sao?", Kind.MANNER, "ra sao"),
    ("Ông Trump đã nhắn gì tới ông Comey?", Kind.THING, "gi"),
    ("Giải thưởng danh giá nhất là gì?", Kind.THING, "la gi"),
    ("Tờ báo nào đăng bài trang nhất?", Kind.THING, "nao"),
    ("Trận đấu có bị hoãn không?", Kind.YESNO, ""),
    ("Đội tuyển đã về nước chưa?", Kind.YESNO, ""),
]


@pytest.mark.parametrize("question, kind, phrase", PHRASINGS)
def test_each_phrasing_names_its_kind(question: str, kind: Kind, phrase: str) -> None:
    analysis = analyse_question(question)
    assert (analysis.kind, analysis.phrase) == (kind, phrase)


@pytest.mark.parametrize("question, kind, phrase", PHRASINGS)
def test_the_kind_is_read_alike_without_diacritics(question: str, kind: Kind, phrase: str) -> None:
    from retrieval.text import strip_marks

    assert analyse_question(strip_marks(question)).kind is kind


def test_focus_is_the_words_next_to_the_question_phrase_nearest_first() -> None:
    analysis = analyse_question("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
    assert analysis.focus[:4] == ("chu", "tri", "hoi", "nghi")
    assert analysis.focus_accented[:2] == ("chủ", "trì")
    assert analysis.numbers == {"2016", "2020"}
    assert analyse_question("Thi thể được tìm thấy ở đâu?").focus[:2] == ("thay", "tim")


def test_focus_weights_are_in_the_half_the_question_is_matched_on() -> None:
    analysis = analyse_question("Ai chủ trì hội nghị?")
    accented = analysis.focus_weights(folded=False)
    folded = analysis.focus_weights(folded=True)
    assert accented["chủ"] == accented["trì"] == 1.0 and accented["hội"] == 0.5
    assert set(folded) == {"~chu", "~tri", "~hoi", "~nghi"}


def test_longer_phrases_win_over_the_words_inside_them() -> None:
    assert analyse_question("Năm bao nhiêu cầu được xây?").kind is Kind.TIME
    assert analyse_question("Lý do gì khiến giá tăng?").kind is Kind.REASON
    assert analyse_question("Trận đấu diễn ra thế nào?").kind is Kind.MANNER


@pytest.mark.parametrize(("question", "fact", "rest"), [
    ("Ai viết bài về mưa lũ miền Trung?", Fact.AUTHOR, "về mưa lũ miền Trung"),
    ("ai viet bai ve mua lu mien trung", Fact.AUTHOR, "ve mua lu mien trung"),
    ("Tác giả bài báo về hội sách là ai?", Fact.AUTHOR, "về hội sách là ai"),
    ("Báo nào đưa tin về U23 Việt Nam thắng Yemen?", Fact.SOURCE, "về U23 Việt Nam thắng Yemen"),
    ("Bài báo về hội sách của báo nào?", Fact.SOURCE, "về hội sách"),
    ("Bài viết về bão số 7 được đăng khi nào?", Fact.PUBLISHED, "về bão số 7"),
    # About what an article says, not about the article: answered from its sentences.
    ("Tờ báo Hà Lan nào đưa tin hậu vệ Dijks sẽ gia nhập CLB Nam Định?", None, ""),
    ("Tác giả của công trình Tấn trò đời là ai?", None, ""),
    ("Ai viết bài hát Nối vòng tay lớn?", None, ""),
    ("Ai chủ trì hội nghị?", None, ""),
    ("Ai viết bài này?", None, ""),  # nothing left to find the article by
])
def test_questions_about_an_article_itself(question: str, fact: Fact | None, rest: str) -> None:
    read = read_fact_question(question)
    assert (read.fact, read.rest) == (fact, rest) if read is not None else fact is None
