"""What a query typed without diacritics means, read off the archive itself.

"bong da" folds to syllables that are also "bỏng", "đã", "đà", "da" …: matched folded, the
function word "đã" (in nearly every article) outweighed what the reader meant. Two syllables
typed together usually are a word the archive holds, so each folded pair of the query is
spelled every way Vietnamese allows (:func:`spellings`) and looked up: when the archive holds
some of those pairs, the most frequent is taken as meant ("bóng đá"), and the pair and its two
syllables are searched and marked accented. A pair the archive never holds stays folded.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from itertools import product

from .text import FOLDED

# The letters a folded letter may have been (vowels without their tone), and the tone marks.
_LETTERS = {"a": "aăâ", "e": "eê", "o": "oôơ", "u": "uư", "d": "dđ"}
_VOWELS = set("aăâeêioôơuưy")
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")  # none, sắc, huyền, hỏi, ngã, nặng
MAX_PAIRS = 8  # pairs of a query read this way; a longer query keeps the rest folded


def spellings(folded: str) -> list[str]:
    """Every accented spelling of a folded syllable (a superset of the real ones: a lookup in
    the archive keeps those that exist). At most a few hundred: one tone on one vowel."""
    out: list[str] = []
    for letters in product(*(_LETTERS.get(c, c) for c in folded)):
        base = "".join(letters)
        vowels = [i for i, c in enumerate(base) if c in _VOWELS]
        out.append(base)
        for tone in _TONES[1:]:
            for i in vowels:
                out.append(unicodedata.normalize("NFC", base[: i + 1] + tone + base[i + 1 :]))
    return list(dict.fromkeys(out))


def meant_pairs(terms: Sequence[str], idf: Callable[[list[str]], dict[str, float]]
                ) -> tuple[list[str], dict[str, str]]:
    """The query's folded terms with each pair the archive holds accented (its most frequent
    spelling: the lowest idf), and the syllables so read (folded term → accented syllable).

    ``idf`` gives the idf of the terms the archive holds (an unknown pair is left out).
    """
    meant: dict[str, str] = {}
    pairs: dict[str, str] = {}
    for term in terms:
        if len(pairs) >= MAX_PAIRS or not term.startswith(FOLDED) or "_" not in term:
            continue
        first, second = term[len(FOLDED):].split("_", 1)
        if FOLDED + first in meant or FOLDED + second in meant:
            continue  # a syllable already read by the pair before
        spelled = [f"{a}_{b}" for a, b in product(spellings(first), spellings(second))]
        known = idf(spelled)
        if not known:
            continue
        best = min(known, key=lambda t: (known[t], t))
        pairs[term] = best
        a, b = best.split("_", 1)
        meant[FOLDED + first], meant[FOLDED + second] = a, b
    out = [pairs.get(t) or meant.get(t) or t for t in terms]
    return list(dict.fromkeys(out)), meant
