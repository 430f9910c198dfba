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

from .vietnamese import FOLDED

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
