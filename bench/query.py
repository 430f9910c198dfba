"""Retrieval speed: our index against rank-bm25 and bm25s on the very same tokens, in one process.

    python bench/query.py [--size 5000 | 35439 | x5] [--reference-sample 50]

The corpus is the evaluation protocol's (bench/corpus.py); ``x5`` is five copies of the full
one under distinct article keys (~177k articles), for the growth curve: ours only there, as
rank-bm25 (per-document dicts) and bm25s (its input as Python lists of tokens) would need
far more than the machine's 24 GB for 450 M postings. Each question's terms (``query_terms``) are the query for
all three; every implementation indexes the same passage token lists.
- ours: ``Index.top(terms, 10)``; every question.
- rank-bm25: ``BM25Okapi.get_scores`` and the 10 best; a sample of questions (it is slow).
  Its top 10 (positive scores, ties by passage number) must equal ours.
- bm25s: ``method="robertson"`` (its closest to Okapi: same tf part up to a constant, idf
  floored at 0 instead of epsilon), ``retrieve(k=10)`` one question at a time, one thread.
Prints one JSON object: per-query milliseconds (median, p95, min, max) for each, ratios of
medians, top-10 agreement, build times.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, FULL, library, machine, passage_terms, questions, summary  # noqa: E402

from retrieval.articles import Passage  # noqa: E402
from retrieval.index import Index  # noqa: E402
from retrieval.text import query_terms  # noqa: E402

K = 10


def _timed(function, *args):  # noqa: ANN001, ANN202
    started = time.perf_counter()
    result = function(*args)
    return result, (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="5000", help="distractor articles: a number, or x5 (default 5000)")
    parser.add_argument("--reference-sample", type=int, default=50, help="questions rank-bm25 answers (default 50)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where evaluation corpora are cached")
    args = parser.parse_args()
    copies = 5 if args.size == "x5" else 1
    items = _passages(FULL if args.size == "x5" else int(args.size), copies, args.cache)
    queries = [t for t in (query_terms(q) for q in questions()) if t]
    sample = queries[:: max(1, len(queries) // args.reference_sample)][: args.reference_sample]
    result: dict[str, object] = {
        "benchmark": "query", "machine": machine(), "size": args.size,
        "articles": len({p.article for p, _ in items}), "passages": len(items),
        "postings": sum(len(set(t)) for _, t in items), "queries": len(queries),
        "reference_sample": len(sample), "k": K,
    }

    def build_ours() -> Index:
        index = Index()
        step = len(items) // copies
        for start in range(0, len(items), step):  # one copy at a time: the merge is incremental
            index.add(items[start : start + step])
        return index

    index, build = _timed(build_ours)
    ours = [_timed(index.top, terms, K) for terms in queries]
    result["ours"] = {"build_s": round(build / 1000, 1), "ms": summary([ms for _, ms in ours], 4)}
    if copies == 1:
        result.update(_against_rank_bm25(index, items, sample))
        result.update(_against_bm25s(items, queries, ours))
    print(json.dumps(result, indent=2))
    return 0


def _passages(limit: int, copies: int, cache: Path) -> list[tuple[Passage, list[str]]]:
    """The evaluation corpus's passages and terms, ``copies`` times under distinct article keys."""
    lib = library(limit, cache)
    items = passage_terms(lib)
    lib.close()
    del lib  # its own index would sit beside the three built after (rank-bm25 alone needs ~15 GB)
    gc.collect()
    if copies == 1:
        return items
    step = max(p.article for p, _ in items) + 1
    return [(Passage(p.article + c * step, p.paragraph, p.first, p.last), terms)
            for c in range(copies) for p, terms in items]


def _against_rank_bm25(index: Index, items: list[tuple[Passage, list[str]]],
                       sample: list[list[str]]) -> dict[str, object]:
    """rank-bm25's timings on ``sample``, and whether its top 10 is ours."""
    from rank_bm25 import BM25Okapi

    reference, build = _timed(BM25Okapi, [terms for _, terms in items])
    agree = same_scores = 0
    ms, worst = [], 0.0
    for terms in sample:
        scores, took = _timed(reference.get_scores, terms)
        positive = np.flatnonzero(scores > 0)
        best = positive[np.lexsort((positive, -scores[positive]))][:K]
        ms.append(took)
        got = index.top(terms, K)
        agree += best.tolist() == [d for d, _ in got]
        # Where the lists differ, it is between passages whose scores differ only in float
        # rounding (sums taken in another order): the scores at each rank must agree.
        gap = float(np.max(np.abs(scores[best] - [s for _, s in got]))) if len(got) == best.size else 1.0
        worst = max(worst, gap)
        same_scores += gap <= 1e-9
    sample_ours = [_timed(index.top, terms, K)[1] for terms in sample]
    del reference
    gc.collect()
    return {"rank_bm25": {"build_s": round(build / 1000, 1), "ms": summary(ms, 2),
                          "identical_top10_ids": f"{agree}/{len(sample)}",
                          "identical_top10_scores": f"{same_scores}/{len(sample)}",
                          "largest_score_difference": worst},
            "ratio_rank_bm25_over_ours_median": round(summary(ms)["median"] / summary(sample_ours, 6)["median"], 1)}


def _against_bm25s(items: list[tuple[Passage, list[str]]], queries: list[list[str]],
                   ours: list[tuple[list[tuple[int, float]], float]]) -> dict[str, object]:
    """bm25s's timings on every query, and how much of its top 10 is ours (``ours``: our
    top 10 and milliseconds per query)."""
    import bm25s

    retriever = bm25s.BM25(method="robertson", k1=1.5, b=0.75)
    _, build = _timed(lambda: retriever.index([terms for _, terms in items], show_progress=False))
    ms, overlap = [], []
    for terms, (top, _) in zip(queries, ours):
        (docs, _scores), took = _timed(lambda t=terms: retriever.retrieve([t], k=K, show_progress=False, n_threads=1))
        ms.append(took)
        overlap.append(len(set(docs[0].tolist()) & {d for d, _ in top}) / K)
    return {"bm25s": {"version": bm25s.__version__, "method": "robertson", "build_s": round(build / 1000, 1),
                      "ms": summary(ms, 4), "top10_overlap_with_ours": round(float(np.mean(overlap)), 3)},
            "ratio_bm25s_over_ours_median": round(summary(ms, 6)["median"] / summary([m for _, m in ours], 6)["median"], 2)}


if __name__ == "__main__":
    sys.exit(main())
