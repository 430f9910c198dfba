"""``python -m retrieval reindex --to opensearch`` and ``stats --opensearch`` against a real node:
the archive's articles and passages copied with deterministic ids, resumable, a changed article
leaving no stale passage, and the cluster's health and counts reported."""

from __future__ import annotations

import json
from pathlib import Path

from opensearchpy import OpenSearch

from bot.config import Role
from retrieval.archive.opensearch import ARTICLES, META, PASSAGES, Cluster
from retrieval.index import Index
from retrieval.library import Library

from .bot_harness import running_bot
from .fake_telegram import FakeBotAPI
from .test_alerts import ALICE, RICE, article_file
from .test_index_store import cli, new_article_file
from .test_roles import RICE_QUESTION


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


async def test_the_bot_answers_and_alerts_from_the_cluster(data_dir: Path, opensearch_url: str) -> None:
    """``HOITIN_OPENSEARCH_URL``: a worker keeps the cluster up to the store, a web process answers
    from the cluster alone (the data folder's embedded index never sees the new article)."""
    client = _reset(opensearch_url)
    cluster = Cluster((opensearch_url,), shards=1, replicas=0)
    saved = Index.load(data_dir / "index")
    async with (running_bot(Library.open(data_dir, cluster), FakeBotAPI(), role=Role.WORKER,
                            opensearch=cluster) as worker,
                running_bot(Library.open(data_dir, cluster, writes=False), FakeBotAPI(), role=Role.WEB,
                            opensearch=cluster) as web):
        assert "Trương Thị Mai" in await web.say("Ai chủ trì hội nghị tổng kết nhiệm kỳ 2016-2020?")
        assert "Đã đăng ký" in await web.say("/subscribe lúa gạo", user_id=ALICE)
        article_file(worker.settings.inbox, "lua.txt", *RICE)
        await worker.wait_for(lambda: worker.alerts_to(ALICE))
        assert "9.000 đồng" in await web.say(RICE_QUESTION, user_id=ALICE)
        assert (await web.service.health()).problems == []
    assert client.count(index=ARTICLES)["count"] == saved.n_articles + 1
    after = Index.load(data_dir / "index")
    assert after.n_articles == saved.n_articles, "the embedded index was not used"
