"""Normalisation, accent folding, sentence splitting, segmentation and index terms."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import retrieval.text.vietnamese as text_module
from retrieval.text import SyllableTable, meant_pairs, spelled_along, spelled_as
from retrieval.text.readings import spellings
from retrieval.text.vietnamese import (
    FOLDED,
    clean,
    fold,
    fold_syllable,
    has_diacritics,
    index_terms,
    name_terms,
    normalize,
    query_terms,
    segment,
    sentence_terms,
    split_sentences,
    strip_marks,
    words_syllables,
)


@pytest.mark.parametrize(
    "old, new",
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("Hoá học", "Hóa học"),
        ("toà án", "tòa án"),
        ("khoẻ", "khỏe"),
        ("Thuỵ Sĩ", "Thụy Sĩ"),
    ],
)
def test_tone_mark_styles_normalise_to_one(old: str, new: str) -> None:
    assert normalize(old) == normalize(new) == new


@pytest.mark.parametrize(
    "word", ["quả", "giá", "gìn", "hoàn", "thuyền", "người", "khuỷu", "ngoài", "Nguyễn", "Trương", "yêu"]
)
def test_well_placed_marks_are_left_alone(word: str) -> None:
    assert normalize(word) == word


def test_normalize_composes_nfc_and_drops_junk() -> None:
    decomposed = "Ho\u0302\u0323i nghi\u0323"  # circumflex and dot below as combining marks
    assert normalize(decomposed) == "Hội nghị"
    assert clean("a\u200b b\ufffd\t\n c") == "a b c"
    # Bidi controls (issue 27, L7): "\u202e" would show the rest of a title right to left.
    assert clean("Tin \u202egnóng\u202c \u2066mới\u2069 \u200fnhất\u200e\u061c") == "Tin gnóng mới nhất"


def test_fold_and_strip_marks() -> None:
    assert fold("Hội nghị Đảng") == "hoi nghi dang"
    assert strip_marks("Trương Thị Mai") == "Truong Thi Mai"
    assert has_diacritics("ai chủ trì") and not has_diacritics("ai chu tri hoi nghi 2020")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ngày 15/01/2021, tại TP. Hồ Chí Minh, TS. Nguyễn Văn A nói giá tăng 3,2 tỷ đồng. Ông về.",
            ["Ngày 15/01/2021, tại TP. Hồ Chí Minh, TS. Nguyễn Văn A nói giá tăng 3,2 tỷ đồng.", "Ông về."],
        ),
        ("Dịch bệnh, bão lũ ở miền Trung…, công tác vẫn tốt. Hết.",
         ["Dịch bệnh, bão lũ ở miền Trung…, công tác vẫn tốt.", "Hết."]),
        ("Anh nói: “Tôi đi.” Chị về. Thật sao? Vâng!", ["Anh nói: “Tôi đi.”", "Chị về.", "Thật sao?", "Vâng!"]),
        ("Giá 1.000 đồng, tăng 2,5%. 2021 là năm khó.", ["Giá 1.000 đồng, tăng 2,5%.", "2021 là năm khó."]),
        ("Ông Nguyễn V. Hùng và PGS. TS. Lê B đến.", ["Ông Nguyễn V. Hùng và PGS. TS. Lê B đến."]),
        ("Chờ đợi… Rồi mọi việc xong", ["Chờ đợi…", "Rồi mọi việc xong"]),
        ("", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_segment_gives_lowercased_pyvi_words_without_punctuation() -> None:
    words = segment("Trưởng ban Trương Thị Mai chủ trì Hội nghị.")
    assert "chủ_trì" in words and "hội_nghị" in words
    assert all(w == w.lower() for w in words) and "." not in words


def test_index_terms_halves_have_equal_length_and_folded_prefix() -> None:
    words = ["trương_thị_mai", "chủ_trì", "hội_nghị"]
    terms = index_terms(words)
    accented, folded = terms[: len(terms) // 2], terms[len(terms) // 2 :]
    assert accented == sentence_terms(words, folded=False)
    assert folded == sentence_terms(words, folded=True)
    assert "chủ_trì" in accented and "trì_hội" in accented and "mai" in accented
    assert all(t.startswith(FOLDED) for t in folded) and FOLDED + "chu_tri" in folded


def test_query_terms_accented_and_unaccented_meet_the_same_sentence() -> None:
    sentence = set(index_terms(segment("Bà Trương Thị Mai chủ trì hội nghị.")))
    accented = query_terms("Ai chủ trì hội nghị?")
    plain = query_terms("ai chu tri hoi nghi")
    assert "ai" not in accented and accented and set(accented) <= sentence
    assert plain and set(plain) <= sentence
    assert all(t.startswith(FOLDED) for t in plain)


def test_query_terms_of_old_style_marks_match_new_style() -> None:
    assert query_terms("hoà bình thuỷ lợi") == query_terms("hòa bình thủy lợi")


def test_name_terms_take_capitalised_words_but_not_a_lone_first_word() -> None:
    assert name_terms("Ai chủ trì Hội nghị ở Hà Nội?") == ["hội", "hà", "nội"]
    assert name_terms("Trương Thị Mai là ai?") == ["trương", "thị", "mai"]
    assert name_terms("Paris có gì?") == []


def test_a_question_with_marks_on_some_words_only_is_matched_word_by_word() -> None:
    from retrieval.text import is_mixed

    question = "ai ghi bàn an dinh ty so cho slna"
    assert is_mixed(question)
    terms = query_terms(question)
    assert "bàn" in terms and "~ghi" in terms and "~an" in terms, terms
    assert "~ghi_ban" in terms, "a pair with one unmarked word is looked up folded"
    assert not is_mixed("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
    assert not is_mixed("ai chu tri hoi nghi") and not is_mixed("Vì sao Paris tổ chức Thế vận hội?")


@pytest.mark.parametrize(("paragraph", "sentences"), [
    ("U23 Việt Nam dự VCK U23 châu Á. Trận đầu gặp Jordan.", ["U23 Việt Nam dự VCK U23 châu Á.", "Trận đầu gặp Jordan."]),
    ("Đội tuyển sang Ý. Họ tập ở Milan.", ["Đội tuyển sang Ý.", "Họ tập ở Milan."]),
    ("Nắng nóng 39 độ C. Người dân hạn chế ra đường.", ["Nắng nóng 39 độ C.", "Người dân hạn chế ra đường."]),
    ("Việt Nam nằm ở bảng B. Trận đầu diễn ra tối nay.", ["Việt Nam nằm ở bảng B.", "Trận đầu diễn ra tối nay."]),
    ("Tiền vệ A. Samedov ghi bàn.", ["Tiền vệ A. Samedov ghi bàn."]),  # an initial
    ("Ông George W. Bush phát biểu.", ["Ông George W. Bush phát biểu."]),
    ("Anh Đ. Văn Hùng cho biết.", ["Anh Đ. Văn Hùng cho biết."]),  # Đ. is an initial (Đức, Đình …)
])
def test_a_one_letter_word_ends_a_sentence_an_initial_does_not(paragraph: str, sentences: list[str]) -> None:
    assert split_sentences(paragraph) == sentences


def test_folded_syllables_are_each_syllable_folded_and_their_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    words = "Hội_nghị tổng_kết , ≠ Đà_Nẵng x\u0301 hoà"
    parts = words.replace("_", " ").split()
    assert words_syllables(words, folded=True) == [FOLDED + fold_syllable(p) for p in parts]
    assert words_syllables(words, folded=True)[:2] == ["~Hoi", "~nghi"]
    memo = text_module._FOLDED_TERMS  # filled by every folded question's candidates: hostile text must not grow it
    monkeypatch.setattr(memo, "_limit", 10)
    for n in range(100):
        assert words_syllables(f"từ{n}", folded=True) == [f"~tu{n}"]
    assert len(memo) <= 10


def _archive(known: dict[str, float]) -> Callable[[list[str]], dict[str, float]]:
    """An archive's idf lookup holding only ``known``."""
    return lambda terms: {t: known[t] for t in terms if t in known}


NOWHERE = _archive({})


def _found(sentences: list[str]) -> tuple[list[np.ndarray], SyllableTable]:
    """The stored syllable ids of sentences' pyvi words, and their table, as a question
    matched folded holds them."""
    table = SyllableTable()
    return [table.decode(table.encode(words)[0]) for words in sentences], table


@pytest.mark.parametrize(("typed", "sentences", "spelled"), [
    # pairs as the sentences hold them; capitals where they were typed
    ("ai chu tri hoi nghi TP Hue?", ["trương_thị_mai chủ_trì hội_nghị ở tp huế", "hội_nghị chu_trình"],
     "ai chủ trì hội nghị TP Huế?"),
    # a pair held once beats its syllables held more often alone
    ("ai chu tri?", ["chủ_trì", "chú ý chú ý", "trí_tuệ trí_nhớ"], "ai chủ trì?"),
    # a word typed with marks stays, and the pair read agrees with it
    ("Ai chủ tri?", ["chú_trí chú_trí chú_trí", "chủ_trì"], "Ai chủ trì?"),
    # an interrogative before the sentences' "nhiều"
    ("gia bao nhieu", ["giá_cả tăng nhiều", "nhiều người"], "giá bao nhiêu"),
])
def test_a_question_is_spelled_as_the_sentences_it_found_spell_it(typed: str, sentences: list[str], spelled: str) -> None:
    assert spelled_as(typed, *_found(sentences), NOWHERE) == spelled


def test_a_word_no_sentence_holds_is_spelled_as_the_archive_does_most_often_or_left_as_typed() -> None:
    archive = _archive({"hôm": 1.5, "hơm": 9.0, "hỏm": 7.0})
    assert spelled_as("doi sang hom nao, xyz?", *_found(["dời sang"]), archive) == "dời sang hôm nào, xyz?"


@pytest.mark.parametrize(("question", "reading", "shown"), [
    # the time phrase was taken out before the rest was read with marks: it stays as typed
    ("Vi sao le hoi bi huy nam 2017?", "Vì sao lễ hội bị hủy?", "Vì sao lễ hội bị hủy nam 2017?"),
    ("ai viet bai ve mua lu mien Trung", "mưa lũ miền Trung", "ai viet bai ve mưa lũ miền Trung"),
    # the same word twice, read two ways: paired in order, not by a word's first reading
    ("ma ma nhin", "má mà nhìn", "má mà nhìn"),
])
def test_how_a_question_was_read_is_shown_on_the_whole_question(question: str, reading: str, shown: str) -> None:
    assert spelled_along(question, reading) == shown


@pytest.mark.parametrize("typed", ["o" * 8, "oooooooooooo", "x1", "duoaoi"])
def test_what_cannot_be_one_syllable_has_no_other_spelling(typed: str) -> None:
    """A hostile "/search oooooooooooo oooooooooooo" spelled each word millions of ways, and
    looked up the product of the two: the bot never answered."""
    assert spellings(typed) == [typed]


def test_a_made_up_pair_with_hundreds_of_spellings_is_not_looked_up() -> None:
    asked: list[int] = []

    def idf(terms: list[str]) -> dict[str, float]:
        asked.append(len(terms))
        return {}

    assert meant_pairs([f"{FOLDED}doao_doao", f"{FOLDED}duoi_ruou"], idf)[0] == [f"{FOLDED}doao_doao", f"{FOLDED}duoi_ruou"]
    assert asked == [192 * 192]  # the real pair only


def test_a_long_question_of_made_up_words_asks_the_archive_for_few_of_them() -> None:
    """Every word no sentence held was looked up in the archive, each up to 864 spellings: a
    1,000-character question of "doao" took 254 ms instead of 5 (hostile input, bounded)."""
    asked: list[int] = []

    def idf(terms: list[str]) -> dict[str, float]:
        asked.append(len(terms))
        return {}

    words = [f"do{vowels}" for vowels in ("ao", "ai", "ua", "oe", "ue", "au", "ea", "eo", "ia", "oa")] * 20
    assert spelled_as(" ".join(words), [], SyllableTable(), idf) == " ".join(words)
    assert len(asked) == 8
