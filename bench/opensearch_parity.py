"""Quality parity, measured before the OpenSearch backend exists: the same answers with the
passages ranked by OpenSearch's BM25 instead of the embedded index.

    python bench/opensearch_parity.py [--limit 5000] [--sets viquad news]

For each dev set (../shared/data/qa, with ``limit`` baomoi distractors, the cache of ``python -m
retrieval eval``) the passages the embedded index holds are written, with their very terms, to
one OpenSearch 2.19.6 node (tests/opensearch.py: a whitespace-analysed field, BM25 k1 1.5 b 0.75,
one shard so the statistics are the whole index's). Then every question is answered twice by the
same sentence ranker: once over the embedded index's passages, once over OpenSearch's top
passages (the library's retrieval step swapped for a query to the node, everything after it
unchanged). Prints one JSON object: both evaluations per set, and how much the passage rankings
differ (the same first passage; overlap of the top 20).

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
from corpus import DATA, NEWS, ROOT, machine, passage_terms  # noqa: E402

from retrieval.evaluation import eval_library, evaluate, load_questions  # noqa: E402
from retrieval.library import Library, Settings  # noqa: E402
from retrieval.models import Hit  # noqa: E402
from retrieval.text import query_terms  # noqa: E402
from tests.bot_harness import free_port  # noqa: E402
from tests.opensearch import OpenSearchNode, launcher_problem, opensearch_cluster  # noqa: E402

INDEX = "parity-passages"
DEPTH = 20  # passages compared per question


class OpenSearchRanked(Library):
    """The library with its retrieval step (BM25's k best passages) asked of OpenSearch."""

    client: Any

    def _hits(self, terms: list[str] | tuple[str, ...], k: int, among: np.ndarray | None = None) -> list[Hit]:
        query: dict[str, Any] = {"match": {"terms": " ".join(terms)}}
        if among is not None:  # a time-aware scope: the articles of its passages
            query = {"bool": {"must": query, "filter": {"terms": {"article": self.index.articles_of(among)}}}}
        found = self.client.search(index=INDEX, body={"query": query, "size": k, "_source": False})
        hits = []
        for rank, hit in enumerate(found["hits"]["hits"], start=1):
            hits.append(Hit(self.index.passage(int(hit["_id"])), float(hit["_score"]), rank))
        return hits


def index_passages(client: Any, library: Library) -> int:
    from opensearchpy import helpers

    client.indices.create(index=INDEX, body={
        "settings": {"number_of_shards": 1, "number_of_replicas": 0,
                     "similarity": {"default": {"type": "BM25", "k1": 1.5, "b": 0.75}}},
        "mappings": {"_source": {"excludes": ["terms"]},  # as retrieval/opensearch.py: terms indexed, not kept
                     "properties": {"terms": {"type": "text", "analyzer": "whitespace", "index_options": "freqs"},
                                    "article": {"type": "long"}}}})
    numbers = {library.index.passage(n): n for n in range(library.index.n_passages)}
    actions = ({"_index": INDEX, "_id": str(numbers[p]),
                "terms": " ".join(terms), "article": p.article} for p, terms in passage_terms(library))
    # Batches of 500 with retries: a 512 MB node answers a 30 MB request 429 (its circuit breaker).
    written, errors = helpers.bulk(client, actions, chunk_size=500, max_retries=8, initial_backoff=2,
                                   request_timeout=120)
    assert not errors, errors[:3]
    client.indices.refresh(index=INDEX)
    return written


def compare(embedded: Library, ranked: OpenSearchRanked, questions: list[dict]) -> dict[str, Any]:
    """How the two rankings differ, and what retrieval alone (the top passages, no sentence
    ranking) costs in each: median and p95 in ms."""
    same_first, overlaps = 0, []
    times: dict[str, list[float]] = {"embedded": [], "opensearch": []}
    for q in questions:
        terms = query_terms(q["question"])
        if not terms:
            continue
        started = time.perf_counter()
        a = [h.passage for h in embedded._hits(terms, DEPTH)]
        middle = time.perf_counter()
        b = [h.passage for h in ranked._hits(terms, DEPTH)]
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
    from opensearchpy import OpenSearch

    problem = launcher_problem()
    if problem:
        sys.exit(problem)
    out: dict[str, Any] = {"benchmark": "OpenSearch parity", "machine": machine(), "distractors": limit, "sets": {}}
    with opensearch_cluster(1, [free_port(), free_port()], name="hoitin-parity") as nodes:
        node: OpenSearchNode = nodes[0]
        client = OpenSearch(hosts=[node.url], timeout=120)
        for name in sets:
            articles = DATA / "qa" / f"{name}-dev-articles.jsonl"
            questions = load_questions(DATA / "qa" / f"{name}-dev-questions.jsonl")
            embedded = eval_library(ROOT / "data" / "eval", articles, NEWS, limit, Settings())
            started = time.perf_counter()
            written = index_passages(client, embedded)
            indexing = time.perf_counter() - started
            client.indices.forcemerge(index=INDEX, max_num_segments=1, request_timeout=600)  # as a settled index
            ranked = OpenSearchRanked(embedded.data_dir, Settings())
            ranked.client = client
            size = client.indices.stats(index=INDEX, metric="store")["indices"][INDEX]["primaries"]["store"]
            out["sets"][name] = {
                "passages": written, "bulk_index_seconds": round(indexing, 1),
                "bulk_passages_per_second": round(written / indexing, 1), "shard_bytes": size["size_in_bytes"],
                "embedded_index_bytes": embedded.stats().index_bytes,
                "embedded": _brief(evaluate(embedded, questions)),
                "opensearch": _brief(evaluate(ranked, questions)),
                "rankings": compare(embedded, ranked, questions),
            }
            client.indices.delete(index=INDEX)
            embedded.close()
            ranked.close()
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
