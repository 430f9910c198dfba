"""Syllables as small integers: the article store keeps each sentence's syllables as ids.

Every question reads about 250 candidate sentences and, before this table, split each one's
stored words into syllables and looked every syllable up among the question's (1.5–2 ms of a
~9 ms answer at 35,439 articles, docs/speed.md). With the ids stored at ingest, a sentence is
one ``np.frombuffer`` and the question's syllables are found in all of them with one
``np.searchsorted``; the syllables are spelled out only for the few sentences that need them.

An id stands for an accented syllable as the index spells it (``words_syllables(words,
False)``); its folded term (``~tri`` for ``trì``) has an id of its own in a second numbering,
reached through :attr:`SyllableTable.folded_of`. Ids are never reused or renumbered: the
table only grows, and the store persists it (``syllables`` table) in the same transaction as
the sentences that use it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .vietnamese import FOLDED, fold_syllable, words_syllables

ID_TYPE = np.dtype("<i4")  # as stored: 4 bytes each, little-endian, whatever the machine


class SyllableTable:
    """Accented syllables ↔ ids, and each one's folded term's id."""

    def __init__(self, texts: Iterable[str] = ()) -> None:
        self._start(texts)

    def _start(self, texts: Iterable[str]) -> None:
        self.texts: list[str] = []  # accented syllable of each id
        self._id: dict[str, int] = {}
        self.folded_texts: list[str] = []  # folded term ("~tri") of each folded id
        self._folded_id: dict[str, int] = {}
        self._folded_of: list[int] = []  # folded id of each accented id
        self._folded_array = np.zeros(0, dtype=np.int32)
        self.extend(texts)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, texts: Iterable[str]) -> None:
        """Append syllables, which take the next ids in order (as the store hands them over)."""
        for text in texts:
            self._id[text] = len(self.texts)
            self.texts.append(text)
            folded = FOLDED + fold_syllable(text)
            if (folded_id := self._folded_id.get(folded)) is None:
                folded_id = self._folded_id[folded] = len(self.folded_texts)
                self.folded_texts.append(folded)
            self._folded_of.append(folded_id)

    def truncate(self, size: int) -> None:
        """Forget the ids from ``size`` on (those a rolled-back transaction had added)."""
        if size >= len(self.texts):
            return
        self._start(self.texts[:size])  # the folded numbering follows the accented one

    def encode(self, words: str) -> tuple[bytes, list[str]]:
        """The ids of the syllables of pyvi ``words`` (as the store keeps them: space-separated,
        compounds joined by "_"), as stored bytes, and the syllables this call added."""
        parts = words_syllables(words, False)
        added = [p for p in dict.fromkeys(parts) if p not in self._id]
        self.extend(added)
        return np.fromiter(map(self._id.__getitem__, parts), dtype=ID_TYPE, count=len(parts)).tobytes(), added

    @staticmethod
    def decode(stored: bytes) -> np.ndarray:
        """Stored bytes back to ids (read-only, no copy)."""
        return np.frombuffer(stored, dtype=ID_TYPE)

    @property
    def folded_of(self) -> np.ndarray:
        """Folded id of each accented id: ``folded_of[ids]`` reads a sentence without marks."""
        if self._folded_array.size != len(self._folded_of):
            self._folded_array = np.array(self._folded_of, dtype=np.int32)
        return self._folded_array

    def ids(self, terms: Iterable[str], folded: bool) -> dict[str, int]:
        """The ids of those ``terms`` (syllables, or folded ``~`` terms when ``folded``) that
        some stored sentence holds; the others cannot be in any sentence."""
        known = self._folded_id if folded else self._id
        return {t: known[t] for t in terms if t in known}

    def spell(self, ids: np.ndarray, folded: bool) -> tuple[str, ...]:
        """The syllables of accented ``ids`` in order, or their folded terms when ``folded``."""
        if folded:
            return tuple(map(self.folded_texts.__getitem__, self.folded_of[ids].tolist()))
        return tuple(map(self.texts.__getitem__, ids.tolist()))
