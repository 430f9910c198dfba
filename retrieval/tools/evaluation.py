"""The evaluation protocol of ``../shared/data/README.md``, through the same path as ``ask``.

One index holds the question set's articles plus the first N distractor articles; every
question is answered by :meth:`Library.answer_with_hits`, and the reply is scored:
answer@1/@3 (a reply sentence contains a gold answer), article@1 (the first sentence is cited
from the gold article), passage@1/@5 (a top passage is from the gold article and contains an
answer), latency median/p95; and, when the question file labels its questions with a
``type``, the same figures for each type.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import unicodedata
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from ..answer import Answer, Hit
from ..articles import read_file
from ..index import BM25Params
from ..library import Library, LibrarySettings
from ..text import SEGMENTATION_VERSION, strip_marks


def contains(text: str, answers: list[str]) -> bool:
    hay = unicodedata.normalize("NFC", text).casefold()
    return any(unicodedata.normalize("NFC", a).casefold() in hay for a in answers if a.strip())


def eval_library(
    cache_root: Path, articles: Path, distractors: Path | None, limit: int, settings: LibrarySettings,
    progress: Callable[[int], None] | None = None, extra: tuple[Path, ...] = (),
) -> Library:
    """A library with the evaluation corpus, kept under ``cache_root`` so reruns skip ingest.

    ``extra`` files are added whole (the protocol's full news run adds all of vnexpress-bongda).
    """
    key = f"{articles.resolve()}|{distractors.resolve() if distractors else ''}|{limit}|{settings.shape}"
    if SEGMENTATION_VERSION > 1:  # version 1 caches were made before the version was part of the key
        key += f"|segmentation {SEGMENTATION_VERSION}"
    if extra:
        key += "|" + "|".join(str(p.resolve()) for p in extra)
    folder = cache_root / hashlib.sha1(key.encode()).hexdigest()[:12]
    library = Library(folder, settings)
    ready = folder / "READY"
    if not ready.exists():
        items = list(read_file(articles))
        if distractors is not None and limit > 0:
            items.extend(read_file(distractors, limit=limit))
        for path in extra:
            items.extend(read_file(path))
        library.ingest(items, progress=progress)
        ready.write_text(key, encoding="utf-8")
    return library


HALVES = ("fit", "check")
"""The frozen halves of a dev set, by article: features are designed and the ranker fitted on
"fit"; "check" is read only as a total, once per candidate change, to see whether what helped
"fit" carries over to questions no one looked at (issue 25: a gain on one half only is no gain)."""


def half_of(article_id: str) -> str:
    """The frozen half of a question's article: a hash of its id, so no file order or later
    addition moves an article from one half to the other."""
    digest = hashlib.sha1(f"half:{article_id}".encode()).digest()
    return HALVES[digest[0] & 1]


def in_half(questions: list[dict], half: str | None) -> list[dict]:
    """The questions whose article is in ``half`` ("fit" or "check"); all of them for None."""
    if half is None:
        return questions
    if half not in HALVES:
        raise ValueError(f"a half is one of {', '.join(HALVES)}, not {half!r}")
    return [q for q in questions if half_of(q["article_id"]) == half]


def half_strip(text: str) -> str:
    """The text with the marks of every second word taken away: a reader typing carelessly."""
    return " ".join(strip_marks(w) if i % 2 else w for i, w in enumerate(text.split(" ")))


def evaluate(
    library: Library,
    questions: list[dict],
    strip: bool = False,
    progress: Callable[[int], None] | None = None,
    half: bool = False,
) -> dict:
    """Answer every question and return the protocol's figures as one JSON-ready object: for
    all of them, by kind of question (``by_type``) and by the source of the question's article
    (``by_source``: the news set mixes baomoi and VnExpress, and issue 25 reads them apart).

    ``strip`` asks the questions without diacritics, ``half`` with those of every second word only.
    """
    totals: dict[str, list[int]] = {}  # "all" and each type → [questions, a@1, a@3, article@1, p@1, p@5]
    by_source: dict[str, list[int]] = {}
    latencies: list[float] = []
    for q in questions:
        text = strip_marks(q["question"]) if strip else half_strip(q["question"]) if half else q["question"]
        start = time.perf_counter()
        answer, hits = library.answer_with_hits(text)
        latencies.append((time.perf_counter() - start) * 1000)
        row = _judged(library, q, answer, hits)
        for key in ("all", *([q["type"]] if q.get("type") else [])):
            _add(totals, key, row)
        _add(by_source, _source(library, q["article_id"]), row)
        if progress:
            progress(1)
    latencies.sort()
    held = library.stats()
    overall = _figures(totals.get("all", [0] * 6))
    return {
        **overall,
        "by_type": {key: _figures(value) for key, value in sorted(totals.items()) if key != "all"},
        "by_source": {key: _figures(value) for key, value in sorted(by_source.items())},
        "latency_ms": {
            "median": round(statistics.median(latencies), 2) if latencies else None,
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else None,
        },
        "index": {"articles": held.articles, "passages": held.passages, "archive": type(library.archive).__name__},
        "settings": {
            "strip_diacritics": strip,
            "half_diacritics": half,
            "passage_window": library.settings.shape.window,
            "passage_stride": library.settings.shape.stride,
            "depth": library.settings.depth,
            "weights": asdict(library.settings.weights),
            "ranker": library.settings.ranker.trained.get("fitted_on"),
            "bm25": asdict(BM25Params()),
        },
    }


FIGURES = ("answer@1", "answer@3", "article@1", "passage@1", "passage@5")


def _judged(library: Library, q: dict, answer: Answer, hits: list[Hit]) -> list[int]:
    """The question counted (1), then 1 or 0 for each of :data:`FIGURES`."""
    sentences = [s.text for s in answer.sentences]
    answers = q["answers"]
    good = [p.article_id == q["article_id"] and contains(p.text, answers) for p in library.passage_texts(hits[:5])]
    return [
        1,
        bool(sentences) and contains(sentences[0], answers),
        any(contains(s, answers) for s in sentences[:3]),
        bool(answer.sentences) and answer.sentences[0].citation.article_id == q["article_id"],
        bool(good[:1]) and good[0],
        any(good),
    ]


UNKNOWN_SOURCE = "(no source)"


def _source(library: Library, article_id: str) -> str:
    """The source of an article as the store holds it ("baomoi.com"); :data:`UNKNOWN_SOURCE`
    for an article without one, or not stored."""
    article = library.article(article_id)
    return (article.source if article else None) or UNKNOWN_SOURCE


def _add(totals: dict[str, list[int]], key: str, row: list[int]) -> None:
    totals[key] = [a + b for a, b in zip(totals.get(key, [0] * len(row)), row)]


def _figures(counts: list[int]) -> dict:
    n = max(counts[0], 1)
    return {"questions": counts[0], **{name: round(c / n, 4) for name, c in zip(FIGURES, counts[1:])}}


def load_questions(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
