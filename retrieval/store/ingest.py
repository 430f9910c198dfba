"""Ingest: article files → parsed, deduplicated, segmented (pyvi, both cores) → store → index.

Segmentation is the slow step (pyvi runs a CRF over every syllable), so it runs only for
articles that are new or changed, in worker processes, and its output is kept in the store.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..articles import Article, Sentence, find_files, read_file, sentences_evidence
from ..errors import BadArticle
from ..text import segment_many, split_sentences
from .store import Store, content_hash

log = logging.getLogger(__name__)

BATCH = 256  # articles per store transaction
IN_FLIGHT = 8  # batches the workers may be segmenting while this process stores and indexes


def body_paragraphs(article: Article) -> list[str]:
    """The article's text paragraphs as searched: the lead (summary) first unless the body repeats it."""
    paragraphs = list(article.paragraphs)
    if article.summary and article.summary[:60] not in (paragraphs[0] if paragraphs else ""):
        paragraphs.insert(0, article.summary)
    return paragraphs


def indexed_paragraphs(article: Article) -> list[str]:
    """The paragraphs that are searched and answer questions: the body's, then each photo caption
    as a paragraph of its own (a caption often holds what the text does not: "Cầu tạm ở xã Hải
    Phú bị nước cuốn trôi chiều 18/10"). Paragraph numbers past the body's are captions."""
    return body_paragraphs(article) + [c for c in article.captions if c.strip()]


def articles_sentences(articles: Sequence[Article]) -> list[list[Sentence]]:
    """Split and segment articles: the work done once per distinct article text (all their
    sentences through pyvi's model at once, which is faster than one by one)."""
    places: list[tuple[int, int, int]] = []  # article, paragraph number, position of each sentence
    texts: list[str] = []
    for n, article in enumerate(articles):
        for number, paragraph in enumerate(indexed_paragraphs(article), start=1):
            for position, text in enumerate(split_sentences(paragraph)):
                places.append((n, number, position))
                texts.append(text)
    out: list[list[Sentence]] = [[] for _ in articles]
    segmented = segment_many(texts)
    codes = sentences_evidence([(text, " ".join(words)) for text, words in zip(texts, segmented)])
    for (n, number, position), text, words, code in zip(places, texts, segmented, codes):
        out[n].append(Sentence(number, position, text, tuple(words), code))
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


class _Segmenter:
    """Runs :func:`articles_sentences` in worker processes when there is enough work for them;
    :meth:`submit` returns at once, so the caller stores and indexes meanwhile."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, articles: list[Article]) -> Callable[[], list[list[Sentence]]]:
        """Start segmenting ``articles``; the returned function waits for their sentences."""
        if self.workers <= 1 or len(articles) < 8:
            done = articles_sentences(articles)
            return lambda: done
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers)
        size = max(1, len(articles) // (self.workers * 4))
        futures = [self._pool.submit(articles_sentences, articles[i : i + size]) for i in range(0, len(articles), size)]
        return lambda: [s for f in futures for s in f.result()]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


def ingest(
    store: Store,
    items: Iterable[Article | BadArticle],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    written: Callable[[], None] | None = None,
) -> IngestReport:
    """Store the articles; segment only new or changed ones. Bad items are reported, not fatal.

    Batches are pipelined: while the workers segment the next :data:`IN_FLIGHT` batches, this
    process writes the one before and calls ``written`` (where the library indexes), so on two
    cores neither side waits for the other.
    """
    report = IngestReport()
    segmenter = _Segmenter(workers if workers is not None else (os.cpu_count() or 1))
    batch: list[tuple[Article, str]] = []
    in_flight: deque[tuple[list[tuple[Article, str]], Callable[[], list[list[Sentence]]], int]] = deque()

    def finish_oldest() -> None:
        pending, sentences, read = in_flight.popleft()
        outcomes = store.write([(a, d, s) for (a, d), s in zip(pending, sentences())])
        for (article, _), (outcome, _) in zip(pending, outcomes):
            if outcome == "conflict":
                report.skipped.append(BadArticle(article.id, f"its URL {article.url} belongs to another stored article"))
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress:
            progress(read)
        if written:
            written()

    def submit() -> None:
        # Classified before the batches ahead of it are written: a repeat among them is
        # segmented in vain but stored once (the store classifies again as it writes).
        pending = [(a, d) for a, d in batch if store.classify(a, d)[0] != "unchanged"]
        report.unchanged += len(batch) - len(pending)
        in_flight.append((pending, segmenter.submit([a for a, _ in pending]), len(batch)))
        batch.clear()
        while len(in_flight) > IN_FLIGHT:
            finish_oldest()

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
                submit()
        submit()
        while in_flight:
            finish_oldest()
    finally:
        segmenter.close()
    return report
