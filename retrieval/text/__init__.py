"""Vietnamese text: normalising, folding, syllables and words (pyvi), sentences, the accented
readings of folded words, dates in Vietnam time and the time a question names.

Other packages import these names from here, never from the modules.
"""

from .clock import VIETNAM, believable, date_text, utc_now, utc_stamp
from .readings import meant_pairs, spelled_along, spelled_as
from .syllable_table import SyllableTable
from .timeframe import TimeFrame, asks_now, day_start, read_time
from .vietnamese import (
    FOLDED,
    QUESTION_SYLLABLES,
    SEGMENTATION_VERSION,
    TERMS_VERSION,
    clean,
    fold,
    fold_syllable,
    has_diacritics,
    index_terms,
    is_mixed,
    name_terms,
    normalize,
    query_terms,
    segment,
    segment_many,
    shorten,
    split_sentences,
    strip_marks,
    syllables,
    words_syllables,
)

__all__ = [
    "FOLDED",
    "QUESTION_SYLLABLES",
    "SEGMENTATION_VERSION",
    "SyllableTable",
    "TERMS_VERSION",
    "TimeFrame",
    "VIETNAM",
    "asks_now",
    "believable",
    "clean",
    "date_text",
    "day_start",
    "fold",
    "fold_syllable",
    "has_diacritics",
    "index_terms",
    "is_mixed",
    "meant_pairs",
    "name_terms",
    "normalize",
    "query_terms",
    "read_time",
    "segment",
    "segment_many",
    "shorten",
    "spelled_along",
    "spelled_as",
    "split_sentences",
    "strip_marks",
    "syllables",
    "utc_now",
    "utc_stamp",
    "words_syllables",
]
