"""Whether a sentence holds the kind of thing a question asks for (a year, a number, a name),
one that the question does not already say: the ``cue`` feature of :mod:`.features`, and the
test :meth:`retrieval.library.Library.answer` puts a title to before answering with it.

The shortlist's sentences are read together: joined by NUL, each pattern runs once over all
of them and its matches are given back to their sentences by where they start. A NUL is no
letter, no digit and no white space, so no match runs across two sentences, ``\\b`` sees a
sentence's ends as it sees the ends of the text, and the name pattern treats the start of each
sentence as the start of the text (a sentence's first word is capitalised anyway). Sixty
sentences, a pattern each, one at a time, took ~0.3 ms of a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..articles import SURNAMES
from ..text import fold
from .question import Kind

_YEAR_RE = re.compile(r"\b(1\d{3}|20\d{2})\b|\d{1,2}/\d{1,2}|thế kỷ|thập niên|năm \d+")
_NUMBER_RE = re.compile(r"\d|\b(một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|trăm|nghìn|ngàn|triệu|tỷ|tỉ)\b", re.IGNORECASE)
# Three or four capitalised syllables starting with a family name are almost always a person
# ("Trương Thị Mai"), where two may be a place ("Hà Nội").
PERSON_RE = re.compile(rf"\b(?:{'|'.join(SURNAMES.split())})(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){{2,3}}\b")
# Two or more capitalised syllables, not at the start of a sentence (nor of a joined one).
_NAME_RE = re.compile(r"(?<!^)(?<!\x00)(?<![.!?]\s)\b([A-ZĐÀ-Ỹ][\wÀ-ỹ]*(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)+)")
_JOIN = "\x00"


def answer_type_cue(kind: Kind, sentence: str, question_folded: str) -> float:
    """:func:`answer_type_cues` of one sentence."""
    return float(answer_type_cues(kind, [sentence], question_folded)[0])


def answer_type_cues(kind: Kind, sentences: Sequence[str], question_folded: str) -> np.ndarray:
    """1.0 for each sentence that carries the kind of thing asked for where the question (its
    text folded) lacks it.

    For people and places any new capitalised name counts half; a Vietnamese person's name
    (family name plus two or three syllables) counts fully for ``ai``.
    """
    if kind is Kind.TIME:
        return _has_new(_YEAR_RE, sentences, question_folded).astype(np.float64)
    if kind is Kind.NUMBER:
        return _has_new(_NUMBER_RE, sentences, question_folded).astype(np.float64)
    if kind in (Kind.PERSON, Kind.PLACE):
        cues = 0.5 * _has_new(_NAME_RE, sentences, question_folded)
        if kind is Kind.PERSON:
            cues[_has_new(PERSON_RE, sentences, question_folded)] = 1.0
        return cues
    return np.zeros(len(sentences))


def _has_new(pattern: re.Pattern[str], sentences: Sequence[str], question_folded: str) -> np.ndarray:
    """Which sentences hold a match of ``pattern`` that the question does not already say."""
    starts = np.cumsum([0, *(len(s) + 1 for s in sentences)])
    new = [m.start() for m in pattern.finditer(_JOIN.join(sentences)) if fold(m.group(0)) not in question_folded]
    found = np.zeros(len(sentences), dtype=bool)
    found[np.searchsorted(starts, new, side="right") - 1] = True
    return found
