"""Our pyvi segmentation (retrieval/text/wordseg.py) gives pyvi's own words, and refuses a model it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyvi import ViTokenizer

from retrieval.articles import Article, read_file
from retrieval.store.ingest import indexed_paragraphs
from retrieval.text import normalize, split_sentences, wordseg
from retrieval.text.wordseg import SegmenterModelError, read_model, tokenize, tokenize_many

WRITTEN = [
    "Trưởng ban Trương Thị Mai chủ trì Hội nghị tổng kết nhiệm kỳ 2016-2020.",
    "Sáng 6/2, UBND TP Hà Nội tổ chức họp báo lúc 8 giờ 45 tại số 12 Lê Lai.",
    "Giá lúa tăng lên 9.000 đồng/kg, gấp đôi năm ngoái; 312 hộ được hỗ trợ.",
    "HLV Park Hang-seo nói: \"Chúng tôi sẽ thắng!\" ... rồi rời sân Mỹ Đình ==> về khách sạn.",
    "Liên hệ a.b-c@example.com hoặc https://vnexpress.net/bai-viet-1.html trước 20:45.",
    "TP. HCM, Mr. Smith và ThS. Lê Văn A gặp nhau ở Q.1",
    "ĐỘI TUYỂN VIỆT NAM VÔ ĐỊCH AFF CUP",
    "xin chào",
    "Hà",
    "!!! ??? ...",
    "U23 Việt Nam thắng 2-1, ghi bàn phút 89 nhờ cú đá phạt của Quang Hải",
]


def test_written_sentences_segment_as_pyvi_does() -> None:
    expected = [ViTokenizer.tokenize(s) for s in WRITTEN]
    assert tokenize_many(WRITTEN) == expected  # all at once ...
    assert [tokenize(s) for s in WRITTEN] == expected  # ... and one by one
    assert "Trương_Thị_Mai" in expected[0] and "chủ_trì" in expected[0]  # the test means something


def test_sentences_of_any_length_decode_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentences go through the Viterbi in groups of similar length: mixed lengths, one group
    or many, give pyvi's words."""
    long = " ".join(WRITTEN * 30)  # one text of about 1,000 syllables
    batch = WRITTEN + [long] + WRITTEN[::-1]
    expected = [ViTokenizer.tokenize(s) for s in batch]
    assert tokenize_many(batch) == expected
    monkeypatch.setattr(wordseg, "PADDED_CELLS", 64)  # the long one alone, the rest in small groups
    assert tokenize_many(batch) == expected


def test_texts_without_syllables_come_back_as_they_are() -> None:
    assert tokenize_many(["", "   "]) == [ViTokenizer.tokenize(""), ViTokenizer.tokenize("   ")]


def test_a_thousand_news_articles_segment_as_pyvi_does(shared_data: Path) -> None:
    articles = [a for a in read_file(shared_data / "news" / "baomoi-2017.jsonl.gz", limit=1000) if isinstance(a, Article)]
    sentences = [normalize(s) for a in articles[-400:] for p in indexed_paragraphs(a) for s in split_sentences(p)]
    assert len(sentences) > 5000
    ours = tokenize_many(sentences)
    differing = [(s, o) for s, o in zip(sentences, ours) if o != ViTokenizer.tokenize(s)]
    assert differing == []


def test_a_file_that_is_not_a_crfsuite_model_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.crfsuite"
    fake.write_bytes(b"not a model" + bytes(64))
    with pytest.raises(SegmenterModelError, match="not a first-order crfsuite model"):
        read_model(fake)
    truncated = tmp_path / "truncated.crfsuite"
    truncated.write_bytes(Path(ViTokenizer.ViTokenizer.model.modelfile.name).read_bytes()[:5000])
    with pytest.raises(SegmenterModelError, match="not a crfsuite model this reader knows"):
        read_model(truncated)
