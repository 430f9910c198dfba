"""The source of truth: articles in SQLite (schema migrations, transactions), what ingesting
files into it does, and the publication dates read from it.

Other packages import these names from here, never from the modules.
"""

from .dates import PublicationDates
from .ingest import IngestReport, body_paragraphs, ingest, read_articles
from .sqlite import connect, migrate, transaction
from .store import Store, StoredArticle

__all__ = [
    "IngestReport",
    "PublicationDates",
    "Store",
    "StoredArticle",
    "body_paragraphs",
    "connect",
    "ingest",
    "migrate",
    "read_articles",
    "transaction",
]
