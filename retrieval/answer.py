"""Answer selection: from the best passages to the best few sentences, each with its citation.

A sentence is scored by how much of the question it covers (idf-weighted, syllables and
pyvi words), how many of its syllable pairs it repeats in order, how well its
passage scored, what its neighbours cover, and whether it holds the kind of thing asked
for (a name for ``ai``, a number for ``bao nhiêu``, a year for ``năm nào`` …).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

import numpy as np

from .text import FOLDED, fold


class Asked(Enum):
    """What kind of thing a question asks for."""

    PERSON = "person"
    NUMBER = "number"
    TIME = "time"
    PLACE = "place"
    OTHER = "other"


# Matched on the folded question, so questions typed without diacritics are read alike.
_ASKED_PATTERNS: list[tuple[Asked, re.Pattern[str]]] = [
    (Asked.TIME, re.compile(r"\b(nam nao|nam bao nhieu|nam may|khi nao|bao gio|luc nao|thoi gian nao|thoi diem nao"
                            r"|ngay nao|thang nao|the ky nao|thoi ky nao|giai doan nao|tu bao gio)\b")),
    (Asked.NUMBER, re.compile(r"\b(bao nhieu|may)\b")),
    (Asked.PERSON, re.compile(r"\b(ai|nguoi nao|nhan vat nao|ong nao|ba nao)\b")),
    (Asked.PLACE, re.compile(r"\b(o dau|noi nao|dau|dia diem nao|tinh nao|thanh pho nao|nuoc nao|quoc gia nao)\b")),
]
_YEAR_RE = re.compile(r"\b(1\d{3}|20\d{2})\b|\d{1,2}/\d{1,2}|thế kỷ|thập niên|năm \d+")
_NUMBER_RE = re.compile(r"\d|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|tỉ)\b", re.IGNORECASE)
# The commonest Vietnamese family names: three or four capitalised syllables starting with one
# of them are almost always a person ("Trương Thị Mai"), where two may be a place ("Hà Nội").
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Trương Đinh Mai Lương Đào Đoàn"
    " Vương Trịnh Lâm Phùng Cao Tạ Hà Lưu Châu Tô Thái Tăng Quách Kiều Đồng Triệu Chu Mạc Lại Văn Tôn Thân"
)
PERSON_RE = re.compile(rf"\b(?:{'|'.join(_SURNAMES.split())})(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{2,3}}\b")
_NAME_RE = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)+)")


def asked_for(question: str) -> Asked:
    folded = fold(question)
    for kind, pattern in _ASKED_PATTERNS:
        if pattern.search(folded):
            return kind
    return Asked.OTHER


def _has_new(pattern: re.Pattern[str], sentence: str, question_folded: str) -> bool:
    """The sentence holds a match of ``pattern`` that the question does not already say."""
    return any(fold(m.group(0)) not in question_folded for m in pattern.finditer(sentence))


def answer_type_cue(kind: Asked, sentence: str, question_folded: str) -> float:
    """1.0 when the sentence carries the kind of thing asked for and the question lacks it.

    For people and places any new capitalised name counts half; a Vietnamese person's name
    (family name plus two or three syllables) counts fully for ``ai``.
    """
    if kind is Asked.TIME:
        return float(_has_new(_YEAR_RE, sentence, question_folded))
    if kind is Asked.NUMBER:
        return float(_has_new(_NUMBER_RE, sentence, question_folded))
    if kind is Asked.PERSON and _has_new(PERSON_RE, sentence, question_folded):
        return 1.0
    if kind in (Asked.PERSON, Asked.PLACE):
        return 0.5 * _has_new(_NAME_RE, sentence, question_folded)
    return 0.0


FEATURES = (
    "coverage", "title", "pairs", "passage", "context", "cue", "length", "novelty",
    "rare", "names", "names_article", "words", "follows",
)
"""The signals a sentence is scored on, each described in :func:`features`."""


@dataclass(frozen=True)
class Weights:
    """A weight per feature (see :data:`FEATURES`), fitted on the dev set (README, "Evaluation")."""

    coverage: float = 1.0
    title: float = 1.25
    pairs: float = 0.3
    passage: float = 0.65
    context: float = 0.1
    cue: float = 0.2
    length: float = -0.05
    novelty: float = -0.2
    rare: float = 0.05
    names: float = 0.05
    names_article: float = 0.35
    words: float = 0.05
    follows: float = 0.05
    rerank: float = 1.0  # weight of the best sentence's score when passages are re-ranked
    min_coverage: float = 0.2  # below this a best sentence is not an answer: "not found"
    duplicate: float = 0.8  # Jaccard of term sets at which two sentences count as one

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURES])


@dataclass(frozen=True)
class Question:
    """A question as the scorer sees it: its terms' idf, its names and its pyvi compounds."""

    text: str
    terms: tuple[str, ...]  # the query terms it is looked up with (see text.query_terms)
    folded: bool  # typed without diacritics: matched on the accent-folded terms
    idf: dict[str, float]  # query terms the scorer weighs (syllables and pairs), with their idf
    names: tuple[str, ...] = ()  # query terms of capitalised words
    compounds: dict[str, float] = field(default_factory=dict)  # pyvi compounds, weighted by idf


@dataclass
class Candidate:
    """A sentence competing to answer, from one of the retrieved passages."""

    key: int
    paragraph: int
    position: int
    text: str
    parts: tuple[str, ...]  # the sentence's syllables in order, in the question's half (accented or folded)
    syllables: frozenset[str] = frozenset()  # the same as a set
    title_terms: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    retrieved: bool = False  # inside a retrieved passage (else only a neighbour, for context)
    passage_score: float = 0.0  # best BM25 score of a retrieved passage holding it
    coverage: float = 0.0
    features: np.ndarray | None = None
    score: float = 0.0
    _terms: frozenset[str] | None = None

    @property
    def place(self) -> tuple[int, int, int]:
        return (self.key, self.paragraph, self.position)

    @property
    def terms(self) -> frozenset[str]:
        """Syllables and adjacent pairs, as the index has them; built only when asked for
        (near-duplicate checks), as most candidates never need their pairs spelled out."""
        if self._terms is None:
            pairs = (f"{a}_{b.removeprefix(FOLDED)}" for a, b in zip(self.parts, self.parts[1:]))
            self._terms = self.syllables | frozenset(pairs)
        return self._terms

    def holds_pair(self, first: str, second: str) -> bool:
        """Whether syllable ``second`` directly follows ``first`` somewhere in the sentence."""
        if first not in self.syllables or second not in self.syllables:
            return False
        return any(a == first and b == second for a, b in zip(self.parts, self.parts[1:]))


def _share(wanted: dict[str, float], terms: frozenset[str] | set[str]) -> float:
    total = sum(wanted.values())
    return sum(w for t, w in wanted.items() if t in terms) / total if total else 0.0


_REFERS_BACK_RE = re.compile(r"^(?:\S+\s+){0,4}?(?:này|đó|nó|đây|vậy|trên)\b", re.IGNORECASE)


def features(question: Question, candidates: dict[tuple[int, int, int], Candidate]) -> None:
    """Compute every candidate's feature vector, in the order of :data:`FEATURES`.

    coverage  idf-weighted share of the question's syllables that the sentence holds
    title     the same share found only in the article's title
    pairs     idf-weighted share of the question's syllable pairs that the sentence holds
    passage   best BM25 score of a retrieved passage holding the sentence, relative to the top one
    context   coverage of the better neighbouring sentence
    cue       1 when the sentence holds the kind of thing asked for (name, number, year)
    length    log2 of the sentence's length in syllables over 20
    novelty   share of the sentence's syllables that the question does not hold
    rare      idf-weighted share of the question's three rarest syllables in the sentence
    names     share of the question's capitalised syllables (names) in the sentence
    names_article  the same in the article's retrieved sentences and title
    words     idf-weighted share of the question's pyvi compound words in the sentence's
    follows   coverage of the previous sentence when this one refers back to it ("này", "đó" …)
    """
    cands = list(candidates.values())
    if not cands:
        return
    idf_of = question.idf
    singles = [t for t in idf_of if "_" not in t]
    pairs = [t for t in idf_of if "_" in t]
    prefix = FOLDED if question.folded else ""
    pair_parts = [(t, *(prefix + s for s in t.removeprefix(prefix).split("_", 1))) for t in pairs]
    total = sum(idf_of[t] for t in singles) or 1.0
    pair_total = sum(idf_of[t] for t in pairs) or 1.0
    kind = asked_for(question.text)
    qfolded = fold(question.text)
    top = max(c.passage_score for c in cands) or 1.0

    # The syllable features are shares of the question's syllables: one membership matrix
    # (candidates × question syllables) and a few matrix products give them all at once.
    weight = np.array([idf_of[t] for t in singles], dtype=np.float64)
    held = np.array([[t in c.syllables for t in singles] for c in cands], dtype=bool).reshape(len(cands), len(singles))
    in_title = {c.key: np.array([t in c.title_terms for t in singles], dtype=bool) for c in cands}
    titled = np.array([in_title[c.key] for c in cands], dtype=bool).reshape(held.shape)
    coverage = held @ weight / total
    for c, value in zip(cands, coverage.tolist()):
        c.coverage = value
    rarest = np.argsort(-weight, kind="stable")[:3]
    named = [i for i, t in enumerate(singles) if t in set(question.names)]
    article_named: dict[int, np.ndarray] = {}
    for c, row in zip(cands, held):
        seen = article_named.setdefault(c.key, in_title[c.key][named].copy())
        seen |= row[named]
    own = np.array([len(c.syllables) for c in cands], dtype=np.float64)
    # A pair can only be in a sentence that holds both its syllables: only those are scanned.
    column = {t: i for i, t in enumerate(singles)}
    pair_score = np.zeros(len(cands))
    for t, first, second in pair_parts:
        if first in column and second in column:
            maybe = np.flatnonzero(held[:, column[first]] & held[:, column[second]])
        else:
            maybe = range(len(cands))
        for i in maybe:
            if cands[i].holds_pair(first, second):
                pair_score[i] += idf_of[t]
    rare_total = float(weight[rarest].sum())
    columns = {
        "coverage": coverage,
        "pairs": pair_score / pair_total,
        "title": (~held & titled) @ weight / total,
        "passage": np.array([c.passage_score for c in cands]) / top,
        "length": np.log2(np.maximum(own, 1) / 20),
        "novelty": np.where(own > 0, 1 - held.sum(axis=1) / np.maximum(own, 1), 0.0),
        "rare": held[:, rarest] @ weight[rarest] / rare_total if rare_total else np.zeros(len(cands)),
        "names": held[:, named].sum(axis=1) / len(named) if named else np.zeros(len(cands)),
        "names_article": np.array([article_named[c.key].sum() / len(named) if named else 0.0 for c in cands]),
    }
    for c, row in zip(cands, np.column_stack([columns.get(name, np.zeros(len(cands))) for name in FEATURES])):
        if not c.retrieved:
            continue
        before = candidates.get((c.key, c.paragraph, c.position - 1))
        after = candidates.get((c.key, c.paragraph, c.position + 1))
        row[FEATURES.index("context")] = max(before.coverage if before else 0.0, after.coverage if after else 0.0)
        row[FEATURES.index("cue")] = answer_type_cue(kind, c.text, qfolded)
        row[FEATURES.index("words")] = _share(question.compounds, c.words)
        row[FEATURES.index("follows")] = before.coverage if before and _REFERS_BACK_RE.match(c.text) else 0.0
        c.features = row


def score_candidates(question: Question, candidates: dict[tuple[int, int, int], Candidate], weights: Weights) -> None:
    """Fill in ``coverage``, ``features`` and ``score`` of every candidate sentence."""
    features(question, candidates)
    vector = weights.vector()
    for c in candidates.values():
        c.score = float(c.features @ vector) if c.features is not None else 0.0


def pick(candidates: Iterable[Candidate], k: int, weights: Weights) -> list[Candidate]:
    """The k best candidates, skipping near-duplicates of one already picked."""
    chosen: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.score, c.place)):
        if not c.retrieved:
            continue
        if any(len(c.terms & p.terms) / max(len(c.terms | p.terms), 1) >= weights.duplicate for p in chosen):
            continue
        chosen.append(c)
        if len(chosen) == k:
            break
    return chosen


