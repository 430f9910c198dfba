"""Answer selection: from the best passages to the best few sentences, each with its citation.

Every sentence of the retrieved passages gets a vector of :data:`FEATURES`: how much of the
question it covers (idf-weighted syllables, pairs, pyvi words), how well its passage scored,
what its neighbours cover, and, from the question's analysis (``retrieval/answer/question.py``) and
the sentence's evidence stored at ingest (``retrieval/articles/evidence.py``), whether it holds the kind
of thing asked for (a time for "khi nào", a cause for "vì sao" …) close to the question's
focus words and outside what the question already says. The learned ranker
(``retrieval/answer/ranker.py``) turns the vector into a score. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..articles import EVIDENCE_KINDS, SURNAMES, decode
from ..text import FOLDED, fold, syllables, words_syllables
from .question import Kind, QuestionAnalysis, analyse_question


class Scorer(Protocol):
    """What scores the feature rows: :class:`retrieval.answer.Ranker`, which sits above this
    module (it reads :data:`FEATURES` from here), hence a protocol rather than an import."""

    def score(self, matrix: np.ndarray, kind: Kind) -> np.ndarray: ...


# What each kind of question is answered by: evidence letters of retrieval/articles/evidence.py, the
# most telling first ("ai" is most often a person, sometimes an organisation, a team …).
RELEVANT_EVIDENCE: dict[Kind, str] = {
    Kind.PERSON: "poa", Kind.PLACE: "la", Kind.TIME: "t", Kind.NUMBER: "qn", Kind.REASON: "c",
    Kind.MANNER: "mc", Kind.THING: "asqo", Kind.YESNO: "", Kind.OTHER: "a",
}
WINDOW = 5  # syllables either side of an evidence span that count as "around" it
# Only this many retrieved sentences, the best by coverage + passage / 2, get the features
# computed one sentence at a time (evidence, cues, neighbours); the rest cannot answer. On the
# dev sets (5,000 distractors) a sentence holding the answer is among them for 98.9 % of the
# news questions and 97.9 % of ViQuAD's (all 245 or so candidates: 100 %), at a quarter of the cost.
SHORTLIST = 60
_YEAR_RE = re.compile(r"\b(1\d{3}|20\d{2})\b|\d{1,2}/\d{1,2}|thế kỷ|thập niên|năm \d+")
_NUMBER_RE = re.compile(r"\d|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|tỉ)\b", re.IGNORECASE)
# Three or four capitalised syllables starting with a family name are almost always a person
# ("Trương Thị Mai"), where two may be a place ("Hà Nội").
PERSON_RE = re.compile(rf"\b(?:{'|'.join(SURNAMES.split())})(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{2,3}}\b")
_NAME_RE = re.compile(r"(?<!^)(?<![.!?]\s)\b([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)+)")


def _has_new(pattern: re.Pattern[str], sentence: str, question_folded: str) -> bool:
    """The sentence holds a match of ``pattern`` that the question does not already say."""
    return any(fold(m.group(0)) not in question_folded for m in pattern.finditer(sentence))


def answer_type_cue(kind: Kind, sentence: str, question_folded: str) -> float:
    """1.0 when the sentence carries the kind of thing asked for and the question lacks it.

    For people and places any new capitalised name counts half; a Vietnamese person's name
    (family name plus two or three syllables) counts fully for ``ai``.
    """
    if kind is Kind.TIME:
        return float(_has_new(_YEAR_RE, sentence, question_folded))
    if kind is Kind.NUMBER:
        return float(_has_new(_NUMBER_RE, sentence, question_folded))
    if kind is Kind.PERSON and _has_new(PERSON_RE, sentence, question_folded):
        return 1.0
    if kind in (Kind.PERSON, Kind.PLACE):
        return 0.5 * _has_new(_NAME_RE, sentence, question_folded)
    return 0.0


FEATURES = (
    "coverage", "title", "pairs", "passage", "context", "cue", "length", "novelty",
    "rare", "names", "names_article", "words", "follows",
    "evidence", "evidence_first", "near_focus", "focus", "focus_pairs", "around", "around_wide", "around_specific", "new_words",
    "specific", "beyond_lead", "article_gap", "article_best", "coverage_gap",
    "lead", "position", "passage_rank", "article_rank",
    *(f"has_{kind}" for kind in EVIDENCE_KINDS),
)
"""The signals a sentence is scored on, each described in :func:`features`."""
KIND_FEATURES = ("evidence", "evidence_first", "near_focus", "focus")
"""Features the ranker weighs once per question kind (a cause matters for "vì sao", not for "ai")."""
_COLUMN = {name: i for i, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Weights:
    """How answers are chosen once sentences are scored (the scores come from the ranker)."""

    rerank: float = 0.1  # weight of the best sentence's score when passages are re-ranked
    min_coverage: float = 0.2  # below this a best sentence is not an answer: "not found"
    duplicate: float = 0.8  # Jaccard of term sets at which two sentences count as one
    # Sentences after the first: at most this far below its score (the ranker's log-odds: e⁶, about
    # 400 times less likely). Chosen on the fit halves as the tightest cut that costs no answer@3
    # (margin 5 cost 2 news and 4 ViQuAD questions); it drops 6 % of the follow-up sentences.
    follow_margin: float = 6.0


@dataclass(frozen=True)
class Question:
    """A question as the scorer sees it: its terms' idf, its names, pyvi compounds and analysis."""

    text: str
    terms: tuple[str, ...]  # the query terms it is looked up with (see text.query_terms)
    folded: bool  # typed without diacritics: matched on the accent-folded terms
    idf: dict[str, float]  # query terms the scorer weighs (syllables and pairs), with their idf
    names: tuple[str, ...] = ()  # query terms of capitalised words
    compounds: dict[str, float] = field(default_factory=dict)  # pyvi compounds, weighted by idf
    analysis: QuestionAnalysis = field(default_factory=lambda: analyse_question(""))


@dataclass(slots=True)
class Candidate:
    """A sentence competing to answer, from one of the retrieved passages."""

    key: int
    paragraph: int
    position: int
    text: str
    parts: tuple[str, ...]  # the sentence's syllables in order, in the question's half (accented or folded)
    syllables: frozenset[str] = frozenset()  # the same as a set
    title_syllables: frozenset[str] = frozenset()  # its article's title's, in the same half
    words: str = ""  # its pyvi words as stored (space-separated, compounds joined by "_")
    evidence: str = ""  # its evidence code (retrieval/articles/evidence.py), computed at ingest
    retrieved: bool = False  # inside a retrieved passage (else only a neighbour, for context)
    passage_score: float = 0.0  # best BM25 score of a retrieved passage holding it
    passage_rank: int = 0  # rank of the best retrieved passage holding it (0: none)
    article_rank: int = 0  # rank of its article's best passage
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
        # tuple.index scans in C for each place of ``first``; a Python loop over every pair
        # of every sentence took a tenth of the answer path.
        parts, at = self.parts, -1
        try:
            while True:
                at = parts.index(first, at + 1)
                if parts[at + 1 : at + 2] == (second,):
                    return True
        except ValueError:
            return False


def _membership(found: list[frozenset[str]], column: dict[str, int]) -> np.ndarray:
    """A rows × columns boolean matrix: row i is True at the columns of the terms in ``found[i]``.

    Built from set intersections (done in C) rather than one ``in`` test per cell, which took
    a tenth of the answer path."""
    held = np.zeros((len(found), len(column)), dtype=bool)
    cells = [(i, column[t]) for i, terms in enumerate(found) for t in terms]
    if cells:
        rows, columns = zip(*cells)
        held[list(rows), list(columns)] = True
    return held


def _compounds_share(compounds: dict[str, float], words: str) -> float:
    """idf-weighted share of the question's pyvi compounds ("hội_nghị") that are words of the
    stored space-separated ``words``."""
    total = sum(compounds.values())
    if not total:
        return 0.0
    padded = f" {words} "
    return sum(w for t, w in compounds.items() if f" {t} " in padded) / total


_REFERS_BACK_RE = re.compile(r"^(?:\S+\s+){0,4}?(?:này|đó|nó|đây|vậy|trên)\b", re.IGNORECASE)


def features(question: Question, candidates: dict[tuple[int, int, int], Candidate]) -> None:
    """Compute the feature vector of the :data:`SHORTLIST` best retrieved candidates, in the
    order of :data:`FEATURES` (the others keep ``features = None`` and cannot answer).

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
    evidence  1 when the sentence holds evidence of the kind asked for (a time for "khi nào", a
              cause for "vì sao" …, :data:`RELEVANT_EVIDENCE`) that the question does not already say
    evidence_first  the same for the kind's most telling evidence alone (a person for "ai")
    near_focus  max of w·exp(−d/4) over the question's focus words (the words next to its question
              phrase, weight w falling with their distance from it) at distance d from that evidence
    focus     weighted share of the question's focus words in the sentence
    focus_pairs  idf-weighted share of the question's syllable pairs made of two focus words
              ("chủ trì") that the sentence holds in order
    around    idf-weighted share of the question's syllables within 5 syllables of that evidence
    around_wide     the same within 10
    around_specific the same counting only question syllables absent from the title
    new_words log(1 + the sentence's distinct syllables the question does not hold): the answer
              is the part the question does not say
    specific  coverage of the question's syllables that are not in the article's title
    beyond_lead  coverage of those not in the title nor in the article's first sentence
    article_gap  coverage minus the best coverage of a sentence of the same article
    article_best the article's best coverage minus the best of all candidates
    coverage_gap coverage minus the best coverage of all candidates
    lead      1 for the article's first sentence
    position  log(1 + position in the paragraph). The paragraph's own number is no feature: every
              dev article is one body paragraph, after baomoi's lead, so its weight, learned from the values
              1 and 2 alone, pushed the opening paragraph of many-paragraph articles first
    passage_rank, article_rank  1 / rank of the best retrieved passage holding the sentence / of its article
    has_*     1 when the sentence holds evidence of that kind at all (retrieval/articles/evidence.py)
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
    analysis = question.analysis
    qfolded = fold(question.text)
    top = max(c.passage_score for c in cands) or 1.0

    # The syllable features are shares of the question's syllables: one membership matrix
    # (candidates × question syllables) and a few matrix products give them all at once.
    weight = np.array([idf_of[t] for t in singles], dtype=np.float64)
    column = {t: i for i, t in enumerate(singles)}
    asked = frozenset(singles)
    held = _membership([c.syllables & asked for c in cands], column)
    # Candidates come from a few articles: per-article rows (title, lead, best) are computed
    # once and spread back to the candidates through ``article``.
    keys, article = np.unique(np.array([c.key for c in cands], dtype=np.int64), return_inverse=True)
    title_of = {c.key: c.title_syllables for c in cands}
    in_title = _membership([title_of[key] & asked for key in keys.tolist()], column)
    titled = in_title[article]
    coverage = held @ weight / total
    for c, value in zip(cands, coverage.tolist()):
        c.coverage = value
    rarest = np.argsort(-weight, kind="stable")[:3]
    named = [i for i, t in enumerate(singles) if t in set(question.names)]
    article_named = in_title[:, named]
    np.logical_or.at(article_named, article, held[:, named])
    article_best = np.zeros(keys.size)
    np.maximum.at(article_best, article, coverage)
    article_lead = np.zeros((keys.size, len(singles)), dtype=bool)
    is_lead = np.array([c.paragraph == 1 and c.position == 0 for c in cands], dtype=bool)
    article_lead[article[is_lead]] = held[is_lead]
    own = np.array([len(c.syllables) for c in cands], dtype=np.float64)
    # A pair can only be in a sentence that holds both its syllables: only those are scanned.
    # The same scan scores the pairs made of two focus words ("chủ trì").
    focus = analysis.focus_weights(question.folded)
    pair_score = np.zeros(len(cands))
    focus_pair_score = np.zeros(len(cands))
    focus_pair_total = 0.0
    maybe: Iterable[int]
    for t, first, second in pair_parts:
        in_focus = first in focus and second in focus
        focus_pair_total += idf_of[t] if in_focus else 0.0
        if first in column and second in column:
            maybe = np.flatnonzero(held[:, column[first]] & held[:, column[second]])
        else:
            maybe = range(len(cands))
        for i in maybe:
            if cands[i].holds_pair(first, second):
                pair_score[i] += idf_of[t]
                if in_focus:
                    focus_pair_score[i] += idf_of[t]
    rare_total = float(weight[rarest].sum())
    untitled = ~titled
    specific_total = untitled @ weight
    beyond = untitled & ~article_lead[article]
    beyond_total = beyond @ weight
    best = float(coverage.max())
    columns = {
        "coverage": coverage,
        "pairs": pair_score / pair_total,
        "title": (~held & titled) @ weight / total,
        "passage": np.array([c.passage_score for c in cands]) / top,
        "length": np.log2(np.maximum(own, 1) / 20),
        "novelty": np.where(own > 0, 1 - held.sum(axis=1) / np.maximum(own, 1), 0.0),
        "rare": held[:, rarest] @ weight[rarest] / rare_total if rare_total else np.zeros(len(cands)),
        "names": held[:, named].sum(axis=1) / len(named) if named else np.zeros(len(cands)),
        "names_article": article_named.sum(axis=1)[article] / len(named) if named else np.zeros(len(cands)),
        "specific": np.divide((held & untitled) @ weight, specific_total, out=np.zeros(len(cands)),
                              where=specific_total > 0),
        "beyond_lead": np.divide((held & beyond) @ weight, beyond_total, out=np.zeros(len(cands)),
                                 where=beyond_total > 0),
        "article_gap": coverage - article_best[article],
        "article_best": article_best[article] - best,
        "coverage_gap": coverage - best,
        "lead": is_lead.astype(np.float64),
        "position": np.log1p(np.array([c.position for c in cands], dtype=np.float64)),
        "passage_rank": np.array([1 / c.passage_rank if c.passage_rank else 0.0 for c in cands]),
        "article_rank": np.array([1 / c.article_rank if c.article_rank else 0.0 for c in cands]),
    }
    if focus_pair_total:
        columns["focus_pairs"] = focus_pair_score / focus_pair_total
    matrix = np.column_stack([columns.get(name, np.zeros(len(cands))) for name in FEATURES])
    question_own = question_syllables(question)
    focus_total = sum(focus.values()) or 1.0
    relevant = RELEVANT_EVIDENCE[analysis.kind]
    specific_terms: dict[int, tuple[frozenset[str], float]] = {}
    for key, titled_row in zip(keys.tolist(), in_title):
        terms = frozenset(t for t, t_in in zip(singles, titled_row) if not t_in)
        specific_terms[key] = (terms, sum(idf_of[t] for t in terms) or 1.0)
    prescore = np.where([c.retrieved for c in cands], coverage + 0.5 * columns["passage"], -np.inf)
    shortlist = np.argsort(-prescore, kind="stable")[:SHORTLIST]
    for i in shortlist.tolist():
        c, row = cands[i], matrix[i]
        if not c.retrieved:
            continue
        before = candidates.get((c.key, c.paragraph, c.position - 1))
        after = candidates.get((c.key, c.paragraph, c.position + 1))
        row[_COLUMN["context"]] = max(before.coverage if before else 0.0, after.coverage if after else 0.0)
        row[_COLUMN["cue"]] = answer_type_cue(analysis.kind, c.text, qfolded)
        row[_COLUMN["words"]] = _compounds_share(question.compounds, c.words)
        row[_COLUMN["follows"]] = before.coverage if before and _REFERS_BACK_RE.match(c.text) else 0.0
        row[_COLUMN["new_words"]] = math.log1p(len(c.syllables - question_own))
        row[_COLUMN["focus"]] = sum(w for t, w in focus.items() if t in c.syllables) / focus_total
        spans = decode(c.evidence)
        for kind in spans:
            row[_COLUMN[f"has_{kind}"]] = 1.0
        _evidence_features(row, c, spans, relevant, question_own, focus, idf_of, total, specific_terms[c.key])
        c.features = row


def _evidence_features(
    row: np.ndarray, c: Candidate, spans: dict[str, tuple[tuple[int, int], ...]], relevant: str,
    question_own: frozenset[str], focus: dict[str, float], idf_of: dict[str, float], total: float,
    specific: tuple[frozenset[str], float],
) -> None:
    """Fill ``evidence``, ``near_focus`` and the ``around*`` features of one candidate (see :func:`features`)."""
    parts = c.parts
    new = [(kind, start, end) for kind in relevant for start, end in spans.get(kind, ())
           if not all(p in question_own for p in parts[start:end])]  # what the question says is no answer
    if not new:
        return
    focus_at = [(i, focus[p]) for i, p in enumerate(parts) if p in focus]
    asked_at = [(i, p) for i, p in enumerate(parts) if p in idf_of]
    specific_terms, specific_total = specific
    near = around = wide = around_specific = 0.0
    for _, start, end in new:
        for i, weight in focus_at:
            near = max(near, weight * math.exp(-min(abs(i - start), abs(i - (end - 1))) / 4))
        close = {p for i, p in asked_at if start - WINDOW <= i < end + WINDOW and not start <= i < end}
        further = {p for i, p in asked_at if start - 2 * WINDOW <= i < end + 2 * WINDOW and not start <= i < end}
        around = max(around, sum(idf_of[t] for t in close) / total)
        wide = max(wide, sum(idf_of[t] for t in further) / total)
        around_specific = max(around_specific, sum(idf_of[t] for t in close if t in specific_terms) / specific_total)
    row[_COLUMN["evidence"]] = 1.0
    row[_COLUMN["evidence_first"]] = float(any(kind == relevant[0] for kind, _, _ in new))
    row[_COLUMN["near_focus"]] = near
    row[_COLUMN["around"]] = around
    row[_COLUMN["around_wide"]] = wide
    row[_COLUMN["around_specific"]] = around_specific


def question_syllables(question: Question) -> frozenset[str]:
    """Every syllable of the question (question words included), in the half it is matched on."""
    return frozenset(words_syllables(" ".join(syllables(question.text)), question.folded))


def score_candidates(question: Question, candidates: dict[tuple[int, int, int], Candidate], ranker: Scorer) -> None:
    """Fill in ``coverage``, ``features`` and ``score`` of every candidate sentence; one left off
    the shortlist (no features) scores minus infinity: it cannot answer."""
    features(question, candidates)
    for c in candidates.values():
        c.score = -math.inf
    scored = [(c, c.features) for c in candidates.values() if c.features is not None]
    if not scored:
        return
    scores = ranker.score(np.vstack([row for _, row in scored]), question.analysis.kind)
    for (c, _), value in zip(scored, scores.tolist()):
        c.score = value


def pick(candidates: Iterable[Candidate], k: int, weights: Weights) -> list[Candidate]:
    """The k best candidates, skipping near-duplicates of one already picked and, after the first,
    those far below it (``weights.follow_margin``): filler from unrelated articles."""
    chosen: list[Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.score, c.place)):
        if c.features is None:
            continue
        if chosen and c.score < chosen[0].score - weights.follow_margin:
            break
        if any(len(c.terms & p.terms) / max(len(c.terms | p.terms), 1) >= weights.duplicate for p in chosen):
            continue
        chosen.append(c)
        if len(chosen) == k:
            break
    return chosen
