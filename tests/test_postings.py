"""Numbering passages' terms from their sentences (retrieval/archive/postings.py) gives each passage
exactly its terms as strings, and an index built that way scores as one built from strings."""

from __future__ import annotations

from collections import Counter

import numpy as np

from retrieval.archive import CutArticle
from retrieval.archive.postings import encode
from retrieval.articles import Passage, Sentence
from retrieval.index import Index
from retrieval.library import Library
from retrieval.text import query_terms


def test_each_passage_gets_its_terms_as_strings(seed_library: Library) -> None:
    cuts = [seed_library.cut(s) for s in seed_library.store.changed_since(0)]
    index = Index()
    passages, lengths, terms = encode(cuts, index.vocab)
    names = list(index.vocab.terms())
    expected = [p for cut in cuts for p in cut.passages]
    assert passages == [p for p, _ in expected]
    starts = np.concatenate([[0], np.cumsum(lengths)])
    for (_, strings), start, end in zip(expected, starts, starts[1:]):
        assert Counter(names[t] for t in terms[start:end]) == Counter(strings)
    assert len(expected) > 20 and any("~" in t for _, strings in expected for t in strings)


def test_odd_words_split_as_the_string_terms_do(seed_library: Library) -> None:
    """Doubled underscores, an empty sentence, a title word that is empty: the same terms."""
    stored = next(iter(seed_library.store.changed_since(0)))
    sentences = [Sentence(1, 0, "x", ("a__b", "chủ_trì", "Đ")), Sentence(1, 1, "y", ()), Sentence(2, 0, "z", ("hà",))]
    windows = [(Passage(stored.key, 1, 0, 1), 0, 2), (Passage(stored.key, 2, 0, 0), 2, 3)]
    cut = CutArticle(stored, sentences, windows, ["tiêu_đề", ""])
    index = Index()
    _, lengths, terms = encode([cut], index.vocab)
    names = list(index.vocab.terms())
    got = [Counter(names[t] for t in part) for part in np.split(terms, np.cumsum(lengths)[:-1])]
    assert got == [Counter(strings) for _, strings in cut.passages]


def test_an_index_of_numbered_terms_scores_as_one_of_strings(seed_library: Library) -> None:
    cuts = [seed_library.cut(s) for s in seed_library.store.changed_since(0)]
    numbered, spelled = Index(), Index()
    numbered.add_numbered(*encode(cuts, numbered.vocab))
    spelled.add([p for cut in cuts for p in cut.passages])
    for question in ("ai chủ trì hội nghị tổng kết", "ai chu tri hoi nghi", "ai ghi bàn cho U23 Việt Nam"):
        terms = query_terms(question)
        top_numbered, top_spelled = numbered.top(terms, 10), spelled.top(terms, 10)
        assert [n for n, _ in top_numbered] == [n for n, _ in top_spelled]
        assert np.allclose([s for _, s in top_numbered], [s for _, s in top_spelled], rtol=0, atol=1e-12)
        assert top_numbered and top_numbered[0][1] > 0
