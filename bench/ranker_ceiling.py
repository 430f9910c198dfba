"""How far the answer features can go: the headroom of sentence selection, measured.

    python bench/ranker_ceiling.py [--limit 5000] [--data ../shared/data] [--data-dir data]

Both dev sets are asked as ``python -m retrieval train`` asks them (with and without diacritics,
5,000 distractors), and for each set and typing this prints, as one JSON object:

- ``shortlist``: the share of questions with a sentence holding the answer among the ranker's
  candidates at all (what a perfect ranker over these candidates would score);
- ``shipped``: answer@1 of the shipped ranker (fitted on the fit halves: in-sample for them, not for the check halves);
- ``linear_cv``: the linear listwise ranker refitted fold by fold, judged on folds it did not see;
- ``trees_cv`` and ``trees_in_sample``: gradient-boosted trees (scikit-learn's
  HistGradientBoosting, pointwise, 200 rounds on one thread) on the same features plus each
  feature's gap to the best of its question and its rank there. The in-sample figures repeat
  exactly from run to run; the cross-validated ones moved by up to 0.009 between two runs, for
  a reason not found (bench/RESULTS.md gives both).
  Cross-validated, the trees say whether a non-linear model finds more in the features; fitted
  and judged on the same questions, they bound what these features can tell apart at all. When
  that bound is far under a target, new features (information the present ones lack) are what
  it needs, not another model.

Folds are by article, as in ``retrieval/tools/training.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import dev_examples  # noqa: E402

from retrieval.answer import (
    KINDS,  # noqa: E402
    default_ranker,  # noqa: E402
)
from retrieval.tools.training import Example, FitSettings, fit, fold_of, judge  # noqa: E402

# Fixed rounds (no early stopping: its held-out split is drawn per fit) on one thread (sums over
# threads come out in varying order): the in-sample figures then repeat exactly (see the docstring).
TREES = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40, "early_stopping": False,
         "random_state": 0}


def tree_rows(example: Example) -> np.ndarray:
    """The features, each one's gap to the question's best and its rank there (capped at 10),
    and the question's kind as one-hot columns."""
    m = example.matrix
    rank = np.argsort(np.argsort(-m, axis=0, kind="stable"), axis=0, kind="stable")
    kind = np.zeros((len(m), len(KINDS)))
    kind[:, KINDS.index(example.kind)] = 1.0
    return np.hstack([m, m - m.max(axis=0), np.minimum(rank, 10), kind])


def fit_trees(examples: list[Example], news_weight: float) -> HistGradientBoostingClassifier:
    """Trees over every sentence; each question weighs as much as any other (its sentences
    share its weight), a news question ``news_weight`` times a ViQuAD one."""
    x = np.vstack([tree_rows(e) for e in examples])
    y = np.concatenate([e.positive for e in examples])
    w = np.concatenate([np.full(len(e.positive), (news_weight if e.dev_set == "news" else 1.0) / len(e.positive))
                        for e in examples])
    with threadpool_limits(1):
        return HistGradientBoostingClassifier(**TREES).fit(x, y, sample_weight=w * len(examples))


def first_holds(example: Example, scores: np.ndarray, min_coverage: float) -> bool:
    best = int(np.argmax(scores))
    return bool(example.positive[best]) and example.coverage[best] >= min_coverage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="distractor articles (default 5000)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where the eval index is cached")
    args = parser.parse_args()
    if not (args.data / "qa").is_dir():
        print(f"no data at {args.data}: this benchmark needs ../shared/data", file=sys.stderr)
        return 2
    examples, sizes = dev_examples(args.data, args.data_dir / "eval", args.limit)
    settings = FitSettings()
    hits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(figure: str, e: Example, held: bool) -> None:
        hits[f"{e.dev_set} {'unaccented' if e.stripped else 'accented'}"][figure] += held

    shipped = default_ranker()
    everything = fit_trees(examples, settings.news_weight)
    for e in examples:
        count("shortlist", e, bool(e.positive.any()))
        count("shipped", e, judge(e, shipped, settings.min_coverage)[0])
        count("trees_in_sample", e, first_holds(e, everything.predict_proba(tree_rows(e))[:, 1], settings.min_coverage))
    for fold in range(settings.folds):
        train = [e for e in examples if fold_of(e.article_id, settings.folds) != fold]
        test = [e for e in examples if fold_of(e.article_id, settings.folds) == fold]
        linear, trees = fit(train, settings), fit_trees(train, settings.news_weight)
        for e in test:
            count("linear_cv", e, judge(e, linear, settings.min_coverage)[0])
            count("trees_cv", e, first_holds(e, trees.predict_proba(tree_rows(e))[:, 1], settings.min_coverage))
    # Per set and typing, as answer@1 over all its questions (one with no candidate is a miss).
    out = {name: {figure: round(n / sizes[name.split()[0]], 4) for figure, n in sorted(row.items())}
           for name, row in sorted(hits.items())}
    print(json.dumps({"distractors": args.limit, "answer@1": out, "trees": TREES}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
