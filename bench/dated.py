"""How often the right dated article comes first: tests/data/dated-questions.jsonl, time-aware or not.

    python bench/dated.py [--data ../shared/data] [--limit 5000]

The 40 questions (bench/make_dated_questions.py) each name a time ("năm 2019", "tuần
trước" with their own ``now``); the library holds all of news/vnexpress-bongda.jsonl.gz
(dated 2003–2025) plus the first LIMIT baomoi articles (undated). Each question is asked of
one library twice, with the time read (``LibrarySettings.time_aware``, what the bot does) and with
its words taken as plain words (what the code did before), and counts as right when the
first sentence's article is one of that period's. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from retrieval.library import LibrarySettings
from retrieval.tools import eval_library

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dated-questions.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--limit", type=int, default=5000, help="baomoi distractors (default 5000)")
    parser.add_argument("--cache", type=Path, default=Path("data/eval"))
    args = parser.parse_args()
    library = eval_library(args.cache, args.data / "news" / "vnexpress-bongda.jsonl.gz",
                           args.data / "news" / "baomoi-2017.jsonl.gz", args.limit, LibrarySettings())
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    result: dict[str, object] = {"questions": len(questions), "articles": library.index.n_articles}
    for name, aware in (("before", False), ("after", True)):
        library.settings = replace(library.settings, time_aware=aware)
        right, ms = 0, []
        by_time: dict[str, list[int]] = {}
        for q in questions:
            started = time.perf_counter()
            answer = library.answer(q["question"], now=datetime.fromisoformat(q["now"]))
            ms.append((time.perf_counter() - started) * 1000)
            hit = answer.found and answer.sentences[0].citation.article_id in q["articles"]
            right += hit
            kind = "relative" if q["time"] in ("hôm qua", "tuần trước", "tháng trước", "năm ngoái") else "calendar"
            counts = by_time.setdefault(kind, [0, 0])
            counts[0] += 1
            counts[1] += hit
        result[name] = {"right_first": round(right / len(questions), 3), "right": right,
                        "by_time": {k: f"{h}/{n}" for k, (n, h) in by_time.items()},
                        "median_ms": round(statistics.median(ms), 2)}
    library.settings = replace(library.settings, time_aware=True)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
