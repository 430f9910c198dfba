"""The retrieval package's exceptions, one small tree.

RetrievalError
├── BadArticle        an input file or record cannot become an article (says where and why)
├── EmptyQuery        a question or query with nothing searchable in it
├── IndexFormatError  the on-disk index is missing, damaged or of another version
└── StoreError        the SQLite store cannot be opened or written
"""

from __future__ import annotations


class RetrievalError(Exception):
    """Base of every error raised by :mod:`retrieval`."""


class BadArticle(RetrievalError):
    """An input cannot be read as an article; ``where`` names the file (and line)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason

    def __reduce__(self) -> tuple[type[BadArticle], tuple[str, str]]:
        # The ingest process sends skipped items back: the default pickling would call
        # BadArticle(message) and kill that process (a URL conflict did).
        return BadArticle, (self.where, self.reason)


class EmptyQuery(RetrievalError):
    """The query holds no searchable word."""


class IndexFormatError(RetrievalError):
    """The persisted index cannot be loaded."""


class StoreError(RetrievalError):
    """The article store cannot be opened or written."""
