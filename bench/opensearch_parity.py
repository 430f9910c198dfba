"""Both archives in one run: the embedded index and OpenSearch (retrieval/archive/opensearch.py), the same
corpus, the same questions, the same sentence ranker.

    python bench/opensearch_parity.py [--limit 5000] [--sets viquad news]

For each dev set (../shared/data/qa, with ``limit`` baomoi distractors, the cache of ``python -m
retrieval eval``) the data folder's archive is copied into one OpenSearch 2.19.6 node
(tests/opensearch.py) by :class:`OpenSearchArchive`, exactly as ``reindex --to opensearch`` and the
bot do (one shard, so its statistics are the whole index's), then force-merged as a settled index
would be. Every question is answered twice through :meth:`Library.answer_with_hits`: once with the
embedded archive, once with the cluster's. Prints one JSON object: per set the bulk copy rate, both
evaluations (answer@1 …, and the whole answer path's latency, median and p95), and how much the
passage rankings differ (the same first passage; overlap of the top 20; retrieval alone timed).

Lucene's BM25 differs from BM25Okapi in two known ways, so rankings are not identical: its idf is
log(1 + (N − n + 0.5)/(n + 0.5)), never negative (rank-bm25 floors negative idfs at ε × the mean
idf), and document lengths are stored in one byte (lengths over 40 or so are rounded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DATA, NEWS, ROOT, machine  # noqa: E402

from retrieval.archive.opensearch import PASSAGES, Cluster, OpenSearchArchive  # noqa: E402
from retrieval.library import Library, LibrarySettings  # noqa: E402
from retrieval.text import query_terms  # noqa: E402
from retrieval.tools import eval_library, evaluate, load_questions  # noqa: E402
from tests.bot_harness import free_port  # noqa: E402
from tests.opensearch import OpenSearchNode, launcher_problem, opensearch_cluster  # noqa: E402

DEPTH = 20  # passages compared per question


def compare(embedded: Library, clustered: Library, questions: list[dict]) -> dict[str, Any]:
    """How the two rankings differ, and what retrieval alone (the top passages, no sentence
    ranking) costs in each: median and p95 in ms."""
    same_first, overlaps = 0, []
    times: dict[str, list[float]] = {"embedded": [], "opensearch": []}
    for q in questions:
        terms = query_terms(q["question"])
        if not terms:
            continue
        started = time.perf_counter()
        a = [p for p, _ in embedded.archive.top(terms, DEPTH)]
        middle = time.perf_counter()
        b = [p for p, _ in clustered.archive.top(terms, DEPTH)]
        times["embedded"].append((middle - started) * 1000)
        times["opensearch"].append((time.perf_counter() - middle) * 1000)
        same_first += bool(a and b and a[0] == b[0])
        overlaps.append(len(set(a) & set(b)) / max(len(set(a) | set(b)), 1))
    return {"questions": len(overlaps), "same_first_passage": round(same_first / max(len(overlaps), 1), 4),
            f"top{DEPTH}_jaccard_median": round(float(np.median(overlaps)), 4) if overlaps else None,
            f"top{DEPTH}_retrieval_ms": {name: {"median": round(float(np.median(t)), 2),
                                                "p95": round(float(np.percentile(t, 95)), 2)}
                                         for name, t in times.items() if t}}


def run(sets: list[str], limit: int) -> dict[str, Any]:
    problem = launcher_problem()
    if problem:
        sys.exit(problem)
    out: dict[str, Any] = {"benchmark": "OpenSearch parity", "machine": machine(), "distractors": limit, "sets": {}}
    with opensearch_cluster(1, [free_port(), free_port()], name="hoitin-parity") as nodes:
        node: OpenSearchNode = nodes[0]
        cluster = Cluster((node.url,), shards=1, replicas=0)
        for name in sets:
            articles = DATA / "qa" / f"{name}-dev-articles.jsonl"
            questions = load_questions(DATA / "qa" / f"{name}-dev-questions.jsonl")
            embedded = eval_library(ROOT / "data" / "eval", articles, NEWS, limit, LibrarySettings())
            archive = OpenSearchArchive(cluster, writable=True, from_start=True)
            started = time.perf_counter()
            clustered = Library(embedded.data_dir, LibrarySettings(), archive)  # copies the whole archive
            copying = time.perf_counter() - started
            client = archive.client
            client.indices.forcemerge(index=PASSAGES, max_num_segments=1, request_timeout=600)
            held = clustered.stats()
            out["sets"][name] = {
                "articles": held.articles, "passages": held.passages, "copy_seconds": round(copying, 1),
                "copy_passages_per_second": round(held.passages / copying, 1), "shard_bytes": held.index_bytes,
                "embedded_index_bytes": embedded.stats().index_bytes,
                "embedded": _brief(evaluate(embedded, questions)),
                "opensearch": _brief(evaluate(clustered, questions)),
                "rankings": compare(embedded, clustered, questions),
            }
            embedded.close()
            clustered.close()
    return out


def _brief(figures: dict[str, Any]) -> dict[str, Any]:
    keep = ("questions", "answer@1", "answer@3", "article@1", "passage@1", "passage@5", "latency_ms")
    return {k: figures[k] for k in keep}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="baomoi distractor articles (default 5000)")
    parser.add_argument("--sets", nargs="+", default=["viquad", "news"], choices=["viquad", "news"])
    args = parser.parse_args()
    print(json.dumps(run(args.sets, args.limit), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
