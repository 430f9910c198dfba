"""Start-up: time to open a persisted library (index and store) and the process's memory after it.

    python bench/startup.py [--size 35439] [--runs 5]

Each run is a fresh Python process that imports the code, opens ``Library`` on the cached
evaluation corpus (bench/corpus.py) and reports wall time and resident memory (VmRSS, and
the peak VmHWM). A first, untimed open brings the persisted index up to date if needed.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CACHE, ROOT, library, machine, summary  # noqa: E402

PROBE = """
import json, sys, time
started = time.perf_counter()
from retrieval.library import Library
imported = time.perf_counter()
library = Library(__import__("pathlib").Path(sys.argv[1]))
opened = time.perf_counter()
library.answer("Ai chủ trì hội nghị?")
answered = time.perf_counter()
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print(json.dumps({"import_s": imported - started, "open_s": opened - imported, "first_answer_s": answered - opened,
                  "rss_mb": int(status["VmRSS"].split()[0]) / 1024, "peak_mb": int(status["VmHWM"].split()[0]) / 1024,
                  "articles": library.stats().articles}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=35_439)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", type=Path, default=CACHE)
    args = parser.parse_args()
    folder = library(args.size, args.cache).data_dir  # builds or updates the cached corpus
    runs = []
    for _ in range(args.runs):
        done = subprocess.run([sys.executable, "-c", PROBE, str(folder)], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        runs.append(json.loads(done.stdout))
    figures = {key: summary([r[key] for r in runs]) for key in ("open_s", "import_s", "first_answer_s", "rss_mb",
                                                                   "peak_mb")}
    print(json.dumps({"benchmark": "start-up", "machine": machine(), "size": args.size,
                      "articles": runs[0]["articles"], "runs": args.runs, **figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
