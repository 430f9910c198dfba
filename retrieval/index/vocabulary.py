"""The index's vocabulary: term ↔ number, loaded without building millions of Python objects.

At 35k articles the index has about 3 million terms (syllables and pairs, accented and
folded). A ``dict`` of them takes 1.5 s to build and ~300 MB; here the persisted terms are
one UTF-8 blob with offsets (in number order) plus a sorted array of 64-bit hashes, all plain
``.npy`` files that load memory-mapped in milliseconds. A lookup hashes the term, finds the
hash by binary search (vectorised for a whole query) and checks the term's bytes, so a hash
collision can never return a wrong number. Terms added since loading live in a small dict
until the next save.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from numba import njit

from .arrays import load_array

_FILES = ("vocab_blob", "vocab_offsets", "vocab_hashes", "vocab_order")
MEMO_LIMIT = 1_000_000
_ABSENT = -1  # a term the base does not hold, in the lookup memo


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def hashes(terms: list[str]) -> np.ndarray:
    """64-bit FNV-1a of each term's UTF-8 bytes, as int64, for all terms at once.

        h = offset;  for each byte c:  h = (h XOR c) · prime  (mod 2⁶⁴)

    The bytes go to one compiled loop (:func:`_fnv1a`): a loop of numpy steps over byte
    positions cost 0.13 ms for a question's 25 terms, ``blake2b`` per term a tenth of a 35k
    ingest's indexing. Collisions are harmless: a lookup compares the bytes.
    """
    encoded = list(map(str.encode, terms))
    ends = np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
    return _fnv1a(np.frombuffer(b"".join(encoded), dtype=np.uint8), ends).view(np.int64)


@njit(cache=True, nogil=True)
def _fnv1a(blob: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """FNV-1a of each ``blob[ends[i - 1]:ends[i]]`` (wrapping uint64 arithmetic, as the formula)."""
    out = np.empty(ends.size, dtype=np.uint64)
    start = 0
    for i in range(ends.size):
        h = _FNV_OFFSET
        for j in range(start, ends[i]):
            h = (h ^ np.uint64(blob[j])) * _FNV_PRIME
        out[i] = h
        start = ends[i]
    return out


class Vocabulary:
    def __init__(self, terms: Iterable[str] = ()) -> None:
        self._blob = np.zeros(0, dtype=np.uint8)
        self._offsets = np.zeros(1, dtype=np.int64)
        self._hashes = np.zeros(0, dtype=np.int64)  # sorted
        self._order = np.zeros(0, dtype=np.int64)  # the term number of each sorted hash
        self._extra: dict[str, int] = {}  # numbered in insertion order, from the base on
        self._extra_hashes = array("q")  # their hashes, made as they are numbered (off the save's path)
        self._memo: dict[str, int] = {}  # terms already looked up in the base (questions repeat words), _ABSENT if not there
        # The in-memory part is a plain dict: everything a fresh or growing index looks up.
        self.numbers(list(terms))  # all hashed in one call, not one numpy call per term

    @property
    def _base(self) -> int:
        return self._offsets.size - 1

    def __len__(self) -> int:
        return self._base + len(self._extra)

    def _term(self, number: int) -> bytes:
        return self._blob[self._offsets[number] : self._offsets[number + 1]].tobytes()

    def lookup(self, terms: list[str]) -> list[int | None]:
        """The number of each term, None for unknown ones; one binary search for all of them."""
        extra, memo = self._extra, self._memo
        out: list[int | None] = [extra[t] if t in extra else memo.get(t) for t in terms]
        if not self._base:
            return out
        asked = [i for i, n in enumerate(out) if n is None]
        if len(asked) < len(out):
            out = [None if n == _ABSENT else n for n in out]
        if not asked:
            return out
        asked_hashes = hashes([terms[i] for i in asked])
        places = np.minimum(np.searchsorted(self._hashes, asked_hashes), self._hashes.size - 1)
        found = self._hashes[places] == asked_hashes
        numbers = self._order[places]
        for i, place, hit, number in zip(asked, places.tolist(), found.tolist(), numbers.tolist()):
            if hit:
                encoded = terms[i].encode("utf-8")
                out[i] = number if self._term(number) == encoded else self._collided(place, encoded)
        if len(self._memo) > MEMO_LIMIT:
            self._memo.clear()
        # Terms the base lacks are kept too (the pairs of a question's words, most of them): the
        # base never changes, and a term added since loading is found in ``_extra`` first.
        self._memo.update((terms[i], _ABSENT if (n := out[i]) is None else n) for i in asked)
        return out

    def _collided(self, place: int, encoded: bytes) -> int | None:
        """The term among several with one hash (equal hashes sit side by side), or None."""
        wanted = self._hashes[place]
        while place < self._hashes.size and self._hashes[place] == wanted:
            number = int(self._order[place])
            if self._term(number) == encoded:
                return number
            place += 1
        return None

    def get(self, term: str) -> int | None:
        return self.lookup([term])[0]

    def __contains__(self, term: str) -> bool:
        return self.get(term) is not None

    def setdefault(self, term: str) -> int:
        """The term's number, giving it the next one when it is new."""
        number = self.get(term)
        return self.add_new(term) if number is None else number

    def add_new(self, term: str) -> int:
        """Number a term the caller knows to be new."""
        number = self._extra[term] = len(self)
        self._extra_hashes.extend(hashes([term]).tolist())
        return number

    def numbers(self, terms: list[str]) -> np.ndarray:
        """The number of each term, numbering new ones in order of first appearance."""
        distinct = list(dict.fromkeys(terms))
        numbered = self.number_distinct(distinct)
        if len(distinct) == len(terms):
            return numbered
        place = dict(zip(distinct, range(len(distinct))))
        return numbered[np.fromiter(map(place.__getitem__, terms), dtype=np.int64, count=len(terms))]

    def number_distinct(self, terms: list[str]) -> np.ndarray:
        """:meth:`numbers` of terms that do not repeat (what ingest has: each distinct syllable
        and pair of a batch), with the terms added since loading looked up in one C-level
        pass and no per-term Python step for the new ones."""
        numbers = np.array(list(map(self._extra.get, terms, itertools.repeat(-1))), dtype=np.int64)
        missing = np.flatnonzero(numbers < 0)
        if missing.size and self._base:
            found = self.lookup([terms[i] for i in missing.tolist()])
            numbers[missing] = [-1 if n is None else n for n in found]
            missing = missing[numbers[missing] < 0]
        if missing.size:
            new = [terms[i] for i in missing.tolist()]
            first = len(self)
            numbers[missing] = np.arange(first, first + len(new), dtype=np.int64)
            self._extra.update(zip(new, range(first, first + len(new))))
            self._extra_hashes.frombytes(hashes(new).tobytes())
        return numbers

    def terms(self) -> Iterator[str]:
        """Every term, in number order."""
        blob = self._blob.tobytes()
        offsets = self._offsets.tolist()
        for start, end in zip(offsets, offsets[1:]):
            yield blob[start:end].decode("utf-8")
        yield from self._extra

    def keep(self, live: np.ndarray) -> Vocabulary:
        """A vocabulary of the terms where ``live`` is True, numbered anew in the same order."""
        kept = Vocabulary()
        kept.number_distinct([term for term, alive in zip(self.terms(), live.tolist()) if alive])
        return kept

    # --- persistence -------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the arrays; only the terms added since loading are encoded and hashed."""
        new = list(self._extra)
        encoded, ends = _encoded(new)
        offsets = np.concatenate([self._offsets, self._offsets[-1] + ends])
        all_hashes = np.concatenate([self._hashes, np.frombuffer(self._extra_hashes, dtype=np.int64)])
        numbers = np.concatenate([self._order, np.arange(self._base, self._base + len(new), dtype=np.int64)])
        order = np.argsort(all_hashes, kind="stable")
        arrays = {"vocab_blob": np.concatenate([self._blob, encoded]),
                  "vocab_offsets": offsets, "vocab_hashes": all_hashes[order], "vocab_order": numbers[order]}
        for name in _FILES:
            np.save(folder / f"{name}.npy", arrays[name], allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> Vocabulary:
        vocab = cls()
        vocab._blob, vocab._offsets, vocab._hashes, vocab._order = (
            load_array(folder / f"{name}.npy", mmap) for name in _FILES)
        return vocab


def _encoded(terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The terms' UTF-8 bytes end to end, and where each one ends.

    One encode of all of them, each behind a NUL, whose places give the ends: an encode and a
    length per term took seconds of the final save at 35k articles, when one core works alone.
    A term holding a NUL itself (words never do: ``clean`` removes them) is encoded one by one.
    """
    joined = np.frombuffer(("\x00" + "\x00".join(terms)).encode("utf-8"), dtype=np.uint8)
    cuts = np.flatnonzero(joined == 0)
    if cuts.size != len(terms):
        pieces = [t.encode("utf-8") for t in terms]
        return (np.frombuffer(b"".join(pieces), dtype=np.uint8),
                np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))))
    return np.delete(joined, cuts), np.append(cuts[1:], joined.size) - np.arange(1, cuts.size + 1)
