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

Everything runs over a whole batch at once (a worker's articles: ~600 sentences): numpy sums
the states of every syllable, known two- and three-syllable words are binary searches over
integer keys, and the Viterbi steps all sentences of similar length together, one numpy step
per position. On batches that is about 5× pyvi (``bench/ingest.py``, "wordseg_single_core").
"""

from __future__ import annotations

import itertools
import operator
import string
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from ..errors import IndexFormatError

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
    """The weights of a crfsuite model file such as pyvi's (``SegmenterModelError`` when it is not one)."""
    try:
        return _parse_model(path, path.read_bytes())
    except (struct.error, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise SegmenterModelError(f"{path} is not a crfsuite model this reader knows ({exc})") from exc


def _parse_model(path: Path, buffer: bytes) -> _Model:
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


@dataclass(frozen=True)
class _Lexicon:
    """pyvi's two- and three-syllable words as integer keys of their syllables, so a sentence's
    known words are a binary search over its syllable numbers, not a string per neighbour."""

    number: dict[str, int]  # a syllable of some word → its number (≥ 1; 0: in no word)
    base: int
    pairs: np.ndarray  # sorted keys a·base + b of the two-syllable words
    triples: np.ndarray  # sorted keys (a·base + b)·base + c of the three-syllable ones

    @classmethod
    def of(cls, bi_grams: Iterable[str], tri_grams: Iterable[str]) -> _Lexicon:
        bi, tri = [e.split(" ") for e in bi_grams], [e.split(" ") for e in tri_grams]
        number: dict[str, int] = {}
        for entry in itertools.chain(bi, tri):
            for part in entry:
                number.setdefault(part, len(number) + 1)
        base = len(number) + 1
        pairs = np.sort(np.array([number[a] * base + number[b] for a, b in bi], dtype=np.int64))
        triples = np.sort(np.array([(number[a] * base + number[b]) * base + number[c] for a, b, c in tri], dtype=np.int64))
        return cls(number, base, pairs, triples)

    def known(self, keys: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Which keys are words' (a key holding a syllable of no word, number 0, is none)."""
        if words.size == 0:
            return np.zeros(keys.size, dtype=bool)
        return words[np.minimum(np.searchsorted(words, keys), words.size - 1)] == keys


@cache
def _pyvi() -> tuple[object, _Model, _Lexicon]:
    """pyvi's tokenizer class (for its syllable splitter), its model and its two- and
    three-syllable words (loading takes a second: on first use only)."""
    from pyvi.ViTokenizer import ViTokenizer

    model = read_model(Path(ViTokenizer.model.modelfile.name))
    return ViTokenizer, model, _Lexicon.of(ViTokenizer.bi_grams, ViTokenizer.tri_grams)


def _shifted(values: np.ndarray, by: int) -> np.ndarray:
    """``values[i + by]`` at each i, zero (False) past the ends."""
    out = np.zeros_like(values)
    n = values.size
    if by > 0:
        out[: max(n - by, 0)] = values[by:]
    else:
        out[-by:] = values[: n + by]
    return out


def _states(flat: list[str], lower: list[str], position: np.ndarray, remaining: np.ndarray,
            model: _Model, lexicon: _Lexicon) -> np.ndarray:
    """The CRF state scores (every syllable of the batch, 2 labels), summed in crfsuite's order."""
    n = len(flat)
    row = np.fromiter(map(model.rows.get, lower, itertools.repeat(0)), dtype=np.int64, count=n)
    word = np.fromiter(map(lexicon.number.get, lower, itertools.repeat(0)), dtype=np.int64, count=n)
    upper = np.fromiter(map(str.isupper, flat), dtype=bool, count=n)  # map: no Python frame per syllable
    title = np.fromiter(map(str.istitle, flat), dtype=bool, count=n)
    digit = np.fromiter(map(str.isdigit, flat), dtype=bool, count=n)
    # bi[i]: syllables i, i+1 are a known word; tri[i]: i, i+1, i+2. pyvi lower-cases after
    # joining; joining lower-cased syllables differs only for letters no Vietnamese word has.
    # Computed across sentence ends too, and used only where the sentence goes on.
    bi = lexicon.known(word * lexicon.base + _shifted(word, 1), lexicon.pairs)
    tri = lexicon.known((word * lexicon.base + _shifted(word, 1)) * lexicon.base + _shifted(word, 2), lexicon.triples)
    has_prev, has_next = position > 0, remaining > 0
    has_prev2, has_next2 = position > 1, remaining > 1
    w, f = model.syllable, model.flag

    def flag(name: str, on: np.ndarray) -> np.ndarray:
        return on[:, None] * f[name]

    state = np.zeros((n, 2)) + f["bias"]
    state += w[row, 0]
    state += flag("word.isupper()", upper)
    state += flag("word.istitle()", title)
    state += flag("word.isdigit()", digit)
    state += w[np.where(has_prev, _shifted(row, -1), 0), 1]
    state += flag("-1:word.istitle()", has_prev & _shifted(title, -1))
    state += flag("-1:word.isupper()", has_prev & _shifted(upper, -1))
    state += flag("-1:word.bi_gram()", has_prev & _shifted(bi, -1))
    state += flag("-2:word.tri_gram()", has_prev2 & _shifted(tri, -2))
    state += w[np.where(has_next, _shifted(row, 1), 0), 2]
    state += flag("+1:word.istitle()", has_next & _shifted(title, 1))
    state += flag("+1:word.isupper()", has_next & _shifted(upper, 1))
    state += flag("+1:word.bi_gram()", has_next & bi)
    state += flag("+2:word.tri_gram()", has_next2 & tri)
    return state


PADDED_CELLS = 1 << 20  # a bound on sentences × longest syllables decoded together (memory)


def _viterbi(state: np.ndarray, lengths: np.ndarray,
             transition: tuple[tuple[float, float], tuple[float, float]]) -> np.ndarray:
    """crfsuite's ``crf1dc_viterbi`` for two labels, for many sentences at once: True where a
    syllable is ``I_W``. The same float64 sums in the same order as there, and the first best
    wins a tie; sentences of similar length go together, one numpy step per position."""
    labels = np.zeros(state.shape[0], dtype=bool)
    starts = np.cumsum(lengths) - lengths
    order = np.argsort(-lengths, kind="stable")
    group: list[int] = []
    for sentence in order.tolist() + [-1]:
        if group and (sentence < 0 or (len(group) + 1) * int(lengths[group[0]]) > PADDED_CELLS):
            if len(group) == 1:  # a question: numpy's per-step cost would triple pyvi's time
                start, end = int(starts[group[0]]), int(starts[group[0]] + lengths[group[0]])
                labels[start:end] = _viterbi_one(state[start:end, 0].tolist(), state[start:end, 1].tolist(), transition)
            else:
                chosen = np.array(group)
                _viterbi_group(state, starts[chosen], lengths[chosen], transition, labels)
            group = []
        if sentence >= 0 and lengths[sentence] > 0:
            group.append(sentence)
    return labels


def _viterbi_one(state_b: list[float], state_i: list[float],
                 transition: tuple[tuple[float, float], tuple[float, float]]) -> list[bool]:
    """:func:`_viterbi_group` for one sentence, in Python floats (the same sums and ties)."""
    (bb, bi), (ib, ii) = transition
    score_b, score_i = state_b[0], state_i[0]
    back: list[tuple[bool, bool]] = []
    for here_b, here_i in zip(state_b[1:], state_i[1:]):
        b_from_b, b_from_i = score_b + bb, score_i + ib
        i_from_b, i_from_i = score_b + bi, score_i + ii
        to_b, to_i = b_from_b < b_from_i, i_from_b < i_from_i
        back.append((to_b, to_i))
        score_b = (b_from_i if to_b else b_from_b) + here_b
        score_i = (i_from_i if to_i else i_from_b) + here_i
    label = score_b < score_i
    labels = [label]
    for to_b, to_i in reversed(back):
        label = to_i if label else to_b
        labels.append(label)
    labels.reverse()
    return labels


def _viterbi_group(state: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                   transition: tuple[tuple[float, float], tuple[float, float]], out: np.ndarray) -> None:
    """The labels of these sentences into ``out`` (one column per sentence, padded past its end)."""
    (bb, bi), (ib, ii) = transition
    longest = int(lengths.max())
    steps = np.arange(longest)[:, None]
    active = steps < lengths[None, :]  # (position, sentence)
    at = np.where(active, starts[None, :] + steps, 0)
    state_b, state_i = np.where(active, state[at, 0], 0.0), np.where(active, state[at, 1], 0.0)
    from_i_to_b = np.zeros(active.shape, dtype=bool)  # the best way into B at t comes from I
    from_i_to_i = np.ones(active.shape, dtype=bool)  # ... into I (past a sentence's end: stay)
    score_b, score_i = state_b[0].copy(), state_i[0].copy()
    for t in range(1, longest):
        on = active[t]
        b_from_b, b_from_i = score_b + bb, score_i + ib
        i_from_b, i_from_i = score_b + bi, score_i + ii
        to_b, to_i = b_from_b < b_from_i, i_from_b < i_from_i
        from_i_to_b[t] = to_b & on
        from_i_to_i[t] = to_i | ~on
        score_b = np.where(on, np.where(to_b, b_from_i, b_from_b) + state_b[t], score_b)
        score_i = np.where(on, np.where(to_i, i_from_i, i_from_b) + state_i[t], score_i)
    label = score_b < score_i  # the best last label (past the end, the scores were carried)
    labels = np.empty(active.shape, dtype=bool)
    labels[longest - 1] = label
    for t in range(longest - 1, 0, -1):
        label = np.where(label, from_i_to_i[t], from_i_to_b[t])
        labels[t - 1] = label
    out[at[active]] = labels[active]


def tokenize_many(texts: Sequence[str]) -> list[str]:
    """What ``pyvi.ViTokenizer.tokenize`` returns for each text: its syllables separated by
    spaces, those of one word joined by ``_`` (a text without syllables comes back as it is)."""
    tokenizer, model, lexicon = _pyvi()
    split = [tokenizer.sylabelize(text)[1] for text in texts]  # type: ignore[attr-defined]
    flat = [s for syllables in split for s in syllables]
    if not flat:
        return list(texts)
    lower = [s.lower() for s in flat]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    ends = np.cumsum(lengths)
    position = np.arange(len(flat)) - np.repeat(ends - lengths, lengths)  # within its sentence
    remaining = np.repeat(ends, lengths) - np.arange(len(flat)) - 1  # syllables after it
    inside = _viterbi(_states(flat, lower, position, remaining, model, lexicon), lengths, model.transition)
    # pyvi's own rule after the model: never join punctuation, digits, or a capital to a
    # lower-case syllable before it (``in string.punctuation`` is pyvi's substring test).
    punctuation = np.fromiter(map(string.punctuation.__contains__, flat), dtype=bool, count=len(flat))
    first = list(map(operator.itemgetter(0), flat))
    digit = np.fromiter(map(str.isdigit, first), dtype=bool, count=len(flat))
    capital = np.fromiter(map(str.istitle, first), dtype=bool, count=len(flat))
    joins = (inside & (position > 0) & ~punctuation & ~_shifted(punctuation, -1) & ~digit & ~_shifted(digit, -1)
             & ~(capital & ~_shifted(capital, -1)))
    glue = ["_" if j else " " for j in joins.tolist()]
    out, at = [], 0
    for text, syllables in zip(texts, split):
        if not syllables:
            out.append(text)
            continue
        end = at + len(syllables)
        out.append(syllables[0] + "".join(itertools.chain.from_iterable(zip(glue[at + 1 : end], syllables[1:]))))
        at = end
    return out


def tokenize(text: str) -> str:
    """:func:`tokenize_many` of one text."""
    return tokenize_many([text])[0]
