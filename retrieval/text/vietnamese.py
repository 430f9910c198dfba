"""Vietnamese text handling: normalisation, accent folding, sentences, pyvi words, index terms.

Everything an article or a question goes through before it meets the index lives here,
so that articles (at ingest) and questions (at query time) are treated the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

# Combining marks, as they appear after NFD.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng
_SHAPES = "\u0306\u0302\u031b"  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_VOWELS = set("aăâeêioôơuưy")
_SHAPED_VOWELS = set("ăâêôơư")
_WORD_RE = re.compile(r"[^\W\d_]+")
_SPACE_RE = re.compile(r"\s+")
_ALNUM_RE = re.compile(r"[^\W_]")  # a letter or digit: what str.isalnum accepts
# Text that is not a word at all: control characters, zero-width and replacement characters, and
# the bidirectional controls (U+202E would show the rest of a title right to left).
_JUNK_RE = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069"
                      "\u061c\ufeff\ufffd]")


def clean(text: str) -> str:
    """NFC, junk characters removed and runs of white space folded to one space."""
    text = unicodedata.normalize("NFC", text)
    text = _JUNK_RE.sub("", text)
    return _SPACE_RE.sub(" ", text).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` when it fits in ``limit`` characters, else cut at the last space before the limit
    (anywhere, for text without one) with " …" after it, so the result never exceeds ``limit + 2``."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip() + " …"


@lru_cache(maxsize=200_000)
def _place_tone(word: str) -> str:
    """One syllable with its tone mark on the vowel the classic rule picks (``hoà`` → ``hòa``)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    bare = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    lower = bare.lower()
    start = 0
    # In "qu" and "gi" the u / i belong to the consonant: quả, giá (but gìn keeps its i).
    if lower.startswith("qu") and len(lower) > 2 and lower[2] in _VOWELS:
        start = 2
    elif lower.startswith("gi") and len(lower) > 2 and lower[2] in _VOWELS:
        start = 2
    while start < len(lower) and lower[start] not in _VOWELS:
        start += 1
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    cluster = lower[start:end]
    if not cluster:
        return word
    shaped = [i for i, c in enumerate(cluster) if c in _SHAPED_VOWELS]
    if shaped:
        pos = shaped[-1]  # ươ takes the mark on ơ, uyê on ê, ưu on ư
    elif end < len(lower):
        pos = len(cluster) - 1  # a final consonant follows: hoàn, toán, quạt
    elif len(cluster) == 3:
        pos = 1  # ngoài, khuỷu
    else:
        pos = 0  # hòa, thủy, mía, múa
    target = start + pos
    head = unicodedata.normalize("NFD", bare[: target + 1])
    # The tone goes after the base letter and its shape mark, before the rest.
    rebuilt = head + tones[0] + bare[target + 1 :]
    return unicodedata.normalize("NFC", rebuilt)


class _Memo(dict[str, str]):
    """``make(word)`` for each word, computed once as met and then a dict lookup (which ``map``
    calls from C, with no Python frame per word); emptied past ``limit`` entries, so hostile
    text cannot grow it without bound."""

    def __init__(self, make: Callable[[str], str], limit: int) -> None:
        super().__init__()
        self._make, self._limit = make, limit

    def __missing__(self, word: str) -> str:
        if len(self) >= self._limit:
            self.clear()
        self[word] = made = self._make(word)
        return made


MEMO_WORDS = 500_000  # words a _Memo keeps before it starts afresh
_TONED = _Memo(lambda word: word if word.isascii() else _place_tone(word), MEMO_WORDS)  # tone marks placed one way
_WORD_SPLIT_RE = re.compile(f"({_WORD_RE.pattern})")


@lru_cache(maxsize=1024)  # ingest normalises each sentence twice in a row: to segment it, for its evidence
def normalize(text: str) -> str:
    """Clean text with tone marks placed one way, so ``hoà``/``hòa`` and ``thuỷ``/``thủy`` match."""
    # The words are the odd pieces of the split; a dict lookup per word, not a Python call per
    # regex match (a quarter of the time: ingest normalises every sentence).
    parts = _WORD_SPLIT_RE.split(clean(text))
    parts[1::2] = map(_TONED.__getitem__, parts[1::2])
    return "".join(parts)


@lru_cache(maxsize=200_000)
def _fold_word(word: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def fold_syllable(syllable: str) -> str:
    """One syllable without its marks, as the folded index terms spell it: ``trì`` → ``tri``."""
    return _fold_word(syllable)


class _MarklessLetters(dict[int, str]):
    """``str.translate`` table: each letter as :func:`_fold_word` folds it, filled as met.

    Folding a word is folding each of its letters (NFD never moves a letter, and every mark it
    splits off is dropped), so one translate over the text equals folding word by word, and
    takes a fifth of the time (the content hash folds every article at ingest)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        self[code] = folded = _fold_word(char) if _WORD_RE.fullmatch(char) else char
        return folded


_MARKLESS = _MarklessLetters()


def strip_marks(text: str) -> str:
    """The text without any Vietnamese mark, case kept: ``Hội nghị Đảng`` → ``Hoi nghi Dang``."""
    return text.translate(_MARKLESS)


def fold(text: str) -> str:
    """Lower case without any diacritic: ``Hội nghị`` → ``hoi nghi``."""
    return strip_marks(text).lower()


def has_diacritics(text: str) -> bool:
    """True when the text carries any Vietnamese mark (a question typed with accents): a letter
    that folding changes. One ``translate`` in C; a test over every letter a character at a time
    took a quarter of a question's analysis (it runs once per word)."""
    return strip_marks(text) != text


# --- sentences ---------------------------------------------------------------------------

# Abbreviations that end with a period inside a sentence (compared case-sensitively).
_ABBREVIATIONS = frozenset(
    "TP Tp TS Ts ThS Th.S PGS GS BS Bs KS CN NXB Q P TT TW UBND HĐND Mr Mrs Ms Dr St Co Ltd Inc No tr Tr"
    " Th S".split()
)
# A one-letter capital before a period is an initial ("A. Samedov", "George W. Bush") unless it
# is a word: an accented letter ("châu Á.", "nước Ý."), or a letter after the words below
# ("30 độ C.", "bảng B."). Measured on the 773,732 stored sentences of the news dev corpus:
# these were 2,050 of the 3,900 glued cases; "bà H." and the like stay ambiguous and unsplit.
_LETTER_WORDS_AFTER = frozenset("độ o bảng giải hạng Serie nhóm loại chữ".split())
SEGMENTATION_VERSION = 2  # bump when split_sentences or segment changes: evaluation corpora are re-ingested
_BOUNDARY_RE = re.compile(r"([.!?…]+)([\"”’»)\]]*)\s+")
_OPENERS = "\"“‘«([-–—• "


def _letter_word(words: list[str]) -> bool:
    """Whether the one-letter last of ``words`` is a word, not an initial (see above)."""
    letter = words[-1]
    return (not letter.isascii() and letter not in "ĐƠƯ") or (len(words) > 1 and words[-2] in _LETTER_WORDS_AFTER)


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph; survives ``TP.``, ``TS.``, ``15/01/2021``, ``3,2 tỷ`` and quotes."""
    text = clean(paragraph)
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        following = text[match.end() :].lstrip(_OPENERS)[:1]
        if not (following.isupper() or following.isdigit()):
            continue  # "bão lũ… , công tác" or "3 tr. đồng": the sentence goes on
        if match.group(1) == ".":
            words = text[start : match.start()].rsplit(" ", 2)
            before = words[-1]
            if before in _ABBREVIATIONS or (len(before) == 1 and before.isupper() and not _letter_word(words)):
                continue
        end = match.end(2)
        piece = text[start:end].strip()
        if piece:
            sentences.append(piece)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


# --- words ---------------------------------------------------------------------------------


def segment(sentence: str) -> list[str]:
    """pyvi words of a sentence, lower-cased after segmentation (pyvi reads capitals as a cue).

    Compound words keep pyvi's underscore (``chủ_trì``); punctuation is dropped.
    """
    return segment_many([sentence])[0]


def segment_many(sentences: Sequence[str]) -> list[list[str]]:
    """:func:`segment` of each sentence, faster together (one pass of the model over all)."""
    from .wordseg import tokenize_many

    texts = [normalize(s) for s in sentences]
    tokenized = tokenize_many([t for t in texts if t])
    words = iter(tokenized)
    return [[w for w in next(words).lower().split() if _ALNUM_RE.search(w)] if t else [] for t in texts]


def syllables(sentence: str) -> list[str]:
    """Lower-cased syllables of normalised text: the segmentation-free reading."""
    return [w.lower() for w in re.findall(r"\w+", normalize(sentence))]


TERMS_VERSION = 2  # bump when index_terms changes: persisted indexes are then rebuilt
FOLDED = "~"  # prefix of accent-folded terms, so that "ma" (folded) never meets "ma" (accented)


def _with_bigrams(parts: list[str], prefix: str = "") -> list[str]:
    """The syllables and each adjacent pair (``chủ``, ``trì``, ``chủ_trì``), all with ``prefix``."""
    return [prefix + p for p in parts] + [prefix + a + "_" + b for a, b in zip(parts, parts[1:])]


def index_terms(words: Iterable[str]) -> list[str]:
    """The terms one sentence is indexed under, from its pyvi words.

    Syllables and adjacent-syllable pairs, once accented and once accent-folded (``~`` prefix):
    an accented question is matched on the first half, one typed without diacritics on the
    second. Both halves have the same length, so BM25's length normalisation, and with it
    every accented query's score, is exactly what the accented half alone would give.
    Measured on the dev set (docs/design.md), syllable pairs beat pyvi's compound
    words as index terms: pyvi errs on names and rare words, a pair never does.
    """
    return sentence_terms(words, folded=False) + sentence_terms(words, folded=True)


# Each syllable's folded term ("trì" → "~tri"): the answer path folds every candidate sentence
# of a question typed without marks, and a call per syllable was its costliest line.
_FOLDED_TERMS = _Memo(lambda syllable: FOLDED + _fold_word(syllable), MEMO_WORDS)


def words_syllables(words: str, folded: bool) -> list[str]:
    """The syllables of :func:`sentence_terms` without the pairs (its first half), in order,
    from pyvi words as the store keeps them (one string, separated by spaces)."""
    parts = words.replace("_", " ").split()
    return list(map(_FOLDED_TERMS.__getitem__, parts)) if folded else parts


def sentence_terms(words: Iterable[str], folded: bool) -> list[str]:
    """One half of :func:`index_terms`: the accented terms, or the folded ones."""
    parts = [p for w in words for p in w.split("_")]
    if folded:
        return _with_bigrams([_fold_word(p) for p in parts], FOLDED)
    return _with_bigrams(parts)


# Interrogatives and fillers that say what is asked, not what to look for.
QUESTION_SYLLABLES = frozenset(
    "ai gì nào đâu bao nhiêu mấy sao vì thế như hả chăng nhỉ không".split()
)
_FOLDED_QUESTION = frozenset(_fold_word(s) for s in QUESTION_SYLLABLES) | {"gi"}


def name_terms(question: str) -> list[str]:
    """Query terms of the capitalised words of a question (names), in the query's own form.

    The first word counts only when the next one is capitalised too: "Paris là gì" is
    ambiguous, "Trương Thị Mai là ai" is not.
    """
    words = re.findall(r"\w+", normalize(question))
    accented = has_diacritics(question)
    out = []
    for i, word in enumerate(words):
        if not word[:1].isupper():
            continue
        if i == 0 and not (len(words) > 1 and words[1][:1].isupper()):
            continue
        out.append(word.lower() if accented else FOLDED + _fold_word(word).lower())
    return out


MIXED_SHARE = 0.6  # below this share of marked words, a question with some marks is "mixed"


def is_mixed(question: str) -> bool:
    """Typed with marks on some words only ("ai ghi bàn an dinh ty so"): fewer than 60 % of its
    lower-case words carry one. In the dev questions typed fully accented the median share is
    0.89 and 98 % of them are above 0.6; with every second word stripped, 98 % fall below it.
    Capitalised words are left out of the count, as foreign names have none."""
    typed = re.findall(r"\w+", normalize(question))
    words = [w.lower() for w in typed if w.islower() and w.lower() not in QUESTION_SYLLABLES]
    if not words:
        return False
    marked = sum(1 for w in words if has_diacritics(w))
    return 0 < marked < MIXED_SHARE * len(words)


def query_terms(question: str) -> list[str]:
    """Terms to look a question up with: accented ones if it was typed with diacritics, else folded.

    A mixed question (:func:`is_mixed`) is matched word by word: a word typed with marks on
    the accented half, one typed without on the folded half, and a pair accented only when
    both its words are. No segmentation at query time: the index terms are syllables and pairs.
    """
    if is_mixed(question):
        words = [w for w in syllables(question) if _fold_word(w) not in _FOLDED_QUESTION]
        marked = [has_diacritics(w) for w in words]
        plain = [w if m else FOLDED + _fold_word(w) for w, m in zip(words, marked)]
        pairs = [
            f"{a}_{b}" if ma and mb else f"{FOLDED}{_fold_word(a)}_{_fold_word(b)}"
            for a, b, ma, mb in zip(words, words[1:], marked, marked[1:])
        ]
        return plain + pairs
    if has_diacritics(question):
        return _with_bigrams([s for s in syllables(question) if s not in QUESTION_SYLLABLES])
    plain = [s for s in (_fold_word(w) for w in syllables(question)) if s not in _FOLDED_QUESTION]
    return _with_bigrams(plain, FOLDED)
