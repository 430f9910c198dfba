"""An article from a file to its passages: the formats read, the record, each sentence's
evidence (times, quantities, people …) and the passage windows the index scores.

Other packages import these names from here, never from the modules.
"""

from .article import Article, Passage, Sentence, feed_article_id, may_replace
from .evidence import EVIDENCE_KINDS, EVIDENCE_VERSION, SURNAMES, decode, sentences_evidence
from .formats import ReadLimits, find_files, read_file
from .passages import PassageShape, Window, passage_terms, passage_windows

__all__ = [
    "Article",
    "EVIDENCE_KINDS",
    "EVIDENCE_VERSION",
    "Passage",
    "PassageShape",
    "ReadLimits",
    "SURNAMES",
    "Sentence",
    "Window",
    "decode",
    "feed_article_id",
    "find_files",
    "may_replace",
    "passage_terms",
    "passage_windows",
    "read_file",
    "sentences_evidence",
]
