"""The evaluation protocol of ``../shared/data/README.md``, through the same path as ``ask``.

One index holds the question set's articles plus the first N distractor articles; every
question is answered by :meth:`Library.answer_with_hits`, and the reply is scored:
answer@1/@3 (a reply sentence contains a gold answer), passage@1/@5 (a top passage is from
the gold article and contains an answer), latency median/p95.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from .formats import read_file
from .service import Library, Settings
from .text import strip_marks


def _contains(text: str, answers: list[str]) -> bool:
    hay = unicodedata.normalize("NFC", text).casefold()
    return any(unicodedata.normalize("NFC", a).casefold() in hay for a in answers if a.strip())


def eval_library(
    cache_root: Path, articles: Path, distractors: Path | None, limit: int, settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> Library:
    """A library with the evaluation corpus, kept under ``cache_root`` so reruns skip ingest."""
    key = f"{articles.resolve()}|{distractors.resolve() if distractors else ''}|{limit}|{settings.shape}"
    folder = cache_root / hashlib.sha1(key.encode()).hexdigest()[:12]
    library = Library(folder, settings)
    ready = folder / "READY"
    if not ready.exists():
        items = list(read_file(articles))
        if distractors is not None and limit > 0:
            items.extend(read_file(distractors, limit=limit))
        library.ingest(items, progress=progress)
        ready.write_text(key, encoding="utf-8")
    return library


def evaluate(
    library: Library,
    questions: list[dict],
    strip: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Answer every question and return the protocol's figures as one JSON-ready object."""
    a1 = a3 = p1 = p5 = 0
    latencies: list[float] = []
    for q in questions:
        text = strip_marks(q["question"]) if strip else q["question"]
        start = time.perf_counter()
        answer, hits = library.answer_with_hits(text)
        latencies.append((time.perf_counter() - start) * 1000)
        sentences = [s.text for s in answer.sentences]
        answers = q["answers"]
        a1 += bool(sentences) and _contains(sentences[0], answers)
        a3 += any(_contains(s, answers) for s in sentences[:3])
        passages = library.passage_texts(hits[:5])
        good = [p.article_id == q["article_id"] and _contains(p.text, answers) for p in passages]
        p1 += bool(good[:1]) and good[0]
        p5 += any(good)
        if progress:
            progress(1)
    n = max(len(questions), 1)
    latencies.sort()
    return {
        "questions": len(questions),
        "answer@1": round(a1 / n, 4),
        "answer@3": round(a3 / n, 4),
        "passage@1": round(p1 / n, 4),
        "passage@5": round(p5 / n, 4),
        "latency_ms": {
            "median": round(statistics.median(latencies), 2) if latencies else None,
            "p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2) if latencies else None,
        },
        "index": {"articles": library.index.n_articles, "passages": library.index.n_passages},
        "settings": {
            "strip_diacritics": strip,
            "passage_window": library.settings.shape.window,
            "passage_stride": library.settings.shape.stride,
            "depth": library.settings.depth,
            "weights": asdict(library.settings.weights),
            "bm25": asdict(library.index.params),
        },
    }


def load_questions(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
