"""What a query typed without diacritics means, read off the archive itself.

"bong da" folds to syllables that are also "bỏng", "đã", "đà", "da" …: matched folded, the
function word "đã" (in nearly every article) outweighed what the reader meant. Two syllables
typed together usually are a word the archive holds, so each folded pair of the query is
spelled every way Vietnamese allows (:func:`spellings`) and looked up: when the archive holds
some of those pairs, the most frequent is taken as meant ("bóng đá"), and the pair and its two
syllables are searched and marked accented. A pair the archive never holds stays folded.

A question answered on the folded half is also read the way the sentences it found spell its
syllables (:func:`spelled_as`), so that it can be asked again on the accented half.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from itertools import product

import numpy as np

from .syllable_table import SyllableTable
from .vietnamese import FOLDED, QUESTION_SYLLABLES, fold, fold_syllable, has_diacritics

# The letters a folded letter may have been (vowels without their tone), and the tone marks.
_LETTERS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_VOWELS = set("aăâeêioôơuưy")
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # none, sắc, huyền, hỏi, ngã, nặng
MAX_PAIRS = 8  # pairs of a query read this way; a longer query keeps the rest folded
MAX_SYLLABLE = 7  # letters of the longest Vietnamese syllable ("nghiêng")
MAX_VOWELS = 3  # vowel letters of a syllable ("người", "khuyên")
# Spellings of a pair looked up at most; two real syllables have at most 192 each ("duoi",
# "ruou"), so only made-up syllables ("doao": 864) are left folded.
MAX_SPELLED_PAIRS = 200 * 200
MAX_LOOKED_UP = 8  # words of a question spelled by the archive (up to 864 lookups each); the rest stay as typed
_INTERROGATIVES = {fold_syllable(s): s for s in QUESTION_SYLLABLES}
_TOKEN_RE = re.compile(r"\w+")


def spellings(folded: str) -> list[str]:
    """Every accented spelling of a folded syllable (a superset of the real ones: a lookup in
    the archive keeps those that exist): one tone on one vowel, at most 864. What cannot be one
    syllable (:func:`_syllable_shaped`) is spelled only as it is: a hostile "oooooooooo" had
    three million spellings, and a pair of them a product no lookup finishes."""
    if not _syllable_shaped(folded):
        return [folded]
    out: list[str] = []
    for letters in product(*(_LETTERS.get(c, c) for c in folded)):
        base = "".join(letters)
        vowels = [i for i, c in enumerate(base) if c in _VOWELS]
        out.append(base)
        for tone in _TONES[1:]:
            for i in vowels:
                out.append(unicodedata.normalize("NFC", base[: i + 1] + tone + base[i + 1 :]))
    return list(dict.fromkeys(out))


def _syllable_shaped(folded: str) -> bool:
    """Letters only, at most as long as the longest syllable ("nghieng") and with at most as
    many vowels as any syllable has ("nguoi", "khuyen")."""
    return folded.isalpha() and len(folded) <= MAX_SYLLABLE and sum(c in _VOWELS for c in folded) <= MAX_VOWELS


def meant_pairs(terms: Sequence[str], idf: Callable[[list[str]], dict[str, float]]
                ) -> tuple[list[str], dict[str, str]]:
    """The query's folded terms with the pairs the archive holds accented, and the syllables so
    read (folded term → accented syllable).

    Each pair's reading is its most frequent spelling (the lowest idf). Pairs overlap ("tai bo gd"
    has "tai bo" and "bo gd"): the most frequent readings are taken first, and a pair whose
    syllable is already read stays folded. ``idf`` gives the idf of the terms the archive holds
    (an unknown pair is left out).
    """
    readings: list[tuple[float, str, str]] = []  # (idf, folded pair, its reading)
    for term in [t for t in terms if t.startswith(FOLDED) and "_" in t][:MAX_PAIRS]:
        befores, afters = (spellings(part) for part in term[len(FOLDED):].split("_", 1))
        if len(befores) * len(afters) > MAX_SPELLED_PAIRS:
            continue
        known = idf([f"{a}_{b}" for a, b in product(befores, afters)])
        if known:
            best = min(known, key=lambda t: (known[t], t))
            readings.append((known[best], term, best))
    meant: dict[str, str] = {}
    pairs: dict[str, str] = {}
    for _, term, best in sorted(readings):
        first, second = (FOLDED + s for s in term[len(FOLDED):].split("_", 1))
        if first in meant or second in meant:
            continue
        pairs[term] = best
        meant[first], meant[second] = best.split("_", 1)
    out = [pairs.get(t) or meant.get(t) or t for t in terms]
    return list(dict.fromkeys(out)), meant


def spelled_as(question: str, sentences: Sequence[np.ndarray], table: SyllableTable,
               idf: Callable[[list[str]], dict[str, float]]) -> str:
    """``question`` with each word typed without marks spelled as ``sentences`` spell it (a word
    typed with marks stays as typed).

    ``sentences`` are those a question found on the folded half, each as its stored syllable ids
    (of ``table``). Two words typed together read first as the pair
    of syllables the sentences hold most often ("chu tri" → "chủ trì"), the most frequent pairs
    first, each as it agrees with the words already read; then an interrogative reads as one
    (:data:`QUESTION_SYLLABLES`: "nhieu" after "bao" is "nhiêu", not the "nhiều" articles are
    full of); then a word alone as the sentences spell it most often; a word they do not hold,
    as the archive does most often (the lowest ``idf`` of its :func:`spellings`; the first
    :data:`MAX_LOOKED_UP` such words), and one the archive does not hold either, as typed.
    Capitals stay where they were typed.
    """
    tokens = list(_TOKEN_RE.finditer(question))
    keys = [fold(t.group(0)) for t in tokens]
    read: list[str | None] = [t.group(0).lower() if has_diacritics(t.group(0)) else None for t in tokens]
    singles, pairs = _spellings_held(set(keys), sentences, table)
    ranked = sorted((-count, i, spelled) for i in range(len(keys) - 1)
                    for spelled, count in pairs.get((keys[i], keys[i + 1]), Counter()).items())
    for _, i, (first, second) in ranked:
        if read[i] in (None, first) and read[i + 1] in (None, second):
            read[i], read[i + 1] = first, second
    for i, key in enumerate(keys):
        if read[i] is None:
            held = singles.get(key)
            read[i] = _INTERROGATIVES.get(key) or (held.most_common(1)[0][0] if held else None)
    unread = list(dict.fromkeys(key for key, spelled in zip(keys, read) if spelled is None))
    archive = {key: min(known, key=lambda t: (known[t], t))
               for key in unread[:MAX_LOOKED_UP] if (known := idf(spellings(key)))}
    read = [spelled or archive.get(key) for key, spelled in zip(keys, read)]
    out, end = [], 0
    for token, spelled in zip(tokens, read):
        typed = token.group(0)
        out += [question[end:token.start()], _cased(spelled or typed, typed)]
        end = token.end()
    return "".join(out) + question[end:]


def spelled_along(question: str, reading: str) -> str:
    """``question`` with its words spelled as ``reading`` spells them, where ``reading`` is the
    spelling of part of it (:func:`spelled_as` of the question without its time phrase, say):
    the words of both are paired in order by their folded form, and a word ``reading`` lacks
    stays as typed. "Vi sao le hoi bi huy nam 2017" read as "Vì sao lễ hội bị hủy" gives
    "Vì sao lễ hội bị hủy nam 2017"."""
    words = [t.group(0) for t in _TOKEN_RE.finditer(reading)]
    out, end, next_word = [], 0, 0
    for token in _TOKEN_RE.finditer(question):
        typed = token.group(0)
        spelled = typed
        if next_word < len(words) and fold(words[next_word]) == fold(typed):
            spelled, next_word = words[next_word], next_word + 1
        out += [question[end:token.start()], spelled]
        end = token.end()
    return "".join(out) + question[end:]


def _spellings_held(keys: set[str], sentences: Sequence[np.ndarray], table: SyllableTable
                    ) -> tuple[dict[str, Counter[str]], dict[tuple[str, str], Counter[tuple[str, str]]]]:
    """How often ``sentences`` spell each folded syllable of ``keys`` each way, and each two
    adjacent ones (never across two sentences). The sentences' ids are laid end to end and only
    the distinct spellings found at the places of a syllable of ``keys`` are counted by numpy: a
    question's ~250 candidate sentences hold ~5,600 syllables; spelling them all out was 3 ms of
    its second reading, and visiting each of the ~900 places in Python 0.8 ms."""
    singles: dict[str, Counter[str]] = defaultdict(Counter)
    pairs: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
    wanted = table.ids([FOLDED + key for key in keys], folded=True)
    if not sentences or not wanted:
        return singles, pairs
    accented = np.concatenate(sentences).astype(np.int64)
    folded = table.folded_of[accented]
    ends = np.cumsum([len(s) for s in sentences])
    last = np.zeros(accented.size + 1, dtype=bool)  # a sentence's last syllable pairs with nothing
    last[ends - 1] = True
    held = np.zeros(accented.size + 1, dtype=bool)
    held[:-1] = np.isin(folded, np.fromiter(wanted.values(), dtype=np.int64))

    def key(word: int) -> str:
        return table.folded_texts[table.folded_of[word]][len(FOLDED):]

    at = np.flatnonzero(held)
    for (word,), count in _counted(accented[at]):
        singles[key(word)][table.texts[word]] += count
    at = np.flatnonzero(held[:-1] & held[1:] & ~last[:-1])  # a pair starts here
    for (first, second), count in _counted(accented[at], accented[at + 1]):
        pairs[(key(first), key(second))][(table.texts[first], table.texts[second])] += count
    return singles, pairs


def _counted(*columns: np.ndarray) -> list[tuple[tuple[int, ...], int]]:
    """The distinct rows of ``columns`` (same-length id arrays) with how often each occurs, in the
    order of their first occurrence (a Counter's ties then read as the text first had them)."""
    if not columns[0].size:
        return []
    rows, first, counts = np.unique(np.column_stack(columns), axis=0, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return list(zip(map(tuple, rows[order].tolist()), counts[order].tolist()))


def _cased(spelled: str, typed: str) -> str:
    """``spelled`` in the case ``typed`` was: "TP" stays capitals, "Hue" → "Huế"."""
    if len(typed) > 1 and typed.isupper():
        return spelled.upper()
    return spelled[:1].upper() + spelled[1:] if typed[:1].isupper() else spelled
