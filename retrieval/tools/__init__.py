"""Offline work on the library: evaluation on question sets and fitting the ranker.

Other packages import these names from here, never from the modules.
"""

from .evaluation import FIGURES, HALVES, contains, eval_library, evaluate, in_half, load_questions
from .training import FitSettings, collect, cross_validate, fit, table

__all__ = [
    "FIGURES",
    "FitSettings",
    "HALVES",
    "collect",
    "contains",
    "cross_validate",
    "eval_library",
    "evaluate",
    "fit",
    "in_half",
    "load_questions",
    "table",
]
