"""Arrays on disk: one ``.npy`` file each, read in memory or memory-mapped, never pickled."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def load_array(path: Path, mmap: bool) -> np.ndarray:
    """The array saved at ``path``: read into memory, or mapped read-only when ``mmap``.

    A mapped one comes back as a plain ``ndarray`` view of the same pages, not as the
    ``np.memmap`` that ``np.load`` returns: that subclass runs Python code on every index and
    slice (``__getitem__``, ``__array_finalize__``), about 0.4 ms of a question's 10 at 35k
    articles, where the answer path slices the postings a few hundred times.
    """
    array = np.load(path, allow_pickle=False, mmap_mode="r" if mmap else None)
    return np.asarray(array)
