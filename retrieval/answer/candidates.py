"""The sentences competing to answer a question: the question as the scorer sees it, each
candidate sentence, and picking the best few once they are scored (:mod:`.features`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ..text import FOLDED, SyllableTable
from .question import QuestionAnalysis, analyse_question


@dataclass(frozen=True)
class Weights:
    """How answers are chosen once sentences are scored (the scores come from the ranker)."""

    rerank: float = 0.1  # weight of the best sentence's score when passages are re-ranked
    # Below this share of the question, held by the best sentence or by a sentence beside it, the
    # best sentence is not an answer: "not found" (see :func:`is_answer`).
    min_coverage: float = 0.2
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
    context: str = ""  # an earlier question a follow-up replies to, whose words are looked up too

    def share(self, syllables: frozenset[str]) -> float:
        """The idf-weighted share of the question's syllables (its pairs aside) among ``syllables``:
        a sentence's ``coverage``, or the same of a title."""
        singles = [t for t in self.idf if "_" not in t]
        total = sum(self.idf[t] for t in singles) or 1.0
        return sum(self.idf[t] for t in singles if t in syllables) / total


@dataclass(slots=True)
class Candidate:
    """A sentence competing to answer, from one of the retrieved passages."""

    key: int
    paragraph: int
    position: int
    text: str
    ids: np.ndarray  # the sentence's syllable ids in order, as stored (accented, of ``table``)
    table: SyllableTable
    folded: bool  # the question is matched on the folded half: ``parts`` are folded terms
    title_syllables: frozenset[str] = frozenset()  # its article's title's, in the question's half
    words: str = ""  # its pyvi words as stored (space-separated, compounds joined by "_")
    evidence: str = ""  # its evidence code (retrieval/articles/evidence.py), computed at ingest
    retrieved: bool = False  # inside a retrieved passage (else only a neighbour, for context)
    passage_score: float = 0.0  # best BM25 score of a retrieved passage holding it
    passage_rank: int = 0  # rank of the best retrieved passage holding it (0: none)
    article_rank: int = 0  # rank of its article's best passage
    coverage: float = 0.0
    context: float = 0.0  # the coverage of the better of the sentences either side
    features: np.ndarray | None = None
    score: float = 0.0
    _parts: tuple[str, ...] | None = None
    _syllables: frozenset[str] | None = None
    _terms: frozenset[str] | None = None

    @property
    def place(self) -> tuple[int, int, int]:
        return (self.key, self.paragraph, self.position)

    @property
    def parts(self) -> tuple[str, ...]:
        """The sentence's syllables in order, in the question's half (accented, or folded terms
        such as "~tri"); spelled out only when asked for: most candidates are only ever ids."""
        if self._parts is None:
            self._parts = self.table.spell(self.ids, self.folded)
        return self._parts

    @property
    def syllables(self) -> frozenset[str]:
        """``parts`` as a set; built only when asked for (``features`` reads every sentence's
        syllables from its ids, all of them at once)."""
        if self._syllables is None:
            self._syllables = frozenset(self.parts)
        return self._syllables

    @property
    def terms(self) -> frozenset[str]:
        """Syllables and adjacent pairs, as the index has them; built only when asked for
        (near-duplicate checks), as most candidates never need their pairs spelled out."""
        if self._terms is None:
            pairs = (f"{a}_{b.removeprefix(FOLDED)}" for a, b in zip(self.parts, self.parts[1:]))
            self._terms = self.syllables | frozenset(pairs)
        return self._terms


def is_answer(coverage: float, context: float, min_coverage: float) -> bool:
    """Whether a best sentence answers, or the reply is "not found": it, or a sentence beside it,
    holds ``min_coverage`` of the question.

    The neighbour counts because a short answer often names its subject only through the
    sentence before ("Video được quay bởi một du khách tại Vườn Quốc gia Kruger" after the
    sentence about the elephants and the bees). Judged alone, the best sentence was "not found"
    for 7 of the 112 news questions of the fit half at 35,439 articles, with their article there
    (1 with its neighbour). The cost: asked over the 5,000 distractors alone (their articles
    left out), 93 of those 112 questions get an answer where 90 did (ViQuAD's fit half: 640 of
    733 where 611 did); coverage was never much of a guard against filler (bench/RESULTS.md).
    """
    return max(coverage, context) >= min_coverage


def pick(candidates: Iterable[Candidate], k: int, weights: Weights) -> list[Candidate]:
    """The k best candidates, skipping near-duplicates of one already picked and, after the first,
    those far below it (``weights.follow_margin``): filler from unrelated articles."""
    chosen: list[Candidate] = []
    for c in sorted((c for c in candidates if c.features is not None), key=lambda c: (-c.score, c.place)):
        if chosen and c.score < chosen[0].score - weights.follow_margin:
            break
        if any(len(c.terms & p.terms) / max(len(c.terms | p.terms), 1) >= weights.duplicate for p in chosen):
            continue
        chosen.append(c)
        if len(chosen) == k:
            break
    return chosen
