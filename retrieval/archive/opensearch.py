"""The archive's passages on an OpenSearch cluster (issue 14): :class:`OpenSearchArchive`, its
index design, and the cluster's health for ``stats --opensearch``.

``HOITIN_OPENSEARCH_URL`` has the bot search the cluster instead of the embedded index;
``python -m retrieval reindex --to opensearch`` copies a data folder's archive into it.

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
remembers the store's change number it reached and the store's identity (``hoitin-meta``), so an
interrupted copy goes on from there, and a cluster filled from another store is filled again.

opensearch-py is imported only here, when a cluster is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..articles import Passage, Sentence
from ..errors import RetrievalError
from ..index import BM25Params
from ..text import syllables
from .archive import ArchiveStats, CutArticle, Scope

PASSAGES, ARTICLES, META = "hoitin-passages", "hoitin-articles", "hoitin-meta"
# Documents per bulk request: 500 passages are about 2 MB; 2,000 tripped a 512 MB node's
# circuit breaker (429) in bench/opensearch_parity.py.
BULK_CHUNK = 500
BM25 = BM25Params()  # k1 and b as the embedded index's
SHARDS, REPLICAS = 2, 1  # of the indices a cluster is given when it has none: two nodes share the work, either can go

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
    """Where the cluster is, how to log in, and how the indices are made when they are missing."""

    urls: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    shards: int = SHARDS  # primaries of a new index (an existing one keeps its own)
    replicas: int = REPLICAS  # copies of each

    @classmethod
    def parse(cls, urls: str, user: str | None = None, password: str | None = None, ca_file: str | None = None,
              shards: int = SHARDS, replicas: int = REPLICAS) -> Cluster:
        """``urls``: node URLs separated by commas, as ``--opensearch`` and ``HOITIN_OPENSEARCH_URL`` take them."""
        nodes = tuple(u.strip() for u in urls.split(",") if u.strip())
        if not nodes or not all(u.startswith(("http://", "https://")) for u in nodes):
            raise ClusterError(f"an OpenSearch cluster is given as http(s):// URLs separated by commas, not {urls!r}")
        if shards < 1 or replicas < 0:
            raise ClusterError(f"shards must be 1 or more and replicas 0 or more, not {shards} and {replicas}")
        return cls(nodes, user, password, ca_file, shards, replicas)

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
                "similarity": {"default": {"type": "BM25", "k1": BM25.k1, "b": BM25.b}}}
    for name, mapping in ((PASSAGES, PASSAGE_MAPPING), (ARTICLES, ARTICLE_MAPPING),
                          (META, {"dynamic": True, "properties": {}})):
        if not client.indices.exists(index=name):
            client.indices.create(index=name, body={"settings": settings if name != META else
                                                    {"number_of_shards": 1, "number_of_replicas": replicas},
                                                    "mappings": mapping})


class OpenSearchArchive:
    """The archive's passages on a cluster (:class:`~retrieval.archive.Archive`).

    A process that only answers opens it with ``writable`` off and never writes to the cluster;
    the one that ingests creates the indices that are missing and keeps them up to the store.
    ``from_start`` forgets what the cluster holds and copies everything again.
    """

    def __init__(self, cluster: Cluster, *, writable: bool, from_start: bool = False) -> None:
        self.cluster = cluster
        self.writable = writable
        self.client = cluster.client()
        self._unsaved = False
        with self._errors():
            if writable:
                ensure_indices(self.client, cluster.shards, cluster.replicas)
            found = (self.client.get(index=META, id="copy", ignore=[404])
                     if self.client.indices.exists(index=META) else {})
        state = found.get("_source", {}) if found.get("found") else {}
        self._seq = 0 if from_start else int(state.get("seq", 0))
        self._store_id = "" if from_start else str(state.get("store_id", ""))

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from opensearchpy import OpenSearchException

        try:
            yield
        except OpenSearchException as exc:
            raise ClusterError(f"OpenSearch at {', '.join(self.cluster.urls)}: {exc}") from exc

    @property
    def seq(self) -> int:
        return self._seq

    @property
    def store_id(self) -> str:
        return self._store_id

    @property
    def generation(self) -> str:
        return ""  # nothing to load: every process reads the cluster as it is

    def current_generation(self) -> str:
        return ""

    def reset(self, store_id: str) -> None:
        with self._errors():
            self.client.indices.delete(index=f"{PASSAGES},{ARTICLES}", ignore=[404])
            ensure_indices(self.client, self.cluster.shards, self.cluster.replicas)
            self._remember(0, store_id)
        self._seq, self._store_id = 0, store_id

    def _remember(self, seq: int, store_id: str) -> None:
        self.client.index(index=META, id="copy", body={"seq": seq, "store_id": store_id}, refresh=True)

    def replace(self, articles: Sequence[CutArticle]) -> None:
        """One bulk request per :data:`BULK_CHUNK` documents, retried on 429 (a node's breaker or
        queue full); an article copied before and changed since may cut fewer passages now, so
        the ids it had and no longer has are deleted in the same run (delete-by-query is a
        module not every cluster loads; a search for the ids is core)."""
        from opensearchpy import helpers

        if not articles:
            return
        actions = [doc for article in articles for doc in _documents(article)]
        written = {a["_id"] for a in actions if a["_index"] == PASSAGES}
        with self._errors():
            held = helpers.scan(self.client, index=PASSAGES, _source=False,
                                query={"query": {"terms": {"article": [a.stored.key for a in articles]}}})
            actions += [{"_op_type": "delete", "_index": PASSAGES, "_id": hit["_id"]} for hit in held
                        if hit["_id"] not in written]
            _, errors = helpers.bulk(self.client, actions, chunk_size=BULK_CHUNK, raise_on_error=False,
                                     max_retries=5, initial_backoff=1, request_timeout=120)
            if errors:
                raise ClusterError(f"the cluster refused {len(errors)} document(s), the first: {errors[0]}")
            self._remember(articles[-1].stored.seq, self._store_id)
        self._seq = articles[-1].stored.seq
        self._unsaved = True

    def persist(self) -> None:
        """Refresh the indices: what :meth:`replace` wrote is searched from now on."""
        with self._errors():
            self.client.indices.refresh(index=f"{PASSAGES},{ARTICLES}")
        self._unsaved = False

    @property
    def unsaved(self) -> bool:
        return self._unsaved

    def top(self, terms: Sequence[str], k: int, scope: Scope | None = None) -> list[tuple[Passage, float]]:
        query: dict[str, Any] = {"match": {"terms": " ".join(terms)}}
        if scope is not None:
            query = {"bool": {"must": query, "filter": _filters(scope)}}
        with self._errors():
            found = self.client.search(index=PASSAGES, body={
                "query": query, "size": k, "track_total_hits": False,
                "_source": ["article", "paragraph", "first", "last"]})
        out = []
        for hit in found["hits"]["hits"]:
            p = hit["_source"]
            out.append((Passage(int(p["article"]), int(p["paragraph"]), int(p["first"]), int(p["last"])),
                        float(hit["_score"])))
        return out

    def idf(self, terms: Sequence[str]) -> dict[str, float]:
        """From one shard's statistics (an artificial document's term vectors, always routed to
        the same shard): the terms spread evenly over shards, so its N and df are the whole
        index's in proportion and the idf is the same to within sampling noise."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return {}
        with self._errors():
            found = self.client.termvectors(index=PASSAGES, routing="0", body={
                "doc": {"terms": " ".join(unique)}, "term_statistics": True, "field_statistics": True,
                "positions": False, "offsets": False})
        vectors = found.get("term_vectors", {}).get("terms", {})
        n = float(vectors.get("field_statistics", {}).get("doc_count", 0))
        df = {t: float(v.get("doc_freq", 0)) for t, v in vectors.get("terms", {}).items()}
        return {t: math.log1p((n - df.get(t, 0.0) + 0.5) / (df.get(t, 0.0) + 0.5)) for t in unique
                if df.get(t, 0.0) > 0 or "_" not in t}

    def articles_in(self, scope: Scope, limit: int) -> list[int]:
        with self._errors():
            found = self.client.search(index=PASSAGES, body={
                "query": {"bool": {"filter": _filters(scope)}}, "size": min(limit, 10_000),
                "collapse": {"field": "article"}, "_source": ["article"], "track_total_hits": False})
        return [int(hit["_source"]["article"]) for hit in found["hits"]["hits"]]

    def stats(self) -> ArchiveStats:
        with self._errors():
            passages = self.client.count(index=PASSAGES)["count"]
            size = self.client.indices.stats(index=PASSAGES, metric="store")["_all"]["primaries"]["store"]
        return ArchiveStats(passages, None, None, int(size["size_in_bytes"]))

    def close(self) -> None:
        self.client.close()


def _filters(scope: Scope) -> list[dict[str, Any]]:
    """A scope as filters on the passages' fields (the embedded index's masks, as a query)."""
    out: list[dict[str, Any]] = []
    if scope.keys is not None:
        out.append({"terms": {"article": sorted(scope.keys)}})
    frame = scope.published
    if frame is not None:
        bounds = {**({"gte": frame.start.isoformat()} if frame.start else {}),
                  **({"lt": frame.end.isoformat()} if frame.end else {})}
        dated: dict[str, Any] = {"range": {"published": bounds}} if bounds else {"exists": {"field": "published"}}
        if scope.undated_too:
            dated = {"bool": {"should": [dated, {"bool": {"must_not": {"exists": {"field": "published"}}}}],
                              "minimum_should_match": 1}}
        out.append(dated)
    return out


def _documents(cut: CutArticle) -> Iterator[dict[str, Any]]:
    stored, article = cut.stored, cut.stored.article
    published = article.published.isoformat() if article.published else None
    yield {"_index": ARTICLES, "_id": str(stored.key), "id": article.id, "title": " ".join(syllables(article.title)),
           "title_text": article.title, "published": published, "source": article.source, "url": article.url,
           "seq": stored.seq, "paragraphs": {"text": list(article.paragraphs)}}
    by_place = {(s.paragraph, s.position): s for s in cut.sentences}
    for passage, terms in cut.passages:
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
        found = client.get(index=META, id="copy", ignore=[404]) if client.indices.exists(index=META) else {}
        seq = int(found["_source"]["seq"]) if found.get("found") else 0
    except OpenSearchException as exc:
        raise ClusterError(f"OpenSearch at {', '.join(cluster.urls)}: {exc}") from exc
    return {"status": health["status"], "nodes": health["number_of_nodes"],
            "primary_shards": health["active_primary_shards"], "shards": health["active_shards"],
            "unassigned_shards": health["unassigned_shards"], "passages": counts[PASSAGES],
            "articles": counts[ARTICLES], "copied_seq": seq}
