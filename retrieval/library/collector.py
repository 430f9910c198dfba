"""How often CPython's cycle collector runs in a process that answers questions.

A question makes a few thousand container objects (candidate sentences, their syllables,
feature rows, hits) that all die with its answer, almost none of them in a reference cycle.
At the default thresholds (700, 10, 10) the youngest generation was collected several times
a question, and every tenth of those passes walked the middle one too: 3–5 % of the answer
median at 35,439 articles, measured question by question in one process (bench/RESULTS.md).
With room for 10,000 new objects that happens about once a question; cycles are still
collected, a little later.
"""

from __future__ import annotations

import gc

THRESHOLDS = (10_000, 10, 10)


def tune_collector() -> None:
    """Set :data:`THRESHOLDS` for this process; entry points call it once, at start."""
    gc.set_threshold(*THRESHOLDS)
