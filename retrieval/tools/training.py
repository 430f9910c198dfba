"""Fitting the answer ranker on the dev sets, and the cross-validated figures that judge it.

Each dev question is asked through the same path as ``ask`` (``Library.gather``), typed with
and without diacritics; the sentences of its retrieved passages become one *list* whose
positives are the sentences holding a gold answer. The ranker (``retrieval/answer/ranker.py``) is a
linear model fitted with a listwise loss: for each question, the softmax over its sentences'
scores should put its mass on the positives (−log Σ_positive softmax). That is what answer@1
rewards; scikit-learn has no listwise objective, so the loss and its gradient are written
here (a dozen lines) and minimised with SciPy's L-BFGS from zero, which is deterministic:
the same data gives the same file.

Cross-validation folds are by article (a question is never judged by a model that saw
another question of its article), drawn from a hash of the article id, so they do not
depend on file order.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from ..answer import FEATURES, KIND_FEATURES, KINDS, Kind, Ranker, Weights, features, is_answer
from ..library import Library
from ..text import strip_marks
from .evaluation import contains


@dataclass(frozen=True)
class Example:
    """One question's competing sentences, as the ranker sees them."""

    question_id: str
    dev_set: str  # "viquad" or "news"
    article_id: str  # the gold article: folds are drawn by it
    kind: Kind
    type: str | None  # the question file's own label, when it has one
    stripped: bool  # asked without diacritics
    matrix: np.ndarray  # sentences × FEATURES
    positive: np.ndarray  # bool per sentence: it holds a gold answer
    coverage: np.ndarray  # per sentence, for the "not found" rule
    texts: tuple[str, ...]
    question: str = ""  # as asked (without its marks when ``stripped``)
    places: tuple[tuple[int, int, int], ...] = ()  # per sentence: (article key, paragraph, position)


@dataclass(frozen=True)
class FitSettings:
    """How the ranker is fitted; the defaults are the ones chosen by cross-validation."""

    l2: float = 1e-3  # penalty on the squared weights of standardised features
    news_weight: float = 2.0  # a news question counts this many ViQuAD questions (227 vs 1,375)
    folds: int = 5
    min_coverage: float = Weights.min_coverage  # the answer path's own: below it, "not found"


_CONTEXT = FEATURES.index("context")


def collect(
    library: Library, questions: list[dict], dev_set: str, progress: Callable[[int], None] | None = None,
) -> list[Example]:
    """Every question of a dev set, typed with and without diacritics, as ranker examples."""
    out: list[Example] = []
    for stripped in (False, True):
        for q in questions:
            text = strip_marks(q["question"]) if stripped else q["question"]
            asked = library.analyse(text)
            _, candidates = library.gather(asked)
            features(asked, candidates)
            scored = [(c, c.features) for c in candidates.values() if c.features is not None]
            if progress:
                progress(1)
            if not scored:
                continue
            out.append(Example(
                question_id=q["id"], dev_set=dev_set, article_id=q["article_id"], kind=asked.analysis.kind,
                type=q.get("type"), stripped=stripped,
                matrix=np.vstack([row for _, row in scored]),
                positive=np.array([contains(c.text, q["answers"]) for c, _ in scored], dtype=bool),
                coverage=np.array([c.coverage for c, _ in scored]),
                texts=tuple(c.text for c, _ in scored), question=text,
                places=tuple((c.key, c.paragraph, c.position) for c, _ in scored),
            ))
    return out


def _expanded(example: Example) -> np.ndarray:
    """The features with the kind-specific copies appended, as the fit sees them."""
    kind_block = np.zeros((len(example.matrix), len(KINDS) * len(KIND_FEATURES)))
    at = KINDS.index(example.kind) * len(KIND_FEATURES)
    kind_block[:, at : at + len(KIND_FEATURES)] = example.matrix[:, [FEATURES.index(f) for f in KIND_FEATURES]]
    return np.hstack([example.matrix, kind_block])


def fit(examples: list[Example], settings: FitSettings = FitSettings(), trained: dict | None = None) -> Ranker:
    """The ranker that minimises the listwise loss (module docstring) on these examples."""
    lists = [(_expanded(e), e.positive, settings.news_weight if e.dev_set == "news" else 1.0)
             for e in examples if e.positive.any()]
    if not lists:
        raise ValueError("no example has a positive sentence: nothing to fit")
    stacked = np.vstack([x for x, _, _ in lists])
    scale = stacked.std(axis=0)
    scale[scale == 0] = 1.0
    lists = [(x / scale, y, w) for x, y, w in lists]
    total = sum(w for _, _, w in lists)

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = 0.0, np.zeros_like(weights)
        for x, y, w in lists:
            s = x @ weights
            e = np.exp(s - s.max())
            z, p = e.sum(), e[y].sum()
            value -= w * math.log(p / z)
            grad -= w * ((e[y] @ x[y]) / p - (e @ x) / z)
        return value / total + settings.l2 * weights @ weights, grad / total + 2 * settings.l2 * weights

    result = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B")
    weights = result.x / scale
    n = stacked.shape[1] - len(KINDS) * len(KIND_FEATURES)  # len(FEATURES), or more: a bench's extra columns
    kind_weights = {k: weights[n + i * len(KIND_FEATURES) : n + (i + 1) * len(KIND_FEATURES)] for i, k in enumerate(KINDS)}
    return Ranker(weights[:n], kind_weights, trained or {})


def fold_of(article_id: str, folds: int) -> int:
    return int(hashlib.sha1(article_id.encode("utf-8")).hexdigest(), 16) % folds


@dataclass
class Tally:
    questions: int = 0
    answer1: int = 0
    answer3: int = 0

    def add(self, first: bool, top3: bool) -> None:
        self.questions += 1
        self.answer1 += first
        self.answer3 += top3

    def figures(self) -> dict[str, float | int]:
        n = max(self.questions, 1)
        return {"questions": self.questions, "answer@1": round(self.answer1 / n, 4), "answer@3": round(self.answer3 / n, 4)}


def judge(example: Example, ranker: Ranker, min_coverage: float) -> tuple[bool, bool]:
    """Whether the ranker's first sentence, and one of its first three distinct ones, hold an answer."""
    order = np.argsort(-ranker.score(example.matrix, example.kind), kind="stable")
    if not is_answer(float(example.coverage[order[0]]), float(example.matrix[order[0], _CONTEXT]), min_coverage):
        return False, False
    seen: list[str] = []
    top3 = False
    for i in order:
        if example.texts[i] in seen:
            continue
        seen.append(example.texts[i])
        top3 = top3 or bool(example.positive[i])
        if len(seen) == 3:
            break
    return bool(example.positive[order[0]]), top3


def cross_validate(
    examples: list[Example], settings: FitSettings = FitSettings(), questions: dict[str, int] | None = None,
) -> dict[str, dict[str, float | int]]:
    """Answer@1/@3 of models that never saw the judged question's article, by set, typing and kind.

    ``questions`` (per set, the number of questions in the file) counts questions that had no
    candidate at all as misses, as ``eval`` does.
    """
    tallies: dict[str, Tally] = defaultdict(Tally)
    for fold in range(settings.folds):
        train = [e for e in examples if fold_of(e.article_id, settings.folds) != fold]
        ranker = fit(train, settings)
        for e in examples:
            if fold_of(e.article_id, settings.folds) != fold:
                continue
            first, top3 = judge(e, ranker, settings.min_coverage)
            typing = "unaccented" if e.stripped else "accented"
            tallies[f"{e.dev_set} {typing}"].add(first, top3)
            if e.type:
                tallies[f"{e.dev_set} {typing} {e.type}"].add(first, top3)
    for name, count in (questions or {}).items():
        for typing in ("accented", "unaccented"):
            tally = tallies[f"{name} {typing}"]
            tally.questions = max(tally.questions, count)
    return {name: tally.figures() for name, tally in sorted(tallies.items())}


def table(figures: dict[str, dict[str, float | int]]) -> Iterable[str]:
    """The cross-validation figures as printable lines."""
    yield f"{'cross-validated':<36} {'questions':>9} {'answer@1':>9} {'answer@3':>9}"
    for name, row in figures.items():
        yield f"{name:<36} {row['questions']:>9} {row['answer@1']:>9.3f} {row['answer@3']:>9.3f}"
