"""When articles were published, as arrays, read once per state of the store.

:class:`PublicationDates` reads every dated article's publication time once per state of
the store (the store's change number says when to read again); a time filter is then an
array comparison, not a query over text dates with mixed offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..text import VIETNAM, TimeFrame
from .store import Store


@dataclass(frozen=True)
class PublicationDates:
    seq: int  # the store's change number when read
    keys: np.ndarray  # int64 article keys, ascending
    moments: np.ndarray  # float64 Unix times, one per key

    @classmethod
    def read(cls, store: Store) -> PublicationDates:
        seq = store.seq
        rows = store.publication_times()
        keys = np.fromiter((k for k, _ in rows), dtype=np.int64, count=len(rows))
        moments = np.fromiter((m.timestamp() for _, m in rows), dtype=np.float64, count=len(rows))
        order = np.argsort(keys)
        return cls(seq, keys[order], moments[order])

    def span(self) -> tuple[datetime | None, datetime | None]:
        """The first and last publication times (None, None for an undated archive)."""
        if not self.moments.size:
            return None, None
        return (datetime.fromtimestamp(float(self.moments.min()), VIETNAM),
                datetime.fromtimestamp(float(self.moments.max()), VIETNAM))

    def keys_in(self, frame: TimeFrame) -> np.ndarray:
        """The keys of the articles published within ``frame`` (undated ones are not)."""
        keep = np.ones(self.keys.size, dtype=bool)
        if frame.start is not None:
            keep &= self.moments >= frame.start.timestamp()
        if frame.end is not None:
            keep &= self.moments < frame.end.timestamp()
        return self.keys[keep]

    def keys_outside(self, frame: TimeFrame) -> np.ndarray:
        """The keys of the articles known to be published outside ``frame``."""
        return np.setdiff1d(self.keys, self.keys_in(frame), assume_unique=True)

    def newest_first(self, keys: np.ndarray) -> np.ndarray:
        """A sort key per article key: newer articles first, undated ones last."""
        return np.nan_to_num(-self.of(keys), nan=np.inf)

    def of(self, keys: np.ndarray) -> np.ndarray:
        """Each key's Unix publication time, NaN when undated."""
        at = np.searchsorted(self.keys, keys)
        at = np.minimum(at, max(self.keys.size - 1, 0))
        found = self.keys[at] == keys if self.keys.size else np.zeros(keys.size, dtype=bool)
        return np.where(found, self.moments[at] if self.keys.size else np.nan, np.nan)
