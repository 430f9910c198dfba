"""The archive on an OpenSearch cluster (issue 14): its index design, and copying an embedded
archive into it (``python -m retrieval reindex --to opensearch``).

Our analysis stays ours: a passage's terms (syllables and syllable pairs, accented and folded,
from :mod:`retrieval.text`) are sent as one space-separated string to a field analysed by
``whitespace`` only, scored with BM25 (k1 1.5, b 0.75, as the embedded index), so no Vietnamese
plugin is needed and the sentence ranker sees the same candidates (bench/opensearch_parity.py:
answer@1 within 0.005 on both dev sets). What the ranker needs of each sentence (its text, pyvi
words, evidence) is stored with the passage, not indexed.

Two indices: ``hoitin-passages`` (one document per passage, id ``<article key>:<paragraph>:
<first>-<last>``) and ``hoitin-articles`` (one per article, id the store key). Ids are
deterministic, so copying the same article twice writes the same documents; an article copied
again after it changed has the passages it no longer cuts deleted, so none is left stale. The copy
remembers the store's change number it reached (``hoitin-meta``), so an interrupted copy goes on
from there.

opensearch-py is imported only here, when a cluster is used.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import RetrievalError
from .library import Library
from .models import Passage, Sentence
from .store import StoredArticle
from .text import syllables

PASSAGES, ARTICLES, META = "hoitin-passages", "hoitin-articles", "hoitin-meta"
COPY_BATCH = 200  # articles per bulk request (their passages with them: a few MB at most)

_STORED = {"type": "object", "enabled": False}  # kept in _source, never indexed
PASSAGE_MAPPING = {
    "dynamic": "strict",
    # The terms are indexed with their frequencies only (BM25 needs no positions) and not kept in
    # _source: they are rebuilt from the sentences. Together a third off the shard (bench/RESULTS.md).
    "_source": {"excludes": ["terms"]},
    "properties": {
        "terms": {"type": "text", "analyzer": "whitespace", "index_options": "freqs"},  # BM25 over our terms
        "article": {"type": "long"}, "paragraph": {"type": "integer"},
        "first": {"type": "integer"}, "last": {"type": "integer"},
        "published": {"type": "date"}, "source": {"type": "keyword"},  # filters of time-aware questions
        "sentences": _STORED,
    },
}
ARTICLE_MAPPING = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "keyword"}, "title": {"type": "text", "analyzer": "whitespace"},
        "title_text": {"type": "keyword", "index": False}, "published": {"type": "date"},
        "source": {"type": "keyword"}, "url": {"type": "keyword", "index": False}, "seq": {"type": "long"},
        "paragraphs": _STORED,
    },
}


class ClusterError(RetrievalError):
    """The cluster cannot be reached or refused what was asked; the message says which."""


@dataclass(frozen=True)
class Cluster:
    """Where the cluster is and how to log in."""

    urls: tuple[str, ...]
    user: str | None
    password: str | None
    ca_file: str | None

    def client(self) -> Any:
        from opensearchpy import OpenSearch

        auth = (self.user, self.password or "") if self.user else None
        return OpenSearch(hosts=list(self.urls), http_auth=auth, ca_certs=self.ca_file, timeout=60,
                          retry_on_timeout=True, max_retries=3)


def passage_id(passage: Passage) -> str:
    return f"{passage.article}:{passage.paragraph}:{passage.first}-{passage.last}"


def ensure_indices(client: Any, shards: int, replicas: int) -> None:
    """Create the indices that are missing, with ``shards`` primaries and ``replicas`` copies of
    each (existing ones are left as they are)."""
    settings = {"number_of_shards": shards, "number_of_replicas": replicas,
                "similarity": {"default": {"type": "BM25", "k1": 1.5, "b": 0.75}}}
    for name, mapping in ((PASSAGES, PASSAGE_MAPPING), (ARTICLES, ARTICLE_MAPPING),
                          (META, {"dynamic": True, "properties": {}})):
        if not client.indices.exists(index=name):
            client.indices.create(index=name, body={"settings": settings if name != META else
                                                    {"number_of_shards": 1, "number_of_replicas": replicas},
                                                    "mappings": mapping})


def copied_seq(client: Any) -> int:
    """The store's change number the last copy reached (0: none yet)."""
    if not client.indices.exists(index=META):
        return 0
    found = client.get(index=META, id="copy", ignore=[404])
    return int(found["_source"]["seq"]) if found.get("found") else 0


@dataclass(frozen=True)
class Copied:
    articles: int
    passages: int
    seq: int  # the store's change number the cluster now reflects


def copy_archive(library: Library, cluster: Cluster, shards: int, replicas: int,
                 progress: Callable[[int], None] | None, from_start: bool) -> Copied:
    """Copy the library's articles and passages into the cluster: what changed since the last copy
    (everything with ``from_start``), ``COPY_BATCH`` articles per bulk request; indices that are
    missing are made with ``shards`` and ``replicas``."""
    from opensearchpy import OpenSearchException, helpers

    client = cluster.client()
    try:
        ensure_indices(client, shards, replicas)
        since = 0 if from_start else copied_seq(client)
        articles = passages = 0
        seq = since
        changes = library.store.changed_since(since)
        while batch := list(itertools.islice(changes, COPY_BATCH)):
            actions = list(_documents(library, batch))
            # An article copied before and changed since may cut fewer passages now: the ids it
            # had and no longer has are deleted in the same request (delete-by-query is a module
            # not every cluster loads; a search for the ids is core).
            written = {a["_id"] for a in actions if a["_index"] == PASSAGES}
            held = helpers.scan(client, index=PASSAGES, query={"query": {"terms": {"article": [s.key for s in batch]}},
                                                                "_source": False})
            actions += [{"_op_type": "delete", "_index": PASSAGES, "_id": hit["_id"]} for hit in held
                        if hit["_id"] not in written]
            _, errors = helpers.bulk(client, actions, raise_on_error=False, max_retries=5, initial_backoff=1)
            if errors:
                raise ClusterError(f"the cluster refused {len(errors)} document(s), the first: {errors[0]}")
            seq = batch[-1].seq
            client.index(index=META, id="copy", body={"seq": seq}, refresh=True)
            articles += len(batch)
            passages += len(written)
            if progress:
                progress(len(batch))
        client.indices.refresh(index=f"{PASSAGES},{ARTICLES}")
    except OpenSearchException as exc:
        raise ClusterError(f"OpenSearch at {', '.join(cluster.urls)}: {exc}") from exc
    return Copied(articles, passages, seq)


def _documents(library: Library, batch: list[StoredArticle]) -> Iterator[dict[str, Any]]:
    for stored in batch:
        article = stored.article
        published = article.published.isoformat() if article.published else None
        sentences, cut = library.cut(stored)
        yield {"_index": ARTICLES, "_id": str(stored.key), "id": article.id, "title": " ".join(syllables(article.title)),
               "title_text": article.title, "published": published, "source": article.source, "url": article.url,
               "seq": stored.seq, "paragraphs": {"text": list(article.paragraphs)}}
        by_place = {(s.paragraph, s.position): s for s in sentences}
        for passage, terms in cut:
            held = [by_place[(passage.paragraph, n)] for n in range(passage.first, passage.last + 1)
                    if (passage.paragraph, n) in by_place]
            yield {"_index": PASSAGES, "_id": passage_id(passage), "terms": " ".join(terms), "article": stored.key,
                   "paragraph": passage.paragraph, "first": passage.first, "last": passage.last,
                   "published": published, "source": article.source, "sentences": {"list": [_sentence(s) for s in held]}}


def _sentence(sentence: Sentence) -> dict[str, Any]:
    return {"position": sentence.position, "text": sentence.text, "words": " ".join(sentence.words),
            "evidence": sentence.evidence}


def cluster_stats(cluster: Cluster) -> dict[str, Any]:
    """The cluster's health, shards and document counts, for ``stats --opensearch``."""
    from opensearchpy import OpenSearchException

    client = cluster.client()
    try:
        health = client.cluster.health()
        counts = {name: (client.count(index=name)["count"] if client.indices.exists(index=name) else None)
                  for name in (PASSAGES, ARTICLES)}
        seq = copied_seq(client)
    except OpenSearchException as exc:
        raise ClusterError(f"OpenSearch at {', '.join(cluster.urls)}: {exc}") from exc
    return {"status": health["status"], "nodes": health["number_of_nodes"],
            "primary_shards": health["active_primary_shards"], "shards": health["active_shards"],
            "unassigned_shards": health["unassigned_shards"], "passages": counts[PASSAGES],
            "articles": counts[ARTICLES], "copied_seq": seq}
