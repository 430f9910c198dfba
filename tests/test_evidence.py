"""Sentence evidence: times, quantities, people, places, causes and manners found in sentences."""

from __future__ import annotations

import re

import pytest

from retrieval.articles.evidence import decode, sentence_evidence, sentences_evidence
from retrieval.text import segment


def spans(sentence: str) -> dict[str, list[str]]:
    """The evidence of a sentence as {kind: [the syllables of each span]}."""
    words = " ".join(segment(sentence))
    parts = words.replace("_", " ").split()
    return {kind: [" ".join(parts[a:b]) for a, b in found] for kind, found in decode(sentence_evidence(sentence, words)).items()}


@pytest.mark.parametrize("sentence, expected", [
    ("Vụ tai nạn xảy ra lúc 13h30 chiều nay.", "13h30"),
    ("Tàu đâm xe vào khoảng 8 giờ 45 phút.", "8 giờ 45 phút"),
    ("Trận đấu bắt đầu lúc 20:45.", "20 45"),
    ("Kỳ họp khai mạc ngày 22/5/2017.", "ngày 22 5 2017"),
    ("Sáng 6/2, gia đình lo hậu sự.", "sáng 6 2"),
    ("Cầu được xây năm 1899.", "năm 1899"),
    ("Hôm qua, đội tuyển về nước.", "hôm qua"),
    ("Kế hoạch được xem xét vào mùa thu năm 2018.", "mùa thu"),
])
def test_times_and_dates(sentence: str, expected: str) -> None:
    assert any(expected in found for found in spans(sentence)["t"]), spans(sentence)


@pytest.mark.parametrize("sentence, expected", [
    ("Giá lúa lên 31.500 đồng/kg.", "31.500 đồng kg"),
    ("Lũ làm ngập 312 hộ dân.", "312 hộ"),
    ("Kho chứa 5.000 tấn gạo.", "5.000 tấn"),
    ("Tỷ lệ thương tật là 31%.", "31"),
    ("Sản lượng tăng gấp đôi.", "gấp đôi"),
])
def test_quantities_with_units(sentence: str, expected: str) -> None:
    assert any(expected in found for found in spans(sentence)["q"]), spans(sentence)


def test_people_roles_and_organisations() -> None:
    found = spans("Công an tỉnh đã bắt giữ nghi phạm Võ Văn Thịnh, ông Sean Spicer cho biết.")
    assert "võ văn thịnh" in " ".join(found["p"]) and "ông sean spicer" in found["p"]
    body = spans("Chủ đầu tư là Công ty CP Tập đoàn Hanaka.")
    assert any(s.startswith("công ty cp") for s in body["o"]) and "n" not in body, "đầu tư is not a number"


def test_places_after_a_preposition_or_a_place_word() -> None:
    found = spans("Cả 3 nạn nhân được tìm thấy ở hồ chứa nước Hóc Xoài, xã Nghĩa Thọ.")
    assert any("nghĩa thọ" in s for s in found["l"])
    assert "tại tp huế" in spans("Vụ việc xảy ra tại TP Huế.")["l"]


def test_causes_reach_past_their_cue_word_and_thay_vì_is_no_cause() -> None:
    assert spans("Đề thi được công bố nhằm tạo thuận lợi cho học sinh.")["c"] == ["nhằm tạo thuận lợi cho học sinh"]
    assert "c" not in spans("Bộ quyết định công bố đề thi thay vì giữ bí mật.")


def test_manner_and_quotes() -> None:
    found = spans("Cha dượng phạt bé bằng cách bắt chạy bộ, “ông ta sẽ trả giá đắt” cảnh sát nói.")
    assert found["m"][0].startswith("bằng cách bắt chạy")
    assert "ông ta sẽ trả giá đắt" in found["s"]


def test_a_sentence_with_nothing_to_say_has_an_empty_code() -> None:
    assert sentence_evidence("", "") == ""
    assert decode("") == {}
    assert decode("t1-3,5-6;p0-2") == {"t": ((1, 3), (5, 6)), "p": ((0, 2),)}


def test_sentences_searched_together_give_each_ones_own_code() -> None:
    # One haystack for many sentences must not let a match start in one and end in the next
    # (a quote opened at the end of one sentence, a name opening the next), nor lose the
    # "not at the start" rule of names, nor trip on a NUL inside a sentence.
    sentences = [
        "Anh ấy nói: “Tôi sẽ",
        "Trương Thị Mai chủ trì hội nghị” tại Hà Nội.",
        "Sáng 6/2, ông Nguyễn Văn An đến TP Huế do mưa lớn kéo dài.",
        "",
        "Giá tăng lên 31.500 đồng/kg\x00 vào THỨ HAI tuần trước.",
        "Đội tuyển Việt Nam thắng 2-1 nhờ bàn thắng của Nguyễn Công Phượng",
    ]
    pairs = [(s, " ".join(segment(s))) for s in sentences]
    together = sentences_evidence(pairs)
    assert together == [sentence_evidence(text, words) for text, words in pairs]
    assert "s" not in decode(together[0]) and "s" not in decode(together[1])
    assert "a" not in decode(together[1]) or decode(together[1])["a"][0][0] > 0
    assert {"t", "p", "l", "c"} <= set(decode(together[2]))
    assert together[3] == ""
    assert {"q", "t"} <= set(decode(together[4]))


def test_patterns_written_letter_first_match_as_their_plain_forms() -> None:
    # The cause, manner, person, body, place and name patterns check the word boundary after
    # their first letter (so that the engine can scan for letters); they must find exactly what
    # the plain forms with ``\b`` in front find, at every kind of boundary: a sentence's NUL,
    # "thay", a letter, ". ", and with two branches that share first letters.
    from retrieval.articles import evidence

    cue_words = "do|vì|bởi|bởi vì|tại vì|nhằm|để|nguyên nhân|lý do|dẫn đến|khiến|nên|nhờ|bằng cách|bằng|cách|kiểu".split("|")
    roles = ["ông", "bà", "Bộ trưởng", "Bí thư", "Chủ tịch", "Phó Chủ tịch", "tại", "Tôn"]  # "Tôn" in both: order counts
    people = ["Bùi", "Phạm", "Trần", "Tô", "Tôn", "Chu", "Tạ"]
    text = ("\x00Do mưa, thay do dự, THAY DO vậy, thaydo, nên Bằng Cách nhờ, Kiểu lạ, độ dốc, cơ Chế, iPhone X. "
            "Nguyễn Văn An: Trần Thị Bé\x00Lê Lợi và Hà Nội, Đ. Trần Văn Bình;Hồ Chí Minh, ông Bùi Văn Tôn Đức Thắng, "
            "Phó Chủ tịch Tô Lâm, bàBộ trưởng Tạ Ông, Chủ tịch UBND Tôn Thất, "
            "Tôi tại Huế, tại Hà Nội, xtại Vinh, Tôn Đức Thắng Minh Hải Long")
    cap, caps = evidence._CAP, evidence._CAPS
    two = [(people, rf"(?:\s+{cap}){{1,3}}\b"), (roles, rf"\s+{caps}")]
    plain = {
        "c": re.compile(r"(?<!thay )\b(?:" + "|".join(map(re.escape, cue_words)) + r")\b", re.IGNORECASE),
        "m": re.compile(r"\b(?:" + "|".join(map(re.escape, cue_words)) + r")\b", re.IGNORECASE),
        "p": re.compile("|".join(rf"\b(?:{'|'.join(map(re.escape, entries))}){tail}" for entries, tail in two)),
        "a": re.compile(rf"(?<!\x00)(?<![.!?:]\s)\b{cap}(?:\s+{cap})+"),
    }
    written = {
        "c": re.compile(evidence._at_word_start([(cue_words, r"\b")], not_after="thay ", ignore_case=True), re.IGNORECASE),
        "m": re.compile(evidence._at_word_start([(cue_words, r"\b")], ignore_case=True), re.IGNORECASE),
        "p": re.compile(evidence._at_word_start(two)),
        "a": evidence._NAME_RE,
    }
    for kind, reference in plain.items():
        expected = [m.span() for m in reference.finditer(text)]
        assert len(expected) >= 4 and [m.span() for m in written[kind].finditer(text)] == expected, kind
    # A run after ". ", ": " or a NUL loses its first word (it may only open a sentence).
    assert [m.group() for m in written["a"].finditer(text)][:7] == [
        "THAY DO", "Bằng Cách", "Văn An", "Thị Bé", "Hà Nội", "Văn Bình", "Hồ Chí Minh"]
