"""The inverted index: passages → postings (CSR arrays), BM25 scoring, incremental add, save/load.

Postings are grouped by term (``indptr``/``docs``/``tfs``, as in a CSR matrix with terms as rows),
so a query touches only the postings of its own terms. Added passages' postings are merged into
place when postings are next read (or every few batches), in one pass however many batches
wait; removing an article marks its passages dead and takes them out of the statistics, so
scores always equal those of an index built from scratch on the live passages.

On disk an index is a folder of ``.npy`` arrays plus JSON, never pickle, in generations made
current atomically (:mod:`.generations`); the postings' arrays are :mod:`.csr`.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..articles import Passage
from ..errors import IndexFormatError
from . import generations
from .bm25 import BM25Params, length_norm, okapi_idf, term_weights
from .csr import ARRAY_NAMES, Arrays, empty_arrays, merged_postings
from .topk import contenders
from .vocabulary import Vocabulary

log = logging.getLogger(__name__)
_NO_MASK = np.zeros(0, dtype=bool)  # topk.contenders: every passage counts

# Batches of postings merged at a time: a bulk ingest merges while its workers still segment,
# and what is left for the final save (the one step nothing overlaps) stays small.
MERGE_BATCHES = 8


class Index:
    """BM25 over passages; scores equal ``rank_bm25.BM25Okapi`` on the live passages' terms."""

    def __init__(self, params: BM25Params | None = None) -> None:
        self.params = params or BM25Params()
        self.vocab = Vocabulary()
        self.seq = 0  # the store's change sequence number this index reflects
        self.analysis: dict[str, object] = {}  # how passages were cut and terms made (see Library)
        self.store_id = ""  # the identity of the store this index was built from (see Library)
        self.generation = ""  # the folder on disk this index was loaded from or saved to
        self._arrays = empty_arrays()  # postings as of the last merge; see _a
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # added, not merged yet
        self._df = np.zeros(0, dtype=np.int64)
        self._cache: tuple[np.ndarray, np.ndarray, float] | None = None  # idf, norm, avgdl
        self._all_alive = True  # no removed passage left in the arrays (set with the cache)
        self._approx: np.ndarray | None = None  # float32 saturated tf per posting, for top()
        self._alive_count: tuple[np.ndarray | None, int] = (None, 0)  # see n_passages

    @property
    def _a(self) -> Arrays:
        """Every array, postings merged: added passages' postings wait in ``_pending`` until
        something reads postings (a query, a removal, a save) or :data:`MERGE_BATCHES` wait,
        so an ingest merges once per that many batches, not once per batch."""
        if self._pending:
            self._merge_pending()
        return self._arrays

    @_a.setter
    def _a(self, arrays: Arrays) -> None:
        assert not self._pending, "arrays replaced with postings still to merge"
        self._arrays = arrays

    def _merge_pending(self) -> None:
        indptr, docs, tfs = merged_postings(self._arrays, self._pending, len(self.vocab))
        self._arrays.indptr, self._arrays.docs, self._arrays.tfs = indptr, docs, tfs
        self._pending = []

    # --- size --------------------------------------------------------------------------

    @property
    def n_passages(self) -> int:
        alive = self._arrays.alive  # replaced, never changed in place: counted once per array
        if self._alive_count[0] is not alive:
            self._alive_count = (alive, int(alive.sum()))
        return self._alive_count[1]

    @property
    def n_articles(self) -> int:
        return int(np.unique(self._arrays.article[self._arrays.alive]).size)

    @property
    def n_postings(self) -> int:
        return int(self._a.docs.size)

    def __len__(self) -> int:
        return self.n_passages

    # --- building ----------------------------------------------------------------------

    def add(self, passages: Sequence[tuple[Passage, Sequence[str]]]) -> None:
        """Add passages with their terms; postings merge into place without a rebuild."""
        lengths = np.fromiter((len(terms) for _, terms in passages), dtype=np.int64, count=len(passages))
        terms = self.vocab.numbers(list(itertools.chain.from_iterable(terms for _, terms in passages)))
        self.add_numbered([p for p, _ in passages], lengths, terms)

    def add_numbered(self, meta: Sequence[Passage], lengths: np.ndarray, terms: np.ndarray) -> None:
        """Add passages given as ``lengths[i]`` term numbers each (of this index's vocabulary),
        passage after passage in ``terms`` (see :func:`retrieval.archive.postings.encode`)."""
        if not meta:
            return
        a = self._arrays
        base = a.doc_len.size
        n = len(meta)
        passage_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
        # One key per (term, passage) occurrence; the sorted distinct keys are the new postings
        # grouped by term with passages ascending, their multiplicities the term frequencies
        # (numpy: a Counter per passage took most of the ingest's own time).
        keys, counts = np.unique(terms * n + passage_of, return_counts=True)
        del passage_of
        vocab_size = len(self.vocab)
        new_terms = keys // n
        new_docs = (keys % n + base).astype(np.int32)
        new_tfs = counts.astype(np.float32)

        add_counts = np.bincount(new_terms, minlength=vocab_size)
        self._pending.append((new_terms.astype(np.int32 if vocab_size < 1 << 31 else np.int64), new_docs, new_tfs))
        if len(self._pending) >= MERGE_BATCHES:
            self._merge_pending()

        self._arrays = Arrays(
            indptr=a.indptr,
            docs=a.docs,
            tfs=a.tfs,
            doc_len=np.concatenate([a.doc_len, lengths.astype(np.float64)]),
            alive=np.concatenate([a.alive, np.ones(n, dtype=bool)]),
            article=np.concatenate([a.article, np.fromiter((p.article for p in meta), np.int64, len(meta))]),
            paragraph=np.concatenate([a.paragraph, np.fromiter((p.paragraph for p in meta), np.int32, len(meta))]),
            first=np.concatenate([a.first, np.fromiter((p.first for p in meta), np.int32, len(meta))]),
            last=np.concatenate([a.last, np.fromiter((p.last for p in meta), np.int32, len(meta))]),
        )
        self._df = np.concatenate([self._df, np.zeros(vocab_size - self._df.size, dtype=np.int64)])
        self._df += add_counts
        self._cache = self._approx = None

    def remove_articles(self, article_keys: Iterable[int]) -> int:
        """Take every passage of these articles out of the index; returns how many passages."""
        keys = np.fromiter(article_keys, dtype=np.int64)
        if keys.size == 0 or self._arrays.alive.size == 0:
            return 0
        dead = self._arrays.alive & np.isin(self._arrays.article, keys)
        if not dead.any():
            return 0
        # Each posting of a dying passage lowers its term's document frequency by one.
        hit = dead[self._a.docs]
        term_of = np.repeat(np.arange(self._df.size, dtype=np.int32), np.diff(self._a.indptr))
        self._df -= np.bincount(term_of[hit], minlength=self._df.size)
        self._a.alive = self._a.alive & ~dead
        self._cache = self._approx = None
        return int(dead.sum())

    def compact(self) -> None:
        """Drop dead passages and unused terms, renumbering what is left (scores unchanged)."""
        a = self._a
        if a.alive.all() and (self._df > 0).all():
            return
        keep_doc = a.alive
        new_number = np.cumsum(keep_doc) - 1
        keep_post = keep_doc[a.docs]
        term_of = np.repeat(np.arange(self._df.size), np.diff(a.indptr))
        live_terms = self._df > 0
        term_number = np.cumsum(live_terms) - 1
        kept_terms = term_of[keep_post]
        indptr = np.zeros(int(live_terms.sum()) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_number[kept_terms], minlength=indptr.size - 1), out=indptr[1:])
        self.vocab = self.vocab.keep(live_terms)
        self._a = Arrays(
            indptr=indptr,
            docs=new_number[a.docs[keep_post]].astype(np.int32),
            tfs=a.tfs[keep_post],
            doc_len=a.doc_len[keep_doc],
            alive=np.ones(int(keep_doc.sum()), dtype=bool),
            article=a.article[keep_doc],
            paragraph=a.paragraph[keep_doc],
            first=a.first[keep_doc],
            last=a.last[keep_doc],
        )
        self._df = self._df[live_terms]
        self._cache = self._approx = None

    # --- scoring -----------------------------------------------------------------------

    def _stats(self) -> tuple[np.ndarray, np.ndarray, float]:
        if self._cache is None:
            a = self._a
            n = int(a.alive.sum())
            self._all_alive = n == a.alive.size
            avgdl = float(a.doc_len[a.alive].sum() / n) if n else 1.0
            idf = okapi_idf(self._df, n, self.params.epsilon)
            norm = length_norm(a.doc_len, avgdl if avgdl > 0 else 1.0, self.params)
            self._cache = (idf, norm, avgdl)
        return self._cache

    def term_ids(self, terms: Iterable[str]) -> list[int]:
        """Vocabulary ids of the terms the index knows (unknown ones score nothing)."""
        return [i for i in self.vocab.lookup(list(terms)) if i is not None]

    def idf(self, terms: Sequence[str]) -> np.ndarray:
        """Term weights for sentence scoring: ``ln(1 + (N − df + 0.5) / (df + 0.5))``.

        Unlike BM25Okapi's idf this never reaches zero or below, so a corpus of two articles
        still tells rare words from common ones; an unseen term gets ``df = 0``.
        """
        n = self.n_passages
        df = np.array([self._df[i] if i is not None else 0 for i in self.vocab.lookup(list(terms))], dtype=np.float64)
        return np.log1p((n - df + 0.5) / (df + 0.5))

    def scores(self, terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(passage numbers, BM25 scores) of the passages that contain any query term.

        Query terms count with repetition, as in rank-bm25; cost follows the postings touched.
        """
        idf, norm, _ = self._stats()
        weights = Counter(self.term_ids(terms))
        if not weights:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        a = self._a
        runs = [(a.indptr[t], a.indptr[t + 1], idf[t] * c) for t, c in weights.items()]
        docs = np.concatenate([a.docs[s:e] for s, e, _ in runs])
        tfs = np.concatenate([a.tfs[s:e] for s, e, _ in runs]).astype(np.float64)
        scale = np.repeat([w for _, _, w in runs], [e - s for s, e, _ in runs])
        contrib = scale * term_weights(tfs, norm[docs], self.params)
        # Dense accumulation: O(postings + passages) with no sort.
        totals = np.bincount(docs, weights=contrib, minlength=a.doc_len.size)
        if all(w > 0 for _, _, w in runs):
            # Every contribution is positive, so the touched passages are exactly totals > 0.
            candidates = np.flatnonzero(totals)
        else:
            # A weight of 0 or below (tiny corpora: idf 0, or a negative epsilon floor) can
            # leave a touched passage at 0: mark the touched ones explicitly.
            touched = np.zeros(a.doc_len.size, dtype=bool)
            touched[docs] = True
            candidates = np.flatnonzero(touched)
        if not self._all_alive:
            candidates = candidates[a.alive[candidates]]
        return candidates, totals[candidates]

    def dense_scores(self, terms: Sequence[str]) -> np.ndarray:
        """Scores of every passage number (0 where no term matches): for parity checks."""
        out = np.zeros(self._a.doc_len.size, dtype=np.float64)
        docs, scores = self.scores(terms)
        out[docs] = scores
        return out

    def passages_of(self, article_keys: Iterable[int]) -> np.ndarray:
        """A mask over passage numbers: True for the passages of these articles (a query's scope)."""
        return np.isin(self._a.article, np.fromiter(article_keys, dtype=np.int64))

    def articles_of(self, among: np.ndarray) -> list[int]:
        """The article keys of the live passages a mask keeps, in passage order."""
        return [int(k) for k in self._a.article[among & self._a.alive]]

    def top(self, terms: Sequence[str], k: int, among: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The k best (passage number, exact score), best first; ties broken by passage number.

        Two stages in one compiled pass (:func:`.topk.contenders`): float32 scores from
        precomputed per-posting weights pick the contenders (everything within a safe margin
        of the k-th, ties included), then their exact float64 scores, computed as in
        :meth:`scores`, decide. The result is the exact ranking.
        ``among`` (a mask from :meth:`passages_of`) keeps only those passages.
        """
        weights = Counter(self.term_ids(terms))
        if not weights or k < 1:  # the compiled kernel keeps k scores: at least one
            return []
        idf, norm, _ = self._stats()
        if not all(idf[t] > 0 for t in weights):
            return self._top_exact(terms, k, among)  # tiny corpora (an idf of 0 or below): the plain way
        a = self._a
        keep = _NO_MASK
        if not self._all_alive:
            keep = np.asarray(a.alive) if among is None else among & a.alive
        elif among is not None:
            keep = among
        if keep.size not in (0, a.doc_len.size):  # the compiled code checks no bounds
            raise ValueError(f"a mask of {keep.size} passages for an index of {a.doc_len.size}")
        ids = np.fromiter(weights, dtype=np.int64, count=len(weights))
        chosen, exact = contenders(np.asarray(a.indptr), np.asarray(a.docs), self._approximate(), np.asarray(a.tfs),
                                   norm, ids, idf[ids] * np.fromiter(weights.values(), dtype=np.float64), k,
                                   self.params.k1, keep)
        order = np.lexsort((chosen, -exact))[:k]
        return [(int(chosen[i]), float(exact[i])) for i in order]

    def _top_exact(self, terms: Sequence[str], k: int, among: np.ndarray | None = None) -> list[tuple[int, float]]:
        docs, scores = self.scores(terms)
        if among is not None:
            keep = among[docs]
            docs, scores = docs[keep], scores[keep]
        # A full sort: a partition would drop an arbitrary one of the passages tied at the k-th.
        order = np.lexsort((docs, -scores))[:k]
        return [(int(docs[i]), float(scores[i])) for i in order]

    def _approximate(self) -> np.ndarray:
        """Per-posting saturated term frequency in float32, built once per state of the index."""
        if self._approx is None:
            _, norm, _ = self._stats()
            a = self._a
            # In float32 throughout (numpy keeps float32 with Python scalars): rounding stays
            # within a few float32 ulps, far inside top()'s margin, and a 35k index takes a
            # fraction of the 6 s of float64 with a cast after.
            self._approx = term_weights(a.tfs, norm.astype(np.float32)[a.docs], self.params)
        return self._approx

    def passage(self, number: int) -> Passage:
        return self.passages([number])[0]

    def passages(self, numbers: Sequence[int]) -> list[Passage]:
        """The passages of these numbers, read from the arrays a column at a time (an element at
        a time, 30 passages took 0.06 ms of a question)."""
        a, at = self._a, np.asarray(numbers, dtype=np.int64)
        return list(map(Passage, a.article[at].tolist(), a.paragraph[at].tolist(), a.first[at].tolist(),
                        a.last[at].tolist()))

    # --- persistence (the files themselves: :mod:`.generations`) -------------------------

    current_generation = staticmethod(generations.current_generation)
    has_pointer = staticmethod(generations.has_pointer)

    def save(self, folder: Path) -> Path:
        """Write a new generation under ``folder`` and make it current atomically.

        An exclusive lock on ``folder/LOCK`` keeps two processes (the bot and the ingest CLI,
        two workers) from writing generations at the same time. A writer that is behind (the
        generation in force, built the same way from the same store, reflects later changes)
        writes nothing: two workers' saves never take the index back.
        """
        self.compact()
        folder.mkdir(parents=True, exist_ok=True)
        with generations.locked(folder):
            current = generations.current_generation(folder)
            if current and generations.is_ahead(folder / current, self.store_id, self.analysis, self.seq):
                log.info("index not saved: %s reflects later changes than this one (%d)", current, self.seq)
                return folder / current
            arrays = {name: getattr(self._a, name) for name in ARRAY_NAMES}
            arrays |= {"df": self._df, "approx": self._approximate()}
            meta = {"seq": self.seq, "store": self.store_id, "analysis": self.analysis,
                    "params": {"k1": self.params.k1, "b": self.params.b, "epsilon": self.params.epsilon},
                    "passages": int(self._a.doc_len.size), "terms": len(self.vocab)}
            final = generations.write(folder, arrays, self.vocab, meta)
        log.info("index saved: %s (%d passages, %d terms)", final, self.n_passages, len(self.vocab))
        self.generation = final.name
        return final

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> Index:
        """Load the current generation; :class:`IndexFormatError` says what is wrong."""
        saved = generations.read(folder, (*ARRAY_NAMES, "df", "approx"), mmap)
        meta, files = saved.meta, saved.arrays
        index = cls(BM25Params(**meta["params"]))
        index.vocab = saved.vocab
        index.seq = int(meta["seq"])
        index.analysis = meta.get("analysis", {})
        index.store_id = str(meta.get("store", ""))
        index.generation = saved.path.name
        index._a = Arrays(**{name: files[name] for name in ARRAY_NAMES})
        a, df, approx = index._a, np.array(files["df"]), files["approx"]  # df in memory: it is updated in place
        passages = meta["passages"]
        if not (a.indptr.size == len(saved.vocab) + 1 == df.size + 1 and a.doc_len.size == passages
                and a.docs.size == a.tfs.size == approx.size == (int(a.indptr[-1]) if a.indptr.size else 0)
                and all(getattr(a, n).size == passages for n in ("alive", "article", "paragraph", "first", "last"))):
            raise IndexFormatError(f"the index at {saved.path} is inconsistent; rebuild it")
        index._df = df
        index._approx = approx
        return index
