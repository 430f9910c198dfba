"""What both sides of a library share: its data folder, settings, store and archive."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..answer import Ranker, Weights, default_ranker
from ..archive import Archive
from ..articles import PassageShape
from ..store import PublicationDates, Store

STORE_FILE = "articles.sqlite3"  # the article store, in the data folder
INDEX_FOLDER = "index"  # the embedded index's generations, beside it


@dataclass(frozen=True)
class LibrarySettings:
    """How passages are cut and answers chosen; the defaults are the measured best."""

    shape: PassageShape = PassageShape()
    weights: Weights = Weights()
    ranker: Ranker = field(default_factory=default_ranker)
    depth: int = 30  # BM25's best passages that are re-ranked and whose sentences compete
    sentences: int = 3
    time_aware: bool = True  # read "hôm qua", "năm 2024" … in questions (off: the words are just words)


class LibraryFolder:
    """One data folder's store and archive, and how answers are chosen from them."""

    data_dir: Path
    settings: LibrarySettings
    store: Store
    index_dir: Path
    archive: Archive
    _dates: PublicationDates | None
