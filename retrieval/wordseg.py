"""pyvi's word segmentation: the same words, several times faster.

pyvi (``ViTokenizer.tokenize``) splits a sentence into syllables, describes each syllable by a
dict of features (itself and its neighbours lower-cased, their capitals, whether two or three
syllables in a row are a known word), and lets its CRF (python-crfsuite) label each syllable as
the start (``B_W``) or the inside (``I_W``) of a word. Profiled on news text, most of its time is
Python building those dicts and crfsuite turning each back into ``name:value`` strings to look
up, one string per feature per syllable; the CRF's own arithmetic is tiny (two labels).

This module does the same arithmetic on the same model without the strings. It reads the weights
from pyvi's crfsuite model file (format: crfsuite's ``crf1d_model.c``; read-only, little-endian):
one row of weights per lower-cased syllable the model knows, for the syllable itself, as the
previous and as the next one, plus one weight per flag (capitals, digits, known two- and
three-syllable words). A sentence's state scores are sums of rows, added in crfsuite's order
(the order of pyvi's feature dict; a missing feature adds 0.0, which changes no sum), and the
labels come from crfsuite's Viterbi, ties broken as it does. So the labels, and the words, are
pyvi's own, bit for bit: ``tests/test_wordseg.py`` checks it against pyvi on written sentences
and on the news corpus.
"""

from __future__ import annotations

import itertools
import string
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .errors import IndexFormatError

_B, _I = 0, 1  # pyvi's labels, in the model's order (checked when it loads)
# The per-syllable features, by the prefix of their crfsuite attribute, and the flags: their
# order is pyvi's word2features dict, the order crfsuite adds them in.
_FAMILIES = ("word.lower():", "-1:word.lower():", "+1:word.lower():")
_FLAGS = ("bias", "word.isupper()", "word.istitle()", "word.isdigit()",
          "-1:word.istitle()", "-1:word.isupper()", "-1:word.bi_gram()", "-2:word.tri_gram()",
          "+1:word.istitle()", "+1:word.isupper()", "+1:word.bi_gram()", "+2:word.tri_gram()")


class SegmenterModelError(IndexFormatError):
    """pyvi's model file is not the crfsuite model this module reads (another pyvi version?)."""


@dataclass(frozen=True)
class _Model:
    rows: dict[str, int]  # lower-cased syllable → its row in ``syllable`` (0: unknown, all zeros)
    syllable: np.ndarray  # float64 (rows, 3 families, 2 labels)
    flag: dict[str, np.ndarray]  # each flag's weights per label
    transition: tuple[tuple[float, float], tuple[float, float]]  # [from][to]


def _cqdb_strings(buffer: bytes, offset: int) -> list[str]:
    """The strings of a crfsuite CQDB chunk, by id (its backward array)."""
    chunk, _, _, _, count, backward = struct.unpack_from("<4sIIIII", buffer, offset)
    if chunk != b"CQDB":
        raise SegmenterModelError(f"pyvi's model has no string table at {offset:#x}")
    out = []
    for number in range(count):
        (at,) = struct.unpack_from("<I", buffer, offset + backward + 4 * number)
        _, size = struct.unpack_from("<II", buffer, offset + at)
        out.append(buffer[offset + at + 8 : offset + at + 7 + size].decode("utf-8"))  # size counts the NUL
    return out


def read_model(path: Path) -> _Model:
    buffer = path.read_bytes()
    magic, _, kind, _, _, _, _, at_features, at_labels, at_attributes, _, _ = struct.unpack_from("<4sI4sIIIIIIIII", buffer)
    if magic != b"lCRF" or kind != b"FOMC":
        raise SegmenterModelError(f"{path} is not a first-order crfsuite model")
    if _cqdb_strings(buffer, at_labels) != ["B_W", "I_W"]:
        raise SegmenterModelError(f"{path} does not label B_W / I_W")
    attributes = _cqdb_strings(buffer, at_attributes)
    _, _, count = struct.unpack_from("<4sII", buffer, at_features)
    rows: dict[str, int] = {}
    for name in attributes:
        for family in _FAMILIES:
            if name.startswith(family):
                rows.setdefault(name[len(family):], len(rows) + 1)
    syllable = np.zeros((len(rows) + 1, len(_FAMILIES), 2))
    flag = {name: np.zeros(2) for name in _FLAGS}
    transition = np.zeros((2, 2))
    for number in range(count):
        kind_of, source, label, weight = struct.unpack_from("<IIId", buffer, at_features + 12 + 20 * number)
        if kind_of == 1:
            transition[source, label] = weight
            continue
        name = attributes[source]
        if name in flag:
            flag[name][label] = weight
            continue
        for column, family in enumerate(_FAMILIES):
            if name.startswith(family):
                syllable[rows[name[len(family):]], column, label] = weight
    return _Model(rows, syllable, flag, ((transition[0, 0], transition[0, 1]), (transition[1, 0], transition[1, 1])))


@cache
def _pyvi() -> tuple[object, _Model, frozenset[str], frozenset[str]]:
    """pyvi's tokenizer class (for its syllable splitter), its model and its two- and
    three-syllable words (loading takes a second: on first use only)."""
    from pyvi.ViTokenizer import ViTokenizer

    model = read_model(Path(ViTokenizer.model.modelfile.name))
    return ViTokenizer, model, frozenset(ViTokenizer.bi_grams), frozenset(ViTokenizer.tri_grams)


def _states(sentences: Sequence[list[str]], model: _Model, bi_grams: frozenset[str],
            tri_grams: frozenset[str]) -> np.ndarray:
    """The CRF state scores (syllables of all sentences, 2 labels), summed in crfsuite's order."""
    flat = [s for sentence in sentences for s in sentence]
    n = len(flat)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    ends = np.cumsum(lengths)
    position = np.arange(n) - np.repeat(ends - lengths, lengths)  # within its sentence
    remaining = np.repeat(ends, lengths) - np.arange(n) - 1  # syllables after it in its sentence
    lower = [s.lower() for s in flat]
    row = np.fromiter(map(model.rows.get, lower, itertools.repeat(0)), dtype=np.int64, count=n)
    upper = np.fromiter((s.isupper() for s in flat), dtype=bool, count=n)
    title = np.fromiter((s.istitle() for s in flat), dtype=bool, count=n)
    digit = np.fromiter((s.isdigit() for s in flat), dtype=bool, count=n)
    # bi[i]: syllables i, i+1 are a known word; tri[i]: i, i+1, i+2. pyvi lower-cases after
    # joining; joining lower-cased syllables differs only for letters no Vietnamese word has.
    # Computed across sentence ends too, and used only where the sentence goes on.
    bi = np.zeros(n, dtype=bool)
    bi[: max(n - 1, 0)] = [f"{a} {b}" in bi_grams for a, b in zip(lower, lower[1:])]
    tri = np.zeros(n, dtype=bool)
    tri[: max(n - 2, 0)] = [f"{a} {b} {c}" in tri_grams for a, b, c in zip(lower, lower[1:], lower[2:])]
    has_prev, has_next = position > 0, remaining > 0
    has_prev2, has_next2 = position > 1, remaining > 1
    w, f = model.syllable, model.flag

    def shifted(values: np.ndarray, by: int) -> np.ndarray:  # values[i + by], False past the ends
        out = np.zeros(n, dtype=values.dtype)
        if by > 0:
            out[: max(n - by, 0)] = values[by:]
        else:
            out[-by:] = values[: n + by]
        return out

    def flag(name: str, on: np.ndarray) -> np.ndarray:
        return on[:, None] * f[name]

    state = np.zeros((n, 2)) + f["bias"]
    state += w[row, 0]
    state += flag("word.isupper()", upper)
    state += flag("word.istitle()", title)
    state += flag("word.isdigit()", digit)
    state += w[np.where(has_prev, shifted(row, -1), 0), 1]
    state += flag("-1:word.istitle()", has_prev & shifted(title, -1))
    state += flag("-1:word.isupper()", has_prev & shifted(upper, -1))
    state += flag("-1:word.bi_gram()", has_prev & shifted(bi, -1))
    state += flag("-2:word.tri_gram()", has_prev2 & shifted(tri, -2))
    state += w[np.where(has_next, shifted(row, 1), 0), 2]
    state += flag("+1:word.istitle()", has_next & shifted(title, 1))
    state += flag("+1:word.isupper()", has_next & shifted(upper, 1))
    state += flag("+1:word.bi_gram()", has_next & bi)
    state += flag("+2:word.tri_gram()", has_next2 & tri)
    return state


def _viterbi(state_b: list[float], state_i: list[float],
             transition: tuple[tuple[float, float], tuple[float, float]]) -> list[int]:
    """crfsuite's ``crf1dc_viterbi`` for two labels (1 for ``I_W``): the same float64 sums in the
    same order, and the first best wins a tie, as there."""
    (bb, bi), (ib, ii) = transition
    score_b, score_i = state_b[0], state_i[0]
    back: list[tuple[int, int]] = []
    for here_b, here_i in zip(state_b[1:], state_i[1:]):
        to_b_from_b, to_b_from_i = score_b + bb, score_i + ib
        to_i_from_b, to_i_from_i = score_b + bi, score_i + ii
        from_b = 1 if to_b_from_b < to_b_from_i else 0
        from_i = 1 if to_i_from_b < to_i_from_i else 0
        back.append((from_b, from_i))
        score_b = (to_b_from_i if from_b else to_b_from_b) + here_b
        score_i = (to_i_from_i if from_i else to_i_from_b) + here_i
    label = _I if score_b < score_i else _B
    labels = [label]
    for step in reversed(back):
        label = step[label]
        labels.append(label)
    labels.reverse()
    return labels


def _join(syllables: list[str], labels: list[int]) -> str:
    parts = [syllables[0]]
    for i in range(1, len(syllables)):
        current, previous = syllables[i], syllables[i - 1]
        joins = (
            labels[i] == _I
            # pyvi's own rule after the model: never join punctuation, digits, or a capital to a
            # lower-case syllable before it (``in string.punctuation`` is pyvi's substring test)
            and current not in string.punctuation
            and previous not in string.punctuation
            and not current[0].isdigit()
            and not previous[0].isdigit()
            and not (current[0].istitle() and not previous[0].istitle())
        )
        parts.append("_" if joins else " ")
        parts.append(current)
    return "".join(parts)


def tokenize_many(texts: Sequence[str]) -> list[str]:
    """What ``pyvi.ViTokenizer.tokenize`` returns for each text: its syllables separated by
    spaces, those of one word joined by ``_`` (a text without syllables comes back as it is)."""
    tokenizer, model, bi_grams, tri_grams = _pyvi()
    split = [tokenizer.sylabelize(text)[1] for text in texts]  # type: ignore[attr-defined]
    state = _states(split, model, bi_grams, tri_grams)
    state_b, state_i = state[:, _B].tolist(), state[:, _I].tolist()
    out, at = [], 0
    for text, syllables in zip(texts, split):
        if not syllables:
            out.append(text)
            continue
        end = at + len(syllables)
        out.append(_join(syllables, _viterbi(state_b[at:end], state_i[at:end], model.transition)))
        at = end
    return out


def tokenize(text: str) -> str:
    """:func:`tokenize_many` of one text."""
    return tokenize_many([text])[0]
