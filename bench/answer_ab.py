"""The answer path of this tree against a base commit's, in one process, question by question.

    python bench/answer_ab.py --base REV [--size 5000 | 35439] [--set viquad | news] [--rounds 2] [--strip-diacritics]

This machine's speed moves by up to a quarter between two runs of the same code, so two runs
of ``bench/answer.py`` compare badly. Here both trees answer in the same process, over the same
evaluation corpus (bench/corpus.py), alternating question by question (which tree goes first
alternates too): whatever slows the machine slows both. The base's ``retrieval`` package is
taken from git (``git archive REV retrieval``) into a scratch folder and imported as
``retrieval_base``; its modules import one another relatively, so it runs apart from this
tree's. Both open the same cached store and index, so the base must read this tree's store
schema and index format (any commit since they last changed).

Times ``Library.answer`` (question analysis, retrieval, ranking, citations) after a warm-up of
20 questions per tree; the process sets the collector as the bot does (``tune_collector``),
for both trees alike. Prints one JSON object: median, p95, mean and the ratios this/base.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, DATA, NEWS, ROOT, machine, questions, require_data, summary  # noqa: E402

from retrieval.library import Library, LibrarySettings, tune_collector  # noqa: E402
from retrieval.text import strip_marks  # noqa: E402
from retrieval.tools import eval_library  # noqa: E402


def base_library(rev: str, scratch: Path, size: int, dev_set: str) -> object:
    """The evaluation corpus opened by commit ``rev``'s ``retrieval`` (as ``retrieval_base``)."""
    archive = subprocess.run(["git", "archive", rev, "retrieval"], cwd=ROOT, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(scratch, filter="data")
    (scratch / "retrieval").rename(scratch / "retrieval_base")
    sys.path.insert(0, str(scratch))
    tools = importlib.import_module("retrieval_base.tools")
    library = importlib.import_module("retrieval_base.library")
    return tools.eval_library(CACHE, DATA / "qa" / f"{dev_set}-dev-articles.jsonl", NEWS, size,
                              library.LibrarySettings())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True, help="the commit to compare with (e.g. HEAD~1, a hash)")
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--set", choices=("viquad", "news"), default="viquad",
                        help="whose dev questions, over that set's evaluation corpus (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=2, help="times each question is asked of each tree")
    parser.add_argument("--strip-diacritics", action="store_true", help="ask the questions typed without diacritics")
    args = parser.parse_args()
    require_data()
    tune_collector()
    asked = questions(args.set)
    if args.strip_diacritics:
        asked = [strip_marks(q) for q in asked]
    with tempfile.TemporaryDirectory() as scratch:
        trees: dict[str, Library] = {
            "this": eval_library(CACHE, DATA / "qa" / f"{args.set}-dev-articles.jsonl", NEWS, args.size,
                                 LibrarySettings()),
            "base": base_library(args.base, Path(scratch), args.size, args.set),  # type: ignore[dict-item]
        }
        for lib in trees.values():
            for q in asked[:20]:
                lib.answer(q)
        times: dict[str, list[float]] = {name: [] for name in trees}
        order = list(trees)
        for _ in range(args.rounds):
            for i, q in enumerate(asked):
                for name in order if i % 2 else order[::-1]:
                    started = time.perf_counter()
                    trees[name].answer(q)
                    times[name].append((time.perf_counter() - started) * 1000)
    result = {"benchmark": "answer_ab", "machine": machine(), "base": args.base, "size": args.size, "set": args.set,
              "typing": "unaccented" if args.strip_diacritics else "accented", "rounds": args.rounds,
              **{name: {**summary(values, 3), "mean": round(statistics.mean(values), 3)} for name, values in times.items()},
              "ratio_median": round(statistics.median(times["this"]) / statistics.median(times["base"]), 3),
              "ratio_mean": round(statistics.mean(times["this"]) / statistics.mean(times["base"]), 3)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
