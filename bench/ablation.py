"""What each answer feature gives: the ranker refitted without it, cross-validated by article.

    python bench/ablation.py [--limit 5000] [--data ../shared/data] [--data-dir data] [--features a,b]

Both dev sets are asked once (with and without diacritics, as ``python -m retrieval train``
does); then, for the full feature set and for each feature left out (its column set to zero),
the ranker is refitted fold by fold and judged on the folds it did not see. Prints one JSON
object: answer@1/@3 per dev set and typing, for each run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import dev_examples  # noqa: E402

from retrieval.answer import FEATURES  # noqa: E402
from retrieval.tools import cross_validate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=5000, help="distractor articles (default 5000)")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"), help="the shared data folder")
    parser.add_argument("--data-dir", type=Path, default=Path("data"), help="where the eval index is cached")
    parser.add_argument("--features", help="comma-separated features to leave out one at a time (default: all)")
    args = parser.parse_args()
    if not (args.data / "qa").is_dir():
        print(f"no data at {args.data}: this benchmark needs ../shared/data", file=sys.stderr)
        return 2
    examples, sizes = dev_examples(args.data, args.data_dir / "eval", args.limit)
    left_out = args.features.split(",") if args.features else list(FEATURES)
    runs: dict[str, dict] = {}
    for name in tqdm(("all", *left_out), desc="ablation", file=sys.stderr):
        data = examples
        if name != "all":
            column = FEATURES.index(name)
            data = []
            for e in examples:
                matrix = e.matrix.copy()
                matrix[:, column] = 0.0
                data.append(dataclasses.replace(e, matrix=matrix))
        figures = cross_validate(data, questions=sizes)
        runs[name if name == "all" else f"without {name}"] = {k: v for k, v in figures.items() if k.count(" ") == 1}
    print(json.dumps({"distractors": args.limit, "runs": runs}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
