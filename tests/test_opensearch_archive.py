"""``python -m retrieval reindex --to opensearch`` and ``stats --opensearch`` against a real node:
the archive's articles and passages copied with deterministic ids, resumable, a changed article
leaving no stale passage, and the cluster's health and counts reported."""

from __future__ import annotations

import json
from pathlib import Path

from opensearchpy import OpenSearch

from retrieval.library import Library
from retrieval.opensearch import ARTICLES, META, PASSAGES

from .test_index_store import cli, new_article_file


def _reset(url: str) -> OpenSearch:
    client = OpenSearch(hosts=[url])
    for name in (PASSAGES, ARTICLES, META):
        client.indices.delete(index=name, ignore=[404])
    return client


def test_reindex_copies_resumes_and_replaces(data_dir: Path, tmp_path: Path, opensearch_url: str) -> None:
    client = _reset(opensearch_url)
    first = cli(data_dir, "-q", "reindex", "--to", "opensearch", "--opensearch", opensearch_url, "--replicas", "0")
    assert first.returncode == 0, first.stderr
    library = Library(data_dir)
    passages, articles = library.index.n_passages, library.store.count()
    library.close()
    assert f"copied {articles} article(s) to {opensearch_url}: the cluster holds {passages} passage(s)" in first.stdout
    assert client.count(index=PASSAGES)["count"] == passages and client.count(index=ARTICLES)["count"] == articles
    hit = client.search(index=PASSAGES, body={"query": {"match": {"terms": "trương thị mai chủ_trì"}}, "size": 1})
    source = hit["hits"]["hits"][0]["_source"]
    assert any("Trương Thị Mai" in s["text"] for s in source["sentences"]["list"])  # what the ranker needs, kept

    again = cli(data_dir, "-q", "reindex", "--to", "opensearch", "--opensearch", opensearch_url)
    assert "copied 0 article(s)" in again.stdout  # resumable: nothing changed since

    # A new article, and a seed article replaced by a much shorter text (fewer passages).
    assert cli(data_dir, "-q", "ingest", str(new_article_file(tmp_path))).returncode == 0
    library = Library(data_dir)
    seed = next(s for s in library.store.changed_since(0) if "Trương Thị Mai" not in s.article.title)
    library.close()
    short = {"id": seed.article.id, "title": seed.article.title, "body": "Một câu ngắn thay cho cả bài."}
    assert cli(data_dir, "-q", "ingest", str(new_article_file(tmp_path, short))).returncode == 0
    third = cli(data_dir, "-q", "reindex", "--to", "opensearch", "--opensearch", opensearch_url)
    assert "copied 2 article(s)" in third.stdout, third.stdout + third.stderr
    library = Library(data_dir)
    assert client.count(index=PASSAGES)["count"] == library.index.n_passages  # no stale passage of the old text
    assert client.count(index=ARTICLES)["count"] == library.store.count() == articles + 1
    library.close()

    stats = cli(data_dir, "stats", "--opensearch", opensearch_url)
    reported = json.loads(stats.stdout)
    assert reported["status"] in ("green", "yellow") and reported["nodes"] == 1 and reported["primary_shards"] >= 5
    assert reported["passages"] == client.count(index=PASSAGES)["count"] and reported["articles"] == articles + 1


def test_an_unreachable_cluster_is_a_clear_error(data_dir: Path) -> None:
    from .bot_harness import free_port

    done = cli(data_dir, "-q", "reindex", "--to", "opensearch", "--opensearch", f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2 and done.stderr.startswith("error: OpenSearch at http://127.0.0.1:")
    assert "Traceback" not in done.stderr
    wrong = cli(data_dir, "stats", "--opensearch", "ftp://x")
    assert wrong.returncode == 2 and "http(s):// URLs" in wrong.stderr
