"""The features a candidate sentence is scored on, and scoring them.

Every sentence of the retrieved passages gets a vector of :data:`FEATURES`: how much of the
question it covers (idf-weighted syllables, pairs, pyvi words), how well its passage scored,
what its neighbours cover, and, from the question's analysis (``retrieval/answer/question.py``) and
the sentence's evidence stored at ingest (``retrieval/articles/evidence.py``), whether it holds the kind
of thing asked for (a time for "khi nào", a cause for "vì sao" …) close to the question's
focus words and outside what the question already says. :func:`features` computes them in
steps: the question's terms as matrix columns (:class:`_Terms`), per-article rows
(:class:`_Articles`), the columns computed for all candidates at once (:func:`_share_columns`),
which pick the :data:`SHORTLIST`, then for the shortlist alone, all its sentences at once from
their syllable ids laid end to end (:class:`_Laid`), their distinct syllables
(:func:`_syllable_columns`) and pairs (:func:`_pair_columns`), how near its evidence stands to
the question's words (:func:`_nearness`, compiled in :mod:`.nearness`), the answer-type cues
(:mod:`.cues`), and what is left one sentence at a time (:func:`_sentence_row`). The learned
ranker (``retrieval/answer/ranker.py``) turns the vector into a score. Pure: no I/O.

The features, in the order of :data:`FEATURES`::

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

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..articles import EVIDENCE_KINDS, decode
from ..text import FOLDED, fold, syllables, words_syllables
from .candidates import Candidate, Question
from .cues import answer_type_cues
from .nearness import NEARNESS, nearness
from .question import Kind


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
FEATURES = (
    "coverage", "title", "pairs", "passage", "context", "cue", "length", "novelty",
    "rare", "names", "names_article", "words", "follows",
    "evidence", "evidence_first", "near_focus", "focus", "focus_pairs", "around", "around_wide", "around_specific", "new_words",
    "specific", "beyond_lead", "article_gap", "article_best", "coverage_gap",
    "lead", "position", "passage_rank", "article_rank",
    *(f"has_{kind}" for kind in EVIDENCE_KINDS),
)
"""The signals a sentence is scored on, each described in this module's docstring."""
KIND_FEATURES = ("evidence", "evidence_first", "near_focus", "focus")
"""Features the ranker weighs once per question kind (a cause matters for "vì sao", not for "ai")."""
_COLUMN = {name: i for i, name in enumerate(FEATURES)}
_NEARNESS_COLUMNS = [_COLUMN[name] for name in NEARNESS]


def _membership(rows: Sequence[Collection[str]], column: dict[str, int]) -> np.ndarray:
    """A rows × columns boolean matrix: row i is True at the columns of the terms of ``rows[i]``
    (terms without a column are passed over).

    One flat pass over every row's terms (a dictionary lookup each, done in C by ``map``) and
    one numpy assignment: an ``in`` test per cell, or a set built per sentence to intersect,
    each took a tenth of the answer path."""
    counts = np.fromiter(map(len, rows), dtype=np.intp, count=len(rows))
    columns = np.fromiter(map(column.get, itertools.chain.from_iterable(rows), itertools.repeat(-1)),
                          dtype=np.intp, count=int(counts.sum()))
    row_of = np.repeat(np.arange(len(rows)), counts)
    found = columns >= 0
    held = np.zeros((len(rows), len(column)), dtype=bool)
    held[row_of[found], columns[found]] = True
    return held


def _half_ids(cands: Sequence[Candidate]) -> np.ndarray:
    """Every candidate's syllable ids laid end to end, in the question's half (folded ids when
    it is matched folded). All candidates of a question share one table and one half."""
    flat = np.concatenate([c.ids for c in cands])
    return cands[0].table.folded_of[flat] if cands[0].folded else flat


def _wanted(cands: Sequence[Candidate], terms: Sequence[str]) -> np.ndarray:
    """The ids of ``terms`` in the candidates' half (−1 for those no stored sentence holds)."""
    known = cands[0].table.ids(terms, cands[0].folded)
    return np.array([known.get(t, -1) for t in terms], dtype=np.int64)


def _locate(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Each of ``ids``' index in ``wanted`` (the first, when twice there; −1 where absent; −1s in
    ``wanted`` match nothing), through a table as long as the largest id: a dictionary lookup
    per syllable of ~250 sentences took 2 ms a question, and a sorted search (``np.searchsorted``
    of ~7,000 ids among ~30) 0.08 ms a call where the table takes 0.02."""
    known = np.flatnonzero(wanted >= 0)[::-1]  # assigned last to first: the first one stays
    if not known.size or not ids.size:
        return np.full(ids.size, -1, dtype=np.int32)
    at = np.full(max(int(ids.max()), int(wanted.max())) + 1, -1, dtype=np.int32)
    at[wanted[known]] = known
    return at[ids]


def _held(cands: Sequence[Candidate], terms: _Terms) -> np.ndarray:
    """The candidates × question syllables membership matrix, from the sentences' stored ids."""
    held = np.zeros((len(cands), len(terms.singles)), dtype=bool)
    if not cands or not terms.singles:
        return held
    columns = _locate(_half_ids(cands), _wanted(cands, terms.singles))
    counts = np.fromiter(map(len, (c.ids for c in cands)), dtype=np.intp, count=len(cands))
    found = columns >= 0
    held[np.repeat(np.arange(len(cands)), counts)[found], columns[found]] = True
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
    Each feature is described in the module's docstring."""
    cands = list(candidates.values())
    if not cands:
        return
    terms = _Terms.of(question)
    held = _held(cands, terms)
    coverage = held @ terms.weight / terms.total
    for c, value in zip(cands, coverage.tolist()):
        c.coverage = value
    articles = _Articles.of(cands, terms, held, coverage)
    columns = _share_columns(question, cands, terms, held, coverage, articles)
    prescore = np.where([c.retrieved for c in cands], coverage + 0.5 * columns["passage"], -np.inf)
    # The rest only for the shortlist: what no sentence off it needs is not computed.
    shortlist = [i for i in np.argsort(-prescore, kind="stable")[:SHORTLIST].tolist() if cands[i].retrieved]
    short = [cands[i] for i in shortlist]
    columns = {name: values[shortlist] for name, values in columns.items()}
    own = _Own.of(question)
    laid = _Laid.of(short)
    columns.update(_syllable_columns(own, short, laid, held[shortlist]))
    columns.update(_pair_columns(question, own, short, laid, terms))
    zeros = np.zeros(len(short))
    matrix = np.column_stack([columns.get(name, zeros) for name in FEATURES])
    spans = [decode(c.evidence) for c in short]
    untitled = ~articles.in_title[articles.row[shortlist]]
    matrix[:, _NEARNESS_COLUMNS] = _nearness(own, short, laid, spans, terms, untitled)
    matrix[:, _COLUMN["cue"]] = answer_type_cues(question.analysis.kind, [c.text for c in short], own.folded)
    for c, row, held_spans in zip(short, matrix, spans):
        c.features = _sentence_row(question, own, candidates, c, row, held_spans)


@dataclass(frozen=True)
class _Terms:
    """The question's syllables as the columns of the membership matrices, and its pairs."""

    singles: list[str]  # its syllable terms, in the order of their columns
    column: dict[str, int]
    weight: np.ndarray  # each column's idf
    total: float  # their sum (1 when empty)
    pair_parts: list[tuple[str, str, str]]  # each syllable pair term and its two syllables
    pair_total: float

    @classmethod
    def of(cls, question: Question) -> _Terms:
        idf_of = question.idf
        singles = [t for t in idf_of if "_" not in t]
        pairs = [t for t in idf_of if "_" in t]
        prefix = FOLDED if question.folded else ""
        pair_parts = []
        for t in pairs:
            first, second = t.removeprefix(prefix).split("_", 1)
            pair_parts.append((t, prefix + first, prefix + second))
        return cls(singles, {t: i for i, t in enumerate(singles)},
                   np.array([idf_of[t] for t in singles], dtype=np.float64),
                   sum(idf_of[t] for t in singles) or 1.0, pair_parts, sum(idf_of[t] for t in pairs) or 1.0)


@dataclass(frozen=True)
class _Articles:
    """Candidates come from a few articles: per-article rows (title, lead, best coverage) are
    computed once and spread back to the candidates through ``row``."""

    keys: np.ndarray  # the articles' keys, ascending
    row: np.ndarray  # each candidate's article, as an index into ``keys``
    in_title: np.ndarray  # articles × question syllables: held by the title
    best: np.ndarray  # each article's best coverage
    lead: np.ndarray  # articles × question syllables: held by the article's first sentence
    is_lead: np.ndarray  # each candidate: is its article's first sentence

    @classmethod
    def of(cls, cands: list[Candidate], terms: _Terms, held: np.ndarray, coverage: np.ndarray) -> _Articles:
        keys, article = np.unique(np.array([c.key for c in cands], dtype=np.int64), return_inverse=True)
        title_of = {c.key: c.title_syllables for c in cands}
        in_title = _membership([title_of[key] for key in keys.tolist()], terms.column)
        best = np.zeros(keys.size)
        np.maximum.at(best, article, coverage)
        lead = np.zeros((keys.size, len(terms.singles)), dtype=bool)
        is_lead = np.array([c.paragraph == 1 and c.position == 0 for c in cands], dtype=bool)
        lead[article[is_lead]] = held[is_lead]
        return cls(keys, article, in_title, best, lead, is_lead)


def _share_columns(question: Question, cands: list[Candidate], terms: _Terms, held: np.ndarray,
                   coverage: np.ndarray, articles: _Articles) -> dict[str, np.ndarray]:
    """The features computed for every candidate at once, from the membership matrix."""
    weight, total, article = terms.weight, terms.total, articles.row
    titled = articles.in_title[article]
    rarest = np.argsort(-weight, kind="stable")[:3]
    named = [i for i, t in enumerate(terms.singles) if t in set(question.names)]
    article_named = articles.in_title[:, named]
    np.logical_or.at(article_named, article, held[:, named])
    top = max(c.passage_score for c in cands) or 1.0
    rare_total = float(weight[rarest].sum())
    untitled = ~titled
    specific_total = untitled @ weight
    beyond = untitled & ~articles.lead[article]
    beyond_total = beyond @ weight
    best = float(coverage.max())
    zeros = np.zeros(len(cands))
    return {
        "coverage": coverage,
        "title": (~held & titled) @ weight / total,
        "passage": np.array([c.passage_score for c in cands]) / top,
        "rare": held[:, rarest] @ weight[rarest] / rare_total if rare_total else zeros,
        "names": held[:, named].sum(axis=1) / len(named) if named else zeros,
        "names_article": article_named.sum(axis=1)[article] / len(named) if named else zeros,
        "specific": np.divide((held & untitled) @ weight, specific_total, out=np.zeros(len(cands)),
                              where=specific_total > 0),
        "beyond_lead": np.divide((held & beyond) @ weight, beyond_total, out=np.zeros(len(cands)),
                                 where=beyond_total > 0),
        "article_gap": coverage - articles.best[article],
        "article_best": articles.best[article] - best,
        "coverage_gap": coverage - best,
        "lead": articles.is_lead.astype(np.float64),
        "position": np.log1p(np.array([c.position for c in cands], dtype=np.float64)),
        "passage_rank": np.array([1 / c.passage_rank if c.passage_rank else 0.0 for c in cands]),
        "article_rank": np.array([1 / c.article_rank if c.article_rank else 0.0 for c in cands]),
    }


@dataclass(frozen=True)
class _Laid:
    """The shortlisted sentences' syllable ids laid end to end, in the question's half: the
    features read from them are computed for the whole shortlist at once. Spelling each
    sentence out and building its set of syllables and pairs in Python cost ~1 ms a question."""

    ids: np.ndarray  # every sentence's ids, end to end (int64)
    row: np.ndarray  # the sentence of each
    offsets: np.ndarray  # sentence i's ids are ids[offsets[i]:offsets[i + 1]]

    @classmethod
    def of(cls, short: Sequence[Candidate]) -> _Laid:
        lengths = np.fromiter(map(len, (c.ids for c in short)), dtype=np.intp, count=len(short))
        offsets = np.zeros(len(short) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = _half_ids(short).astype(np.int64) if short else np.zeros(0, dtype=np.int64)
        return cls(ids, np.repeat(np.arange(len(short)), lengths), offsets)


def _syllable_columns(own: _Own, short: Sequence[Candidate], laid: _Laid, held: np.ndarray) -> dict[str, np.ndarray]:
    """``length``, ``novelty``, ``new_words`` and ``focus``, from each sentence's distinct
    syllables (one sort over the shortlist's (sentence, id) pairs)."""
    n = len(short)
    span = int(laid.ids.max()) + 1 if laid.ids.size else 1  # (sentence, id) ↦ sentence · span + id
    row, ids = np.divmod(_distinct(laid.row * span + laid.ids), span)
    lengths = np.bincount(row, minlength=n).astype(np.float64)
    new = np.bincount(row[_locate(ids, _wanted(short, list(own.syllables))) < 0], minlength=n)
    at = _locate(ids, _wanted(short, list(own.focus)))
    focus_held = np.zeros((n, len(own.focus)), dtype=bool)
    focus_held[row[at >= 0], at[at >= 0]] = True
    return {"length": np.log2(np.maximum(lengths, 1) / 20),
            "novelty": np.where(lengths > 0, 1 - held.sum(axis=1) / np.maximum(lengths, 1), 0.0),
            "new_words": np.array([math.log1p(x) for x in new.tolist()]),
            "focus": _in_order(focus_held, np.array(list(own.focus.values()), dtype=np.float64)) / own.focus_total}


def _pair_columns(question: Question, own: _Own, short: Sequence[Candidate], laid: _Laid, terms: _Terms
                  ) -> dict[str, np.ndarray]:
    """``pairs`` and ``focus_pairs``: the question's syllable pairs (two focus words for the
    latter) that a sentence holds in order, idf-weighted. Two adjacent syllables at places a and
    b of ``paired`` (the pairs' syllables) are the number a · len(paired) + b."""
    parts, idf_of = terms.pair_parts, question.idf
    paired = list(dict.fromkeys(s for _, first, second in parts for s in (first, second)))
    local = _locate(laid.ids, _wanted(short, paired))  # each syllable's place in ``paired``
    size = len(paired)
    place = {s: n for n, s in enumerate(paired)}
    adjacent = (laid.row[1:] == laid.row[:-1]) & (local[:-1] >= 0) & (local[1:] >= 0)
    at = _locate(local[:-1][adjacent] * size + local[1:][adjacent],
                 np.array([place[first] * size + place[second] for _, first, second in parts], dtype=np.int64))
    holds = np.zeros((len(short), len(parts)), dtype=bool)
    holds[laid.row[:-1][adjacent][at >= 0], at[at >= 0]] = True
    weight = np.array([idf_of[t] for t, _, _ in parts], dtype=np.float64)
    focus = own.focus
    in_focus = np.array([first in focus and second in focus for _, first, second in parts], dtype=bool)
    columns = {"pairs": _in_order(holds, weight) / terms.pair_total}
    if focus_total := sum(weight[in_focus].tolist()):
        columns["focus_pairs"] = _in_order(holds[:, in_focus], weight[in_focus]) / focus_total
    return columns


def _distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a small array: numpy 2.4's takes 15 times as long (0.14 ms)."""
    ordered = np.sort(values)
    keep = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _in_order(held: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``held @ weight``, summed column by column in order. A matrix product may round two equal
    rows differently (by where they stand), and a sentence's score must not depend on that:
    two sentences tied exactly are ordered by their place in the archive (:func:`.pick`)."""
    total = np.zeros(held.shape[0])
    for j, w in enumerate(weight.tolist()):
        total += held[:, j] * w
    return total


@dataclass(frozen=True)
class _Own:
    """What the sentence-by-sentence features need of the question, read once."""

    syllables: frozenset[str]  # every syllable of it, question words included
    folded: str  # its text, folded
    focus: dict[str, float]  # its focus words' weights
    focus_total: float
    relevant: str  # the evidence kinds that answer it, most telling first

    @classmethod
    def of(cls, question: Question) -> _Own:
        focus = question.analysis.focus_weights(question.folded)
        return cls(question_syllables(question), fold(question.text), focus, sum(focus.values()) or 1.0,
                   RELEVANT_EVIDENCE[question.analysis.kind])


def _sentence_row(question: Question, own: _Own, candidates: dict[tuple[int, int, int], Candidate], c: Candidate,
                  row: np.ndarray, spans: dict[str, tuple[tuple[int, int], ...]]) -> np.ndarray:
    """Fill in the features one shortlisted sentence needs on its own: its neighbours, its
    compounds, and the kinds of evidence it holds."""
    before = candidates.get((c.key, c.paragraph, c.position - 1))
    after = candidates.get((c.key, c.paragraph, c.position + 1))
    c.context = row[_COLUMN["context"]] = max(before.coverage if before else 0.0, after.coverage if after else 0.0)
    row[_COLUMN["words"]] = _compounds_share(question.compounds, c.words)
    row[_COLUMN["follows"]] = before.coverage if before and _REFERS_BACK_RE.match(c.text) else 0.0
    for kind in spans:
        row[_COLUMN[f"has_{kind}"]] = 1.0
    return row


def _nearness(own: _Own, short: list[Candidate], laid: _Laid, spans: list[dict[str, tuple[tuple[int, int], ...]]],
              terms: _Terms, untitled: np.ndarray) -> np.ndarray:
    """The :data:`~.nearness.NEARNESS` columns of the shortlist, laid out flat for the compiled
    pass (see :mod:`.nearness`); ``untitled``: shortlist × columns, not in the article's title."""
    table = list(dict.fromkeys([*own.syllables, *terms.singles, *own.focus]))
    ids = _locate(laid.ids, _wanted(short, table)).astype(np.int64)
    wanted = [[(kind == own.relevant[0], start, end) for kind in own.relevant for start, end in held.get(kind, ())]
              for held in spans]
    span_offsets = np.zeros(len(short) + 1, dtype=np.int64)
    np.cumsum([len(w) for w in wanted], out=span_offsets[1:])
    flat = np.array([span for w in wanted for span in w], dtype=np.int64).reshape(-1, 3)
    specific_total = untitled @ terms.weight
    return nearness(laid.offsets, ids, np.array([terms.column.get(t, -1) for t in table], dtype=np.int64),
                    np.array([t in own.syllables for t in table], dtype=np.bool_),
                    np.array([own.focus.get(t, math.nan) for t in table], dtype=np.float64),
                    span_offsets, flat[:, 1].copy(), flat[:, 2].copy(), flat[:, 0].astype(np.bool_),
                    terms.weight, untitled, np.where(specific_total != 0, specific_total, 1.0), terms.total, WINDOW)


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
