"""Ingest: article files → parsed, deduplicated, segmented (pyvi, both cores) → store → index.

Segmentation is the slow step (pyvi runs a CRF over every syllable), so it runs only for
articles that are new or changed, in worker processes, and its output is kept in the store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BadArticle
from .evidence import sentence_evidence
from .formats import find_files, read_file
from .models import Article, Sentence
from .store import Store, content_hash
from .text import segment, split_sentences

log = logging.getLogger(__name__)

BATCH = 256  # articles per store transaction


def indexed_paragraphs(article: Article) -> list[str]:
    """The paragraphs that are searched: the lead (summary) first unless the body repeats it."""
    paragraphs = list(article.paragraphs)
    if article.summary and article.summary[:60] not in (paragraphs[0] if paragraphs else ""):
        paragraphs.insert(0, article.summary)
    return paragraphs


def article_sentences(article: Article) -> list[Sentence]:
    """Split and segment an article: the work done once per distinct article text."""
    out: list[Sentence] = []
    for number, paragraph in enumerate(indexed_paragraphs(article), start=1):
        for position, text in enumerate(split_sentences(paragraph)):
            words = tuple(segment(text))
            out.append(Sentence(number, position, text, words, sentence_evidence(text, " ".join(words))))
    return out


@dataclass
class IngestReport:
    ingested: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: list[BadArticle] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.ingested + self.replaced + self.unchanged

    def summary(self) -> str:
        return (
            f"ingested {self.ingested}, replaced {self.replaced}, unchanged {self.unchanged}, "
            f"skipped {len(self.skipped)}"
        )


def read_articles(paths: Iterable[Path], limit: int | None = None) -> Iterator[Article | BadArticle]:
    """Every article (or the reason it is unreadable) under the given files and folders."""
    for found in find_files(list(paths)):
        if isinstance(found, BadArticle):
            yield found
        else:
            yield from read_file(found, limit=limit)


def _segment_batch(articles: list[Article]) -> list[list[Sentence]]:
    return [article_sentences(a) for a in articles]


class _Segmenter:
    """Runs :func:`article_sentences` in worker processes when there is enough work for them."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, articles: list[Article]) -> list[list[Sentence]]:
        if self.workers <= 1 or len(articles) < 8:
            return _segment_batch(articles)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers)
        size = max(1, len(articles) // (self.workers * 4))
        chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
        return [s for part in self._pool.map(_segment_batch, chunks) for s in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def ingest(
    store: Store,
    items: Iterable[Article | BadArticle],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Store the articles; segment only new or changed ones. Bad items are reported, not fatal."""
    report = IngestReport()
    segmenter = _Segmenter(workers if workers is not None else (os.cpu_count() or 1))
    batch: list[tuple[Article, str]] = []

    def flush() -> None:
        pending = [(a, d) for a, d in batch if store.classify(a, d)[0] != "unchanged"]
        report.unchanged += len(batch) - len(pending)
        sentences = segmenter([a for a, _ in pending])
        outcomes = store.write([(a, d, s) for (a, d), s in zip(pending, sentences)])
        for (article, _), (outcome, _) in zip(pending, outcomes):
            if outcome == "conflict":
                report.skipped.append(BadArticle(article.id, f"its URL {article.url} belongs to another stored article"))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(len(batch))
        batch.clear()

    try:
        for item in items:
            if isinstance(item, BadArticle):
                log.warning("skipped %s", item)
                report.skipped.append(item)
                if progress:
                    progress(1)
                continue
            batch.append((item, content_hash(item)))
            if len(batch) >= BATCH:
                flush()
        flush()
    finally:
        segmenter.close()
    return report
