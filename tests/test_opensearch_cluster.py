"""A real two-node OpenSearch cluster (tests/opensearch.py) survives a node killed with SIGKILL:
searches keep their first hit, writes go on, and after the node is back and the cluster green
the document count is what was written, nothing lost, nothing doubled.

The index is laid out as the archive backend will use it: pre-tokenised terms in a
``whitespace``-analysed field with BM25 (k1 1.5, b 0.75), 2 shards and 1 replica, deterministic
document ids (re-indexing an article overwrites it). Skipped, with the reason, where Java 17 or
Maven is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch, helpers

from .bot_harness import free_port
from .opensearch import OpenSearchNode, launcher_problem, opensearch_cluster, wait_for

INDEX = "hoitin-passages-test"
BODY = {
    "settings": {"number_of_shards": 2, "number_of_replicas": 1,
                 "similarity": {"default": {"type": "BM25", "k1": 1.5, "b": 0.75}}},
    "mappings": {"properties": {"terms": {"type": "text", "analyzer": "whitespace"},
                                "article": {"type": "keyword"}, "published": {"type": "date"}}},
}
PLACES = ["hà_nội", "huế", "đà_nẵng", "cần_thơ", "vinh", "quy_nhơn", "nha_trang", "hải_phòng", "cà_mau", "sơn_la"]
ARTICLES, LATER, QUESTIONS = 5000, 200, 50


def passage(n: int) -> dict[str, object]:
    """Article ``n``'s passage: common words, a place, and words of its own (so a query for them
    has one right first hit)."""
    words = ["giá", "lúa", PLACES[n % len(PLACES)], f"vụ{n % 97}", f"kho{n}", f"mã{n}", "tăng"]
    return {"_index": INDEX, "_id": f"a{n}#p0", "terms": " ".join(words), "article": f"a{n}",
            "published": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"}


def first_hits(client: OpenSearch) -> list[str]:
    out = []
    for n in range(0, ARTICLES, ARTICLES // QUESTIONS):
        found = client.search(index=INDEX, body={"query": {"match": {"terms": f"kho{n} mã{n} lúa"}}, "size": 1},
                              params={"search_type": "dfs_query_then_fetch"})
        out.append(found["hits"]["hits"][0]["_id"])
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[list[OpenSearchNode]]:
    problem = launcher_problem()
    if problem:
        pytest.skip(problem)
    with opensearch_cluster(2, [free_port() for _ in range(4)]) as nodes:
        yield nodes


def test_a_node_killed_loses_nothing(cluster: list[OpenSearchNode]) -> None:
    first, second = cluster
    client = OpenSearch(hosts=[first.url], timeout=60)
    client.indices.create(index=INDEX, body=BODY)
    done, errors = helpers.bulk(client, (passage(n) for n in range(ARTICLES)), chunk_size=1000, refresh=True)
    assert done == ARTICLES and not errors
    wait_for(first, "green", 2)
    shards = client.cat.shards(index=INDEX, format="json")
    assert {s["node"] for s in shards} == {"node-1", "node-2"} and len(shards) == 4  # 2 primaries, 2 replicas
    before = first_hits(client)
    assert before == [f"a{n}#p0" for n in range(0, ARTICLES, ARTICLES // QUESTIONS)]

    second.kill()
    for batch in range(4):  # writes go on while the node is gone, questions are answered throughout
        later = (passage(ARTICLES + batch * 50 + i) for i in range(50))
        written, errors = helpers.bulk(client, later, refresh=True)
        assert written == 50 and not errors
        assert first_hits(client) == before
    assert client.cluster.health()["number_of_nodes"] == 1

    second.start()
    wait_for(first, "green", 2)
    client.indices.refresh(index=INDEX)
    assert client.count(index=INDEX)["count"] == ARTICLES + LATER
    helpers.bulk(client, (passage(n) for n in range(0, 100)), refresh=True)  # the same articles again
    assert client.count(index=INDEX)["count"] == ARTICLES + LATER, "re-indexing an article overwrites it"
    assert first_hits(client) == before
