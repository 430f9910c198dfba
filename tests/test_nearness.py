"""The compiled nearness pass (retrieval/answer/nearness.py) on sentences worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.answer.nearness import NEARNESS, nearness

# The question's own syllables: chu, tri, hoi are weighed (columns 0-2); "ai" is a question
# word (its own, no column). Focus words: chu (weight 1.0) and tri (0.5).
COLUMN = np.array([0, 1, 2, -1])
OWN = np.array([True, True, True, True])
FOCUS = np.array([1.0, 0.5, math.nan, math.nan])
IDF = np.array([2.0, 1.0, 4.0])
TOTAL = 7.0
# x chu tri y z tri hoi ai: -1 is a syllable the question does not have.
SENTENCE = [-1, 0, 1, -1, -1, 1, 2, 3]


def _run(spans: list[tuple[bool, int, int]], untitled: list[bool], window: int = 1) -> dict[str, float]:
    flat = np.array(spans, dtype=np.int64).reshape(-1, 3)
    untitled_row = np.array([untitled])
    specific_total = float(IDF[untitled_row[0]].sum()) or 1.0
    [row] = nearness(np.array([0, len(SENTENCE)]), np.array(SENTENCE), COLUMN, OWN, FOCUS,
                     np.array([0, len(spans)]), flat[:, 1].copy(), flat[:, 2].copy(), flat[:, 0].astype(bool),
                     IDF, untitled_row, np.array([specific_total]), TOTAL, window)
    return dict(zip(NEARNESS, row.tolist()))


def test_a_new_span_is_measured_against_the_focus_words_and_the_question_words_around_it() -> None:
    # The span "y z" (positions 3-4) is new. Focus: chu at 1 is 2 from it, tri at 2 is 1 from it.
    # Within 1 syllable: tri (2) and tri again (5), counted once: 1/7. Within 2: chu, tri, hoi: 7/7.
    # The title holds "chu": the specific ones are tri and hoi (idf 5), of which tri is close: 1/5.
    got = _run([(True, 3, 5)], untitled=[False, True, True])
    assert got == pytest.approx({"evidence": 1.0, "evidence_first": 1.0,
                                 "near_focus": max(1.0 * math.exp(-2 / 4), 0.5 * math.exp(-1 / 4)),
                                 "around": 1 / 7, "around_wide": 1.0, "around_specific": 1 / 5})


def test_a_span_made_only_of_the_questions_own_words_is_no_evidence() -> None:
    # "ai" (7) is the question's own word: what the question says is no answer.
    assert set(_run([(True, 7, 8)], untitled=[True, True, True]).values()) == {0.0}


def test_evidence_first_only_for_a_new_span_of_the_most_telling_kind() -> None:
    got = _run([(True, 7, 8), (False, 3, 5)], untitled=[True, True, True])
    assert got["evidence"] == 1.0 and got["evidence_first"] == 0.0
    assert got["around"] == pytest.approx(1 / 7)  # the same span as above: the first one does not count
