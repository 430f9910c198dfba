"""The embedded BM25 index: terms numbered by a vocabulary, postings in memory-mapped arrays,
saved as atomic generations.

Other packages import these names from here, never from the modules.
"""

from .bm25 import BM25Params
from .index import Index
from .vocabulary import Vocabulary

__all__ = [
    "BM25Params",
    "Index",
    "Vocabulary",
]
