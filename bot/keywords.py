"""Keyword queries, the rule by which a new article matches a subscription.

An article matches when every keyword occurs in it (title, summary or body); words in double
quotes must occur together and in that order. A syllable typed with diacritics matches only
that spelling; one typed without them matches any accents ("bao lu" finds "bão lũ"), which is
how questions are matched too. Question words (ai, gì, …) are ignored, as in questions.
The terms are those of the index (syllables, adjacent pairs, ``~``-folded forms), so a set of
keyword queries can be indexed by term when many must be matched against each new article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from retrieval.articles import Article
from retrieval.errors import EmptyQuery
from retrieval.text import FOLDED, QUESTION_SYLLABLES, fold, has_diacritics, index_terms, split_sentences, syllables

_PHRASE_RE = re.compile(r"[\"“”]([^\"“”]*)[\"“”]?")


@dataclass(frozen=True)
class KeywordQuery:
    """What a subscription asks for: ``terms`` must all be among an article's terms."""

    text: str
    terms: frozenset[str]

    @property
    def key(self) -> str:
        """The same for keyword texts that ask for the same thing ("lũ bão" and "bão, lũ")."""
        return " ".join(sorted(self.terms))

    def matches(self, article_terms: frozenset[str]) -> bool:
        return self.terms <= article_terms


def _syllable_term(syllable: str) -> str:
    return syllable if has_diacritics(syllable) else FOLDED + fold(syllable)


def _phrase_terms(phrase: list[str]) -> list[str]:
    """Each syllable, and each adjacent pair: accented when both carry diacritics, else folded."""
    out = [_syllable_term(s) for s in phrase]
    for a, b in zip(phrase, phrase[1:]):
        if has_diacritics(a) and has_diacritics(b):
            out.append(f"{a}_{b}")
        else:
            out.append(f"{FOLDED}{fold(a)}_{fold(b)}")
    return out


def parse_keywords(text: str) -> KeywordQuery:
    """The keyword query of a subscription text; :class:`EmptyQuery` when no word is left."""
    terms: list[str] = []
    for quoted in _PHRASE_RE.findall(text):
        terms += _phrase_terms(syllables(quoted))
    loose = _PHRASE_RE.sub(" ", text)
    terms += [_syllable_term(s) for s in syllables(loose) if s not in QUESTION_SYLLABLES and fold(s) != "gi"]
    if not terms:
        raise EmptyQuery("the keywords have no word to look for")
    return KeywordQuery(" ".join(text.split()), frozenset(terms))


def text_terms(texts: Iterable[str]) -> frozenset[str]:
    """Every term a keyword query can ask for, over some texts (pairs never cross sentences)."""
    return frozenset(
        t for text in texts for sentence in split_sentences(text) for t in index_terms(syllables(sentence))
    )


def article_terms(article: Article) -> frozenset[str]:
    """The terms of an article that keyword queries are matched against."""
    return text_terms([article.title, article.summary or "", *article.paragraphs])
