"""Ingest speed: the baomoi corpus into an empty store, beside pyvi's raw single-core rate.

    python bench/ingest.py [--limit 35439] [--workers 2] [--pyvi-sample 1500] [--repeat 3]

Measured in one run: (1) pyvi alone, one core, segmenting every sentence of the first
``--pyvi-sample`` articles (its syllables per second), and our segmenter (retrieval/text/wordseg.py,
the same words) on the same sentences, 600 at a time as a worker gets them; (2)
``Library.ingest`` of ``--limit`` articles into an empty temporary folder with ``--workers``
processes: dedupe, split, segment, evidence, store, index, save. (1) runs before and after (2)
and its mean rate counts, so a drift of the machine's speed during the run is shared. The target
compares (2)'s wall time with the time (1)'s rate needs for all the text:
ratio = ingest seconds / (syllables / pyvi syllables per second).

The machine's speed drifts by ±15 % over minutes, so one such round moves the ratio by as much;
``--repeat N`` runs N rounds back to back (pyvi, ingest, pyvi, ingest, …, pyvi: each ingest
against the pyvi timings on either side of it) and reports each round and their median.
Prints one JSON object, with the peak memory of this process and of its workers.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import FULL, NEWS, machine, require_data  # noqa: E402

from retrieval.articles import (
    Article,  # noqa: E402
    read_file,  # noqa: E402
)
from retrieval.library import Library  # noqa: E402
from retrieval.store import IngestReport  # noqa: E402
from retrieval.store.ingest import indexed_paragraphs  # noqa: E402
from retrieval.text import normalize, split_sentences, syllables  # noqa: E402
from retrieval.text.wordseg import tokenize_many  # noqa: E402


def _sentences(article: Article) -> list[str]:
    return [s for p in indexed_paragraphs(article) for s in split_sentences(p)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=FULL)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pyvi-sample", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of pyvi / ingest / pyvi; the median ratio counts")
    args = parser.parse_args()
    require_data()
    articles = [a for a in read_file(NEWS, limit=args.limit) if isinstance(a, Article)]
    total_syllables = sum(len(syllables(s)) for a in articles for s in _sentences(a))
    sample = [s for s in (normalize(s) for a in articles[: args.pyvi_sample] for s in _sentences(a)) if s]
    sample_syllables = sum(len(syllables(s)) for s in sample)
    # Both segmenters are timed before and after each ingest, and each ratio uses the mean of
    # the two: the machine's speed drifts by ±15 % over minutes, which one timing would not see.
    timings = [_segmenter_seconds(sample)]
    rounds, ratios = [], []
    for _ in range(max(args.repeat, 1)):
        ingest_seconds, report, passages = _ingest_once(articles, args.workers)
        before, after = timings[-1], _segmenter_seconds(sample)
        timings.append(after)
        pyvi_rate = sample_syllables / ((before[0] + after[0]) / 2)
        ours_rate = sample_syllables / ((before[1] + after[1]) / 2)
        pyvi_all = total_syllables / pyvi_rate
        ratios.append(round(ingest_seconds / pyvi_all, 3))
        rounds.append({
            "ingest": {"seconds": round(ingest_seconds, 1), "articles_per_s": round(len(articles) / ingest_seconds, 1),
                       "syllables_per_s": round(total_syllables / ingest_seconds)},
            "pyvi_single_core": {"syllables_per_s": round(pyvi_rate),
                                 "before_and_after": [round(sample_syllables / before[0]), round(sample_syllables / after[0])],
                                 "seconds_for_all_text": round(pyvi_all, 1)},
            "wordseg_single_core": {"syllables_per_s": round(ours_rate), "times_pyvi": round(ours_rate / pyvi_rate, 2)},
            "ratio_ingest_over_pyvi_alone": ratios[-1],
        })
    print(json.dumps({
        "benchmark": "ingest", "machine": machine(), "articles": len(articles), "workers": args.workers,
        "report": report.summary(), "passages": passages, "syllables": total_syllables,
        "pyvi_sample": {"articles": args.pyvi_sample, "syllables": sample_syllables},
        "rounds": rounds,
        "ratio_ingest_over_pyvi_alone": {"median": round(statistics.median(ratios), 3), "min": min(ratios), "max": max(ratios)},
        "peak_rss_mb": {"this_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                        "largest_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024},
    }, indent=2))
    return 0


def _segmenter_seconds(sample: list[str]) -> tuple[float, float]:
    """Seconds pyvi's ``ViTokenizer.tokenize`` takes over ``sample``, one sentence at a time,
    and ours (``tokenize_many``) in batches of 600, as ingest calls it."""
    from pyvi import ViTokenizer

    ViTokenizer.tokenize("khởi động")  # the model loads once, outside the clock
    started = time.perf_counter()
    for sentence in sample:
        ViTokenizer.tokenize(sentence)
    pyvi = time.perf_counter() - started
    started = time.perf_counter()
    for at in range(0, len(sample), 600):
        tokenize_many(sample[at : at + 600])
    return pyvi, time.perf_counter() - started


def _ingest_once(articles: list[Article], workers: int) -> tuple[float, IngestReport, int]:
    """Seconds to ingest ``articles`` into a new library, its report and its passages."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        library = Library(Path(folder))
        report = library.ingest(articles, workers=workers)
        seconds = time.perf_counter() - started
        passages = library.stats().passages
        library.close()
    return seconds, report, passages


if __name__ == "__main__":
    sys.exit(main())
