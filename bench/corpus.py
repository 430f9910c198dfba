"""What the benchmarks share: the evaluation corpus of ../shared/data/README.md, built once and cached.

``library(limit)`` is the question set's articles plus the first ``limit`` baomoi articles,
ingested into ``data/eval/<hash>`` by the same code as ``python -m retrieval eval`` (so the
two share the cache). ``passage_terms`` re-reads the stored, already segmented sentences and
cuts the very passages the index holds, with their terms, for the reference implementations.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retrieval.answer import Ranker  # noqa: E402
from retrieval.articles import Passage  # noqa: E402
from retrieval.library import Library, LibrarySettings  # noqa: E402
from retrieval.tools import eval_library, load_questions  # noqa: E402
from retrieval.tools.training import Example, collect  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
QUESTIONS = DATA / "qa" / "viquad-dev-questions.jsonl"
NEWS = DATA / "news" / "baomoi-2017.jsonl.gz"
CACHE = ROOT / "data" / "eval"
FULL = 35_439


def require_data() -> None:
    if not QUESTIONS.exists():
        sys.exit(f"the benchmarks need the shared data at {DATA} (see its README)")


def library(limit: int, cache: Path = CACHE, dev_set: str = "viquad") -> Library:
    """The evaluation corpus of a dev set ("viquad" or "news") with ``limit`` distractors."""
    require_data()
    return eval_library(cache, DATA / "qa" / f"{dev_set}-dev-articles.jsonl", NEWS, limit, LibrarySettings())


def dev_examples(data: Path, cache: Path, limit: int, column: Column | None = None
                 ) -> tuple[list[Example], dict[str, int]]:
    """Both dev sets (ViQuAD, news) asked as ``python -m retrieval train`` asks them, as the
    ranker's examples, and how many questions each set has. ``column``, when given, adds its
    values (one row per sentence) beside each example's features, from the library it was
    asked over (bench/candidate.py)."""
    examples: list[Example] = []
    sizes: dict[str, int] = {}
    for name in ("viquad", "news"):
        lib = eval_library(cache, data / f"qa/{name}-dev-articles.jsonl", data / "news/baomoi-2017.jsonl.gz", limit,
                           LibrarySettings(ranker=Ranker.untrained()))
        asked = load_questions(data / f"qa/{name}-dev-questions.jsonl")
        sizes[name] = len(asked)
        collected = collect(lib, asked, name)
        if column is not None:
            collected = [widened(e, column(lib, e)) for e in collected]
        examples += collected
        lib.close()
    return examples, sizes


Column = Callable[[Library, Example], np.ndarray]
"""A candidate feature: its values for each sentence of an example (a vector, or a row each)."""


def widened(example: Example, values: np.ndarray) -> Example:
    """The example with ``values`` beside its features, as the fit takes extra columns."""
    return dataclasses.replace(example, matrix=np.hstack([example.matrix, values.reshape(len(example.matrix), -1)]))


def questions(dev_set: str = "viquad") -> list[str]:
    return [q["question"] for q in load_questions(DATA / "qa" / f"{dev_set}-dev-questions.jsonl")]


def passage_terms(lib: Library) -> list[tuple[Passage, list[str]]]:
    """Every stored article's passages with their terms, in store order (as a rebuild adds them)."""
    out: list[tuple[Passage, list[str]]] = []
    for stored in lib.store.changed_since(0):
        for passage, terms in lib.cut(stored).passages:
            out.append((passage, [sys.intern(t) for t in terms]))  # 90 M terms, ~3 M distinct: share them
    return out


def machine() -> dict[str, object]:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    # Changed tracked files mean the figures are of code no commit holds.
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                             capture_output=True, text=True)
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "platform": platform.platform(),
            "commit": commit.stdout.strip() or None, "uncommitted_changes": bool(changed.stdout.strip())}


def summary(values: list[float], digits: int = 3) -> dict[str, float]:
    """median, p95, min and max of a list of figures."""
    ordered = sorted(values)
    if not ordered:
        return {}
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return {"median": round(median, digits), "p95": round(ordered[int(0.95 * (len(ordered) - 1))], digits),
            "min": round(ordered[0], digits), "max": round(ordered[-1], digits), "n": len(ordered)}
