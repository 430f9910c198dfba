"""Search snippets: the sentence of a passage that shows the query best, with its words marked.

Ranking for ``/search`` is the index's (articles by their best passage, in
:meth:`retrieval.library.Library.search`); here is what a result shows of it.
"""

from __future__ import annotations

import re

from ..text import FOLDED, fold, shorten, syllables
from .records import Snippet

SNIPPET_CHARS = 300  # about two lines on a phone
_WORD_SPAN_RE = re.compile(r"\w+")
# Question words and glue are not what a reader searched for: they are never marked.
_STOP_MARKS = frozenset(fold(w) for w in "ai gì nào đâu bao nhiêu là của và có được những các thì".split())


EXACT = "="  # prefix of a mark that matches its accented spelling only


def query_marks(query: str, meant: dict[str, str] | None = None) -> frozenset[str]:
    """The syllables of a query that a snippet marks: folded (any spelling matches), or, for
    those the archive says were meant accented (``meant``: "~da" → "đá"), that spelling only."""
    meant = {k[len(FOLDED):]: v for k, v in (meant or {}).items()}
    marks = (EXACT + meant[t] if t in meant else t for t in (fold(w) for w in syllables(query)))
    return frozenset(t for t in marks if t not in _STOP_MARKS)


def _marked(word: str, marks: frozenset[str]) -> bool:
    return fold(word) in marks or EXACT + word.lower() in marks


def _marked_count(text: str, marks: frozenset[str]) -> int:
    return sum(1 for m in _WORD_SPAN_RE.finditer(text) if _marked(m.group(0), marks))


def best_snippet(sentences: list[str], marks: frozenset[str]) -> Snippet:
    """The sentence with the most marked words (the first of equals), as a snippet."""
    return snippet(max(sentences, key=lambda t: _marked_count(t, marks), default=""), marks)


def snippet(text: str, marks: frozenset[str], limit: int = SNIPPET_CHARS) -> Snippet:
    """The text (cut at a word near ``limit`` characters) with the spans of query syllables,
    adjacent ones merged."""
    text = shorten(text, limit)
    spans: list[tuple[int, int]] = []
    for m in _WORD_SPAN_RE.finditer(text):
        if _marked(m.group(0), marks):
            if spans and text[spans[-1][1] : m.start()].isspace():
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
    return Snippet(text, tuple(spans))
