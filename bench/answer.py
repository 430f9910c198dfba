"""Answering end to end: question → cited sentences, as the bot calls it (``Library.answer``).

    python bench/answer.py [--size 5000 | 35439] [--questions 1375] [--strip-diacritics]

Over the evaluation corpus (bench/corpus.py), every dev question once after a warm-up of 20.
Prints one JSON object: milliseconds per answer (median, p95, min, max), and with
``--profile`` the costliest functions of a second, profiled pass.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, library, machine, questions, summary  # noqa: E402

from retrieval.text import strip_marks  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--profile", action="store_true", help="add the 15 costliest functions (cumulative)")
    parser.add_argument("--strip-diacritics", action="store_true", help="ask the questions typed without diacritics")
    args = parser.parse_args()
    lib = library(args.size, args.cache)
    asked = questions()[: args.questions]
    if args.strip_diacritics:  # the other half of the answer path: every candidate sentence folded
        asked = [strip_marks(q) for q in asked]
    for q in asked[:20]:
        lib.answer(q)
    ms = []
    for q in asked:
        started = time.perf_counter()
        lib.answer(q)
        ms.append((time.perf_counter() - started) * 1000)
    stats = lib.stats()
    result: dict[str, object] = {"benchmark": "answer", "machine": machine(), "size": args.size,
                                 "typing": "unaccented" if args.strip_diacritics else "accented",
                                 "articles": stats.articles, "passages": stats.passages, "ms": summary(ms, 2)}
    if args.profile:  # a second pass, so that the profiler's cost stays out of the timings
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [lib.answer(q) for q in asked])
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
        result["profile"] = [line.strip() for line in out.getvalue().splitlines() if "/" in line or "{" in line]
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
