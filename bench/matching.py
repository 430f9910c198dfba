"""Subscription matching: per-article cost with subscriptions filed by term, against a plain scan.

    python bench/matching.py [--subscriptions 100000] [--articles 200]

Keywords are one to three syllables drawn from the articles' own vocabulary, leaving out
the syllables in more than 5 % of them (nobody subscribes to "và"), so that some match.
Articles come from ../shared/data/news/baomoi-2017.jsonl.gz when present, else
from seeds/. Both ways run in this process over the same subscriptions and must find the
same matches. Prints one JSON object: milliseconds per article (median, p95, min, max) for
each, their ratio, and matches per article.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import summary  # noqa: E402

from bot.database import open_database  # noqa: E402
from bot.keywords import article_terms  # noqa: E402
from bot.subscriptions import SubscriptionRefused, Subscriptions  # noqa: E402
from retrieval.articles import Article, read_file  # noqa: E402
from retrieval.store import read_articles  # noqa: E402
from retrieval.text import syllables  # noqa: E402

NEWS = ROOT.parent / "shared" / "data" / "news" / "baomoi-2017.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args()
    if NEWS.exists():
        articles = [a for a in read_file(NEWS, limit=args.articles) if isinstance(a, Article)]
    else:
        articles = [a for a in read_articles([ROOT / "seeds"]) if isinstance(a, Article)]
    rng = random.Random(7)
    df = Counter(s for a in articles for s in {s for p in a.paragraphs for s in syllables(p) if s.isalpha()})
    vocabulary = sorted(s for s, n in df.items() if n <= max(1, 0.05 * len(articles)))
    with tempfile.TemporaryDirectory() as folder:
        subs = Subscriptions(open_database(Path(folder) / "bot.sqlite3"))
        made = 0
        while made < args.subscriptions:
            words = " ".join(rng.sample(vocabulary, rng.choice((1, 2, 2, 3))))
            try:
                subs.add(made + 1, words)
                made += 1
            except SubscriptionRefused:  # an unlucky draw of question words only
                continue
        everyone = subs.all()
        subs.matching(frozenset())  # files the subscriptions by term once, before the clock runs
        indexed, scanned, found = [], [], []
        for article in articles:
            terms = article_terms(article)
            started = time.perf_counter()
            by_index = subs.matching(terms)
            indexed.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            by_scan = [s for s in everyone if s.query.matches(terms)]
            scanned.append((time.perf_counter() - started) * 1000)
            assert [s.id for s in by_index] == [s.id for s in by_scan]
            found.append(len(by_index))
    print(json.dumps({
        "benchmark": "subscription matching",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "subscriptions": args.subscriptions, "articles": len(articles),
        "ms_per_article": {"indexed": summary(indexed, 4), "scan": summary(scanned, 4)},
        "speedup_median": round(summary(scanned, 6)["median"] / summary(indexed, 6)["median"], 1),
        "matches_per_article": summary([float(n) for n in found], 1),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
