"""The answer ranker: its file, its scoring formula, reproducible fitting, folds by article."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from retrieval.answer import FEATURES, KIND_FEATURES, KINDS, Kind
from retrieval.answer.ranker import MODEL_PATH, Ranker, RankerError, default_ranker
from retrieval.tools.training import Example, FitSettings, cross_validate, fit, fold_of, judge


def ranker_json(weights: dict[str, float], kind: dict[str, list[float]] | None = None) -> dict:
    return {
        "format": 1, "features": list(FEATURES), "weights": [weights.get(f, 0.0) for f in FEATURES],
        "kind_features": list(KIND_FEATURES),
        "kind_weights": {k.value: (kind or {}).get(k.value, [0.0] * len(KIND_FEATURES)) for k in KINDS},
        "trained": {},
    }


def test_a_sentence_scores_its_features_times_the_weights_plus_its_kind_weights(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(ranker_json({"coverage": 2.0, "lead": -1.0, "evidence": 0.5},
                                           {"time": [3.0, 0.0, 0.0, 0.0]})), encoding="utf-8")
    ranker = Ranker.load(path)
    rows = np.zeros((2, len(FEATURES)))
    rows[0, FEATURES.index("coverage")] = 0.5
    rows[0, FEATURES.index("lead")] = 1.0
    rows[1, FEATURES.index("coverage")] = 0.25
    rows[1, FEATURES.index("evidence")] = 1.0
    assert ranker.score(rows, Kind.PERSON).tolist() == [0.0, 1.0]
    assert ranker.score(rows, Kind.TIME).tolist() == [0.0, 4.0]  # + 3 × evidence for "khi nào"


def test_the_shipped_ranker_loads_and_says_what_it_was_fitted_on() -> None:
    ranker = default_ranker()
    assert ranker.weights.shape == (len(FEATURES),)
    fitted_on = ranker.trained["fitted_on"]
    assert isinstance(fitted_on, dict) and set(fitted_on) == {"viquad", "news"}
    assert json.loads(MODEL_PATH.read_text(encoding="utf-8"))["features"] == list(FEATURES)


def test_a_ranker_for_other_features_is_refused_with_a_way_out(tmp_path: Path) -> None:
    data = ranker_json({})
    data["features"] = data["features"][:-1]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RankerError, match="retrain it with `python -m retrieval train`"):
        Ranker.load(path)
    with pytest.raises(RankerError, match="cannot read"):
        Ranker.load(tmp_path / "missing.json")


def examples(count: int, seed: int = 7) -> list[Example]:
    """Questions whose answer sentence has high ``evidence`` and low ``lead``: learnable."""
    rng = np.random.default_rng(seed)
    out = []
    for n in range(count):
        matrix = rng.random((12, len(FEATURES)))
        positive = np.zeros(12, dtype=bool)
        answer = int(rng.integers(12))
        positive[answer] = True
        matrix[answer, FEATURES.index("evidence")] += 1.0
        matrix[answer, FEATURES.index("lead")] -= 1.0
        out.append(Example(f"q{n}", "news" if n % 3 == 0 else "viquad", f"article-{n // 2}", Kind.TIME, None,
                           False, matrix, positive, np.ones(12), tuple(f"s{n}-{i}" for i in range(12))))
    return out


def test_fitting_is_deterministic_and_learns_what_separates_answers(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    fit(examples(60)).save(first)
    fit(examples(60)).save(second)
    assert first.read_bytes() == second.read_bytes()
    ranker = Ranker.load(first)
    assert ranker.weights[FEATURES.index("evidence")] > 0 > ranker.weights[FEATURES.index("lead")]


def test_cross_validation_judges_each_question_once_by_a_model_blind_to_its_article() -> None:
    data = examples(60)
    figures = cross_validate(data, FitSettings(folds=3))
    assert figures["news accented"]["questions"] == 20 and figures["viquad accented"]["questions"] == 40
    assert figures["news accented"]["answer@1"] > 0.5  # learnable, and learnt out of fold
    folds = {fold_of(e.article_id, 3) for e in data if e.article_id == "article-0"}
    assert len(folds) == 1, "both questions of one article fall in the same fold"


def test_an_extra_column_is_fitted_as_one_more_feature_and_the_kind_weights_stay_in_place() -> None:
    # bench/semantic_headroom.py measures a candidate feature by appending it to the matrix.
    rng = np.random.default_rng(3)
    widened = []
    for e in examples(60):
        extra = rng.random((len(e.positive), 1)) + 2.0 * e.positive[:, None]
        matrix = e.matrix.copy()
        matrix[:, FEATURES.index("evidence")] = rng.random(len(e.positive))  # the extra column is what tells now
        widened.append(Example(e.question_id, e.dev_set, e.article_id, e.kind, e.type, e.stripped,
                               np.hstack([matrix, extra]), e.positive, e.coverage, e.texts))
    ranker = fit(widened)
    assert ranker.weights.shape == (len(FEATURES) + 1,)
    assert ranker.weights[-1] > 1.0
    assert all(w.shape == (len(KIND_FEATURES),) for w in ranker.kind_weights.values())
    assert cross_validate(widened, FitSettings(folds=3))["viquad accented"]["answer@1"] > 0.9


def test_a_first_sentence_counts_when_it_or_a_neighbour_holds_enough_of_the_question() -> None:
    """Training judges answers as ``ask`` gives them: below ``min_coverage``, held by the first
    sentence and by the better sentence beside it, the reply is "not found", a miss."""
    ranker = fit(examples(60))
    example = examples(1, seed=3)[0]
    first = int(np.argmax(ranker.score(example.matrix, example.kind)))
    positive = np.zeros(len(example.positive), dtype=bool)
    positive[first] = True
    coverage = np.full(len(positive), 0.1)
    for context, judged in ((0.5, (True, True)), (0.1, (False, False))):
        matrix = example.matrix.copy()
        matrix[:, FEATURES.index("context")] = context
        case = dataclasses.replace(example, matrix=matrix, positive=positive, coverage=coverage)
        assert judge(case, ranker, min_coverage=0.2) == judged, context
