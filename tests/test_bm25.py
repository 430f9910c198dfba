"""BM25 parity with rank-bm25, and incremental add / removal equal to a full rebuild."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.articles import Passage
from retrieval.index import BM25Params, Index
from retrieval.index.topk import MARGIN, contenders


def random_corpus(rng: np.random.Generator, docs: int, vocab: int) -> list[list[str]]:
    # Zipf-like term frequencies, so some terms sit in more than half the documents (negative idf).
    weights = 1.0 / np.arange(1, vocab + 1)
    weights /= weights.sum()
    return [
        [f"t{i}" for i in rng.choice(vocab, size=int(rng.integers(1, 40)), p=weights)] for _ in range(docs)
    ]


def build(corpus: list[list[str]], params: BM25Params | None = None) -> Index:
    index = Index(params)
    index.add([(Passage(i, 1, 0, 0), doc) for i, doc in enumerate(corpus)])
    return index


@pytest.mark.parametrize("seed", range(6))
def test_scores_equal_rank_bm25(seed: int) -> None:
    rng = np.random.default_rng(seed)
    corpus = random_corpus(rng, docs=int(rng.integers(2, 300)), vocab=int(rng.integers(5, 400)))
    reference = BM25Okapi(corpus)
    ours = build(corpus)
    for _ in range(20):
        query = [f"t{i}" for i in rng.integers(0, 450, size=int(rng.integers(1, 8)))]  # some unknown, some repeated
        assert np.allclose(ours.dense_scores(query), reference.get_scores(query), rtol=0, atol=1e-9)


def test_other_parameters_equal_rank_bm25() -> None:
    rng = np.random.default_rng(42)
    corpus = random_corpus(rng, 120, 60)
    reference = BM25Okapi(corpus, k1=0.9, b=0.4, epsilon=0.1)
    ours = build(corpus, BM25Params(k1=0.9, b=0.4, epsilon=0.1))
    query = ["t0", "t3", "t3", "t17", "zzz"]
    assert np.allclose(ours.dense_scores(query), reference.get_scores(query), rtol=0, atol=1e-9)


def test_top_is_sorted_and_breaks_ties_by_passage_number() -> None:
    index = build([["a", "b", "x"], ["c", "d", "e"], ["a", "b", "x"], ["a", "y", "z"], ["f"], ["g"]])
    top = index.top(["a", "b"], 3)
    assert [n for n, _ in top] == [0, 2, 3]
    assert top[0][1] == top[1][1] > top[2][1]
    assert index.top(["nothing"], 5) == []


def test_top_breaks_ties_at_the_kth_place_by_passage_number_when_every_idf_is_negative() -> None:
    # "a" is in every passage (a negative idf: the plain path), once in most: 17 passages tie.
    index = build([["a", "a", "b"] if i % 7 == 0 else ["a", "b"] for i in range(20)])
    assert [n for n, _ in index.top(["a"], 5)] == [1, 2, 3, 4, 5]
    assert [n for n, _ in index.top(["a"], 10)] == [1, 2, 3, 4, 5, 6, 8, 9, 10, 11]


@pytest.mark.parametrize("seed", range(6))
def test_top_k_is_rank_bm25s_ranking_with_exact_scores(seed: int) -> None:
    """The two-stage top-k (float32 contenders, exact rescoring) returns rank-bm25's top k.

    Many documents are copies of each other, so ties sit right at the k-th place.
    """
    rng = np.random.default_rng(100 + seed)
    base = random_corpus(rng, docs=60, vocab=int(rng.integers(80, 400)))
    corpus = [base[int(i)] for i in rng.integers(0, len(base), size=int(rng.integers(200, 600)))]
    reference = BM25Okapi(corpus)
    ours = build(corpus)
    for _ in range(20):
        query = [f"t{i}" for i in rng.integers(0, 120, size=int(rng.integers(1, 8)))]
        k = int(rng.integers(1, 30))
        scores = reference.get_scores(query)
        touched = np.flatnonzero(ours.dense_scores(query) != 0)
        expected = touched[np.lexsort((touched, -scores[touched]))][:k]
        got = ours.top(query, k)
        assert [n for n, _ in got] == expected.tolist()
        assert np.allclose([s for _, s in got], scores[expected], rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_contenders_are_every_passage_within_the_margin_of_the_kth_rough_score(seed: int) -> None:
    """The compiled kernel's first stage, against its contract computed plainly: float32 rough
    scores summed term by term; every passage within MARGIN of the best under the k-th best
    goes on to exact scoring (all of them when at most 4k were reached). Copies tie at the k-th."""
    rng = np.random.default_rng(300 + seed)
    base = random_corpus(rng, docs=50, vocab=300)
    index = build([base[int(i)] for i in rng.integers(0, len(base), size=500)])
    approx, (idf, norm, _), a = index._approximate(), index._stats(), index._a
    for _ in range(30):
        asked = sorted({f"t{i}" for i in rng.integers(20, 300, size=int(rng.integers(1, 6)))})
        query = [(term, n) for term, n in zip(asked, index.vocab.lookup(asked)) if n is not None]
        ids = np.array([n for _, n in query], dtype=np.int64)
        if not ids.size or not (idf[ids] > 0).all():
            continue
        k = int(rng.integers(1, 30))
        rough = np.zeros(norm.size, dtype=np.float32)
        for t, w in zip(ids.tolist(), idf[ids].tolist()):
            span = slice(a.indptr[t], a.indptr[t + 1])
            np.add.at(rough, a.docs[span], approx[span] * np.float32(w))
        reached = np.flatnonzero(rough)
        if reached.size <= 4 * k:
            expected = reached
        else:
            kth, best = np.sort(rough[reached])[-k], rough.max()
            expected = reached[rough[reached] >= kth - np.float32(MARGIN * np.float64(best))]
        chosen, exact = contenders(a.indptr, a.docs, approx, a.tfs, norm, ids, idf[ids], k, index.params.k1,
                                   np.zeros(0, dtype=bool))
        assert chosen.tolist() == expected.tolist()
        docs, scores = index.scores([term for term, _ in query])
        assert np.allclose(exact, scores[np.searchsorted(docs, chosen)], rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_top_k_within_a_scope_and_without_removed_passages_is_the_exact_ranking(seed: int) -> None:
    """A scope (a mask of passages) and removed articles narrow the top k; ties stay by number,
    the k-th place included."""
    rng = np.random.default_rng(200 + seed)
    base = random_corpus(rng, docs=60, vocab=400)
    index = build([base[int(i)] for i in rng.integers(0, len(base), size=400)])  # article key = passage number
    if seed % 2:
        index.remove_articles(rng.choice(400, size=60, replace=False).tolist())
    for _ in range(25):
        # Rare terms only (every idf positive: the compiled path), or common ones too (an idf of 0
        # or below: the plain path).
        query = [f"t{i}" for i in rng.integers(int(rng.choice([0, 30])), 400, size=int(rng.integers(1, 6)))]
        among = index.passages_of(rng.choice(400, size=150, replace=False).tolist()) if rng.random() < 0.7 else None
        k = int(rng.integers(1, 30))
        docs, scores = index.scores(query)  # exact, live passages only
        if among is not None:
            docs, scores = docs[among[docs]], scores[among[docs]]
        order = np.lexsort((docs, -scores))[:k]
        got = index.top(query, k, among)
        assert [n for n, _ in got] == docs[order].tolist()
        assert [s for _, s in got] == scores[order].tolist()


def results(index: Index, query: list[str]) -> dict[tuple[int, int, int, int], float]:
    """Scores keyed by passage identity, which survives renumbering."""
    docs, scores = index.scores(query)
    out = {}
    for number, score in zip(docs, scores):
        p = index.passage(int(number))
        out[(p.article, p.paragraph, p.first, p.last)] = round(float(score), 9)
    return out


def test_incremental_add_and_replace_equal_a_full_rebuild() -> None:
    rng = np.random.default_rng(7)
    corpus = random_corpus(rng, 200, 150)
    replacement = random_corpus(rng, 30, 150)
    # Incremental: three batches, then articles 10..39 replaced by new text.
    live = Index()
    for start, end in ((0, 80), (80, 150), (150, 200)):
        live.add([(Passage(i, 1, 0, 0), corpus[i]) for i in range(start, end)])
    live.remove_articles(range(10, 40))
    live.add([(Passage(10 + j, 1, 0, 0), doc) for j, doc in enumerate(replacement)])
    # Rebuild from scratch with the final state.
    final = {i: corpus[i] for i in range(200)}
    final.update({10 + j: doc for j, doc in enumerate(replacement)})
    rebuilt = Index()
    rebuilt.add([(Passage(i, 1, 0, 0), final[i]) for i in sorted(final)])
    assert live.n_passages == rebuilt.n_passages == 200
    for _ in range(25):
        query = [f"t{i}" for i in rng.integers(0, 160, size=4)]
        assert results(live, query) == results(rebuilt, query)
    live.compact()
    query = ["t1", "t5", "t40"]
    assert results(live, query) == results(rebuilt, query)
    assert live.n_postings == rebuilt.n_postings


@pytest.mark.parametrize("read_between", [False, True])
def test_postings_added_in_many_batches_equal_one_batchs(read_between: bool) -> None:
    # Batches wait unmerged until postings are read; merged at once or a few at a time
    # (a query in between), the CSR arrays are those of one batch, posting for posting.
    rng = np.random.default_rng(11)
    corpus = random_corpus(rng, 300, 400)
    growing = Index()
    for start in range(0, 300, 23):  # new terms appear in later batches too
        growing.add([(Passage(i, 1, 0, 0), corpus[i]) for i in range(start, min(start + 23, 300))])
        if read_between and start % 3 == 0:
            growing.top(["t1", "t7"], 5)
    at_once = Index()
    at_once.add([(Passage(i, 1, 0, 0), doc) for i, doc in enumerate(corpus)])
    # Terms are numbered in order of first appearance in both, so the arrays compare directly.
    assert list(growing.vocab.terms()) == list(at_once.vocab.terms())
    for name in ("indptr", "docs", "tfs", "doc_len"):
        assert np.array_equal(getattr(growing._a, name), getattr(at_once._a, name)), name


def test_removing_everything_of_a_term_drops_it_from_the_statistics() -> None:
    index = build([["a", "rare"], ["a"], ["b"]])
    index.remove_articles([0])
    reference = BM25Okapi([["a"], ["b"]])
    scores = index.dense_scores(["a", "rare"])
    assert np.allclose(scores[1:], reference.get_scores(["a", "rare"]), atol=1e-12)
    assert scores[0] == 0.0
