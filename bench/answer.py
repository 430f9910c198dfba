"""Answering end to end: question → cited sentences → the answer log, as the bot does it.

    python bench/answer.py [--size 5000 | 35439] [--set viquad | news] [--questions 1375] [--strip-diacritics]

Over the evaluation corpus (bench/corpus.py), every dev question of the set once after a
warm-up of 20. Each question is timed on the whole path the bot's service takes for it:
question analysis, retrieval, ranking and citations (``Library.answer``), then, when an answer
is found, its row in the answer log (``AnswerLog.record``, a scratch file here). Prints one
JSON object: milliseconds per question for that whole path (``ms``) and for ``Library.answer``
alone (``answer_ms``), median, p95, min, max; with ``--profile`` the costliest functions of a
second, profiled pass.

The machine's speed drifts (the same code has measured anywhere from 8.6 to 17.5 ms within an
hour, bench/RESULTS.md), so each question is also given to a fixed workload right after its
answer: pyvi's ``ViTokenizer.tokenize`` (pinned, third-party, pure Python like most of the
answer path). ``reference_ms`` is its timing and ``ratio_to_reference`` the median answer over
the median reference: a figure for runs made at different speeds of the machine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, library, machine, questions, summary  # noqa: E402
from pyvi import ViTokenizer  # noqa: E402

from retrieval.answer import AnswerLog  # noqa: E402
from retrieval.library import tune_collector  # noqa: E402
from retrieval.text import strip_marks  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--profile", action="store_true", help="add the 15 costliest functions (cumulative)")
    parser.add_argument("--strip-diacritics", action="store_true", help="ask the questions typed without diacritics")
    parser.add_argument("--set", choices=("viquad", "news"), default="viquad",
                        help="whose dev questions, over that set's evaluation corpus (default: %(default)s)")
    args = parser.parse_args()
    tune_collector()  # as the bot's entry point does
    lib = library(args.size, args.cache, args.set)
    asked = questions(args.set)[: args.questions]
    if args.strip_diacritics:  # the other half of the answer path: every candidate sentence folded
        asked = [strip_marks(q) for q in asked]
    with tempfile.TemporaryDirectory() as scratch:
        log = AnswerLog(Path(scratch) / "answers.sqlite3")
        for q in asked[:20]:
            lib.answer(q)
            ViTokenizer.tokenize(q)
        whole, answering, reference = [], [], []
        for q in asked:
            started = time.perf_counter()
            answer = lib.answer(q)
            answered = time.perf_counter()
            if answer.found:
                log.record(answer)
            whole.append((time.perf_counter() - started) * 1000)
            answering.append((answered - started) * 1000)
            started = time.perf_counter()
            ViTokenizer.tokenize(q)
            reference.append((time.perf_counter() - started) * 1000)
        log.close()
    stats = lib.stats()
    result: dict[str, object] = {"benchmark": "answer", "machine": machine(), "size": args.size, "set": args.set,
                                 "typing": "unaccented" if args.strip_diacritics else "accented",
                                 "articles": stats.articles, "passages": stats.passages, "ms": summary(whole, 2),
                                 "answer_ms": summary(answering, 2), "reference_ms": summary(reference, 3),
                                 "ratio_to_reference": round(statistics.median(whole) / statistics.median(reference), 3)}
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
